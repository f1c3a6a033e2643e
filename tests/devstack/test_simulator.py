"""Tests for the local chat simulator (devstack/simulator): the client, web server and terminal
chat against fakes of the bot and the WeChat API emulator, then the page itself in headless
Chromium against the whole stack (`claimbot dev`)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import xmltodict
from wechatpy import events, messages, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import ArticlesReply, TextReply
from wechatpy.utils import check_signature

from devstack import defaults
from devstack.simulator.chat import run_chat
from devstack.simulator.client import (
    Delivery,
    ReplyError,
    ReplySignatureError,
    WebhookError,
    WeChatSimulatorClient,
    build_xml,
    private_templates,
    pushed_messages,
    render_pushed,
    template_card,
    template_fields,
    upload_image,
)
from devstack.simulator.server import SimulatorServer, form_files
from devstack.wechat_emulator import WeChatEmulator

TOKEN = "sim_token"
APP_ID = "wx1234567890abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACCOUNT = "gh_claimbot"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
CLAIM_TEMPLATE = {
    "template_id": "TPL_CLAIM",
    "title": "理赔进度通知",
    "content": "{{first.DATA}}\n报案号：{{keyword1.DATA}}\n理赔状态：{{keyword2.DATA}}\n"
    "更新时间: {{keyword3.DATA}}\n{{remark.DATA}}",
}


def png(n: int) -> bytes:
    """A distinct small "PNG" per n, with bytes a multipart parser could trip on."""
    return PNG + b"\r\n--not-a-boundary\r\n\r\n" + bytes([n]) * (n + 1) + b"\r"


# --------------------------------------------------------------------------
# Fakes: the bot's webhook and the WeChat API emulator
# --------------------------------------------------------------------------


@dataclass
class Received:
    query: dict[str, str]
    body: bytes
    plain_xml: str
    message: Any


@dataclass
class FakeBot:
    """Behaviour knobs and a log of what the fake webhook received."""

    received: list[Received] = field(default_factory=list)
    delay_first_s: float = 0.0
    status: int = 200
    reply_fn: Callable[[Any], Any] | None = None
    encrypt_reply: bool | None = None  # None: follow the request
    tamper_signature: bool = False
    on_message: Callable[[Any], None] | None = None


def _default_reply(msg: Any) -> Any:
    if isinstance(msg, messages.TextMessage):
        if msg.content == "news":
            return ArticlesReply(
                message=msg,
                articles=[
                    {
                        "title": "理赔指南",
                        "description": "三步报案",
                        "image": "",
                        "url": "https://example.com/g",
                    },
                ],
            )
        return TextReply(message=msg, content=f"echo: {msg.content}")
    if isinstance(msg, events.UnsubscribeEvent):
        return None
    return TextReply(message=msg, content=f"got {msg.type}")


class _BotHandler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, *args: Any) -> None:
        pass

    def _write(self, status: int, text: str) -> None:
        body = text.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the simulator gave up on this attempt

    def _query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}

    def do_GET(self) -> None:
        q = self._query()
        try:
            check_signature(TOKEN, q["signature"], q["timestamp"], q["nonce"])
        except Exception:
            self._write(403, "bad signature")
            return
        self._write(200, q["echostr"])

    def do_POST(self) -> None:
        bot: FakeBot = self.server.bot
        query = self._query()
        body = self.rfile.read(int(self.headers["Content-Length"]))
        first = not bot.received
        check_signature(TOKEN, query["signature"], query["timestamp"], query["nonce"])
        plain = self._plaintext(query, body)
        msg = parse_message(plain)
        bot.received.append(Received(query, body, plain, msg))
        if bot.on_message:
            bot.on_message(msg)
        if first and bot.delay_first_s:
            time.sleep(bot.delay_first_s)
        if bot.status != 200:
            self._write(bot.status, "boom")
            return
        self._write(200, self._reply(query, msg))

    def _plaintext(self, query: dict[str, str], body: bytes) -> str:
        if query.get("encrypt_type") != "aes":
            return body.decode("utf-8")
        crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
        return crypto.decrypt_message(
            body, query["msg_signature"], query["timestamp"], query["nonce"]
        )

    def _reply(self, query: dict[str, str], msg: Any) -> str:
        bot: FakeBot = self.server.bot
        reply = (bot.reply_fn or _default_reply)(msg)
        if reply is None:
            return "success"
        if reply == "":
            return ""
        xml = reply if isinstance(reply, str) else reply.render()
        encrypt = (
            bot.encrypt_reply
            if bot.encrypt_reply is not None
            else query.get("encrypt_type") == "aes"
        )
        if not encrypt:
            return xml
        out = WeChatCrypto(TOKEN, AES_KEY, APP_ID).encrypt_message(xml, query["nonce"])
        if bot.tamper_signature:
            out = out.replace("<MsgSignature><![CDATA[", "<MsgSignature><![CDATA[0")
        return out


class FakeEmulator:
    """Just enough of the WeChat API emulator's /_emulator/* endpoints."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.media: list[tuple[str, bytes]] = []
        self.menu: dict[str, Any] | None = None
        self.templates: list[dict[str, Any]] | None = None  # None: no /_emulator/templates
        self._lock = threading.Lock()

    def push(self, touser: str, payload: dict[str, Any], kind: str = "custom") -> None:
        with self._lock:
            self.messages.append(
                {
                    "id": len(self.messages) + 1,
                    "kind": kind,
                    "touser": touser,
                    "msgtype": payload.get("msgtype", "template"),
                    "payload": payload,
                    "at": int(time.time()),
                }
            )

    def push_text(self, touser: str, text: str) -> None:
        self.push(touser, {"touser": touser, "msgtype": "text", "text": {"content": text}})

    def select(self, touser: str, since_id: int) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.messages if m["touser"] == touser and m["id"] > since_id]


