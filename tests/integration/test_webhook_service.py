"""The message path in process, against moto server and the WeChat emulator."""

from __future__ import annotations

import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.dialog import catalogue as t
from chalicelib.store.models import ConversationRecord, InboxItem, SessionItem
from tests.integration.helpers import decrypt_reply, event_xml, signed, text_xml

pytestmark = pytest.mark.integration


def _content(result, query) -> str:
    xml = decrypt_reply(result.body, query)
    return xml.split("<Content><![CDATA[")[1].split("]]>")[0]


def _records(openid):
    return list(ConversationRecord.query(openid, consistent_read=True))


def _drain(container, logical):
    """Deliver what the webhook queued, as the event pump would."""
    sqs = container.client("sqs")
    url = container.queues.url(logical)
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return bodies
        for message in got:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_encrypted_text_gets_an_encrypted_numbered_menu(container, openid):
    query, body = signed(text_xml(openid, "菜单"))
    result = container.webhook.receive(query, body)
    assert result.status == 200
    assert "<Encrypt>" in result.body
    assert _content(result, query) == t.NUMBERED_MENU


@pytest.fixture(scope="module")
def migrating(settings):
    """The webhook of an account moving to safe mode: its key set, plaintext still accepted."""
    from dataclasses import replace

    from chalicelib.service.container import Container

    return Container(replace(settings, wechat_accept_plaintext=True)).webhook


def test_plaintext_mode_replies_in_plaintext(migrating, openid):
    query, body = signed(text_xml(openid, "3"), encrypted=False)
    result = migrating.receive(query, body)
    assert "<Encrypt>" not in result.body
    assert "验证身份" in result.body


def test_a_safe_mode_url_reposted_as_plaintext_is_refused(container, openid):
    """The probe re-posted a customer's safe-mode URL as plaintext `3` with their openid and
    got their policy list: with a key configured, plaintext is refused and nothing happens."""
    query, _ = signed(text_xml(openid, "菜单"))
    downgraded = {k: v for k, v in query.items() if k not in ("encrypt_type", "msg_signature")}
    result = container.webhook.receive(downgraded, text_xml(openid, "3").encode())
    assert (result.status, result.body) == (403, "plaintext refused: safe mode is configured")
    assert _records(openid) == []


def test_a_signed_plaintext_url_carries_one_message_only(migrating, openid):
    """The plaintext signature covers token/timestamp/nonce, not the body: the same signed URL
    with the same body is WeChat's retry (the same answer); with another body, a replay."""
    query, body = signed(text_xml(openid, "菜单"), encrypted=False)
    first = migrating.receive(query, body)
    assert first.status == 200 and t.NUMBERED_MENU in first.body
    retry = migrating.receive(dict(query), body)
    assert (retry.status, retry.body) == (first.status, first.body)
    other = text_xml(openid, "3").encode()
    replay = migrating.receive(dict(query), other)
    assert (replay.status, replay.body) == (403, "signature already used for another message")
    assert [r.content for r in _records(openid) if r.direction == "in"] == ["菜单"]
    signed_once = f"{query['timestamp']}|{query['nonce']}|{query['signature']}".encode()
    kept = InboxItem.get("sig:" + hashlib.sha256(signed_once).hexdigest())
    assert kept.expires_at == int(query["timestamp"]) + 300 + 60  # while the URL is accepted


def test_follow_welcomes_and_queues_the_privacy_notice(container, openid):
    _drain(container, "outbox")
    query, body = signed(event_xml(openid, "subscribe"))
    result = container.webhook.receive(query, body)
    assert "欢迎关注" in _content(result, query)
    queued = [m for m in _drain(container, "outbox") if m["openid"] == openid]
    assert len(queued) == 1
    assert queued[0]["reply"]["type"] == "news"
    assert queued[0]["reply"]["url"] == "https://example.invalid/privacy"


def test_every_message_is_recorded_in_and_out(container, openid):
    query, body = signed(text_xml(openid, "菜单"))
    container.webhook.receive(query, body)
    records = _records(openid)
    assert [(r.direction, r.channel) for r in records] == [("in", "webhook"), ("out", "passive")]
    assert records[0].content == "菜单"
    assert records[1].content == t.NUMBERED_MENU
    assert records[0].expires_at > time.time() + 100 * 86400


def test_a_retry_after_the_answer_gets_the_same_answer(container, openid):
    xml = text_xml(openid, "2")
    q1, b1 = signed(xml)
    first = _content(container.webhook.receive(q1, b1), q1)
    q2, b2 = signed(xml)  # WeChat re-signs each try, with a new nonce
    second = _content(container.webhook.receive(q2, b2), q2)
    assert first == second
    assert len([r for r in _records(openid) if r.direction == "in"]) == 1


def test_a_retry_while_busy_gets_success_and_the_answer_goes_by_outbox(container, openid):
    _drain(container, "outbox")
    xml = text_xml(openid, "4")
    claim_key = f"m:{openid}:" + xml.split("<MsgId>")[1].split("<")[0]
    # The first request claimed the message and is still working...
    assert container.inbox.claim(claim_key).state == "new"
    q, b = signed(xml)
    assert container.webhook.receive(q, b).body == "success"
    # ...and when it completes, it learns WeChat stopped listening.
    assert container.inbox.complete(claim_key, "<xml/>") is True


