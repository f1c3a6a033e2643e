"""The outbox sender, quota windows and the shared access token, against moto and the emulator."""

from __future__ import annotations

import threading
import uuid

import pytest

from chalicelib.service.outbox import RetryLater
from chalicelib.store.models import ConversationRecord, HeldMessage, TokenItem
from chalicelib.store.tokens import SharedToken

pytestmark = pytest.mark.integration


def _custom(openid: str, text: str = "您好") -> dict:
    return {
        "id": uuid.uuid4().hex,
        "kind": "custom",
        "openid": openid,
        "reply": {"type": "text", "content": text},
        "origin": "test",
    }


def _sent_texts(emulator, openid):
    return [
        m["payload"]["text"]["content"] for m in emulator.messages(openid) if m["msgtype"] == "text"
    ]


def test_message_window_allows_five_then_keeps_the_rest(container, emulator, openid):
    container.quotas.opened_by_message(openid)
    results = [container.outbox.deliver(_custom(openid, f"第{i}条")) for i in range(7)]
    assert results == ["sent"] * 5 + ["held"] * 2
    assert _sent_texts(emulator, openid) == [f"第{i}条" for i in range(5)]
    held = list(HeldMessage.query(openid))
    assert {h.reason for h in held} == {"no customer-service quota left"}


def test_click_window_allows_three(container, openid):
    container.quotas.opened_by_click(openid)
    results = [container.outbox.deliver(_custom(openid)) for _ in range(4)]
    assert results == ["sent"] * 3 + ["held"]


def test_no_window_means_held_not_dropped(container, emulator, openid):
    assert container.outbox.deliver(_custom(openid, "无窗口")) == "held"
    assert _sent_texts(emulator, openid) == []
    assert [h.payload["reply"]["content"] for h in HeldMessage.query(openid)] == ["无窗口"]


@pytest.mark.parametrize("errcode", [45015, 45047, 43004])
def test_wechat_refusals_are_kept_with_the_reason(container, emulator, openid, errcode):
    container.quotas.opened_by_message(openid)
    emulator.add_fault("message/custom/send", errcode=errcode)
    assert container.outbox.deliver(_custom(openid)) == "held"
    (held,) = HeldMessage.query(openid)
    assert held.errcode == errcode and held.reason


def test_held_messages_are_released_when_the_user_writes_again(container, emulator, openid):
    container.outbox.deliver(_custom(openid, "等待中"))
    assert container.quotas.opened_by_message(openid) is True
    assert container.outbox.release(openid) == 1
    assert container.quotas.opened_by_message(openid) is False
    sqs = container.client("sqs")
    url = container.queues.url("outbox")
    delivered = []
    for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        import json

        body = json.loads(message["Body"])
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if body["openid"] == openid:
            delivered.append(container.outbox.deliver(body))
    assert delivered == ["sent"]
    assert _sent_texts(emulator, openid) == ["等待中"]
    assert [h.status for h in HeldMessage.query(openid)] == ["released"]


def test_transient_failure_raises_for_sqs_retry_and_sends_once_later(container, emulator, openid):
    container.quotas.opened_by_message(openid)
    message = _custom(openid, "重试")
    emulator.add_fault("message/custom/send", status=502)
    with pytest.raises(RetryLater):
        container.outbox.deliver(message)
    assert container.outbox.deliver(message) == "sent"
    assert container.outbox.deliver(message) == "duplicate"  # SQS delivered it twice
    assert _sent_texts(emulator, openid) == ["重试"]


def test_a_failed_call_carries_no_access_token_into_the_logs(container, emulator, openid):
    container.quotas.opened_by_message(openid)
    token = container.tokens.get()
    emulator.add_fault("message/custom/send", status=503)
    with pytest.raises(RetryLater) as raised:
        container.outbox.deliver(_custom(openid))
    chain, error = [], raised.value
    while error is not None:  # what a logged traceback shows
        chain.append(str(error))
        hidden = error.__suppress_context__
        error = error.__cause__ or (None if hidden else error.__context__)
    assert chain and not any(token in text for text in chain)