class _EmulatorHandler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, *args: Any) -> None:
        pass

    def _json(self, data: Any) -> None:
        body = json.dumps(data).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        emu: FakeEmulator = self.server.emu
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/_emulator/messages":
            self._json(emu.select(q["touser"], int(q.get("since_id", 0))))
        elif url.path == "/_emulator/menu":
            self._json(emu.menu)
        elif url.path == "/_emulator/templates" and emu.templates is not None:
            self._json({"template_list": emu.templates})
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        emu: FakeEmulator = self.server.emu
        body = self.rfile.read(int(self.headers["Content-Length"]))
        emu.media.append((self.headers["Content-Type"], body))
        n = len(emu.media)
        self._json({"media_id": f"media_{n}", "pic_url": f"http://127.0.0.1/pic/{n}.png"})


def _serve(handler: type, **attrs: Any) -> Iterator[tuple[str, ThreadingHTTPServer]]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    for name, value in attrs.items():
        setattr(httpd, name, value)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def bot(monkeypatch) -> Iterator[tuple[str, FakeBot]]:
    from devstack import transcript

    # The fake bot's answers ("echo: …") are not claimbot's: keep them out of what the run
    # checks customers were shown (tests/test_customer_words.py).
    monkeypatch.delenv(transcript.ENV, raising=False)
    state = FakeBot()
    for url, _ in _serve(_BotHandler, bot=state):
        yield url + "/wechat", state


@pytest.fixture
def emulator() -> Iterator[tuple[str, FakeEmulator]]:
    emu = FakeEmulator()
    for url, _ in _serve(_EmulatorHandler, emu=emu):
        yield url, emu


def make_client(url: str, mode: str = "safe", **kw: Any) -> WeChatSimulatorClient:
    key = None if mode == "plain" else AES_KEY
    return WeChatSimulatorClient(
        url, TOKEN, APP_ID, encoding_aes_key=key, mode=mode, account=ACCOUNT, **kw
    )


# --------------------------------------------------------------------------
# Client: modes, signatures, encryption
# --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["plain", "compat", "safe"])
def test_text_round_trip_in_each_mode(bot, mode):
    url, state = bot
    reply = make_client(url, mode).send_text("o_user", "你好 <b>&amp;")
    assert reply is not None
    assert reply.msg_type == "text"
    assert reply.content == "echo: 你好 <b>&amp;"
    assert reply.attempts == 1
    assert reply.encrypted is (mode != "plain")
    got = state.received[0]
    assert isinstance(got.message, messages.TextMessage)
    assert got.message.source == "o_user" and got.message.target == ACCOUNT
    assert got.query["openid"] == "o_user"


def test_cdata_terminator_in_text_survives(bot):
    # wechatpy's reply renderer does not escape "]]>", so do not echo it back.
    url, state = bot
    state.reply_fn = lambda msg: TextReply(message=msg, content="ok")
    make_client(url, "safe").send_text("o_user", "a]]>b")
    assert state.received[0].message.content == "a]]>b"


def test_plain_mode_sends_no_crypto_params(bot):
    url, state = bot
    make_client(url, "plain").send_text("o_user", "hi")
    got = state.received[0]
    assert "encrypt_type" not in got.query and "msg_signature" not in got.query
    assert b"<Encrypt>" not in got.body


def test_safe_mode_body_is_envelope_only(bot):
    url, state = bot
    make_client(url, "safe").send_text("o_user", "hi")
    got = state.received[0]
    body = xmltodict.parse(got.body)["xml"]
    assert set(body) == {"ToUserName", "Encrypt"}
    assert body["ToUserName"] == ACCOUNT
    assert got.query["encrypt_type"] == "aes"


def test_compat_mode_body_has_plaintext_and_encrypt(bot):
    url, state = bot
    make_client(url, "compat").send_text("o_user", "hi")
    got = state.received[0]
    body = xmltodict.parse(got.body)["xml"]
    assert body["Content"] == "hi" and body["MsgType"] == "text"
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    q = got.query
    decrypted = crypto.decrypt_message(body, q["msg_signature"], q["timestamp"], q["nonce"])
    assert xmltodict.parse(decrypted)["xml"]["MsgId"] == body["MsgId"]


def test_signatures_accepted_by_wechatpy():
    client = make_client("http://unused", "safe")
    xml = client.build_message("o_user", "text", [("Content", "理赔")])
    params, body = client.sign_request("o_user", xml)
    check_signature(TOKEN, params["signature"], params["timestamp"], params["nonce"])
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    plain = crypto.decrypt_message(
        body, params["msg_signature"], params["timestamp"], params["nonce"]
    )
    assert plain == xml


def test_plain_reply_rejected_in_safe_mode(bot):
    url, state = bot
    state.encrypt_reply = False
    with pytest.raises(ReplyError, match="encrypted"):
        make_client(url, "safe").send_text("o_user", "hi")


