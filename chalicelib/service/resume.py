"""Continue a conversation from the worker: an async result (e.g. a licence read) becomes the
dialog's next Outcome, applied to the session and sent through the outbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.dialog.outcome import Outcome, SessionState
from chalicelib.jobs.queues import JOBS, OUTBOX, new_message_id
from chalicelib.service.logs import log_event, ref
from chalicelib.store.sessions import SessionConflict
from chalicelib.wechat.replies import reply_to_json

RETRIES = 3


class Resumer:
    def __init__(self, sessions: Any, queues: Any, clock: Callable[[], float]) -> None:
        self.sessions = sessions
        self.queues = queues
        self.clock = clock

    def resume(
        self,
        openid: str,
        expects: Callable[[SessionState], bool],
        decide: Callable[[SessionState], Outcome],
        origin: str,
    ) -> bool:
        """Apply `decide` if the session is still where the async work left it.

        False when the customer has moved on (another flow, a newer photo): the result is
        dropped rather than interrupting them.
        """
        for _ in range(RETRIES):
            state, item = self.sessions.load(openid)
            if not expects(state):
                log_event("resume.stale", user=ref(openid))
                return False
            outcome = decide(state)
            try:
                if outcome.state is not None:
                    self.sessions.save(item, outcome.state)
            except SessionConflict:
                continue
            self._deliver(openid, outcome, origin)
            return True
        raise SessionConflict(ref(openid))

    def _deliver(self, openid: str, outcome: Outcome, origin: str) -> None:
        replies = [r for r in (outcome.reply, *outcome.sends) if r is not None]
        if replies:
            self.queues.publish(
                OUTBOX,
                [
                    {
                        "id": new_message_id(),
                        "kind": "custom",
                        "openid": openid,
                        "reply": reply_to_json(reply),
                        "origin": origin,
                        "created_at": self.clock(),
                    }
                    for reply in replies
                ],
            )
        if outcome.jobs:
            jobs = [
                {"id": new_message_id(), "kind": j.kind, "payload": j.payload} for j in outcome.jobs
            ]
            self.queues.publish(JOBS, jobs)
