"""An adjuster's decision on a claim: what each action needs and how it moves the claim.

Pure rules; the console API (chalicelib/console/) validates requests with them and the store
applies the moves with the claim's version, so a second decision on a changed claim fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from chalicelib.domain.claims import ClaimStatus
from chalicelib.domain.survey import SLOTS

MAX_AMOUNT = Decimal("1000000")  # yuan; above this is not a self-survey claim
MAX_REASON_CHARS = 200

# Re-shoot reasons an adjuster picks from (customer text in the catalogue), or "other" + words.
RESHOOT_REASONS = ("blurred", "too_dark", "too_bright", "not_a_photo", "wrong_subject",
                   "plate_unreadable", "vin_unreadable", "incomplete", "other")  # fmt: skip


class Action(StrEnum):
    APPROVE = "approve"
    RESHOOT = "reshoot"
    SURVEYOR = "surveyor"
    REJECT = "reject"


# The statuses each action appends, from the statuses it may start from. A claim waiting for
# review (survey_received) is taken into review by the decision itself, so the timeline shows
# both steps.
_TARGET = {
    Action.APPROVE: ClaimStatus.APPROVED,
    Action.RESHOOT: ClaimStatus.PHOTOS_REQUESTED,
    Action.SURVEYOR: ClaimStatus.SURVEYOR_SENT,
    Action.REJECT: ClaimStatus.REJECTED,
}
REVIEWABLE = frozenset({ClaimStatus.SURVEY_RECEIVED, ClaimStatus.UNDER_REVIEW})


class InvalidDecision(ValueError):
    """The request cannot be a decision; the message says why, in English, for the console."""


@dataclass(frozen=True)
class Reshoot:
    slot: int
    reason: str
    note: str = ""


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str = ""
    amount: Decimal | None = None
    reshoots: tuple[Reshoot, ...] = field(default_factory=tuple)


MISSING = "missing"  # not a reason an adjuster picks: a shot the survey never received


def with_missing(reshoots: Sequence[Reshoot], filled: Iterable[int]) -> tuple[Reshoot, ...]:
    """The shots asked again plus every shot never received, in slot order: the customer is
    told everything missing in one message (Insurance Law Art. 22)."""
    asked = {r.slot: r for r in reshoots}
    have = set(filled)
    missing = {s: Reshoot(s, MISSING) for s in SLOTS if s not in have and s not in asked}
    return tuple({**asked, **missing}[s] for s in sorted({*asked, *missing}))


def steps(current: ClaimStatus, action: Action) -> tuple[ClaimStatus, ...]:
    """The statuses to append to the timeline, in order; InvalidDecision when not allowed."""
    if current not in REVIEWABLE:
        raise InvalidDecision(f"a claim in status {current.value!r} is not waiting for review")
    target = _TARGET[action]
    if current is ClaimStatus.SURVEY_RECEIVED:
        return (ClaimStatus.UNDER_REVIEW, target)
    return (target,)


def parse_decision(body: Mapping[str, object]) -> Decision:
    """A decision from the console's JSON; InvalidDecision with the first problem found."""
    try:
        action = Action(str(body.get("action", "")))
    except ValueError as exc:
        choices = ", ".join(a.value for a in Action)
        raise InvalidDecision(f"action must be one of {choices}") from exc
    reason = str(body.get("reason") or "").strip()
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidDecision(f"reason is longer than {MAX_REASON_CHARS} characters")
    if action is Action.APPROVE:
        return Decision(action, reason, amount=_amount(body.get("amount")))
    if action is Action.RESHOOT:
        return Decision(action, reason, reshoots=_reshoots(body.get("reshoots")))
    if not reason:
        raise InvalidDecision(f"a reason is required to {action.value}")
    return Decision(action, reason)


def _amount(raw: object) -> Decimal:
    try:
        amount = Decimal(str(raw)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidDecision("amount must be a number of yuan, e.g. 2350.00") from exc
    if not amount.is_finite() or amount <= 0:
        raise InvalidDecision("amount must be more than 0")
    if amount > MAX_AMOUNT:
        raise InvalidDecision(f"amount must not exceed {MAX_AMOUNT} yuan")
    return amount


def _reshoots(raw: object) -> tuple[Reshoot, ...]:
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        raise InvalidDecision("reshoots must list at least one photo: [{slot, reason}]")
    seen: dict[int, Reshoot] = {}
    for entry in raw:
        if not isinstance(entry, Mapping):
            raise InvalidDecision("each reshoot is {slot, reason, note?}")
        slot = entry.get("slot")
        if slot not in SLOTS:
            raise InvalidDecision(f"slot must be one of {', '.join(map(str, SLOTS))}")
        reason = str(entry.get("reason", ""))
        if reason not in RESHOOT_REASONS:
            raise InvalidDecision(f"reason must be one of {', '.join(RESHOOT_REASONS)}")
        note = str(entry.get("note") or "").strip()
        if reason == "other" and not note:
            raise InvalidDecision("a re-shoot for another reason needs a note for the customer")
        if len(note) > MAX_REASON_CHARS:
            raise InvalidDecision(f"note is longer than {MAX_REASON_CHARS} characters")
        seen[slot] = Reshoot(slot, reason, note)
    return tuple(seen[s] for s in sorted(seen))
