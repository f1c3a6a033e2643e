"""After hours: the conversation goes to the on-call person's WeCom and their answers come back,
against moto server, the WeChat emulator and the WeCom emulator. Escalation to the backup,
the callback promise when nobody answers, sensitive matters."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.dialog import catalogue as t
from chalicelib.domain.assist import OFFER_HEAD
from chalicelib.domain.handoff import Role, Shift, short_code
from chalicelib.service.container import Container
from chalicelib.store.handoffs import Roster
from chalicelib.store.models import ConversationRecord, HandoffItem, RosterShift, TicketItem
from devstack import wecom_defaults as wd
from devstack.wecom_emulator import WeComEmulator
from tests.integration.helpers import signed, text_xml
from tests.integration.test_survey_desk import _bound_customer, _drain

pytestmark = pytest.mark.integration

PRIMARY, BACKUP, SUPERVISOR = "oncall-li", "oncall-wang", "supervisor-chen"


@pytest.fixture(scope="module")
def wecom() -> Iterator[WeComEmulator]:
    emu = WeComEmulator().start()
    emu.add_user(SUPERVISOR)
    yield emu
    emu.stop()


@pytest.fixture(autouse=True)
def _fresh_staff_windows(desk_container, wecom):
    """Each test starts with empty WeCom windows (30 a minute per member), in claimbot's
    table and in the emulator: the module's tests together send more than 30 in a minute."""
    from chalicelib.store.models import InboxItem

    for item in InboxItem.scan(InboxItem.dedupe_key.startswith("wecom-rate:")):
        item.delete()
    wecom.clear()


@pytest.fixture(scope="module")
def desk_container(settings, wecom) -> Container:
    """The app's services, with WeCom configured and nobody ever at work (after hours)."""
    return Container(
        dataclasses.replace(
            settings,
            business_hours="none",
            wecom_corp_id=wd.WECOM_CORP_ID,
            wecom_corp_secret=wd.WECOM_CORP_SECRET,
            wecom_agent_id=str(wd.WECOM_AGENT_ID),
            wecom_callback_token=wd.WECOM_CALLBACK_TOKEN,
            wecom_callback_aes_key=wd.WECOM_CALLBACK_AES_KEY,
            wecom_api_base=wecom.url,
        )
    )


@pytest.fixture(scope="module")
def callback_url(desk_container, wecom) -> Iterator[str]:
    """Stands in for API Gateway in front of app.wecom_receive."""
    inbox = desk_container.staff_inbox

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            result = inbox.receive(query, body)
            self.send_response(result.status)
            self.end_headers()
            self.wfile.write(result.body.encode())

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/wecom"
    wecom.set_callback_url(url)
    yield url
    server.shutdown()


@pytest.fixture
def roster(desk_container) -> Roster:
    for item in RosterShift.scan():
        item.delete()
    roster = Roster()
    now = time.time()
    people = (
        ("S1", "李值班", PRIMARY, Role.PRIMARY),
        ("S2", "王备班", BACKUP, Role.BACKUP),
        ("S3", "陈主管", SUPERVISOR, Role.SUPERVISOR),
    )
    for shift_id, name, userid, role in people:
        roster.add(Shift(f"t-{shift_id}", shift_id, name, userid, now - 3600, now + 3600, role))
    return roster


def _say(container, openid: str, said: str) -> None:
    container.webhook.receive(*signed(text_xml(openid, said)))


def _run_jobs(container) -> list:
    return [container.worker.run(job) for job in _drain(container, "jobs")
            if job["kind"].startswith(("handoff.", "ticket."))]  # fmt: skip


def _words(relayed: str) -> str:
    """A relay without the knowledge base's numbered candidates under it (Assist)."""
    return relayed.split(f"\n{OFFER_HEAD}", 1)[0]


def _to_customer(container, openid: str) -> list[str]:
    """What reached the customer: the queued messages, delivered by the outbox sender."""
    queued = [m for m in _drain(container, "outbox") if m["openid"] == openid]
    for message in queued:
        container.outbox.deliver(message)
    return [m["reply"]["content"] for m in queued]


