"""The Insurance Law's claim clocks (domain/claim_clocks.py): when each starts, when it is due,
where it stands, and the settings that shorten them."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.claim_clocks import (
    DEFAULT_WARN_HOURS,
    LAW_DAYS,
    ClockKind,
    ClockRules,
    ClockRulesError,
    ClockState,
    claim_clocks,
    due_time,
    nearest,
)
from chalicelib.domain.claims import ClaimStatus as S
from chalicelib.domain.claims import TimelineEntry
from chalicelib.domain.hours import CHINA
from chalicelib.settings import Settings, SettingsError, settings_from_env

LAW = ClockRules.from_law()


def at(day: int, hour: int = 10, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CHINA)


def line(*steps: tuple[S, datetime]) -> tuple[TimelineEntry, ...]:
    return tuple(TimelineEntry(s, t, Decimal("1200") if s in (S.APPROVED, S.PAID) else None)
                 for s, t in steps)  # fmt: skip


def by_kind(clocks) -> dict[ClockKind, object]:
    return {c.kind: c for c in clocks}


# --- due times: calendar days, the first day not counted, to 24:00 of the last -----------------


def test_a_period_starts_the_next_day_and_ends_at_midnight_china_time():
    assert due_time(at(1, 10), 30) == datetime(2026, 4, 1, 0, 0, tzinfo=CHINA)  # 31 Mar 24:00
    assert due_time(at(1, 23, 59), 3) == at(5, 0)
    assert due_time(at(1, 0, 0), 3) == at(5, 0)  # the whole first day still does not count


def test_a_start_given_in_utc_is_counted_in_china_days():
    late_evening_utc = datetime(2026, 3, 1, 17, 0, tzinfo=CHINA.utc)  # 2 March 01:00 in China
    assert due_time(late_evening_utc, 3) == at(6, 0)


def test_weekends_and_holidays_count_and_do_not_move_the_due_time():
    # Decided Thursday 1 October 2026 (National Day holiday): 3 days end on Sunday 4 October.
    decided = datetime(2026, 10, 1, 15, 0, tzinfo=CHINA)
    assert due_time(decided, 3) == datetime(2026, 10, 5, 0, 0, tzinfo=CHINA)


# --- the decision clock ------------------------------------------------------------------------


def test_a_reported_claim_has_no_clock_until_its_documents_arrive():
    assert claim_clocks(line((S.REPORTED, at(1))), at(20), LAW) == ()


def test_the_decision_clock_starts_when_the_photos_are_in_and_warns_before_it_runs_out():
    timeline = line((S.REPORTED, at(1, 9)), (S.SURVEY_RECEIVED, at(1, 10)))
    (clock,) = claim_clocks(timeline, at(2), LAW)
    assert clock.kind is ClockKind.DECIDE
    assert clock.started_at == at(1, 10)
    assert clock.due_at == datetime(2026, 4, 1, 0, 0, tzinfo=CHINA)
    assert clock.state is ClockState.RUNNING
    assert clock.warn_at == clock.due_at - timedelta(hours=72)
    assert claim_clocks(timeline, clock.warn_at - timedelta(seconds=1), LAW)[0].state \
        is ClockState.RUNNING  # fmt: skip
    assert claim_clocks(timeline, clock.warn_at, LAW)[0].state is ClockState.WARNING
    overdue = claim_clocks(timeline, clock.due_at, LAW)[0]
    assert overdue.state is ClockState.OVERDUE and overdue.late
    assert overdue.seconds_left(clock.due_at + timedelta(hours=1)) == -3600


def test_a_surveyor_sent_straight_away_starts_the_decision_clock():
    timeline = line((S.REPORTED, at(1, 9)), (S.SURVEYOR_SENT, at(1, 11)))
    (clock,) = claim_clocks(timeline, at(2), LAW)
    assert clock.started_at == at(1, 11)


def test_the_decision_clock_is_met_by_an_approval_or_a_rejection():
    for decision in (S.APPROVED, S.REJECTED):
        timeline = line((S.REPORTED, at(1, 9)), (S.SURVEY_RECEIVED, at(1, 10)),
                        (S.UNDER_REVIEW, at(2)), (decision, at(3)))  # fmt: skip
        decide = by_kind(claim_clocks(timeline, at(30, month=4), LAW))[ClockKind.DECIDE]
        assert decide.state is ClockState.MET and decide.met_at == at(3)
        assert not decide.late and not decide.open


def test_a_decision_after_the_due_time_is_met_late():
    timeline = line((S.REPORTED, at(1, 9)), (S.SURVEY_RECEIVED, at(1, 10)),
                    (S.UNDER_REVIEW, at(2)), (S.APPROVED, at(2, month=4)))  # fmt: skip
    decide = claim_clocks(timeline, at(3, month=4), LAW)[0]
    assert decide.state is ClockState.MET and decide.late


def test_the_time_the_customer_takes_to_reshoot_does_not_count():
    timeline = line((S.REPORTED, at(1, 9)), (S.SURVEY_RECEIVED, at(1, 10)),
                    (S.UNDER_REVIEW, at(2, 10)), (S.PHOTOS_REQUESTED, at(2, 11)),
                    (S.SURVEY_RECEIVED, at(5, 11)))  # three days asked again  # fmt: skip
    (clock,) = claim_clocks(timeline, at(6), LAW)
    assert clock.paused_s == 3 * 24 * 3600
    assert clock.due_at == datetime(2026, 4, 4, 0, 0, tzinfo=CHINA)
    assert clock.state is ClockState.RUNNING


def test_while_the_customer_is_asked_the_clock_is_paused_and_cannot_run_out():
    timeline = line((S.REPORTED, at(1, 9)), (S.SURVEY_RECEIVED, at(1, 10)),
                    (S.UNDER_REVIEW, at(2, 10)), (S.PHOTOS_REQUESTED, at(2, 11)))  # fmt: skip
    much_later = at(30, month=5)
    (clock,) = claim_clocks(timeline, much_later, LAW)
    assert clock.state is ClockState.PAUSED and clock.open
    # Time left is what was left when the customer was asked: 29 days and 13 hours.
    assert clock.seconds_left(much_later) == (29 * 24 + 13) * 3600


def test_a_clock_already_overdue_when_the_customer_is_asked_stays_overdue():
    timeline = line((S.REPORTED, at(1, 9)), (S.SURVEY_RECEIVED, at(1, 10)),
                    (S.UNDER_REVIEW, at(2, 10)), (S.PHOTOS_REQUESTED, at(5, month=4)))  # fmt: skip
    (clock,) = claim_clocks(timeline, at(6, month=4), LAW)
    assert clock.state is ClockState.OVERDUE


# --- payment and refusal ------------------------------------------------------------------------


def test_the_payment_clock_runs_from_the_approval_to_the_payment_through_repairs():
    approved = line((S.REPORTED, at(1, 9)), (S.SURVEY_RECEIVED, at(1, 10)),
                    (S.UNDER_REVIEW, at(2)), (S.APPROVED, at(2, 15)),
                    (S.REPAIRING, at(3)))  # fmt: skip
    pay = by_kind(claim_clocks(approved, at(11, 9), LAW))[ClockKind.PAY]
    assert pay.started_at == at(2, 15) and pay.due_at == at(13, 0)
    assert pay.state is ClockState.WARNING  # 48 h before 12 March 24:00
    paid = approved + line((S.PAID, at(9)))
    assert by_kind(claim_clocks(paid, at(20), LAW))[ClockKind.PAY].state is ClockState.MET


def test_the_refusal_clock_runs_until_the_notice_is_sent_for_claims_rejected_here():
    rejected = line((S.REPORTED, at(1, 9)), (S.SURVEY_RECEIVED, at(1, 10)),
                    (S.UNDER_REVIEW, at(2)), (S.REJECTED, at(2, 16)))  # fmt: skip
    assert ClockKind.REFUSAL not in by_kind(claim_clocks(rejected, at(3), LAW))  # imported
    waiting = by_kind(claim_clocks(rejected, at(5, 1), LAW, refusal_ours=True))
    refusal = waiting[ClockKind.REFUSAL]
    assert refusal.due_at == at(6, 0) and refusal.state is ClockState.WARNING
    assert nearest(waiting.values()) is refusal  # the decision is met
    sent = claim_clocks(rejected, at(4), LAW, refusal_ours=True, refusal_sent_at=at(2, 16, 1))
    assert by_kind(sent)[ClockKind.REFUSAL].state is ClockState.MET
    assert nearest(sent) is None


def test_a_withdrawn_claim_has_no_clocks():
    timeline = line((S.REPORTED, at(1, 9)), (S.SURVEY_RECEIVED, at(1, 10)),
                    (S.PHOTOS_REQUESTED, at(2)), (S.WITHDRAWN, at(3)))  # fmt: skip
    assert claim_clocks(timeline, at(4), LAW) == ()


def test_nearest_prefers_a_running_clock_to_a_paused_one_and_the_earliest_due():
    approved = line((S.REPORTED, at(1, 9)), (S.SURVEY_RECEIVED, at(1, 10)),
                    (S.UNDER_REVIEW, at(2)), (S.APPROVED, at(2, 15)))  # fmt: skip
    assert nearest(claim_clocks(approved, at(3), LAW)).kind is ClockKind.PAY


# --- settings -----------------------------------------------------------------------------------


def test_the_defaults_are_the_laws():
    assert dict(LAW_DAYS) == {ClockKind.DECIDE: 30, ClockKind.PAY: 10, ClockKind.REFUSAL: 3}
    rules = Settings().clock_rules()
    assert rules.days == LAW_DAYS and rules.warn_hours == DEFAULT_WARN_HOURS


def test_a_contract_may_shorten_a_clock_and_its_warning_follows():
    env = {"CLAIM_DECIDE_DAYS": "10", "CLAIM_DECIDE_WARN_HOURS": "24",
           "CLAIM_PAY_DAYS": "7", "CLAIM_REFUSAL_WARN_HOURS": "12"}  # fmt: skip
    rules = settings_from_env(env).clock_rules()
    assert rules.days[ClockKind.DECIDE] == 10 and rules.days[ClockKind.PAY] == 7
    timeline = line((S.REPORTED, at(1, 9)), (S.SURVEY_RECEIVED, at(1, 10)))
    (clock,) = claim_clocks(timeline, at(11, 1), rules)
    assert clock.due_at == at(12, 0) and clock.state is ClockState.WARNING


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"CLAIM_DECIDE_DAYS": "31"}, "CLAIM_DECIDE_DAYS must be 1 to 30"),
        ({"CLAIM_PAY_DAYS": "0"}, "CLAIM_PAY_DAYS must be 1 to 10"),
        ({"CLAIM_REFUSAL_NOTICE_DAYS": "5"}, "Art. 24"),
        ({"CLAIM_REFUSAL_WARN_HOURS": "72"}, "less than the clock's 72 hours"),
        ({"CLAIM_PAY_WARN_HOURS": "0"}, "CLAIM_PAY_WARN_HOURS must be at least 1"),
    ],
)
def test_settings_the_law_does_not_allow_are_refused(env, words):
    settings = settings_from_env({"WECHAT_TOKEN": "t", **env})
    with pytest.raises(SettingsError, match=words):
        settings.validate()


def test_a_clock_rule_that_is_not_a_number_is_refused():
    with pytest.raises(SettingsError, match="CLAIM_PAY_DAYS must be an integer"):
        settings_from_env({"CLAIM_PAY_DAYS": "ten"})
    with pytest.raises(ClockRulesError):
        ClockRules.of({"decide": 0}, {})


# --- everything missing, in one message (Art. 22) -----------------------------------------------


def test_a_reshoot_lists_the_shots_asked_again_and_every_shot_never_received():
    from chalicelib.dialog import render
    from chalicelib.domain.review import MISSING, Reshoot, with_missing

    asked = (Reshoot(2, "plate_unreadable"),)
    listed = with_missing(asked, filled={1, 3})
    assert [(r.slot, r.reason) for r in listed] == [(2, "plate_unreadable"), (4, MISSING),
                                                    (5, MISSING)]  # fmt: skip
    lines = render.reshoot_lines(listed).split("\n")
    assert len(lines) == 3 and lines[1].startswith("第4张") and "还没有收到这张照片" in lines[1]
    assert with_missing(asked, filled={1, 2, 3, 4, 5}) == asked


def test_a_resting_surveys_reminder_names_every_missing_shot():
    from chalicelib.dialog import catalogue as t
    from chalicelib.dialog.survey import reminder

    text = reminder("RSVY1", 3, 20, missing=[2, 5]).content
    assert "还差 2 张" in text
    assert f"第2张 {t.SURVEY_SHOT_TITLES[2]}、第5张 {t.SURVEY_SHOT_TITLES[5]}" in text


# --- staff words -------------------------------------------------------------------------------


def test_the_warning_names_the_clock_its_due_day_as_the_law_counts_it_and_the_article():
    from chalicelib.service.claim_clocks import due_words, span, warning_text

    timeline = line((S.REPORTED, at(1, 9)), (S.SURVEY_RECEIVED, at(1, 10)))
    (clock,) = claim_clocks(timeline, at(29, 12), LAW)
    text = warning_text("RCLK1", clock, at(29, 12), "https://x.example.cn/console")
    assert text.startswith("【理赔时效提醒】赔案 RCLK1：核定将于 3月31日 24:00 到期"
                           "（剩余 2天12小时）")
    assert "第23条" in text and text.endswith("https://x.example.cn/console#/claims/RCLK1")
    assert due_words(at(5, 15, 30)) == "3月5日 15:30"
    assert (span(59), span(3600 * 5), span(86400 * 2)) == ("1分钟", "5小时", "2天")
