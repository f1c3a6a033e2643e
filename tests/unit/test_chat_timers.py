"""In-hours chats: business-hours durations across lunch, nights, weekends and holidays, the
clock that runs, escalation, and whose turn the next chat is (round-robin)."""

from __future__ import annotations

from datetime import datetime

import pytest

from chalicelib.domain import assignment as rr
from chalicelib.domain.chat_timers import (
    Clock,
    Targets,
    business_deadline,
    business_seconds,
    chat_timer,
    escalation_due,
    first_response_s,
)
from chalicelib.domain.hours import CHINA, BusinessHours, HoursError

LUNCH = BusinessHours.parse("09:00-12:00,13:00-18:00")
PLAIN = BusinessHours.parse("09:00-18:00")


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=CHINA).timestamp()


def minutes(hours: BusinessHours, start: str, end: str) -> float:
    return business_seconds(hours, at(start), at(end)) / 60


@pytest.mark.parametrize(
    "start, end, expected",
    [
        ("2026-11-23 10:00", "2026-11-23 10:02", 2),  # Monday, inside
        ("2026-11-23 11:58", "2026-11-23 13:01", 3),  # across lunch: 2 + 1
        ("2026-11-23 12:10", "2026-11-23 12:50", 0),  # all in lunch
        ("2026-11-23 17:58", "2026-11-24 09:01", 3),  # across the night
        ("2026-11-23 08:00", "2026-11-23 09:05", 5),  # before opening
        ("2026-11-20 17:59", "2026-11-23 09:01", 2),  # Friday → Monday
        ("2026-09-30 17:55", "2026-10-08 09:05", 10),  # National Day week off
        ("2026-02-13 17:59", "2026-02-14 09:01", 2),  # Friday → a make-up Saturday (调休)
        ("2026-11-23 10:00", "2026-11-23 09:00", 0),  # backwards
        ("2026-11-23 09:00", "2026-11-24 09:00", 8 * 60),  # one whole working day
    ],
)
def test_business_minutes_with_a_lunch_break(start, end, expected):
    assert minutes(LUNCH, start, end) == pytest.approx(expected)


def test_hours_without_a_break_count_lunch():
    assert minutes(PLAIN, "2026-11-23 11:58", "2026-11-23 13:01") == pytest.approx(63)
    assert minutes(BusinessHours.parse("always"), "2026-10-01 23:59", "2026-10-02 00:01") == 2
    assert minutes(BusinessHours.parse("none"), "2026-11-23 10:00", "2026-11-23 11:00") == 0


def test_the_lunch_break_is_after_hours():
    assert LUNCH.is_open(datetime.fromtimestamp(at("2026-11-23 11:59"), CHINA))
    assert not LUNCH.is_open(datetime.fromtimestamp(at("2026-11-23 12:00"), CHINA))
    assert LUNCH.is_open(datetime.fromtimestamp(at("2026-11-23 13:00"), CHINA))
    lunch = datetime.fromtimestamp(at("2026-11-23 12:30"), CHINA)
    assert LUNCH.next_open(lunch) == datetime.fromtimestamp(at("2026-11-23 13:00"), CHINA)
    assert LUNCH.describe() == "09:00-12:00、13:00-18:00"
    with pytest.raises(HoursError):
        BusinessHours.parse("09:00-13:00,12:00-18:00")  # overlapping


@pytest.mark.parametrize(
    "start, seconds, due",
    [
        ("2026-11-23 10:00", 120, "2026-11-23 10:02"),
        ("2026-11-23 11:59", 120, "2026-11-23 13:01"),  # the break does not count
        ("2026-11-23 17:59", 120, "2026-11-24 09:01"),
        ("2026-11-23 20:00", 120, "2026-11-24 09:02"),  # asked at night
        ("2026-09-30 17:59", 120, "2026-10-08 09:01"),  # holiday
    ],
)
def test_when_a_target_passes(start, seconds, due):
    assert business_deadline(LUNCH, at(start), seconds) == at(due)


def test_a_target_never_passes_when_never_open():
    assert business_deadline(BusinessHours.parse("none"), at("2026-11-23 10:00"), 60) is None


