"""The push budget's rules (domain/push_budget.py): what is refused, when, and the week."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.push_budget import (
    CAMPAIGN,
    NOTICE,
    OPTED_OUT,
    OVER_BUDGET,
    OVER_KIND,
    REMINDER,
    BudgetError,
    BudgetRules,
    decide,
    period_end,
    period_of,
)
from chalicelib.settings import SettingsError, settings_from_env

CHINA = timezone(timedelta(hours=8))
RULES = BudgetRules(per_week=4, campaigns_per_week=1, reminders_per_week=1)


def _at(*args: int) -> float:
    return datetime(*args, tzinfo=CHINA).timestamp()


def test_a_notice_is_never_refused_even_over_the_budget_or_opted_out():
    assert decide(RULES, NOTICE, total=99, of_kind=99, opted_out=True).allowed


@pytest.mark.parametrize("kind", [REMINDER, CAMPAIGN])
def test_optional_pushes_stop_at_the_weeks_budget(kind):
    assert decide(RULES, kind, total=3, of_kind=0, opted_out=False).allowed
    verdict = decide(RULES, kind, total=4, of_kind=0, opted_out=False)
    assert (verdict.allowed, verdict.reason) == (False, OVER_BUDGET)


def test_each_optional_kind_has_its_own_cap():
    assert decide(RULES, CAMPAIGN, total=1, of_kind=1, opted_out=False).reason == OVER_KIND
    assert decide(RULES, REMINDER, total=1, of_kind=1, opted_out=False).reason == OVER_KIND


def test_opting_out_stops_campaigns_not_reminders():
    assert decide(RULES, CAMPAIGN, total=0, of_kind=0, opted_out=True).reason == OPTED_OUT
    assert decide(RULES, REMINDER, total=0, of_kind=0, opted_out=True).allowed


def test_an_unknown_kind_is_an_error():
    with pytest.raises(ValueError):
        decide(RULES, "advert", 0, 0, False)


def test_the_week_is_a_calendar_week_in_china_time():
    # Sunday 23:59 and Monday 00:00 (China time) fall in different weeks, whatever UTC says.
    assert period_of(_at(2026, 12, 6, 23, 59)) == "2026-W49"
    assert period_of(_at(2026, 12, 7, 0, 0)) == "2026-W50"
    assert period_end(_at(2026, 12, 3, 12, 0)) == _at(2026, 12, 7, 0, 0)
    assert period_of(_at(2027, 1, 1, 9, 0)) == "2026-W53"


@pytest.mark.parametrize(
    ("per_week", "campaigns", "reminders"), [(0, 0, 0), (2, 3, 1), (2, 1, -1)]
)
def test_rules_that_make_no_sense_are_refused(per_week, campaigns, reminders):
    with pytest.raises(BudgetError):
        BudgetRules(per_week, campaigns, reminders)


def test_settings_read_and_check_the_budget():
    env = {"WECHAT_TOKEN": "t", "PUSH_BUDGET_PER_WEEK": "6", "PUSH_CAMPAIGNS_PER_WEEK": "2"}
    rules = settings_from_env(env).validate().push_rules()
    assert (rules.per_week, rules.campaigns_per_week, rules.reminders_per_week) == (6, 2, 1)
    with pytest.raises(SettingsError, match="PUSH_CAMPAIGNS_PER_WEEK"):
        settings_from_env({**env, "PUSH_CAMPAIGNS_PER_WEEK": "7"}).validate()