def test_compat_mode_accepts_plain_reply(bot):
    url, state = bot
    state.encrypt_reply = False
    reply = make_client(url, "compat").send_text("o_user", "hi")
    assert reply.content == "echo: hi" and not reply.encrypted


def test_bad_reply_signature_raises(bot):
    url, state = bot
    state.tamper_signature = True
    with pytest.raises(ReplySignatureError, match="MsgSignature"):
        make_client(url, "safe").send_text("o_user", "hi")


def test_reply_to_wrong_user_raises(bot):
    url, state = bot
    state.reply_fn = lambda msg: TextReply(source=ACCOUNT, target="o_someone_else", content="x")
    with pytest.raises(ReplyError, match="ToUserName"):
        make_client(url, "plain").send_text("o_user", "hi")


def test_success_and_empty_mean_no_reply(bot):
    url, state = bot
    client = make_client(url, "safe")
    assert client.unfollow("o_user") is None
    state.reply_fn = lambda msg: ""
    assert client.send_text("o_user", "hi") is None
    assert client.last_delivery.attempts == 1
    state.reply_fn = lambda msg: "success"  # encrypted "success" is tolerated too
    assert client.send_text("o_user", "hi") is None


def test_news_reply_is_parsed(bot):
    url, _ = bot
    reply = make_client(url, "safe").send_text("o_user", "news")
    assert reply.msg_type == "news"
    assert reply.articles == [
        {
            "title": "理赔指南",
            "description": "三步报案",
            "pic_url": "",
            "url": "https://example.com/g",
        }
    ]


def test_verify_url(bot):
    url, _ = bot
    assert make_client(url, "plain").verify_url() is True
    wrong = WeChatSimulatorClient(url, "wrong", APP_ID, mode="plain")
    assert wrong.verify_url() is False
    assert make_client("http://127.0.0.1:9/wechat", "plain", timeout_s=0.3).verify_url() is False


# --------------------------------------------------------------------------
# Client: retries
# --------------------------------------------------------------------------


def test_retry_resends_same_message(bot):
    url, state = bot
    state.delay_first_s = 0.6
    reply = make_client(url, "safe", timeout_s=0.3, tries=3).send_text("o_user", "慢")
    assert reply.content == "echo: 慢"
    assert reply.attempts == 2
    first, second = state.received[:2]
    assert first.message.id == second.message.id != 0
    assert first.message.time == second.message.time
    assert first.plain_xml == second.plain_xml


def test_retry_keeps_create_time_for_events(bot):
    url, state = bot
    state.delay_first_s = 0.6
    client = make_client(url, "plain", timeout_s=0.3)
    client.click("o_user", "REPORT")
    assert client.last_delivery.attempts == 2
    assert state.received[0].plain_xml == state.received[1].plain_xml


def test_gives_up_after_tries(bot):
    url, state = bot
    state.status = 500
    with pytest.raises(WebhookError, match="3 attempt"):
        make_client(url, "plain", timeout_s=0.3, tries=3).send_text("o_user", "hi")
    assert len(state.received) == 3
    assert len({r.message.id for r in state.received}) == 1


def test_client_error_is_not_retried(bot):
    url, state = bot
    state.status = 403
    with pytest.raises(WebhookError, match="403"):
        make_client(url, "plain").send_text("o_user", "hi")
    assert len(state.received) == 1


def test_msg_ids_unique_64_bit(bot):
    url, state = bot
    client = make_client(url, "plain")
    for i in range(5):
        client.send_text("o_user", str(i))
    ids = [r.message.id for r in state.received]
    assert len(set(ids)) == 5
    assert all(0 < i < 2**64 for i in ids)


# --------------------------------------------------------------------------
# Client: several photos picked together
# --------------------------------------------------------------------------


def test_photos_picked_together_are_posted_at_once_one_message_each(bot):
    url, state = bot
    together = threading.Barrier(5, timeout=5)  # nobody passes until all five are in flight
    state.on_message = lambda msg: together.wait()
    images = [(f"m{n}", f"http://p/{n}.jpg") for n in range(1, 6)]
    outcomes = make_client(url, "safe", timeout_s=10, tries=1).send_images("o_u", images)

    assert all(isinstance(o, Delivery) for o in outcomes), outcomes
    assert [o.reply.content for o in outcomes] == ["got image"] * 5
    got = [r.message for r in state.received]
    assert all(isinstance(m, messages.ImageMessage) for m in got)
    # each its own MsgId, given in the order picked; the same few seconds
    by_media = {m.media_id: m for m in got}
    assert sorted(by_media) == [f"m{n}" for n in range(1, 6)]
    ids = [by_media[f"m{n}"].id for n in range(1, 6)]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert {by_media[m].image for m, _ in images} == {u for _, u in images}
    assert (
        max(m.create_time for m in got).timestamp() - min(m.create_time for m in got).timestamp()
        <= 1
    )
    for outcome, (media_id, _) in zip(outcomes, images, strict=True):
        assert media_id in outcome.xml  # results come back in the order picked


def test_photos_picked_together_limits_and_failures(bot):
    url, state = bot
    client = make_client(url, "plain", tries=1)
    with pytest.raises(ValueError, match="1 to 9"):
        client.send_images("o_u", [])
    with pytest.raises(ValueError, match="1 to 9"):
        client.send_images("o_u", [(f"m{n}", "http://p") for n in range(10)])
    assert state.received == []
    state.status = 403
    outcomes = client.send_images("o_u", [("m1", "http://p/1"), ("m2", "http://p/2")])
    assert [type(o) for o in outcomes] == [WebhookError, WebhookError]
    assert len(state.received) == 2


