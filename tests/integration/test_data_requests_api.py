"""Customers' requests about their information (PIPL) through the console API: who may see and
close them (refused with the reason otherwise), open ones first by deadline with the overdue
flag, closing with each outcome (the reason a refusal needs, once only), the audit entry, what
the customer is told, and a request made in the chat followed to its answer."""

from __future__ import annotations

import time
import uuid

import pytest

from chalicelib.dialog import catalogue as t
from chalicelib.service.logs import ref
from chalicelib.store.audit import AuditLog
from chalicelib.store.handoffs import Tickets
from chalicelib.store.models import HeldMessage, TicketItem
from tests.integration.test_console_api import _get, _post, api  # noqa: F401 (api is a fixture)
from tests.integration.test_outbox_and_tokens import _requests_become_tickets, _say
from tests.integration.test_survey_desk import _drain

pytestmark = pytest.mark.integration

DAY = 86400
REASON = "保单和理赔资料依《保险法》须保存至合同终止后五年"


def _ticket(openid: str, request: str = "correct", due_in_days: float = 15,
            kind: str | None = None) -> str:  # fmt: skip
    number = "TD" + uuid.uuid4().hex[:12].upper()
    Tickets().create(openid, kind=kind or f"data_request:{request}", priority="normal",
                     summary="我的手机号换成139****1111了", due_at=time.time() + due_in_days * DAY,
                     ticket_no=number)  # fmt: skip
    return number


def _listed(api, user: str, status: str, numbers: list[str]) -> list[dict]:  # noqa: F811
    res = _get(api, f"/console/api/requests?status={status}", user)
    assert res.status_code == 200, res.json_body
    return [r for r in res.json_body["requests"] if r["ticket_no"] in numbers]


def _close(api, number: str, body: dict, user: str = "auditor1"):  # noqa: F811
    return _post(api, f"/console/api/requests/{number}/close", body, user)


def _told(container, openid: str) -> list[dict]:
    return [m for m in _drain(container, "outbox") if m["openid"] == openid]


def test_only_supervisors_and_auditors_see_or_close_requests(api, openid):  # noqa: F811
    number = _ticket(openid)
    for user in ("agent1", "adjuster1"):
        res = _get(api, "/console/api/requests", user)
        assert res.status_code == 403
        assert "supervisors and auditors may" in res.json_body["error"]
        refused = _close(api, number, {"outcome": "done"}, user)
        assert refused.status_code == 403
    assert TicketItem.get(number).status == "open"
    for user in ("supervisor1", "auditor1"):
        assert [r["ticket_no"] for r in _listed(api, user, "open", [number])] == [number]


def test_open_requests_first_by_deadline_overdue_flagged_customer_masked(
    api, container, openid  # noqa: F811
):
    late = _ticket(openid, "erase", due_in_days=-1)
    soon = _ticket(openid, "correct", due_in_days=3)
    later = _ticket(openid, "correct", due_in_days=12)
    done = _ticket(openid, "correct", due_in_days=5)
    callback = _ticket(openid, kind="callback")  # other tickets are not customers' requests
    mine = [late, soon, later, done, callback]
    closing = {"outcome": "done", "note": "已在核心系统更正手机号"}
    assert _close(api, done, closing).status_code == 200

    rows = _listed(api, "supervisor1", "open", mine)
    assert [r["ticket_no"] for r in rows] == [late, soon, later]
    assert [r["overdue"] for r in rows] == [True, False, False]
    first = rows[0]
    assert first["request"] == "erase" and first["status"] == "open"
    assert first["summary"] == "我的手机号换成139****1111了"
    assert first["customer"] == ref(openid) and openid not in first["customer"]
    assert first["records_query"] == {"by": "openid", "value": openid}
    assert first["due_at"] < first["created_at"] and first["outcome"] is None  # a day late

    closed = _listed(api, "supervisor1", "closed", mine)
    assert [(r["ticket_no"], r["outcome"], r["overdue"]) for r in closed] == [(done, "done", False)]
    assert closed[0]["note"] == "已在核心系统更正手机号" and closed[0]["closed_by"] == "auditor1"
    assert closed[0]["closed_by_name"] == "周稽核" and closed[0]["closed_at"]
    every = _listed(api, "auditor1", "all", mine)
    assert [r["ticket_no"] for r in every] == [late, soon, later, done]  # open first
    assert _get(api, "/console/api/requests?status=pending", "auditor1").status_code == 400


