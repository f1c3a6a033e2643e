"""The event pump honours ReportBatchItemFailures like Lambda: a reported item fails the batch."""

from __future__ import annotations

from devstack.pump import EventPump


class _Session:
    def client(self, *args, **kwargs):
        return None


def _pump() -> EventPump:
    return EventPump(_Session(), [])


def test_a_reported_item_failure_fails_the_invocation():
    pump = _pump()
    failed = {"batchItemFailures": [{"itemIdentifier": "2"}]}
    assert pump._invoke("h", lambda e, c: failed, {}) is False
    assert pump.failures == 1


def test_nothing_reported_is_success():
    pump = _pump()
    assert pump._invoke("h", lambda e, c: {"batchItemFailures": []}, {}) is True
    assert pump._invoke("h", lambda e, c: None, {}) is True
    assert pump.failures == 0
