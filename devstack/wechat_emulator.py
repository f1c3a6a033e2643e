"""Local emulator of the WeChat Official Account HTTP API (api.weixin.qq.com).

It serves the ``/cgi-bin/`` endpoints claimbot uses, accepting requests exactly
as wechatpy 1.8.18's ``WeChatClient`` sends them (``access_token`` in the query
string, JSON bodies as UTF-8 with ``ensure_ascii=False``, multipart uploads in
field ``media``) and answering like WeChat does (HTTP 200 with
``{"errcode": N, "errmsg": "..."}`` on errors):

* ``GET token`` - every call issues a new token; the previous one stays valid
  for 5 more minutes, older ones become invalid (40001).
* ``POST stable_token`` - the same token until it expires, unless
  ``force_refresh`` is true (counted; at least 30 s apart, else 45011; 20 a day, else 45009);
  separate chain from ``token``. Both token calls answer 40164 to a caller outside the IP
  whitelist, when one is set (``/_emulator/ip_whitelist``; none by default).
* ``POST message/custom/send`` and ``POST message/template/send`` - recorded,
  never delivered. A template notice goes only to one of the account's templates (40037), every
  field of it typed and checked as WeChat does since May 2023 (47003); `first`, `remark` and any
  other key are dropped from what is recorded as shown.
* ``POST template/api_add_template`` - category templates only (history ones: 40247), 25 at most.
* ``POST menu/create`` (validated), ``GET menu/get``, ``GET|POST menu/delete``.
* ``POST media/upload`` and ``GET media/get`` - temporary media, 3-day expiry.
* ``GET user/info``.
* ``POST message/mass/send|sendall|preview`` and ``media/uploadnews`` - mass send (群发) with
  WeChat's limits (openid list of 2 to 10,000, service accounts only; 4 a follower a calendar
  month; 100 calls a day; previews 100 a day; clientmsgid once in 24 h) and the
  MASSSENDJOBFINISH event kept for delivery (``take_mass_events``): devstack/wechat_mass.py.
* ``GET template/get_all_private_template`` - the account's templates (title and content,
  whose ``label：{{key.DATA}}`` lines name the fields), `DEFAULT_TEMPLATES` unless given.
* Anything else under ``/cgi-bin/``: ``{"errcode": -1, ...}`` with HTTP 200.

A control API under ``/_emulator/`` (messages, media, faults, calls, reset,
expire_tokens, menu, templates, tokens, health) lets tests inspect what the bot sent and
inject failures; the same operations exist in-process on `WeChatEmulator`.
Time comes from an injectable ``clock`` so tests can check expiry rules.

Standalone::

    python -m devstack.wechat_emulator --port 8089 --app-id wx123 --app-secret s3cret
"""

import argparse
import copy
import json
import mimetypes
import re
import secrets
import signal
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import collapse_rfc2231_value
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, Self
from urllib.parse import parse_qs, urlsplit

from devstack import defaults, transcript
from devstack.wechat_mass import MassError, MassSend, MassState

CGI_PREFIX = "/cgi-bin/"
# The customer-service console's session API lives outside /cgi-bin/ (wechatpy calls it by its
# full URL, https://api.weixin.qq.com/customservice/kfsession/...).
KF_PREFIX = "/customservice/"
CONTROL_PREFIX = "/_emulator/"
TOKEN_TTL_S = 7200
TOKEN_OVERLAP_S = 300
MEDIA_TTL_S = 3 * 24 * 3600
MAX_BODY_BYTES = 20 * 1024 * 1024
JSON_TYPE = "application/json; charset=utf-8"

ERRMSGS: dict[int, str] = {
    -1: "system error",
    0: "ok",
    40001: "invalid credential",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40004: "invalid media type",
    40007: "invalid media_id",
    40008: "invalid message type",
    40013: "invalid appid",
    40016: "invalid button size",
    40017: "invalid button type",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40023: "invalid sub button size",
    40037: "invalid template_id",
    40039: "invalid url size",
    40247: "history template library is closed: add a category template",
    40055: "invalid button url",
    40125: "invalid appsecret",
    40165: "invalid weapp pagepath",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41005: "media data missing",
    42001: "access_token expired",
    43001: "require GET method",
    43002: "require POST method",
    43004: "require subscribe",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit",
    40164: "invalid ip, not in whitelist",
    45015: "response out of time limit or subscription is canceled",
    45026: "template num exceeds limit",
    45047: "out of response count limit",
    46003: "menu no exist",
    43101: "user refuse to accept the msg",
    47001: "data format error",
    47003: "argument invalid!",
}

