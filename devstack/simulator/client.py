"""Plays WeChat's servers towards the bot's webhook.

Builds inbound messages/events exactly as WeChat does (CDATA XML, signature,
optional AES envelope), POSTs them, retries like WeChat on timeouts, and
decrypts/verifies passive replies.  Also small helpers to talk to the WeChat
API emulator (uploaded media, pushed messages, menu) and to render what the
bot sent as plain display text.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import requests
from defusedxml import ElementTree as SafeET
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

from devstack import transcript

MODES = ("plain", "compat", "safe")
MAX_PHOTOS = 9  # WeChat's album picker lets a user send at most nine at once
_HEADER_TAGS = ("ToUserName", "FromUserName", "CreateTime", "MsgType")
_MSG_IDS = itertools.count(time.time_ns() // 1000)
_MSG_ID_LOCK = threading.Lock()


class SimulatorError(Exception):
    """Base class for everything the simulator reports."""


class WebhookError(SimulatorError):
    """The webhook could not be reached or answered with an HTTP error."""


class ReplyError(SimulatorError):
    """The webhook answered something WeChat would not accept."""


class ReplySignatureError(ReplyError):
    """An encrypted reply failed MsgSignature or AppID verification."""


@dataclass
class PassiveReply:
    """A passive reply as WeChat would show it to the user."""

    msg_type: str
    fields: dict[str, Any]
    xml: str
    attempts: int = 1
    encrypted: bool = False
    to_user: str = ""
    from_user: str = ""

    @property
    def content(self) -> str | None:
        """Text content of a text reply (None for other types)."""
        return self.fields.get("Content")

    @property
    def articles(self) -> list[dict[str, str]]:
        """Articles of a news reply, with lower-case keys."""
        items = self.fields.get("Articles") or []
        if isinstance(items, dict):
            items = [items]
        return [_article(item) for item in items if isinstance(item, dict)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly view, used by the web simulator."""
        return {
            "msg_type": self.msg_type,
            "content": self.content,
            "articles": self.articles,
            "fields": self.fields,
            "attempts": self.attempts,
            "encrypted": self.encrypted,
            "text": render_reply(self),
        }


@dataclass
class Delivery:
    """Outcome of one inbound message: the reply and how many POSTs it took."""

    reply: PassiveReply | None
    attempts: int
    xml: str = field(repr=False, default="")


def _article(item: dict[str, Any]) -> dict[str, str]:
    """One article of a news message, whichever spelling it came in: a passive reply's
    Title/Description/PicUrl/Url or a customer-service message's title/description/picurl/url."""

    def first(*names: str) -> str:
        return next((str(item[n]) for n in names if item.get(n)), "")

    return {
        "title": first("Title", "title"),
        "description": first("Description", "description"),
        "pic_url": first("PicUrl", "picurl", "pic_url"),
        "url": first("Url", "url"),
    }


# --------------------------------------------------------------------------
# XML helpers
# --------------------------------------------------------------------------


def new_msg_id() -> int:
    """A unique 64-bit MsgId (microsecond clock at import, then +1 each)."""
    with _MSG_ID_LOCK:
        return next(_MSG_IDS) & 0x7FFF_FFFF_FFFF_FFFF


