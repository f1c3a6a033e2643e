"""Tickets through the console API and the chat: a complaint from WeChat becomes a ticket with
its 15-day deadline, the customer leaves a callback number (sealed on the ticket, shown in full
only on request, audited); each kind is shown to the roles that handle it; assignment, notes
and closing are audited; the supervisor is alerted once before a complaint's deadline."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from chalicelib.domain import tickets as rules
from chalicelib.service.logs import ref
from chalicelib.store.audit import AuditLog
from chalicelib.store.handoffs import Tickets
from chalicelib.store.models import SessionItem, TicketItem
from tests.integration.test_handoff import (  # noqa: F401 (fixtures)
    SUPERVISOR,
    _run_jobs,
    _say,
    desk_container,
    roster,
    wecom,
)
from tests.integration.test_survey_desk import _bound_customer, _drain

pytestmark = pytest.mark.integration


@pytest.fixture
def api(desk_container, monkeypatch):  # noqa: F811
    from chalice.test import Client

    import app

    monkeypatch.setattr(app, "services", lambda: desk_container)
    with Client(app.app) as client:
        yield client


def _call(api, method: str, path: str, user: str, body: dict | None = None):
    login = api.http.post("/console/api/dev-login", body=json.dumps({"user": user}),
                          headers={"Content-Type": "application/json"})  # fmt: skip
    headers = {"Authorization": f"Bearer {login.json_body['token']}",
               "Content-Type": "application/json"}  # fmt: skip
    if method == "GET":
        return api.http.get(path, headers=headers)
    return api.http.post(path, body=json.dumps(body or {}), headers=headers)


def _rows(api, user: str, query: str = "") -> list[dict]:
    res = _call(api, "GET", f"/console/api/tickets{query}", user)
    assert res.status_code == 200, res.json_body
    return res.json_body["tickets"]


def _complaint(c, openid: str, *answers: str) -> str:
    """The customer complains in the chat, then answers; the ticket's number."""
    _drain(c, "jobs")
    _say(c, openid, "你们一直拖着不赔，我要投诉")
    for said in answers:
        _say(c, openid, said)
    done = _run_jobs(c)
    ticket_no = done[0]
    assert TicketItem.get(ticket_no).kind == "sensitive"
    return ticket_no


def _audited(ticket_no: str) -> list[str]:
    entries = AuditLog().entries(limit=400)  # newest first
    return [e.action for e in reversed(entries) if e.detail.get("ticket_no") == ticket_no]