def test_after_hours_relay_both_ways_until_the_staff_member_ends_it(
    desk_container, wecom, callback_url, roster, openid
):
    c = desk_container
    _bound_customer(c, openid)
    _drain(c, "jobs"), _drain(c, "outbox"), wecom.clear()
    _say(c, openid, "人工")
    assert _run_jobs(c) == ["notified"]
    [context] = wecom.texts(PRIMARY)
    assert context.startswith(f"【人工转接】{short_code(openid)} 欧阳女士")
    assert "机动车商业保险 粤B·***45" in context and "欧阳娜娜" not in context

    _say(c, openid, "我的车在高速上抛锚了，电话13800138000，身份证后六位31002X")
    assert _run_jobs(c) == ["relayed"]
    relayed = _words(wecom.texts(PRIMARY)[-1])
    # The number to call back reaches the person who is to call; an ID's digits never do.
    assert relayed.endswith("我的车在高速上抛锚了，电话13800138000，身份证后六位3****X")

    code = short_code(openid)
    result = wecom.reply(PRIMARY, f"{code} 您好，我是值班的李值班，请问车辆现在在什么位置？")
    assert result["status"] == 200
    [answer] = _to_customer(c, openid)
    assert answer == "【人工客服 李值班】您好，我是值班的李值班，请问车辆现在在什么位置？"
    handoff = HandoffItem.get(openid)
    # Who answered is their WeCom userid, as the console and the staff table know them.
    assert handoff.state == "active" and handoff.staff_id == PRIMARY
    said_by_staff = [r for r in ConversationRecord.query(openid) if r.staff_id]
    assert [(r.direction, r.staff_id) for r in said_by_staff] == [("out", PRIMARY)]

    wecom.reply(PRIMARY, f"{short_code(openid)} /结束")
    [ended] = _to_customer(c, openid)
    assert "本次人工服务已结束" in ended
    assert HandoffItem.get(openid).state == "ended"
    from chalicelib.store.models import SessionItem

    assert SessionItem.get(openid).flow == ""


def test_a_repeated_staff_callback_is_relayed_once(
    desk_container, wecom, callback_url, roster, openid
):
    c = desk_container
    _drain(c, "jobs"), _drain(c, "outbox")
    _say(c, openid, "人工")
    _run_jobs(c)
    wecom.reply(PRIMARY, f"{short_code(openid)} 在的", msg_id="77001")
    # WeCom retrying the same callback:
    wecom.reply(PRIMARY, f"{short_code(openid)} 在的", msg_id="77001")
    assert _to_customer(c, openid) == ["【人工客服 李值班】在的"]


def test_nobody_answers_the_backup_is_asked_then_a_callback_is_promised(
    desk_container, wecom, callback_url, roster, openid
):
    from chalicelib.service.watchdog import Watchdog

    c = desk_container
    _drain(c, "jobs"), _drain(c, "outbox"), wecom.clear()
    _say(c, openid, "人工")
    _run_jobs(c)
    start = HandoffItem.get(openid).notified_at
    clock = {"now": start + 11 * 60}
    desk = c.handoff_desk
    watchdog = Watchdog(c.surveys, c.quotas, c.queues, lambda: clock["now"],
                        handoffs=lambda: desk)  # fmt: skip
    desk.clock = lambda: clock["now"]
    try:
        assert watchdog.run()["escalated"] >= 1
        assert wecom.texts(BACKUP)[-1].startswith(f"【人工转接】{short_code(openid)}")
        assert HandoffItem.get(openid).level == 1
        clock["now"] += 11 * 60
        assert watchdog.run()["callbacks"] >= 1
    finally:
        desk.clock = time.time
    [promise] = _to_customer(c, openid)
    handoff = HandoffItem.get(openid)
    assert handoff.state == "ended" and handoff.ticket_no and handoff.ticket_no in promise
    ticket = TicketItem.get(handoff.ticket_no)
    assert (ticket.kind, ticket.priority, ticket.status) == ("callback", "normal", "open")