def test_a_send_without_an_answer_is_parked_not_sent_again(container, emulator, openid):
    """WeChat took the request and did not answer in time: it may have delivered it, and its
    send has no idempotency key; parked for staff, never released by the customer writing."""
    container.quotas.opened_by_message(openid)
    message = _custom(openid, "慢")
    emulator.add_fault("message/custom/send", delay_s=5.5)
    assert container.outbox.deliver(message) == "parked"
    (kept,) = HeldMessage.query(openid)
    assert kept.status == "parked" and "may have been delivered" in kept.reason
    assert container.outbox.release(openid) == 0
    assert container.outbox.deliver(message) == "duplicate"


def test_transient_failures_do_not_use_up_the_customers_quota(container, emulator, openid):
    """Four transient failures and then the five sends the window allows: all five go out."""
    container.quotas.opened_by_message(openid)
    emulator.add_fault("message/custom/send", status=502, times=4)
    first = _custom(openid, "第0条")
    for _ in range(4):
        with pytest.raises(RetryLater):
            container.outbox.deliver(first)
    results = [container.outbox.deliver(first)]
    results += [container.outbox.deliver(_custom(openid, f"第{i}条")) for i in range(1, 5)]
    assert results == ["sent"] * 5
    assert _sent_texts(emulator, openid) == [f"第{i}条" for i in range(5)]
    assert container.outbox.deliver(_custom(openid, "第5条")) == "held"  # the sixth waits


NOTICE = {
    "character_string1": {"value": "RSVY202612060001"},
    "thing2": {"value": "审核中"},
    "time3": {"value": "2026年12月06日 10:30"},
    "thing4": {"value": "通常1个工作日内出结果"},
    "phone_number5": {"value": "95500"},
}


def _notice(openid: str, data: dict | None = None, template_id: str = "") -> dict:
    from devstack import defaults

    return {
        "id": uuid.uuid4().hex,
        "kind": "template",
        "openid": openid,
        "template": {"id": template_id or defaults.CLAIM_STATUS_TEMPLATE, "data": data or NOTICE},
    }


def test_template_messages_need_no_window(container, emulator, openid):
    assert container.outbox.deliver(_notice(openid)) == "sent"
    (sent,) = emulator.messages(openid, kind="template")
    assert sent["data"] == NOTICE
    # The conversation records keep what the customer read, for a transcript.
    (record,) = [r for r in ConversationRecord.query(openid) if r.msg_type == "template"]
    assert record.content == " ｜ ".join(f["value"] for f in NOTICE.values())


def test_a_notice_wechat_would_refuse_is_parked_not_sent(container, emulator, openid):
    """A value that does not fit its field's type (here the old `first`/`remark` payload) is
    caught before the call: parked with the reason, the alarm's log event written."""
    old = {"first": {"value": "您的理赔进度有更新"}, "keyword1": {"value": "RSVY1"}}
    assert container.outbox.deliver(_notice(openid, old)) == "parked"
    (kept,) = HeldMessage.query(openid)
    assert kept.status == "parked" and "'first'" in kept.reason
    assert emulator.messages(openid, kind="template") == []


@pytest.mark.parametrize("errcode", [40037, 47003, 43101])
def test_permanent_refusals_are_parked_at_once(container, emulator, openid, errcode, caplog):
    emulator.add_fault("message/template/send", errcode=errcode)
    assert container.outbox.deliver(_notice(openid)) == "parked"
    (kept,) = HeldMessage.query(openid)
    assert kept.status == "parked" and kept.errcode == errcode
    assert "outbox.parked" in caplog.text  # the outbox-parked alarm's metric filter
    container.quotas.opened_by_message(openid)
    assert container.outbox.release(openid) == 0  # the customer writing does not resend it


def test_an_expired_token_is_renewed_in_normal_mode_and_the_call_retried(
    container, emulator, openid
):
    container.quotas.opened_by_message(openid)
    container.tokens.get()
    emulator.expire_tokens()
    refreshes_before = emulator.force_refresh_count
    assert container.outbox.deliver(_custom(openid, "令牌")) == "sent"
    assert emulator.force_refresh_count == refreshes_before  # WeChat had a new one anyway
    assert _sent_texts(emulator, openid) == ["令牌"]