def cdata(value: str) -> str:
    """Wrap text in CDATA, splitting any ']]>' inside it."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _xml_value(value: Any) -> str:
    if isinstance(value, bool):
        raise TypeError("booleans are not WeChat XML values")
    if isinstance(value, (int, float)):
        return repr(value)
    return cdata(str(value))


def build_xml(fields: list[tuple[str, Any]]) -> str:
    """WeChat-style XML: strings in CDATA, numbers bare, order preserved."""
    body = "".join(f"<{tag}>{_xml_value(value)}</{tag}>" for tag, value in fields)
    return f"<xml>{body}</xml>"


def _parse_xml(text: str) -> Element:
    try:
        root = SafeET.fromstring(text)
    except Exception as exc:  # ParseError and defusedxml's own errors
        raise ReplyError(f"reply is not valid XML: {exc}; body={text[:200]!r}") from exc
    if root.tag != "xml":
        raise ReplyError(f"reply root element is <{root.tag}>, expected <xml>")
    return root


def _element_value(element: Element) -> Any:
    children = list(element)
    if not children:
        return element.text or ""
    if all(child.tag == "item" for child in children):
        return [_element_value(child) for child in children]
    return {child.tag: _element_value(child) for child in children}


def _http(method: str, url: str, **kwargs: Any) -> requests.Response:
    """One request that ignores HTTP(S)_PROXY: everything here is on loopback."""
    with requests.Session() as session:
        session.trust_env = False
        return session.request(method, url, **kwargs)


def _signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _nonce() -> str:
    return str(random.randint(10**8, 10**10 - 1))


# --------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------


class WeChatSimulatorClient:
    """Sends messages to a WeChat developer webhook the way WeChat does."""

    def __init__(
        self,
        webhook_url: str,
        token: str,
        app_id: str,
        encoding_aes_key: str | None = None,
        mode: str = "safe",
        account: str = "gh_claimbot",
        timeout_s: float = 5.0,
        tries: int = 3,
        strict: bool = True,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if mode != "plain" and not encoding_aes_key:
            raise ValueError(f"mode {mode!r} needs an encoding_aes_key")
        if tries < 1:
            raise ValueError("tries must be >= 1")
        self.webhook_url = webhook_url
        self.token = token
        self.app_id = app_id
        self.mode = mode
        self.account = account
        self.timeout_s = timeout_s
        self.tries = tries
        self.strict = strict
        self._crypto = WeChatCrypto(token, encoding_aes_key, app_id) if encoding_aes_key else None
        self._local = threading.local()

    # ----- public: handshake -------------------------------------------------

    def verify_url(self) -> bool:
        """The GET echostr handshake WeChat does when the URL is configured."""
        timestamp, nonce, echostr = str(int(time.time())), _nonce(), _nonce()
        params = {
            "signature": _signature(self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": echostr,
        }
        try:
            resp = _http("GET", self.webhook_url, params=params, timeout=self.timeout_s)
        except requests.RequestException:
            return False
        return resp.status_code == 200 and resp.text.strip() == echostr

    @property
    def last_delivery(self) -> Delivery | None:
        """The last Delivery made by the calling thread (for attempt counts)."""
        return getattr(self._local, "delivery", None)

    # ----- public: messages --------------------------------------------------

    def send_text(self, openid: str, text: str) -> PassiveReply | None:
        return self._message(openid, "text", [("Content", text)])

    def send_image(self, openid: str, media_id: str, pic_url: str) -> PassiveReply | None:
        return self._message(openid, "image", [("PicUrl", pic_url), ("MediaId", media_id)])

    def send_images(
        self, openid: str, images: Sequence[tuple[str, str]]
    ) -> list[Delivery | SimulatorError]:
        """Photos picked together in the album: one image message per (media_id, pic_url),
        built in the order picked (each its own MsgId, CreateTime often the same second) and
        posted concurrently, as WeChat does. One result per photo, in that order: its
        Delivery, or the SimulatorError its delivery ended with."""
        if not 1 <= len(images) <= MAX_PHOTOS:
            raise ValueError(f"WeChat sends 1 to {MAX_PHOTOS} photos at once, not {len(images)}")
        xmls = [
            self.build_message(openid, "image", [("PicUrl", pic_url), ("MediaId", media_id)])
            for media_id, pic_url in images
        ]

        def one(xml: str) -> Delivery | SimulatorError:
            try:
                return self.deliver(openid, xml)
            except SimulatorError as exc:
                return exc

        with ThreadPoolExecutor(max_workers=len(xmls), thread_name_prefix="photo") as pool:
            return list(pool.map(one, xmls))

    def send_voice(
        self, openid: str, media_id: str, recognition: str | None = None
    ) -> PassiveReply | None:
        fields: list[tuple[str, Any]] = [("MediaId", media_id), ("Format", "amr")]
        if recognition is not None:
            fields.append(("Recognition", recognition))
        return self._message(openid, "voice", fields)

    def send_location(
        self, openid: str, lat: float, lng: float, scale: int = 15, label: str = ""
    ) -> PassiveReply | None:
        fields = [
            ("Location_X", float(lat)),
            ("Location_Y", float(lng)),
            ("Scale", int(scale)),
            ("Label", label),
        ]
        return self._message(openid, "location", fields)

    def send_link(
        self, openid: str, title: str, url: str, description: str = ""
    ) -> PassiveReply | None:
        fields = [("Title", title), ("Description", description), ("Url", url)]
        return self._message(openid, "link", fields)

    # ----- public: events ----------------------------------------------------

    def click(self, openid: str, key: str) -> PassiveReply | None:
        return self._event(openid, "CLICK", [("EventKey", key)])

    def view(self, openid: str, url: str) -> PassiveReply | None:
        return self._event(openid, "VIEW", [("EventKey", url)])

    def follow(self, openid: str, scene: str | None = None) -> PassiveReply | None:
        if scene is None:
            return self._event(openid, "subscribe", [("EventKey", "")])
        fields = [("EventKey", f"qrscene_{scene}"), ("Ticket", _ticket(scene))]
        return self._event(openid, "subscribe", fields)

    def unfollow(self, openid: str) -> PassiveReply | None:
        return self._event(openid, "unsubscribe", [("EventKey", "")])

    def scan(self, openid: str, scene: str) -> PassiveReply | None:
        return self._event(openid, "SCAN", [("EventKey", str(scene)), ("Ticket", _ticket(scene))])

    def report_location(
        self, openid: str, lat: float, lng: float, precision: float = 65.0
    ) -> PassiveReply | None:
        fields = [
            ("Latitude", float(lat)),
            ("Longitude", float(lng)),
            ("Precision", float(precision)),
        ]
        return self._event(openid, "LOCATION", fields)

    # ----- public: low level -------------------------------------------------

    def build_message(
        self, openid: str, msg_type: str, fields: list[tuple[str, Any]], with_msg_id: bool = True
    ) -> str:
        """Plaintext inbound XML: header, type fields, then MsgId for messages."""
        header = [
            ("ToUserName", self.account),
            ("FromUserName", openid),
            ("CreateTime", int(time.time())),
            ("MsgType", msg_type),
        ]
        tail = [("MsgId", new_msg_id())] if with_msg_id else []
        return build_xml(header + list(fields) + tail)

    def sign_request(self, openid: str, xml: str) -> tuple[dict[str, str], bytes]:
        """Query params and body of one POST (fresh timestamp/nonce each call)."""
        timestamp, nonce = str(int(time.time())), _nonce()
        params = {
            "signature": _signature(self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": openid,
        }
        if self.mode == "plain":
            return params, xml.encode("utf-8")
        encrypt, msg_signature = self._encrypt(xml, nonce, timestamp)
        params.update(encrypt_type="aes", msg_signature=msg_signature)
        return params, self._envelope(xml, encrypt).encode("utf-8")

    def deliver(self, openid: str, xml: str) -> Delivery:
        """POST one inbound XML, retrying the same message like WeChat."""
        last_error = "no attempt made"
        for attempt in range(1, self.tries + 1):
            params, body = self.sign_request(openid, xml)
            try:
                resp = self._post(params, body)
            except requests.Timeout:
                last_error = f"no answer within {self.timeout_s}s"
                continue
            except requests.ConnectionError as exc:
                last_error = f"connection failed: {exc}"
                continue
            if resp.status_code >= 500:
                last_error = f"HTTP {resp.status_code}: {resp.text[:200]}"
                continue
            if resp.status_code != 200:
                raise WebhookError(f"webhook answered HTTP {resp.status_code}: {resp.text[:200]}")
            reply = self.parse_reply(openid, resp.content, attempt)
            return self._remember(Delivery(reply, attempt, xml))
        raise WebhookError(f"webhook failed {self.tries} attempt(s), last: {last_error}")

    def parse_reply(self, openid: str, raw: bytes, attempts: int = 1) -> PassiveReply | None:
        """Turn a webhook response body into a PassiveReply (None = no reply)."""
        text = raw.decode("utf-8", errors="replace").strip()
        if text in ("", "success"):
            return None
        root = _parse_xml(text)
        encrypted = root.find("Encrypt") is not None
        if encrypted:
            text = self._decrypt_reply(text, root).strip()
            if text in ("", "success"):
                return None
            root = _parse_xml(text)
        elif self.mode == "safe":
            raise ReplyError("safe mode: WeChat only accepts an encrypted reply envelope")
        reply = _reply_from_root(root, text, attempts, encrypted)
        self._check_addressing(openid, reply)
        transcript.note("passive", openid, _words_of(reply))
        return reply

    # ----- internals ---------------------------------------------------------

    def _message(
        self, openid: str, msg_type: str, fields: list[tuple[str, Any]]
    ) -> PassiveReply | None:
        return self.deliver(openid, self.build_message(openid, msg_type, fields)).reply

    def _event(self, openid: str, event: str, fields: list[tuple[str, Any]]) -> PassiveReply | None:
        xml = self.build_message(openid, "event", [("Event", event)] + fields, with_msg_id=False)
        return self.deliver(openid, xml).reply

    def _post(self, params: dict[str, str], body: bytes) -> requests.Response:
        headers = {"Content-Type": "text/xml", "User-Agent": "Mozilla/4.0"}
        return _http(
            "POST",
            self.webhook_url,
            params=params,
            data=body,
            headers=headers,
            timeout=self.timeout_s,
        )

    def _remember(self, delivery: Delivery) -> Delivery:
        self._local.delivery = delivery
        return delivery

    def _encrypt(self, xml: str, nonce: str, timestamp: str) -> tuple[str, str]:
        assert self._crypto is not None
        envelope = _parse_xml(self._crypto.encrypt_message(xml, nonce, timestamp))
        return envelope.findtext("Encrypt") or "", envelope.findtext("MsgSignature") or ""

    def _envelope(self, xml: str, encrypt: str) -> str:
        if self.mode == "compat":
            return xml[: -len("</xml>")] + f"<Encrypt>{cdata(encrypt)}</Encrypt></xml>"
        return build_xml([("ToUserName", self.account), ("Encrypt", encrypt)])

    def _decrypt_reply(self, text: str, root: Element) -> str:
        if self._crypto is None or self.mode == "plain":
            raise ReplyError("plain mode: got an encrypted reply WeChat could not read")
        signature = root.findtext("MsgSignature")
        timestamp = root.findtext("TimeStamp")
        nonce = root.findtext("Nonce")
        if not (signature and timestamp and nonce):
            raise ReplySignatureError("encrypted reply lacks MsgSignature/TimeStamp/Nonce")
        try:
            return self._crypto.decrypt_message(text, signature, timestamp, nonce)
        except InvalidSignatureException as exc:
            raise ReplySignatureError("reply MsgSignature does not match its Encrypt") from exc
        except InvalidAppIdException as exc:
            raise ReplySignatureError(
                f"reply was encrypted for another AppID (not {self.app_id})"
            ) from exc
        except Exception as exc:  # bad base64 / padding / key
            raise ReplyError(f"cannot decrypt reply: {exc!r}") from exc

    def _check_addressing(self, openid: str, reply: PassiveReply) -> None:
        if not self.strict:
            return
        if reply.to_user != openid:
            raise ReplyError(f"reply ToUserName is {reply.to_user!r}, expected openid {openid!r}")
        if reply.from_user != self.account:
            raise ReplyError(
                f"reply FromUserName is {reply.from_user!r}, expected {self.account!r}"
            )


def _ticket(scene: str) -> str:
    return "gQsim" + hashlib.sha1(str(scene).encode("utf-8")).hexdigest()[:24]


def _words_of(reply: PassiveReply) -> list[str]:
    """What the customer reads in a passive reply: its text, or its article's title and words."""
    if reply.msg_type == "text":
        return [str(reply.fields.get("Content", ""))]
    articles = reply.fields.get("Articles")
    if isinstance(articles, list):
        return [f"{a.get('Title', '')}\n{a.get('Description', '')}" for a in articles
                if isinstance(a, dict)]  # fmt: skip
    return []