# --------------------------------------------------------------------------
# Client: every builder maps to the right wechatpy class
# --------------------------------------------------------------------------

BUILDERS: list[tuple[str, Callable[[WeChatSimulatorClient], Any], type, dict[str, Any]]] = [
    ("text", lambda c: c.send_text("o_u", "hi"), messages.TextMessage, {"content": "hi"}),
    (
        "image",
        lambda c: c.send_image("o_u", "m1", "http://p/1.jpg"),
        messages.ImageMessage,
        {"media_id": "m1", "image": "http://p/1.jpg"},
    ),
    (
        "voice",
        lambda c: c.send_voice("o_u", "v1", recognition="报案"),
        messages.VoiceMessage,
        {"media_id": "v1", "format": "amr", "recognition": "报案"},
    ),
    (
        "location",
        lambda c: c.send_location("o_u", 31.2304, 121.4737, label="上海"),
        messages.LocationMessage,
        {"location_x": "31.2304", "location_y": "121.4737", "scale": "15", "label": "上海"},
    ),
    (
        "link",
        lambda c: c.send_link("o_u", "标题", "https://e.com", "描述"),
        messages.LinkMessage,
        {"title": "标题", "url": "https://e.com", "description": "描述"},
    ),
    ("click", lambda c: c.click("o_u", "REPORT_CLAIM"), events.ClickEvent, {"key": "REPORT_CLAIM"}),
    (
        "view",
        lambda c: c.view("o_u", "https://e.com/m"),
        events.ViewEvent,
        {"url": "https://e.com/m"},
    ),
    ("follow", lambda c: c.follow("o_u"), events.SubscribeEvent, {}),
    (
        "follow_scene",
        lambda c: c.follow("o_u", scene="agent42"),
        events.SubscribeScanEvent,
        {"scene_id": "agent42"},
    ),
    ("unfollow", lambda c: c.unfollow("o_u"), events.UnsubscribeEvent, {}),
    ("scan", lambda c: c.scan("o_u", "agent42"), events.ScanEvent, {"scene_id": "agent42"}),
    (
        "report_location",
        lambda c: c.report_location("o_u", 31.5, 121.25),
        events.LocationEvent,
        {"latitude": 31.5, "longitude": 121.25},
    ),
]


@pytest.mark.parametrize(("name", "send", "cls", "attrs"), BUILDERS, ids=[b[0] for b in BUILDERS])
def test_builders_parse_to_wechatpy_classes(bot, name, send, cls, attrs):
    url, state = bot
    send(make_client(url, "safe"))
    msg = state.received[0].message
    assert type(msg) is cls
    assert msg.source == "o_u" and msg.target == ACCOUNT
    for attr, value in attrs.items():
        assert getattr(msg, attr) == value, attr
    raw = xmltodict.parse(state.received[0].plain_xml)["xml"]
    assert ("MsgId" in raw) is (raw["MsgType"] != "event")


def test_follow_with_scene_sends_qrscene_prefix(bot):
    url, state = bot
    make_client(url, "plain").follow("o_u", scene="s1")
    raw = xmltodict.parse(state.received[0].plain_xml)["xml"]
    assert raw["EventKey"] == "qrscene_s1" and raw["Ticket"]


def test_build_xml_uses_cdata_for_strings_only():
    xml = build_xml([("A", "x]]>y"), ("B", 3), ("C", 1.5)])
    assert xml == "<xml><A><![CDATA[x]]]]><![CDATA[>y]]></A><B>3</B><C>1.5</C></xml>"
    assert xmltodict.parse(xml)["xml"]["A"] == "x]]>y"


# --------------------------------------------------------------------------
# Emulator helpers and rendering
# --------------------------------------------------------------------------


def test_upload_image_and_pushed_messages(emulator, tmp_path):
    url, emu = emulator
    path = tmp_path / "car.png"
    path.write_bytes(PNG)
    assert upload_image(url, path) == ("media_1", "http://127.0.0.1/pic/1.png")
    assert emu.media[0] == ("image/png", PNG)
    upload_image(url, b"\xff\xd8\xff\xe0jpeg")
    assert emu.media[1][0] == "image/jpeg"
    emu.push_text("o_u", "one")
    emu.push_text("o_other", "not mine")
    emu.push_text("o_u", "two")
    assert [m["id"] for m in pushed_messages(url, "o_u")] == [1, 3]
    assert [m["id"] for m in pushed_messages(url, "o_u", since_id=1)] == [3]


