"""Continue a conversation from the worker: an async result (e.g. a licence read) becomes the
dialog's next Outcome, applied to the session and sent through the outbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chalicelib.dialog.outcome import Outcome, SessionState
from chalicelib.jobs.messages import custom
from chalicelib.service.decide import Decider
from chalicelib.service.logs import log_event, ref

if TYPE_CHECKING:
    from chalicelib.jobs.queues import Queues


class Resumer:
    def __init__(self, decider: Decider, queues: Queues) -> None:
        self.decider = decider
        self.queues = queues

    def resume(
        self,
        openid: str,
        decide: Callable[[SessionState], Outcome | None],
        origin: str,
        message_id: str | None = None,
    ) -> bool:
        """Apply the dialog's `decide` to the customer's current state; it returns None when
        the customer has moved on (another flow, a newer photo), and the result is dropped
        rather than interrupting them (False). `message_id` (with a suffix per reply) makes
        the answer go at most once when the same job runs again.
        """
        outcome = self.decider.decide(openid, decide)
        if outcome is None:
            log_event("resume.stale", user=ref(openid))
            return False
        self._deliver(openid, outcome, origin, message_id)
        return True

    def _deliver(
        self, openid: str, outcome: Outcome, origin: str, message_id: str | None
    ) -> None:
        replies = [r for r in (outcome.reply, *outcome.sends) if r is not None]
        if replies:
            self.queues.outbox(
                custom(openid, reply, origin, f"{message_id}-{i}" if message_id else None)
                for i, reply in enumerate(replies)
            )
        if outcome.jobs:
            self.queues.jobs(outcome.jobs)
