"""Local emulator of the WeCom (企业微信) server API (qyapi.weixin.qq.com) and its callback.

The API side serves what claimbot's `chalicelib.staff.wecom.WeComApi` calls, answering like
WeCom does (HTTP 200 with ``{"errcode": N, "errmsg": "..."}`` on errors):

* ``GET /cgi-bin/gettoken?corpid&corpsecret`` - the same token until it expires (7200 s),
  then a new one; an expired token answers 42001, an unknown one 40014.
* ``POST /cgi-bin/message/send`` - application messages from our agent (``agentid`` must
  match: 40056), recorded, never delivered. Recipients (``touser``, ``|``-separated, or
  ``@all``) must be in the directory: the unknown ones come back in ``invaliduser``, and when
  none is left the answer is 81013. Text longer than 2048 bytes is cut, as WeCom does. Over
  30 messages a minute or 1,000 an hour to one member, and (with ``enable_duplicate_check``)
  a text identical to one sent them within ``duplicate_check_interval``, are answered "ok" and
  dropped silently, as WeCom does (listed by ``GET /_emulator/dropped``).
* ``GET /cgi-bin/auth/getuserinfo?access_token&code`` and the web sign-in pages under
  ``/wwlogin/sso/`` (login, trusted domains, single-use codes): devstack/wecom_login.py.
* Anything else under ``/cgi-bin/``: ``{"errcode": -1, ...}``.

The callback side plays a staff member answering in WeCom: ``reply(userid, text)`` builds
the message XML WeCom would push ("接收消息": ToUserName = corp id, FromUserName = userid,
AgentID, MsgType text, Content, MsgId), encrypts it (AES-256-CBC, the EncodingAESKey, the
corp id as receiver id) and signs it (``msg_signature`` over token, timestamp, nonce and the
ciphertext) with its own code, not the app's, then POSTs
``<xml><ToUserName/><AgentID/><Encrypt/></xml>`` to the callback URL and returns the app's
status and body. ``verify_callback()`` does WeCom's URL-verification GET.

A control API under ``/_emulator/`` (health, messages, options, faults, calls, users,
callback, reply, event, verify_callback, replies, reset, expire_tokens, tokens) lets tests and
people inspect what the bot sent and drive replies (``options``: the numbered knowledge-base
candidates under the latest relay a member got, which a reply of just the number sends); the
same operations exist in-process on `WeComEmulator`. The directory and the callback URL are
configuration: `clear()` keeps them.

Standalone::

    python -m devstack.wecom_emulator --port 8003 --callback-url http://127.0.0.1:8000/wecom
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import os
import secrets
import signal
import struct
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, Self
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from devstack import wecom_defaults
from devstack.wechat_emulator import Request, Response, json_response, make_fault
from devstack.wecom_login import LOGIN_PREFIX, WeComLogin

CGI_PREFIX = "/cgi-bin/"
CONTROL_PREFIX = "/_emulator/"
TOKEN_TTL_S = 7200
MAX_BODY_BYTES = 1024 * 1024
MAX_TEXT_BYTES = 2048
PER_MEMBER_PER_MINUTE = 30  # app messages to one member; WeCom drops the rest silently
PER_MEMBER_PER_HOUR = 1000
DUPLICATE_CHECK_DEFAULT_S = 1800
OPTIONS_HEAD = "知识库推荐"  # chalicelib/domain/assist.py OFFER_HEAD: numbered choices follow
CALLBACK_TIMEOUT_S = 5.0  # WeCom drops the connection after 5 s (and would retry)

ERRMSGS: dict[int, str] = {
    -1: "system busy",
    0: "ok",
    40001: "invalid secret",
    40008: "invalid message type",
    40013: "invalid corpid",
    40014: "invalid access_token",
    40029: "invalid code",
    40056: "invalid agentid",
    41001: "access_token missing",
    41002: "corpid missing",
    41004: "corpsecret missing",
    41011: "missing agentid",
    42001: "access_token expired",
    43001: "require GET method",
    43002: "require POST method",
    44002: "empty post data",
    44004: "empty content",
    45009: "api freq out of limit",
    47001: "data format error",
    60111: "userid not found",
    81013: "user & party & tag all invalid",
}
MSGTYPES = frozenset(
    {"text", "image", "voice", "video", "file", "textcard", "news", "mpnews", "markdown"}
)


def errmsg_for(errcode: int) -> str:
    """WeCom's errmsg for a known errcode (a generic text otherwise)."""
    return ERRMSGS.get(errcode, "emulator: injected error")


