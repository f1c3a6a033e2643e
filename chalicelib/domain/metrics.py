"""The dashboard's counters: which events count, into which counter, by China day and hour.

Pure: an event (a conversation record's new image from the table's stream, or a structured log
event of the asynchronous paths) becomes `Increment`s; `merge` folds a batch of them into one
update per (metric, day), so the aggregator writes once per counter and day per batch, whatever
the number of messages. The dashboard reads a few hundred small items for any period.

A counter item is (metric, day) with `n` (the day's total) and `h00`..`h23` (by hour); a
duration's counter also has buckets `b00`..`bNN` (how many took at most BUCKETS[i] seconds)
from which `median` estimates the median.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.book import BIND_LOCK_S
from chalicelib.domain.hours import CHINA

HOURS = 24
# Upper bounds (seconds) of the duration buckets; the last one holds anything longer.
BUCKETS: tuple[float, ...] = (
    30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800, 86400, 172800, float("inf"),
)  # fmt: skip

# Every counter the pipeline writes, and what it counts.
MESSAGES_IN = "messages.in"  # messages customers sent
REPLIES_BOT = "replies.bot"  # the bot's answers (passive replies and customer-service messages)
REPLIES_PEOPLE = "replies.people"  # what staff said to customers
NOTICES_SENT = "notices.sent"  # template notices sent
OUTBOX_FAILED = "outbox.failed"  # pushes the outbox dropped or parked (not sent)
HANDOFFS_OPENED = "handoffs.opened"  # chats handed to a person, by when they started
HANDOFFS_ANSWERED = "handoffs.first_response"  # first responses, by when; business seconds
HANDOFFS_RESOLVED = "handoffs.resolved"  # chats resolved, by when; business seconds
SURVEY_STARTED = "survey.started"  # self-surveys opened
SURVEY_PHOTOS = "survey.photos"  # ... with their five photos in (first time); seconds taken
SURVEY_RESHOT = "survey.reshot"  # ... asked to take photos again (once per survey)
BINDING_FAILED = "binding.failed"  # wrong answers when binding (the all-users minute count)
BINDING_LOCKS = "binding.locks"  # a customer or a policy locked after too many
KB_CANDIDATES = "kb.candidates"  # questions answered with choices (not sure of one)
KB_MISSES = "kb.miss"  # questions the knowledge base had nothing for
RATINGS_ASKED = "ratings.asked"  # satisfaction questions sent
RATINGS_RATED = "ratings.rated"  # ... answered with a score
RATINGS_LOW = "ratings.low"  # ... of 1 or 2
QUOTE_LICENCE = "quote.licence"  # licence photos taken up for a quote (the worker's OCR job)
QUOTE_FIELDS = "quote.fields"  # ... whose picture could be read
QUOTE_PLANS = "quote.plans"  # quotes with plans shown (a quote saved)

METRICS: tuple[str, ...] = (
    MESSAGES_IN, REPLIES_BOT, REPLIES_PEOPLE, NOTICES_SENT, OUTBOX_FAILED,
    HANDOFFS_OPENED, HANDOFFS_ANSWERED, HANDOFFS_RESOLVED,
    SURVEY_STARTED, SURVEY_PHOTOS, SURVEY_RESHOT,
    BINDING_FAILED, BINDING_LOCKS, KB_CANDIDATES, KB_MISSES,
    RATINGS_ASKED, RATINGS_RATED, RATINGS_LOW, QUOTE_LICENCE, QUOTE_FIELDS, QUOTE_PLANS,
)  # fmt: skip

# Durations (first response, resolution): their buckets are read for medians.
DURATIONS: frozenset[str] = frozenset({HANDOFFS_ANSWERED, HANDOFFS_RESOLVED, SURVEY_PHOTOS})

# Log events of the asynchronous paths (worker, outbox) counted as they are logged.
EVENT_METRICS: Mapping[str, str] = {
    "outbox.dropped": OUTBOX_FAILED,  # the customer unfollowed, or a moment-only message
    "outbox.parked": OUTBOX_FAILED,  # refused by WeChat for good, or no answer in time
    "licence.photo": QUOTE_LICENCE,  # the worker took a licence photo up
    "licence.read": QUOTE_FIELDS,  # ... and the OCR read it
}


@dataclass(frozen=True)
class Increment:
    metric: str
    day: str  # China date, YYYY-MM-DD
    hour: int  # 0-23, China time
    n: int = 1
    seconds: float | None = None  # a duration: also counted in its bucket


def day_and_hour(epoch_s: float) -> tuple[str, int]:
    local = datetime.fromtimestamp(epoch_s, CHINA)
    return local.date().isoformat(), local.hour


def bucket_of(seconds: float) -> int:
    for index, bound in enumerate(BUCKETS):
        if seconds <= bound:
            return index
    return len(BUCKETS) - 1


def _plain(image: Mapping[str, Any], name: str) -> str | None:
    """A string attribute of a stream image (DynamoDB JSON: {"S": ...})."""
    value = image.get(name)
    if isinstance(value, Mapping):
        found = value.get("S")
        return found if isinstance(found, str) else None
    return value if isinstance(value, str) else None


def conversation_increments(event_name: str, image: Mapping[str, Any]) -> list[Increment]:
    """A conversation record as its stream shows it: only new records count (a record's
    retention changes are MODIFY events); the time is the record id's epoch milliseconds."""
    if event_name != "INSERT":
        return []
    record_id = _plain(image, "record_id") or ""
    try:
        at = int(record_id.split("#", 1)[0]) / 1000
    except ValueError:
        return []
    day, hour = day_and_hour(at)
    direction = _plain(image, "direction")
    if direction == "in":
        metric = MESSAGES_IN
    elif direction != "out":
        return []
    elif _plain(image, "staff_id"):
        metric = REPLIES_PEOPLE
    elif _plain(image, "channel") == "template":
        metric = NOTICES_SENT
    else:
        metric = REPLIES_BOT
    return [Increment(metric, day, hour)]