def test_no_one_on_call_means_a_callback_promise_at_once(
    desk_container, wecom, callback_url, openid
):
    c = desk_container
    for item in RosterShift.scan():
        item.delete()
    _drain(c, "jobs"), _drain(c, "outbox")
    _say(c, openid, "人工")
    assert _run_jobs(c) == ["callback"]
    [promise] = _to_customer(c, openid)
    assert "已登记回访" in promise


def test_sensitive_words_make_a_priority_ticket_and_tell_the_supervisor(
    desk_container, wecom, roster, openid
):
    c = desk_container
    _drain(c, "jobs"), _drain(c, "outbox"), wecom.clear()
    _say(c, openid, "再不赔我就找媒体曝光，电话13900001111，身份证11010519491231002X")
    ticket_no, kept = _run_jobs(c)  # the ticket, then the callback number on it
    ticket = TicketItem.get(ticket_no)
    assert (ticket.kind, ticket.priority, kept) == ("sensitive", "high", "kept")
    assert ticket.callback_phone_masked == "139****1111" and ticket.due_at
    assert "13900001111" not in ticket.callback_phone_sealed
    # The number to call back is what the supervisor needs; an ID number never is.
    assert "13900001111" in ticket.summary and "11010519491231002X" not in ticket.summary
    [told] = wecom.texts(SUPERVISOR)
    assert ticket_no in told and "媒体" in told and "13900001111" in told
    assert "11010519491231002X" not in told


@pytest.fixture(scope="module")
def inbox_container(settings, wecom) -> Container:
    """In business hours around the clock, with the console's agent inbox taking chats."""
    return Container(
        dataclasses.replace(settings, business_hours="always", handoff_in_hours="console",
                            wecom_corp_id=wd.WECOM_CORP_ID, wecom_api_base=wecom.url)
    )  # fmt: skip


@pytest.fixture
def inbox_api(inbox_container, monkeypatch):
    from chalice.test import Client

    import app

    monkeypatch.setattr(app, "services", lambda: inbox_container)
    with Client(app.app) as client:
        yield client


def _console(api, method: str, path: str, user: str = "agent1", body: dict | None = None):
    import json

    login = api.http.post("/console/api/dev-login", body=json.dumps({"user": user}),
                          headers={"Content-Type": "application/json"})  # fmt: skip
    headers = {"Authorization": f"Bearer {login.json_body['token']}",
               "Content-Type": "application/json"}  # fmt: skip
    call = api.http.get if method == "GET" else api.http.post
    kwargs = {"body": json.dumps(body or {})} if method == "POST" else {}
    return call(path, headers=headers, **kwargs)


def test_in_hours_an_agent_answers_from_the_console_inbox(inbox_container, inbox_api, openid):
    c = inbox_container
    _bound_customer(c, openid)
    _drain(c, "jobs"), _drain(c, "outbox")
    _say(c, openid, "人工")
    assert _run_jobs(c) == ["in-console"]
    _say(c, openid, "我想改一下保单上的手机号")
    assert _run_jobs(c) == ["in-console"]

    assert _console(inbox_api, "GET", "/console/api/chats", "adjuster1").status_code == 403
    chats = _console(inbox_api, "GET", "/console/api/chats").json_body["chats"]
    [chat] = [x for x in chats if x["code"] == short_code(openid)]
    assert chat["context"][0].startswith(f"【人工转接】{short_code(openid)} 欧阳女士")
    assert chat["messages"][-1]["content"] == "我想改一下保单上的手机号"

    path = f"/console/api/chats/{chat['id']}"
    assert _console(inbox_api, "POST", f"{path}/messages", body={"text": " "}).status_code == 400
    sent = _console(inbox_api, "POST", f"{path}/messages", body={"text": "好的，请提供新号码"})
    assert sent.status_code == 200
    assert _to_customer(c, openid) == ["【人工客服 赵客服】好的，请提供新号码"]
    assert HandoffItem.get(openid).staff_id == "agent1"
    assert _console(inbox_api, "POST", f"{path}/end").status_code == 200
    assert "本次人工服务已结束" in _to_customer(c, openid)[0]
    assert _console(inbox_api, "POST", f"{path}/end").status_code == 404


# --- a handoff never traps the customer, and staff see things in order ----------------------


