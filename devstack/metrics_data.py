"""Counter data for the dashboard (看板) with known answers, written as the aggregator writes
it (one ADD per counter and day: store/metrics.py): for the benchmark (bench/dashboard.py, 90
days at 100,000 messages a day) and the tests (a few days, figures asserted)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from chalicelib.domain import metrics as m

# Messages by China hour, in parts of the day: quiet at night, busy at
# 10:00 and 20:00.
HOUR_PROFILE: tuple[int, ...] = (
    8, 5, 3, 2, 2, 4, 10, 25, 55, 70, 80, 75, 55, 60, 70, 70, 65, 55, 50, 60, 70, 55, 35, 21,
)  # fmt: skip
BOT_SHARE_PERMILLE = 930  # the bot's share of the replies (Xiaomi's 93%)
HANDOFF_EVERY = 50  # one message in 50 asks for a person
FIRST_RESPONSE_S = 120  # every first response in the 2-minute bucket
RESOLUTION_S = 1200  # every resolution in the 20-minute bucket
SURVEY_EVERY = 100  # one message in 100 opens a self-survey
SURVEY_PHOTOS_S = 600  # five photos in within the 10-minute bucket


@dataclass
class Generated:
    first: date
    last: date
    totals: dict[str, int] = field(default_factory=dict)  # metric -> the period's total
    hours: dict[str, list[int]] = field(default_factory=dict)  # metric -> by hour
    writes: int = 0


def _by_hour(total: int) -> list[int]:
    """`total` spread by HOUR_PROFILE, rounded so the hours add up exactly."""
    cumulative = [sum(HOUR_PROFILE[:h]) for h in range(len(HOUR_PROFILE) + 1)]
    whole = cumulative[-1]
    marks = [(total * c + whole // 2) // whole for c in cumulative]
    return [marks[h + 1] - marks[h] for h in range(len(HOUR_PROFILE))]


def day_counters(per_day: int) -> dict[str, list[int]]:
    """One day's counters by hour at `per_day` customer messages."""
    bot = per_day * BOT_SHARE_PERMILLE // 1000
    notices = per_day // 20
    return {
        m.MESSAGES_IN: _by_hour(per_day),
        m.REPLIES_BOT: _by_hour(bot),
        m.REPLIES_PEOPLE: _by_hour(per_day - bot),
        m.NOTICES_SENT: _by_hour(notices),
        m.OUTBOX_FAILED: _by_hour(notices // 50),
        m.HANDOFFS_OPENED: _by_hour(per_day // HANDOFF_EVERY),
        m.HANDOFFS_ANSWERED: _by_hour(per_day // HANDOFF_EVERY),
        m.HANDOFFS_RESOLVED: _by_hour(per_day // HANDOFF_EVERY),
        m.SURVEY_STARTED: _by_hour(per_day // SURVEY_EVERY),
        m.SURVEY_PHOTOS: _by_hour(per_day // SURVEY_EVERY * 8 // 10),  # 80% send all five
        m.SURVEY_RESHOT: _by_hour(per_day // SURVEY_EVERY // 10),  # 10% asked to re-shoot
        m.BINDING_FAILED: _by_hour(per_day // 200),
        m.BINDING_LOCKS: _by_hour(per_day // 1000),
        m.KB_CANDIDATES: _by_hour(per_day // 40),
        m.KB_MISSES: _by_hour(per_day // 50),
        m.RATINGS_ASKED: _by_hour(per_day // 100),
        m.RATINGS_RATED: _by_hour(per_day // 200),
        m.RATINGS_LOW: _by_hour(per_day // 2000),
        m.QUOTE_LICENCE: _by_hour(per_day // 100),
        m.QUOTE_FIELDS: _by_hour(per_day // 100 * 9 // 10),
        m.QUOTE_PLANS: _by_hour(per_day // 100 * 7 // 10),
    }


def _buckets(metric: str, total: int) -> dict[str, int]:
    seconds = {m.HANDOFFS_ANSWERED: FIRST_RESPONSE_S, m.HANDOFFS_RESOLVED: RESOLUTION_S,
               m.SURVEY_PHOTOS: SURVEY_PHOTOS_S}  # fmt: skip
    if metric not in seconds:
        return {}
    return {m.bucket_attr(m.bucket_of(seconds[metric])): total}


def updates(first: date, days: int, per_day: int) -> list[dict[tuple[str, str], dict[str, int]]]:
    """Day by day, the updates the aggregator would have written (domain merge's shape: the
    day's item, and the hours of its month's item)."""
    counters = day_counters(per_day)
    out = []
    for offset in range(days):
        day = (first + timedelta(offset)).isoformat()
        one: dict[tuple[str, str], dict[str, int]] = {}
        for metric, hours in counters.items():
            by_hour = {m.hour_attr(h): c for h, c in enumerate(hours) if c}
            one[(metric, day)] = {"n": sum(hours)} | by_hour | _buckets(metric, sum(hours))
            one[(metric, m.month_key(day))] = dict(by_hour)
        out.append(one)
    return out


def generate(metrics: object, first: date, days: int, per_day: int) -> Generated:
    """Write `days` days of counters from `first` through `metrics` (store.metrics.Metrics)."""
    from chalicelib.store.metrics import Metrics

    assert isinstance(metrics, Metrics)
    out = Generated(first, first + timedelta(days - 1))
    for day in updates(first, days, per_day):
        out.writes += metrics.add(day)
    for metric, hours in day_counters(per_day).items():
        out.totals[metric] = sum(hours) * days
        out.hours[metric] = [c * days for c in hours]
    return out
