"""Who takes an in-hours chat: round-robin among the agents signed in and available.

An agent is available while their inbox keeps polling (each poll is a heartbeat; it expires
after the presence time) and they have not paused (暂停接待). The next chat goes to the
available agent who was given one longest ago (never before: first), ties by userid; the store
makes the choice race-safe (a conditional write on that agent's turn). Pure rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

PRESENCE_S = 2 * 60  # default of the setting: a heartbeat older than this means signed out
HEARTBEAT_EVERY_S = 30  # a poll writes the heartbeat again only when it is this old
ASSIGNABLE_ROLE = "agent"  # supervisors see every chat and may take one over, but are not dealt


@dataclass(frozen=True)
class Agent:
    userid: str
    name: str
    seen_at: float
    paused: bool = False
    last_assigned_at: float = 0.0
    assignable: bool = True

    def available(self, now: float, presence_s: float = PRESENCE_S) -> bool:
        return self.assignable and not self.paused and now - self.seen_at < presence_s

    def signed_in(self, now: float, presence_s: float = PRESENCE_S) -> bool:
        return now - self.seen_at < presence_s


def available(agents: Iterable[Agent], now: float, presence_s: float = PRESENCE_S) -> list[Agent]:
    return [a for a in agents if a.available(now, presence_s)]


def next_in_turn(agents: Iterable[Agent], exclude: Iterable[str] = ()) -> Agent | None:
    """The one given a chat longest ago (or never), ties by userid; None when nobody."""
    left_out = set(exclude)
    candidates = [a for a in agents if a.userid not in left_out]
    return min(candidates, key=lambda a: (a.last_assigned_at, a.userid), default=None)


def may_write(member: str, assignee: str | None) -> bool:
    """Reply to a chat: it is theirs, or nobody's yet (replying takes it)."""
    return not assignee or assignee == member


def may_end(member: str, roles: Iterable[str], assignee: str | None) -> bool:
    """End a chat: as for replying; a supervisor may end anyone's."""
    return may_write(member, assignee) or "supervisor" in set(roles)