class ApiError(Exception):
    """A WeCom-style error: becomes ``{"errcode", "errmsg"}`` (HTTP 200 by default)."""

    def __init__(self, errcode: int, errmsg: str | None = None, status: int = 200) -> None:
        self.errcode = errcode
        self.errmsg = errmsg or errmsg_for(errcode)
        self.status = status
        super().__init__(f"{errcode}: {self.errmsg}")


class CallbackError(ConnectionError):
    """The app's callback URL is not set, unreachable, or did not answer in time."""


def error_response(errcode: int, errmsg: str | None = None, status: int = 200) -> Response:
    return json_response({"errcode": errcode, "errmsg": errmsg or errmsg_for(errcode)}, status)


# ------------------------------------------------------- callback crypto (WeCom's side)


def _pkcs7(data: bytes, block: int = 32) -> bytes:
    pad = block - len(data) % block
    return data + bytes([pad]) * pad


def encrypt_for_callback(
    plain_xml: str, encoding_aes_key: str, receiver_id: str, random16: bytes | None = None
) -> str:
    """WeCom's ciphertext: base64(AES-256-CBC(random16 | len32 | xml | receiver_id)).

    Key = base64(EncodingAESKey + "="), IV = its first 16 bytes, PKCS#7 to 32-byte blocks.
    """
    key = base64.b64decode(encoding_aes_key + "=")
    if len(key) != 32:
        raise ValueError("the EncodingAESKey must decode to 32 bytes (43 characters)")
    body = plain_xml.encode("utf-8")
    prefix = random16 if random16 is not None else secrets.token_bytes(16)
    plain = prefix + struct.pack(">I", len(body)) + body + receiver_id.encode("utf-8")
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(_pkcs7(plain)) + encryptor.finalize()).decode()


