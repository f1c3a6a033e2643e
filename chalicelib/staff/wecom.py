"""WeCom (企业微信): application messages to staff, and their replies through the callback.

Outbound, `WeComApi` sends a text application message (``POST /cgi-bin/message/send``) with
an access token shared by every Lambda instance (`chalicelib.store.tokens.SharedToken`, the
same lease as the WeChat token, under its own name). WeCom's ``gettoken`` has no
``force_refresh``: it returns the same token until that one expires, so a forced fetch is
an ordinary one; the shared lease still makes one refresh out of a burst of 42001s.

Inbound, `WeComCallback` checks and decrypts what WeCom posts to the app's callback URL
("接收消息"): ``msg_signature``/``timestamp``/``nonce`` in the query, a body
``<xml><ToUserName/><AgentID/><Encrypt/></xml>`` whose ``Encrypt`` is the same AES scheme as
WeChat's safe mode with the corp id as receiver id. wechatpy's enterprise crypto does the
cryptography, defusedxml screens both the envelope and the decrypted message, and wechatpy's
enterprise parser maps it. A staff member's reply arrives as a ``text`` message;
anything else (images, ``enter_agent`` events...) comes back with its own ``kind``.

`Rejected` and `BadMessage` are the WeChat webhook's own exceptions, so a handler treats both
callbacks alike: Rejected carries the HTTP status, BadMessage means 400.
"""

from __future__ import annotations

import hmac
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from defusedxml import ElementTree as SafeET
from wechatpy.enterprise import parse_message
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.utils import WeChatSigner

from chalicelib.wechat.codec import Rejected
from chalicelib.wechat.inbound import BadMessage, screen_xml, text_field

__all__ = [
    "BadMessage",
    "MemoryToken",
    "Rejected",
    "StaffMessage",
    "WeComApi",
    "WeComApiError",
    "WeComCallback",
]

WECOM_HOST = "https://qyapi.weixin.qq.com"
# 40014 invalid access_token, 42001 expired, 40001 (WeCom: invalid secret; WeChat: invalid
# credential) - refresh the shared token once and try again.
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
UNKNOWN_USER = 81013  # "user & party & tag all invalid": no recipient exists / is visible
TRANSIENT_ERRORS = frozenset({-1})  # "system busy"
TIMEOUT_S = 5
MAX_TEXT_BYTES = 2048  # WeCom truncates a text message's content beyond this

USERID_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


# ------------------------------------------------------------------- outbound


class TokenSource(Protocol):
    def get(self) -> str: ...

    def invalidate(self, failed_token: str) -> str: ...


