"""WeChat API client: wechatpy's WeChatClient with the token shared by all instances.

`WECHAT_API_BASE` redirects every call, including the few wechatpy makes to full URLs,
so the same code talks to the local emulator or to api.weixin.qq.com.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from chalicelib.domain.messages import ImageReply, NewsReply, Reply, TextReply
from chalicelib.service.logs import log_event

WECHAT_HOST = "https://api.weixin.qq.com"
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
IP_NOT_WHITELISTED = 40164  # this function's egress address is not on the account's whitelist
TIMEOUT_S = 5


def _without_token(text: str) -> str:
    """requests puts the URL, access_token included, in its errors: logs must not carry it.
    (The errors are raised `from None` for the same reason: a logged traceback shows the
    cause's message.)"""
    return re.sub(r"access_token=[^&\s]+", "access_token=***", text)


class TokenUnavailable(RuntimeError):
    """No token now: another instance holds the refresh lease too long, or WeChat keeps
    refusing its current token and the forced-refresh budget is spent (store/tokens.py)."""


class TokenSource(Protocol):
    def get(self) -> str: ...

    def invalidate(self, failed_token: str) -> str: ...


class WeChatApiError(Exception):
    """WeChat answered with an errcode (or not at all: errcode None).

    `maybe_done`: the request reached WeChat but no answer came back in time, so it may have
    been carried out (a message may have been delivered): sending it again could double it.
    """

    def __init__(self, errcode: int | None, errmsg: str, maybe_done: bool = False) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.maybe_done = maybe_done


class MassSentAlready(WeChatApiError):
    """45065: a mass send with this clientmsgid was made within 24 hours."""

    def __init__(self, errmsg: str) -> None:
        super().__init__(45065, errmsg)


class _Client(WeChatClient):
    def __init__(self, app_id: str, secret: str, api_base: str, tokens: TokenSource) -> None:
        super().__init__(app_id, secret, timeout=TIMEOUT_S, auto_retry=False)
        self.API_BASE_URL = f"{api_base}/cgi-bin/"
        self._api_base = api_base
        self._tokens = tokens

    @property
    def access_token(self) -> str:
        return self._tokens.get()

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        if url_or_endpoint.startswith(WECHAT_HOST):
            url_or_endpoint = self._api_base + url_or_endpoint[len(WECHAT_HOST) :]
        return super()._request(method, url_or_endpoint, **kwargs)


class WeChatApi:
    """The calls claimbot makes, each retried once after a shared token refresh."""

    def __init__(self, app_id: str, secret: str, api_base: str, tokens: TokenSource) -> None:
        self._tokens = tokens
        self._client = _Client(app_id, secret, api_base, tokens)
        self._app_id = app_id
        self._secret = secret
        self._api_base = api_base

    def fetch_token(self, force: bool) -> tuple[str, int]:
        """stable_token: does not rotate on every call, safe with many instances.
        TokenUnavailable when WeChat gives none (40164: this address is not whitelisted)."""
        body = {
            "grant_type": "client_credential",
            "appid": self._app_id,
            "secret": self._secret,
            "force_refresh": force,
        }
        try:
            res = requests.post(
                f"{self._api_base}/cgi-bin/stable_token", json=body, timeout=TIMEOUT_S
            )
            data = res.json()
        except (requests.RequestException, ValueError) as exc:
            raise TokenUnavailable(f"token endpoint unreachable: {exc}") from None
        if "access_token" not in data:
            if data.get("errcode") == IP_NOT_WHITELISTED:
                log_event("wechat.ip_not_whitelisted", logging.ERROR)  # an alarm: see deploy.md
            # Not the message's fault: what needed the token is retried (and dead-letters).
            raise TokenUnavailable(f"{data.get('errcode')}: {data.get('errmsg', 'no token')}")
        return data["access_token"], int(data.get("expires_in", 7200))

    def send(self, openid: str, reply: Reply) -> None:
        """A customer-service message (counts against the user's quota)."""
        if isinstance(reply, TextReply):
            self._call(lambda c: c.message.send_text(openid, reply.content))
        elif isinstance(reply, ImageReply):
            self._call(lambda c: c.message.send_image(openid, reply.media_id))
        elif isinstance(reply, NewsReply):
            article = {
                "title": reply.title,
                "description": reply.description,
                "url": reply.url,
                "image": reply.image_url,
            }
            self._call(lambda c: c.message.send_articles(openid, [article]))
        else:
            raise TypeError(f"cannot send {type(reply).__name__}")

    def send_template(
        self, openid: str, template_id: str, data: dict[str, Any], url: str | None = None
    ) -> dict[str, Any]:
        return self._call(lambda c: c.message.send_template(openid, template_id, data, url))

    def kf_waiting_count(self) -> int:
        """Customers waiting for an agent at WeChat's own customer-service console
        (customservice/kfsession/getwaitcase)."""
        data = self._call(lambda c: c.customservice.get_wait_case())
        return int(data.get("count", 0))

    def create_menu(self, menu: dict[str, Any]) -> dict[str, Any]:
        return self._call(lambda c: c.menu.create(menu))

    def download_media(self, media_id: str) -> tuple[bytes, str]:
        """Temporary media a user sent: (bytes, content type)."""
        res = self._call(lambda c: c.media.download(media_id))
        content_type = res.headers.get("Content-Type", "")
        if "json" in content_type or "text" in content_type:
            data = res.json()
            raise WeChatApiError(data.get("errcode"), data.get("errmsg", "media not found"))
        return res.content, content_type

    # -- mass send (群发, service/campaigns.py; the rules in devstack/wechat_mass.py)

    def upload_thumb(self, data: bytes) -> str:
        """An article's cover (JPEG, at most 64 KB) as temporary thumb media: its media_id."""
        import io

        res = self._call(lambda c: c.media.upload("thumb", ("cover.jpg", io.BytesIO(data),
                                                                "image/jpeg")))  # fmt: skip
        return str(res.get("thumb_media_id") or res["media_id"])

    def upload_news(self, articles: list[dict[str, Any]]) -> str:
        """Articles (title, content, thumb_media_id…) as the media_id an mpnews send names."""
        res = self._call(lambda c: c.post("media/uploadnews", data={"articles": articles}))
        return str(res["media_id"])

    def mass_send(self, openids: list[str], message: dict[str, Any],
                  client_msg_id: str = "") -> str:  # fmt: skip
        """message/mass/send to 2..10,000 openids; `message` is {"msgtype": …, <msgtype>: …}.
        The job's msg_id (a clientmsgid sent before within 24 h: the earlier job's)."""
        body: dict[str, Any] = {"touser": openids, "send_ignore_reprint": 0, **message}
        if client_msg_id:
            body["clientmsgid"] = client_msg_id
        try:
            res = self._call(lambda c: c.post("message/mass/send", data=body))
        except WeChatApiError as exc:
            if exc.errcode == 45065:  # this batch went already: WeChat names its job
                raise MassSentAlready(exc.errmsg) from None
            raise
        return str(res["msg_id"])

    def mass_preview(self, openid: str, message: dict[str, Any]) -> str:
        """message/mass/preview to one openid (100 a day)."""
        res = self._call(lambda c: c.post("message/mass/preview",
                                          data={"touser": openid, **message}))  # fmt: skip
        return str(res.get("msg_id", ""))

    def _call(self, action: Any) -> Any:
        try:
            return self._call_with_token(action)
        except TokenUnavailable as exc:
            raise WeChatApiError(None, f"no access token now: {exc}") from None

    def _call_with_token(self, action: Any) -> Any:
        for attempt in (1, 2):
            token = self._tokens.get()
            try:
                return action(self._client)
            except WeChatClientException as exc:
                if exc.errcode in TOKEN_ERRORS and attempt == 1:
                    self._tokens.invalidate(token)
                    continue
                raise WeChatApiError(exc.errcode, _without_token(str(exc.errmsg))) from None
            except requests.ReadTimeout:
                raise WeChatApiError(None, f"no answer in {TIMEOUT_S} s", maybe_done=True) from None
            except requests.RequestException as exc:
                raise WeChatApiError(None, f"network: {_without_token(str(exc))}") from None
        raise AssertionError("unreachable")
