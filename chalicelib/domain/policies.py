"""Policy periods and the coverage list imported from the core system."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from chalicelib.domain.text import to_halfwidth


class PolicyStatus(StrEnum):
    IN_FORCE = "in_force"
    NOT_STARTED = "not_started"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


def policy_status(start: date, end: date, cancelled: bool, today: date) -> PolicyStatus:
    """Status on `today`; both `start` and `end` days are covered. Cancellation wins."""
    if end < start:
        raise ValueError(f"policy ends ({end}) before it starts ({start})")
    if cancelled:
        return PolicyStatus.CANCELLED
    if today < start:
        return PolicyStatus.NOT_STARTED
    if today > end:
        return PolicyStatus.EXPIRED
    return PolicyStatus.IN_FORCE


def days_until_renewal(end: date, today: date) -> int:
    """Days from `today` to the last covered day: 0 on that day, negative once expired."""
    return (end - today).days


@dataclass(frozen=True)
class Coverage:
    """One insured item: its name, limit in yuan (None if it has none) and the limit's unit."""

    name: str
    limit: Decimal | None
    unit: str = ""


# An amount in yuan, then optionally a per-unit suffix such as "/座" or "/座*4".
_LIMIT = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(/.*)?", re.DOTALL)


def parse_coverages(text: str) -> tuple[Coverage, ...]:
    """Parse the import format "车损险:285000;车上人员责任险(乘客):10000/座*4;不计免赔".

    Full-width punctuation and digits are accepted (and names come back half-width); empty
    parts are skipped. Raises ValueError with the reason for a malformed part.
    """
    parts = (p.strip() for p in to_halfwidth(text).split(";"))
    return tuple(_parse_coverage(p) for p in parts if p)


def _parse_coverage(part: str) -> Coverage:
    name, colon, limit_text = (s.strip() for s in part.partition(":"))
    if not name:
        raise ValueError(f"coverage without a name: {part!r}")
    if not colon or not limit_text:
        return Coverage(name, None)
    match = _LIMIT.fullmatch(limit_text)
    if not match:
        raise ValueError(
            f"coverage {name!r} has a limit that is not a number in yuan: {limit_text!r}"
        )
    return Coverage(name, Decimal(match.group(1)), (match.group(2) or "").strip())
