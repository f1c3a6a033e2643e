"""Satisfaction ratings end to end on moto and the emulators: asked once after a chat with a
person ends (in the console, in WeCom, by the customer) and after a claim is paid; skipped
outside WeChat's window, never kept for later; the answer stored with the agent; the figures
for supervisors and auditors."""

from __future__ import annotations

import dataclasses
import json
import time

import pytest

from chalicelib.dialog import catalogue as t
from chalicelib.domain.handoff import short_code
from chalicelib.service.container import Container
from chalicelib.store.models import HeldMessage, QuotaItem, SessionItem
from chalicelib.store.ratings import RatingItem
from devstack import wecom_defaults as wd
from tests.integration.helpers import signed, text_xml
from tests.integration.test_handoff import (  # noqa: F401 (fixtures)
    PRIMARY,
    _console,
    _reply_text,
    _run_jobs,
    _say,
    _to_customer,
    callback_url,
    desk_container,
    roster,
    wecom,
)
from tests.integration.test_survey_desk import _bound_customer, _drain

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def rating_container(settings, wecom) -> Container:  # noqa: F811
    """In business hours around the clock, with the console's agent inbox taking chats."""
    return Container(
        dataclasses.replace(settings, business_hours="always", handoff_in_hours="console",
                            wecom_corp_id=wd.WECOM_CORP_ID, wecom_api_base=wecom.url)
    )  # fmt: skip


@pytest.fixture
def api(rating_container, monkeypatch):
    from chalice.test import Client

    import app

    monkeypatch.setattr(app, "services", lambda: rating_container)
    with Client(app.app) as client:
        yield client


def _reply(container, openid: str, said: str) -> str:
    """What the customer reads back: the passive reply."""
    return _reply_text(container, openid, said)


def _ask_jobs(container) -> list[dict]:
    return [j for j in _drain(container, "jobs") if j["kind"] == "satisfaction.ask"]


def _console_chat(container, api, openid: str) -> str:
    """A customer asks for a person, agent1 answers in the console; the chat's id."""
    _bound_customer(container, openid)
    _drain(container, "jobs"), _drain(container, "outbox")
    _say(container, openid, "人工")
    _say(container, openid, "我想问一下理赔进度")
    _run_jobs(container)
    chats = _console(api, "GET", "/console/api/chats").json_body["chats"]
    [chat] = [x for x in chats if x["code"] == short_code(openid)]
    sent = _console(api, "POST", f"/console/api/chats/{chat['id']}/messages",
                    body={"text": "您的案件正在审核，请耐心等待"})  # fmt: skip
    assert sent.status_code == 200
    _to_customer(container, openid)
    return str(chat["id"])


def test_after_a_console_chat_ends_the_customer_is_asked_once_and_the_rating_is_kept(
    rating_container, api, openid
):
    c = rating_container
    chat_id = _console_chat(c, api, openid)
    assert _console(api, "POST", f"/console/api/chats/{chat_id}/end").status_code == 200

    [job] = _ask_jobs(c)
    assert job["payload"]["staff_id"] == "agent1" and job["payload"]["channel"] == "console"
    assert c.worker.run(job) == "asked"
    assert c.worker.run(job) == "already-asked"  # a retried job asks nothing more
    told = _to_customer(c, openid)
    assert told[0].startswith("本次人工服务已结束") and told[1] == t.RATING_ASK_CHAT
    assert len(told) == 2
    item = RatingItem.get(f"chat:{chat_id}")
    assert (item.status, item.staff_id, item.channel, item.flow) == (
        "asked", "agent1", "console", "chat")  # fmt: skip
    assert SessionItem.get(openid).flow == "rating"

    assert _reply(c, openid, "4 客服很耐心，电话13800138000") == t.RATING_THANKS_WITH_COMMENT
    item = RatingItem.get(f"chat:{chat_id}")
    assert (item.status, int(item.score)) == ("rated", 4)
    assert item.comment == "客服很耐心，电话138******00"  # no number kept whole
    assert not hasattr(item, "openid")
    assert SessionItem.get(openid).flow == ""  # "5" now means what it always did
    assert _reply(c, openid, "5") == t.NOT_ON_MENU + "\n\n" + t.NUMBERED_MENU

    # The figures: per agent and per flow, the comment masked; supervisors and auditors only.
    assert _console(api, "GET", "/console/api/ratings", "agent1").status_code == 403
    assert _console(api, "GET", "/console/api/ratings?from=nope", "supervisor1").status_code == 400
    for user in ("supervisor1", "auditor1"):
        figures = _console(api, "GET", "/console/api/ratings", user).json_body
        [agent] = [row for row in figures["staff"] if row["staff_id"] == "agent1"]
        assert agent["name"] == "赵客服" and agent["rated"] >= 1 and agent["distribution"]["4"] >= 1
        [chat_flow] = [f for f in figures["flows"] if f["flow"] == "chat"]
        assert chat_flow["rated"] >= 1
        assert any(x["comment"] == "客服很耐心，电话138******00" and x["score"] == 4
                   and x["staff_name"] == "赵客服" for x in figures["comments"])  # fmt: skip