CUSTOM_MSGTYPES = frozenset(
    {
        "text",
        "image",
        "voice",
        "video",
        "music",
        "news",
        "mpnews",
        "mpnewsarticle",
        "msgmenu",
        "wxcard",
        "miniprogrampage",
        "link",
    }
)
MEDIA_TYPES = frozenset({"image", "voice", "video", "thumb"})
_KEY = ("key",)
BUTTON_FIELDS: dict[str, tuple[str, ...]] = {
    "click": _KEY,
    "scancode_push": _KEY,
    "scancode_waitmsg": _KEY,
    "pic_sysphoto": _KEY,
    "pic_photo_or_album": _KEY,
    "pic_weixin": _KEY,
    "location_select": _KEY,
    "view": ("url",),
    "media_id": ("media_id",),
    "view_limited": ("media_id",),
    "article_id": ("article_id",),
    "article_view_limited": ("article_id",),
    "miniprogram": ("url", "appid", "pagepath"),
}
FIELD_ERRCODES = {
    "key": 40019,
    "url": 40055,
    "media_id": 40007,
    "article_id": 40007,
    "appid": 40013,
    "pagepath": 40165,
}
# The account's templates. Since May 2023 the history library is closed (adding one: 40247) and
# new templates are category templates (类目模板): each field's key starts with its type, WeChat
# checks every value against it on send (47003) and shows neither `first` nor `remark`.
CLAIM_PROGRESS_CONTENT = (
    "报案号：{{character_string1.DATA}}\n理赔状态：{{thing2.DATA}}\n更新时间：{{time3.DATA}}\n"
    "下一步：{{thing4.DATA}}\n客服电话：{{phone_number5.DATA}}"
)
RENEWAL_CONTENT = (
    "保单号：{{character_string1.DATA}}\n车牌号：{{car_number2.DATA}}\n到期日期：{{date3.DATA}}\n"
    "温馨提示：{{thing4.DATA}}\n客服电话：{{phone_number5.DATA}}"
)
DEFAULT_TEMPLATES: tuple[dict[str, str], ...] = (
    {
        "template_id": defaults.CLAIM_STATUS_TEMPLATE,
        "title": "理赔进度通知",
        "primary_industry": "金融业",
        "deputy_industry": "保险",
        "content": CLAIM_PROGRESS_CONTENT,
        "example": (
            "报案号：RSVY202611220930001234\n理赔状态：已结案\n更新时间：2026年11月22日 09:30\n"
            "下一步：赔款已支付，请留意到账\n客服电话：95500"
        ),
    },
    {
        "template_id": defaults.RENEWAL_TEMPLATE,
        "title": "保险到期提醒",
        "primary_industry": "金融业",
        "deputy_industry": "保险",
        "content": RENEWAL_CONTENT,
        "example": (
            "保单号：PDAA2026440100000001\n车牌号：粤B12345\n到期日期：2026年12月31日\n"
            "温馨提示：回复“续保”获取续保报价\n客服电话：95500"
        ),
    },
)
# The category library this emulator offers to `template/api_add_template` (short id ->
# title, content); any other short id is a history template.
CATEGORY_LIBRARY: dict[str, tuple[str, str]] = {
    "claim-progress": ("理赔进度通知", CLAIM_PROGRESS_CONTENT),
    "insurance-expiry": ("保险到期提醒", RENEWAL_CONTENT),
}
MAX_TEMPLATES = 25
FORCE_REFRESH_GAP_S = 30
FORCE_REFRESH_PER_DAY = 20

# WeChat's checks of a category template's values, by field type: (pattern, most characters).
# Written here independently of chalicelib/domain/notice_fields.py on purpose: the emulator is
# the oracle the app's own fitting is tested against.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_SYM = "!-/:-@\\[-`{-~¥￥·—“”‘’，。、；：？！（）《》【】…"
_CLOCK = r"\d{1,2}:\d{2}(:\d{2})?"
_DAY = r"(\d{4}年)?(\d{1,2}月)?(\d{1,2}日)?|\d{4}[-/.]\d{1,2}([-/.]\d{1,2})?"
FIELD_RULES: dict[str, tuple[str, int]] = {
    "thing": (f"[{_HAN}A-Za-z0-9 {_SYM}]+", 20),
    "character_string": (f"[A-Za-z0-9{_SYM}]+", 32),
    "number": (r"\d+(\.\d+)?", 32),
    "letter": ("[A-Za-z]+", 32),
    "symbol": (f"[{_SYM}]+", 5),
    "phrase": (f"[{_HAN}]+", 5),
    "name": (f"[{_HAN}]{{1,10}}|[A-Za-z {_SYM}]{{1,20}}", 20),
    "phone_number": (r"[0-9+\-() ]+", 17),
    "car_number": (f"[{_HAN}A-Z0-9][A-Z0-9]{{0,6}}[{_HAN}A-Z0-9]?", 8),
    "amount": (r"[¥￥$€£]?\d{1,10}(\.\d{1,2})?元?", 16),
    "time": (f"(({_DAY}) )?{_CLOCK}(~(({_DAY}) )?{_CLOCK})?", 40),
    "date": (f"({_DAY})( {_CLOCK})?(~({_DAY})( {_CLOCK})?)?", 40),
}


def template_fields(content: str) -> list[str]:
    """``报案号：{{character_string1.DATA}}`` -> ["character_string1"]."""
    return re.findall(r"\{\{(\w+)\.DATA\}\}", content)


def field_value_ok(key: str, value: Any) -> bool:
    """Does WeChat accept this value for this field (typed by its key's prefix)?"""
    rule = FIELD_RULES.get(re.sub(r"\d+$", "", key))
    if rule is None or not isinstance(value, str) or not value:
        return False
    if any(unicodedata.category(c)[0] == "C" or ord(c) > 0xFFFF for c in value):
        return False  # newlines and control characters; emoji
    pattern, most = rule
    return len(value) <= most and re.fullmatch(pattern, value) is not None


_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)


def errmsg_for(errcode: int) -> str:
    """Return WeChat's errmsg for a known errcode (a generic text otherwise)."""
    return ERRMSGS.get(errcode, "emulator: injected error")


