"""What handling one message decides: a passive reply, follow-up sends, jobs, a new state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.messages import Reply


@dataclass(frozen=True)
class SessionState:
    """Where a customer is in the conversation. `data` holds the flow's answers so far."""

    flow: str = ""
    step: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def idle(self) -> bool:
        return not self.flow

    @classmethod
    def empty(cls) -> SessionState:
        return cls()


@dataclass(frozen=True)
class Job:
    """Async work for the jobs queue, e.g. ("media.fetch", {"media_id": ...})."""

    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """The result of dialog.handle.

    reply  -- answered passively in the HTTP response (costs no quota); None = "success".
    sends  -- further messages to the same customer, delivered through the outbox queue.
    jobs   -- async work to enqueue.
    state  -- the session state to store; None leaves it unchanged.
    """

    reply: Reply | None = None
    sends: tuple[Reply, ...] = ()
    jobs: tuple[Job, ...] = ()
    state: SessionState | None = None