def test_a_complaint_with_a_callback_number_assigned_noted_and_closed(
    api, desk_container, openid  # noqa: F811
):
    c = desk_container
    ticket_no = _complaint(c, openid, "139 0000 1111")
    assert SessionItem.get(openid).flow == ""  # the number answered the question
    item = TicketItem.get(ticket_no)
    assert item.callback_phone_masked == "139****1111" and not item.callback_phone_is_policy
    assert "13900001111" not in json.dumps(item.attribute_values, default=str)
    assert item.due_at == pytest.approx(item.created_at + rules.COMPLAINT_DAYS * 86400)

    [row] = [r for r in _rows(api, "supervisor1") if r["ticket_no"] == ticket_no]
    assert row["kind"] == "sensitive" and row["priority"] == "high"
    assert row["phone"] == {"masked": "139****1111", "declined": False, "is_policy": False,
                            "revealable": True}  # fmt: skip
    assert row["customer"] == ref(openid) and row["assignee"] is None and not row["overdue"]

    shown = _call(api, "POST", f"/console/api/tickets/{ticket_no}/phone", "supervisor1")
    assert shown.status_code == 200 and shown.json_body["phone"] == "13900001111"
    refused = _call(api, "POST", f"/console/api/tickets/{ticket_no}/phone", "adjuster1")
    assert refused.status_code == 403 and "agents and supervisors may" in refused.json_body["error"]

    to_agent = _call(api, "POST", f"/console/api/tickets/{ticket_no}/assign", "supervisor1",
                     {"to": "agent1"})  # fmt: skip
    assert to_agent.status_code == 200
    assert to_agent.json_body["ticket"]["assignee_name"] == "赵客服"
    to_adjuster = _call(api, "POST", f"/console/api/tickets/{ticket_no}/assign", "supervisor1",
                        {"to": "adjuster1"})  # fmt: skip
    assert to_adjuster.status_code == 400
    assert "may not handle sensitive" in to_adjuster.json_body["error"]
    not_theirs = _call(api, "POST", f"/console/api/tickets/{ticket_no}/assign", "agent1",
                       {"to": "supervisor1"})  # fmt: skip
    assert not_theirs.status_code == 403

    mine = _rows(api, "agent1", "?assignee=me&kind=sensitive")
    assert ticket_no in [r["ticket_no"] for r in mine]
    for words in ("已致电客户，约定明天上午再联系", "客户同意等待复核结果"):
        noted = _call(api, "POST", f"/console/api/tickets/{ticket_no}/notes", "agent1",
                      {"text": words})  # fmt: skip
        assert noted.status_code == 200
    notes = noted.json_body["ticket"]["notes"]
    assert [n["text"] for n in notes] == ["已致电客户，约定明天上午再联系", "客户同意等待复核结果"]
    assert {n["by_name"] for n in notes} == {"赵客服"}

    close = f"/console/api/tickets/{ticket_no}/close"
    bare = _call(api, "POST", close, "agent1", {"outcome": "resolved"})
    assert bare.status_code == 400 and "a complaint's closing needs" in bare.json_body["error"]
    done = _call(api, "POST", close, "agent1",
                 {"outcome": "resolved", "reason": "复核后补赔300元，客户满意"})  # fmt: skip
    assert done.status_code == 200 and done.json_body["ticket"]["status"] == "closed"
    again = _call(api, "POST", close, "supervisor1",
                  {"outcome": "not_needed", "reason": "重复工单"})  # fmt: skip
    assert again.status_code == 409
    assert "closed already (resolved, by 赵客服" in again.json_body["error"]
    late_note = _call(api, "POST", f"/console/api/tickets/{ticket_no}/notes", "agent1",
                      {"text": "补充"})  # fmt: skip
    assert late_note.status_code == 200  # notes may follow a closing: append-only, audited

    assert ticket_no not in [r["ticket_no"] for r in _rows(api, "supervisor1")]
    [closed] = [r for r in _rows(api, "supervisor1", "?status=closed")
                if r["ticket_no"] == ticket_no]  # fmt: skip
    assert (closed["outcome"], closed["closed_by_name"]) == ("resolved", "赵客服")
    assert closed["reason"] == "复核后补赔300元，客户满意"
    assert _audited(ticket_no) == ["ticket.phone", "ticket.assign", "ticket.note", "ticket.note",
                                   "ticket.close:resolved", "ticket.note"]  # fmt: skip
    assert AuditLog().verify() is None  # the chain holds


def test_a_bound_customer_typing_the_policys_number_and_one_who_declines(
    api, desk_container  # noqa: F811
):
    c = desk_container
    bound = f"o_test_{uuid.uuid4().hex[:12]}"
    _bound_customer(c, bound)  # the same holder as other tests': several policies
    ticket_no = _complaint(c, bound, "13800138000")
    item = TicketItem.get(ticket_no)
    holder = c.book.customer_for(bound).customer_id
    assert item.policy_no in {p.policy_no for p in c.book.policies_of(holder)}
    assert item.policy_phone_masked == "138****8000"
    assert item.callback_phone_is_policy is True

    other = f"o_test_{uuid.uuid4().hex[:12]}"
    declined = _complaint(c, other, "不用了")
    [row] = [r for r in _rows(api, "agent1") if r["ticket_no"] == declined]
    assert row["phone"]["declined"] is True and row["phone"]["revealable"] is False