def _reply_from_root(root: Element, text: str, attempts: int, encrypted: bool) -> PassiveReply:
    msg_type = (root.findtext("MsgType") or "").strip()
    if not msg_type:
        raise ReplyError(f"reply has no MsgType: {text[:200]!r}")
    fields = {child.tag: _element_value(child) for child in root if child.tag not in _HEADER_TAGS}
    return PassiveReply(
        msg_type=msg_type,
        fields=fields,
        xml=text,
        attempts=attempts,
        encrypted=encrypted,
        to_user=root.findtext("ToUserName") or "",
        from_user=root.findtext("FromUserName") or "",
    )


# --------------------------------------------------------------------------
# Emulator helpers
# --------------------------------------------------------------------------


def _sniff_image_type(data: bytes, name: str = "") -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return "image/png" if name.lower().endswith(".png") else "image/jpeg"


def upload_images(emulator_url: str, items: Sequence[str | Path | bytes]) -> list[tuple[str, str]]:
    """Store several pictures in the emulator, in order; their (media_id, pic_url)."""
    return [upload_image(emulator_url, item) for item in items]


def upload_image(
    emulator_url: str, path_or_bytes: str | Path | bytes, content_type: str | None = None
) -> tuple[str, str]:
    """Store an image in the emulator like WeChat does for a user's picture."""
    if isinstance(path_or_bytes, bytes):
        data, name = path_or_bytes, ""
    else:
        data, name = Path(path_or_bytes).read_bytes(), str(path_or_bytes)
    ctype = content_type or _sniff_image_type(data, name)
    resp = _emulator_call("POST", emulator_url, "/_emulator/media", data=data, ctype=ctype)
    body = resp.json()
    try:
        return str(body["media_id"]), str(body["pic_url"])
    except (KeyError, TypeError) as exc:
        raise SimulatorError(f"emulator media answer lacks media_id/pic_url: {body!r}") from exc


