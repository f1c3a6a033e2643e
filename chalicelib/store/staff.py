"""The console's staff: who may sign in through WeCom, with which roles, in which team.

Table logical name "staff" (StaffTable), hash key `userid`: the member's WeCom userid. A
supervisor sees the conversation records of their team (domain/records.py). An operator edits
it with `claimbot staff add|list|set-roles|set-team|disable|enable`; each change is
written in one transaction with its audit entry (`AuditLog.append(..., also=...)`), so the
table never holds a change the audit log does not show.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model

from chalicelib.console.auth import ROLES

if TYPE_CHECKING:  # store.audit imports store.models, which registers this module's model
    from chalicelib.store.audit import AuditLog

OPERATOR_ROLE = "operator"
USERID_MAX = 64
TEAM_MAX = 40


class StaffItem(Model):
    """Imports nothing from chalicelib.store.models, so models.ALL_MODELS can register it."""

    class Meta:
        table_name = "staff"

    userid = UnicodeAttribute(hash_key=True)  # the WeCom userid (corp directory)
    name = UnicodeAttribute()  # shown in the console and on decisions
    roles = JSONAttribute(default=list)  # console roles (console/auth.py ROLES)
    disabled = BooleanAttribute(default=False)
    team = UnicodeAttribute(null=True)  # e.g. 理赔一组; a supervisor sees their team's records
    updated_at = NumberAttribute()
    updated_by = UnicodeAttribute()


@dataclass(frozen=True)
class StaffMember:
    userid: str
    name: str
    roles: tuple[str, ...]
    disabled: bool = False
    team: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"userid": self.userid, "name": self.name, "roles": list(self.roles),
                "disabled": self.disabled, "team": self.team}  # fmt: skip


class StaffError(ValueError):
    """An operator mistake (unknown member, bad role, already there), in one English line."""


def check_roles(roles: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(r.strip() for r in roles if r.strip()))
    unknown = [r for r in chosen if r not in ROLES]
    if unknown:
        raise StaffError(f"unknown role {', '.join(unknown)}; roles are {', '.join(ROLES)}")
    if not chosen:
        raise StaffError(f"give at least one role: {', '.join(ROLES)}")
    return chosen


def check_team(team: str) -> str:
    team = " ".join(team.split())
    if len(team) > TEAM_MAX or "|" in team:
        raise StaffError(f"a team name is at most {TEAM_MAX} characters without '|'")
    return team


def check_userid(userid: str) -> str:
    userid = userid.strip()
    if not userid or len(userid) > USERID_MAX or "|" in userid:
        raise StaffError("a WeCom userid is 1-64 characters without '|'")
    return userid


class StaffDirectory:
    """Reads and changes the staff table; every change is audited in the same transaction."""

    def __init__(self, audit: AuditLog, clock: Callable[[], float] = time.time) -> None:
        self.audit = audit
        self.clock = clock

    def get(self, userid: str) -> StaffMember | None:
        try:
            return _member(StaffItem.get(userid, consistent_read=True))
        except StaffItem.DoesNotExist:
            return None

    def members(self) -> list[StaffMember]:
        return sorted((_member(i) for i in StaffItem.scan()), key=lambda m: m.userid)

    def team_members(self, team: str) -> list[str]:
        """The userids in `team` (the staff table is a few hundred rows: a filtered scan)."""
        if not team:
            return []
        return sorted(i.userid for i in StaffItem.scan(StaffItem.team == team))

    def add(self, userid: str, name: str, roles: Sequence[str], by: str,
            team: str = "") -> StaffMember:  # fmt: skip
        userid, roles, team = check_userid(userid), check_roles(roles), check_team(team)
        if not name.strip():
            raise StaffError("give the member's name (--name), as colleagues know them")
        item = StaffItem(userid=userid, name=name.strip(), roles=list(roles), disabled=False,
                         team=team or None, updated_at=self.clock(), updated_by=by)  # fmt: skip
        detail = {"userid": userid, "name": item.name, "roles": list(roles), "team": team}
        self._audited(by, "staff:add", detail,
                      lambda tx: tx.save(item, condition=StaffItem.userid.does_not_exist()),
                      f"{userid} is already staff: use set-roles or enable")  # fmt: skip
        return _member(item)

    def set_roles(self, userid: str, roles: Sequence[str], by: str) -> StaffMember:
        roles = check_roles(roles)
        before = self._existing(userid)
        detail = {"userid": userid, "roles": list(roles), "before": list(before.roles)}
        self._update(userid, by, "staff:set_roles", detail, [StaffItem.roles.set(list(roles))])
        return StaffMember(userid, before.name, roles, before.disabled, before.team)

    def set_team(self, userid: str, team: str, by: str) -> StaffMember:
        """Move a member to `team` ("" takes them out of any)."""
        team = check_team(team)
        before = self._existing(userid)
        detail = {"userid": userid, "team": team, "before": before.team}
        change = StaffItem.team.set(team) if team else StaffItem.team.remove()
        self._update(userid, by, "staff:set_team", detail, [change])
        return StaffMember(userid, before.name, before.roles, before.disabled, team)

    def disable(self, userid: str, by: str, reason: str = "") -> StaffMember:
        before = self._existing(userid)
        detail = {"userid": userid, "reason": reason.strip()[:200]}
        self._update(userid, by, "staff:disable", detail, [StaffItem.disabled.set(True)])
        return StaffMember(userid, before.name, before.roles, True, before.team)

    def enable(self, userid: str, by: str) -> StaffMember:
        before = self._existing(userid)
        self._update(userid, by, "staff:enable", {"userid": userid},
                     [StaffItem.disabled.set(False)])  # fmt: skip
        return StaffMember(userid, before.name, before.roles, False, before.team)

    def _existing(self, userid: str) -> StaffMember:
        member = self.get(userid)
        if member is None:
            raise StaffError(f"{userid} is not staff: add them first (claimbot staff add)")
        return member

    def _update(self, userid: str, by: str, action: str, detail: dict[str, Any],
                actions: list[Any]) -> None:  # fmt: skip
        stamp = [StaffItem.updated_at.set(self.clock()), StaffItem.updated_by.set(by)]
        self._audited(by, action, detail,
                      lambda tx: tx.update(StaffItem(userid=userid), actions=[*actions, *stamp],
                                           condition=StaffItem.userid.exists()),
                      f"{userid} is not staff: add them first (claimbot staff add)")  # fmt: skip

    def _audited(self, by: str, action: str, detail: dict[str, Any], write: Callable[[Any], None],
                 refused: str) -> None:  # fmt: skip
        try:
            self.audit.append(by, OPERATOR_ROLE, action, detail=detail, also=write)
        except TransactWriteError as exc:
            if _condition_failed_at(exc, 1):
                raise StaffError(refused) from exc
            raise


def _member(item: StaffItem) -> StaffMember:
    return StaffMember(item.userid, item.name, tuple(item.roles or ()), bool(item.disabled),
                       item.team or "")  # fmt: skip


def _condition_failed_at(exc: Exception, index: int) -> bool:
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return len(reasons) > index and reasons[index] is not None and (
        reasons[index].code == "ConditionalCheckFailed")  # fmt: skip