def callback_signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """msg_signature: SHA-1 of the four strings sorted and joined."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypt])).encode()).hexdigest()


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def message_xml(fields: dict[str, Any]) -> str:
    """A callback message as WeCom writes it: strings in CDATA, numbers bare."""
    parts = []
    for name, value in fields.items():
        text = str(value) if isinstance(value, int) else _cdata(str(value))
        parts.append(f"<{name}>{text}</{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


# --------------------------------------------------------------------- state


@dataclass
class _Token:
    value: str
    expires_at: float
    expired: bool = False


@dataclass
class _State:
    tokens: dict[str, _Token] = field(default_factory=dict)
    current: str | None = None
    tokens_issued: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)
    next_message_id: int = 1
    calls: list[dict[str, Any]] = field(default_factory=list)
    faults: list[Any] = field(default_factory=list)
    replies: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)  # sent "ok", never delivered


class _Route(NamedTuple):
    methods: tuple[str, ...]
    handler: Callable[[Request], Response]
    needs_token: bool = True


def _json_object(request: Request) -> dict[str, Any]:
    """Decode a JSON object body or raise 44002 / 47001."""
    if not request.body.strip():
        raise ApiError(44002)
    try:
        value = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(47001) from None
    if not isinstance(value, dict):
        raise ApiError(47001)
    return value


def _int_param(query: dict[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(47001, f"data format error: {name} must be an integer") from None


def _truncate_utf8(text: str, max_bytes: int) -> str:
    return text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")


def _fault_response(fault: Any) -> Response:
    if fault.status is not None:
        body = f"emulator: injected HTTP {fault.status}\n".encode()
        return Response(fault.status, body, "text/plain; charset=utf-8")
    return error_response(fault.errcode or 0, fault.errmsg)


# ------------------------------------------------------------------ emulator


class WeComEmulator:
    """In-process WeCom API server and staff stand-in; see the module docstring."""

    def __init__(
        self,
        corp_id: str = wecom_defaults.WECOM_CORP_ID,
        corp_secret: str = wecom_defaults.WECOM_CORP_SECRET,
        agent_id: int | str = wecom_defaults.WECOM_AGENT_ID,
        callback_token: str = wecom_defaults.WECOM_CALLBACK_TOKEN,
        callback_aes_key: str = wecom_defaults.WECOM_CALLBACK_AES_KEY,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        callback_url: str | None = None,
        users: Iterable[str] = wecom_defaults.STAFF_USERIDS,
        clock: Callable[[], float] | None = None,
        verbose: bool = False,
        trusted_domains: Iterable[str] = (),
    ) -> None:
        self.corp_id = corp_id
        self.corp_secret = corp_secret
        self.agent_id = int(agent_id)
        self.callback_token = callback_token
        self.callback_aes_key = callback_aes_key
        encrypt_for_callback("", callback_aes_key, corp_id)  # fail fast on a bad key
        self.host = host
        self.verbose = verbose
        self._requested_port = port
        self._clock = clock or time.time
        self._lock = threading.RLock()
        self._state = _State()
        self._users: set[str] = set(users)
        self._callback_url = callback_url
        # Web sign-in (企业微信 Web 登录): its pages, codes and trusted domains.
        self.login = WeComLogin(self.corp_id, self.agent_id, self.users, self._clock,
                                trusted_domains)  # fmt: skip
        # Random start, so ids stay unique across emulator restarts against one inbox table.
        self._next_msgid = 7_000_000_000_000_000_000 + secrets.randbelow(10**18)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._api_routes = self._build_api_routes()
        self._control_routes = self._build_control_routes()
        self._unlocked_routes = self._build_unlocked_routes()

    # -- lifecycle

    def start(self) -> Self:
        """Bind and serve in a daemon thread; returns self."""
        if self._server is not None:
            raise RuntimeError("emulator already started")
        handler = type("_BoundHandler", (_Handler,), {"emulator": self})
        server = _Server((self.host, self._requested_port), handler)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="wecom-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            return self._requested_port
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8003`` (only once started): WECOM_API_BASE."""
        if self._server is None:
            raise RuntimeError("emulator not started")
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}"

    # -- in-process helpers: what the bot sent

    def dropped(self, touser: str | None = None) -> list[dict[str, Any]]:
        """What WeCom answered "ok" to and never delivered: ``{"touser", "content", "why"}``
        (over 30 a minute or 1,000 an hour to one member; a duplicate within the interval)."""
        with self._lock:
            return [dict(d) for d in self._state.dropped if touser in (None, d["touser"])]

    def messages(
        self, touser: str | None = None, since_id: int = 0, msgtype: str | None = None
    ) -> list[dict[str, Any]]:
        """Recorded application messages (one per recipient), oldest first.

        Each: ``{"id", "msgid", "touser", "agentid", "msgtype", "content", "payload", "at"}``;
        ``content`` is the text as delivered (cut to 2048 bytes), "" for other types.
        """
        with self._lock:
            found = [
                m
                for m in self._state.messages
                if (touser is None or m["touser"] == touser)
                and m["id"] > since_id
                and (msgtype is None or m["msgtype"] == msgtype)
            ]
            return copy.deepcopy(found)

    def texts(self, touser: str) -> list[str]:
        """The text contents ``touser`` received, oldest first."""
        return [m["content"] for m in self.messages(touser, msgtype="text")]

    def options(self, touser: str) -> list[dict[str, Any]]:
        """The numbered choices in the latest text ``touser`` received that offered some (the
        knowledge base's candidates under a relayed customer message, Assist): ``{"n",
        "title"}`` each, so a test or a person picks one with ``reply(touser, "3")``."""
        for text in reversed(self.texts(touser)):
            lines = text.split("\n")
            heads = [i for i, line in enumerate(lines) if line.startswith(OPTIONS_HEAD)]
            if not heads:
                continue
            found = []
            for line in lines[heads[-1] + 1 :]:
                number, dot, title = line.partition(". ")
                if not (dot and number.isdigit()):
                    break
                found.append({"n": int(number), "title": title})
            return found
        return []

    def calls(self, path: str | None = None) -> list[dict[str, Any]]:
        """Every /cgi-bin call as ``{"path", "method", "at", "ok", "status", "errcode"}``."""
        with self._lock:
            wanted = path.strip("/").removeprefix("cgi-bin/") if path else None
            return [dict(c) for c in self._state.calls if wanted in (None, c["path"])]

    def add_fault(
        self,
        path: str,
        *,
        errcode: int | None = None,
        status: int | None = None,
        delay_s: float | None = None,
        times: int = 1,
        errmsg: str | None = None,
    ) -> dict[str, Any]:
        """Make the next ``times`` calls to ``path`` (``message/send``, ``gettoken``, ``*``)
        fail with ``errcode`` or HTTP ``status``, or stall ``delay_s`` (ValueError if bad)."""
        fault = make_fault(
            {
                "path": path,
                "errcode": errcode,
                "status": status,
                "delay_s": delay_s,
                "times": times,
                "errmsg": errmsg,
            }
        )
        with self._lock:
            self._state.faults.append(fault)
        return fault.to_dict()

    def faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_dict() for f in self._state.faults]

    def clear_faults(self) -> None:
        with self._lock:
            self._state.faults.clear()

    def clear_messages(self) -> None:
        with self._lock:
            self._state.messages.clear()

    def clear(self, keep_tokens: bool = False) -> None:
        """Forget messages, calls, faults, replies and (unless kept) tokens.

        The directory and the callback URL are configuration and stay."""
        with self._lock:
            old, self._state = self._state, _State()
            if keep_tokens:
                self._state.tokens, self._state.current = old.tokens, old.current

    def expire_tokens(self) -> int:
        """Mark every issued token expired (42001); returns how many."""
        with self._lock:
            for token in self._state.tokens.values():
                token.expired = True
            return len(self._state.tokens)

    def token_stats(self) -> dict[str, Any]:
        with self._lock:
            return {"issued": self._state.tokens_issued, "current": self._state.current}

    # -- in-process helpers: the directory and the callback

    def users(self) -> list[str]:
        with self._lock:
            return sorted(self._users)

    def add_user(self, userid: str) -> None:
        """Put a member in the corp directory (visible to our app)."""
        if not isinstance(userid, str) or not userid or "|" in userid or len(userid) > 64:
            raise ValueError("a userid is 1-64 characters without '|'")
        with self._lock:
            self._users.add(userid)

    def remove_user(self, userid: str) -> bool:
        with self._lock:
            if userid not in self._users:
                return False
            self._users.discard(userid)
            return True

    @property
    def callback_url(self) -> str | None:
        with self._lock:
            return self._callback_url

    def set_callback_url(self, url: str | None) -> None:
        """Where replies are posted (the app's WeCom callback), or None to unset."""
        if url is not None and urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("the callback URL must be http(s)")
        with self._lock:
            self._callback_url = url

    def replies(self) -> list[dict[str, Any]]:
        """Every callback posted (reply/event/verify) with the app's answer, oldest first."""
        with self._lock:
            return copy.deepcopy(self._state.replies)

    def reply(
        self,
        userid: str,
        text: str,
        *,
        agent_id: int | None = None,
        msg_id: str | None = None,
    ) -> dict[str, Any]:
        """A staff member answers in WeCom: post the signed, encrypted text to the callback.

        Returns ``{"status", "body", "msg_id", "url"}`` (the app's HTTP answer). Raises
        ValueError (userid not in the directory, empty text) or CallbackError. Pass an
        earlier ``msg_id`` to replay a message as WeCom's retries do.
        """
        if not isinstance(text, str) or not text:
            raise ValueError("a reply needs text")
        msg_id = msg_id or self._new_msgid()
        fields = self._message_head(userid, "text")
        bare_id = int(msg_id) if msg_id.isascii() and msg_id.isdigit() else msg_id  # as WeCom
        fields.update({"Content": text, "MsgId": bare_id, "AgentID": self._agent(agent_id)})
        result = self._deliver(fields, agent_id)
        return {**result, "msg_id": msg_id}

    def event(
        self, userid: str, event: str = "enter_agent", *, agent_id: int | None = None
    ) -> dict[str, Any]:
        """A member's event callback (e.g. ``enter_agent``: they opened our app)."""
        fields = self._message_head(userid, "event")
        fields.update({"Event": event, "EventKey": "", "AgentID": self._agent(agent_id)})
        return self._deliver(fields, agent_id)

    def verify_callback(self, echo: str | None = None) -> dict[str, Any]:
        """WeCom's URL verification: GET the callback with an encrypted echostr.

        Returns ``{"status", "body", "ok", "url"}``; ``ok`` when the app echoed the plain text.
        """
        echo = echo or str(secrets.randbelow(10**19))
        echostr = encrypt_for_callback(echo, self.callback_aes_key, self.corp_id)
        query = self._signed_query(echostr)
        query["echostr"] = echostr
        status, body, url = self._http("GET", query, None)
        result = {"status": status, "body": body, "ok": status == 200 and body == echo, "url": url}
        self._remember_reply({"kind": "verify", **result})
        return result

    # -- callback internals

    def _message_head(self, userid: str, msgtype: str) -> dict[str, Any]:
        with self._lock:
            known = userid in self._users
        if not known:
            raise ValueError(f"{userid!r} is not in the directory (add_user first)")
        return {
            "ToUserName": self.corp_id,
            "FromUserName": userid,
            "CreateTime": int(self._clock()),
            "MsgType": msgtype,
        }

    def _agent(self, agent_id: int | None) -> int:
        return self.agent_id if agent_id is None else int(agent_id)

    def _new_msgid(self) -> str:
        with self._lock:
            self._next_msgid += 1
            return str(self._next_msgid)

    def _deliver(self, fields: dict[str, Any], agent_id: int | None) -> dict[str, Any]:
        plain = message_xml(fields)
        encrypt = encrypt_for_callback(plain, self.callback_aes_key, self.corp_id)
        envelope = message_xml(
            {"ToUserName": self.corp_id, "AgentID": str(self._agent(agent_id)), "Encrypt": encrypt}
        )
        status, body, url = self._http("POST", self._signed_query(encrypt), envelope.encode())
        result = {"status": status, "body": body, "url": url}
        record = {"kind": fields["MsgType"], "userid": fields["FromUserName"], **result}
        if "Content" in fields:
            record["text"] = fields["Content"]
            record["msg_id"] = str(fields["MsgId"])
        if "Event" in fields:
            record["event"] = fields["Event"]
        self._remember_reply(record)
        return result

    def _remember_reply(self, record: dict[str, Any]) -> None:
        with self._lock:
            self._state.replies.append({**record, "at": self._clock()})

    def _signed_query(self, encrypt: str) -> dict[str, str]:
        timestamp = str(int(self._clock()))
        nonce = str(secrets.randbelow(10**10))
        signature = callback_signature(self.callback_token, timestamp, nonce, encrypt)
        return {"msg_signature": signature, "timestamp": timestamp, "nonce": nonce}

    def _http(self, method: str, query: dict[str, str], body: bytes | None) -> tuple[int, str, str]:
        """Call the app without holding the lock (it may call this emulator meanwhile)."""
        base = self.callback_url
        if not base:
            raise CallbackError("no callback URL: pass callback_url or set_callback_url()")
        url = base + ("&" if urlsplit(base).query else "?") + urlencode(query)
        headers = {"User-Agent": "WeComEmulator/1.0"}
        if body is not None:
            headers["Content-Type"] = "text/xml; charset=utf-8"
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=CALLBACK_TIMEOUT_S) as res:
                return res.status, res.read().decode("utf-8", "replace"), base
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace"), base
        except OSError as exc:  # URLError, refused, reset, timeout
            raise CallbackError(f"callback {base} failed: {exc}") from exc

    # -- dispatch

    def handle(self, request: Request) -> Response:
        """Answer one request (used by the HTTP handler; callable directly)."""
        if request.path.startswith(CGI_PREFIX):
            return self._handle_api(request)
        if request.path.startswith(CONTROL_PREFIX):
            return self._handle_control(request)
        if request.path.startswith(LOGIN_PREFIX):
            return self.login.handle(request)
        if request.path in ("", "/"):
            return json_response(
                {"emulator": "wecom", "corp_id": self.corp_id, "agent_id": self.agent_id}
            )
        return error_response(-1, "emulator: unknown path", status=404)

    def _handle_api(self, request: Request) -> Response:
        api_path = request.path[len(CGI_PREFIX) :]
        with self._lock:
            fault = self._take_fault(api_path)
        if fault is not None and fault.delay_s > 0:
            time.sleep(fault.delay_s)
        with self._lock:
            if fault is not None and fault.fails:
                response = _fault_response(fault)
            else:
                response = self._route_api(api_path, request)
            self._state.calls.append(
                {
                    "path": api_path,
                    "method": request.method,
                    "at": self._clock(),
                    "ok": response.ok,
                    "status": response.status,
                    "errcode": response.errcode,
                }
            )
        return response

    def _take_fault(self, api_path: str) -> Any:
        for fault in self._state.faults:
            if fault.path in (api_path, "*"):
                fault.times -= 1
                if fault.times <= 0:
                    self._state.faults.remove(fault)
                return fault
        return None

    def _route_api(self, api_path: str, request: Request) -> Response:
        route = self._api_routes.get(api_path)
        if route is None:
            return error_response(-1, "emulator: not implemented")
        if request.method not in route.methods:
            return error_response(43002 if "POST" in route.methods else 43001)
        try:
            if route.needs_token:
                self._check_token(request.query.get("access_token"))
            return route.handler(request)
        except ApiError as exc:
            return error_response(exc.errcode, exc.errmsg, exc.status)

    def _build_api_routes(self) -> dict[str, _Route]:
        return {
            "gettoken": _Route(("GET",), self._api_gettoken, needs_token=False),
            "message/send": _Route(("POST",), self._api_message_send),
            "auth/getuserinfo": _Route(("GET",), self.login.getuserinfo),
        }

    # -- tokens

    def _check_token(self, value: str | None) -> None:
        if not value:
            raise ApiError(41001)
        token = self._state.tokens.get(value)
        if token is None:
            raise ApiError(40014)
        if token.expired or self._clock() >= token.expires_at:
            raise ApiError(42001)

    def _api_gettoken(self, request: Request) -> Response:
        corpid, secret = request.query.get("corpid"), request.query.get("corpsecret")
        if not corpid:
            raise ApiError(41002)
        if corpid != self.corp_id:
            raise ApiError(40013)
        if not secret:
            raise ApiError(41004)
        if secret != self.corp_secret:
            raise ApiError(40001)
        now = self._clock()
        state = self._state
        token = state.tokens.get(state.current) if state.current else None
        if token is None or token.expired or now >= token.expires_at:
            token = _Token(secrets.token_urlsafe(48), now + TOKEN_TTL_S)
            state.tokens[token.value] = token
            state.current = token.value
            state.tokens_issued += 1
        remaining = max(0, int(token.expires_at - now))
        return json_response(
            {"errcode": 0, "errmsg": "ok", "access_token": token.value, "expires_in": remaining}
        )

    # -- messages

    def _dropped_why(self, userid: str, body: dict[str, Any], content: str) -> str:
        """WeCom's silent drops: over 30 a minute or 1,000 an hour to one member from one app,
        or a text identical to one sent them within duplicate_check_interval when the send
        asks for the duplicate check."""
        now = self._clock()
        sent = [m for m in self._state.messages if m["touser"] == userid]
        if sum(1 for m in sent if now - m["at"] < 60) >= PER_MEMBER_PER_MINUTE:
            return "over 30 a minute"
        if sum(1 for m in sent if now - m["at"] < 3600) >= PER_MEMBER_PER_HOUR:
            return "over 1000 an hour"
        if body.get("enable_duplicate_check") in (1, "1", True):
            interval = body.get("duplicate_check_interval", DUPLICATE_CHECK_DEFAULT_S)
            window = min(int(interval), 4 * 3600) if str(interval).isdigit() else 1800
            if any(m["content"] == content and now - m["at"] < window for m in sent):
                return "duplicate"
        return ""

    def _api_message_send(self, request: Request) -> Response:
        body = _json_object(request)
        agentid = body.get("agentid")
        if agentid in (None, ""):
            raise ApiError(41011)
        if str(agentid) != str(self.agent_id):
            raise ApiError(40056)
        msgtype = body.get("msgtype")
        if msgtype not in MSGTYPES:
            raise ApiError(40008)
        content = ""
        if msgtype == "text":
            text = body.get("text")
            content = text.get("content") if isinstance(text, dict) else None
            if not isinstance(content, str) or not content:
                raise ApiError(44004)
            content = _truncate_utf8(content, MAX_TEXT_BYTES)
        touser = body.get("touser", "")
        if not isinstance(touser, str):
            raise ApiError(47001)
        wanted = [u for u in touser.split("|") if u]
        if wanted == ["@all"]:
            wanted = sorted(self._users)
        valid = [u for u in wanted if u in self._users]
        invalid = [u for u in wanted if u not in self._users]
        if not valid:
            raise ApiError(81013)
        self._next_msgid += 1
        msgid = f"emu{self._next_msgid}"
        for userid in valid:
            why_dropped = self._dropped_why(userid, body, content)
            if why_dropped:  # WeCom answers ok and delivers nothing
                self._state.dropped.append({"touser": userid, "content": content,
                                            "why": why_dropped, "at": self._clock()})  # fmt: skip
                continue
            self._state.messages.append(
                {
                    "id": self._state.next_message_id,
                    "msgid": msgid,
                    "touser": userid,
                    "agentid": self.agent_id,
                    "msgtype": msgtype,
                    "content": content,
                    "truncated": msgtype == "text" and content != body["text"]["content"],
                    "payload": body,
                    "at": self._clock(),
                }
            )
            self._state.next_message_id += 1
        return json_response(
            {"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(invalid), "msgid": msgid}
        )

    # -- control API

    def _build_control_routes(self) -> dict[tuple[str, str], Callable[[Request], Response]]:
        return {
            ("GET", "health"): lambda _r: json_response({"ok": True}),
            ("GET", "messages"): self._ctl_messages,
            ("GET", "dropped"): lambda r: json_response(self.dropped(r.query.get("touser"))),
            ("GET", "options"): lambda r: json_response(self.options(r.query.get("touser", ""))),
            ("DELETE", "messages"): self._ctl_clear_messages,
            ("GET", "faults"): lambda _r: json_response(self.faults()),
            ("POST", "faults"): self._ctl_add_fault,
            ("DELETE", "faults"): self._ctl_clear_faults,
            ("GET", "calls"): lambda r: json_response(self.calls(r.query.get("path"))),
            ("DELETE", "calls"): self._ctl_clear_calls,
            ("GET", "users"): lambda _r: json_response(self.users()),
            ("POST", "users"): self._ctl_add_users,
            ("GET", "callback"): lambda _r: json_response({"url": self.callback_url}),
            ("POST", "callback"): self._ctl_set_callback,
            ("GET", "replies"): lambda _r: json_response(self.replies()),
            ("POST", "reset"): self._ctl_reset,
            ("POST", "expire_tokens"): self._ctl_expire_tokens,
            ("GET", "tokens"): lambda _r: json_response(self.token_stats()),
            ("GET", "login"): self.login.control,
            ("POST", "login"): self.login.control,
        }

    # These call the app, which may call back into the emulator: never under the lock.
    def _build_unlocked_routes(self) -> dict[tuple[str, str], Callable[[Request], Response]]:
        return {
            ("POST", "reply"): self._ctl_reply,
            ("POST", "event"): self._ctl_event,
            ("POST", "verify_callback"): self._ctl_verify_callback,
        }

    def _handle_control(self, request: Request) -> Response:
        name = request.path[len(CONTROL_PREFIX) :].strip("/")
        key = (request.method, name)
        unlocked = self._unlocked_routes.get(key)
        handler = self._control_routes.get(key)
        if handler is None and request.method == "DELETE" and name.startswith("users/"):
            handler = self._ctl_remove_user
        try:
            if unlocked is not None:
                return unlocked(request)
            if handler is None:
                errmsg = f"emulator: no control endpoint {request.method} {request.path}"
                return error_response(-1, errmsg, status=404)
            with self._lock:
                return handler(request)
        except ApiError as exc:
            return error_response(exc.errcode, exc.errmsg, 400 if exc.status == 200 else exc.status)
        except ValueError as exc:
            return error_response(47001, f"data format error: {exc}", status=400)
        except CallbackError as exc:
            return error_response(-1, str(exc), status=502)

    def _ctl_messages(self, request: Request) -> Response:
        since_id = _int_param(request.query, "since_id", 0)
        q = request.query
        return json_response(self.messages(q.get("touser") or None, since_id, q.get("msgtype")))

    def _ctl_clear_messages(self, request: Request) -> Response:
        self.clear_messages()
        return error_response(0)

    def _ctl_clear_calls(self, request: Request) -> Response:
        self._state.calls.clear()
        return error_response(0)

    def _ctl_clear_faults(self, request: Request) -> Response:
        self.clear_faults()
        return error_response(0)

    def _ctl_add_fault(self, request: Request) -> Response:
        fault = make_fault(_json_object(request))  # ValueError -> 400
        self._state.faults.append(fault)
        return json_response({"errcode": 0, "errmsg": "ok", "fault": fault.to_dict()})

    def _ctl_add_users(self, request: Request) -> Response:
        body = _json_object(request)
        userids = body.get("userids", [body["userid"]] if "userid" in body else None)
        if not isinstance(userids, list) or not userids:
            raise ValueError("send {'userid': ...} or {'userids': [...]}")
        for userid in userids:
            self.add_user(userid)
        return json_response({"errcode": 0, "errmsg": "ok", "users": self.users()})

    def _ctl_remove_user(self, request: Request) -> Response:
        userid = request.path.rsplit("/", 1)[-1]
        if not self.remove_user(userid):
            raise ApiError(60111, status=404)
        return error_response(0)

    def _ctl_set_callback(self, request: Request) -> Response:
        url = _json_object(request).get("url")
        if url is not None and not isinstance(url, str):
            raise ValueError("url must be a string or null")
        self.set_callback_url(url or None)
        return json_response({"errcode": 0, "errmsg": "ok", "url": self.callback_url})

    def _ctl_reply(self, request: Request) -> Response:
        body = _json_object(request)
        userid, text = body.get("userid"), body.get("text")
        if not isinstance(userid, str) or not userid:
            raise ValueError("reply needs 'userid'")
        if userid not in self.users():
            raise ApiError(60111, f"userid not found: {userid}")
        msg_id = body.get("msg_id")
        result = self.reply(
            userid,
            text,  # type: ignore[arg-type]  # reply() checks it
            agent_id=body.get("agent_id"),
            msg_id=str(msg_id) if msg_id else None,
        )
        return json_response({"errcode": 0, "errmsg": "ok", **result})

    def _ctl_event(self, request: Request) -> Response:
        body = _json_object(request)
        userid = body.get("userid")
        if not isinstance(userid, str) or userid not in self.users():
            raise ApiError(60111)
        result = self.event(
            userid, str(body.get("event") or "enter_agent"), agent_id=body.get("agent_id")
        )
        return json_response({"errcode": 0, "errmsg": "ok", **result})

    def _ctl_verify_callback(self, request: Request) -> Response:
        return json_response({"errcode": 0, "errmsg": "ok", **self.verify_callback()})

    def _ctl_reset(self, request: Request) -> Response:
        body = _json_object(request) if request.body.strip() else {}
        keep = body.get("keep_tokens")
        self.clear(keep_tokens=keep is True or str(keep).lower() in ("1", "true", "yes"))
        return error_response(0)

    def _ctl_expire_tokens(self, request: Request) -> Response:
        return json_response({"errcode": 0, "errmsg": "ok", "expired": self.expire_tokens()})


# ---------------------------------------------------------------- HTTP layer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    """Translates HTTP to `Request`/`Response`; never lets an exception escape."""

    emulator: WeComEmulator
    server_version = "WeComEmulator/1.0"
    sys_version = ""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        try:
            response = self.emulator.handle(self._read_request())
        except ApiError as exc:
            response = error_response(exc.errcode, exc.errmsg, exc.status)
        except Exception as exc:  # noqa: BLE001 - a bug must not kill the server
            response = error_response(-1, f"emulator internal error: {exc!r}", status=500)
        self._send(response)

    def _read_request(self) -> Request:
        split = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        return Request(self.command, split.path, query, headers, self._read_body())

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            raise ApiError(47001, "data format error: request body too large", status=413)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, response: Response) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: Any) -> None:
        if self.emulator.verbose:
            super().log_message(format, *args)


