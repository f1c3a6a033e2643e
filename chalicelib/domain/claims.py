"""Claim lifecycle: statuses, allowed moves, timeline consistency and reference numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from chalicelib.domain.text import remove_whitespace


class ClaimStatus(StrEnum):
    REPORTED = "reported"
    SURVEY_RECEIVED = "survey_received"
    UNDER_REVIEW = "under_review"
    PHOTOS_REQUESTED = "photos_requested"  # the reviewer asked the customer to re-shoot
    APPROVED = "approved"
    SURVEYOR_SENT = "surveyor_sent"
    REPAIRING = "repairing"
    PAID = "paid"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


_S = ClaimStatus

ALLOWED: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    _S.REPORTED: frozenset({_S.SURVEY_RECEIVED, _S.SURVEYOR_SENT, _S.WITHDRAWN}),
    _S.SURVEY_RECEIVED: frozenset({_S.UNDER_REVIEW, _S.SURVEYOR_SENT, _S.WITHDRAWN}),
    _S.UNDER_REVIEW: frozenset(
        {_S.APPROVED, _S.SURVEYOR_SENT, _S.REJECTED, _S.PHOTOS_REQUESTED, _S.SURVEY_RECEIVED}
    ),  # (→ survey_received: how a re-shoot was recorded before photos_requested existed)
    # The re-shot photos arrive (survey_received again), or someone goes to look.
    _S.PHOTOS_REQUESTED: frozenset({_S.SURVEY_RECEIVED, _S.SURVEYOR_SENT, _S.WITHDRAWN}),
    _S.SURVEYOR_SENT: frozenset({_S.UNDER_REVIEW, _S.APPROVED, _S.REJECTED, _S.WITHDRAWN}),
    _S.APPROVED: frozenset({_S.REPAIRING, _S.PAID}),
    _S.REPAIRING: frozenset({_S.PAID}),
    _S.PAID: frozenset(),
    _S.REJECTED: frozenset(),
    _S.WITHDRAWN: frozenset(),
}

TERMINAL: frozenset[ClaimStatus] = frozenset(s for s, nxt in ALLOWED.items() if not nxt)

# Statuses whose timeline entry records an amount in yuan (approved sum, paid sum).
WITH_AMOUNT: frozenset[ClaimStatus] = frozenset({_S.APPROVED, _S.PAID})


class IllegalTransition(ValueError):
    """A claim cannot move from `source` to `target`."""

    def __init__(self, source: ClaimStatus, target: ClaimStatus) -> None:
        super().__init__(f"a claim cannot move from {source.value!r} to {target.value!r}")
        self.source = source
        self.target = target


class InvalidTimeline(ValueError):
    """A claim's recorded history is inconsistent; the message says why."""


def can_move(source: ClaimStatus, target: ClaimStatus) -> bool:
    return target in ALLOWED[source]


def require_move(source: ClaimStatus, target: ClaimStatus) -> None:
    """Raise IllegalTransition unless `source` → `target` is allowed."""
    if not can_move(source, target):
        raise IllegalTransition(source, target)


@dataclass(frozen=True)
class TimelineEntry:
    """One status a claim reached, when, and for APPROVED/PAID the amount in yuan."""

    status: ClaimStatus
    at: datetime
    amount: Decimal | None = None


def validate_timeline(entries: Sequence[TimelineEntry]) -> None:
    """Raise InvalidTimeline unless the history starts at REPORTED and is consistent."""
    if not entries:
        raise InvalidTimeline("the timeline is empty")
    if entries[0].status is not ClaimStatus.REPORTED:
        raise InvalidTimeline(
            f"the timeline starts with {entries[0].status.value!r}, not 'reported'"
        )
    for index, entry in enumerate(entries):
        if index:
            _check_step(index, entries[index - 1], entry)
        _check_amount(index, entry)


def _check_amount(index: int, entry: TimelineEntry) -> None:
    where = f"entry {index} ({entry.status.value})"
    if entry.status not in WITH_AMOUNT:
        if entry.amount is not None:
            raise InvalidTimeline(f"{where} must not carry an amount")
        return
    if entry.amount is None:
        raise InvalidTimeline(f"{where} must carry an amount")
    if not entry.amount.is_finite() or entry.amount <= 0:
        raise InvalidTimeline(f"{where} must carry a positive amount, not {entry.amount}")


def _check_step(index: int, previous: TimelineEntry, entry: TimelineEntry) -> None:
    where = f"entry {index} ({entry.status.value})"
    if not can_move(previous.status, entry.status):
        raise InvalidTimeline(
            f"{where} cannot follow {previous.status.value!r}: "
            f"{previous.status.value!r} to {entry.status.value!r} is not allowed"
        )
    try:
        backwards = entry.at < previous.at
    except TypeError as exc:  # naive and timezone-aware times mixed
        raise InvalidTimeline(f"{where} mixes naive and timezone-aware times") from exc
    if backwards:
        raise InvalidTimeline(f"{where} is earlier than the entry before it")


# --- reference numbers ---------------------------------------------------------------------------

CLAIM_NUMBER = re.compile(r"^R[A-Z]{3}\d{14,20}$", re.ASCII)
POLICY_NUMBER = re.compile(r"^P[A-Z]{3}\d{14,20}$", re.ASCII)


def normalize_reference(s: str) -> str:
    """Half-width, upper-case, without spaces: "ｒdaa 2024…" → "RDAA2024…"."""
    return remove_whitespace(s).upper()


_CLAIM_IN_TEXT = re.compile(r"(?<![A-Z0-9])R[A-Z]{3}\d{14,20}(?!\d)", re.ASCII)


def find_claim_number(text: str) -> str | None:
    """A claim number written anywhere in a sentence: "我的案子 RSVY2026… 怎么样了"."""
    match = _CLAIM_IN_TEXT.search(normalize_reference(text))
    return match.group(0) if match else None


def is_claim_number(s: str) -> bool:
    return bool(CLAIM_NUMBER.fullmatch(normalize_reference(s)))


def is_policy_number(s: str) -> bool:
    return bool(POLICY_NUMBER.fullmatch(normalize_reference(s)))