def test_render_pushed():
    text = {"kind": "custom", "payload": {"msgtype": "text", "text": {"content": "已受理"}}}
    assert render_pushed(text) == "已受理"
    news = {
        "kind": "custom",
        "payload": {
            "msgtype": "news",
            "news": {
                "articles": [{"title": "进度", "description": "定损中", "url": "https://e.com/p"}]
            },
        },
    }
    assert render_pushed(news) == "[图文] 进度 — 定损中 (https://e.com/p)"
    image = {"kind": "custom", "payload": {"msgtype": "image", "image": {"media_id": "M9"}}}
    assert render_pushed(image) == "[图片] M9"
    template = {
        "kind": "template",
        "payload": {
            "touser": "o_u",
            "template_id": "T1",
            "url": "https://e.com/c",
            "data": {
                "first": {"value": "理赔进度通知"},
                "keyword1": {"value": "CLM001"},
                "keyword2": {"value": "已赔付"},
                "remark": {"value": "感谢"},
            },
        },
    }
    # An unknown template: its data keys as labels; first and remark never shown (WeChat, May 2023)
    assert render_pushed(template) == (
        "模板消息 T1\nkeyword1: CLM001\nkeyword2: 已赔付\n详情: https://e.com/c"
    )
    known = {"T1": {**CLAIM_TEMPLATE, "template_id": "T1"}}
    assert render_pushed(template, known) == (
        "理赔进度通知\n报案号: CLM001\n理赔状态: 已赔付\n更新时间: \n详情: https://e.com/c"
    )
    bare = {
        "kind": "template",
        "payload": {"template_id": "T2", "data": {"thing1": {"value": "x"}}},
    }
    assert render_pushed(bare) == "模板消息 T2\nthing1: x"


def test_template_card_as_wechat_shows_it_since_may_2023():
    payload = {
        "template_id": "TPL_CLAIM",
        "data": {
            "first": {"value": "您的理赔进度有更新"},
            "keyword1": {"value": "RSVY202612060721498278"},
            "keyword2": {"value": "已收到查勘照片，理赔人员将尽快审核并通过消息通知您"},
            "keyword3": {"value": "2026-12-06\n07:21"},
            "remark": {"value": "下一步：请等待审核"},
        },
    }
    card = template_card(payload, {"TPL_CLAIM": CLAIM_TEMPLATE})
    assert card == {
        "title": "理赔进度通知",
        "rows": [
            {"key": "keyword1", "label": "报案号", "value": "RSVY202612060721498278"},
            # at most 20 characters (a run of Latin letters/digits counting as one), one line
            {
                "key": "keyword2",
                "label": "理赔状态",
                "value": "已收到查勘照片，理赔人员将尽快审核并通过…",
            },
            {"key": "keyword3", "label": "更新时间", "value": "2026-12-06 07:21"},
        ],
        "url": "",
    }
    assert template_fields(CLAIM_TEMPLATE["content"])[0] == ("first", "")


def test_news_card_keeps_its_picture():
    news = {
        "kind": "custom",
        "payload": {
            "msgtype": "news",
            "news": {
                "articles": [
                    {
                        "title": "第1张：车头45°",
                        "description": "站在车头斜前方约3米处",
                        "url": "http://app/survey/examples/1.jpg",
                        "picurl": "http://app/survey/examples/1.jpg",
                    }
                ]
            },
        },
    }
    assert render_pushed(news) == (
        "[图文] 第1张：车头45° — 站在车头斜前方约3米处 (http://app/survey/examples/1.jpg) [图片]"
    )


def test_emulator_lists_the_claim_status_template_the_devstack_uses():
    with WeChatEmulator("wx1", "secret") as emu:
        templates = private_templates(emu.url)
        token = requests.get(
            emu.url + "/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": "wx1", "secret": "secret"},
            timeout=5,
        ).json()["access_token"]
        listed = requests.get(
            emu.url + "/cgi-bin/template/get_all_private_template",
            params={"access_token": token},
            timeout=5,
        ).json()["template_list"]
    assert [t["template_id"] for t in listed] == [defaults.CLAIM_STATUS_TEMPLATE,
                                                  defaults.RENEWAL_TEMPLATE]  # fmt: skip
    template = templates[defaults.CLAIM_STATUS_TEMPLATE]
    assert template["title"] == "理赔进度通知"
    # the typed fields of a category template chalicelib/service/notifier.py fills (by its
    # default mapping, domain/claim_notice.py), each with a label
    assert template_fields(template["content"]) == [
        ("character_string1", "报案号"),
        ("thing2", "理赔状态"),
        ("time3", "更新时间"),
        ("thing4", "下一步"),
        ("phone_number5", "客服电话"),
    ]
    assert private_templates("http://127.0.0.1:9") == {}  # no emulator: no labels, no crash


# --------------------------------------------------------------------------
# Web simulator server
# --------------------------------------------------------------------------


@pytest.fixture
def sim(bot, emulator) -> Iterator[tuple[str, FakeBot, FakeEmulator]]:
    bot_url, state = bot
    emu_url, emu = emulator
    with SimulatorServer(make_client(bot_url, "safe", timeout_s=2), emu_url) as server:
        yield server.url, state, emu


def test_server_serves_page(sim):
    url, _, _ = sim
    resp = requests.get(url + "/", timeout=5)
    assert resp.status_code == 200
    assert "claimbot 模拟器" in resp.text
    assert "text/html" in resp.headers["Content-Type"]
    assert "innerHTML" not in resp.text
    assert requests.get(url + "/static/../server.py", timeout=5).status_code == 404