def test_a_refused_current_token_is_forced_once_then_the_budget_waits(
    container, emulator, openid, caplog
):
    """WeChat refuses the token it still hands out in normal mode: one forced refresh; refused
    again within 30 s, the budget holds (no 45011 from WeChat), the send is retried later."""
    container.quotas.opened_by_message(openid)
    container.tokens.get()
    emulator.add_fault("message/custom/send", errcode=40001)
    assert container.outbox.deliver(_custom(openid, "一次")) == "sent"
    assert emulator.force_refresh_count == 1 and "token.forced" in caplog.text
    emulator.add_fault("message/custom/send", errcode=40001)
    with pytest.raises(RetryLater):
        container.outbox.deliver(_custom(openid, "稍后"))
    assert emulator.force_refresh_count == 1
    assert "token.force_refused" in caplog.text  # the alarm's log event
    assert [c for c in emulator.calls("stable_token") if c.get("errcode") == 45011] == []


def test_a_caller_outside_the_ip_whitelist_is_told_in_the_log_and_retried(
    container, emulator, openid, caplog
):
    from chalicelib.store.models import TokenItem

    container.quotas.opened_by_message(openid)
    for item in TokenItem.scan():
        item.delete()
    container.tokens._cached = None
    emulator.set_ip_whitelist(["203.0.113.7"])
    try:
        with pytest.raises(RetryLater):
            container.outbox.deliver(_custom(openid, "白名单"))
    finally:
        emulator.set_ip_whitelist(None)
    assert "wechat.ip_not_whitelisted" in caplog.text
    assert container.outbox.deliver(_custom(openid, "白名单")) == "sent"


def test_token_is_fetched_by_one_lease_holder_for_many_instances(container):
    name = f"wechat:test-{uuid.uuid4().hex[:6]}"
    fetches = []
    lock = threading.Lock()

    def fetch(force):
        with lock:
            fetches.append(force)
        return f"tok-{len(fetches)}", 7200

    instances = [SharedToken(name, fetch, wait_s=10) for _ in range(12)]
    results = []

    def get(instance):
        try:
            results.append(instance.get())
        except Exception as exc:  # surfaced below: a thread's failure must fail the test
            results.append(exc)

    threads = [threading.Thread(target=get, args=(i,)) for i in instances]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert fetches == [False]
    assert set(results) == {"tok-1"}
    # A burst of "invalid token" reports from every instance causes one renewal, in normal
    # mode (this WeChat hands out a new token then: nothing is forced).
    threads = [threading.Thread(target=i.invalidate, args=("tok-1",)) for i in instances]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert fetches == [False, False]
    assert TokenItem.get(name, consistent_read=True).token == "tok-2"


def test_token_lease_is_released_when_fetching_fails(container):
    name = f"wechat:test-{uuid.uuid4().hex[:6]}"
    calls = []

    def flaky(force):
        calls.append(force)
        if len(calls) == 1:
            raise RuntimeError("token endpoint down")
        return "tok-ok", 7200

    holder = SharedToken(name, flaky, wait_s=1)
    with pytest.raises(RuntimeError):
        holder.get()
    assert SharedToken(name, flaky, wait_s=1).get() == "tok-ok"


def _claim_notice(openid: str, claim_no: str, status: str, sequence: int) -> dict:
    data = {**NOTICE, "character_string1": {"value": claim_no}, "thing2": {"value": status}}
    return {**_notice(openid, data), "origin": f"claim:{claim_no}",
            "template": {**_notice(openid, data)["template"], "sequence": sequence}}  # fmt: skip


def test_a_claim_notice_older_than_one_sent_is_not_sent_after_it(container, emulator, openid):
    """Two notices of one claim delivered in the other order: the customer keeps the newer."""
    newer = _claim_notice(openid, "R1", "已收到查勘照片", 2)
    older = _claim_notice(openid, "R1", "已报案", 1)
    assert container.outbox.deliver(newer) == "sent"
    assert container.outbox.deliver(older) == "superseded"
    assert container.outbox.deliver(newer) == "duplicate"
    assert container.outbox.deliver(_claim_notice(openid, "R2", "已报案", 1)) == "sent"  # another
    sent = [m["data"]["thing2"]["value"] for m in emulator.messages(openid, kind="template")]
    assert sent == ["已收到查勘照片", "已报案"]


