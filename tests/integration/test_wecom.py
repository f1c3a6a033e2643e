"""WeComApi against the WeCom emulator (token shared through DynamoDB), and the emulator's
staff replies reaching a stand-in for the app's callback, which WeComCallback accepts."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from chalicelib.staff.wecom import (
    BadMessage,
    Rejected,
    StaffMessage,
    WeComApi,
    WeComApiError,
    WeComCallback,
)
from chalicelib.store.models import TokenItem
from chalicelib.store.tokens import SharedToken
from devstack import wecom_defaults as d
from devstack.wecom_emulator import CallbackError, WeComEmulator

pytestmark = pytest.mark.integration

STAFF = "oncall-li"


@pytest.fixture(scope="module")
def wecom() -> Iterator[WeComEmulator]:
    emu = WeComEmulator().start()
    yield emu
    emu.stop()


@pytest.fixture(autouse=True)
def _clean_wecom(wecom):
    yield
    wecom.clear_faults()


@pytest.fixture
def token_name(container) -> str:
    """A fresh shared-token item (the container binds the tables to moto)."""
    return f"wecom:test:{uuid.uuid4().hex[:8]}"


def make_api(
    wecom: WeComEmulator,
    token_name: str,
    corp_secret: str = d.WECOM_CORP_SECRET,
    agent_id: int = d.WECOM_AGENT_ID,
    **kwargs: Any,
) -> WeComApi:
    """As the container would build it: a SharedToken whose fetch is the api's."""
    tokens = SharedToken(token_name, lambda force: api.fetch_token(force), can_force=False)
    api = WeComApi(d.WECOM_CORP_ID, corp_secret, agent_id, wecom.url, tokens, **kwargs)
    return api


def gettoken_calls(wecom: WeComEmulator) -> int:
    return len(wecom.calls("gettoken"))


# ----------------------------------------------------------------- WeComApi


def test_send_text_records_an_application_message(wecom, token_name):
    before = wecom.messages(STAFF)[-1]["id"] if wecom.messages(STAFF) else 0
    make_api(wecom, token_name).send_text(STAFF, "客户 王** 报案：粤B·***45，等待回复")
    (sent,) = wecom.messages(STAFF, since_id=before)
    assert sent["content"] == "客户 王** 报案：粤B·***45，等待回复"
    assert sent["payload"] == {
        "touser": STAFF,
        "msgtype": "text",
        "agentid": d.WECOM_AGENT_ID,
        "text": {"content": "客户 王** 报案：粤B·***45，等待回复"},
    }


def test_instances_share_one_token(wecom, token_name):
    start = gettoken_calls(wecom)
    first, second = make_api(wecom, token_name), make_api(wecom, token_name)
    for api in (first, second, first, second):
        api.send_text(STAFF, "共享令牌")
    assert gettoken_calls(wecom) - start == 1
    assert TokenItem.get(token_name).token == wecom.token_stats()["current"]


def test_rejected_token_is_refreshed_once_and_the_send_retried(wecom, token_name):
    api = make_api(wecom, token_name)
    api.send_text(STAFF, "预热")
    start, sends = gettoken_calls(wecom), len(wecom.messages(STAFF))
    wecom.add_fault("message/send", errcode=42001)
    api.send_text(STAFF, "令牌过期后重试")
    assert gettoken_calls(wecom) - start == 1
    assert len(wecom.messages(STAFF)) - sends == 1
    assert [c["errcode"] for c in wecom.calls("message/send")[-2:]] == [42001, 0]


def test_expired_token_gets_a_new_one(wecom, token_name):
    api = make_api(wecom, token_name)
    api.send_text(STAFF, "预热")
    old = TokenItem.get(token_name).token
    wecom.expire_tokens()
    api.send_text(STAFF, "新令牌")
    new = TokenItem.get(token_name).token
    assert new != old and new == wecom.token_stats()["current"]


def test_a_second_token_error_is_raised(wecom, token_name):
    api = make_api(wecom, token_name)
    wecom.add_fault("message/send", errcode=40014, times=2)
    with pytest.raises(WeComApiError) as info:
        api.send_text(STAFF, "不会送达")
    assert info.value.errcode == 40014 and not info.value.transient


def test_unknown_user_is_81013(wecom, token_name):
    with pytest.raises(WeComApiError) as info:
        make_api(wecom, token_name).send_text("nobody-here", "你好")
    assert info.value.errcode == 81013
    assert wecom.messages("nobody-here") == []


def test_added_user_can_receive(wecom, token_name):
    res = requests.post(f"{wecom.url}/_emulator/users", json={"userid": "new-hire"}, timeout=5)
    assert res.status_code == 200 and "new-hire" in res.json()["users"]
    make_api(wecom, token_name).send_text("new-hire", "欢迎值班")
    assert wecom.texts("new-hire") == ["欢迎值班"]
    assert requests.delete(f"{wecom.url}/_emulator/users/new-hire", timeout=5).status_code == 200
    with pytest.raises(WeComApiError, match="81013"):
        make_api(wecom, token_name).send_text("new-hire", "已离职")


