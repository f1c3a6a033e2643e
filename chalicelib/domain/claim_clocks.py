"""The clocks the Insurance Law (保险法) sets on a claim, from the claim's timeline.

Three clocks, each with its start, its due time and where it stands at a moment:

    decide   Art. 23: decide (核定) within 30 days of receiving the claim and its documents
             (complex cases; the contract may set a shorter time). Starts at the first
             `survey_received` (the customer's photos are in), `under_review` or
             `surveyor_sent` (the insurer's surveyor gathers them) — a claim that is only
             `reported` waits for the customer's documents and has no clock yet. Met at the
             decision: `approved` or `rejected`. The time the customer takes to send what was
             asked again (`photos_requested` until the photos arrive) does not count: Art. 22
             has the insurer ask for what is missing, and the Supreme People's Court's second
             interpretation of the Insurance Law (2013, Art. 15) deducts the time the claimant
             takes to supply it.
    pay      Art. 23: pay within 10 days of agreeing the amount. Starts at `approved` (the
             adjuster's approval of an amount is the agreement here), met at `paid`;
             `repairing` does not stop it (the law has no pause for repairs).
    refusal  Art. 24: a written refusal with the reasons within 3 days of the decision. Starts at
             `rejected`, met when the notice with the reasons has been sent to the customer
             (`refusal_sent_at`, recorded by the outbox). A claim rejected elsewhere (imported
             from the core system) has no refusal clock here: that system sends its notice.

Days are calendar days (the law says 日, not 工作日), counted as the Civil Code counts them
(Art. 201: the day the clock starts is not counted; Art. 203: the period ends at 24:00 of its
last day), in China time. Art. 203 would also move a period that ends on a public holiday to the
day after the holiday; the clocks here do not, so a due time shown is never later than the
law's. A withdrawn claim has no clocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from enum import StrEnum

from chalicelib.domain.claims import ClaimStatus, TimelineEntry
from chalicelib.domain.hours import CHINA

_S = ClaimStatus


class ClockKind(StrEnum):
    DECIDE = "decide"
    PAY = "pay"
    REFUSAL = "refusal"


class ClockState(StrEnum):
    RUNNING = "running"
    WARNING = "warning"  # within the warning lead time of its due time
    OVERDUE = "overdue"
    PAUSED = "paused"  # waiting for the customer's documents (decide only)
    MET = "met"


# The law's periods in days: the defaults, and the longest a setting may make them.
LAW_DAYS: Mapping[ClockKind, int] = {ClockKind.DECIDE: 30, ClockKind.PAY: 10,
                                     ClockKind.REFUSAL: 3}  # fmt: skip
DEFAULT_WARN_HOURS: Mapping[ClockKind, int] = {ClockKind.DECIDE: 72, ClockKind.PAY: 48,
                                               ClockKind.REFUSAL: 24}  # fmt: skip
ARTICLE: Mapping[ClockKind, str] = {ClockKind.DECIDE: "23", ClockKind.PAY: "23",
                                    ClockKind.REFUSAL: "24"}  # fmt: skip

_DECIDE_STARTS = frozenset({_S.SURVEY_RECEIVED, _S.UNDER_REVIEW, _S.SURVEYOR_SENT})
_DECISIONS = frozenset({_S.APPROVED, _S.REJECTED})


class ClockRulesError(ValueError):
    """A deadline setting the law does not allow (English message, names the setting)."""


@dataclass(frozen=True)
class ClockRules:
    """Each clock's length in days and how long before its due time staff are warned."""

    days: Mapping[ClockKind, int]
    warn_hours: Mapping[ClockKind, int]

    @classmethod
    def from_law(cls) -> ClockRules:
        return cls(dict(LAW_DAYS), dict(DEFAULT_WARN_HOURS))

    @classmethod
    def of(cls, days: Mapping[str, int], warn_hours: Mapping[str, int]) -> ClockRules:
        """Rules from settings (missing kinds take the law's defaults), checked."""
        rules = cls({k: int(days.get(k.value, LAW_DAYS[k])) for k in ClockKind},
                    {k: int(warn_hours.get(k.value, DEFAULT_WARN_HOURS[k]))
                     for k in ClockKind})  # fmt: skip
        rules.check()
        return rules

    def check(self) -> None:
        for kind in ClockKind:
            days, warn = self.days[kind], self.warn_hours[kind]
            name = SETTING_NAMES[kind]
            if not 1 <= days <= LAW_DAYS[kind]:
                raise ClockRulesError(
                    f"{name[0]} must be 1 to {LAW_DAYS[kind]} (Insurance Law Art. "
                    f"{ARTICLE[kind]}: {LAW_DAYS[kind]} days at most), got {days}"
                )
            if not 1 <= warn < days * 24:
                raise ClockRulesError(
                    f"{name[1]} must be at least 1 and less than the clock's {days * 24} "
                    f"hours ({name[0]}), got {warn}"
                )