# ---------------------------------------------------------------------- main


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    d = wecom_defaults
    parser = argparse.ArgumentParser(description="Local WeCom API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=d.port(), help="0 picks a free port")
    parser.add_argument("--corp-id", default=d.secret("WECOM_CORP_ID"))
    parser.add_argument("--corp-secret", default=d.secret("WECOM_CORP_SECRET"))
    parser.add_argument("--agent-id", type=int, default=int(d.secret("WECOM_AGENT_ID")))
    parser.add_argument("--callback-token", default=d.secret("WECOM_CALLBACK_TOKEN"))
    parser.add_argument("--callback-aes-key", default=d.secret("WECOM_CALLBACK_AES_KEY"))
    parser.add_argument("--callback-url", default=os.environ.get("WECOM_CALLBACK_URL"))
    parser.add_argument(
        "--user", action="append", dest="users", help="a directory member (repeatable)"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the emulator until SIGINT/SIGTERM."""
    args = _parse_args(argv)
    emulator = WeComEmulator(
        args.corp_id,
        args.corp_secret,
        args.agent_id,
        args.callback_token,
        args.callback_aes_key,
        args.host,
        args.port,
        callback_url=args.callback_url,
        users=args.users or wecom_defaults.STAFF_USERIDS,
        verbose=args.verbose,
    )
    emulator.start()
    print(f"wecom-emulator: {emulator.url}", flush=True)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
