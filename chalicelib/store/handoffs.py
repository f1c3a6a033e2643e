"""Handoffs to people, the on-call roster, and callback tickets, in DynamoDB."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import size
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.domain import tickets as ticket_rules
from chalicelib.domain.data_requests import PREFIX
from chalicelib.domain.handoff import Role, Shift
from chalicelib.domain.hours import CHINA
from chalicelib.store.models import HandoffItem, RosterShift, TicketItem, condition_failed

OPEN_BUCKET = "open"
OPEN_STATES = ("waiting", "active")
KEEP_ENDED_S = 180 * 24 * 3600
DATA_REQUEST = PREFIX  # tickets of customers' requests about their data (PIPL)
CLOSED_SHOWN = 200


class Handoffs:
    """One current handoff per customer. Jobs about one customer's handoff (start, relay, end)
    hold its lease, so staff see them in order; every other change is an update of the
    attributes it concerns, so concurrent changes (a staff reply, the watchdog) never undo
    each other."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    def current(self, openid: str) -> HandoffItem | None:
        """The customer's handoff if it is still open (waiting or active)."""
        item = self.latest(openid)
        return item if item is not None and item.state in OPEN_STATES else None

    def latest(self, openid: str) -> HandoffItem | None:
        try:
            return HandoffItem.get(openid, consistent_read=True)
        except DoesNotExist:
            return None

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
            relays={},
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
        return [h for h in HandoffItem.by_staff.query(userid) if h.state in OPEN_STATES]

    def recently_ended_of_staff(self, userid: str, since: float) -> list[HandoffItem]:
        return [
            h
            for h in HandoffItem.by_staff.query(userid)
            if h.state == "ended" and (h.ended_at or 0) >= since
        ]

    def open_ones(self) -> list[HandoffItem]:
        return list(HandoffItem.open_by_time.query(OPEN_BUCKET))

    # --- changes, each an update of its own attributes ---------------------------------------

    def take_lease(self, openid: str, holder: str, seconds: float) -> bool:
        now = self.clock()
        free = HandoffItem.lease_until.does_not_exist() | (HandoffItem.lease_until < now)
        try:
            HandoffItem(openid=openid).update(
                actions=[HandoffItem.lease_holder.set(holder),
                         HandoffItem.lease_until.set(now + seconds)],  # fmt: skip
                condition=HandoffItem.openid.exists() & free,
                add_version_condition=False,
            )
            return True
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise

    def drop_lease(self, openid: str, holder: str) -> None:
        try:
            HandoffItem(openid=openid).update(
                actions=[HandoffItem.lease_until.remove(), HandoffItem.lease_holder.remove()],
                condition=HandoffItem.lease_holder == holder,
                add_version_condition=False,
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise

    def notified(self, item: HandoffItem, level: int, staff_userid: str | None) -> None:
        actions: list[Action] = [
            HandoffItem.level.set(level), HandoffItem.notified_at.set(self.clock())
        ]
        if staff_userid:
            actions.append(HandoffItem.staff_userid.set(staff_userid))
        item.update(actions=actions, add_version_condition=False)

    def queue_relay(self, openid: str, seq: str, said: str) -> None:
        """Keep what the customer said until a relay job sends it, in order, under the lease."""
        item = HandoffItem(openid=openid)
        try:
            item.update(actions=[HandoffItem.relays[seq].set(said)],
                        condition=HandoffItem.relays.exists(),
                        add_version_condition=False)  # fmt: skip
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            # A handoff opened before it had a map for this: start one.
            item.update(actions=[HandoffItem.relays.set({seq: said})],
                        condition=HandoffItem.openid.exists(),
                        add_version_condition=False)  # fmt: skip

    def relayed(self, item: HandoffItem, seqs: list[str]) -> None:
        if seqs:
            removals = [HandoffItem.relays[s].remove() for s in seqs]
            item.update(actions=removals, add_version_condition=False)

    def offer(self, item: HandoffItem, offered: dict[str, Any]) -> None:
        """The knowledge base's candidates just relayed to WeCom with the customer's words
        (Assist): a reply with a number sends one of them."""
        item.update(actions=[HandoffItem.offered.set(offered)], add_version_condition=False)
        item.offered = offered

    def touch(self, item: HandoffItem) -> None:
        item.update(actions=[HandoffItem.last_activity.set(self.clock())],
                    add_version_condition=False)  # fmt: skip

    def answered(self, item: HandoffItem, staff_userid: str | None, staff_id: str) -> None:
        """A person answered: waiting → active (the first answer only), activity now."""
        now = self.clock()
        try:
            item.update(
                actions=[
                    HandoffItem.state.set("active"),
                    HandoffItem.answered_at.set(now),
                    HandoffItem.staff_userid.set(staff_userid or item.staff_userid),
                    HandoffItem.staff_id.set(staff_id),
                    HandoffItem.last_activity.set(now),
                ],
                condition=HandoffItem.state == "waiting",
                add_version_condition=False,
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            self.touch(item)

    def close(self, openid: str, ended_by: str) -> bool:
        item = self.current(openid)
        return item is not None and self.end(item, ended_by)

    def staff_told_of_end(self, item: HandoffItem) -> bool:
        """Record that staff were told the customer left; False when they already were."""
        try:
            item.update(actions=[HandoffItem.end_told_at.set(self.clock())],
                        condition=HandoffItem.end_told_at.does_not_exist(),
                        add_version_condition=False)  # fmt: skip
            return True
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise

    def end(self, item: HandoffItem, ended_by: str, ticket_no: str | None = None) -> bool:
        """Close it (once: False when it was closed already)."""
        now = self.clock()
        actions: list[Action] = [
            HandoffItem.state.set("ended"),
            HandoffItem.ended_at.set(now),
            HandoffItem.ended_by.set(ended_by),
            HandoffItem.open_bucket.remove(),
            HandoffItem.expires_at.set(int(now + KEEP_ENDED_S)),
        ]
        if ticket_no:
            actions.append(HandoffItem.ticket_no.set(ticket_no))
        try:
            item.update(actions=actions, condition=HandoffItem.state.is_in(*OPEN_STATES),
                        add_version_condition=False)  # fmt: skip
            return True
        except UpdateError as exc:
            if condition_failed(exc):
                return False
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
        *,
        claim_no: str | None = None,
        policy_no: str | None = None,
        policy_phone_masked: str | None = None,
    ) -> TicketItem:
        """`ticket_no` given (derived from what caused it) makes a repeated call a no-op. Every
        ticket gets a deadline (a callback promised for no known hour: within a day), its place
        in the sparse index by_queue."""
        now = self.clock()
        number = ticket_no or _number("T", now)
        data_request = kind.startswith(DATA_REQUEST)
        if due_at is None and not data_request:
            due_at = now + ticket_rules.CALLBACK_DUE_S
        item = TicketItem(
            ticket_no=number,
            openid=openid,
            kind=kind,
            priority=priority,
            created_at=now,
            due_at=due_at,
            summary=summary,
            queue=DATA_REQUEST + "open" if data_request else ticket_rules.QUEUE_OPEN,
            claim_no=claim_no,
            policy_no=policy_no,
            policy_phone_masked=policy_phone_masked or None,
        )
        try:
            item.save(condition=TicketItem.ticket_no.does_not_exist())
        except PutError as exc:
            if not condition_failed(exc):
                raise
            return TicketItem.get(number)
        return item

    def get(self, ticket_no: str) -> TicketItem | None:
        try:
            return TicketItem.get(ticket_no, consistent_read=True)
        except DoesNotExist:
            return None

    # --- the tickets page (by_queue "ticket:open" / ":closed") ------------------------------

    def open_tickets(self) -> list[TicketItem]:
        """Every open ticket but data requests, soonest deadline first."""
        return list(TicketItem.by_queue.query(ticket_rules.QUEUE_OPEN))

    def closed_tickets(self, limit: int = CLOSED_SHOWN) -> list[TicketItem]:
        """The `limit` closed tickets with the latest deadlines."""
        return list(TicketItem.by_queue.query(ticket_rules.QUEUE_CLOSED, scan_index_forward=False,
                                              limit=limit))  # fmt: skip

    def due_by(self, until: float) -> list[TicketItem]:
        """Open tickets whose deadline is before `until` (the supervisor's alert)."""
        return list(TicketItem.by_queue.query(ticket_rules.QUEUE_OPEN,
                                              TicketItem.due_at <= until))  # fmt: skip

    def assign(self, item: TicketItem, to: str, to_name: str) -> Callable[[TransactWrite], None]:
        """The write that assigns it (an open ticket only), for the audit's transaction."""
        actions: list[Action] = [TicketItem.assignee.set(to), TicketItem.assignee_name.set(to_name),
                                 TicketItem.assigned_at.set(self.clock())]  # fmt: skip
        condition = TicketItem.status == "open"
        return lambda tx: tx.update(item, actions=actions, condition=condition)

    def add_note(
        self, item: TicketItem, text: str, by: str, by_name: str
    ) -> Callable[[TransactWrite], None]:
        """The write that appends a note (never edited or removed), for the audit's
        transaction; a ticket keeps at most MAX_NOTES."""
        note = {"at": round(self.clock(), 3), "by": by, "by_name": by_name, "text": text}
        actions: list[Action] = [
            TicketItem.notes.set((TicketItem.notes | []).append([note]))
        ]
        condition = TicketItem.ticket_no.exists() & (
            TicketItem.notes.does_not_exist()
            | (size(TicketItem.notes) < ticket_rules.MAX_NOTES)
        )
        return lambda tx: tx.update(item, actions=actions, condition=condition)

    def close(
        self, item: TicketItem, outcome: str, reason: str, by: str, by_name: str
    ) -> Callable[[TransactWrite], None]:
        """The write that closes it (once), for the audit's transaction."""
        actions: list[Action] = [
            TicketItem.status.set("closed"),
            TicketItem.queue.set(ticket_rules.QUEUE_CLOSED),
            TicketItem.outcome.set(outcome),
            TicketItem.closed_by.set(by),
            TicketItem.closed_by_name.set(by_name),
            TicketItem.closed_at.set(self.clock()),
        ]
        if reason:
            actions.append(TicketItem.close_reason.set(reason))
        condition = TicketItem.status == "open"
        return lambda tx: tx.update(item, actions=actions, condition=condition)

    def keep_callback_phone(self, ticket_no: str, sealed: str, masked: str,
                            is_policy: bool) -> bool:  # fmt: skip
        """The number the customer left; False when the ticket does not exist (yet)."""
        actions: list[Action] = [
            TicketItem.callback_phone_sealed.set(sealed),
            TicketItem.callback_phone_masked.set(masked),
            TicketItem.callback_phone_is_policy.set(is_policy),
            TicketItem.callback_phone_declined.remove(),
        ]
        return self._update_existing(ticket_no, actions)

    def phone_declined(self, ticket_no: str) -> bool:
        return self._update_existing(ticket_no, [TicketItem.callback_phone_declined.set(True)])

    def alerted(self, item: TicketItem) -> bool:
        """Record the supervisor's alert; False when it was given already (once a ticket)."""
        try:
            item.update(actions=[TicketItem.alerted_at.set(self.clock())],
                        condition=TicketItem.alerted_at.does_not_exist(),
                        add_version_condition=False)  # fmt: skip
            return True
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise

    def file_unqueued(self) -> int:
        """Tickets made before the tickets page had no place in by_queue (nor, some, a
        deadline): give each one, once (`claimbot tickets file-old`, a scan). An expired
        survey's callback becomes a survey_expired ticket with its claim. How many were filed."""
        filed = 0
        for item in TicketItem.scan(TicketItem.queue.does_not_exist()):
            kind = item.kind
            if item.ticket_no.startswith("TV") and kind == "callback":
                kind = ticket_rules.SURVEY_EXPIRED
            actions: list[Action] = [TicketItem.kind.set(kind)]
            if kind.startswith(DATA_REQUEST):
                actions.append(TicketItem.queue.set(DATA_REQUEST + item.status))
            else:
                actions.append(TicketItem.queue.set(f"ticket:{item.status}"))
            if not item.due_at:  # null in tickets made before the page
                days = ticket_rules.COMPLAINT_DAYS if kind == ticket_rules.SENSITIVE else 1
                actions.append(TicketItem.due_at.set(item.created_at + days * 86400))
            if kind == ticket_rules.SURVEY_EXPIRED and not item.claim_no:
                actions.append(TicketItem.claim_no.set(item.ticket_no[2:]))
            try:
                item.update(actions=actions, condition=TicketItem.queue.does_not_exist())
                filed += 1
            except UpdateError as exc:
                if not condition_failed(exc):
                    raise
        return filed

    def _update_existing(self, ticket_no: str, actions: list[Action]) -> bool:
        try:
            TicketItem(ticket_no=ticket_no).update(actions=actions,
                                                   condition=TicketItem.ticket_no.exists())
            return True
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise

    # --- customers' data requests (sparse index by_queue: only they carry `queue`) ----------

    def data_requests(self, status: str, limit: int = CLOSED_SHOWN) -> list[TicketItem]:
        """Open ones, every one, soonest deadline first; closed ones, the `limit` with the
        latest deadlines (newest first)."""
        if status == "open":
            return list(TicketItem.by_queue.query(DATA_REQUEST + "open"))
        return list(TicketItem.by_queue.query(DATA_REQUEST + "closed", scan_index_forward=False,
                                              limit=limit))  # fmt: skip

    def data_request(self, ticket_no: str) -> TicketItem | None:
        try:
            item = TicketItem.get(ticket_no, consistent_read=True)
        except DoesNotExist:
            return None
        return item if item.kind.startswith(DATA_REQUEST) else None

    def close_data_request(
        self, item: TicketItem, outcome: str, note: str, reason: str, by: str, by_name: str,
    ) -> Callable[[TransactWrite], None]:  # fmt: skip
        """The write that closes it (once: its condition fails on a closed one), for the
        transaction that also appends its audit entry."""
        actions: list[Action] = [
            TicketItem.status.set("closed"),
            TicketItem.queue.set(DATA_REQUEST + "closed"),
            TicketItem.outcome.set(outcome),
            TicketItem.closed_by.set(by),
            TicketItem.closed_by_name.set(by_name),
            TicketItem.closed_at.set(self.clock()),
        ]
        if note:
            actions.append(TicketItem.close_note.set(note))
        if reason:
            actions.append(TicketItem.close_reason.set(reason))
        condition = TicketItem.status == "open"
        return lambda tx: tx.update(item, actions=actions, condition=condition)


def _number(prefix: str, now: float) -> str:
    stamp = datetime.fromtimestamp(now, CHINA)
    return f"{prefix}{stamp:%Y%m%d%H%M%S}{secrets.randbelow(10**4):04d}"