def test_each_kind_is_shown_to_the_roles_that_handle_it(api, openid):  # noqa: F811
    tickets = Tickets()
    complaint = tickets.create(openid, "sensitive", "high", "投诉理赔慢",
                               due_at=time.time() + 86400).ticket_no  # fmt: skip
    survey = tickets.create(openid, "survey_expired", "normal", "自助查勘超过72小时未完成",
                            ticket_no=f"TV{uuid.uuid4().hex[:8]}", claim_no="C123").ticket_no
    request = tickets.create(openid, "data_request:erase", "normal", "删除我的信息",
                             due_at=time.time() + 3 * 86400,
                             ticket_no=f"TD{uuid.uuid4().hex[:10]}").ticket_no  # fmt: skip
    mine = {complaint, survey, request}

    def seen(user: str) -> dict[str, dict]:
        return {r["ticket_no"]: r for r in _rows(api, user) if r["ticket_no"] in mine}

    assert seen("agent1").keys() == {complaint}
    assert seen("adjuster1").keys() == {survey}
    assert seen("auditor1").keys() == {request}
    everything = seen("supervisor1")
    assert everything.keys() == mine
    assert everything[survey]["link"] == "#/claim/C123"
    assert everything[request]["link"] == "#/requests" and not everything[request]["handled_here"]
    assert everything[survey]["due_at"]  # a deadline for every ticket (a day, unless promised)
    for user, kind in (("agent1", "survey_expired"), ("adjuster1", "sensitive")):
        res = _call(api, "GET", f"/console/api/tickets?kind={kind}", user)
        assert res.status_code == 403
    closing = _call(api, "POST", f"/console/api/tickets/{request}/close", "supervisor1",
                    {"outcome": "resolved"})  # fmt: skip
    assert closing.status_code == 400 and "requests page" in closing.json_body["error"]
    assert _call(api, "GET", "/console/api/tickets?status=maybe", "agent1").status_code == 400
    me = _call(api, "GET", "/console/api/me", "agent1").json_body
    assert me["tickets"] == ["sensitive", "callback"]
    assignees = _call(api, "GET", "/console/api/tickets", "supervisor1").json_body["assignees"]
    assert {"agent1", "adjuster1", "supervisor1"} <= {a["id"] for a in assignees}


def test_the_supervisor_is_alerted_once_before_a_complaints_deadline(
    desk_container, roster, wecom, openid  # noqa: F811
):
    c = desk_container
    tickets = Tickets()
    soon = tickets.create(openid, "sensitive", "high", "投诉：定损金额太低",
                          due_at=time.time() + 3 * 3600).ticket_no  # fmt: skip
    later = tickets.create(openid, "sensitive", "high", "投诉：客服态度",
                           due_at=time.time() + 5 * 86400).ticket_no  # fmt: skip
    callback = tickets.create(openid, "callback", "normal", "回访", due_at=time.time() + 60)
    wecom.clear()
    counts = c.watchdog.run()
    assert counts["tickets_alerted"] >= 1
    told = [x for x in wecom.texts(SUPERVISOR) if soon in x]
    assert len(told) == 1 and "【投诉即将到期】" in told[0] and "尚未分派" in told[0]
    assert not [x for x in wecom.texts(SUPERVISOR) if later in x or callback.ticket_no in x]
    assert TicketItem.get(soon).alerted_at and not TicketItem.get(later).alerted_at
    c.watchdog.run()
    assert len([x for x in wecom.texts(SUPERVISOR) if soon in x]) == 1  # once a ticket


def test_tickets_made_before_the_page_are_filed_once(api, openid):  # noqa: F811
    """`claimbot tickets file-old`: old tickets get their place on the page and a deadline."""
    made = time.time() - 3 * 86400
    claim = f"C{uuid.uuid4().hex[:8]}"
    old = {
        "complaint": TicketItem(ticket_no=f"TS{uuid.uuid4().hex[:10]}", openid=openid,
                                kind="sensitive", priority="high", created_at=made),
        "survey": TicketItem(ticket_no=f"TV{claim}", openid=openid, kind="callback",
                             priority="normal", created_at=made),
        "closed": TicketItem(ticket_no=f"TC{uuid.uuid4().hex[:10]}", openid=openid,
                             kind="callback", priority="normal", created_at=made,
                             due_at=made + 3600, status="closed"),
    }  # fmt: skip
    for item in old.values():
        item.save()
    assert Tickets().file_unqueued() >= 3
    complaint, survey, closed = (TicketItem.get(i.ticket_no) for i in old.values())
    assert (complaint.queue, complaint.due_at) == ("ticket:open", made + 15 * 86400)
    assert (survey.kind, survey.claim_no, survey.queue) == ("survey_expired", claim, "ticket:open")
    assert (closed.queue, closed.due_at) == ("ticket:closed", made + 3600)
    assert Tickets().file_unqueued() == 0
    shown = {r["ticket_no"] for r in _rows(api, "supervisor1", "?status=all")}
    assert {complaint.ticket_no, survey.ticket_no, closed.ticket_no} <= shown
