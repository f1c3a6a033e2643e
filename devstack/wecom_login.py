"""WeCom's web sign-in (企业微信 Web 登录), for the WeCom emulator (devstack/wecom_emulator.py).

As WeCom does it:

* ``GET /wwlogin/sso/login?login_type=CorpApp&appid=<corp id>&agentid=<agent id>
  &redirect_uri=<url>&state=<state>`` - the login page. WeCom shows a QR code; here a list of
  the directory's members to pick from (or, with `auto_approve` set, that member at once).
  The redirect_uri's host (with its port, if any) must be one of the app's trusted domains
  (可信域名), the corp id and agent id this emulator's, the state letters and digits, at most
  128 (what WeCom passes back); otherwise an error page, and no code.
* Picking a member (``GET /wwlogin/sso/confirm?ticket&userid``) sends the browser to
  ``redirect_uri?code=<code>&state=<state>``.
* ``GET /cgi-bin/auth/getuserinfo?access_token&code`` (routed by the emulator, which checks the
  token) answers ``{"userid"}`` for a member. A code is single use and lives 5 minutes; any
  other answers 40029 "invalid code".

The trusted domains and `auto_approve` are configuration: in-process, or through the control
API ``GET/POST /_emulator/login`` (``{"trusted_domains": [...], "auto_approve": userid}``).
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from devstack.wechat_emulator import Request, Response, json_response

LOGIN_PREFIX = "/wwlogin/sso/"
CODE_TTL_S = 300
TICKET_TTL_S = 600
INVALID_CODE = 40029
STATE_PATTERN = re.compile(r"^[A-Za-z0-9]{0,128}$")
HTML_TYPE = "text/html; charset=utf-8"


@dataclass
class _Code:
    userid: str | None  # None: someone outside the corp (answered with an openid)
    expires_at: float


@dataclass
class _Pending:
    redirect_uri: str
    state: str
    expires_at: float


class WeComLogin:
    """The login page, its codes, and getuserinfo's answer; thread-safe."""

    def __init__(
        self,
        corp_id: str,
        agent_id: int,
        directory: Callable[[], list[str]],
        clock: Callable[[], float],
        trusted_domains: Iterable[str] = (),
        auto_approve: str | None = None,
    ) -> None:
        self.corp_id = corp_id
        self.agent_id = agent_id
        self.directory = directory
        self.clock = clock
        self.trusted_domains: set[str] = {d.lower() for d in trusted_domains}
        self.auto_approve = auto_approve
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self._pending: dict[str, _Pending] = {}
        self.exchanged: list[dict[str, Any]] = []  # every getuserinfo: {"code_ok", "userid"}

    # -- configuration and test helpers

    def trust(self, domain: str) -> None:
        """Add a trusted domain: ``host`` or ``host:port``, as the redirect_uri carries it."""
        with self._lock:
            self.trusted_domains.add(domain.lower())

    def issue_code(self, userid: str | None) -> str:
        """A code as if `userid` had signed in (None: a WeChat user outside the corp)."""
        code = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            for old in [c for c, found in self._codes.items() if found.expires_at <= now]:
                del self._codes[old]  # expired: answered 40029 either way
            self._codes[code] = _Code(userid, now + CODE_TTL_S)
        return code

    def control(self, request: Request) -> Response:
        """``GET/POST /_emulator/login``: the trusted domains and auto-approval."""
        if request.method == "POST":
            body = json.loads(request.body or b"{}")
            if not isinstance(body, dict):
                raise ValueError("send a JSON object")
            domains = body.get("trusted_domains")
            if domains is not None:
                if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
                    raise ValueError("trusted_domains is a list of host[:port]")
                with self._lock:
                    self.trusted_domains = {d.lower() for d in domains}
            if "auto_approve" in body:
                self.auto_approve = body["auto_approve"] or None
        with self._lock:
            domains_now = sorted(self.trusted_domains)
        return json_response({"errcode": 0, "errmsg": "ok", "trusted_domains": domains_now,
                              "auto_approve": self.auto_approve})  # fmt: skip

    # -- the login pages

    def handle(self, request: Request) -> Response:
        page = request.path[len(LOGIN_PREFIX) :].strip("/")
        if request.method != "GET":
            return _page(405, "请求方式错误", "Only GET.")
        if page == "login":
            return self._login(request.query)
        if page == "confirm":
            return self._confirm(request.query)
        return _page(404, "页面不存在", "Not found.")

    def _login(self, query: dict[str, str]) -> Response:
        problem = self._check_login(query)
        if problem:
            return _page(400, "登录参数错误", problem)
        ticket = secrets.token_urlsafe(16)
        with self._lock:
            self._pending[ticket] = _Pending(query["redirect_uri"], query.get("state", ""),
                                             self.clock() + TICKET_TTL_S)  # fmt: skip
        if self.auto_approve:
            return self._confirm({"ticket": ticket, "userid": self.auto_approve})
        return _member_list(ticket, self.directory())

    def _check_login(self, query: dict[str, str]) -> str:
        if query.get("login_type") != "CorpApp":
            return "login_type must be CorpApp (企业自建应用)"
        if query.get("appid") != self.corp_id:
            return "appid is not this corp's CorpID"
        if query.get("agentid") != str(self.agent_id):
            return "agentid is not this corp's app"
        if not STATE_PATTERN.match(query.get("state", "")):
            return "state: letters and digits, at most 128"
        target = urlsplit(query.get("redirect_uri", ""))
        if target.scheme not in ("http", "https") or not target.netloc:
            return "redirect_uri must be an http(s) URL"
        with self._lock:
            trusted = target.netloc.lower() in self.trusted_domains
        if not trusted:
            return f"redirect_uri 的域名 {target.netloc} 不是应用的可信域名"
        return ""

    def _confirm(self, query: dict[str, str]) -> Response:
        userid = query.get("userid", "")
        with self._lock:
            pending = self._pending.pop(query.get("ticket", ""), None)
        if pending is None or pending.expires_at < self.clock():
            return _page(400, "二维码已失效", "This login page expired: start again.")
        if userid not in self.directory():
            return _page(403, "无法登录", f"{userid} is not in the corp directory.")
        code = self.issue_code(userid)
        joiner = "&" if urlsplit(pending.redirect_uri).query else "?"
        target = pending.redirect_uri + joiner + urlencode({"code": code, "state": pending.state})
        return Response(302, b"", HTML_TYPE, headers={"Location": target})

    # -- the API side

    def getuserinfo(self, request: Request) -> Response:
        """``GET /cgi-bin/auth/getuserinfo`` (the access token is checked by the emulator)."""
        code = request.query.get("code", "")
        with self._lock:
            found = self._codes.pop(code, None)  # single use, whatever the outcome
            valid = found is not None and found.expires_at > self.clock()
            self.exchanged.append({"code_ok": valid, "userid": found.userid if found else None})
        if not valid or found is None:
            return json_response({"errcode": INVALID_CODE, "errmsg": "invalid code"})
        if found.userid is None:
            return json_response({"errcode": 0, "errmsg": "ok",
                                  "openid": "o" + secrets.token_hex(14)})  # fmt: skip
        return json_response({"errcode": 0, "errmsg": "ok", "userid": found.userid})


def _page(status: int, title: str, message: str) -> Response:
    body = (
        f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>企业微信登录"
        f"</title></head><body><h1 data-testid='wecom-error'>{html.escape(title)}</h1>"
        f"<p>{html.escape(message)}</p></body></html>"
    )
    return Response(status, body.encode("utf-8"), HTML_TYPE)


def _member_list(ticket: str, userids: list[str]) -> Response:
    items = "".join(
        f"<li><a data-testid='wecom-user' data-userid='{html.escape(u, quote=True)}' "
        f"href='confirm?{html.escape(urlencode({'ticket': ticket, 'userid': u}), quote=True)}'>"
        f"{html.escape(u)}</a></li>"
        for u in sorted(userids)
    )
    body = (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<title>企业微信登录</title></head><body><h1>企业微信登录</h1>"
        "<p>本地模拟：选择一位成员，代替扫码确认登录。</p>"
        f"<ul data-testid='wecom-users'>{items}</ul></body></html>"
    )
    return Response(200, body.encode("utf-8"), HTML_TYPE)
