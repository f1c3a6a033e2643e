"""Who is calling the console: a signed JWT bearer token with roles.

In AWS the Cognito user pool issues the tokens (RS256, keys from its JWKS; roles are the
user's Cognito groups). On the local stage `claimbot dev` offers a dev sign-in with demo users,
whose tokens are signed with a local secret (HS256). Either way every API route checks the role.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

ROLES = ("adjuster", "supervisor", "auditor", "agent")
DEV_TOKEN_TTL_S = 8 * 3600
LEEWAY_S = 30


class Permission(StrEnum):
    VIEW_CLAIMS = "view_claims"
    DECIDE = "decide"
    VIEW_AUDIT = "view_audit"
    HANDLE_CHATS = "handle_chats"
    SIGN_OFF = "sign_off"  # approvals above their maker's authority (核赔权限)


GRANTS: dict[str, frozenset[Permission]] = {
    "adjuster": frozenset({Permission.VIEW_CLAIMS, Permission.DECIDE}),
    "supervisor": frozenset(
        {Permission.VIEW_CLAIMS, Permission.DECIDE, Permission.SIGN_OFF, Permission.VIEW_AUDIT,
         Permission.HANDLE_CHATS}
    ),  # fmt: skip
    "auditor": frozenset({Permission.VIEW_CLAIMS, Permission.VIEW_AUDIT}),
    "agent": frozenset({Permission.HANDLE_CHATS}),  # the agents' inbox, not claims
}

DEV_USERS: tuple[dict[str, Any], ...] = (
    {"id": "adjuster1", "name": "李理赔", "roles": ["adjuster"]},
    {"id": "adjuster2", "name": "王定损", "roles": ["adjuster"]},
    {"id": "supervisor1", "name": "陈主管", "roles": ["supervisor"]},
    {"id": "auditor1", "name": "周稽核", "roles": ["auditor"]},
    {"id": "agent1", "name": "赵客服", "roles": ["agent"]},
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

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "roles": list(self.roles)}


class TokenVerifier:
    """Checks bearer tokens: Cognito's (JWKS) in AWS, or the dev secret's on the local stage."""

    def __init__(
        self,
        dev_secret: str = "",
        jwks_url: str = "",
        issuer: str = "",
        audience: str = "",
    ) -> None:
        if not (dev_secret or jwks_url):
            raise ValueError("set CONSOLE_JWKS_URL (Cognito) or, locally, CONSOLE_DEV_SECRET")
        self.dev_secret = dev_secret
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self._jwks: Any = None

    def staff(self, authorization: str | None) -> Staff:
        token = _bearer(authorization)
        claims = self._claims(token)
        roles = tuple(r for r in _roles(claims) if r in ROLES)
        name = str(claims.get("name") or claims.get("cognito:username") or claims["sub"])
        return Staff(id=str(claims["sub"]), name=name, roles=roles)

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
        # Cognito ID tokens carry the app client in `aud`, access tokens in `client_id`.
        client = claims.get("aud") or claims.get("client_id")
        if self.audience and client != self.audience:
            raise jwt.InvalidAudienceError("token is for another app client")
        return claims


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


def _roles(claims: dict[str, Any]) -> Sequence[str]:
    roles = claims.get("roles") or claims.get("cognito:groups") or []
    if isinstance(roles, str):
        roles = roles.split(",")
    return [str(r).strip() for r in roles]
