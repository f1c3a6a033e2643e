"""Assist and canned replies through the console's API (Chalice's test client, moto), and the
WeCom numbered candidate: an on-call person answers a relayed question by replying a number.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from chalicelib.domain.assist import OFFER_HEAD
from chalicelib.domain.handoff import short_code
from chalicelib.store.models import AssistChoiceItem, AuditEntry, CannedReplyItem
from tests.integration.test_handoff import (  # the containers and the WeCom emulator
    PRIMARY,
    _run_jobs,
    _say,
    _to_customer,
    callback_url,
    desk_container,
    inbox_api,
    inbox_container,
    roster,
    wecom,
)
from tests.integration.test_survey_desk import _bound_customer, _drain

__all__ = ["callback_url", "desk_container", "inbox_api", "inbox_container", "roster", "wecom"]

pytestmark = pytest.mark.integration


def _call(api, method: str, path: str, user: str = "agent1", body: dict | None = None):
    login = api.http.post("/console/api/dev-login", body=json.dumps({"user": user}),
                          headers={"Content-Type": "application/json"})  # fmt: skip
    headers = {"Authorization": f"Bearer {login.json_body['token']}",
               "Content-Type": "application/json"}  # fmt: skip
    call = getattr(api.http, method.lower())
    kwargs = {"body": json.dumps(body or {})} if method != "GET" else {}
    return call(path, headers=headers, **kwargs)


def _chat_of(api, openid: str) -> dict:
    chats = _call(api, "GET", "/console/api/chats").json_body["chats"]
    [chat] = [x for x in chats if x["code"] == short_code(openid)]
    return chat


def _in_console(c, openid: str, said: str) -> None:
    _drain(c, "jobs"), _drain(c, "outbox")
    _say(c, openid, "人工")
    _say(c, openid, said)
    _run_jobs(c)


def _choices(entry_id: str, staff_id: str) -> list[AssistChoiceItem]:
    return [i for i in AssistChoiceItem.scan() if i.entry_id == entry_id
            and i.staff_id == staff_id]  # fmt: skip


def test_an_agent_sees_candidates_for_a_message_and_sends_one_with_one_click(
    inbox_container, inbox_api, openid
):
    c = inbox_container
    _in_console(c, openid, "交强险多少钱")
    chat = _chat_of(inbox_api, openid)
    path = f"/console/api/chats/{chat['id']}"
    asked = [m for m in chat["messages"] if m["direction"] == "in"][-1]
    assert asked["content"] == "交强险多少钱" and asked["id"]

    # Without a message named: the latest the customer wrote.
    found = _call(inbox_api, "GET", f"{path}/candidates").json_body
    assert found["message"] == {"id": asked["id"], "content": "交强险多少钱"}
    candidates = found["candidates"]
    assert candidates[0]["id"] == "jqx_price" and 1 < len(candidates) <= 10
    assert {"id", "question", "answer", "category", "score"} <= candidates[0].keys()
    assert "{hotline}" not in "".join(c["answer"] for c in candidates)
    named = _call(inbox_api, "GET", f"{path}/candidates?message={quote(asked['id'])}").json_body
    assert named == found
    assert _call(inbox_api, "GET", f"{path}/candidates", "adjuster1").status_code == 403

    sent = _call(inbox_api, "POST", f"{path}/assist",
                 body={"message": asked["id"], "entry": "jqx_price"})  # fmt: skip
    assert sent.status_code == 200 and sent.json_body["edited"] is False
    [told] = _to_customer(c, openid)
    assert told == f"【人工客服 赵客服】{candidates[0]['answer']}"
    [choice] = [i for i in _choices("jqx_price", "agent1") if i.channel == "console"
                and i.question == "交强险多少钱"]  # fmt: skip
    assert (choice.rank, choice.edited, choice.offered[0]) == (1, False, "jqx_price")

    # The second candidate, edited before sending: recorded as edited.
    second = candidates[1]
    edited = second["answer"] + "，还有别的问题吗？"
    assert _call(inbox_api, "POST", f"{path}/assist", body={
        "message": asked["id"], "entry": second["id"], "text": edited}).json_body["edited"]
    assert _to_customer(c, openid) == [f"【人工客服 赵客服】{edited}"]
    [again] = [i for i in _choices(second["id"], "agent1") if i.question == "交强险多少钱"]
    assert (again.rank, again.edited) == (2, True)

    bad = _call(inbox_api, "POST", f"{path}/assist", body={"message": "nope", "entry": "x"})
    assert bad.status_code == 404


def test_canned_replies_are_kept_by_supervisors_and_filled_for_the_agents_customer(
    inbox_container, inbox_api, openid
):
    c = inbox_container
    _bound_customer(c, openid)
    _in_console(c, openid, "我的理赔怎么样了")
    chat = _chat_of(inbox_api, openid)

    body = {"title": "材料提醒", "shortcut": "cl", "category": "理赔",
            "text": "{称呼}您好，我是{坐席}。请补充赔案{赔案号}的材料，车牌{车牌}"}  # fmt: skip
    assert _call(inbox_api, "POST", "/console/api/canned", body=body).status_code == 403
    made = _call(inbox_api, "POST", "/console/api/canned", "supervisor1", body)
    assert made.status_code == 200 and made.json_body["unknown"] == ["车牌"]
    reply = made.json_body["reply"]

    listed = _call(inbox_api, "GET", "/console/api/canned?q=材料").json_body
    assert reply["id"] in [r["id"] for r in listed["replies"]] and listed["may_edit"] is False

    filled = _call(inbox_api, "GET", f"/console/api/chats/{chat['id']}/canned?q=cl").json_body
    [mine] = [r for r in filled["replies"] if r["id"] == reply["id"]]
    claims = c.book.claims_of(c.book.customer_for(openid).customer_id)
    claim = claims[0].claim_no if claims else "{赔案号}"
    assert mine["text"] == f"欧阳女士您好，我是赵客服。请补充赔案{claim}的材料，车牌{{车牌}}"
    assert mine["unfilled"] == (["车牌"] if claims else ["赔案号", "车牌"])

    # A reply still carrying a placeholder is not sent: never "{车牌}" to a customer.
    refused = _call(inbox_api, "POST", f"/console/api/chats/{chat['id']}/messages",
                    body={"text": mine["text"]})  # fmt: skip
    assert refused.status_code == 400 and "{车牌}" in refused.json_body["error"]

    path = f"/console/api/canned/{reply['id']}"
    changed = dict(body, text="{称呼}您好", version=reply["version"])
    assert _call(inbox_api, "PUT", path, "agent1", changed).status_code == 403
    assert _call(inbox_api, "PUT", path, "supervisor1", changed).status_code == 200
    stale = _call(inbox_api, "PUT", path, "supervisor1", changed)  # the version read is old
    assert stale.status_code == 409
    assert CannedReplyItem.get("main", reply["id"]).text == "{称呼}您好"
    gone = _call(inbox_api, "DELETE", path, "supervisor1", {"version": reply["version"] + 1})
    assert gone.status_code == 200
    assert _call(inbox_api, "DELETE", path, "supervisor1", {"version": 2}).status_code == 404
    audited = [(e.action, (e.detail or {}).get("reply")) for e in AuditEntry.scan()
               if e.action.startswith("chat_canned_")]  # fmt: skip
    assert {("chat_canned_create", reply["id"]), ("chat_canned_update", reply["id"]),
            ("chat_canned_delete", reply["id"])} <= set(audited)  # fmt: skip


def _forget_chats_of(c, userid: str) -> None:
    """End other tests' chats with this person, as if long ago (a chat they ended minutes ago
    would make a bare number ambiguous: it could be a late answer to it)."""
    from chalicelib.store.models import HandoffItem

    for item in HandoffItem.by_staff.query(userid):
        c.handoffs.close(item.openid, "test")
        HandoffItem(openid=item.openid).update(actions=[HandoffItem.ended_at.set(0)],
                                               add_version_condition=False)  # fmt: skip


def test_the_on_call_person_sends_a_candidate_by_replying_its_number_in_wecom(
    desk_container, wecom, callback_url, roster, openid
):
    c = desk_container
    _drain(c, "jobs"), _drain(c, "outbox"), wecom.clear()
    _forget_chats_of(c, PRIMARY)  # other tests' chats: this is to be the person's only one
    _say(c, openid, "人工")
    _run_jobs(c)
    _say(c, openid, "交强险多少钱")
    assert _run_jobs(c) == ["relayed"]
    relayed = wecom.texts(PRIMARY)[-1]
    words, block = relayed.split(f"\n{OFFER_HEAD}", 1)
    assert words.endswith("交强险多少钱")
    options = block.split("\n")[1:]
    assert options[0].startswith("1. ") and len(options) <= 10
    entry = c.knowledge_base().entry("jqx_price")
    assert options[0] == f"1. {entry.questions[0]}"
    assert wecom.options(PRIMARY)[0] == {"n": 1, "title": entry.questions[0]}
    assert len(wecom.options(PRIMARY)) == len(options)

    wecom.reply(PRIMARY, "1")  # the only chat of this person: the number alone
    [told] = _to_customer(c, openid)
    assert told.startswith("【人工客服 李值班】") and entry.answer[:20] in told
    assert wecom.texts(PRIMARY)[-1] == f"{short_code(openid)} 已发送第 1 条：{entry.questions[0]}"
    [choice] = [i for i in _choices("jqx_price", PRIMARY) if i.channel == "wecom"
                and i.question == "交强险多少钱"]  # fmt: skip
    assert (choice.rank, choice.edited) == (1, False)

    wecom.reply(PRIMARY, f"{short_code(openid)} 2")  # with the customer's code
    [second] = _to_customer(c, openid)
    assert second.startswith("【人工客服 李值班】") and second != told

    _say(c, openid, "退保怎么退")  # fewer candidates: a number past them sends nothing
    _run_jobs(c)
    fewer = wecom.texts(PRIMARY)[-1].split(f"\n{OFFER_HEAD}", 1)[1].split("\n")[1:]
    assert fewer[0] == f"1. {c.knowledge_base().entry('cancel_policy').questions[0]}"
    assert len(fewer) < 10
    wecom.reply(PRIMARY, f"{short_code(openid)} 第{len(fewer) + 1}条")
    assert _to_customer(c, openid) == []
    assert f"没有第 {len(fewer) + 1} 条推荐" in wecom.texts(PRIMARY)[-1]
    wecom.reply(PRIMARY, "3天内会有人联系您")  # words: relayed as they are
    assert _to_customer(c, openid) == ["【人工客服 李值班】3天内会有人联系您"]


def test_kb_assisted_lists_what_staff_sent_and_rows_for_the_tune_part(settings, cli_env, capsys):
    """`claimbot kb assisted`: by question; --eval-csv only questions staff agreed on, sent as
    offered, and no evaluation part has (a report question must not be copied into tune)."""
    import csv
    import io
    import uuid
    from datetime import date

    from chalicelib.domain.assist import Choice
    from chalicelib.store.assist import AssistLog
    from chalicelib.store.models import bind_tables
    from devstack.cli import main
    from devstack.kb_eval import load_part

    bind_tables(settings)
    log = AssistLog(settings.kb_miss_ttl_s)
    day = date.fromordinal(date(1980, 1, 1).toordinal() + uuid.uuid4().int % 3000).isoformat()
    in_report = load_part("report")[0].text
    for n, (question, entry, edited) in enumerate([
        ("保费能分期付吗", "pay_premium", False), ("保费能分期付吗？", "pay_premium", False),
        ("车贷还完了保单怎么改", "change_owner", True), (in_report, "glass", False),
    ]):  # fmt: skip
        assert log.record(Choice(day, f"c{n}", question, entry, 1, (entry,), edited, "agent1",
                                 "console"))  # fmt: skip
    assert not log.record(Choice(day, "c0", "again", "x", 1, (), False, "agent1", "console"))

    assert main(["kb", "assisted", "--since", day, "--until", day, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["choices"] == 4
    first = out["questions"][0]
    assert (first["count"], first["entries"], first["unedited"]) == (
        2, {"pay_premium": 2}, {"pay_premium": 2})  # fmt: skip

    assert main(["kb", "assisted", "--since", day, "--until", day, "--eval-csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["text"].rstrip("？"), r["expected"], r["style"]) for r in rows] == [
        ("保费能分期付吗", "answer:pay_premium", "assisted")]  # fmt: skip

    assert main(["kb", "assisted", "--since", day, "--until", day]) == 0
    assert "4 answers sent from the candidates" in capsys.readouterr().out