def test_slow_first_request_sends_its_answer_through_the_outbox(container, openid, monkeypatch):
    _drain(container, "outbox")
    service = container.webhook
    xml = text_xml(openid, "3")
    q1, b1 = signed(xml)
    original_decide = service._decide
    results = {}

    def slow_decide(msg, session):
        q2, b2 = signed(xml)
        results["retry"] = service.receive(q2, b2)  # WeChat's retry arrives meanwhile
        return original_decide(msg, session)

    monkeypatch.setattr(service, "_decide", slow_decide)
    results["first"] = service.receive(q1, b1)
    assert results["retry"].body == "success"
    assert results["first"].body == "success"
    queued = [m for m in _drain(container, "outbox") if m["openid"] == openid]
    assert len(queued) == 1 and "验证身份" in queued[0]["reply"]["content"]
    q3, b3 = signed(xml)  # a later copy finds the message done: the answer is not shown twice
    assert service.receive(q3, b3).body == "success"


def test_an_answer_past_the_deadline_is_not_also_given_to_a_later_copy(container, openid,
                                                                       monkeypatch):  # fmt: skip
    _drain(container, "outbox")
    service = container.webhook
    monkeypatch.setattr(service, "reply_deadline_s", -1.0)  # every answer is late
    xml = text_xml(openid, "3")
    q1, b1 = signed(xml)
    assert service.receive(q1, b1).body == "success"
    q2, b2 = signed(xml)
    assert service.receive(q2, b2).body == "success"
    queued = [m for m in _drain(container, "outbox") if m["openid"] == openid]
    assert len(queued) == 1 and "验证身份" in queued[0]["reply"]["content"]


def test_fifty_concurrent_copies_are_processed_once(container, openid):
    _drain(container, "outbox")
    xml = text_xml(openid, "3")
    requests = [signed(xml) for _ in range(50)]
    with ThreadPoolExecutor(max_workers=25) as pool:
        results = list(pool.map(lambda qb: (qb[0], container.webhook.receive(*qb)), requests))
    assert all(r.status == 200 for _, r in results)
    replies = {_content(r, q) for q, r in results if r.body != "success"}
    queued = [m for m in _drain(container, "outbox") if m["openid"] == openid]
    answers = replies | {m["reply"]["content"] for m in queued}
    assert len(answers) == 1 and "验证身份" in answers.pop()
    assert len(queued) <= 1
    inbound = [r for r in _records(openid) if r.direction == "in"]
    assert len(inbound) == 1


def test_session_conflict_is_retried_with_fresh_state(container, openid, monkeypatch):
    from chalicelib.dialog.outcome import SessionState

    sessions = container.webhook.sessions
    original_load = sessions.load
    calls = {"n": 0}

    def racing_load(uid):
        state, item = original_load(uid)
        calls["n"] += 1
        if calls["n"] == 1:  # someone else saves between our read and our write
            other = SessionItem.get(uid) if item.version else SessionItem(openid=uid)
            other.flow, other.step = "survey", "x"
            other.save()
        return state, item

    SessionItem(openid=openid, flow="quote", step="x").save()
    monkeypatch.setattr(sessions, "load", racing_load)
    query, body = signed(text_xml(openid, "取消"))
    result = container.webhook.receive(query, body)
    assert _content(result, query) == t.CANCELLED
    assert calls["n"] == 2
    saved = SessionItem.get(openid, consistent_read=True)
    assert (saved.flow, saved.step) == ("", "")
    assert SessionState() == SessionState(flow=saved.flow, step=saved.step, data=saved.data)


def test_odd_but_real_messages_are_answered(container, openid):
    """A text longer than WeChat's other fields (it was a 400, which WeChat shows as an error),
    a follow with a 4,000-character scene (its key overflowed DynamoDB's) and a follow through
    a product scan (it got no welcome)."""
    long_text = "我的车昨天在小区里被人刮了，不知道能不能理赔，" * 400
    query, body = signed(text_xml(openid, long_text))
    result = container.webhook.receive(query, body)
    assert result.status == 200 and _content(result, query)
    for event, key in (("subscribe", "qrscene_" + "7" * 4000), ("subscribe_scan_product", "p1")):
        query, body = signed(event_xml(openid, event, key))
        result = container.webhook.receive(query, body)
        assert result.status == 200 and "欢迎关注" in _content(result, query)
    assert [r.content for r in _records(openid) if r.direction == "in"][0] == long_text


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<xml><FromUserName>x</FromUserName></xml>",
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        b"<xml><MsgType>&lol2;</MsgType></xml>",
        "<xml><MsgType>text</MsgType></xml>".encode("utf-16"),
        b"\xff\xfe\x00garbage",
    ],
)
def test_hostile_bodies_get_400_never_5xx(migrating, body):
    query, _ = signed("<xml/>", encrypted=False)
    result = migrating.receive(query, body)
    assert result.status == 400