def test_api_send_text_and_events(sim):
    url, state, _ = sim
    resp = requests.post(
        url + "/api/send", json={"openid": "o_w", "type": "text", "text": "你好"}, timeout=5
    )
    assert resp.status_code == 200
    assert resp.json()["reply"]["content"] == "echo: 你好"
    assert resp.json()["attempts"] == 1
    resp = requests.post(url + "/api/send", json={"openid": "o_w", "type": "unfollow"}, timeout=5)
    assert resp.json() == {"reply": None, "attempts": 1}
    payloads = [
        {"type": "click", "key": "K"},
        {"type": "view", "url": "https://e.com"},
        {"type": "location", "lat": "31.2", "lng": 121.4},
        {"type": "follow", "scene": "s"},
        {"type": "scan", "scene": "s"},
    ]
    for p in payloads:
        assert (
            requests.post(url + "/api/send", json={"openid": "o_w", **p}, timeout=5).status_code
            == 200
        )
    kinds = [type(r.message) for r in state.received]
    assert kinds == [
        messages.TextMessage,
        events.UnsubscribeEvent,
        events.ClickEvent,
        events.ViewEvent,
        messages.LocationMessage,
        events.SubscribeScanEvent,
        events.ScanEvent,
    ]


def test_api_send_errors(sim):
    url, state, _ = sim
    bad = [
        {"type": "text", "text": "no openid"},
        {"openid": "o_w", "type": "dance"},
        {"openid": "o_w", "type": "click"},
        {"openid": "o_w", "type": "location", "lat": "north", "lng": 1},
    ]
    for payload in bad:
        resp = requests.post(url + "/api/send", json=payload, timeout=5)
        assert resp.status_code == 400 and resp.json()["error"], payload
    resp = requests.post(url + "/api/send", data=b"{nope", timeout=5)
    assert resp.status_code == 400
    state.status = 403
    resp = requests.post(
        url + "/api/send", json={"openid": "o_w", "type": "text", "text": "x"}, timeout=5
    )
    assert resp.status_code == 502 and "403" in resp.json()["error"]


def test_api_image_uploads_then_sends(sim):
    url, state, emu = sim
    resp = requests.post(
        url + "/api/image?openid=o_w", data=PNG, headers={"Content-Type": "image/png"}, timeout=5
    )
    assert resp.status_code == 200
    assert resp.json()["reply"]["content"] == "got image"
    assert emu.media == [("image/png", PNG)]
    msg = state.received[0].message
    assert isinstance(msg, messages.ImageMessage) and msg.media_id == "media_1"


def test_api_messages_and_menu(sim):
    url, _, emu = sim
    emu.push_text("o_w", "报案已受理")
    emu.push(
        "o_w",
        {"touser": "o_w", "template_id": "T", "data": {"first": {"value": "通知"}}},
        kind="template",
    )
    resp = requests.get(url + "/api/messages", params={"openid": "o_w", "since_id": 0}, timeout=5)
    assert [m["text"] for m in resp.json()] == ["报案已受理", "模板消息 T"]
    resp = requests.get(url + "/api/messages", params={"openid": "o_w", "since_id": 1}, timeout=5)
    assert [m["id"] for m in resp.json()] == [2]
    assert requests.get(url + "/api/menu", timeout=5).json() is None
    emu.menu = {
        "button": [
            {"name": "报案", "type": "click", "key": "REPORT"},
            {
                "name": "更多",
                "sub_button": [{"name": "官网", "type": "view", "url": "https://e.com"}],
            },
        ]
    }
    assert requests.get(url + "/api/menu", timeout=5).json() == emu.menu
    assert requests.get(url + "/api/messages", timeout=5).status_code == 400


def test_api_images_sends_photos_picked_together(sim):
    url, state, emu = sim
    photos = [png(n) for n in range(1, 4)]
    files = [("image", (f"{n}.png", p, "image/png")) for n, p in enumerate(photos, 1)]
    resp = requests.post(
        url + "/api/images", params={"openid": "o_w"}, files=files, data={"x": "y"}, timeout=10
    )
    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    assert [r["media_id"] for r in results] == ["media_1", "media_2", "media_3"]
    assert [r["reply"]["content"] for r in results] == ["got image"] * 3
    assert emu.media == [("image/png", p) for p in photos]  # byte for byte, in order
    got = sorted((r.message for r in state.received), key=lambda m: m.id)
    assert [m.media_id for m in got] == ["media_1", "media_2", "media_3"]


def test_api_images_refuses_what_wechat_would_not_send(sim):
    url, state, emu = sim
    ten = [("image", (f"{n}.png", png(n), "image/png")) for n in range(10)]
    for kwargs in (
        {"files": ten},
        {"files": {"x": (None, "a plain field")}},
        {"data": PNG, "headers": {"Content-Type": "image/png"}},
        {"files": [("image", ("a.png", b"", "image/png"))]},
    ):
        resp = requests.post(url + "/api/images", params={"openid": "o_w"}, timeout=10, **kwargs)
        assert resp.status_code == 400 and resp.json()["error"], kwargs
    assert requests.post(url + "/api/images", files=ten[:1], timeout=10).status_code == 400
    assert emu.media == [] and state.received == []


def test_form_files_keeps_bytes_and_order():
    body = (
        b"preamble\r\n--XyZ\r\n"
        b'Content-Disposition: form-data; name="image"; filename="a.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\r\n--XyZZ\r\n\r\n--XyZ\r\n"
        b'Content-Disposition: form-data; name="note"\r\n\r\nhello\r\n--XyZ\r\n'
        b'Content-Disposition: form-data; name="image"; filename="b"\r\n\r\n\x00\r\n--XyZ--\r\n'
    )
    assert form_files(body, "multipart/form-data; boundary=XyZ") == [
        (b"\xff\xd8\r\n--XyZZ\r\n", "image/jpeg"),
        (b"\x00", ""),
    ]