def test_a_comment_may_come_in_the_next_message_and_a_low_rating_offers_a_person(
    rating_container, api, openid
):
    c = rating_container
    chat_id = _console_chat(c, api, openid)
    _console(api, "POST", f"/console/api/chats/{chat_id}/end")
    [job] = _ask_jobs(c)
    c.worker.run(job)
    _to_customer(c, openid)
    assert _reply(c, openid, "②") == t.RATING_LOW
    assert _reply(c, openid, "等了太久才有人回复") == t.RATING_COMMENT_THANKS
    item = RatingItem.get(f"chat:{chat_id}")
    assert (int(item.score), item.comment) == (2, "等了太久才有人回复")


def test_outside_the_window_the_question_is_skipped_not_kept(rating_container, api, openid):
    c = rating_container
    chat_id = _console_chat(c, api, openid)
    _console(api, "POST", f"/console/api/chats/{chat_id}/end")
    _to_customer(c, openid)
    QuotaItem(openid=openid).update(actions=[QuotaItem.message_window_until.set(time.time() - 1)])
    [job] = _ask_jobs(c)
    assert c.worker.run(job) == "skipped:window_closed"
    assert _drain(c, "outbox") == []
    item = RatingItem.get(f"chat:{chat_id}")
    assert (item.status, item.skip_reason) == ("skipped", "window_closed")
    assert SessionItem.get(openid).flow == ""


def test_a_question_whose_window_closes_before_it_is_sent_is_dropped_not_held(
    rating_container, api, openid
):
    c = rating_container
    chat_id = _console_chat(c, api, openid)
    _console(api, "POST", f"/console/api/chats/{chat_id}/end")
    _to_customer(c, openid)
    [job] = _ask_jobs(c)
    assert c.worker.run(job) == "asked"
    [question] = _drain(c, "outbox")
    assert question["if_closed"] == "skip"
    QuotaItem(openid=openid).update(actions=[QuotaItem.message_window_until.set(time.time() - 1)])
    assert c.outbox.deliver(question) == "skipped"
    assert list(HeldMessage.query(openid)) == []  # never released into a later chat
    item = RatingItem.get(f"chat:{chat_id}")
    assert (item.status, item.skip_reason) == ("skipped", "window_closed")
    assert SessionItem.get(openid).flow == ""  # the question is closed too


def test_unfollowed_customers_are_not_asked(rating_container, api, openid):
    c = rating_container
    chat_id = _console_chat(c, api, openid)
    _console(api, "POST", f"/console/api/chats/{chat_id}/end")
    _to_customer(c, openid)
    c.quotas.stop_pushes(openid)
    [job] = _ask_jobs(c)
    assert c.worker.run(job) == "skipped:unfollowed"
    assert _drain(c, "outbox") == []


def test_a_chat_nobody_answered_is_not_rated(rating_container, openid):
    c = rating_container
    _drain(c, "jobs"), _drain(c, "outbox")
    _say(c, openid, "人工")
    _run_jobs(c)
    _say(c, openid, "结束人工")
    ended = [j for j in _drain(c, "jobs") if j["kind"] == "handoff.end"]
    assert [c.worker.run(j) for j in ended] == ["ended"]
    assert _ask_jobs(c) == []