class ApiError(Exception):
    """A WeChat-style error: becomes ``{"errcode", "errmsg"}`` (HTTP 200 by default)."""

    def __init__(self, errcode: int, errmsg: str | None = None, status: int = 200) -> None:
        self.errcode = errcode
        self.errmsg = errmsg or errmsg_for(errcode)
        self.status = status
        super().__init__(f"{errcode}: {self.errmsg}")


@dataclass
class Request:
    """A transport-independent HTTP request (headers keyed in lower case)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    client: str = "127.0.0.1"  # the caller's address, for the IP whitelist

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclass
class Response:
    """A transport-independent HTTP response."""

    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    errcode: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.errcode


def json_response(payload: Any, status: int = 200) -> Response:
    """Serialise ``payload`` the way WeChat does (UTF-8, non-ASCII kept)."""
    errcode = payload.get("errcode") if isinstance(payload, dict) else None
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Response(status, body, JSON_TYPE, errcode=errcode)


def error_response(errcode: int, errmsg: str | None = None, status: int = 200) -> Response:
    return json_response({"errcode": errcode, "errmsg": errmsg or errmsg_for(errcode)}, status)


# --------------------------------------------------------------------- state


@dataclass
class _Token:
    value: str
    expires_at: float
    invalid_after: float | None = None
    expired: bool = False


@dataclass
class _Media:
    media_id: str
    media_type: str
    content_type: str
    data: bytes
    created_at: float
    filename: str


@dataclass
class _Fault:
    path: str
    times: int
    errcode: int | None = None
    errmsg: str | None = None
    status: int | None = None
    delay_s: float = 0.0

    @property
    def fails(self) -> bool:
        return self.errcode is not None or self.status is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "times": self.times,
            "errcode": self.errcode,
            "errmsg": self.errmsg,
            "status": self.status,
            "delay_s": self.delay_s,
        }


@dataclass
class _State:
    tokens: dict[str, _Token] = field(default_factory=dict)
    chains: dict[str, list[str]] = field(default_factory=lambda: {"token": [], "stable": []})
    tokens_issued: int = 0
    force_refreshes: int = 0
    forced_at: list[float] = field(default_factory=list)  # accepted forced stable refreshes
    ip_whitelist: list[str] | None = None  # None: no whitelist (a test account)
    messages: list[dict[str, Any]] = field(default_factory=list)
    next_message_id: int = 1
    next_msgid: int = 1_000_000_001
    calls: list[dict[str, Any]] = field(default_factory=list)
    faults: list[_Fault] = field(default_factory=list)
    menu: dict[str, Any] | None = None
    media: dict[str, _Media] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    kf_waiting: int = 0  # customers queued at the account's customer-service console
    mass: MassState = field(default_factory=MassState)  # 群发 (devstack/wechat_mass.py)


class _Route(NamedTuple):
    methods: tuple[str, ...]
    handler: Callable[[Request], Response]
    needs_token: bool = True


# ------------------------------------------------------------ parsing helpers


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


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _int_param(query: dict[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(47001, f"data format error: {name} must be an integer") from None


@dataclass
class _Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def _header_param(value: str, param: str) -> str | None:
    msg = Message()
    msg["content-type"] = value
    raw = msg.get_param(param)
    return collapse_rfc2231_value(raw) if raw else None


def parse_multipart(body: bytes, content_type: str) -> dict[str, _Part]:
    """Parse a multipart/form-data body into its parts by field name."""
    boundary = _header_param(content_type, "boundary")
    if not boundary:
        return {}
    parts: dict[str, _Part] = {}
    for chunk in body.split(b"--" + boundary.encode("latin-1"))[1:]:
        if chunk.startswith(b"--"):
            break
        part = _parse_part(chunk)
        if part is not None:
            parts.setdefault(part.name, part)
    return parts


def _parse_part(chunk: bytes) -> _Part | None:
    if chunk.startswith(b"\r\n"):
        chunk = chunk[2:]
    head, sep, data = chunk.partition(b"\r\n\r\n")
    if not sep:
        return None
    if data.endswith(b"\r\n"):
        data = data[:-2]
    headers = BytesHeaderParser().parsebytes(head + b"\r\n\r\n")
    name = headers.get_param("name", header="content-disposition")
    if not name:
        return None
    declared = headers.get_content_type() if headers["content-type"] else None
    return _Part(collapse_rfc2231_value(name), headers.get_filename(), declared, data)


def guess_content_type(data: bytes, declared: str | None, filename: str | None) -> str:
    """Pick a media content type: declared, else magic bytes, else file name."""
    if declared and declared != "application/octet-stream":
        return declared
    for magic, ctype in _MAGIC:
        if data.startswith(magic):
            return ctype
    guessed = mimetypes.guess_type(filename)[0] if filename else None
    return guessed or "application/octet-stream"


def _media_part(request: Request) -> _Part:
    """The multipart field ``media`` of an upload, or 41005."""
    ctype = request.header("content-type")
    if not ctype.lower().startswith("multipart/form-data"):
        raise ApiError(41005)
    part = parse_multipart(request.body, ctype).get("media")
    if part is None or not part.data:
        raise ApiError(41005)
    return part


def _media_response(media: _Media) -> Response:
    disposition = f'attachment; filename="{media.filename}"'
    return Response(200, media.data, media.content_type, {"Content-Disposition": disposition})


# ----------------------------------------------------------- menu validation


def validate_menu(menu: dict[str, Any]) -> None:
    """Raise ApiError if ``menu`` breaks WeChat's custom-menu rules."""
    buttons = menu.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise ApiError(40016)
    for button in buttons:
        _validate_button(button, top_level=True)