def pushed_messages(emulator_url: str, openid: str, since_id: int = 0) -> list[dict[str, Any]]:
    """Messages the bot pushed to `openid` (custom + template), id > since_id."""
    params = {"touser": openid, "since_id": str(since_id)}
    body = _emulator_call("GET", emulator_url, "/_emulator/messages", params=params).json()
    if isinstance(body, dict):
        body = body.get("messages", [])
    if not isinstance(body, list):
        raise SimulatorError(f"emulator messages answer is not a list: {body!r}")
    return [m for m in body if isinstance(m, dict) and int(m.get("id", 0)) > since_id]


def private_templates(emulator_url: str) -> dict[str, dict[str, Any]]:
    """The account's templates as the emulator has them ({template_id: {title, content...}},
    as WeChat's template/get_all_private_template lists them); empty if it has none to say."""
    try:
        body = _emulator_call("GET", emulator_url, "/_emulator/templates").json()
    except (SimulatorError, ValueError):
        return {}
    if isinstance(body, dict):
        body = body.get("template_list", [])
    if not isinstance(body, list):
        return {}
    return {str(t["template_id"]): t for t in body if isinstance(t, dict) and t.get("template_id")}


def current_menu(emulator_url: str) -> dict[str, Any] | None:
    """The custom menu the bot created ({"button": [...]}) or None."""
    try:
        resp = _emulator_call("GET", emulator_url, "/_emulator/menu")
    except SimulatorError:
        return None
    body = resp.json() if resp.content.strip() else None
    if isinstance(body, dict) and isinstance(body.get("menu"), dict):
        body = body["menu"]
    if not isinstance(body, dict) or not isinstance(body.get("button"), list):
        return None
    return body