def _number(image: Mapping[str, Any], name: str) -> float | None:
    """A number attribute of a stream image (DynamoDB JSON: {"N": "..."})."""
    value = image.get(name)
    raw = value.get("N") if isinstance(value, Mapping) else value
    try:
        return float(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def handoff_increments(
    old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[Increment]:
    """A customer's handoff item changed (the table's stream, old and new images; one item per
    customer, a new handoff replaces the last): a handoff started, its first response kept,
    its resolution kept - each counted once, when it first appears."""
    if not new:
        return []
    out: list[Increment] = []
    new_id = _plain(new, "handoff_id")
    same = bool(old) and _plain(old, "handoff_id") == new_id
    started = _number(new, "started_at")
    if new_id and not same and started is not None:
        out.append(Increment(HANDOFFS_OPENED, *day_and_hour(started)))
    for metric, seconds_attr, at_attr in (
        (HANDOFFS_ANSWERED, "first_response_s", "answered_at"),
        (HANDOFFS_RESOLVED, "resolution_s", "ended_at"),
    ):
        seconds = _number(new, seconds_attr)
        before = _number(old, seconds_attr) if same else None
        at = _number(new, at_attr) or _number(new, "last_activity") or started
        if seconds is not None and before is None and at is not None:
            out.append(Increment(metric, *day_and_hour(at), seconds=seconds))
    return out


def survey_increments(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Increment]:
    """A self-survey item changed (the surveys stream, old and new images): opened; its five
    photos in for the first time (with the seconds since it opened); first asked to re-shoot."""
    if not new:
        return []
    out: list[Increment] = []
    started = _number(new, "started_at")
    at = _number(new, "last_activity") or started
    if not old and started is not None:
        out.append(Increment(SURVEY_STARTED, *day_and_hour(started)))
    submitted = _plain(new, "state") == "submitted" and _plain(old, "state") != "submitted"
    if submitted and _number(new, "submissions") == 1 and at is not None and started is not None:
        out.append(Increment(SURVEY_PHOTOS, *day_and_hour(at), seconds=max(0.0, at - started)))
    asked = (_plain(new, "reshoot") or "[]") not in ("[]", "")
    before = (_plain(old, "reshoot") or "[]") not in ("[]", "")
    if asked and not before and at is not None:
        out.append(Increment(SURVEY_RESHOT, *day_and_hour(at)))
    return out


def lockout_increments(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Increment]:
    """A lockout item changed (the lockouts stream, store/book.py): every wrong answer adds one
    to the all-users item of its minute (`all:<minute>`), so its growth is the failed attempts,
    each once; a subject's lock is a later `locked_until`."""
    if not new:
        return []
    subject = _plain(new, "subject") or ""
    if subject.startswith("all:"):
        grown = int((_number(new, "failures") or 0) - (_number(old, "failures") or 0))
        try:
            at = int(subject.split(":", 1)[1]) * 60
        except ValueError:
            return []
        return [Increment(BINDING_FAILED, *day_and_hour(at), n=grown)] if grown > 0 else []
    until = _number(new, "locked_until") or 0
    if until > (_number(old, "locked_until") or 0):
        return [Increment(BINDING_LOCKS, *day_and_hour(until - BIND_LOCK_S))]
    return []


def kb_miss_increments(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Increment]:
    """A question recorded in the miss log (its stream; store/kb_misses.py): candidates offered
    or nothing found, counted when first recorded."""
    at = _number(new, "asked_at")
    if old or not new or at is None:
        return []
    metric = KB_CANDIDATES if _plain(new, "outcome") == "candidates" else KB_MISSES
    return [Increment(metric, *day_and_hour(at))]


def quote_increments(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Increment]:
    """A quote saved (the quotes stream): its plans were shown to the customer."""
    at = _number(new, "created_at")
    if old or not new or at is None:
        return []
    return [Increment(QUOTE_PLANS, *day_and_hour(at))]


def rating_increments(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Increment]:
    """A satisfaction question changed (the ratings stream; store/ratings.py): asked, then
    rated (a low score of 1-2 counted too), each when its status first becomes so."""
    status, before = _plain(new, "status"), _plain(old, "status")
    if not new or status == before:
        return []
    out: list[Increment] = []
    asked_at = _number(new, "asked_at")
    if status in ("asked", "rated") and before not in ("asked", "rated") and asked_at:
        out.append(Increment(RATINGS_ASKED, *day_and_hour(asked_at)))
    rated_at = _number(new, "rated_at") or asked_at
    if status == "rated" and rated_at:
        out.append(Increment(RATINGS_RATED, *day_and_hour(rated_at)))
        if (_number(new, "score") or 0) <= 2:
            out.append(Increment(RATINGS_LOW, *day_and_hour(rated_at)))
    return out


def event_increments(name: str, at: float, seconds: float | None = None) -> list[Increment]:
    """A structured log event of a counted kind (EVENT_METRICS), else nothing."""
    metric = EVENT_METRICS.get(name)
    if metric is None:
        return []
    day, hour = day_and_hour(at)
    return [Increment(metric, day, hour, seconds=seconds)]


def hour_attr(hour: int) -> str:
    return f"h{hour:02d}"


def bucket_attr(index: int) -> str:
    return f"b{index:02d}"


def month_key(day: str) -> str:
    """The sort key of a month's item beside the days' ("M2026-03"): its hours, so a period's
    hours read one item per whole month (day keys never sort among them)."""
    return "M" + day[:7]


def merge(increments: Iterable[Increment]) -> dict[tuple[str, str], dict[str, int]]:
    """One update per (metric, day), and per (metric, month) for the hours: attribute -> how
    much to ADD."""
    updates: dict[tuple[str, str], dict[str, int]] = {}
    for inc in increments:
        adds = updates.setdefault((inc.metric, inc.day), {})
        for attr in ("n", hour_attr(inc.hour)):
            adds[attr] = adds.get(attr, 0) + inc.n
        if inc.seconds is not None:
            attr = bucket_attr(bucket_of(inc.seconds))
            adds[attr] = adds.get(attr, 0) + inc.n
        month = updates.setdefault((inc.metric, month_key(inc.day)), {})
        month[hour_attr(inc.hour)] = month.get(hour_attr(inc.hour), 0) + inc.n
    return updates


def whole_months(first: date, last: date) -> tuple[list[str], list[tuple[date, date]]]:
    """The months wholly inside first..last (their month keys), and the day ranges left."""
    months: list[str] = []
    rest: list[tuple[date, date]] = []
    start = first
    month_start = first.replace(day=1)
    while month_start <= last:
        next_month = (month_start + timedelta(32)).replace(day=1)
        if month_start >= first and next_month - timedelta(1) <= last:
            if start < month_start:
                rest.append((start, month_start - timedelta(1)))
            months.append(month_key(month_start.isoformat()))
            start = next_month
        month_start = next_month
    if start <= last:
        rest.append((start, last))
    return months, rest


def median(buckets: list[int]) -> float | None:
    """The median of a duration histogram, as the upper bound of the bucket holding it (the
    last bucket: its lower bound), or None without any."""
    total = sum(buckets)
    if total == 0:
        return None
    seen = 0
    for index, count in enumerate(buckets):
        seen += count
        if seen * 2 >= total:
            bound = BUCKETS[index]
            return BUCKETS[index - 1] if bound == float("inf") else bound
    return None  # pragma: no cover - the loop always reaches half


def days(first: date, last: date) -> list[str]:
    return [(first + timedelta(i)).isoformat() for i in range((last - first).days + 1)]
