"""One turn of a conversation: read the session, decide, save the state the decision led to,
then apply the writes it asked for, exactly once.

The webhook decides for each message, the worker when async work resumes a conversation. Both
go through `Decider.decide`: on a session conflict (another message of the same customer won)
it reads again and decides again, and because the dialog writes nothing while deciding, the
discarded decision leaves no trace. The effects are saved with the state (`pending`) and
cleared once applied, so a request that dies in between leaves them to the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.effects import apply_all
from chalicelib.dialog.outcome import Outcome, SessionState
from chalicelib.service.logs import log_event, ref
from chalicelib.store.sessions import SessionConflict

if TYPE_CHECKING:
    from chalicelib.store.models import SessionItem
    from chalicelib.store.sessions import Sessions

TRIES = 3


class Decider:
    def __init__(self, sessions: Sessions, config: DialogConfig, tries: int = TRIES) -> None:
        self.sessions = sessions
        self.config = config
        self.tries = tries

    def decide(
        self,
        openid: str,
        decide: Callable[[SessionState], Outcome | None],
        first: tuple[SessionState, SessionItem] | None = None,
    ) -> Outcome | None:
        """`decide` may return None (nothing to do in this state): None is returned then.
        `first`: the session as already read (the webhook reads it side by side with claiming
        the message); a conflict reads it again."""
        for attempt in range(self.tries):
            state, item = first if (first and attempt == 0) else self.sessions.load(openid)
            self._settle_leftovers(item)
            outcome = decide(state)
            if outcome is None:
                return None
            if outcome.state is None or outcome.state == state:
                apply_all(outcome.effects, self.config)
                return outcome
            try:
                self.sessions.save(item, outcome.state, pending=outcome.effects)
            except SessionConflict:
                log_event("session.conflict", user=ref(openid))
                continue
            if outcome.effects:
                apply_all(outcome.effects, self.config)
                self.sessions.settled(item)
            return outcome
        raise SessionConflict(ref(openid))

    def _settle_leftovers(self, item: SessionItem) -> None:
        leftovers = self.sessions.pending_of(item) if getattr(item, "pending", None) else []
        if leftovers:
            log_event("session.leftover_effects", count=len(leftovers), user=ref(item.openid))
            apply_all(leftovers, self.config)
            self.sessions.settled(item)