# The settings (environment names) of each clock: (days, warning hours).
SETTING_NAMES: Mapping[ClockKind, tuple[str, str]] = {
    ClockKind.DECIDE: ("CLAIM_DECIDE_DAYS", "CLAIM_DECIDE_WARN_HOURS"),
    ClockKind.PAY: ("CLAIM_PAY_DAYS", "CLAIM_PAY_WARN_HOURS"),
    ClockKind.REFUSAL: ("CLAIM_REFUSAL_NOTICE_DAYS", "CLAIM_REFUSAL_WARN_HOURS"),
}


@dataclass(frozen=True)
class Clock:
    kind: ClockKind
    started_at: datetime
    due_at: datetime  # paused: as if it went on now; it moves while the customer is asked
    warn_at: datetime
    state: ClockState
    met_at: datetime | None = None
    paused_s: int = 0  # seconds not counted (the customer sending what was asked again)

    @property
    def open(self) -> bool:
        return self.state is not ClockState.MET

    @property
    def late(self) -> bool:
        """Met after its due time, or not met and past it."""
        if self.met_at is not None:
            return self.met_at > self.due_at
        return self.state is ClockState.OVERDUE

    def seconds_left(self, now: datetime) -> int:
        """Until the due time (negative: overdue); a paused clock's stays where it stopped."""
        return int((self.due_at - now).total_seconds())


def due_time(start: datetime, days: int) -> datetime:
    """24:00 (China time) of the `days`-th day after `start`'s day (Civil Code Arts. 201, 203)."""
    local = start.astimezone(CHINA)
    return datetime.combine(local.date() + timedelta(days=days + 1), time(0, 0), CHINA)


def claim_clocks(
    timeline: Sequence[TimelineEntry],
    now: datetime,
    rules: ClockRules,
    *,
    refusal_ours: bool = False,
    refusal_sent_at: datetime | None = None,
) -> tuple[Clock, ...]:
    """The claim's clocks that have started, in the order decide, pay, refusal.
    `refusal_ours`: the claim was rejected here, so its refusal notice is sent from here."""
    if not timeline or any(e.status is _S.WITHDRAWN for e in timeline):
        return ()
    clocks = [_decide(timeline, now, rules)]
    approved = _first(timeline, {_S.APPROVED})
    if approved is not None:
        paid = _first(timeline, {_S.PAID}, after=approved.at)
        clocks.append(_clock(ClockKind.PAY, approved.at, paid.at if paid else None, now, rules))
    rejected = _first(timeline, {_S.REJECTED})
    if rejected is not None and refusal_ours:
        clocks.append(_clock(ClockKind.REFUSAL, rejected.at, refusal_sent_at, now, rules))
    return tuple(c for c in clocks if c is not None)


def nearest(clocks: Iterable[Clock]) -> Clock | None:
    """The open clock due first (a paused one after the running ones: it cannot run out
    while the customer is asked); None when all are met."""
    waiting = [c for c in clocks if c.open]
    if not waiting:
        return None
    return min(waiting, key=lambda c: (c.state is ClockState.PAUSED, c.due_at))


def _first(
    timeline: Sequence[TimelineEntry], statuses: Iterable[ClaimStatus],
    after: datetime | None = None,
) -> TimelineEntry | None:  # fmt: skip
    wanted = frozenset(statuses)
    return next((e for e in timeline
                 if e.status in wanted and (after is None or e.at >= after)), None)  # fmt: skip


def _decide(timeline: Sequence[TimelineEntry], now: datetime, rules: ClockRules) -> Clock | None:
    start_index = next((i for i, e in enumerate(timeline) if e.status in _DECIDE_STARTS), None)
    if start_index is None:
        return None
    started = timeline[start_index].at
    paused = timedelta(0)
    paused_since: datetime | None = None
    met: datetime | None = None
    for entry in timeline[start_index + 1:]:
        if paused_since is not None:
            paused += entry.at - paused_since
            paused_since = None
        if entry.status is _S.PHOTOS_REQUESTED:
            paused_since = entry.at
        elif entry.status in _DECISIONS:
            met = entry.at
            break
    if paused_since is not None:  # still waiting for the customer
        paused += max(timedelta(0), now - paused_since)
    clock = _clock(ClockKind.DECIDE, started, met, now, rules, paused)
    if paused_since is not None and clock.state is not ClockState.OVERDUE:
        return replace(clock, state=ClockState.PAUSED)
    return clock


def _clock(
    kind: ClockKind, started: datetime, met: datetime | None, now: datetime, rules: ClockRules,
    paused: timedelta = timedelta(0),
) -> Clock:  # fmt: skip
    due = due_time(started, rules.days[kind]) + paused
    warn = due - timedelta(hours=rules.warn_hours[kind])
    if met is not None:
        state = ClockState.MET
    elif now >= due:
        state = ClockState.OVERDUE
    elif now >= warn:
        state = ClockState.WARNING
    else:
        state = ClockState.RUNNING
    return Clock(kind, started, due, warn, state, met, int(paused.total_seconds()))