@pytest.mark.parametrize(
    ("fault", "errcode", "transient"),
    [
        ({"errcode": 45009}, 45009, False),
        ({"errcode": -1}, -1, True),
        ({"status": 502}, None, True),
    ],
    ids=["freq-limit", "system-busy", "http-502"],
)
def test_faults_raise(wecom, token_name, fault, errcode, transient):
    api = make_api(wecom, token_name)
    api.send_text(STAFF, "预热")
    sends = len(wecom.messages(STAFF))
    res = requests.post(
        f"{wecom.url}/_emulator/faults", json={"path": "message/send", **fault}, timeout=5
    )
    assert res.status_code == 200
    with pytest.raises(WeComApiError) as info:
        api.send_text(STAFF, "失败")
    assert (info.value.errcode, info.value.transient) == (errcode, transient)
    assert len(wecom.messages(STAFF)) == sends
    api.send_text(STAFF, "恢复")  # the fault was for one call only


def test_a_stalled_call_times_out(wecom, token_name):
    api = make_api(wecom, token_name, timeout_s=0.3)
    api.send_text(STAFF, "预热")
    wecom.add_fault("message/send", delay_s=1.0)
    with pytest.raises(WeComApiError) as info:
        api.send_text(STAFF, "超时")
    assert info.value.errcode is None and info.value.transient


def test_network_error_raises():
    api = WeComApi(d.WECOM_CORP_ID, d.WECOM_CORP_SECRET, d.WECOM_AGENT_ID, "http://127.0.0.1:9")
    with pytest.raises(WeComApiError) as info:
        api.send_text(STAFF, "无网络")
    assert info.value.errcode is None


def test_wrong_secret_fails_the_token_fetch(wecom, token_name):
    api = make_api(wecom, token_name, corp_secret="not-the-secret")
    with pytest.raises(WeComApiError) as info:
        api.send_text(STAFF, "你好")
    assert info.value.errcode == 40001
    # The lease was released: a correct client gets a token at once.
    make_api(wecom, token_name).send_text(STAFF, "你好")


def test_unconfigured_api_fails_without_calling_out(wecom):
    calls = len(wecom.calls())
    with pytest.raises(WeComApiError) as info:
        WeComApi("", "", "", wecom.url).send_text(STAFF, "你好")
    assert info.value.errcode == 41002 and not info.value.transient
    assert len(wecom.calls()) == calls


def test_tokens_can_be_set_after_construction(wecom, token_name):
    api = WeComApi(d.WECOM_CORP_ID, d.WECOM_CORP_SECRET, d.WECOM_AGENT_ID, wecom.url)
    api.tokens = SharedToken(token_name, api.fetch_token, can_force=False)
    api.send_text(STAFF, "容器的写法")
    assert TokenItem.get(token_name).token == wecom.token_stats()["current"]


def test_wrong_agent_is_40056(wecom, token_name):
    with pytest.raises(WeComApiError) as info:
        make_api(wecom, token_name, agent_id=1000099).send_text(STAFF, "你好")
    assert info.value.errcode == 40056


def test_long_text_is_cut_like_wecom(wecom, token_name):
    make_api(wecom, token_name).send_text(STAFF, "长" * 1000)  # 3000 bytes
    last = wecom.messages(STAFF)[-1]
    assert last["truncated"] and last["content"] == "长" * 682


def test_without_shared_tokens_a_memory_token_is_used(wecom):
    api = WeComApi(d.WECOM_CORP_ID, d.WECOM_CORP_SECRET, d.WECOM_AGENT_ID, wecom.url)
    wecom.add_fault("message/send", errcode=42001)
    api.send_text(STAFF, "无共享令牌")
    assert wecom.texts(STAFF)[-1] == "无共享令牌"


def test_control_api_lists_messages_by_user(wecom, token_name):
    make_api(wecom, token_name).send_text("oncall-wang", "王工请查看")
    res = requests.get(f"{wecom.url}/_emulator/messages", params={"touser": "oncall-wang"})
    assert [m["content"] for m in res.json()][-1] == "王工请查看"
    assert all(m["touser"] == "oncall-wang" for m in res.json())


# ------------------------------------------------------- replies to the callback


@dataclass
class StandIn:
    """The app's callback: verifies and decodes with WeComCallback, records what it got."""

    decoder: WeComCallback
    received: list[StaffMessage] = field(default_factory=list)
    on_message: Callable[[StaffMessage], None] | None = None
    url: str = ""


