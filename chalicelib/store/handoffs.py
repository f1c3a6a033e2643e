"""Handoffs to people, the on-call roster, and callback tickets, in DynamoDB."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.domain.handoff import Role, Shift
from chalicelib.store.models import HandoffItem, RosterShift, TicketItem, condition_failed

OPEN_BUCKET = "open"
KEEP_ENDED_S = 180 * 24 * 3600
CHINA = timezone(timedelta(hours=8))


class HandoffConflict(Exception):
    """The handoff changed meanwhile (another reply, the watchdog): read it again."""


class Handoffs:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    def current(self, openid: str) -> HandoffItem | None:
        """The customer's handoff if it is still open (waiting or active)."""
        try:
            item = HandoffItem.get(openid, consistent_read=True)
        except DoesNotExist:
            return None
        return item if item.state in ("waiting", "active") else None

    def open(self, openid: str, channel: str, reason: str) -> tuple[HandoffItem, bool]:
        """Start a handoff unless one is open: (the open handoff, whether it is new)."""
        now = self.clock()
        item = HandoffItem(
            openid=openid,
            handoff_id=_number("H", now),
            state="waiting",
            channel=channel,
            reason=reason,
            started_at=now,
            open_bucket=OPEN_BUCKET,
        )
        condition = HandoffItem.openid.does_not_exist() | HandoffItem.state.is_in("ended")
        try:
            item.save(condition=condition, add_version_condition=False)
            return item, True
        except PutError as exc:
            if not condition_failed(exc):
                raise
        existing = self.current(openid)
        if existing is None:  # ended between our write and read: try once more
            return self.open(openid, channel, reason)
        return existing, False

    def of_staff(self, userid: str) -> list[HandoffItem]:
        """Open handoffs this staff member was asked to answer or is answering."""
        return [
            h for h in HandoffItem.by_staff.query(userid) if h.state in ("waiting", "active")
        ]

    def open_ones(self) -> list[HandoffItem]:
        return list(HandoffItem.open_by_time.query(OPEN_BUCKET))

    def save(self, item: HandoffItem) -> None:
        if item.state in ("waiting", "active"):
            item.open_bucket = OPEN_BUCKET
            item.expires_at = None
        else:
            item.open_bucket = None
            item.expires_at = int(self.clock() + KEEP_ENDED_S)
        try:
            item.save()
        except PutError as exc:
            if condition_failed(exc):
                raise HandoffConflict(item.openid) from exc
            raise


class Roster:
    def add(self, shift: Shift) -> None:
        RosterShift(
            shift_id=shift.shift_id,
            staff_id=shift.staff_id,
            name=shift.name,
            wecom_userid=shift.wecom_userid,
            start=shift.start,
            end=shift.end,
            role=str(shift.role),
        ).save()

    def remove(self, shift_id: str) -> bool:
        try:
            RosterShift.get(shift_id).delete()
            return True
        except DoesNotExist:
            return False

    def shifts(self) -> list[Shift]:
        """Every shift (a roster is small: weeks of shifts for a handful of people)."""
        return sorted(
            (
                Shift(
                    shift_id=i.shift_id,
                    staff_id=i.staff_id,
                    name=i.name,
                    wecom_userid=i.wecom_userid,
                    start=i.start,
                    end=i.end,
                    role=Role(i.role),
                )
                for i in RosterShift.scan()
            ),
            key=lambda s: (s.start, s.role, s.shift_id),
        )


def new_shift_id() -> str:
    return "S" + secrets.token_hex(5)


class Tickets:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    def create(
        self,
        openid: str,
        kind: str,
        priority: str,
        summary: str,
        due_at: float | None = None,
        ticket_no: str | None = None,
    ) -> TicketItem:
        """`ticket_no` given (derived from what caused it) makes a repeated call a no-op."""
        now = self.clock()
        number = ticket_no or _number("T", now)
        item = TicketItem(
            ticket_no=number,
            openid=openid,
            kind=kind,
            priority=priority,
            created_at=now,
            due_at=due_at,
            summary=summary,
        )
        try:
            item.save(condition=TicketItem.ticket_no.does_not_exist())
        except PutError as exc:
            if not condition_failed(exc):
                raise
            return TicketItem.get(number)
        return item

    def open_tickets(self) -> list[TicketItem]:
        return [t for t in TicketItem.scan() if t.status == "open"]



def _number(prefix: str, now: float) -> str:
    stamp = datetime.fromtimestamp(now, CHINA)
    return f"{prefix}{stamp:%Y%m%d%H%M%S}{secrets.randbelow(10**4):04d}"