def _validate_button(button: Any, top_level: bool) -> None:
    if not isinstance(button, dict):
        raise ApiError(47001)
    _validate_name(button.get("name"), 16 if top_level else 60)
    subs = button.get("sub_button")
    if top_level and subs:
        if not isinstance(subs, list) or len(subs) > 5:
            raise ApiError(40023)
        for sub in subs:
            _validate_button(sub, top_level=False)
        return
    _validate_leaf(button)


def _validate_name(name: Any, max_bytes: int) -> None:
    if not isinstance(name, str) or not name or len(name.encode("utf-8")) > max_bytes:
        raise ApiError(40018)


def _validate_leaf(button: dict[str, Any]) -> None:
    required = BUTTON_FIELDS.get(button.get("type"))  # type: ignore[arg-type]
    if required is None:
        raise ApiError(40017)
    for name in required:
        value = button.get(name)
        if not isinstance(value, str) or not value:
            raise ApiError(FIELD_ERRCODES[name])


# -------------------------------------------------------------------- faults


def _number(
    spec: dict[str, Any], key: str, kinds: tuple[type, ...], low: float, high: float
) -> Any:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        raise ValueError(f"fault {key!r} must be a number in [{low}, {high}]")
    return value


def normalize_api_path(path: str) -> str:
    """``/cgi-bin/message/custom/send`` -> ``message/custom/send``."""
    path = path.strip().lstrip("/")
    return path.removeprefix("cgi-bin/")


def make_fault(spec: dict[str, Any]) -> _Fault:
    """Build a fault from its JSON spec; raise ValueError when malformed."""
    path = spec.get("path")
    if not isinstance(path, str) or not normalize_api_path(path):
        raise ValueError("fault needs a non-empty 'path' (e.g. 'message/custom/send' or '*')")
    errcode = _number(spec, "errcode", (int,), -1, 99_999_999)
    status = _number(spec, "status", (int,), 400, 599)
    delay_s = _number(spec, "delay_s", (int, float), 0, 120)
    times = _number(spec, "times", (int,), 1, 1_000_000)
    errmsg = spec.get("errmsg")
    if errcode is None and status is None and delay_s is None:
        raise ValueError("fault needs 'errcode', 'status' or 'delay_s'")
    if errmsg is not None and not isinstance(errmsg, str):
        raise ValueError("fault 'errmsg' must be a string")
    delay = float(delay_s or 0)
    return _Fault(normalize_api_path(path), times or 1, errcode, errmsg, status, delay)


def _fault_response(fault: _Fault) -> Response:
    if fault.status is not None:
        body = f"emulator: injected HTTP {fault.status}\n".encode()
        return Response(fault.status, body, "text/plain; charset=utf-8")
    return error_response(fault.errcode or 0, fault.errmsg)


# ------------------------------------------------------------------ emulator


