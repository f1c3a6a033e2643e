"""How long an in-hours chat with a person has taken, counted in business hours.

Two clocks, as in the agents' inbox (docs/WORKSPACE.md "分配与计时 Assignment and timers"):

* first response: from the customer's first message after the handoff started to the first
  reply of a person;
* resolution: from the handoff's start to its end.

Both count only time inside business hours (domain/hours.py: working days, the lunch break
and nights excluded), so a chat that starts at 17:58 and is answered at 09:01 the next working
day took three minutes. Pure functions: the services pass epoch seconds and the hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.domain.hours import CHINA, MAX_DAYS_AHEAD, BusinessHours

FIRST_RESPONSE_S = 2 * 60  # defaults of the settings (README: Settings)
RESOLUTION_S = 30 * 60
LONGEST_SPAN_DAYS = 400  # a chat older than this is counted up to here (a stuck record)


class Clock(StrEnum):
    NONE = ""  # waiting for the customer to say what they need: nothing to answer yet
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


@dataclass(frozen=True)
class Targets:
    first_response_s: float = FIRST_RESPONSE_S
    resolution_s: float = RESOLUTION_S


@dataclass(frozen=True)
class Timer:
    """The clock that runs now for a chat."""

    clock: Clock
    elapsed_s: float  # business seconds so far
    target_s: float
    due_at: float | None  # when the target passes (epoch s); None: no clock, or never open

    @property
    def overdue(self) -> bool:
        return self.clock is not Clock.NONE and self.elapsed_s >= self.target_s

    @property
    def left_s(self) -> float:
        return max(0.0, self.target_s - self.elapsed_s)


def business_seconds(hours: BusinessHours, start: float, end: float) -> float:
    """Seconds of [start, end) that fall inside business hours."""
    if end <= start:
        return 0.0
    first = datetime.fromtimestamp(start, CHINA)
    last = datetime.fromtimestamp(end, CHINA)
    total = 0.0
    day = first.date()
    for _ in range(LONGEST_SPAN_DAYS + 1):
        if day > last.date():
            break
        for opens, closes in hours.open_on(day):
            overlap = min(closes, last) - max(opens, first)
            total += max(0.0, overlap.total_seconds())
        day += timedelta(days=1)
    return total


def business_deadline(hours: BusinessHours, start: float, seconds: float) -> float | None:
    """When `seconds` of business time will have passed since `start` (epoch s); None when the
    hours never open again."""
    moment = datetime.fromtimestamp(start, CHINA)
    left = max(0.0, seconds)
    day = moment.date()
    for _ in range(MAX_DAYS_AHEAD + int(left // 3600) + 1):
        for opens, closes in hours.open_on(day):
            begin = max(opens, moment)
            if closes <= begin:
                continue
            available = (closes - begin).total_seconds()
            if left <= available:
                return (begin + timedelta(seconds=left)).timestamp()
            left -= available
        day += timedelta(days=1)
    return None


def chat_timer(
    hours: BusinessHours,
    targets: Targets,
    *,
    started_at: float,
    customer_at: float | None,
    answered_at: float | None,
    now: float,
) -> Timer:
    """Before the first reply the first-response clock runs (once the customer has written);
    after it, the resolution clock."""
    if answered_at:
        elapsed = business_seconds(hours, started_at, now)
        due = business_deadline(hours, started_at, targets.resolution_s)
        return Timer(Clock.RESOLUTION, elapsed, targets.resolution_s, due)
    if not customer_at:
        return Timer(Clock.NONE, 0.0, targets.first_response_s, None)
    elapsed = business_seconds(hours, customer_at, now)
    due = business_deadline(hours, customer_at, targets.first_response_s)
    return Timer(Clock.FIRST_RESPONSE, elapsed, targets.first_response_s, due)


def first_response_s(hours: BusinessHours, customer_at: float | None, answered_at: float) -> float:
    """The first-response time kept on the handoff once a person answered: 0 when they wrote
    before the customer had said anything (nobody waited for an answer)."""
    if not customer_at or answered_at <= customer_at:
        return 0.0
    return business_seconds(hours, customer_at, answered_at)


def escalation_due(
    hours: BusinessHours,
    target_s: float,
    *,
    customer_at: float | None,
    escalated_at: float | None,
    now: float,
) -> bool:
    """An unanswered chat passes its first-response target: counted from the customer's first
    message, and again from each escalation (the next person gets the same time)."""
    if not customer_at:
        return False
    since = max(customer_at, escalated_at or 0.0)
    return business_seconds(hours, since, now) >= target_s
