import json
import logging

from chalicelib.service.logs import log_event


def test_a_field_called_level_is_a_field_not_the_logging_level(caplog):
    with caplog.at_level(logging.INFO, logger="claimbot"):
        log_event("handoff.notified", level=1, people=2)
        log_event("webhook.rejected", logging.WARNING, reason="signature")
    notified, rejected = caplog.records
    assert notified.levelno == logging.INFO
    assert json.loads(notified.getMessage()) == {"log": "handoff.notified", "level": 1, "people": 2}
    assert rejected.levelno == logging.WARNING
    assert json.loads(rejected.getMessage())["reason"] == "signature"