def _reply_text(container, openid: str, said: str) -> str:
    """The passive reply the customer reads."""
    from tests.integration.helpers import decrypt_reply

    query, body = signed(text_xml(openid, said))
    result = container.webhook.receive(query, body)
    if not result.body.startswith("<xml"):
        return ""
    xml = decrypt_reply(result.body, query)
    if "<Content>" not in xml:
        return xml
    return xml.split("<Content><![CDATA[")[1].split("]]></Content>")[0]


def test_the_next_message_reaches_staff_after_the_handoff_notice_whatever_runs_first(
    desk_container, wecom, callback_url, roster, openid
):
    """The customer writes right after 人工: their message is relayed after the context, and
    the handoff records that staff were told (so the backup is not paged early)."""
    from concurrent.futures import ThreadPoolExecutor

    c = desk_container
    _bound_customer(c, openid)
    _drain(c, "jobs"), _drain(c, "outbox"), wecom.clear()
    _say(c, openid, "人工")
    assert HandoffItem.get(openid).state == "waiting"  # opened with the message, not later
    _say(c, openid, "车在高速上抛锚了")
    jobs = [j for j in _drain(c, "jobs") if j["kind"].startswith("handoff.")]
    assert [j["kind"] for j in jobs] == ["handoff.start", "handoff.relay"]
    start, relay = jobs
    assert c.worker.run(relay) == "relayed"  # the relay ran first: it told staff first
    assert c.worker.run(start) == "already-told"
    texts = wecom.texts(PRIMARY)
    assert texts[0].startswith("【人工转接】") and _words(texts[-1]).endswith("车在高速上抛锚了")
    assert len(texts) == 2
    handoff = HandoffItem.get(openid)
    assert handoff.notified_at > 0 and handoff.lease_until is None
    assert c.handoff_desk.escalate()["escalated"] == 0  # told a moment ago: nobody paged

    # Both jobs at once, for another customer: whichever holds the lease first tells staff.
    other = f"{openid}b"
    wecom.clear()
    _say(c, other, "人工")
    _say(c, other, "我在高速服务区")
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(c.worker.run, _drain(c, "jobs")))
    # The start job sends what is already waiting too (the relay's own job may have failed).
    assert sorted(results) in (["already-told", "relayed"], ["notified", "relayed"],
                               ["notified", "relayed-together"])  # fmt: skip
    texts = wecom.texts(PRIMARY)
    assert texts[0].startswith("【人工转接】") and _words(texts[-1]).endswith("我在高速服务区")
    assert sum(_words(x).endswith("我在高速服务区") for x in texts) == 1


def test_the_menu_during_a_handoff_is_answered_by_the_bot_and_staff_see_it(
    desk_container, wecom, callback_url, roster, openid
):
    c = desk_container
    _bound_customer(c, openid)
    _drain(c, "jobs"), _drain(c, "outbox"), wecom.clear()
    _say(c, openid, "人工")
    _run_jobs(c)
    reply = _reply_text(c, openid, "保单查询")
    assert "您名下的保单" in reply
    jobs = _run_jobs(c)
    read = [reply, *_to_customer(c, openid)]  # long answers come in several messages
    assert read[-1].endswith(t.HANDOFF_STILL_OPEN) and jobs == ["relayed"]
    assert wecom.texts(PRIMARY)[-1].endswith("客户查看了保单信息（机器人已回复）")
    assert HandoffItem.get(openid).state == "waiting"
    menu = _reply_text(c, openid, "菜单")
    assert "请回复数字选择服务" in menu
    _run_jobs(c)
    quote = _reply_text(c, openid, "1")  # right after the menu, a number is a menu choice
    assert quote.startswith("已结束本次人工服务，为您办理“车险报价”")
    assert _run_jobs(c) == ["ended"]
    left = "客户离开了人工服务，去办理“车险报价”（本次人工服务已结束）。"
    assert wecom.texts(PRIMARY)[-1].endswith(left)
    from chalicelib.store.models import SessionItem

    assert SessionItem.get(openid).flow == "quote"
    # The answer staff were typing arrives after the customer left: it still reaches them,
    # saying which conversation it answers, and the quote is not disturbed.
    wecom.reply(PRIMARY, f"{short_code(openid)} 您的保单下月到期，记得续保")
    [late] = _to_customer(c, openid)
    assert late.startswith("【人工客服 李值班】（回复您 ")
    assert late.endswith("的人工咨询）您的保单下月到期，记得续保")
    assert "离开人工服务" in wecom.texts(PRIMARY)[-1]
    assert SessionItem.get(openid).flow == "quote"


