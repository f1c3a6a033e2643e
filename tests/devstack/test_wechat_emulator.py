"""Tests for the local WeChat API emulator (devstack/wechat_emulator.py)."""

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from devstack import defaults
from devstack.wechat_emulator import WeChatEmulator

APP_ID = "wx_test_app"
APP_SECRET = "test-secret"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) + b"\r\n--not-a-boundary\r\n"
REPO_ROOT = Path(__file__).resolve().parents[2]
REAL_HOST = "https://api.weixin.qq.com"


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def _not_claimbots_words(monkeypatch):
    """These tests send the emulator words of their own ("hi bob"): they are not what claimbot
    showed customers, which tests/test_customer_words.py checks."""
    from devstack import transcript

    monkeypatch.delenv(transcript.ENV, raising=False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emu(clock: FakeClock):
    emulator = WeChatEmulator(APP_ID, APP_SECRET, port=0, clock=clock).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


def fetch_token(emu: WeChatEmulator, http: requests.Session, **overrides: str) -> dict[str, Any]:
    params = {"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET}
    params.update(overrides)
    return http.get(f"{emu.url}/cgi-bin/token", params=params, timeout=5).json()


def stable_token(
    emu: WeChatEmulator, http: requests.Session, force: bool = False, secret: str = APP_SECRET
) -> dict[str, Any]:
    body = {
        "grant_type": "client_credential",
        "appid": APP_ID,
        "secret": secret,
        "force_refresh": force,
    }
    return http.post(f"{emu.url}/cgi-bin/stable_token", json=body, timeout=5).json()


def api(
    emu: WeChatEmulator,
    http: requests.Session,
    method: str,
    path: str,
    token: str,
    body: Any = None,
    **kwargs: Any,
) -> requests.Response:
    """Call like wechatpy: token in the query, JSON as UTF-8 with ensure_ascii=False."""
    params = {"access_token": token, **kwargs.pop("params", {})}
    if body is not None:
        kwargs["data"] = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return http.request(method, f"{emu.url}/cgi-bin/{path}", params=params, timeout=5, **kwargs)


def user_info(emu: WeChatEmulator, http: requests.Session, token: str) -> dict[str, Any]:
    return api(emu, http, "GET", "user/info", token, params={"openid": "o1"}).json()


def send_text(
    emu: WeChatEmulator, http: requests.Session, token: str, touser: str, text: str
) -> dict[str, Any]:
    body = {"touser": touser, "msgtype": "text", "text": {"content": text}}
    return api(emu, http, "POST", "message/custom/send", token, body).json()


@pytest.fixture
def token(emu: WeChatEmulator, http: requests.Session) -> str:
    return fetch_token(emu, http)["access_token"]


# ------------------------------------------------------------------- tokens


def test_token_issue_and_bad_credentials(emu, http):
    first = fetch_token(emu, http)
    assert first["expires_in"] == 7200 and first["access_token"]
    assert fetch_token(emu, http)["access_token"] != first["access_token"]
    bad_appid = {"errcode": 40013, "errmsg": "invalid appid"}
    assert fetch_token(emu, http, appid="wx_other") == bad_appid
    bad_secret = {"errcode": 40125, "errmsg": "invalid appsecret"}
    assert fetch_token(emu, http, secret="nope") == bad_secret
    assert fetch_token(emu, http, grant_type="x")["errcode"] == 40002


def test_previous_token_stays_valid_five_minutes(emu, http, clock):
    t1 = fetch_token(emu, http)["access_token"]
    t2 = fetch_token(emu, http)["access_token"]
    clock.advance(299)
    assert user_info(emu, http, t1)["openid"] == "o1"
    clock.advance(2)
    assert user_info(emu, http, t1) == {"errcode": 40001, "errmsg": "invalid credential"}
    assert user_info(emu, http, t2)["subscribe"] == 1


def test_only_the_previous_token_overlaps(emu, http):
    t1, t2, t3 = (fetch_token(emu, http)["access_token"] for _ in range(3))
    assert user_info(emu, http, t1)["errcode"] == 40001
    assert "errcode" not in user_info(emu, http, t2)
    assert "errcode" not in user_info(emu, http, t3)


def test_invalid_missing_and_expired_tokens(emu, http, clock, token):
    assert user_info(emu, http, "never-issued")["errcode"] == 40001
    assert http.get(f"{emu.url}/cgi-bin/user/info", timeout=5).json()["errcode"] == 41001
    clock.advance(7200)
    assert user_info(emu, http, token) == {"errcode": 42001, "errmsg": "access_token expired"}


def test_expire_tokens_in_process_and_over_http(emu, http, token):
    assert emu.expire_tokens() == 1
    assert user_info(emu, http, token)["errcode"] == 42001
    fresh = fetch_token(emu, http)["access_token"]
    reply = http.post(f"{emu.url}/_emulator/expire_tokens", timeout=5).json()
    assert reply["errcode"] == 0 and reply["expired"] == 2
    assert user_info(emu, http, fresh)["errcode"] == 42001


def test_stable_token_is_stable_until_force_refresh(emu, http, clock):
    first = stable_token(emu, http)
    clock.advance(100)
    again = stable_token(emu, http)
    assert again["access_token"] == first["access_token"]
    assert again["expires_in"] == 7100
    refreshed = stable_token(emu, http, force=True)
    assert refreshed["access_token"] != first["access_token"]
    assert refreshed["expires_in"] == 7200
    assert stable_token(emu, http)["access_token"] == refreshed["access_token"]
    assert emu.force_refresh_count == 1
    stats = http.get(f"{emu.url}/_emulator/tokens", timeout=5).json()
    assert stats["force_refreshes"] == 1 and stats["stable"] == refreshed["access_token"]
    clock.advance(301)
    assert user_info(emu, http, first["access_token"])["errcode"] == 40001
    assert "errcode" not in user_info(emu, http, refreshed["access_token"])


def test_stable_token_reissued_after_expiry_and_checks_secret(emu, http, clock):
    first = stable_token(emu, http)["access_token"]
    clock.advance(7200)
    assert stable_token(emu, http)["access_token"] != first
    assert emu.force_refresh_count == 0
    assert stable_token(emu, http, secret="bad")["errcode"] == 40125


def test_forced_refreshes_are_30_s_apart_and_20_a_day(emu, http, clock):
    """What force-on-every-40001 (claimbot's old token handling) runs into."""
    assert "access_token" in stable_token(emu, http, force=True)
    clock.advance(10)
    assert stable_token(emu, http, force=True)["errcode"] == 45011  # under 30 s since the last
    assert "access_token" in stable_token(emu, http)  # normal mode is not limited so
    clock.advance(20)
    for _ in range(19):
        assert "access_token" in stable_token(emu, http, force=True)
        clock.advance(31)
    assert stable_token(emu, http, force=True)["errcode"] == 45009  # the 21st of the day
    assert emu.force_refresh_count == 20
    clock.advance(86400)
    assert "access_token" in stable_token(emu, http, force=True)  # a new day


def test_token_calls_from_outside_the_ip_whitelist_get_40164(emu, http):
    emu.set_ip_whitelist(["203.0.113.7"])  # the NAT gateway's address, not this caller's
    assert stable_token(emu, http)["errcode"] == 40164
    assert fetch_token(emu, http)["errcode"] == 40164
    http.post(f"{emu.url}/_emulator/ip_whitelist", json={"ips": ["127.0.0.1"]}, timeout=5)
    assert "access_token" in stable_token(emu, http)
    http.post(f"{emu.url}/_emulator/ip_whitelist", json={"ips": None}, timeout=5)
    assert "access_token" in fetch_token(emu, http)


# ----------------------------------------------------------------- messages


def test_custom_send_recorded_and_listed(emu, http, token, clock):
    assert send_text(emu, http, token, "alice", "你好") == {"errcode": 0, "errmsg": "ok"}
    send_text(emu, http, token, "bob", "hi bob")
    send_text(emu, http, token, "alice", "second")
    alice = emu.messages("alice")
    assert [m["payload"]["text"]["content"] for m in alice] == ["你好", "second"]
    first = alice[0]
    assert first["kind"] == "custom" and first["msgtype"] == "text" and first["at"] == clock.now
    listed = http.get(f"{emu.url}/_emulator/messages", params={"touser": "alice"}, timeout=5).json()
    assert listed == alice
    newer = http.get(
        f"{emu.url}/_emulator/messages", params={"since_id": first["id"]}, timeout=5
    ).json()
    assert [m["touser"] for m in newer] == ["bob", "alice"]
    assert http.delete(f"{emu.url}/_emulator/messages", timeout=5).json()["errcode"] == 0
    assert emu.messages() == []


def test_custom_send_validation(emu, http, token):
    assert (
        api(emu, http, "POST", "message/custom/send", token, {"msgtype": "text"}).json()["errcode"]
        == 40003
    )
    assert (
        api(
            emu, http, "POST", "message/custom/send", token, {"touser": "a", "msgtype": "bogus"}
        ).json()["errcode"]
        == 40008
    )
    assert api(emu, http, "GET", "message/custom/send", token).json()["errcode"] == 43002
    assert emu.messages() == []


CLAIM_TEMPLATE = defaults.CLAIM_STATUS_TEMPLATE
NOTICE = {
    "character_string1": {"value": "RSVY202611220930001234"},
    "thing2": {"value": "审核通过（1.2万元）"},
    "time3": {"value": "2026年12月06日 10:30"},
    "thing4": {"value": "请送修，修好后支付赔款"},
    "phone_number5": {"value": "95500"},
}


def test_template_send_shows_the_typed_fields_only(emu, http, token):
    body = {
        "touser": "alice",
        "template_id": CLAIM_TEMPLATE,
        "url": "https://example.com/c/1",
        "data": {"first": {"value": "理赔进度"}, **NOTICE, "remark": {"value": "下一步"}},
    }
    reply = api(emu, http, "POST", "message/template/send", token, body).json()
    assert reply["errcode"] == 0 and reply["errmsg"] == "ok" and isinstance(reply["msgid"], int)
    [record] = emu.messages(kind="template")
    assert record["touser"] == "alice" and record["template_id"] == CLAIM_TEMPLATE
    assert record["data"] == NOTICE  # first and remark are not shown any more
    assert record["url"] == body["url"]
    assert record["msgid"] == reply["msgid"] and record["payload"] == body
    bad = api(emu, http, "POST", "message/template/send", token, {"touser": "alice"}).json()
    assert bad["errcode"] == 40037


def test_the_old_template_payload_is_refused(emu, http, token):
    """What the notifier sent before category templates: first / keyword1-3 / remark."""
    old = {"first": {"value": "您的理赔进度有更新"}, "keyword1": {"value": "RSVY1"},
           "keyword2": {"value": "已报案"}, "keyword3": {"value": "11-22 09:30"},
           "remark": {"value": "下一步：请保持电话畅通\n回复“理赔进度”可查看详情。"}}  # fmt: skip
    body = {"touser": "alice", "template_id": CLAIM_TEMPLATE, "data": old}
    reply = api(emu, http, "POST", "message/template/send", token, body).json()
    assert reply["errcode"] == 47003 and "character_string1" in reply["errmsg"]
    history = {"touser": "alice", "template_id": "TM00001", "data": NOTICE}
    refused = api(emu, http, "POST", "message/template/send", token, history).json()
    assert refused["errcode"] == 40037  # a history template is not on the account
    assert emu.messages(kind="template") == []


@pytest.mark.parametrize(
    "key, value",
    [
        ("thing2", "一二三四五六七八九十一二三四五六七八九十一"),  # 21 characters
        ("thing4", "请送修\n修好后支付"),  # a newline
        ("thing4", "请送修😀"),  # an emoji
        ("character_string1", "报案RSVY1"),  # Chinese in a character_string
        ("time3", "昨天上午"),
        ("phone_number5", "客服95500"),
        ("thing2", ""),
    ],
)
def test_each_field_is_checked_against_its_type(emu, http, token, key, value):
    data = {**NOTICE, key: {"value": value}}
    body = {"touser": "alice", "template_id": CLAIM_TEMPLATE, "data": data}
    reply = api(emu, http, "POST", "message/template/send", token, body).json()
    assert reply["errcode"] == 47003 and f"data.{key}.value invalid" in reply["errmsg"]


def test_only_category_templates_can_be_added(emu, http, token):
    history = {"template_id_short": "TM00015"}
    assert api(emu, http, "POST", "template/api_add_template", token, history).json()[
        "errcode"] == 40247  # fmt: skip
    category = {"template_id_short": "claim-progress", "keyword_name_list": ["报案号", "理赔状态"]}
    added = api(emu, http, "POST", "template/api_add_template", token, category).json()
    assert added["errcode"] == 0
    assert added["template_id"] in [t["template_id"] for t in emu.templates()]


# --------------------------------------------------------------------- menu


def button(name: str, key: str = "K") -> dict[str, str]:
    return {"type": "click", "name": name, "key": key}


def test_menu_create_get_delete(emu, http, token):
    assert api(emu, http, "GET", "menu/get", token).json()["errcode"] == 46003
    menu = {
        "button": [
            button("报案"),
            {
                "name": "更多",
                "sub_button": [
                    {"type": "view", "name": "官网", "url": "https://example.com"},
                    button("帮助"),
                ],
            },
        ]
    }
    assert api(emu, http, "POST", "menu/create", token, menu).json()["errcode"] == 0
    assert api(emu, http, "GET", "menu/get", token).json() == {"menu": menu}
    assert http.get(f"{emu.url}/_emulator/menu", timeout=5).json() == menu
    assert api(emu, http, "POST", "menu/delete", token).json()["errcode"] == 0
    assert emu.menu() is None
    assert http.get(f"{emu.url}/_emulator/menu", timeout=5).json() is None


@pytest.mark.parametrize(
    ("menu", "errcode"),
    [
        ({"button": [button(str(i)) for i in range(4)]}, 40016),
        ({"button": []}, 40016),
        ({"nobutton": 1}, 40016),
        ({"button": [{"name": "x", "sub_button": [button(str(i)) for i in range(6)]}]}, 40023),
        ({"button": [{"type": "teleport", "name": "x"}]}, 40017),
        ({"button": [{"type": "click", "name": "x"}]}, 40019),
        ({"button": [{"type": "view", "name": "x"}]}, 40055),
        ({"button": [{"type": "click", "key": "k"}]}, 40018),
    ],
)
def test_menu_validation(emu, http, token, menu, errcode):
    reply = api(emu, http, "POST", "menu/create", token, menu).json()
    assert reply["errcode"] == errcode and reply["errmsg"]
    assert emu.menu() is None


# -------------------------------------------------------------------- media


def test_media_upload_get_and_expiry(emu, http, token, clock):
    files = {"media": ("claim.png", PNG)}
    reply = api(
        emu, http, "POST", "media/upload", token, params={"type": "image"}, files=files
    ).json()
    assert reply["type"] == "image" and reply["created_at"] == int(clock.now)
    got = api(emu, http, "GET", "media/get", token, params={"media_id": reply["media_id"]})
    assert got.content == PNG and got.headers["Content-Type"] == "image/png"
    unknown = api(emu, http, "GET", "media/get", token, params={"media_id": "nope"}).json()
    assert unknown == {"errcode": 40007, "errmsg": "invalid media_id"}
    clock.advance(3 * 24 * 3600 + 1)
    token = fetch_token(emu, http)["access_token"]
    expired = api(emu, http, "GET", "media/get", token, params={"media_id": reply["media_id"]})
    assert expired.json()["errcode"] == 40007


def test_media_upload_rejects_bad_type_and_missing_field(emu, http, token):
    bad_type = api(
        emu,
        http,
        "POST",
        "media/upload",
        token,
        params={"type": "gif"},
        files={"media": ("a.png", PNG)},
    )
    assert bad_type.json()["errcode"] == 40004
    missing = api(
        emu,
        http,
        "POST",
        "media/upload",
        token,
        params={"type": "image"},
        files={"other": ("a.png", PNG)},
    )
    assert missing.json()["errcode"] == 41005


@pytest.mark.parametrize("mode", ["raw", "multipart"])
def test_emulator_media_round_trip(emu, http, token, mode):
    if mode == "raw":
        reply = http.post(
            f"{emu.url}/_emulator/media", data=PNG, headers={"Content-Type": "image/png"}, timeout=5
        ).json()
    else:
        reply = http.post(
            f"{emu.url}/_emulator/media", files={"media": ("u.png", PNG)}, timeout=5
        ).json()
    assert reply["pic_url"] == f"{emu.url}/_emulator/media/{reply['media_id']}"
    served = http.get(reply["pic_url"], timeout=5)
    assert served.content == PNG and served.headers["Content-Type"] == "image/png"
    via_api = api(emu, http, "GET", "media/get", token, params={"media_id": reply["media_id"]})
    assert via_api.content == PNG


def test_emulator_media_rejects_non_image(emu, http):
    reply = http.post(
        f"{emu.url}/_emulator/media",
        data=b"hello",
        headers={"Content-Type": "text/plain"},
        timeout=5,
    )
    assert reply.status_code == 400 and reply.json()["errcode"] == 41005
    assert http.get(f"{emu.url}/_emulator/media/nope", timeout=5).status_code == 404


# ------------------------------------------------------------------- faults


def add_fault(emu: WeChatEmulator, http: requests.Session, **spec: Any) -> dict[str, Any]:
    return http.post(f"{emu.url}/_emulator/faults", json=spec, timeout=5).json()


def test_errcode_fault_fails_once_and_is_not_recorded(emu, http, token):
    assert add_fault(emu, http, path="message/custom/send", errcode=45015, times=1)["errcode"] == 0
    assert send_text(emu, http, token, "alice", "lost") == {
        "errcode": 45015,
        "errmsg": "response out of time limit or subscription is canceled",
    }
    assert send_text(emu, http, token, "alice", "delivered")["errcode"] == 0
    assert [m["payload"]["text"]["content"] for m in emu.messages()] == ["delivered"]


@pytest.mark.parametrize(
    ("errcode", "errmsg"),
    [
        (45047, "out of response count limit"),
        (43004, "require subscribe"),
        (40001, "invalid credential"),
        (42001, "access_token expired"),
    ],
)
def test_errcode_fault_messages(emu, http, token, errcode, errmsg):
    emu.add_fault("/cgi-bin/message/custom/send", errcode=errcode)
    assert send_text(emu, http, token, "alice", "x") == {"errcode": errcode, "errmsg": errmsg}


def test_status_fault(emu, http, token):
    add_fault(emu, http, path="message/custom/send", status=500, times=2)
    for _ in range(2):
        reply = api(
            emu,
            http,
            "POST",
            "message/custom/send",
            token,
            {"touser": "a", "msgtype": "text", "text": {"content": "x"}},
        )
        assert reply.status_code == 500 and reply.text
    assert send_text(emu, http, token, "a", "ok")["errcode"] == 0
    assert len(emu.messages()) == 1


def test_delay_fault_then_normal_answer(emu, http, token):
    add_fault(emu, http, path="message/custom/send", delay_s=0.2)
    started = time.monotonic()
    assert send_text(emu, http, token, "a", "slow")["errcode"] == 0
    assert time.monotonic() - started >= 0.2
    assert len(emu.messages()) == 1
    started = time.monotonic()
    send_text(emu, http, token, "a", "fast")
    assert time.monotonic() - started < 0.2


def test_fault_listing_clearing_and_validation(emu, http):
    add_fault(emu, http, path="token", errcode=-1, times=3)
    assert http.get(f"{emu.url}/_emulator/faults", timeout=5).json()[0]["times"] == 3
    assert http.delete(f"{emu.url}/_emulator/faults", timeout=5).json()["errcode"] == 0
    assert emu.faults() == []
    assert "access_token" in fetch_token(emu, http)
    bad = http.post(f"{emu.url}/_emulator/faults", json={"path": "token"}, timeout=5)
    assert bad.status_code == 400 and bad.json()["errcode"] == 47001
    bad = http.post(f"{emu.url}/_emulator/faults", json={"path": "x", "status": 200}, timeout=5)
    assert bad.status_code == 400
    with pytest.raises(ValueError):
        emu.add_fault("x", times=0, errcode=1)


# ------------------------------------------------------------ calls, garbage


def test_calls_log(emu, http, token):
    send_text(emu, http, token, "a", "x")
    user_info(emu, http, "bogus")
    calls = http.get(f"{emu.url}/_emulator/calls", timeout=5).json()
    assert [(c["path"], c["ok"]) for c in calls] == [
        ("token", True),
        ("message/custom/send", True),
        ("user/info", False),
    ]
    assert all(isinstance(c["at"], float) for c in calls)
    assert len(emu.calls("token")) == 1
    assert http.get(
        f"{emu.url}/_emulator/calls", params={"path": "token"}, timeout=5
    ).json() == emu.calls("token")


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe\x00", b"[" * 100_000])
def test_garbage_json(emu, http, token, body):
    reply = http.post(
        f"{emu.url}/cgi-bin/message/custom/send",
        params={"access_token": token},
        data=body,
        timeout=5,
    )
    assert reply.status_code == 200
    assert reply.json() == {"errcode": 47001, "errmsg": "data format error"}


def test_garbage_input_does_not_kill_server(emu, http, token):
    host, port = "127.0.0.1", emu.port
    junks = (
        b"\x00\x01garbage\r\n\r\n",
        b"POST /cgi-bin/token HTTP/1.1\r\nContent-Length: zz\r\n\r\n",
    )
    for junk in junks:
        with socket.create_connection((host, port), timeout=5) as sock:
            sock.sendall(junk)
            sock.recv(4096)
    unknown = api(emu, http, "GET", "does/not/exist", token)
    assert unknown.status_code == 200
    assert unknown.json() == {"errcode": -1, "errmsg": "emulator: not implemented"}
    assert http.get(f"{emu.url}/_emulator/nothing", timeout=5).status_code == 404
    assert (
        http.get(f"{emu.url}/_emulator/messages", params={"since_id": "x"}, timeout=5).status_code
        == 400
    )
    assert http.get(f"{emu.url}/_emulator/health", timeout=5).json() == {"ok": True}


def test_reset_clears_everything(emu, http, token):
    send_text(emu, http, token, "a", "x")
    emu.add_fault("menu/get", errcode=-1)
    assert http.post(f"{emu.url}/_emulator/reset", timeout=5).json()["errcode"] == 0
    assert emu.messages() == [] and emu.calls() == [] and emu.faults() == []
    assert user_info(emu, http, token)["errcode"] == 40001


def test_reset_can_keep_tokens(emu, http, token):
    http.post(f"{emu.url}/_emulator/reset", json={"keep_tokens": True}, timeout=5)
    assert "errcode" not in user_info(emu, http, token)


def test_concurrent_sends_are_all_recorded(emu, token):
    def worker(n: int) -> None:
        with requests.Session() as session:
            for i in range(10):
                send_text(emu, session, token, f"user{n}", str(i))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [m["id"] for m in emu.messages()]
    assert len(ids) == 80 and ids == sorted(set(ids))


# ----------------------------------------------------------------- wechatpy


class EmulatorWeChatClient(WeChatClient):
    """WeChatClient with api.weixin.qq.com rewritten to the emulator."""

    def __init__(self, base_url: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = base_url
        self.API_BASE_URL = f"{base_url}/cgi-bin/"

    def _rewrite(self, url: str) -> str:
        return url.replace(REAL_HOST, self.base_url)

    def _request(self, method, url_or_endpoint, **kwargs):
        return super()._request(method, self._rewrite(url_or_endpoint), **kwargs)

    def _fetch_access_token(self, url, params):
        return super()._fetch_access_token(self._rewrite(url), params)


def test_real_wechatpy_client(emu):
    client = EmulatorWeChatClient(emu.url, APP_ID, APP_SECRET, timeout=5)
    assert client.message.send_text("alice", "您的理赔已受理")["errcode"] == 0
    reply = client.message.send_template(
        "alice", CLAIM_TEMPLATE, NOTICE, url="https://example.com"
    )
    assert reply["msgid"]
    custom, template = emu.messages("alice")
    assert custom["payload"] == {
        "touser": "alice",
        "msgtype": "text",
        "text": {"content": "您的理赔已受理"},
    }
    assert template["kind"] == "template" and template["data"] == NOTICE
    assert client.user.get("alice")["subscribe"] == 1
    assert [c["path"] for c in emu.calls()].count("token") == 1


def test_wechatpy_menu_media_and_token_retry(emu):
    client = EmulatorWeChatClient(emu.url, APP_ID, APP_SECRET, timeout=5)
    assert client.menu.get() is None
    client.menu.create({"button": [button("报案")]})
    assert client.menu.get() == {"menu": {"button": [button("报案")]}}
    media_id = client.media.upload("image", ("photo.png", PNG))["media_id"]
    assert client.media.download(media_id).content == PNG
    emu.expire_tokens()
    assert client.message.send_text("bob", "retry")["errcode"] == 0
    assert [c["path"] for c in emu.calls()].count("token") == 2
    emu.add_fault("message/custom/send", errcode=43004)
    with pytest.raises(WeChatClientException) as raised:
        client.message.send_text("bob", "unsubscribed")
    assert raised.value.errcode == 43004
    assert len(emu.messages("bob")) == 1


# --------------------------------------------------------------------- main


def test_main_runs_standalone():
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devstack.wechat_emulator",
            "--port",
            "0",
            "--app-id",
            APP_ID,
            "--app-secret",
            APP_SECRET,
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("wechat-emulator: http://127.0.0.1:")
        url = line.split(": ", 1)[1]
        reply = requests.get(
            f"{url}/cgi-bin/token",
            timeout=5,
            params={"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET},
        )
        assert reply.json()["expires_in"] == 7200
    finally:
        proc.terminate()
        assert proc.wait(timeout=5) == 0
