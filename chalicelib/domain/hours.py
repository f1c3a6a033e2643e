"""Business hours in China time, with public holidays and make-up workdays (调休).

The hours are a setting such as "09:00-18:00" (every working day) — the start is inside, the
end is not, so 18:00 sharp is after hours — or several periods with a break between them, such
as "09:00-12:00,13:00-18:00" (the lunch hour is after hours). Which days are working days comes from
chinese-calendar (the State Council's yearly schedule); for a year it does not know yet, Monday
to Friday are assumed and `known_year` says so, so the operator can upgrade the package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

CHINA = timezone(timedelta(hours=8))
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
NEVER = "none"  # a setting value: always after hours (e.g. a night-only pilot, or a demo)
ALWAYS = "always"  # a setting value: people answer around the clock (a 24/7 service desk)
MAX_DAYS_AHEAD = 40  # the longest run of non-working days (Spring Festival) is far shorter


class HoursError(ValueError):
    """An operator's hours setting that cannot be read (English message)."""


@dataclass(frozen=True)
class BusinessHours:
    opens: time | None  # None: never open (NEVER); the first period's start
    closes: time | None  # the last period's end
    always: bool = False
    # [start, end) periods of a working day, in order ("09:00-12:00,13:00-18:00": two);
    # empty: one period, opens-closes
    periods: tuple[tuple[time, time], ...] = ()

    @classmethod
    def parse(cls, setting: str) -> BusinessHours:
        if setting.strip().lower() == NEVER:
            return cls(None, None)
        if setting.strip().lower() == ALWAYS:
            return cls(time(0, 0), None, always=True)
        periods = tuple(_period(part, setting) for part in setting.split(","))
        for (_, end), (start, _) in zip(periods, periods[1:], strict=False):
            if start < end:
                raise HoursError(f"business hours {setting!r}: periods overlap or are out of order")
        return cls(periods[0][0], periods[-1][1], periods=periods)

    def day_periods(self) -> tuple[tuple[time, time], ...]:
        if self.periods:
            return self.periods
        if self.opens is None or self.closes is None:
            return ()
        return ((self.opens, self.closes),)

    def is_open(self, moment: datetime) -> bool:
        if self.always:
            return True
        local = moment.astimezone(CHINA)
        at = local.time()
        return any(start <= at < end for start, end in self.day_periods()) and is_workday(
            local.date()
        )

    def open_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's open periods as China-time moments ([start, end)); none on a day off."""
        if self.always:
            start = datetime.combine(day, time(0, 0), tzinfo=CHINA)
            return [(start, start + timedelta(days=1))]
        if not self.day_periods() or not is_workday(day):
            return []
        return [
            (datetime.combine(day, start, tzinfo=CHINA), datetime.combine(day, end, tzinfo=CHINA))
            for start, end in self.day_periods()
        ]

    def next_open(self, moment: datetime) -> datetime | None:
        """When people are next at work (now if open); None when never."""
        if self.opens is None:
            return None
        if self.is_open(moment):
            return moment
        day = moment.astimezone(CHINA).date()
        for _ in range(MAX_DAYS_AHEAD):
            for start, _end in self.open_on(day):
                if start > moment:
                    return start
            day += timedelta(days=1)
        return None

    def describe(self) -> str:
        """For customers: "工作日 09:00-18:00" (Chinese; the catalogue wraps it)."""
        if self.always:
            return "24小时"
        return "、".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in self.day_periods())


def _period(part: str, setting: str) -> tuple[time, time]:
    match = _HOURS.match(part)
    if not match:
        raise HoursError(
            f'business hours must look like "09:00-18:00", "09:00-12:00,13:00-18:00" or "none", '
            f"not {setting!r}"
        )
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        opens, closes = time(h1, m1), time(h2, m2)
    except ValueError as exc:
        raise HoursError(f"business hours {setting!r}: {exc}") from exc
    if closes <= opens:
        raise HoursError(f"business hours {setting!r} close before they open")
    return opens, closes


def is_workday(day: date) -> bool:
    """A working day in mainland China (holidays off, make-up Saturdays/Sundays on)."""
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def known_year(day: date) -> bool:
    """Whether chinese-calendar has the official schedule for this year."""
    import chinese_calendar

    try:
        chinese_calendar.is_workday(day)
        return True
    except NotImplementedError:
        return False