@pytest.mark.parametrize(
    ("outcome", "reason", "says"),
    [
        ("done", "", "已处理完成"),
        ("refused", REASON, "经核实未能办理，原因：" + REASON),
        ("partly", REASON, "已部分办理；未能办理的部分及原因：" + REASON),
    ],
)
def test_closing_records_who_audits_it_and_tells_the_customer(
    api, container, openid, outcome, reason, says  # noqa: F811
):
    number = _ticket(openid, "erase")
    _told(container, openid)
    res = _close(api, number, {"outcome": outcome, "note": "已核对备份系统", "reason": reason},
                 "supervisor1")  # fmt: skip
    assert res.status_code == 200, res.json_body
    row = res.json_body["request"]
    assert (row["status"], row["outcome"], row["closed_by"]) == ("closed", outcome, "supervisor1")
    assert row["reason"] == (reason or None) and row["note"] == "已核对备份系统"
    ticket = TicketItem.get(number)
    assert ticket.status == "closed" and ticket.queue == "data_request:closed"

    (entry,) = [e for e in AuditLog().entries(limit=20) if e.detail.get("ticket") == number]
    assert entry.action == f"data_request.close:{outcome}" and entry.who == "supervisor1"
    assert entry.detail["reason"] == reason and entry.detail["customer"] == ref(openid)
    assert openid not in str(entry.detail)
    assert AuditLog().verify() is None  # the chain holds

    (message,) = _told(container, openid)
    text = message["reply"]["content"]
    assert says in text and number in text and t.DATA_REQUEST_WORDS["erase"] in text
    assert message["kind"] == "custom" and message["id"] == f"data-request-{number}"
    # This customer never wrote: WeChat's 48-hour window is closed, so the outbox keeps the
    # message until they write again (as every customer-service message).
    assert container.outbox.deliver(message) == "held"
    assert [h.message_id for h in HeldMessage.query(openid)] == [f"data-request-{number}"]


def test_a_refusal_needs_its_reason_and_a_request_closes_once(api, container, openid):  # noqa: F811
    number = _ticket(openid)
    for outcome in ("refused", "partly"):
        res = _close(api, number, {"outcome": outcome, "reason": " "})
        assert res.status_code == 400
        assert "PIPL requires refusals with reasons" in res.json_body["error"]
    assert _close(api, number, {"outcome": "maybe"}).status_code == 400
    assert _close(api, "TD000000000000", {"outcome": "done"}).status_code == 404
    callback = _ticket(openid, kind="callback")
    assert _close(api, callback, {"outcome": "done"}).status_code == 404
    assert TicketItem.get(number).status == "open"
    _told(container, openid)

    assert _close(api, number, {"outcome": "done"}).status_code == 200
    again = _close(api, number, {"outcome": "refused", "reason": REASON}, "supervisor1")
    assert again.status_code == 409
    assert "closed already (done, by 周稽核" in again.json_body["error"]
    assert TicketItem.get(number).outcome == "done"
    assert len(_told(container, openid)) == 1  # told once, of the outcome recorded
    closings = [e for e in AuditLog().entries(limit=20) if e.detail.get("ticket") == number]
    assert [e.action for e in closings] == ["data_request.close:done"]


def test_a_deletion_asked_in_the_chat_is_listed_closed_and_answered(
    api, container, emulator, openid  # noqa: F811
):
    from tests.integration.helpers import text_xml

    _say(container, openid, text_xml(openid, "删除我的信息"))
    _say(container, openid, text_xml(openid, "确认删除"))
    (ticket,) = _requests_become_tickets(container, openid, "data_request:erase")

    (row,) = _listed(api, "auditor1", "open", [ticket.ticket_no])
    assert row["request"] == "erase" and row["summary"] == t.ERASE_REQUEST_SUMMARY
    assert not row["overdue"] and row["customer"] == ref(openid)

    _told(container, openid)
    res = _close(api, ticket.ticket_no, {"outcome": "partly", "reason": REASON,
                                         "note": "备份系统中的聊天记录已删除"})  # fmt: skip
    assert res.status_code == 200
    assert _listed(api, "auditor1", "open", [ticket.ticket_no]) == []
    (message,) = _told(container, openid)
    assert container.outbox.deliver(message) == "sent"  # they wrote just now: the window is open
    said = [m["payload"]["text"]["content"] for m in emulator.messages(openid)
            if m["msgtype"] == "text"]  # fmt: skip
    assert said and "已部分办理" in said[-1] and REASON in said[-1]
    assert ticket.ticket_no in said[-1]


def test_two_closing_at_once_one_wins_the_other_gets_409(
    api, container, openid, monkeypatch  # noqa: F811
):
    """The second read the request open before the first closed it: the ticket's condition,
    in the transaction with the audit entry, refuses it, and no entry is written for it."""
    number = _ticket(openid)
    stale = Tickets().data_request(number)
    desk = container.data_request_desk
    reads = iter([stale])
    real = desk.tickets.data_request
    monkeypatch.setattr(desk.tickets, "data_request", lambda n: next(reads, None) or real(n))
    assert _close(api, number, {"outcome": "done"}, "supervisor1").status_code == 200
    reads = iter([stale])
    again = _close(api, number, {"outcome": "refused", "reason": REASON})
    assert again.status_code == 409 and "by 陈主管" in again.json_body["error"]
    closings = [e for e in AuditLog().entries(limit=20) if e.detail.get("ticket") == number]
    assert [e.who for e in closings] == ["supervisor1"]
    assert AuditLog().verify() is None
