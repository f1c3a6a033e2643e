"""Business hours in China time, with public holidays and make-up workdays (调休).

The hours are a setting such as "09:00-18:00" (every working day) — the start is inside, the
end is not, so 18:00 sharp is after hours. Which days are working days comes from
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
    opens: time | None  # None: never open (NEVER)
    closes: time | None
    always: bool = False

    @classmethod
    def parse(cls, setting: str) -> BusinessHours:
        if setting.strip().lower() == NEVER:
            return cls(None, None)
        if setting.strip().lower() == ALWAYS:
            return cls(time(0, 0), None, always=True)
        match = _HOURS.match(setting)
        if not match:
            raise HoursError(
                f'business hours must look like "09:00-18:00" or "none", not {setting!r}'
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            opens, closes = time(h1, m1), time(h2, m2)
        except ValueError as exc:
            raise HoursError(f"business hours {setting!r}: {exc}") from exc
        if closes <= opens:
            raise HoursError(f"business hours {setting!r} close before they open")
        return cls(opens, closes)

    def is_open(self, moment: datetime) -> bool:
        if self.always:
            return True
        if self.opens is None or self.closes is None:
            return False
        local = moment.astimezone(CHINA)
        return is_workday(local.date()) and self.opens <= local.time() < self.closes

    def next_open(self, moment: datetime) -> datetime | None:
        """When people are next at work (now if open); None when never."""
        if self.opens is None:
            return None
        if self.is_open(moment):
            return moment
        local = moment.astimezone(CHINA)
        day = local.date()
        if local.time() >= self.opens:
            day += timedelta(days=1)
        for _ in range(MAX_DAYS_AHEAD):
            if is_workday(day):
                return datetime.combine(day, self.opens, tzinfo=CHINA)
            day += timedelta(days=1)
        return None

    def describe(self) -> str:
        """For customers: "工作日 09:00-18:00" (Chinese; the catalogue wraps it)."""
        if self.always:
            return "24小时"
        if self.opens is None or self.closes is None:
            return ""
        return f"{self.opens:%H:%M}-{self.closes:%H:%M}"


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
