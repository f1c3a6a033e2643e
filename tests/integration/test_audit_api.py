"""The audit page's API: the log narrowed by time, staff member and kind of action, newest first,
paged and bounded; the chain check in stretches, naming the first broken link; who may."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest

from chalicelib.domain import audit as rules
from chalicelib.service.logs import ref
from chalicelib.store.audit import AuditLog
from chalicelib.store.models import AuditEntry
from tests.integration.test_console_api import _get, api  # noqa: F401 (api is a fixture)

pytestmark = pytest.mark.integration


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _audit(api, query: str, user: str = "auditor1") -> dict:  # noqa: F811
    res = _get(api, f"/console/api/audit?{query}", user)
    assert res.status_code == 200, res.json_body
    return res.json_body


def _member() -> str:
    return f"aud_{uuid.uuid4().hex[:8]}"


def test_only_those_who_may_read_the_log_read_or_check_it(api):  # noqa: F811
    for user in ("adjuster1", "agent1"):
        assert _get(api, "/console/api/audit?kind=records", user).status_code == 403
        assert _get(api, "/console/api/audit/verify", user).status_code == 403
    for user in ("supervisor1", "auditor1"):
        assert _get(api, "/console/api/audit?kind=records", user).status_code == 200
    for bad in ("kind=everything", "from=yesterday", "before=0", "from=2026-03-02&to=2026-03-01"):
        res = _get(api, f"/console/api/audit?{bad}", "auditor1")
        assert res.status_code == 400 and res.json_body["error"], bad
    assert _get(api, "/console/api/audit/verify?after=x", "auditor1").status_code == 400


def test_by_staff_member_and_kind_newest_first_with_what_each_is_about(api, openid):  # noqa: F811
    log, who, started = AuditLog(), _member(), _iso(time.time() - 1)
    log.append(who, "supervisor", "decide:approve", "CAUD1", {"amount": "1200", "name": "陈主管"},
               "10.1.2.3")  # fmt: skip
    log.append(who, "supervisor", "data_request.close:partly", None,
               {"ticket": "TD0001", "outcome": "partly", "reason": "理赔资料须保存五年",
                "customer": ref(openid), "name": "陈主管"})  # fmt: skip
    log.append("someone_else", "auditor", "decide:reject", "CAUD1", {"name": "周稽核"})
    # a records search through the console, with the reason it was unmasked for
    reason = "客户投诉核查对话"
    res = _get(api, f"/console/api/records?by=openid&value={openid}&unmask=1&reason={reason}",
               "auditor1")  # fmt: skip
    assert res.status_code == 200, res.json_body

    mine = _audit(api, f"who={who}&from={started}")
    assert [e["action"] for e in mine["entries"]] == ["data_request.close:partly", "decide:approve"]
    decision = mine["entries"][1]
    assert decision["name"] == "陈主管" and decision["role"] == "supervisor"
    assert decision["target"] == {"type": "claim", "id": "CAUD1"} and decision["ip"] == "10.1.2.3"
    assert mine["entries"][0]["target"] == {"type": "request", "id": "TD0001"}
    assert mine["next"] is None  # nothing older than `from` can match

    decisions = _audit(api, f"kind=decisions&from={started}")["entries"]
    assert {(e["who"], e["action"]) for e in decisions} == {
        (who, "decide:approve"), ("someone_else", "decide:reject")}  # fmt: skip
    (search,) = [e for e in _audit(api, f"kind=records&who=auditor1&from={started}")["entries"]
                 if e["detail"].get("value") == ref(openid)]  # fmt: skip
    assert search["action"] == "records.search" and search["detail"]["reason"] == reason
    assert search["detail"]["unmasked"] is True and search["detail"]["by"] == "openid"
    assert search["target"] == {"type": "customer", "id": ref(openid), "by": "openid"}
    assert openid not in str(search)  # the customer only as a reference


def test_a_time_range_and_pages_that_end(api):  # noqa: F811
    log, who = AuditLog(), _member()
    log.append(who, "auditor", "records.search", detail={"n": 0})
    time.sleep(0.05)
    since = time.time()
    time.sleep(0.01)  # times are kept to the millisecond
    for n in range(1, 6):
        log.append(who, "auditor", "records.export", detail={"n": n})
    time.sleep(0.01)
    until = time.time()
    time.sleep(0.05)
    log.append(who, "auditor", "records.print", detail={"n": 6})

    window = f"who={who}&from={_iso(since)}&to={_iso(until)}"
    seen, before, pages = [], "", 0
    while True:
        page = _audit(api, f"{window}&limit=2{before}")
        seen += [e["detail"]["n"] for e in page["entries"]]
        pages += 1
        if page["next"] is None:
            break
        before = f"&before={page['next']}"
    assert seen == [5, 4, 3, 2, 1] and pages == 3

    long_ago = _audit(api, f"to={_iso(time.time() - 400 * 86400)}")
    assert long_ago["entries"] == [] and long_ago["next"] is None
    today = datetime.now(UTC).astimezone(rules.CHINA).date().isoformat()
    assert len(_audit(api, f"who={who}&from={today}&to={today}")["entries"]) == 7


def test_one_request_reads_a_bounded_stretch_and_says_where_to_go_on(api, monkeypatch):  # noqa: F811
    import chalicelib.store.audit as store

    log = AuditLog()
    for n in range(4):
        log.append(_member(), "auditor", "records.search", detail={"n": n})
    head = log.head_seq()
    monkeypatch.setattr(store, "MAX_SCANNED", 3)
    first = _audit(api, "who=nobody_at_all")
    assert first["entries"] == [] and first["scanned"] == 3 and first["next"] == head - 2
    second = _audit(api, f"who=nobody_at_all&before={first['next']}")
    assert second["scanned"] == 3 and second["next"] == head - 5


def _check_all(api, user: str = "auditor1") -> tuple[dict, int, int]:  # noqa: F811
    """Ask the chain check again and again from where it stopped, as the page does."""
    after, checked, requests = 0, 0, 0
    while True:
        res = _get(api, f"/console/api/audit/verify?after={after}", user)
        assert res.status_code == 200, res.json_body
        answer = res.json_body
        checked, requests = checked + answer["checked"], requests + 1
        if answer["ok"] is not None:
            return answer, checked, requests
        after = answer["next"]


def test_the_chain_check_goes_in_stretches_and_names_the_tampered_entry(api, monkeypatch):  # noqa: F811
    monkeypatch.setattr(rules, "VERIFY_ENTRIES", 7)
    log = AuditLog()
    for n in range(3):
        log.append(_member(), "auditor", "records.search", detail={"n": n})
    answer, checked, requests = _check_all(api, "supervisor1")
    head = log.head_seq()
    assert answer["ok"] is True and answer["broken"] is None and answer["head"] >= head
    assert checked == answer["through"] >= head and requests >= head // 7

    victim = log.entries(limit=2)[1]  # a link in the middle
    original = dict(victim.detail)
    victim.update(actions=[AuditEntry.detail.set({"n": "changed after the fact"})])
    try:
        answer, checked, _ = _check_all(api)
        assert answer["ok"] is False and answer["broken"]["seq"] == int(victim.seq)
        assert "edited" in answer["broken"]["why"] and checked == int(victim.seq) - 1
    finally:
        victim.update(actions=[AuditEntry.detail.set(original)])
    assert _check_all(api)[0]["ok"] is True


def test_a_stretch_stops_at_its_time_budget(api, monkeypatch):  # noqa: F811
    import chalicelib.store.audit as store

    monkeypatch.setattr(rules, "VERIFY_SECONDS", 0.0)  # no second read of WALK_CHUNK entries
    monkeypatch.setattr(store, "WALK_CHUNK", 1)
    AuditLog().append(_member(), "auditor", "records.search")
    first = _get(api, "/console/api/audit/verify", "auditor1").json_body
    assert first["ok"] is None and first["checked"] == 1 and first["next"] == 1