def test_the_customer_ending_an_answered_chat_is_asked_too(rating_container, api, openid):
    c = rating_container
    chat_id = _console_chat(c, api, openid)
    _say(c, openid, "结束人工")
    jobs = _drain(c, "jobs")
    [end] = [j for j in jobs if j["kind"] == "handoff.end"]
    assert c.worker.run(end) == "ended"
    [job] = _ask_jobs(c)
    assert job["payload"]["handoff_id"] == chat_id
    assert c.worker.run(job) == "asked"


def test_after_a_wecom_chat_ends_the_rating_is_kept_with_the_person_who_answered(
    desk_container, wecom, callback_url, roster, openid  # noqa: F811
):
    c = desk_container
    _bound_customer(c, openid)
    _drain(c, "jobs"), _drain(c, "outbox"), wecom.clear()
    _say(c, openid, "人工")
    _run_jobs(c)
    code = short_code(openid)
    wecom.reply(PRIMARY, f"{code} 您好，请讲")
    wecom.reply(PRIMARY, f"{code} /结束")
    _to_customer(c, openid)
    [job] = _ask_jobs(c)
    assert (job["payload"]["staff_id"], job["payload"]["channel"]) == (PRIMARY, "wecom")
    assert c.worker.run(job) == "asked"
    assert _to_customer(c, openid) == [t.RATING_ASK_CHAT]
    c.webhook.receive(*signed(text_xml(openid, "五星")))
    item = RatingItem.get(f"chat:{job['payload']['handoff_id']}")
    assert (item.status, int(item.score), item.staff_id) == ("rated", 5, PRIMARY)


def _claim_image(claim_no: str, customer_id: str, statuses: list[str], decided_by: str) -> dict:
    timeline = [{"status": s, "at": f"2027-01-0{i + 1}T10:00:00+08:00", "amount": "3200"
                 if s in ("approved", "paid") else None} for i, s in enumerate(statuses)]
    decisions = [{"by": decided_by, "action": "approve", "at": "2027-01-02T10:00:00+08:00"}]
    return {"claim_no": {"S": claim_no}, "customer_id": {"S": customer_id},
            "status": {"S": statuses[-1]}, "timeline": {"S": json.dumps(timeline)},
            "decisions": {"S": json.dumps(decisions)}}  # fmt: skip


def test_a_paid_claim_is_rated_once_with_the_adjuster_who_approved_it(rating_container, openid):
    c = rating_container
    policy_no = _bound_customer(c, openid)
    customer_id = c.book.policy(policy_no).customer_id
    _say(c, openid, "你好")  # the customer wrote lately: their window is open
    _drain(c, "jobs"), _drain(c, "outbox")
    claim_no = f"RC{openid[-10:]}"
    before = _claim_image(claim_no, customer_id, ["reported", "approved"], "adjuster1")
    after = _claim_image(claim_no, customer_id, ["reported", "approved", "paid"], "adjuster1")
    assert c.notifier.on_change("MODIFY", after, before) >= 1  # the notice
    jobs = _ask_jobs(c)  # one per WeChat user bound to the customer
    [job] = [j for j in jobs if j["payload"]["openid"] == openid]
    assert job["payload"] == {"flow": "claim", "openid": openid, "claim_no": claim_no,
                              "staff_id": "adjuster1"}  # fmt: skip
    assert c.worker.run(job) == "asked"
    words = [m["reply"]["content"] for m in _drain(c, "outbox")
             if m["kind"] == "custom" and m["openid"] == openid]  # fmt: skip
    assert words == [t.RATING_ASK_CLAIM.format(claim_no=claim_no)]
    assert {c.worker.run(j) for j in jobs} == {"already-asked"}  # once per claim
    c.webhook.receive(*signed(text_xml(openid, "非常满意")))
    item = RatingItem.get(f"claim:{claim_no}")
    assert (item.flow, item.status, int(item.score), item.staff_id) == (
        "claim", "rated", 5, "adjuster1")  # fmt: skip
    # Other statuses ask nothing.
    approved = _claim_image(claim_no + "X", customer_id, ["reported", "approved"], "adjuster1")
    c.notifier.on_change("MODIFY", approved, _claim_image(claim_no + "X", customer_id,
                                                          ["reported"], "adjuster1"))
    assert _ask_jobs(c) == []