def test_api_messages_draws_news_and_template_cards(sim):
    url, _, emu = sim
    article = {
        "title": "示例",
        "description": "车头",
        "url": "http://a/1.jpg",
        "picurl": "http://a/1.jpg",
    }
    emu.push("o_w", {"touser": "o_w", "msgtype": "news", "news": {"articles": [article]}})
    data = {
        "first": {"value": "您的理赔进度有更新"},
        "keyword1": {"value": "CLM1"},
        "keyword2": {"value": "已报案"},
        "remark": {"value": "下一步"},
    }
    template = {"touser": "o_w", "template_id": "TPL_CLAIM", "url": "http://a/c", "data": data}
    emu.push("o_w", template, kind="template")

    news, tpl = requests.get(url + "/api/messages", params={"openid": "o_w"}, timeout=5).json()
    assert news["articles"] == [
        {
            "title": "示例",
            "description": "车头",
            "pic_url": "http://a/1.jpg",
            "url": "http://a/1.jpg",
        }
    ]
    assert tpl["card"]["title"] == "模板消息 TPL_CLAIM"  # the emulator has no templates to say
    assert [r["label"] for r in tpl["card"]["rows"]] == ["keyword1", "keyword2"]

    emu.templates = [CLAIM_TEMPLATE]
    _, tpl = requests.get(url + "/api/messages", params={"openid": "o_w"}, timeout=5).json()
    assert tpl["card"] == {
        "title": "理赔进度通知",
        "rows": [
            {"key": "keyword1", "label": "报案号", "value": "CLM1"},
            {"key": "keyword2", "label": "理赔状态", "value": "已报案"},
            {"key": "keyword3", "label": "更新时间", "value": ""},
        ],
        "url": "http://a/c",
    }
    assert "您的理赔进度有更新" not in tpl["text"] and "下一步" not in tpl["text"]


# --------------------------------------------------------------------------
# Terminal chat
# --------------------------------------------------------------------------


def test_chat_repl(bot, emulator, tmp_path):
    bot_url, state = bot
    emu_url, emu = emulator
    emu.push_text("o_c", "old history, not shown")
    state.on_message = lambda msg: (
        emu.push_text("o_c", "欢迎关注") if isinstance(msg, events.SubscribeEvent) else None
    )
    image = tmp_path / "scratch.png"
    image.write_bytes(PNG)
    script = iter(
        [
            "/help",
            "你好",
            "/click REPORT",
            "/follow",
            "/image " + str(image),
            "/location 31.2 121.4",
            "/scan agent7",
            "/unfollow",
            "/bogus",
            "/click",
            "",
            "/quit",
            "never sent",
        ]
    )
    out: list[str] = []
    run_chat(
        make_client(bot_url, "safe"),
        emu_url,
        "o_c",
        input_fn=lambda prompt: next(script),
        output_fn=out.append,
        poll_interval_s=0.05,
    )
    assert "bot> echo: 你好" in out
    assert "bot> got event" in out
    assert "bot(推送)> 欢迎关注" in out
    assert not any("old history" in line for line in out)
    assert any("/location" in line for line in out)  # help text
    assert any("未知命令 /bogus" in line for line in out)
    assert any(line.startswith("错误：用法：/click") for line in out)
    assert "（无被动回复）" in out  # unfollow
    assert [type(r.message) for r in state.received] == [
        messages.TextMessage,
        events.ClickEvent,
        events.SubscribeEvent,
        messages.ImageMessage,
        messages.LocationMessage,
        events.ScanEvent,
        events.UnsubscribeEvent,
    ]
    assert emu.media[0][1] == PNG


