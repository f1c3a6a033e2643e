"""Who is calling the console: a signed JWT bearer token with roles.

Three issuers, chosen by CONSOLE_SIGN_IN (`Settings.sign_in_method`):

* wecom: staff sign in through WeCom (console/sign_in.py) and claimbot issues its own session
  token (HS256, CONSOLE_SESSION_SECRET, key id `claimbot-session`). Roles and the disabled
  mark are read from the staff table (store/staff.py) again at most a minute after each
  check, so a change there applies within a minute, whatever the token says.
* cognito / oidc: the identity provider's tokens (RS256, keys from its JWKS; roles from the
  `roles`, `cognito:groups` or `groups` claim).
* On the local stage `claimbot dev` also offers a dev sign-in with demo users, whose tokens
  are signed with a local secret (HS256).

Either way every API route checks the role.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

ROLES = ("adjuster", "supervisor", "auditor", "agent", "approver")
DEV_TOKEN_TTL_S = 8 * 3600
LEEWAY_S = 30
SESSION_KEY_ID = "claimbot-session"  # the `kid` header of claimbot's own session tokens
SESSION_ISSUER = "claimbot"
SESSION_AUDIENCE = "claimbot-console"
STAFF_RECHECK_S = 60  # how stale a signed-in member's roles may be (disable, set-roles)


class Permission(StrEnum):
    VIEW_CLAIMS = "view_claims"
    DECIDE = "decide"
    VIEW_AUDIT = "view_audit"
    HANDLE_CHATS = "handle_chats"
    SIGN_OFF = "sign_off"  # approvals above their maker's authority (核赔权限)
    VIEW_RATINGS = "view_ratings"  # customers' satisfaction ratings (满意度), per agent and flow
    EDIT_CANNED = "edit_canned"  # the canned-reply library (快捷回复); agents only use it
    COMPOSE_CAMPAIGNS = "compose_campaigns"  # 群发: write, preview, submit (service/campaigns.py)
    APPROVE_CAMPAIGNS = "approve_campaigns"  # 群发: approve or reject another's campaign


GRANTS: dict[str, frozenset[Permission]] = {
    "adjuster": frozenset({Permission.VIEW_CLAIMS, Permission.DECIDE}),
    "supervisor": frozenset(
        {Permission.VIEW_CLAIMS, Permission.DECIDE, Permission.SIGN_OFF, Permission.VIEW_AUDIT,
         Permission.HANDLE_CHATS, Permission.EDIT_CANNED, Permission.VIEW_RATINGS,
         Permission.COMPOSE_CAMPAIGNS}
    ),  # fmt: skip
    "auditor": frozenset({Permission.VIEW_CLAIMS, Permission.VIEW_AUDIT, Permission.VIEW_RATINGS}),
    "agent": frozenset({Permission.HANDLE_CHATS}),  # the agents' inbox, not claims
    # The second person of a campaign (群发审批): approves or rejects what others submitted.
    "approver": frozenset({Permission.APPROVE_CAMPAIGNS}),
}

DEV_USERS: tuple[dict[str, Any], ...] = (  # local only; "team": as the staff table's
    {"id": "adjuster1", "name": "李理赔", "roles": ["adjuster"]},
    {"id": "adjuster2", "name": "王定损", "roles": ["adjuster"]},
    {"id": "supervisor1", "name": "陈主管", "roles": ["supervisor"], "team": "理赔一组"},
    {"id": "auditor1", "name": "周稽核", "roles": ["auditor"]},
    {"id": "agent1", "name": "赵客服", "roles": ["agent"], "team": "理赔一组"},
    {"id": "agent2", "name": "钱客服", "roles": ["agent"]},  # a second agent: round-robin
    {"id": "approver1", "name": "孙审批", "roles": ["approver"]},  # 群发审批 (a second person)
)


class Unauthorized(Exception):
    """No valid token: sign in (again)."""


class Forbidden(Exception):
    """A valid user whose roles do not allow this."""


@dataclass(frozen=True)
class Staff:
    id: str
    name: str
    roles: tuple[str, ...]

    def may(self, permission: Permission) -> bool:
        return any(permission in GRANTS.get(role, ()) for role in self.roles)

    def require(self, permission: Permission) -> Staff:
        if not self.may(permission):
            raise Forbidden(f"your role ({', '.join(self.roles) or 'none'}) may not {permission}")
        return self

    @property
    def role(self) -> str:
        return ",".join(self.roles)

    def permissions(self) -> list[str]:
        return sorted({str(p) for role in self.roles for p in GRANTS.get(role, ())})

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "roles": list(self.roles)}


class StaffRecord(Protocol):
    """A staff table entry (store.staff.StaffMember)."""

    @property
    def name(self) -> str: ...

    @property
    def roles(self) -> tuple[str, ...]: ...

    @property
    def disabled(self) -> bool: ...


StaffLookup = Callable[[str], StaffRecord | None]


class TokenVerifier:
    """Checks bearer tokens: claimbot's session tokens (WeCom sign-in), an identity provider's
    (JWKS: Cognito, OIDC), or the dev secret's on the local stage."""

    def __init__(
        self,
        dev_secret: str = "",
        jwks_url: str = "",
        issuer: str = "",
        audience: str = "",
        *,
        session_secret: str = "",
        staff_lookup: StaffLookup | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not (dev_secret or jwks_url or session_secret):
            raise ValueError(
                "set CONSOLE_SESSION_SECRET (WeCom sign-in), CONSOLE_JWKS_URL (Cognito, OIDC) "
                "or, locally, CONSOLE_DEV_SECRET"
            )
        if session_secret and staff_lookup is None:
            raise ValueError("WeCom sign-in needs the staff table (staff_lookup)")
        self.dev_secret = dev_secret
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self.session_secret = session_secret
        self.staff_lookup = staff_lookup
        self.clock = clock
        self._jwks: Any = None
        self._recent: dict[str, tuple[float, StaffRecord | None]] = {}

    def staff(self, authorization: str | None) -> Staff:
        token = _bearer(authorization)
        if self.session_secret and _key_id(token) == SESSION_KEY_ID:
            return self._session_staff(token)
        claims = self._claims(token)
        roles = tuple(r for r in _roles(claims) if r in ROLES)
        name = str(claims.get("name") or claims.get("cognito:username") or claims["sub"])
        return Staff(id=str(claims["sub"]), name=name, roles=roles)

    def _session_staff(self, token: str) -> Staff:
        """A claimbot session token; name and roles as the staff table has them now."""
        claims = verify_session_token(token, self.session_secret)
        member = self._member(str(claims["sub"]))
        if member is None or member.disabled:
            raise Unauthorized("no longer staff")
        roles = tuple(r for r in member.roles if r in ROLES)
        return Staff(id=str(claims["sub"]), name=member.name, roles=roles)

    def _member(self, userid: str) -> StaffRecord | None:
        now = self.clock()
        cached = self._recent.get(userid)
        if cached is not None and now - cached[0] < STAFF_RECHECK_S:
            return cached[1]
        assert self.staff_lookup is not None
        member = self.staff_lookup(userid)
        if len(self._recent) > 1000:  # a container serves a few dozen staff; stay small
            self._recent.clear()
        self._recent[userid] = (now, member)
        return member

    def _claims(self, token: str) -> dict[str, Any]:
        import jwt

        try:
            if self.jwks_url:
                return self._cognito_claims(jwt, token)
            return jwt.decode(
                token,
                self.dev_secret,
                algorithms=["HS256"],
                options={"require": ["exp", "sub"]},
                leeway=LEEWAY_S,
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc

    def _cognito_claims(self, jwt: Any, token: str) -> dict[str, Any]:
        if self._jwks is None:
            self._jwks = jwt.PyJWKClient(self.jwks_url, cache_keys=True)
        key = self._jwks.get_signing_key_from_jwt(token).key
        claims = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            issuer=self.issuer or None,
            options={"require": ["exp", "sub"], "verify_aud": False},
            leeway=LEEWAY_S,
        )
        # Cognito ID tokens carry the app client in `aud`, access tokens in `client_id`; an
        # OIDC provider's `aud` may be a list.
        client = claims.get("aud") or claims.get("client_id")
        clients = client if isinstance(client, list) else [client]
        if self.audience and self.audience not in clients:
            raise jwt.InvalidAudienceError("token is for another app client")
        return claims


def issue_session_token(
    userid: str,
    name: str,
    roles: Sequence[str],
    secret: str,
    ttl_s: int,
    now: float | None = None,
) -> str:
    """claimbot's own console session token, after a WeCom sign-in."""
    import secrets

    import jwt

    if not secret:
        raise ValueError("CONSOLE_SESSION_SECRET is not set")
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": SESSION_ISSUER,
        "aud": SESSION_AUDIENCE,
        "sub": userid,
        "name": name,
        "roles": list(roles),
        "idp": "wecom",
        "iat": issued,
        "exp": issued + ttl_s,
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": SESSION_KEY_ID})


def verify_session_token(token: str, secret: str) -> dict[str, Any]:
    import jwt

    try:
        return jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=SESSION_AUDIENCE,
            issuer=SESSION_ISSUER,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            leeway=LEEWAY_S,
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid session token: {exc}") from exc


def issue_dev_token(user: dict[str, Any], secret: str, now: float | None = None) -> str:
    import jwt

    issued = int(now if now is not None else time.time())
    claims = {
        "sub": user["id"],
        "name": user["name"],
        "roles": list(user["roles"]),
        "iat": issued,
        "exp": issued + DEV_TOKEN_TTL_S,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def dev_user(user_id: str) -> dict[str, Any] | None:
    return next((u for u in DEV_USERS if u["id"] == user_id), None)


def _bearer(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("sign in")
    return token.strip()


def _key_id(token: str) -> str | None:
    import jwt

    try:
        return jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid token: {exc}") from exc


def _roles(claims: dict[str, Any]) -> Sequence[str]:
    roles = claims.get("roles") or claims.get("cognito:groups") or claims.get("groups") or []
    if isinstance(roles, str):
        roles = roles.split(",")
    return [str(r).strip() for r in roles]