def test_someone_hurt_in_a_handoff_gets_120_first_and_staff_still_hear_it(
    desk_container, wecom, callback_url, roster, openid
):
    c = desk_container
    _drain(c, "jobs"), _drain(c, "outbox"), wecom.clear()
    _say(c, openid, "人工")
    _run_jobs(c)
    reply = _reply_text(c, openid, "撞了人 人在流血 怎么办")
    first = reply.splitlines()[0]
    assert first.startswith("⚠️ 如有人受伤，请立即拨打 120；需要交警处理请拨打 122")
    _run_jobs(c)
    assert _words(wecom.texts(PRIMARY)[-1]).endswith("撞了人 人在流血 怎么办")


@pytest.fixture(scope="module")
def kf_container(settings, emulator) -> Container:
    """In business hours around the clock, WeChat's own customer-service console takes chats."""
    return Container(dataclasses.replace(settings, business_hours="always",
                                         handoff_in_hours="wechat_kf"))  # fmt: skip


def test_wechats_console_takes_the_chat_and_the_customer_hears_how_long_the_queue_is(
    kf_container, emulator, openid
):
    c = kf_container
    _drain(c, "jobs"), _drain(c, "outbox")
    emulator.set_kf_waiting(3)
    try:
        query, body = signed(text_xml(openid, "人工"))
        result = c.webhook.receive(query, body)
        from tests.integration.helpers import decrypt_reply

        assert "transfer_customer_service" in decrypt_reply(result.body, query)
        assert _run_jobs(c) == ["told"]
        [told] = _to_customer(c, openid)
        assert "前面还有 3 位客户在排队" in told and "约 6 分钟" in told
    finally:
        emulator.set_kf_waiting(0)


def test_a_transfer_too_late_to_be_passive_transfers_the_customers_next_message(
    kf_container, emulator, openid
):
    """WeChat's console can only take a chat through the passive reply. When that reply is late
    (past the reply deadline, or a retry was answered "success"), the customer is asked to write
    their question through the outbox, and that next message is transferred."""
    from chalicelib.dialog import handoff as dialog_handoff
    from chalicelib.service.webhook import WebhookService
    from chalicelib.store.models import SessionItem
    from tests.integration.helpers import decrypt_reply

    c = kf_container
    _drain(c, "jobs"), _drain(c, "outbox")
    late = WebhookService(codec=c.codec, inbox=c.inbox, sessions=c.sessions,
                          conversations=c.conversations, quotas=c.quotas, queues=c.queues,
                          dialog_config=c.dialog_config, reply_deadline_s=-1)  # fmt: skip
    assert late.receive(*signed(text_xml(openid, "人工"))).body == "success"
    [asked] = _to_customer(c, openid)
    assert asked == t.HANDOFF_TRANSFER_LATE
    assert SessionItem.get(openid).step == dialog_handoff.TRANSFER_PENDING
    query, body = signed(text_xml(openid, "我想问一下续保的事"))
    result = c.webhook.receive(query, body)
    assert "transfer_customer_service" in decrypt_reply(result.body, query)
    assert SessionItem.get(openid).flow == ""


