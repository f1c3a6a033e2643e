"""The dashboard's counting rules (domain/metrics.py): which records count where, by China day
and hour, merged into one update per counter and day, and medians from buckets."""

from __future__ import annotations

from datetime import date, datetime

from chalicelib.domain import metrics as m
from chalicelib.domain.hours import CHINA


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=CHINA).timestamp() * 1000)


def _image(at: str, direction: str, channel: str = "webhook", staff: str | None = None) -> dict:
    image = {"openid": {"S": "o1"}, "record_id": {"S": f"{_ms(at)}#{direction}#ab"},
             "direction": {"S": direction}, "channel": {"S": channel}}  # fmt: skip
    if staff:
        image["staff_id"] = {"S": staff}
    return image


def test_each_new_record_counts_once_by_china_day_and_hour():
    incs = m.conversation_increments("INSERT", _image("2026-03-01 23:30:00", "in"))
    assert incs == [m.Increment(m.MESSAGES_IN, "2026-03-01", 23)]
    late = _image("2026-03-02 00:10:00", "out", "passive")
    bot = m.Increment(m.REPLIES_BOT, "2026-03-02", 0)
    assert m.conversation_increments("INSERT", late) == [bot]
    assert m.conversation_increments("MODIFY", late) == []  # a retention change
    assert m.conversation_increments("REMOVE", late) == []
    said = _image("2026-03-02 10:00:00", "out", "custom", staff="agent1")
    assert m.conversation_increments("INSERT", said)[0].metric == m.REPLIES_PEOPLE
    notice = _image("2026-03-02 10:00:00", "out", "template")
    assert m.conversation_increments("INSERT", notice)[0].metric == m.NOTICES_SENT
    assert m.conversation_increments("INSERT", {"record_id": {"S": "junk"}}) == []


def test_a_batch_becomes_one_update_per_counter_and_day():
    incs = [m.Increment(m.MESSAGES_IN, "2026-03-01", 9)] * 3 + [
        m.Increment(m.MESSAGES_IN, "2026-03-01", 10),
        m.Increment(m.MESSAGES_IN, "2026-03-02", 9),
        m.Increment(m.REPLIES_BOT, "2026-03-01", 9, seconds=45),
    ]
    assert m.merge(incs) == {
        (m.MESSAGES_IN, "2026-03-01"): {"n": 4, "h09": 3, "h10": 1},
        (m.MESSAGES_IN, "2026-03-02"): {"n": 1, "h09": 1},
        (m.REPLIES_BOT, "2026-03-01"): {"n": 1, "h09": 1, "b01": 1},
        (m.MESSAGES_IN, "M2026-03"): {"h09": 4, "h10": 1},  # the month's hours
        (m.REPLIES_BOT, "M2026-03"): {"h09": 1},
    }


def test_counted_log_events():
    at = _ms("2026-03-01 08:00:00") / 1000
    failed = m.Increment(m.OUTBOX_FAILED, "2026-03-01", 8)
    assert m.event_increments("outbox.dropped", at) == [failed]
    assert m.event_increments("webhook.redone", at) == []


def test_median_from_buckets():
    buckets = [0] * len(m.BUCKETS)
    assert m.median(buckets) is None
    buckets[m.bucket_of(50)] = 2  # <= 60 s
    buckets[m.bucket_of(500)] = 1  # <= 600 s
    assert m.median(buckets) == 60
    buckets[m.bucket_of(10**6)] = 5  # beyond the last bound: its lower bound
    assert m.median(buckets) == m.BUCKETS[-2]
    assert m.days(date(2026, 2, 27), date(2026, 3, 1)) == ["2026-02-27", "2026-02-28", "2026-03-01"]


def _handoff(handoff_id: str, started: str, **numbers: float) -> dict:
    image = {"openid": {"S": "o1"}, "handoff_id": {"S": handoff_id},
             "started_at": {"N": str(_ms(started) / 1000)}}  # fmt: skip
    image.update({name: {"N": str(value)} for name, value in numbers.items()})
    return image


def test_a_handoff_counts_its_start_first_response_and_resolution_once_each():
    started = _handoff("h1", "2026-03-01 09:59:00")
    assert m.handoff_increments({}, started) == [m.Increment(m.HANDOFFS_OPENED, "2026-03-01", 9)]
    assert m.handoff_increments(started, started) == []  # the same handoff, touched again
    answered_at = _ms("2026-03-01 10:02:00") / 1000
    answered = _handoff("h1", "2026-03-01 09:59:00", answered_at=answered_at,
                        first_response_s=180)  # fmt: skip
    assert m.handoff_increments(started, answered) == [
        m.Increment(m.HANDOFFS_ANSWERED, "2026-03-01", 10, seconds=180)
    ]
    assert m.handoff_increments(answered, answered) == []
    ended = dict(answered, ended_at={"N": str(answered_at + 600)}, resolution_s={"N": "780"})
    assert m.handoff_increments(answered, ended) == [
        m.Increment(m.HANDOFFS_RESOLVED, "2026-03-01", 10, seconds=780)
    ]
    # The customer's next handoff replaces the item: a new start, its own clocks.
    again = _handoff("h2", "2026-03-02 14:00:00")
    assert m.handoff_increments(ended, again) == [m.Increment(m.HANDOFFS_OPENED, "2026-03-02", 14)]
    assert m.handoff_increments(ended, {}) == []  # removed