def test_a_notice_retried_after_a_transient_failure_is_still_sent(container, emulator, openid):
    notice = _claim_notice(openid, "R3", "已报案", 1)
    emulator.add_fault("message/template/send", status=502)
    with pytest.raises(RetryLater):
        container.outbox.deliver(notice)
    assert container.outbox.deliver(notice) == "sent"


def _say(container, openid: str, xml: str) -> None:
    from tests.integration.helpers import signed

    query, body = signed(xml)
    assert container.webhook.receive(query, body).status == 200


def test_unfollowing_stops_every_push_at_once_and_unbinds(container, emulator, openid):
    """PIPL: withdrawing consent is as easy as giving it. Waiting messages are dropped, nothing
    more goes out (custom or template), the binding is gone; following again opens it again."""
    from chalicelib.store.models import CustomerItem
    from tests.integration.helpers import event_xml

    CustomerItem(openid=openid, customer_id="c_consent", holder_name="王小明",
                 bound_via="PDAA2026440100000001", bound_at=1.0).save()  # fmt: skip
    container.outbox.deliver(_custom(openid, "等待中"))  # no window: kept
    assert [h.status for h in HeldMessage.query(openid)] == ["held"]

    _say(container, openid, event_xml(openid, "unsubscribe"))
    assert list(HeldMessage.query(openid)) == []
    assert container.book.customer_for(openid) is None
    container.quotas.opened_by_message(openid)  # even a window left open sends nothing now
    assert container.outbox.deliver(_custom(openid, "还在吗")) == "dropped"
    assert container.outbox.deliver(_claim_notice(openid, "R9", "已结案", 3)) == "dropped"
    assert list(HeldMessage.query(openid)) == []  # dropped, not kept for later
    assert emulator.messages(openid) == []

    _say(container, openid, event_xml(openid, "subscribe"))
    assert container.outbox.deliver(_custom(openid, "欢迎回来")) == "sent"


def test_deleting_my_information_deletes_binding_and_conversation(container, openid):
    from chalicelib.store.models import ConversationRecord, CustomerItem
    from tests.integration.helpers import text_xml

    CustomerItem(openid=openid, customer_id="c_erase", holder_name="王小明",
                 bound_via="PDAA2026440100000001", bound_at=1.0).save()  # fmt: skip
    for said in ("我的车牌是粤B12345", "谢谢"):
        _say(container, openid, text_xml(openid, said))
    _say(container, openid, text_xml(openid, "删除我的信息"))
    _say(container, openid, text_xml(openid, "确认删除"))
    assert container.book.customer_for(openid) is None
    kept = [r.content for r in ConversationRecord.query(openid) if r.direction == "in"]
    assert kept == ["确认删除"]  # the request itself is what remains
    _requests_become_tickets(container, openid, "data_request:erase")


def test_a_correction_request_becomes_a_ticket_with_its_deadline(container, openid):
    from tests.integration.helpers import text_xml

    _say(container, openid, text_xml(openid, "更正我的信息"))
    _say(container, openid, text_xml(openid, "我的手机号换成13900001111了"))
    (ticket,) = _requests_become_tickets(container, openid, "data_request:correct")
    assert "139" in ticket.summary and 14 * 86400 < ticket.due_at - ticket.created_at <= 15 * 86400


def _requests_become_tickets(container, openid: str, kind: str) -> list:
    """Run the data-request jobs the messages queued, as the worker does; the tickets made."""
    from chalicelib.store.models import TicketItem
    from tests.integration.test_survey_desk import _drain

    jobs = [j for j in _drain(container, "jobs") if j["kind"] == "ticket.data_request"]
    for job in jobs + jobs:  # SQS may deliver one twice: still one ticket
        container.worker.run(job)
    tickets = [t for t in TicketItem.scan() if t.openid == openid and t.kind == kind]
    assert len(tickets) == 1 and tickets[0].status == "open"
    return tickets