def test_the_clock_that_runs():
    targets = Targets(first_response_s=120, resolution_s=1800)
    started = at("2026-11-23 11:50")
    quiet = chat_timer(LUNCH, targets, started_at=started, customer_at=None, answered_at=None,
                       now=at("2026-11-23 11:59"))  # fmt: skip
    assert quiet.clock is Clock.NONE and not quiet.overdue
    waiting = chat_timer(LUNCH, targets, started_at=started, customer_at=at("2026-11-23 11:59"),
                         answered_at=None, now=at("2026-11-23 13:00"))  # fmt: skip
    assert waiting.clock is Clock.FIRST_RESPONSE and waiting.elapsed_s == 60
    assert not waiting.overdue and waiting.left_s == 60
    assert waiting.due_at == at("2026-11-23 13:01")
    late = chat_timer(LUNCH, targets, started_at=started, customer_at=at("2026-11-23 11:59"),
                      answered_at=None, now=at("2026-11-23 13:01"))  # fmt: skip
    assert late.overdue
    answered = chat_timer(LUNCH, targets, started_at=started, customer_at=started + 60,
                          answered_at=started + 120, now=at("2026-11-23 13:30"))  # fmt: skip
    assert answered.clock is Clock.RESOLUTION and answered.overdue
    assert answered.elapsed_s == (10 + 30) * 60 and answered.due_at == at("2026-11-23 13:20")


def test_the_first_response_time_kept():
    assert first_response_s(LUNCH, at("2026-11-23 11:59"), at("2026-11-23 13:02")) == 180
    assert first_response_s(LUNCH, None, at("2026-11-23 13:02")) == 0  # nothing asked yet
    assert first_response_s(LUNCH, at("2026-11-23 13:02"), at("2026-11-23 13:00")) == 0


def test_escalation_counts_from_the_customer_then_from_each_escalation():
    asked = at("2026-11-23 10:00")
    assert not escalation_due(LUNCH, 120, customer_at=None, escalated_at=None, now=asked + 999)
    assert not escalation_due(LUNCH, 120, customer_at=asked, escalated_at=None, now=asked + 119)
    assert escalation_due(LUNCH, 120, customer_at=asked, escalated_at=None, now=asked + 120)
    assert not escalation_due(LUNCH, 120, customer_at=asked, escalated_at=asked + 120,
                              now=asked + 200)  # fmt: skip
    assert escalation_due(LUNCH, 120, customer_at=asked, escalated_at=asked + 120,
                          now=asked + 240)  # fmt: skip
    lunch = at("2026-11-23 11:59")  # a minute before lunch: not due during it
    assert not escalation_due(LUNCH, 120, customer_at=lunch, escalated_at=None,
                              now=at("2026-11-23 12:45"))  # fmt: skip


# --- round-robin ------------------------------------------------------------------------------

NOW = 1_800_000_000.0


def agent(userid: str, last: float = 0.0, seen: float = NOW - 5, **kw) -> rr.Agent:
    return rr.Agent(userid, userid, seen_at=seen, last_assigned_at=last, **kw)


def test_the_next_chat_goes_to_whoever_waited_longest_for_one():
    team = [agent("a", last=NOW - 10), agent("b", last=NOW - 60), agent("c", last=NOW - 30)]
    assert rr.next_in_turn(team).userid == "b"
    assert rr.next_in_turn(team, exclude=["b"]).userid == "c"
    assert rr.next_in_turn([agent("b"), agent("a")]).userid == "a"  # never dealt: by userid
    assert rr.next_in_turn([], exclude=[]) is None
    assert rr.next_in_turn([agent("a")], exclude=["a"]) is None


def test_round_robin_deals_in_turn():
    team = {u: agent(u) for u in ("a", "b", "c")}
    dealt = []
    for n in range(6):
        chosen = rr.next_in_turn(team.values())
        dealt.append(chosen.userid)
        team[chosen.userid] = agent(chosen.userid, last=NOW + n)
    assert dealt == ["a", "b", "c", "a", "b", "c"]


def test_who_is_available():
    team = [
        agent("here"),
        agent("gone", seen=NOW - rr.PRESENCE_S - 1),
        agent("paused", paused=True),
        agent("boss", assignable=False),
    ]
    assert [a.userid for a in rr.available(team, NOW)] == ["here"]
    assert team[2].signed_in(NOW) and not team[1].signed_in(NOW)


def test_who_may_answer_and_end():
    assert rr.may_write("a", None) and rr.may_write("a", "a") and not rr.may_write("a", "b")
    assert not rr.may_end("a", ["agent"], "b") and rr.may_end("s", ["supervisor"], "b")
