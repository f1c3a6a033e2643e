"""Reading the audit log (domain/audit.py): the auditor's query, what an entry is about, and a
label and a kind for every action the code writes."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from chalicelib.console.labels import AUDIT_ACTIONS, console_labels
from chalicelib.domain import audit as rules
from chalicelib.domain import data_requests, tickets
from chalicelib.domain.hours import CHINA
from chalicelib.domain.review import Action

ROOT = Path(__file__).resolve().parents[2]


def test_dates_are_china_days_and_times_keep_their_offset():
    query = rules.AuditQuery.parse({"from": "2026-03-01", "to": "2026-03-01"})
    assert query.since == datetime(2026, 3, 1, tzinfo=CHINA).timestamp()
    assert query.until == pytest.approx(datetime(2026, 3, 2, tzinfo=CHINA).timestamp(), abs=0.01)
    exact = rules.AuditQuery.parse({"from": "2026-03-01T08:00:00+00:00"})
    assert exact.since == datetime(2026, 3, 1, 16, tzinfo=CHINA).timestamp()
    assert exact.until is None and exact.limit == rules.DEFAULT_LIMIT and exact.before is None


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"from": "2026-03-02", "to": "2026-03-01"}, "'from' is after 'to'"),
        ({"from": "yesterday"}, "a date (YYYY-MM-DD)"),
        ({"kind": "everything"}, "kind must be one of"),
        ({"before": "-3"}, "'before' is a positive number"),
        ({"limit": "x"}, "'limit' is a positive number"),
        ({"who": "x" * 65}, "longer than 64"),
    ],
)
def test_a_query_that_cannot_run_says_why(params, words):
    with pytest.raises(rules.AuditRequestError, match=re.escape(words)):
        rules.AuditQuery.parse(params)


def test_matching_by_who_kind_and_time_and_the_page_is_capped():
    query = rules.AuditQuery.parse({"who": "auditor1", "kind": "records", "limit": "999",
                                    "from": "2026-03-01T00:00:00+08:00"})  # fmt: skip
    at = datetime(2026, 3, 1, 9, tzinfo=CHINA).timestamp()
    assert query.limit == rules.MAX_LIMIT
    assert query.matches(at, "auditor1", "records.search")
    assert not query.matches(at, "auditor2", "records.search")
    assert not query.matches(at, "auditor1", "decide:approve")
    assert not query.matches(query.since - 1, "auditor1", "records.export")
    assert not query.past_the_range(query.since - 1)  # clocks differ: look a little further
    assert query.past_the_range(query.since - rules.CLOCK_SLACK_S - 1)


def test_what_an_entry_is_about():
    assert rules.target_of("decide:approve", "C1", {"name": "李"}) == {"type": "claim", "id": "C1"}
    assert rules.target_of("data_request.close:done", None, {"ticket": "TD1", "customer": "ab"}) \
        == {"type": "request", "id": "TD1"}  # fmt: skip
    assert rules.target_of("records.search", None, {"by": "plate", "value": "3f2a"}) == {
        "type": "customer", "id": "3f2a", "by": "plate"}  # fmt: skip
    staff_change = rules.target_of("staff:add", None, {"userid": "zhang3", "name": "张三"})
    assert staff_change == {"type": "staff", "id": "zhang3"}
    assert rules.target_of("sign_in", None, {"via": "wecom"}) == {}
    assert rules.maker_name("staff:add", {"name": "张三"}) == ""  # the member added, not its maker
    assert rules.maker_name("decide:approve", {"name": "李理赔"}) == "李理赔"


def _written_actions() -> set[str]:
    """Every action code the code appends to the log: the literal ones found in the source,
    and the ones made from a domain code."""
    literal = re.compile(r'"((?:view_claim|chat_\w+|sign_in\w*|records\.\w+|hold:\w+|'
                         r'retention:\w+|staff:\w+|ticket\.\w+))"')  # fmt: skip
    found: set[str] = set()
    for folder in ("chalicelib", "devstack"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if any(call in text for call in ("audit.append(", "AuditLog().append(", "_audited(",
                                             "self._audit(")):
                found |= set(literal.findall(text))
    found |= {f"decide:{a.value}" for a in Action} | {"decide:approve_requested"}
    found |= {"sign_off:approve", "sign_off:decline"}
    found |= {f"data_request.close:{o}" for o in data_requests.OUTCOMES}
    found |= {f"ticket.close:{o}" for o in tickets.OUTCOMES}
    return found


def test_every_action_written_has_a_label_and_a_kind():
    written = _written_actions()
    assert {"records.search", "records.export", "records.print", "hold:add", "hold:release",
            "staff:add", "sign_in", "chat_reply", "retention:sold", "ticket.assign",
            "ticket.note", "ticket.phone"} <= written  # fmt: skip
    assert written - AUDIT_ACTIONS.keys() == set()
    every_prefix = tuple(p for prefixes in rules.KINDS.values() for p in prefixes)
    assert [a for a in AUDIT_ACTIONS if not a.startswith(every_prefix)] == []
    labels = console_labels()
    assert [k for k, _ in labels["audit_kinds"]] == list(rules.KINDS)
    assert [o for o, _ in labels["data_request_outcomes"]] == list(data_requests.OUTCOMES)