def _emulator_call(
    method: str,
    emulator_url: str,
    path: str,
    params: dict[str, str] | None = None,
    data: bytes | None = None,
    ctype: str | None = None,
) -> requests.Response:
    url = emulator_url.rstrip("/") + path
    headers = {"Content-Type": ctype} if ctype else {}
    try:
        resp = _http(method, url, params=params, data=data, headers=headers, timeout=10)
    except requests.RequestException as exc:
        raise SimulatorError(f"emulator unreachable at {url}: {exc}") from exc
    if resp.status_code != 200:
        raise SimulatorError(
            f"emulator {method} {path} answered HTTP {resp.status_code}: {resp.text[:200]}"
        )
    return resp


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------


def _render_articles(articles: list[dict[str, Any]]) -> str:
    lines = []
    for art in map(_article, articles):
        line = "[图文] " + art["title"]
        line += f" — {art['description']}" if art["description"] else ""
        line += f" ({art['url']})" if art["url"] else ""
        if art["pic_url"]:  # the link alone when it is the picture itself
            line += " [图片]" if art["pic_url"] == art["url"] else f" [图片 {art['pic_url']}]"
        lines.append(line)
    return "\n".join(lines) or "[图文]"


def news_articles(msg: dict[str, Any]) -> list[dict[str, str]]:
    """Articles of a pushed news message (title, description, pic_url, url)."""
    payload = msg.get("payload") or {}
    items = (payload.get("news") or {}).get("articles") or []
    return [_article(item) for item in items if isinstance(item, dict)]


def _render_msgmenu(menu: dict[str, Any]) -> str:
    lines = [menu.get("head_content", "")]
    lines += [f"  · {item.get('content', '')}" for item in menu.get("list", [])]
    lines.append(menu.get("tail_content", ""))
    return "\n".join(line for line in lines if line)