def _survey(started: str, state: str = "open", later_s: float = 0, **extra) -> dict:
    at = _ms(started) / 1000
    image = {"claim_no": {"S": "C1"}, "state": {"S": state}, "started_at": {"N": str(at)},
             "last_activity": {"N": str(at + later_s)}, "reshoot": {"S": "[]"},
             "submissions": {"N": "0"}}  # fmt: skip
    image.update(extra)
    return image


def test_a_self_survey_counts_its_steps_once_each():
    opened = _survey("2026-03-01 10:00:00")
    assert m.survey_increments({}, opened) == [m.Increment(m.SURVEY_STARTED, "2026-03-01", 10)]
    assert m.survey_increments(opened, opened) == []  # a photo placed: nothing new
    sent = _survey("2026-03-01 10:00:00", "submitted", 400, submissions={"N": "1"})
    assert m.survey_increments(opened, sent) == [
        m.Increment(m.SURVEY_PHOTOS, "2026-03-01", 10, seconds=400)
    ]
    asked = _survey("2026-03-01 10:00:00", "open", 4000, submissions={"N": "1"},
                    reshoot={"S": '["2"]'})  # fmt: skip
    assert m.survey_increments(sent, asked) == [m.Increment(m.SURVEY_RESHOT, "2026-03-01", 11)]
    again = _survey("2026-03-01 10:00:00", "submitted", 5000, submissions={"N": "2"},
                    reshoot={"S": '["2"]'})  # fmt: skip
    assert m.survey_increments(asked, again) == []  # the funnel counts the first time only


def test_binding_failures_from_the_minute_count_and_locks_from_a_subject():
    minute = _ms("2026-03-01 10:05:00") // 60000
    one = {"subject": {"S": f"all:{minute}"}, "failures": {"N": "1"}}
    three = {"subject": {"S": f"all:{minute}"}, "failures": {"N": "3"}}
    assert m.lockout_increments({}, one) == [m.Increment(m.BINDING_FAILED, "2026-03-01", 10)]
    assert m.lockout_increments(one, three) == [
        m.Increment(m.BINDING_FAILED, "2026-03-01", 10, n=2)
    ]
    until = _ms("2026-03-01 12:00:00") / 1000  # locked at 11:00 for an hour
    user = {"subject": {"S": "user:abc"}, "failures": {"N": "4"}, "locked_until": {"N": "0"}}
    locked = {"subject": {"S": "user:abc"}, "failures": {"N": "0"},
              "locked_until": {"N": str(until)}}  # fmt: skip
    assert m.lockout_increments({}, user) == []  # a user's own failures: counted in the minute
    assert m.lockout_increments(user, locked) == [m.Increment(m.BINDING_LOCKS, "2026-03-01", 11)]
    assert m.lockout_increments(locked, locked) == []


def test_knowledge_base_misses_and_ratings():
    at = _ms("2026-03-01 09:00:00") / 1000
    miss = {"day": {"S": "2026-03-01"}, "outcome": {"S": "candidates"}, "asked_at": {"N": str(at)}}
    assert m.kb_miss_increments({}, miss) == [m.Increment(m.KB_CANDIDATES, "2026-03-01", 9)]
    assert m.kb_miss_increments(miss, dict(miss, chose={"S": "person"})) == []  # a follow-up
    asked = {"status": {"S": "asked"}, "asked_at": {"N": str(at)}}
    assert m.rating_increments({}, asked) == [m.Increment(m.RATINGS_ASKED, "2026-03-01", 9)]
    rated = dict(asked, status={"S": "rated"}, score={"N": "2"}, rated_at={"N": str(at + 3600)})
    assert m.rating_increments(asked, rated) == [
        m.Increment(m.RATINGS_RATED, "2026-03-01", 10), m.Increment(m.RATINGS_LOW, "2026-03-01", 10)
    ]
    skipped = {"status": {"S": "skipped"}, "asked_at": {"N": str(at)}}
    assert m.rating_increments({}, skipped) == []


def test_the_quote_funnel_steps():
    at = _ms("2026-03-01 20:30:00") / 1000
    saved = {"quote_no": {"S": "Q1"}, "created_at": {"N": str(at)}}
    assert m.quote_increments({}, saved) == [m.Increment(m.QUOTE_PLANS, "2026-03-01", 20)]
    assert m.quote_increments(saved, saved) == []  # a sale recorded on it later
    photo = m.Increment(m.QUOTE_LICENCE, "2026-03-01", 20)
    assert m.event_increments("licence.photo", at) == [photo]
    assert m.event_increments("licence.read", at)[0].metric == m.QUOTE_FIELDS


def test_whole_months_and_the_days_around_them():
    assert m.whole_months(date(2025, 1, 1), date(2025, 3, 31)) == (
        ["M2025-01", "M2025-02", "M2025-03"], [])  # fmt: skip
    assert m.whole_months(date(2025, 1, 5), date(2025, 4, 3)) == (
        ["M2025-02", "M2025-03"],
        [(date(2025, 1, 5), date(2025, 1, 31)), (date(2025, 4, 1), date(2025, 4, 3))],
    )
    assert m.whole_months(date(2025, 1, 5), date(2025, 1, 20)) == (
        [], [(date(2025, 1, 5), date(2025, 1, 20))])  # fmt: skip