class WeChatEmulator:
    """In-process WeChat API server; see the module docstring for endpoints."""

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        clock: Callable[[], float] | None = None,
        verbose: bool = False,
        templates: Iterable[dict[str, str]] = DEFAULT_TEMPLATES,
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.host = host
        self.verbose = verbose
        self._requested_port = port
        self._clock = clock or time.time
        self._lock = threading.RLock()
        self._state = _State()
        self._templates = [dict(t) for t in templates]
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._api_routes = self._build_api_routes()
        self._control_routes = self._build_control_routes()

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
            name="wechat-emulator",
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
        """Base URL, e.g. ``http://127.0.0.1:8089`` (only once started)."""
        if self._server is None:
            raise RuntimeError("emulator not started")
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}"

    # -- in-process helpers

    def messages(
        self, touser: str | None = None, since_id: int = 0, kind: str | None = None
    ) -> list[dict[str, Any]]:
        """Recorded sent messages, oldest first, optionally filtered."""
        with self._lock:
            found = [
                m
                for m in self._state.messages
                if (touser is None or m["touser"] == touser)
                and m["id"] > since_id
                and (kind is None or m["kind"] == kind)
            ]
            return copy.deepcopy(found)

    def calls(self, path: str | None = None) -> list[dict[str, Any]]:
        """Every /cgi-bin call as ``{"path", "method", "at", "ok", ...}``."""
        with self._lock:
            wanted = normalize_api_path(path) if path else None
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
        """Make the next ``times`` calls to ``path`` fail / stall (ValueError if malformed)."""
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

    def set_kf_waiting(self, count: int) -> None:
        """How many customers wait at the account's customer-service console."""
        with self._lock:
            self._state.kf_waiting = max(0, count)

    def clear_messages(self) -> None:
        with self._lock:
            self._state.messages.clear()

    def clear(self, keep_tokens: bool = False) -> None:
        """Forget everything (messages, calls, faults, menu, media, users, tokens)."""
        with self._lock:
            old, self._state = self._state, _State()
            if keep_tokens:
                self._state.tokens, self._state.chains = old.tokens, old.chains

    def set_ip_whitelist(self, ips: Iterable[str] | None) -> None:
        """Only these callers may fetch tokens (40164 otherwise); None: anyone."""
        with self._lock:
            self._state.ip_whitelist = None if ips is None else list(ips)

    def expire_tokens(self) -> int:
        """Mark every issued token expired (42001); returns how many."""
        with self._lock:
            for token in self._state.tokens.values():
                token.expired = True
            return len(self._state.tokens)

    def menu(self) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self._state.menu)

    def templates(self) -> list[dict[str, str]]:
        """The account's templates (template_id, title, content, ...)."""
        return [dict(t) for t in self._templates]

    def add_media(
        self,
        data: bytes,
        content_type: str = "image/jpeg",
        media_type: str = "image",
        filename: str | None = None,
        media_id: str | None = None,
    ) -> dict[str, Any]:
        """Store media as if a user had sent it; returns media_id and pic_url. A fixed
        `media_id` lets a recorded event (events/) refer to it."""
        with self._lock:
            media = self._store_media(data, content_type, media_type, filename, media_id)
            return self._media_info(media)

    @property
    def force_refresh_count(self) -> int:
        with self._lock:
            return self._state.force_refreshes

    def token_stats(self) -> dict[str, Any]:
        with self._lock:
            state = self._state
            return {
                "issued": state.tokens_issued,
                "force_refreshes": state.force_refreshes,
                "current": state.chains["token"][-1] if state.chains["token"] else None,
                "stable": state.chains["stable"][-1] if state.chains["stable"] else None,
            }

    # -- dispatch

    def handle(self, request: Request) -> Response:
        """Answer one request (used by the HTTP handler; callable directly)."""
        if request.path.startswith(CGI_PREFIX):
            return self._handle_api(request)
        if request.path.startswith(KF_PREFIX):
            return self._handle_api(request, request.path[1:])
        if request.path.startswith(CONTROL_PREFIX):
            return self._handle_control(request)
        if request.path in ("", "/"):
            return json_response({"emulator": "wechat", "app_id": self.app_id})
        return error_response(-1, "emulator: unknown path", status=404)

    def _handle_api(self, request: Request, api_path: str | None = None) -> Response:
        api_path = api_path or request.path[len(CGI_PREFIX) :]
        with self._lock:
            fault = self._take_fault(api_path)
        if fault is not None and fault.delay_s > 0:
            time.sleep(fault.delay_s)
        with self._lock:
            if fault is not None and fault.fails:
                response = _fault_response(fault)
            else:
                response = self._route_api(api_path, request)
            self._log_call(api_path, request.method, response)
        return response

    def _take_fault(self, api_path: str) -> _Fault | None:
        for fault in self._state.faults:
            if fault.path in (api_path, "*"):
                fault.times -= 1
                if fault.times <= 0:
                    self._state.faults.remove(fault)
                return fault
        return None

    def _log_call(self, api_path: str, method: str, response: Response) -> None:
        self._state.calls.append(
            {
                "path": api_path,
                "method": method,
                "at": self._clock(),
                "ok": response.ok,
                "status": response.status,
                "errcode": response.errcode,
            }
        )

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
        get, post, both = ("GET",), ("POST",), ("GET", "POST")
        return {
            "token": _Route(get, self._api_token, needs_token=False),
            "stable_token": _Route(post, self._api_stable_token, needs_token=False),
            "message/custom/send": _Route(post, self._api_custom_send),
            "message/template/send": _Route(post, self._api_template_send),
            "menu/create": _Route(post, self._api_menu_create),
            "menu/get": _Route(get, self._api_menu_get),
            "menu/delete": _Route(both, self._api_menu_delete),
            "media/upload": _Route(post, self._api_media_upload),
            "media/get": _Route(get, self._api_media_get),
            "user/info": _Route(get, self._api_user_info),
            "customservice/kfsession/getwaitcase": _Route(get, self._api_kf_wait_case),
            "template/get_all_private_template": _Route(
                get, lambda _r: json_response({"template_list": self.templates()})
            ),
            "template/api_add_template": _Route(post, self._api_add_template),
            "media/uploadnews": _Route(post, lambda r: self._mass_call(r, "upload_news")),
            "message/mass/send": _Route(post, lambda r: self._mass_call(r, "send")),
            "message/mass/sendall": _Route(post, lambda r: self._mass_call(r, "sendall")),
            "message/mass/preview": _Route(post, lambda r: self._mass_call(r, "preview")),
        }

    # -- tokens

    def _check_token(self, value: str | None) -> None:
        if not value:
            raise ApiError(41001)
        token = self._state.tokens.get(value)
        now = self._clock()
        if token is None or (token.invalid_after is not None and now >= token.invalid_after):
            raise ApiError(40001)
        if token.expired or now >= token.expires_at:
            raise ApiError(42001)

    def _check_app(self, appid: Any, secret: Any) -> None:
        if not appid:
            raise ApiError(41002)
        if appid != self.app_id:
            raise ApiError(40013)
        if not secret:
            raise ApiError(41004)
        if secret != self.app_secret:
            raise ApiError(40125)

    def _issue_token(self, chain_name: str) -> _Token:
        """New token; the previous one of the chain keeps 5 minutes, older die now."""
        now = self._clock()
        chain = self._state.chains[chain_name]
        for position, value in enumerate(reversed(chain)):
            deadline = now + TOKEN_OVERLAP_S if position == 0 else now
            old = self._state.tokens[value]
            if old.invalid_after is None or deadline < old.invalid_after:
                old.invalid_after = deadline
        token = _Token(secrets.token_urlsafe(48), now + TOKEN_TTL_S)
        self._state.tokens[token.value] = token
        chain.append(token.value)
        self._state.tokens_issued += 1
        return token

    def _current_stable(self) -> _Token | None:
        chain = self._state.chains["stable"]
        if not chain:
            return None
        token = self._state.tokens[chain[-1]]
        usable = not token.expired and self._clock() < token.expires_at
        return token if usable else None

    def _api_token(self, request: Request) -> Response:
        query = request.query
        if query.get("grant_type") != "client_credential":
            raise ApiError(40002)
        self._check_app(query.get("appid"), query.get("secret"))
        self._check_whitelist(request)
        token = self._issue_token("token")
        return json_response({"access_token": token.value, "expires_in": TOKEN_TTL_S})

    def _check_whitelist(self, request: Request) -> None:
        allowed = self._state.ip_whitelist
        if allowed is not None and request.client not in allowed:
            raise ApiError(40164, f"invalid ip {request.client}, not in whitelist")

    def _check_force_budget(self) -> None:
        """stable_token's force_refresh: at least 30 s apart, at most 20 a day."""
        now = self._clock()
        forced = self._state.forced_at
        if forced and now - forced[-1] < FORCE_REFRESH_GAP_S:
            raise ApiError(45011)
        day = int((now + 8 * 3600) // 86400)  # China's day
        if sum(1 for at in forced if int((at + 8 * 3600) // 86400) == day) >= FORCE_REFRESH_PER_DAY:
            raise ApiError(45009)
        forced.append(now)

    def _api_stable_token(self, request: Request) -> Response:
        body = _json_object(request)
        if body.get("grant_type") != "client_credential":
            raise ApiError(40002)
        self._check_app(body.get("appid"), body.get("secret"))
        self._check_whitelist(request)
        force = _truthy(body.get("force_refresh"))
        if force:
            self._check_force_budget()
            self._state.force_refreshes += 1
        token = None if force else self._current_stable()
        token = token or self._issue_token("stable")
        remaining = max(0, int(token.expires_at - self._clock()))
        return json_response({"access_token": token.value, "expires_in": remaining})

    # -- messages

    def _record(self, kind: str, payload: dict[str, Any], **fields: Any) -> None:
        state = self._state
        state.messages.append(
            {
                "id": state.next_message_id,
                "kind": kind,
                **fields,
                "payload": payload,
                "at": self._clock(),
            }
        )
        state.next_message_id += 1

    def _api_custom_send(self, request: Request) -> Response:
        body = _json_object(request)
        touser, msgtype = body.get("touser"), body.get("msgtype")
        if not isinstance(touser, str) or not touser:
            raise ApiError(40003)
        if msgtype not in CUSTOM_MSGTYPES:
            raise ApiError(40008)
        self._record("custom", body, touser=touser, msgtype=msgtype)
        transcript.note("push", touser, transcript.custom_message_texts(body))
        return error_response(0)

    def _api_template_send(self, request: Request) -> Response:
        body = _json_object(request)
        touser, template_id = body.get("touser"), body.get("template_id")
        if not isinstance(touser, str) or not touser:
            raise ApiError(40003)
        if not isinstance(template_id, str) or not template_id:
            raise ApiError(40037)
        data = body.get("data", {})
        if not isinstance(data, dict):
            raise ApiError(47001)
        template = next((t for t in self._templates if t["template_id"] == template_id), None)
        if template is None:
            raise ApiError(40037)
        shown = {}
        for key in template_fields(template["content"]):
            field = data.get(key)
            value = field.get("value") if isinstance(field, dict) else None
            if not field_value_ok(key, value):
                raise ApiError(47003, f"argument invalid! data.{key}.value invalid")
            shown[key] = {"value": value}
        url = body.get("url")
        if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
            raise ApiError(40039 if isinstance(url, str) else 47001)
        msgid = self._state.next_msgid
        self._state.next_msgid += 1
        self._record(
            "template",
            body,
            touser=touser,
            template_id=template_id,
            data=shown,  # what the customer sees: no `first`, no `remark`, no other keys
            url=url,
            msgid=msgid,
        )
        transcript.note("template", touser, transcript.template_texts(shown))
        return json_response({"errcode": 0, "errmsg": "ok", "msgid": msgid})

    def _api_add_template(self, request: Request) -> Response:
        """Only category templates can be added: a short id with its chosen fields."""
        body = _json_object(request)
        short, keywords = body.get("template_id_short"), body.get("keyword_name_list")
        if short not in CATEGORY_LIBRARY or not isinstance(keywords, list) or not keywords:
            raise ApiError(40247)
        if len(self._templates) >= MAX_TEMPLATES:
            raise ApiError(45026)
        title, content = CATEGORY_LIBRARY[short]
        template_id = f"tpl-{short}-{len(self._templates) + 1}"
        self._templates.append({"template_id": template_id, "title": title,
                                "primary_industry": "金融业", "deputy_industry": "保险",
                                "content": content, "example": ""})  # fmt: skip
        return json_response({"errcode": 0, "errmsg": "ok", "template_id": template_id})

    # -- menu, user

    def _api_menu_create(self, request: Request) -> Response:
        body = _json_object(request)
        validate_menu(body)
        self._state.menu = body
        return error_response(0)

    def _api_menu_get(self, request: Request) -> Response:
        if self._state.menu is None:
            raise ApiError(46003)
        return json_response({"menu": copy.deepcopy(self._state.menu)})

    def _api_menu_delete(self, request: Request) -> Response:
        self._state.menu = None
        return error_response(0)

    def _api_kf_wait_case(self, request: Request) -> Response:
        """获取未接入会话列表: how many customers wait for an agent (set by a test or the
        developer through POST /_emulator/kf_waiting {"count": N})."""
        waiting = self._state.kf_waiting
        cases = [{"latest_time": int(self._clock()), "openid": f"o_waiting_{i}"}
                 for i in range(waiting)]  # fmt: skip
        return json_response({"count": waiting, "waitcaselist": cases})

    def _api_user_info(self, request: Request) -> Response:
        openid = request.query.get("openid")
        if not openid:
            raise ApiError(40003)
        since = self._state.users.setdefault(openid, int(self._clock()))
        return json_response(
            {
                "subscribe": 1,
                "openid": openid,
                "language": "zh_CN",
                "subscribe_time": since,
                "remark": "",
                "groupid": 0,
                "tagid_list": [],
                "subscribe_scene": "ADD_SCENE_QR_CODE",
                "qr_scene": 0,
                "qr_scene_str": "",
            }
        )

    # -- media

    def _store_media(
        self,
        data: bytes,
        content_type: str,
        media_type: str,
        filename: str | None,
        media_id: str | None = None,
    ) -> _Media:
        media_id = media_id or secrets.token_urlsafe(32)
        extension = mimetypes.guess_extension(content_type.split(";")[0].strip()) or ""
        media = _Media(
            media_id,
            media_type,
            content_type,
            data,
            self._clock(),
            filename or f"{media_id}{extension}",
        )
        self._state.media[media_id] = media
        return media

    def _media_info(self, media: _Media) -> dict[str, Any]:
        base = self.url if self._server is not None else ""
        return {
            "type": media.media_type,
            "media_id": media.media_id,
            "created_at": int(media.created_at),
            "pic_url": f"{base}{CONTROL_PREFIX}media/{media.media_id}",
        }

    def _api_media_upload(self, request: Request) -> Response:
        media_type = request.query.get("type", "")
        if media_type not in MEDIA_TYPES:
            raise ApiError(40004)
        part = _media_part(request)
        ctype = guess_content_type(part.data, part.content_type, part.filename)
        media = self._store_media(part.data, ctype, media_type, part.filename)
        return json_response(
            {"type": media_type, "media_id": media.media_id, "created_at": int(media.created_at)}
        )

    def _api_media_get(self, request: Request) -> Response:
        media = self._state.media.get(request.query.get("media_id") or "")
        if media is None or self._clock() - media.created_at > MEDIA_TTL_S:
            raise ApiError(40007)
        return _media_response(media)

    # -- mass send (群发): the rules are in devstack/wechat_mass.py

    def _mass_media_ok(self, media_id: str, types: tuple[str, ...]) -> bool:
        media = self._state.media.get(media_id)
        return (media is not None and media.media_type in types
                and self._clock() - media.created_at <= MEDIA_TTL_S)  # fmt: skip

    def _mass_call(self, request: Request, action: str) -> Response:
        body = _json_object(request)
        state, now, mass = self._state.mass, self._clock(), MassSend()
        try:
            if action == "sendall":
                followers = sorted(self._state.users)
                result = mass.sendall(state, body, followers, self._mass_media_ok, now)
            else:
                result = getattr(mass, action)(state, body, self._mass_media_ok, now)
        except MassError as exc:
            if exc.extra:
                return json_response({"errcode": exc.errcode, "errmsg": exc.errmsg, **exc.extra})
            raise ApiError(exc.errcode, exc.errmsg) from None
        for job in state.jobs[-1:]:
            if job["at"] == now and action != "upload_news":
                for openid in job["touser"]:
                    self._record("mass", body, touser=openid, msg_id=job["msg_id"],
                                 preview=job["preview"], content=job["content"])  # fmt: skip
        return json_response(result)

    def set_account_type(self, account_type: str) -> None:
        """service (the default: mass send by openid list, 4 a follower a month) or
        subscription (sendall once a day; mass/send refused with 48001)."""
        with self._lock:
            self._state.mass.account_type = account_type

    def mass_jobs(self) -> list[dict[str, Any]]:
        """Every mass job and preview, oldest first (openids delivered and filtered, counts)."""
        with self._lock:
            return copy.deepcopy(self._state.mass.jobs)

    def take_mass_events(self) -> list[str]:
        """The MASSSENDJOBFINISH events WeChat would post to the account's server, as plain
        XML; each handed out once."""
        with self._lock:
            return MassSend().take_events(self._state.mass)

    def set_mass_received(self, openid: str, count: int) -> None:
        """As if the follower had received `count` mass messages this month already (sent
        from the platform's own page, which claimbot does not see)."""
        with self._lock:
            self._state.mass.received[openid] = [self._clock()] * count

    def unfollow(self, openid: str) -> None:
        """The follower left: mass sends filter them."""
        with self._lock:
            self._state.mass.unfollowed.add(openid)

    # -- control API

    def _build_control_routes(self) -> dict[tuple[str, str], Callable[[Request], Response]]:
        return {
            ("GET", "health"): lambda _r: json_response({"ok": True}),
            ("GET", "messages"): self._ctl_messages,
            ("DELETE", "messages"): self._ctl_clear_messages,
            ("POST", "media"): self._ctl_upload_media,
            ("GET", "faults"): lambda _r: json_response(self.faults()),
            ("POST", "faults"): self._ctl_add_fault,
            ("DELETE", "faults"): self._ctl_clear_faults,
            ("GET", "calls"): lambda r: json_response(self.calls(r.query.get("path"))),
            ("DELETE", "calls"): self._ctl_clear_calls,
            ("POST", "reset"): self._ctl_reset,
            ("POST", "kf_waiting"): self._ctl_kf_waiting,
            ("POST", "expire_tokens"): self._ctl_expire_tokens,
            ("POST", "ip_whitelist"): self._ctl_ip_whitelist,
            ("GET", "menu"): lambda _r: json_response(self.menu()),
            ("GET", "templates"): lambda _r: json_response({"template_list": self.templates()}),
            ("GET", "tokens"): lambda _r: json_response(self.token_stats()),
            ("GET", "mass_jobs"): lambda _r: json_response(self.mass_jobs()),
            ("POST", "mass_events"): lambda _r: json_response({"events": self.take_mass_events()}),
        }

    def _handle_control(self, request: Request) -> Response:
        name = request.path[len(CONTROL_PREFIX) :].strip("/")
        handler = self._control_routes.get((request.method, name))
        if handler is None and request.method == "GET" and name.startswith("media/"):
            handler = self._ctl_get_media
        if handler is None:
            errmsg = f"emulator: no control endpoint {request.method} {request.path}"
            return error_response(-1, errmsg, status=404)
        try:
            with self._lock:
                return handler(request)
        except ApiError as exc:
            return error_response(exc.errcode, exc.errmsg, 400 if exc.status == 200 else exc.status)

    def _ctl_messages(self, request: Request) -> Response:
        since_id = _int_param(request.query, "since_id", 0)
        found = self.messages(
            request.query.get("touser") or None, since_id, request.query.get("kind") or None
        )
        return json_response(found)

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
        try:
            fault = make_fault(_json_object(request))
        except ValueError as exc:
            raise ApiError(47001, f"data format error: {exc}") from None
        self._state.faults.append(fault)
        return json_response({"errcode": 0, "errmsg": "ok", "fault": fault.to_dict()})

    def _ctl_kf_waiting(self, request: Request) -> Response:
        body = _json_object(request)
        self._state.kf_waiting = max(0, int(body.get("count", 0)))
        return error_response(0)

    def _ctl_reset(self, request: Request) -> Response:
        body = _json_object(request) if request.body.strip() else {}
        self.clear(keep_tokens=_truthy(body.get("keep_tokens")))
        return error_response(0)

    def _ctl_ip_whitelist(self, request: Request) -> Response:
        body = _json_object(request)
        ips = body.get("ips")
        if ips is not None and not (isinstance(ips, list) and all(isinstance(i, str) for i in ips)):
            raise ApiError(47001, "ips must be a list of addresses, or null for no whitelist")
        self.set_ip_whitelist(ips)
        return error_response(0)

    def _ctl_expire_tokens(self, request: Request) -> Response:
        return json_response({"errcode": 0, "errmsg": "ok", "expired": self.expire_tokens()})

    def _ctl_upload_media(self, request: Request) -> Response:
        ctype = request.header("content-type")
        mime = ctype.split(";")[0].strip().lower()
        if mime.startswith("multipart/"):
            part = _media_part(request)
            data, declared, filename = part.data, part.content_type, part.filename
        elif mime.startswith("image/") and request.body:
            data, declared, filename = request.body, mime, None
        else:
            hint = "media data missing: send an image/* body or multipart field 'media'"
            raise ApiError(41005, hint)
        content_type = guess_content_type(data, declared, filename)
        media = self._store_media(data, content_type, "image", filename)
        return json_response(self._media_info(media))

    def _ctl_get_media(self, request: Request) -> Response:
        media = self._state.media.get(request.path.rsplit("/", 1)[-1])
        if media is None:
            return error_response(40007, status=404)
        return _media_response(media)


# ---------------------------------------------------------------- HTTP layer


class _Server(ThreadingHTTPServer):
    """Threaded server; a deep listen backlog so bursts of clients never wait on SYN retries."""

    daemon_threads = True
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    """Translates HTTP to `Request`/`Response`; never lets an exception escape."""

    emulator: WeChatEmulator
    server_version = "WeChatEmulator/1.0"
    sys_version = ""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
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
        return Request(self.command, split.path, query, headers, self._read_body(),
                       client=self.client_address[0])  # fmt: skip

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
    parser = argparse.ArgumentParser(description="Local WeChat API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--app-id", default="wx0000000000000000")
    parser.add_argument("--app-secret", default="emulator-secret")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the emulator until SIGINT/SIGTERM."""
    args = _parse_args(argv)
    emulator = WeChatEmulator(
        args.app_id, args.app_secret, args.host, args.port, verbose=args.verbose
    )
    emulator.start()
    print(f"wechat-emulator: {emulator.url}", flush=True)
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
