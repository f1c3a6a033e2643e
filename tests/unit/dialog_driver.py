"""Drive the dialog as the webhook does: decide, then apply the effects the decision asks for
(dialog/effects.py) to the fakes, so a test sees what was written."""

from __future__ import annotations

from chalicelib.dialog import router
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.effects import apply_all
from chalicelib.dialog.outcome import Outcome, SessionState
from chalicelib.domain.messages import InboundMessage


def turn(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    outcome = router.handle(msg, state, config)
    apply_all(outcome.effects, config)
    return outcome


class FakeHandoffs:
    """The Handoffs port (store/handoffs.py) that remembers nothing: a chat always opens."""

    def open(self, openid: str, channel: str, reason: str) -> tuple[None, bool]:
        return None, True

    def close(self, openid: str, ended_by: str) -> bool:
        return True

    def queue_relay(self, openid: str, seq: str, said: str) -> None:
        pass
