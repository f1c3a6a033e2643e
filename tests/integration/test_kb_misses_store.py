"""The miss log in DynamoDB (table kb_misses of infra/resources.yaml) and `claimbot kb misses`,
against moto."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest

from chalicelib.store.kb_misses import KbMissLog
from chalicelib.store.models import KbMissItem, bind_tables

pytestmark = pytest.mark.integration


@pytest.fixture
def miss_log(settings):
    bind_tables(settings)
    return KbMissLog(settings.kb_miss_ttl_s, clock=lambda: 1_796_000_000.0)


@pytest.fixture
def day() -> str:
    """A day of its own for each test (the table is shared by the test session)."""
    n = uuid.uuid4().int % 3000
    return date.fromordinal(date(1990, 1, 1).toordinal() + n).isoformat()


def test_a_miss_is_kept_once_with_its_first_next_step_and_a_ttl(miss_log, settings, day):
    miss_log.record(day, "1-a", "能分期吗", "candidates", ["pay_premium", "cancel_policy"], 1.0)
    miss_log.record(day, "1-a", "something else", "nothing", [], 2.0)  # a retry: unchanged
    miss_log.follow_up(day, "1-a", "picked:pay_premium")
    miss_log.follow_up(day, "1-a", "person")  # only the first step counts
    miss_log.follow_up(day, "2-gone", "person")  # expired or never kept: no item made
    item = KbMissItem.get(day, "1-a")
    assert (item.question, item.outcome, item.offered) == ("能分期吗", "candidates",
                                                           ["pay_premium", "cancel_policy"])
    assert item.chose == "picked:pay_premium"
    assert item.expires_at == 1_796_000_000 + settings.kb_miss_ttl_s
    [miss] = miss_log.between(date.fromisoformat(day), date.fromisoformat(day))
    assert (miss.miss_id, miss.offered, miss.chose) == ("1-a", ("pay_premium", "cancel_policy"),
                                                        "picked:pay_premium")
    assert list(KbMissItem.query(day, KbMissItem.miss_id == "2-gone")) == []




def test_kb_misses_lists_a_periods_most_frequent_questions(miss_log, cli_env, day, capsys):
    from devstack.cli import main

    for n, (question, outcome, offered, chose) in enumerate([
        ("能分期吗", "candidates", ["pay_premium"], "picked:pay_premium"),
        ("能分期吗？", "candidates", ["pay_premium"], "picked:pay_premium"),
        ("火星上能赔吗", "nothing", [], "person"),
    ]):  # fmt: skip
        miss_log.record(day, f"{n}-x", question, outcome, offered, float(n))
        miss_log.follow_up(day, f"{n}-x", chose)

    assert main(["kb", "misses", "--since", day, "--until", day, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["records"] == 3
    first, second = out["questions"]
    assert (first["question"], first["count"], first["no_answer"]) == ("能分期吗", 2, 0)
    assert first["picked"] == {"pay_premium": 2}
    assert (second["question"], second["no_answer"], second["then"]) == ("火星上能赔吗", 1,
                                                                        {"person": 1})

    assert main(["kb", "misses", "--since", day, "--until", day]) == 0
    table = capsys.readouterr().out
    assert "3 questions not answered for sure" in table
    assert "    2  能分期吗" in table and "picked:pay_premium x2" in table


def test_kb_misses_refuses_a_period_that_ends_before_it_starts(cli_env, capsys):
    from devstack.cli import main

    assert main(["kb", "misses", "--since", "2026-12-02", "--until", "2026-12-01"]) == 1
    assert "is after --until" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["kb", "misses", "--since", "yesterday"])
    assert "not a day: 'yesterday'" in capsys.readouterr().err
