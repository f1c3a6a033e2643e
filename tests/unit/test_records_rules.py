"""Who may search records, the query's limits, and cells a spreadsheet cannot run."""

from __future__ import annotations

import pytest

from chalicelib.domain import records as rules

NOW = 1_796_000_000.0  # 2026-11-30


def test_scopes_by_role_and_who_may_unmask():
    assert rules.scope_for(("adjuster",)) is None
    assert rules.scope_for(("agent",)) == rules.HANDLED
    assert rules.scope_for(("agent", "supervisor")) == rules.TEAM
    assert rules.scope_for(("auditor",)) == rules.ALL
    assert rules.may_unmask(("auditor",), "投诉调查") and not rules.may_unmask(("auditor",), " ")
    assert not rules.may_unmask(("supervisor",), "投诉调查 TS-1")


@pytest.mark.parametrize(
    "params, problem",
    [
        ({"by": "email", "value": "a@b.c"}, "find by one of"),
        ({"by": "openid", "value": " "}, "typed in full"),
        ({"by": "openid", "value": "o1", "from": "2026-12-01", "to": "2026-11-01"}, "after"),
        ({"by": "openid", "value": "o1", "from": "2024-01-01", "to": "2026-01-01"}, "366 days"),
        ({"by": "openid", "value": "o1", "from": "昨天"}, "YYYY-MM-DD"),
    ],
)
def test_a_query_that_cannot_run_says_why(params, problem):
    with pytest.raises(rules.RecordsRequestError, match=problem):
        rules.RecordQuery.parse(params, NOW)


def test_a_day_covers_china_time_and_the_limit_is_bounded():
    query = rules.RecordQuery.parse({"by": "claim", "value": "RSVY1", "from": "2026-11-01",
                                     "to": "2026-11-01", "limit": "5000"}, NOW)  # fmt: skip
    assert query.until_ms - query.since_ms == 86_400_000 - 1 and query.limit == rules.MAX_LIMIT
    assert rules.record_time(f"{query.since_ms:013d}#in#ab") == "2026-11-01 00:00:00"


def test_cells_that_start_like_a_formula_are_neutralised_and_the_csv_has_a_bom():
    assert [rules.neutralise(c) for c in ("=1+1", "+86 138", "-5", "@SUM(A1)", "好的", None)] == [
        "'=1+1", "'+86 138", "'-5", "'@SUM(A1)", "好的", ""]  # fmt: skip
    data = rules.csv_bytes(("a", "b"), [{"a": "=cmd", "b": "客户"}])
    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8-sig") == "a,b\r\n'=cmd,客户\r\n"


def test_a_phone_matches_however_it_is_typed_and_only_with_the_key():
    from chalicelib.domain.identity import phone_check_for

    key = b"k" * 32
    same = {phone_check_for(p, key) for p in ("13800138000", "+86 138-0013-8000", "86 13800138000")}
    assert len(same) == 1 and "13800138000" not in next(iter(same))
    assert phone_check_for("13800138000", b"x" * 32) not in same  # keyed: a pepper per deployment
    assert phone_check_for("13800138001", key) not in same