class WeComApiError(Exception):
    """WeCom answered with an errcode, or not at all (errcode None: network, HTTP, non-JSON)."""

    def __init__(self, errcode: int | None, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg

    @property
    def transient(self) -> bool:
        """Worth retrying later as it is (the SQS redelivery): no answer, or "system busy"."""
        return self.errcode is None or self.errcode in TRANSIENT_ERRORS


class MemoryToken:
    """A token kept in this process only, for scripts and tests without DynamoDB.

    Same interface as SharedToken; in Lambda use SharedToken so instances share one token.
    """

    def __init__(
        self,
        fetch: Callable[[bool], tuple[str, int]],
        margin_s: int = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.fetch = fetch
        self.margin_s = margin_s
        self.clock = clock
        self._cached: tuple[str, float] | None = None

    def get(self) -> str:
        if self._cached and self._cached[1] - self.margin_s > self.clock():
            return self._cached[0]
        return self._refresh(force=False)

    def invalidate(self, failed_token: str) -> str:
        if self._cached and self._cached[0] != failed_token:
            return self.get()
        return self._refresh(force=True)

    def _refresh(self, force: bool) -> str:
        token, expires_in = self.fetch(force)
        self._cached = (token, self.clock() + expires_in)
        return token


class WeComApi:
    """The WeCom calls claimbot makes; each retried once after a shared token refresh.

    ``tokens`` is a SharedToken (or anything with ``get()``/``invalidate(failed)``) whose
    fetch is this object's `fetch_token`; without one, an in-process `MemoryToken` is used.
    """

    def __init__(
        self,
        corp_id: str,
        corp_secret: str,
        agent_id: int | str,
        api_base: str = WECOM_HOST,
        tokens: TokenSource | None = None,
        *,
        timeout_s: float = TIMEOUT_S,
        session: requests.Session | None = None,
    ) -> None:
        self.corp_id = corp_id
        self._secret = corp_secret
        self.agent_id = int(agent_id or 0)
        self.api_base = api_base.rstrip("/")
        self.timeout_s = timeout_s
        self._http = session or requests.Session()
        self._tokens: TokenSource = tokens or MemoryToken(self.fetch_token)

    @property
    def tokens(self) -> TokenSource:
        return self._tokens

    @tokens.setter
    def tokens(self, tokens: TokenSource) -> None:
        """Set after construction when the token's fetch is this object's `fetch_token`:
        ``api.tokens = SharedToken(name, api.fetch_token)``."""
        self._tokens = tokens

    def fetch_token(self, force: bool) -> tuple[str, int]:
        """``GET /cgi-bin/gettoken``: (access_token, expires_in).

        ``force`` is accepted for SharedToken; WeCom has no forced refresh (it hands out the
        current token until it expires, then a new one).
        """
        if not (self.corp_id and self._secret):
            raise WeComApiError(41002, "WECOM_CORP_ID / WECOM_CORP_SECRET not set")
        params = {"corpid": self.corp_id, "corpsecret": self._secret}
        data = self._request("GET", "gettoken", params=params)
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise WeComApiError(data.get("errcode"), str(data.get("errmsg", "no access_token")))
        try:
            expires_in = int(data.get("expires_in", 7200))
        except (TypeError, ValueError):
            expires_in = 7200
        return token, expires_in

    def send_text(self, userid: str, text: str, duplicate_check_s: int = 0) -> None:
        """A text application message to one member (``touser``) from our agent.

        WeCom cuts content beyond 2048 bytes (`MAX_TEXT_BYTES`); split longer text before
        (staff/messenger.py does, and keeps WeCom's rate limits). `duplicate_check_s`: WeCom
        drops it if the same text went to the member within that many seconds.
        Raises WeComApiError: 81013 when the member does not exist or cannot see the app.
        """
        if not userid or "|" in userid:
            raise ValueError("send_text takes one userid")
        body: dict[str, Any] = {
            "touser": userid,
            "msgtype": "text",
            "agentid": self.agent_id,
            "text": {"content": text},
        }
        if duplicate_check_s:
            body.update(enable_duplicate_check=1, duplicate_check_interval=duplicate_check_s)
        data = self._call("message/send", body)
        invalid = str(data.get("invaliduser") or "")
        if userid in invalid.split("|"):  # errcode 0 but not delivered to them
            raise WeComApiError(UNKNOWN_USER, f"invaliduser: {invalid}")

    def user_from_code(self, code: str) -> str | None:
        """``GET /cgi-bin/auth/getuserinfo``: the member a web sign-in's ``code`` names (their
        userid), or None for someone outside the corp (WeCom then answers an openid).

        A code is single-use and lives 5 minutes: WeCom answers 40029 for a used, expired or
        unknown one (raised as WeComApiError).
        """
        for attempt in (1, 2):
            token = self._tokens.get()
            try:
                data = self._request("GET", "auth/getuserinfo",
                                     params={"access_token": token, "code": code})  # fmt: skip
            except WeComApiError as exc:
                if exc.errcode in TOKEN_ERRORS and attempt == 1:
                    self._tokens.invalidate(token)
                    continue
                raise
            userid = data.get("userid") or data.get("UserId")  # the older endpoint's spelling
            return str(userid) if userid else None
        raise AssertionError("unreachable")

    def _call(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        for attempt in (1, 2):
            token = self._tokens.get()
            try:
                return self._request(
                    "POST",
                    endpoint,
                    params={"access_token": token},
                    data=payload,
                    headers={"Content-Type": "application/json; charset=utf-8"},
                )
            except WeComApiError as exc:
                if exc.errcode in TOKEN_ERRORS and attempt == 1:
                    self._tokens.invalidate(token)
                    continue
                raise
        raise AssertionError("unreachable")

    def _request(self, method: str, endpoint: str, **kwargs: Any) -> dict[str, Any]:
        url = f"{self.api_base}/cgi-bin/{endpoint}"
        try:
            res = self._http.request(method, url, timeout=self.timeout_s, **kwargs)
        except requests.RequestException as exc:
            raise WeComApiError(None, f"network: {type(exc).__name__}") from exc
        if res.status_code != 200:
            raise WeComApiError(None, f"http {res.status_code} from {endpoint}")
        try:
            data = res.json()
        except ValueError as exc:
            raise WeComApiError(None, f"non-json answer from {endpoint}") from exc
        if not isinstance(data, dict):
            raise WeComApiError(None, f"unexpected answer from {endpoint}")
        errcode = _errcode(data.get("errcode", 0))
        if errcode != 0:
            raise WeComApiError(errcode, str(data.get("errmsg", "")))
        return data


def _errcode(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# -------------------------------------------------------------------- inbound


@dataclass(frozen=True)
class StaffMessage:
    """One message a staff member sent to our WeCom app."""

    userid: str  # FromUserName: the member's userid in the corp directory
    text: str  # Content for kind "text", else ""
    msg_id: str  # MsgId ("" for events); WeCom retries a callback with the same one
    created_at: int  # CreateTime, unix seconds
    agent_id: int  # AgentID: which of the corp's apps it was sent to
    kind: str  # MsgType lower-cased: "text", "image", "voice", "event", ...
    event: str = ""  # for kind "event": Event lower-cased (e.g. "enter_agent")

    @property
    def dedupe_key(self) -> str:
        part = self.msg_id or f"{self.created_at}:{self.kind}:{self.event}"
        return f"w:{self.userid}:{part}"


def _sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def _same(expected: str, given: str) -> bool:
    """Constant-time comparison that also takes non-ASCII input (a str compare_digest raises)."""
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


class WeComCallback:
    """Verify and decrypt WeCom's callback requests (URL verification GET and message POSTs)."""

    def __init__(
        self,
        token: str,
        encoding_aes_key: str,
        corp_id: str,
        *,
        agent_id: int | str | None = None,
        max_clock_skew_s: int = 300,
        max_body_bytes: int = 64 * 1024,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if encoding_aes_key and len(encoding_aes_key) != 43:
            raise ValueError("the EncodingAESKey has 43 characters")
        self.token = token
        self.corp_id = corp_id
        self.agent_id = int(agent_id) if agent_id not in (None, "") else None
        self.max_clock_skew_s = max_clock_skew_s
        self.max_body_bytes = max_body_bytes
        self.clock = clock
        # Unconfigured (no key, token or corp id): every request is refused with 404.
        configured = encoding_aes_key and token and corp_id
        self._crypto = WeChatCrypto(token, encoding_aes_key, corp_id) if configured else None

    def verify_url(self, query: Mapping[str, str]) -> str:
        """URL verification (GET ?msg_signature&timestamp&nonce&echostr): the plain echostr.

        The caller answers it as the whole body (text/plain, no quotes, no newline) within 1s.
        """
        self._check_configured()
        timestamp, nonce, signature = self._signed_params(query)
        echostr = query.get("echostr", "")
        if not echostr:
            raise Rejected(400, "missing echostr")
        if not _same(_sign(self.token, timestamp, nonce, echostr), signature):
            raise Rejected(403, "bad msg_signature")
        return self._decrypt(echostr)

    def decode(self, query: Mapping[str, str], body: bytes) -> StaffMessage:
        """A callback POST -> StaffMessage. Raises Rejected or BadMessage."""
        self._check_configured()
        if len(body) > self.max_body_bytes:
            raise Rejected(413, "body too large")
        timestamp, nonce, signature = self._signed_params(query)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadMessage("body is not utf-8") from exc
        encrypt = _envelope(text)
        if not _same(_sign(self.token, timestamp, nonce, encrypt), signature):
            raise Rejected(403, "bad msg_signature")
        return self._message(self._decrypt(encrypt))

    def _check_configured(self) -> None:
        if self._crypto is None:
            raise Rejected(404, "wecom callback not configured")

    def _signed_params(self, query: Mapping[str, str]) -> tuple[str, str, str]:
        timestamp = query.get("timestamp", "")
        nonce = query.get("nonce", "")
        signature = query.get("msg_signature", "")
        if not (timestamp and nonce and signature):
            raise Rejected(403, "missing msg_signature")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            raise Rejected(403, "bad timestamp")
        if self.max_clock_skew_s and abs(self.clock() - int(timestamp)) > self.max_clock_skew_s:
            raise Rejected(403, "timestamp outside allowed clock skew")
        return timestamp, nonce, signature

    def _decrypt(self, encrypt: str) -> str:
        try:
            assert self._crypto is not None
            return PrpCrypto(self._crypto.key).decrypt(encrypt, self.corp_id)
        except InvalidCorpIdException as exc:
            raise Rejected(403, "message for another corp id") from exc
        except Exception as exc:  # bad base64, padding or length inside the ciphertext
            raise Rejected(400, "cannot decrypt message") from exc

    def _message(self, xml: str) -> StaffMessage:
        screen_xml(xml)
        try:
            wx = parse_message(xml)
        except KeyError as exc:
            raise BadMessage(f"missing field {exc.args[0]}") from exc
        except Exception as exc:  # wechatpy raises assorted errors on odd input
            raise BadMessage("unparseable message") from exc
        data: dict[str, Any] = wx._data  # wechatpy keeps the raw fields here
        return self._to_staff(data)

    def _to_staff(self, data: dict[str, Any]) -> StaffMessage:
        if text_field(data, "ToUserName", required=True) != self.corp_id:
            raise BadMessage("message for another corp")
        userid = text_field(data, "FromUserName", required=True)
        if not USERID_PATTERN.match(userid):
            raise BadMessage("invalid FromUserName")
        created = text_field(data, "CreateTime", required=True)
        if not _ascii_digits(created, 12):
            raise BadMessage("invalid CreateTime")
        agent = text_field(data, "AgentID", required=True)
        if not _ascii_digits(agent, 12):
            raise BadMessage("invalid AgentID")
        if self.agent_id is not None and int(agent) != self.agent_id:
            raise BadMessage("message for another agent")
        kind = text_field(data, "MsgType", required=True).lower()
        msg_id = text_field(data, "MsgId")
        if msg_id and not _ascii_digits(msg_id, 24):
            raise BadMessage("invalid MsgId")
        if kind == "text":
            text = text_field(data, "Content", required=True)
            if not msg_id:
                raise BadMessage("missing field MsgId")
        else:
            text = ""
        event = text_field(data, "Event", required=True).lower() if kind == "event" else ""
        return StaffMessage(
            userid=userid,
            text=text,
            msg_id=msg_id,
            created_at=int(created),
            agent_id=int(agent),
            kind=kind,
            event=event,
        )


def _envelope(text: str) -> str:
    """The Encrypt field of the screened envelope. Raises BadMessage."""
    screen_xml(text)
    root = SafeET.fromstring(text, forbid_dtd=True, forbid_entities=True)
    node = root.find("Encrypt")
    encrypt = (node.text or "").strip() if node is not None else ""
    if not encrypt:
        raise BadMessage("missing field Encrypt")
    if len(encrypt) > 64 * 1024:
        raise BadMessage("field Encrypt too long")
    return encrypt


def _ascii_digits(value: str, max_len: int) -> bool:
    return 0 < len(value) <= max_len and value.isascii() and value.isdigit()