def test_a_staff_answer_without_a_code_never_reaches_the_wrong_customer(
    desk_container, wecom, callback_url, roster, openid
):
    """One customer just left, another is waiting: an answer with no code is held back and
    staff are asked to say whom it is for (it used to reach the customer still waiting)."""
    c = desk_container
    waiting, leaving = openid, f"{openid}b"
    _drain(c, "jobs"), _drain(c, "outbox"), wecom.clear()
    for who in (waiting, leaving):
        _say(c, who, "人工")
    _run_jobs(c)
    _say(c, leaving, "结束人工")
    _run_jobs(c)
    _drain(c, "outbox")
    wecom.reply(PRIMARY, "好的，不客气，祝您生活愉快")
    assert _to_customer(c, waiting) == [] and _to_customer(c, leaving) == []
    asked = wecom.texts(PRIMARY)[-1]
    assert asked.startswith("这条消息没有发出，请在回复前加上客户编号")
    assert short_code(waiting) in asked and short_code(leaving) in asked
    wecom.reply(PRIMARY, "/结束")  # nor does an uncoded /结束 end someone's chat
    assert HandoffItem.get(waiting).state == "waiting"


def _relayed_words(texts: list[str], code: str) -> list[str]:
    """The customer's words in the relays staff got: "#K7Q 王先生 10:32:05：words", or what
    waited, merged: "#K7Q 王先生（3条）：" then one "10:32:05 words" line each."""
    words = []
    for text in map(_words, texts):
        if not text.startswith(code) or text.startswith(f"{code} 已") or "：" not in text:
            continue
        head, rest = text.split("：", 1)
        if head.endswith("条）"):
            words += [line.split(" ", 1)[1] for line in rest.strip("\n").split("\n")]
        else:
            words.append(rest)
    return words


def test_what_the_customer_says_reaches_staff_in_the_order_they_said_it(
    desk_container, wecom, callback_url, roster, openid
):
    """Messages a moment apart: their relay jobs run in any order, or at once; staff read them
    in the order the customer sent them."""
    import random
    from concurrent.futures import ThreadPoolExecutor

    c = desk_container
    _drain(c, "jobs"), _drain(c, "outbox"), wecom.clear()
    _say(c, openid, "人工")
    _run_jobs(c)
    said = ["我的车", "昨天被撞了", "对方跑了", "现在怎么办", "在线等"]
    start = int(time.time())
    for n, words in enumerate(said):
        c.webhook.receive(*signed(text_xml(openid, words, msg_id=900000 + n, created=start)))
    jobs = [j for j in _drain(c, "jobs") if j["kind"] == "handoff.relay"]
    random.Random(3).shuffle(jobs)
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(c.worker.run, jobs))
    relayed = _relayed_words(wecom.texts(PRIMARY), short_code(openid))
    assert relayed[-5:] == said


def test_a_burst_for_one_staff_member_stays_within_30_a_minute_and_loses_nothing(
    desk_container, wecom, callback_url, roster
):
    """Twelve customers ask for a person at once and keep writing: what waits for one member
    is merged, the member is never sent more than 30 messages a minute (WeCom would drop the
    rest without a word), jobs that find no room are retried, and every word arrives once."""
    from chalicelib.staff.messenger import StaffBusy
    from chalicelib.store.models import InboxItem

    c = desk_container
    _drain(c, "jobs"), _drain(c, "outbox")
    customers = [f"o_burst_{n:02d}_{time.time_ns() % 10**6}" for n in range(20)]
    names = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉"  # digits would be masked for staff
    said = {o: [f"{names[n]}的第{k}句" for k in range(4)] for n, o in enumerate(customers)}
    for openid in customers:
        _say(c, openid, "人工")
    for k in range(4):
        for openid in customers:
            _say(c, openid, said[openid][k])

    jobs, texts, rounds = _drain(c, "jobs"), [], 0
    while jobs:
        retry = []
        for job in jobs:
            try:
                c.worker.run(job)
            except StaffBusy:
                retry.append(job)  # SQS delivers it again later
        assert len(wecom.messages(PRIMARY)) <= 30 and wecom.dropped(PRIMARY) == []
        texts += wecom.texts(PRIMARY)
        jobs, rounds = retry, rounds + 1
        for item in InboxItem.scan(InboxItem.dedupe_key.startswith("wecom-rate:")):
            item.delete()  # the next minute, here and at WeCom
        wecom.clear(keep_tokens=True)
        assert rounds < 5
    assert rounds > 1  # the burst did not fit in one minute: it waited, it was not dropped
    for openid in customers:
        assert _relayed_words(texts, short_code(openid)) == said[openid]
