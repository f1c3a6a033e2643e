"""Customers' requests about their own information (PIPL Arts. 44-50), as staff close them.

A request arrives from the chat (dialog/privacy.py) as a `data_request:<request>` ticket with
its deadline. Staff close it with an outcome; a refusal or a partial outcome carries the reason
the customer is given (Art. 50: refusals with reasons).

Who: supervisors and auditors (a compliance matter, not the agents' inbox). Anyone else is
refused with that reason, never shown an empty list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PREFIX = "data_request:"  # a ticket's kind: data_request:correct | data_request:erase
OUTCOMES = ("done", "refused", "partly")
NEEDS_REASON = ("refused", "partly")
STATUSES = ("open", "closed", "all")
ROLES = ("supervisor", "auditor")
MIN_REASON_CHARS = 4
MAX_REASON_CHARS = 300
MAX_NOTE_CHARS = 1000


class InvalidClosing(ValueError):
    """A closing that cannot be accepted (English, for staff)."""


@dataclass(frozen=True)
class Closing:
    outcome: str
    note: str
    reason: str

    @classmethod
    def parse(cls, body: Mapping[str, Any]) -> Closing:
        outcome = str(body.get("outcome") or "")
        if outcome not in OUTCOMES:
            raise InvalidClosing(f"outcome must be one of {', '.join(OUTCOMES)}")
        note = str(body.get("note") or "").strip()
        reason = str(body.get("reason") or "").strip().rstrip("。.")
        if len(note) > MAX_NOTE_CHARS:
            raise InvalidClosing(f"the note is longer than {MAX_NOTE_CHARS} characters")
        if len(reason) > MAX_REASON_CHARS:
            raise InvalidClosing(f"the reason is longer than {MAX_REASON_CHARS} characters")
        if outcome in NEEDS_REASON and len(reason) < MIN_REASON_CHARS:
            raise InvalidClosing(
                f"a '{outcome}' outcome needs the reason the customer is given "
                f"(at least {MIN_REASON_CHARS} characters): PIPL requires refusals with reasons"
            )
        return cls(outcome, note, reason)


def is_data_request(kind: str) -> bool:
    return kind.startswith(PREFIX)


def request_of(kind: str) -> str:
    """`data_request:erase` -> `erase`."""
    return kind.removeprefix(PREFIX)


def may_handle(roles: Sequence[str]) -> bool:
    return any(role in ROLES for role in roles)


def refusal(role: str) -> str:
    return (f"your role ({role or 'none'}) may not handle customers' data requests: "
            "supervisors and auditors may")  # fmt: skip


def overdue(due_at: float | None, now: float, closed_at: float | None = None) -> bool:
    """Open past its deadline, or closed after it."""
    if due_at is None:
        return False
    return (closed_at if closed_at is not None else now) > due_at