@pytest.fixture
def app_callback(wecom) -> Iterator[StandIn]:
    stand_in = StandIn(
        WeComCallback(d.WECOM_CALLBACK_TOKEN, d.WECOM_CALLBACK_AES_KEY, d.WECOM_CORP_ID)
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            try:
                self._answer(200, stand_in.decoder.verify_url(self._query()))
            except Rejected as exc:
                self._answer(exc.status, exc.reason)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                msg = stand_in.decoder.decode(self._query(), body)
            except Rejected as exc:
                return self._answer(exc.status, exc.reason)
            except BadMessage as exc:
                return self._answer(400, str(exc))
            stand_in.received.append(msg)
            if stand_in.on_message:
                stand_in.on_message(msg)
            self._answer(200, "")

        def _query(self) -> dict[str, str]:
            return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}

        def _answer(self, status: int, text: str) -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    stand_in.url = f"http://127.0.0.1:{server.server_address[1]}/wecom"
    wecom.set_callback_url(stand_in.url)
    yield stand_in
    wecom.set_callback_url(None)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_reply_reaches_the_callback_and_decodes(wecom, app_callback):
    result = wecom.reply(STAFF, "已致电客户，拖车 20 分钟到 ]]> <ok> & 完")
    assert (result["status"], result["body"]) == (200, "")
    (msg,) = app_callback.received
    assert msg.userid == STAFF
    assert msg.text == "已致电客户，拖车 20 分钟到 ]]> <ok> & 完"
    assert (msg.kind, msg.agent_id, msg.msg_id) == ("text", d.WECOM_AGENT_ID, result["msg_id"])
    assert wecom.replies()[-1]["status"] == 200


def test_reply_through_the_control_api(wecom, app_callback):
    res = requests.post(
        f"{wecom.url}/_emulator/reply", json={"userid": "oncall-wang", "text": "收到"}, timeout=10
    )
    assert res.status_code == 200
    assert res.json()["status"] == 200
    assert [(m.userid, m.text) for m in app_callback.received] == [("oncall-wang", "收到")]


def test_retried_reply_keeps_its_msg_id(wecom, app_callback):
    first = wecom.reply(STAFF, "同一条")
    wecom.reply(STAFF, "同一条", msg_id=first["msg_id"])
    assert [m.dedupe_key for m in app_callback.received] == [f"w:{STAFF}:{first['msg_id']}"] * 2


def test_callback_may_call_the_emulator_while_it_answers(wecom, app_callback, token_name):
    """The relay's round trip: the app sends an app message while handling the reply."""
    api = make_api(wecom, token_name)
    app_callback.on_message = lambda msg: api.send_text(msg.userid, f"已转给客户：{msg.text}")
    assert wecom.reply(STAFF, "请稍候")["status"] == 200
    assert wecom.texts(STAFF)[-1] == "已转给客户：请稍候"


def test_url_verification_through_the_emulator(wecom, app_callback):
    result = wecom.verify_callback()
    assert result["ok"] and result["status"] == 200
    res = requests.post(f"{wecom.url}/_emulator/verify_callback", timeout=10)
    assert res.json()["ok"] is True


def test_event_reaches_the_callback(wecom, app_callback):
    assert wecom.event(STAFF)["status"] == 200
    (msg,) = app_callback.received
    assert (msg.kind, msg.event, msg.text) == ("event", "enter_agent", "")


def test_app_with_another_token_refuses_the_reply(wecom, app_callback):
    app_callback.decoder = WeComCallback("another-token", d.WECOM_CALLBACK_AES_KEY, d.WECOM_CORP_ID)
    result = wecom.reply(STAFF, "签名不对")
    assert result["status"] == 403 and "msg_signature" in result["body"]
    assert app_callback.received == []
    assert wecom.verify_callback()["ok"] is False


def test_reply_needs_a_directory_member_and_text(wecom, app_callback):
    with pytest.raises(ValueError, match="directory"):
        wecom.reply("stranger", "你好")
    with pytest.raises(ValueError, match="text"):
        wecom.reply(STAFF, "")
    res = requests.post(
        f"{wecom.url}/_emulator/reply", json={"userid": "stranger", "text": "x"}, timeout=10
    )
    assert res.status_code == 400 and res.json()["errcode"] == 60111
    assert app_callback.received == []


def test_reply_without_a_callback_url(wecom):
    wecom.set_callback_url(None)
    with pytest.raises(CallbackError):
        wecom.reply(STAFF, "没人接")
    res = requests.post(
        f"{wecom.url}/_emulator/reply", json={"userid": STAFF, "text": "x"}, timeout=10
    )
    assert res.status_code == 502


def test_callback_url_set_through_the_control_api(wecom, app_callback):
    wecom.set_callback_url(None)
    res = requests.post(f"{wecom.url}/_emulator/callback", json={"url": app_callback.url})
    assert res.json()["url"] == app_callback.url
    assert wecom.reply(STAFF, "通过控制接口")["status"] == 200