def _render_custom(payload: dict[str, Any]) -> str:
    msgtype = payload.get("msgtype", "")
    body = payload.get(msgtype) or {}
    if msgtype == "text":
        return str(body.get("content", ""))
    if msgtype == "news":
        return _render_articles(body.get("articles", []))
    if msgtype == "msgmenu":
        return _render_msgmenu(body)
    labels = {
        "image": "图片",
        "voice": "语音",
        "video": "视频",
        "music": "音乐",
        "mpnews": "图文消息",
        "miniprogrampage": "小程序",
        "wxcard": "卡券",
    }
    detail = body.get("title") or body.get("media_id") or body.get("card_id") or ""
    return f"[{labels.get(msgtype, msgtype or '未知消息')}] {detail}".rstrip()


# WeChat has shown neither the first line nor the remark of a template message since
# 4 May 2023, and cuts each remaining field to one line of 20 characters.
HIDDEN_TEMPLATE_KEYS = ("first", "remark")
TEMPLATE_FIELD_CHARS = 20
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\.DATA\s*\}\}")
# How WeChat counts those 20 is not documented; as observed, a run of Latin letters and digits
# (a claim number, say) counts as one.
_COUNTED = re.compile(r"[A-Za-z0-9]+|.", re.S)


def template_fields(content: str) -> list[tuple[str, str]]:
    """(key, label) of each field of a template's content, in order:
    "报案号：{{keyword1.DATA}}" gives ("keyword1", "报案号"); a bare "{{first.DATA}}" an
    empty label."""
    fields = []
    for line in content.splitlines():
        match = _PLACEHOLDER.search(line)
        if match:
            label = line[: match.start()].strip().rstrip(":：").strip()
            fields.append((match.group(1), label))
    return fields


def _template_value(item: Any) -> str:
    return str(item.get("value", "")) if isinstance(item, dict) else str(item)


def _as_shown(value: str) -> str:
    one_line = " ".join(value.split())
    units = _COUNTED.findall(one_line)
    if len(units) <= TEMPLATE_FIELD_CHARS:
        return one_line
    return "".join(units[:TEMPLATE_FIELD_CHARS]) + "…"


def template_card(
    payload: dict[str, Any], templates: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A template message as WeChat shows it: the template's title, one row per field
    (label, value) without first/remark, and the link if any. Labels come from the template's
    content (`templates`, as private_templates returns); a template not known there shows
    its data keys."""
    data = payload.get("data") or {}
    if not isinstance(data, dict):
        data = {}
    template = (templates or {}).get(str(payload.get("template_id", ""))) or {}
    if template.get("content"):
        keys = template_fields(str(template["content"]))
    else:
        keys = [(key, "") for key in data]
    rows = [
        {"key": key, "label": label or key, "value": _as_shown(_template_value(data.get(key, "")))}
        for key, label in keys
        if key not in HIDDEN_TEMPLATE_KEYS
    ]
    title = template.get("title") or f"模板消息 {payload.get('template_id', '')}".strip()
    return {"title": str(title), "rows": rows, "url": payload.get("url") or ""}


def _render_template(
    payload: dict[str, Any], templates: dict[str, dict[str, Any]] | None = None
) -> str:
    card = template_card(payload, templates)
    lines = [card["title"]] + [f"{row['label']}: {row['value']}" for row in card["rows"]]
    if card["url"]:
        lines.append(f"详情: {card['url']}")
    return "\n".join(lines)


def is_template(msg: dict[str, Any]) -> bool:
    return msg.get("kind") == "template" or "template_id" in (msg.get("payload") or {})


def render_pushed(msg: dict[str, Any], templates: dict[str, dict[str, Any]] | None = None) -> str:
    """Display text of a pushed custom/template message from the emulator (`templates` as
    private_templates returns, for the fields' labels)."""
    payload = msg.get("payload") or {}
    if is_template(msg):
        return _render_template(payload, templates)
    if "msgtype" not in payload and msg.get("msgtype"):
        payload = {**payload, "msgtype": msg["msgtype"]}
    return _render_custom(payload)


def render_reply(reply: PassiveReply) -> str:
    """Display text of a passive reply."""
    if reply.msg_type == "text":
        return reply.content or ""
    if reply.msg_type == "news":
        return _render_articles(reply.articles)
    if reply.msg_type == "transfer_customer_service":
        return "[转接人工客服]"
    body = reply.fields.get(reply.msg_type.capitalize())
    detail = ""
    if isinstance(body, dict):
        detail = body.get("Title") or body.get("MediaId") or ""
    labels = {"image": "图片", "voice": "语音", "video": "视频", "music": "音乐"}
    return f"[{labels.get(reply.msg_type, reply.msg_type)}] {detail}".rstrip()