def test_chat_repl_ends_on_eof_and_reports_errors(emulator):
    emu_url, _ = emulator
    client = make_client("http://127.0.0.1:9/wechat", "plain", timeout_s=0.2, tries=1)
    lines = iter(["hello"])

    def read(prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    out: list[str] = []
    run_chat(client, emu_url, "o_c", input_fn=read, output_fn=out.append, poll_interval_s=0.05)
    assert any(line.startswith("错误：webhook failed") for line in out)
    assert out[-1] == "再见。"


def test_chat_image_sends_several_paths_and_globs_at_once(bot, emulator, tmp_path):
    bot_url, state = bot
    emu_url, emu = emulator
    for n in range(1, 4):
        (tmp_path / f"p{n}.png").write_bytes(png(n))
    for n in range(10):
        (tmp_path / "many").mkdir(exist_ok=True)
        (tmp_path / "many" / f"{n}.png").write_bytes(png(n))
    script = iter(
        [
            f"/image {tmp_path / 'p2.png'} {tmp_path / 'p1.png'}",
            f"/image {tmp_path}/p*.png",
            f"/image {tmp_path}/none*.png",
            f"/image {tmp_path}/many/*.png",
            "/image",
            "/quit",
        ]
    )
    out: list[str] = []
    run_chat(
        make_client(bot_url, "safe"),
        emu_url,
        "o_c",
        input_fn=lambda prompt: next(script),
        output_fn=out.append,
        poll_interval_s=0.05,
    )
    assert out.count("（第 1 张）bot> got image") == 2
    assert out.count("（第 2 张）bot> got image") == 2
    assert out.count("（第 3 张）bot> got image") == 1
    assert any("没有与" in line and "none*.png" in line for line in out)
    assert any("最多发送 9 张" in line for line in out)
    assert any(line.startswith("错误：用法：/image") for line in out)
    # p2, p1 as given; then the glob sorted: p1, p2, p3 - five image messages in all
    assert [data for _, data in emu.media] == [png(2), png(1), png(1), png(2), png(3)]
    got = sorted((r.message for r in state.received), key=lambda m: m.id)
    assert [m.media_id for m in got] == [f"media_{n}" for n in range(1, 6)]


# --------------------------------------------------------------------------
# The page in Chromium, against the whole stack
# --------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"  # Debian's (`make browser`); Playwright's own download is not used
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from devstack.process import running_stack

    with running_stack(tmp_path_factory.mktemp("devstack-simulator")) as running:
        assert {"webhook", "wechat-emulator", "simulator"} <= running.urls.keys()
        yield running


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"the simulator's browser test needs {CHROMIUM}: run `make browser`")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _until(predicate: Callable[[], Any], timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


def _recorded(emulator_url: str, openid: str) -> list[dict[str, Any]]:
    resp = requests.get(emulator_url + "/_emulator/messages", params={"touser": openid}, timeout=5)
    return resp.json()


def _answered(page: Any, path: str, action: Callable[[], None]) -> Any:
    """Do `action` on the page and wait until the simulator answered its `path` request."""
    with page.expect_response(lambda r: urlsplit(r.url).path == path, timeout=60_000) as info:
        action()
    return info.value


@pytest.mark.devstack
def test_page_sends_photos_at_once_and_draws_news_and_template_cards(stack, chromium, tmp_path):
    from devstack.scenarios import ANSWERS, STORY, WHEN, WHERE, survey_set

    emulator = stack.urls["wechat-emulator"]
    _policy_no, plate, last6, _greeting = stack.logins[0]
    openid = f"o_sim_{uuid.uuid4().hex[:8]}"
    page = chromium.new_page(viewport={"width": 480, "height": 900})
    try:
        page.goto(stack.urls["simulator"] + "/")
        page.fill("#openid", openid)
        _answered(page, "/api/messages", lambda: page.press("#openid", "Enter"))
        _answered(page, "/api/send", lambda: page.click("#follow"))
        for said in ("自助查勘", plate, last6, *ANSWERS, WHEN, WHERE, STORY, "确认"):
            page.fill("#text", said)
            _answered(page, "/api/send", lambda: page.press("#text", "Enter"))

        # The first shot's instructions: a news card with its example picture, as WeChat draws it
        def shot_card() -> list[dict[str, Any]]:
            news = [m for m in _recorded(emulator, openid) if m.get("msgtype") == "news"]
            return [a for m in news for a in m["payload"]["news"]["articles"] if a.get("picurl")]

        (article,) = _until(shot_card)
        assert article["picurl"].endswith("/survey/examples/1.jpg")
        card = page.locator(".news", has=page.locator(f'img.pic[src="{article["picurl"]}"]'))
        card.wait_for(timeout=15_000)
        picture = card.locator("img.pic").element_handle()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture)
        assert card.get_attribute("href") == article["url"]
        assert article["title"] in card.inner_text()
        assert article["description"] in card.inner_text()

        # Five photos picked together: a bubble each, five image messages posted at once
        paths = []
        for n, photo in enumerate(survey_set(31), 1):
            paths.append(tmp_path / f"{n}.jpg")
            paths[-1].write_bytes(photo)
        response = _answered(page, "/api/images", lambda: page.set_input_files("#file", paths))
        results = response.json()["results"]
        assert len(results) == 5 and not [r for r in results if "error" in r], results
        assert len({r["media_id"] for r in results}) == 5
        assert page.locator(".row.user img.photo").count() == 5

        # The bot took them as five photos in the order picked (the VIN plate is the fifth)
        def all_received() -> list[str]:
            texts = [
                m["payload"]["text"]["content"]
                for m in _recorded(emulator, openid)
                if m.get("msgtype") == "text"
            ]
            return [t for t in texts if "全部收到" in t]

        claim_no = _until(all_received, timeout_s=90)[0].split("报案号：")[1].split("\n")[0]
        bubble_says = (
            "t => [...document.querySelectorAll('.bubble')].some(b => b.innerText.includes(t))"
        )
        page.wait_for_function(bubble_says, arg="全部收到", timeout=15_000)

        # The claim-progress notice: a category template's title and its labelled, typed fields
        def notices() -> list[dict[str, Any]]:
            return [m for m in _recorded(emulator, openid) if m["kind"] == "template"]

        data = _until(notices)[0]["data"]  # photos received (reported in the chat:
        assert data["character_string1"]["value"] == claim_no  # no notice for the report itself)
        assert "first" not in data and "remark" not in data
        notice = page.locator(".tpl").first
        notice.wait_for(timeout=15_000)
        assert notice.locator(".tpl-title").inner_text() == "理赔进度通知"
        assert notice.locator(".tpl-label").all_inner_texts() == [
            "报案号", "理赔状态", "更新时间", "下一步", "客服电话"]  # fmt: skip
        values = notice.locator(".tpl-value").all_inner_texts()
        assert values[:2] == [data["character_string1"]["value"], data["thing2"]["value"]]

    finally:
        print(page.inner_text("#chat"))  # shown by pytest when the test fails
        page.close()
