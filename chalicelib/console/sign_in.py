"""Staff sign in to the console through WeCom (企业微信 Web 登录), then hold claimbot's own token.

1. The console asks for a `state` (`new_state`): a nonce, its expiry and an HMAC over both
   under CONSOLE_SESSION_SECRET, hex only (WeCom passes back letters and digits, at most 128).
   The console keeps it in the tab and sends the browser to WeCom's login page
   (`login_type=CorpApp`, `appid` = corp id, `agentid`, `redirect_uri` = the console page).
2. WeCom sends the browser back with `code` and `state`. The console takes them only if the
   state is the one this tab kept (as for Cognito's hosted sign-in), and posts them here.
3. `finish` checks the state is ours and fresh, exchanges the code (`cgi-bin/auth/getuserinfo`:
   single use, 5 minutes) for the member's userid, looks them up in the staff table, and issues
   a session token with their roles. Everyone who is not enabled staff is refused, and the
   refusal is audited like a sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.console.auth import ROLES, StaffLookup, issue_session_token

if TYPE_CHECKING:
    from chalicelib.store.audit import AuditLog

STATE_TTL_S = 600  # from the click on "sign in" to the code coming back
MAX_CODE_BYTES = 512  # WeCom's limit
INVALID_CODE = 40029
_NONCE_HEX, _EXPIRY_HEX, _MAC_HEX = 32, 8, 32
log = logging.getLogger("claimbot")


class CodeExchange(Protocol):
    """staff.wecom.WeComApi: the member a sign-in code names (None: not in the corp)."""

    def user_from_code(self, code: str) -> str | None: ...


class SignInRefused(Exception):
    """Why a sign-in did not happen: `reason` for the console, `status` for HTTP."""

    def __init__(self, reason: str, message: str, status: int) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class WeComApp:
    corp_id: str
    agent_id: str
    login_base: str  # https://login.work.weixin.qq.com (the emulator's URL locally)


class WeComSignIn:
    def __init__(
        self,
        app: WeComApp,
        wecom: CodeExchange,
        staff: StaffLookup,
        audit: AuditLog,
        secret: str,
        session_ttl_s: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret:
            raise ValueError("WeCom sign-in needs CONSOLE_SESSION_SECRET")
        if not (app.corp_id and app.agent_id):
            raise ValueError("WeCom sign-in needs WECOM_CORP_ID and WECOM_AGENT_ID")
        self.app = app
        self.wecom = wecom
        self.staff = staff
        self.audit = audit
        self._key = hashlib.sha256(b"claimbot console sign-in state|" + secret.encode()).digest()
        self._secret = secret
        self.session_ttl_s = session_ttl_s
        self.clock = clock

    def config(self) -> dict[str, str]:
        """What the console needs to send the browser to WeCom's login page."""
        return {
            "login_url": f"{self.app.login_base}/wwlogin/sso/login",
            "login_type": "CorpApp",
            "appid": self.app.corp_id,
            "agentid": self.app.agent_id,
        }

    def new_state(self) -> str:
        nonce = secrets.token_hex(_NONCE_HEX // 2)
        expiry = f"{int(self.clock()) + STATE_TTL_S:0{_EXPIRY_HEX}x}"
        return nonce + expiry + self._mac(nonce + expiry)

    def check_state(self, state: object) -> None:
        size = _NONCE_HEX + _EXPIRY_HEX + _MAC_HEX
        if not (isinstance(state, str) and len(state) == size and _is_hex(state)):
            raise SignInRefused("bad_state", "this sign-in did not start here", 400)
        signed, mac = state[:-_MAC_HEX], state[-_MAC_HEX:]
        if not hmac.compare_digest(self._mac(signed), mac):
            raise SignInRefused("bad_state", "this sign-in did not start here", 400)
        if int(signed[_NONCE_HEX:], 16) < self.clock():
            raise SignInRefused("expired_state", "the sign-in took too long; start again", 400)

    def finish(self, code: Any, state: Any, ip: str | None, user_agent: str | None
               ) -> dict[str, Any]:  # fmt: skip
        """The session token and who it is for, or SignInRefused."""
        self.check_state(state)
        userid = self._userid(code)
        member = self.staff(userid)
        refusal = _refusal(member)
        if refusal is not None:
            reason, message = refusal
            self.audit.append(userid, "", "sign_in_refused", None, {"via": "wecom",
                              "reason": reason}, ip, user_agent)  # fmt: skip
            raise SignInRefused(reason, message, 403)
        assert member is not None
        roles = [r for r in member.roles if r in ROLES]
        self.audit.append(userid, ",".join(roles), "sign_in", None,
                          {"via": "wecom", "name": member.name}, ip, user_agent)  # fmt: skip
        token = issue_session_token(userid, member.name, roles, self._secret,
                                    self.session_ttl_s, self.clock())  # fmt: skip
        return {
            "token": token,
            "user": {"id": userid, "name": member.name, "roles": roles},
            "expires_in": self.session_ttl_s,
        }

    def _userid(self, code: Any) -> str:
        from chalicelib.staff.wecom import WeComApiError

        if not (isinstance(code, str) and code.isascii() and code.isprintable()
                and 0 < len(code) <= MAX_CODE_BYTES):  # fmt: skip
            raise SignInRefused("invalid_code", "the sign-in code is not valid; sign in again", 401)
        try:
            userid = self.wecom.user_from_code(code)
        except WeComApiError as exc:
            if exc.errcode == INVALID_CODE:
                raise SignInRefused(
                    "invalid_code", "the sign-in code was used or has expired; sign in again", 401
                ) from exc
            log.warning("wecom sign-in: getuserinfo failed: %s", exc.errcode)
            raise SignInRefused("unavailable", "WeCom did not answer; try again", 503) from exc
        if not userid:
            raise SignInRefused(
                "not_member", "only members of the company's WeCom may sign in", 403
            )
        return userid

    def _mac(self, signed: str) -> str:
        return hmac.new(self._key, signed.encode(), hashlib.sha256).hexdigest()[:_MAC_HEX]


def _refusal(member: Any) -> tuple[str, str] | None:
    if member is None:
        return "not_staff", "you are not on the console's staff list; ask a claims supervisor"
    if member.disabled:
        return "disabled", "your console access is switched off; ask a claims supervisor"
    if not any(r in ROLES for r in member.roles):
        return "no_roles", "you have no console role yet; ask a claims supervisor"
    return None


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)