def test_our_failure_answers_politely_and_the_message_is_handled_again_once(
    container, openid, monkeypatch
):
    """DynamoDB fails while the message is handled: the customer reads "busy" at once, and the
    worker handles the message again (WeChat will not resend an answered message); its answer
    comes through the outbox, once, and the message is recorded once."""
    _drain(container, "jobs")
    _drain(container, "outbox")
    real_decide = container.webhook._decide

    def throttled(msg, session):
        raise RuntimeError("ProvisionedThroughputExceededException")

    monkeypatch.setattr(container.webhook, "_decide", throttled)
    query, body = signed(text_xml(openid, "交强险一年多少钱啊"))
    result = container.webhook.receive(query, body)
    assert result.status == 200 and "系统繁忙" in _content(result, query)
    monkeypatch.setattr(container.webhook, "_decide", real_decide)  # DynamoDB is back

    [redo] = [j for j in _drain(container, "jobs") if j["kind"] == "webhook.redo"]
    assert container.worker.run(redo) == "handled"
    assert container.worker.run(redo) == "done already"  # SQS delivered it twice
    answers = [m for m in _drain(container, "outbox") if m["openid"] == openid]
    assert len(answers) == 1 and "950" in answers[0]["reply"]["content"]
    assert [r.content for r in _records(openid) if r.direction == "in"] == ["交强险一年多少钱啊"]


def test_when_even_the_jobs_queue_fails_the_message_is_still_kept(container, openid, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("DynamoDB and SQS are down")

    monkeypatch.setattr(container.webhook.inbox, "claim", broken)
    monkeypatch.setattr(container.webhook.queues, "jobs", broken)
    query, body = signed(text_xml(openid, "你好"))
    result = container.webhook.receive(query, body)
    assert result.status == 200
    assert "系统繁忙" in _content(result, query)
    assert [r.content for r in _records(openid)] == ["你好"]


def _count_requests(container, send) -> list[str]:
    from chalicelib.store.models import InboxItem

    client = InboxItem._get_connection().connection.client
    sent: list[str] = []

    def count(**kwargs):
        sent.append(kwargs["model"].name)

    client.meta.events.register("before-call.dynamodb", count)
    try:
        send()
    finally:
        client.meta.events.unregister("before-call.dynamodb", count)
    return sorted(sent)


def test_a_question_costs_three_dynamodb_requests_two_round_trips(container, openid):
    """Claim and session side by side, then one write that completes the message, records the
    conversation and opens the customer-service window (it was five, one after another)."""
    container.webhook.receive(*signed(text_xml(openid, "退保怎么办")))  # the KB loaded, as warm
    query, body = signed(text_xml(openid, "交强险一年多少钱啊"))
    results = []

    def ask():
        results.append(container.webhook.receive(query, body))

    sent = _count_requests(container, ask)
    assert "950" in _content(results[0], query)
    assert sent == ["GetItem", "PutItem", "TransactWriteItems"]
    assert container.quotas.take(openid) == "message"  # the window is open
    assert [r.direction for r in _records(openid)] == ["in", "out"] * 2


def test_messages_kept_for_a_customer_are_released_when_they_write(container, openid):
    """The outbox could not send (no window): the session says so, and the customer's next
    message opens the window at once and has them released."""
    import uuid

    from chalicelib.store.models import SessionItem

    _drain(container, "jobs")
    kept = {"id": uuid.uuid4().hex, "kind": "custom", "openid": openid, "origin": "test",
            "reply": {"type": "text", "content": "您的理赔进度有更新"}}  # fmt: skip
    assert container.outbox.deliver(kept) == "held"
    assert SessionItem.get(openid).held == 1
    query, body = signed(text_xml(openid, "你好"))
    assert container.webhook.receive(query, body).status == 200
    jobs = [j for j in _drain(container, "jobs") if j.get("payload", {}).get("openid") == openid]
    assert [j["kind"] for j in jobs] == ["outbox.release"]
    assert container.outbox.release(openid) == 1
    assert SessionItem.get(openid).held is None


def test_a_lookup_costs_four_requests_and_unbinding_is_seen_at_once(container, openid):
    """The binding is copied into the session when the customer binds: a lookup reads it with
    the session (it read the customers table too: 7 requests, one after another)."""
    from tests.integration.test_book import _holder_policy

    policy, number = _holder_policy()
    for said in ("保单查询", policy.plate, number[-6:]):
        container.webhook.receive(*signed(text_xml(openid, said)))

    def lookup():
        query, body = signed(text_xml(openid, "保单查询"))
        assert policy.policy_no in _content(container.webhook.receive(query, body), query)

    assert _count_requests(container, lookup) == ["GetItem", "PutItem", "Query",
                                                  "TransactWriteItems"]  # fmt: skip
    container.webhook.receive(*signed(text_xml(openid, "解绑")))
    query, body = signed(text_xml(openid, "保单查询"))
    assert "验证身份" in _content(container.webhook.receive(query, body), query)
