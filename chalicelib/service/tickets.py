"""Tickets for staff (the console's 工单 page): every open ticket by deadline, each kind shown to
the roles that handle it (domain/tickets.py); assignment, append-only notes and closing with an
outcome, each written with its audit entry in one transaction; a complaining customer's
callback number kept sealed and shown to a handler on request (audited); the supervisor
alerted once before a complaint's deadline (the watchdog).

Pending sign-offs are not tickets: an approval waiting for a supervisor is a flag on its claim,
which the claim's own sign-off decides. They are listed here as rows derived from the claims
waiting in review (no second state to keep in step), linking to the claim. Customers' data
requests are tickets, listed here too, but closed on the requests page (their closing tells the
customer, domain/data_requests.py): the row links there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.domain import data_requests as request_rules
from chalicelib.domain import handoff as handoff_rules
from chalicelib.domain import records as record_rules
from chalicelib.domain import tickets as rules
from chalicelib.domain.claims import ClaimStatus
from chalicelib.domain.hours import CHINA
from chalicelib.domain.masking import mask_phone
from chalicelib.service.logs import log_event, ref

if TYPE_CHECKING:
    from chalicelib.console.auth import Staff
    from chalicelib.console.service import Source
    from chalicelib.service.handoff import StaffChannel
    from chalicelib.store.audit import AuditLog
    from chalicelib.store.book import BookStore
    from chalicelib.store.handoffs import Roster, Tickets
    from chalicelib.store.models import TicketItem

PHONE_PURPOSE = "ticket-callback-phone"


@dataclass(frozen=True)
class Person:
    """Someone a ticket may be assigned to."""

    id: str
    name: str
    roles: tuple[str, ...]


class TicketDesk:
    def __init__(
        self,
        tickets: Tickets,
        audit: AuditLog,
        book: BookStore,
        people: Callable[[], list[Person]],
        pepper: Callable[[], bytes],
        *,
        roster: Roster | None = None,
        wecom: StaffChannel | None = None,
        alert_before_h: float = rules.ALERT_BEFORE_H,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tickets = tickets
        self.audit = audit
        self.book = book
        self.people = people
        self.pepper = pepper
        self.roster = roster
        self.wecom = wecom
        self.alert_before_h = alert_before_h
        self.clock = clock

    # --- the page --------------------------------------------------------------------------

    def listing(self, staff: Staff, params: Mapping[str, str]) -> dict[str, Any]:
        """Open first, soonest deadline first (none last); then closed ones, latest first.
        Filters: kind, status (open | closed | all), assignee (me | none | a staff id)."""
        from chalicelib.console.auth import Forbidden
        from chalicelib.console.service import BadRequest

        kinds = rules.kinds_for(staff.roles)
        if not kinds:
            raise Forbidden(f"your role ({staff.role or 'none'}) handles no tickets")
        status = params.get("status") or "open"
        kind = params.get("kind") or ""
        assignee = params.get("assignee") or ""
        if status not in rules.STATUSES:
            raise BadRequest(f"status must be one of {', '.join(rules.STATUSES)}")
        if kind and kind not in rules.KINDS:
            raise BadRequest(f"kind must be one of {', '.join(rules.KINDS)}")
        if kind and kind not in kinds:
            raise Forbidden(rules.refusal(staff.role, kind))
        shown = (kind,) if kind else kinds
        now = self.clock()
        rows: list[dict[str, Any]] = []
        if status in ("open", "all"):
            items = [i for i in self.tickets.open_tickets() if i.kind in shown]
            if rules.DATA_REQUEST in shown:
                items += self.tickets.data_requests("open")
            rows += [self._row(staff, i, now) for i in items]
            if rules.SIGNOFF in shown and assignee in ("", "none"):
                rows += self._signoff_rows()
            rows.sort(key=lambda r: (r["due_at"] is None, r["due_at"] or "", r["ticket_no"]))
        if status in ("closed", "all"):
            closed = [i for i in self.tickets.closed_tickets() if i.kind in shown]
            closed.sort(key=lambda i: -(i.closed_at or 0))
            rows += [self._row(staff, i, now) for i in closed]
        if assignee:
            wanted = None if assignee == "none" else staff.id if assignee == "me" else assignee
            rows = [r for r in rows if r["assignee"] == wanted]
        return {"tickets": rows, "kinds": list(kinds), "assignees": self._assignees(staff)}

    def assign(
        self, staff: Staff, ticket_no: str, body: Mapping[str, Any], source: Source
    ) -> dict[str, Any]:
        from chalicelib.console.auth import Forbidden
        from chalicelib.console.service import BadRequest

        item = self._open_ticket(staff, ticket_no)
        to = str(body.get("to") or "").strip()
        if to in ("", "me"):
            to = staff.id
        if to != staff.id and not rules.may_assign_others(staff.roles):
            raise Forbidden("only a supervisor assigns tickets to others; take it yourself")
        person = next((p for p in self.people() if p.id == to), None)
        if to == staff.id:
            person = Person(staff.id, staff.name, staff.roles)
        if person is None:
            raise BadRequest(f"no staff member {to}")
        if not rules.may_handle(person.roles, item.kind):
            raise BadRequest(f"{person.name} may not handle {rules.kind_of(item.kind)} tickets")
        write = self.tickets.assign(item, person.id, person.name)
        detail = {"ticket_no": ticket_no, "kind": item.kind, "assignee": person.id,
                  "assignee_name": person.name, "before": item.assignee or "",
                  "name": staff.name}  # fmt: skip
        return self._audited(staff, "ticket.assign", item, detail, write, source)

    def note(
        self, staff: Staff, ticket_no: str, body: Mapping[str, Any], source: Source
    ) -> dict[str, Any]:
        from chalicelib.console.service import BadRequest

        item = self._ticket(staff, ticket_no)
        try:
            text = rules.parse_note(body)
        except rules.TicketRequestError as exc:
            raise BadRequest(str(exc)) from exc
        if len(item.notes or []) >= rules.MAX_NOTES:
            raise BadRequest(f"a ticket keeps at most {rules.MAX_NOTES} notes")
        write = self.tickets.add_note(item, text, staff.id, staff.name)
        detail = {"ticket_no": ticket_no, "kind": item.kind, "chars": len(text),
                  "name": staff.name}  # fmt: skip
        return self._audited(staff, "ticket.note", item, detail, write, source)

    def close(
        self, staff: Staff, ticket_no: str, body: Mapping[str, Any], source: Source
    ) -> dict[str, Any]:
        from chalicelib.console.service import BadRequest

        item = self._open_ticket(staff, ticket_no)
        try:
            closing = rules.Closing.parse(item.kind, body)
        except rules.TicketRequestError as exc:
            raise BadRequest(str(exc)) from exc
        write = self.tickets.close(item, closing.outcome, closing.reason, staff.id, staff.name)
        detail = {"ticket_no": ticket_no, "kind": item.kind, "outcome": closing.outcome,
                  "reason": closing.reason, "customer": ref(item.openid),
                  "due_at": item.due_at, "name": staff.name}  # fmt: skip
        answer = self._audited(staff, f"ticket.close:{closing.outcome}", item, detail, write,
                               source)  # fmt: skip
        log_event("tickets.closed", kind=item.kind, outcome=closing.outcome,
                  user=ref(item.openid))  # fmt: skip
        return answer

    def reveal_phone(self, staff: Staff, ticket_no: str, source: Source) -> dict[str, Any]:
        """The callback number in full, for someone who handles the ticket's kind; audited."""
        from chalicelib.console.service import NotFound
        from chalicelib.domain.sealed import unseal

        item = self._ticket(staff, ticket_no)
        if not item.callback_phone_sealed:
            raise NotFound(f"ticket {ticket_no} has no callback number")
        phone = unseal(item.callback_phone_sealed, self.pepper(), PHONE_PURPOSE, ticket_no)
        self.audit.append(staff.id, staff.role, "ticket.phone", item.claim_no,
                          {"ticket_no": ticket_no, "kind": item.kind, "name": staff.name},
                          source.ip, source.user_agent)  # fmt: skip
        return {"ticket_no": ticket_no, "phone": phone}

    # --- from the chat and the watchdog ----------------------------------------------------

    def keep_phone(self, payload: dict[str, Any]) -> str:
        """The number a complaining customer left (job ticket.phone), or that they would not:
        the ticket is made by another job, so until it exists this raises and SQS retries."""
        ticket_no = str(payload["ticket_no"])
        if payload.get("declined"):
            done = self.tickets.phone_declined(ticket_no)
        else:
            from chalicelib.domain.sealed import seal

            phone = str(payload["phone"])
            sealed = seal(phone, self.pepper(), PHONE_PURPOSE, ticket_no)
            done = self.tickets.keep_callback_phone(ticket_no, sealed, mask_phone(phone),
                                                    self._is_policy_phone(payload, phone))
        if not done:
            raise TicketNotYet(f"ticket {ticket_no} does not exist yet")
        log_event("tickets.phone_kept", declined=bool(payload.get("declined")),
                  user=ref(str(payload.get("openid", ""))))  # fmt: skip
        return "kept"

    def alert_due(self) -> dict[str, int]:
        """Tell the on-call supervisor (else the person on call) about each complaint with less
        than `alert_before_h` hours left, once a ticket; nobody on call: the next run tries."""
        now = self.clock()
        due = [i for i in self.tickets.due_by(now + self.alert_before_h * 3600)
               if i.kind == rules.SENSITIVE and not i.alerted_at]  # fmt: skip
        if not due or self.roster is None or self.wecom is None:
            return {"tickets_alerted": 0}
        on_call = handoff_rules.on_call(self.roster.shifts(), now)
        people = on_call.supervisor or on_call.primary
        if not people:
            log_event("tickets.alert_nobody", waiting=len(due))
            return {"tickets_alerted": 0}
        alerted = 0
        for item in due:
            if not self.tickets.alerted(item):  # another run told them
                continue
            text = _alert_text(item, now)
            for shift in people:
                self.wecom.send_text(shift.wecom_userid, text)
            alerted += 1
            log_event("tickets.alerted", people=len(people), user=ref(item.openid))
        return {"tickets_alerted": alerted}

    # --- helpers ---------------------------------------------------------------------------

    def _ticket(self, staff: Staff, ticket_no: str) -> TicketItem:
        from chalicelib.console.auth import Forbidden
        from chalicelib.console.service import BadRequest, NotFound

        item = self.tickets.get(ticket_no)
        if item is None:
            raise NotFound(f"no ticket {ticket_no}")
        if not rules.may_handle(staff.roles, item.kind):
            raise Forbidden(rules.refusal(staff.role, item.kind))
        if request_rules.is_data_request(item.kind):
            raise BadRequest("a customer's data request is handled on the requests page")
        return item

    def _open_ticket(self, staff: Staff, ticket_no: str) -> TicketItem:
        from chalicelib.console.service import Conflict

        item = self._ticket(staff, ticket_no)
        if item.status != "open":
            raise Conflict(_closed_already(item))
        return item

    def _audited(
        self, staff: Staff, action: str, item: TicketItem, detail: dict[str, Any],
        write: Callable[[Any], None], source: Source,
    ) -> dict[str, Any]:  # fmt: skip
        """The change and its audit entry in one transaction; a ticket closed meanwhile: 409."""
        from chalicelib.console.service import Conflict, NotFound

        try:
            self.audit.append(staff.id, staff.role, action, item.claim_no, detail, source.ip,
                              source.user_agent, also=write)  # fmt: skip
        except TransactWriteError as exc:
            now = self.tickets.get(item.ticket_no)
            if now is not None and now.status != "open":
                raise Conflict(_closed_already(now)) from exc
            raise
        changed = self.tickets.get(item.ticket_no)
        if changed is None:
            raise NotFound(f"no ticket {item.ticket_no}")
        return {"ticket": self._row(staff, changed, self.clock())}

    def _is_policy_phone(self, payload: Mapping[str, Any], phone: str) -> bool:
        """Whether the number is the one on the customer's policy (its keyed hash)."""
        customer = self.book.customer_for(str(payload.get("openid", "")))
        return customer is not None and customer.customer_id in self.book.customers_with_phone(
            phone
        )

    def _row(self, staff: Staff, item: TicketItem, now: float) -> dict[str, Any]:
        from chalicelib.console.auth import Permission

        kind = rules.kind_of(item.kind)
        closed = item.status != "open"
        may_search = record_rules.scope_for(staff.roles) is not None
        link = None
        if kind == rules.DATA_REQUEST:
            link = "#/requests"
        elif item.claim_no and staff.may(Permission.VIEW_CLAIMS):
            link = f"#/claim/{item.claim_no}"
        return {
            "ticket_no": item.ticket_no,
            "kind": kind,
            "request": request_rules.request_of(item.kind) if kind == rules.DATA_REQUEST else None,
            "priority": item.priority,
            "summary": item.summary,
            "customer": ref(item.openid),
            "records_query": {"by": "openid", "value": item.openid} if may_search else None,
            "claim_no": item.claim_no,
            "link": link,
            "status": item.status,
            "created_at": _iso(item.created_at),
            "due_at": _iso(item.due_at),
            "overdue": rules.overdue(item.due_at, now, item.closed_at if closed else None),
            "due_soon": not closed and rules.alert_due(item.due_at, now, self.alert_before_h),
            "alerted_at": _iso(item.alerted_at),
            "assignee": item.assignee,
            "assignee_name": item.assignee_name,
            "assigned_at": _iso(item.assigned_at),
            "notes": [{"at": _iso(float(n.get("at", 0))), "by": n.get("by"),
                       "by_name": n.get("by_name"), "text": n.get("text")}
                      for n in (item.notes or [])],  # fmt: skip
            "phone": {
                "masked": item.callback_phone_masked,
                "declined": bool(item.callback_phone_declined),
                "is_policy": bool(item.callback_phone_is_policy),
                "revealable": bool(item.callback_phone_sealed),
            },
            "policy_no": item.policy_no,
            "policy_phone_masked": item.policy_phone_masked,
            "outcome": item.outcome if closed else None,
            "reason": item.close_reason if closed else None,
            "closed_by_name": item.closed_by_name if closed else None,
            "closed_at": _iso(item.closed_at) if closed else None,
            "handled_here": kind in rules.TICKET_KINDS,
        }

    def _signoff_rows(self) -> list[dict[str, Any]]:
        """Approvals waiting for a supervisor, from the claims in review (a query by status)."""
        rows: list[dict[str, Any]] = []
        for claim in self.book.claims_in((ClaimStatus.UNDER_REVIEW,)):
            pending = claim.pending_signoff
            if not pending:
                continue
            rows.append({
                "ticket_no": f"SO-{claim.claim_no}",
                "kind": rules.SIGNOFF,
                "request": None,
                "priority": "normal",
                "summary": f"{pending.get('by_name') or pending.get('by') or ''} 提交签批，"
                           f"金额 {pending.get('amount')} 元",
                "customer": None,
                "records_query": None,
                "claim_no": claim.claim_no,
                "link": f"#/claim/{claim.claim_no}",
                "status": "open",
                "created_at": pending.get("at"),
                "due_at": None,
                "overdue": False,
                "due_soon": False,
                "alerted_at": None,
                "assignee": None,
                "assignee_name": None,
                "assigned_at": None,
                "notes": [],
                "phone": None,
                "policy_no": None,
                "policy_phone_masked": None,
                "outcome": None,
                "reason": None,
                "closed_by_name": None,
                "closed_at": None,
                "handled_here": False,
            })  # fmt: skip
        return rows

    def _assignees(self, staff: Staff) -> list[dict[str, Any]]:
        """Whom this member may assign tickets to: anyone who handles a kind (supervisors), or
        themselves."""
        if not rules.may_assign_others(staff.roles):
            mine = list(rules.kinds_for(staff.roles))
            return [{"id": staff.id, "name": staff.name, "kinds": mine}]
        people = {p.id: p for p in self.people()}
        people.setdefault(staff.id, Person(staff.id, staff.name, staff.roles))
        return [{"id": p.id, "name": p.name, "kinds": list(rules.kinds_for(p.roles))}
                for p in sorted(people.values(), key=lambda p: p.id)
                if rules.kinds_for(p.roles)]  # fmt: skip


class TicketNotYet(Exception):
    """The job that makes the ticket has not run yet: SQS delivers this again."""


def people_from(members: Sequence[Any], demo: Sequence[Mapping[str, Any]] = ()) -> list[Person]:
    """The staff table's members who are not disabled (and, locally, the demo users)."""
    people = [Person(m.userid, m.name, tuple(m.roles)) for m in members if not m.disabled]
    known = {p.id for p in people}
    people += [Person(str(u["id"]), str(u["name"]), tuple(u["roles"])) for u in demo
               if str(u["id"]) not in known]  # fmt: skip
    return people


def _alert_text(item: TicketItem, now: float) -> str:
    left_h = max(0, int(((item.due_at or now) - now) // 3600))
    when = datetime.fromtimestamp(float(item.due_at or now), CHINA)
    who = f"，已分派给{item.assignee_name}" if item.assignee_name else "，尚未分派"
    phone = f"，回访电话 {item.callback_phone_masked}" if item.callback_phone_masked else ""
    return (f"【投诉即将到期】工单 {item.ticket_no} 须在 {when:%m月%d日 %H:%M} 前处理完毕"
            f"（剩余约 {left_h} 小时）{who}{phone}。\n{item.summary}\n请在理赔审核台“工单”中处理。")


def _closed_already(item: TicketItem) -> str:
    who = item.closed_by_name or item.closed_by or "someone"
    return (f"ticket {item.ticket_no} was closed already ({item.outcome or 'closed'}, by {who} "
            f"at {_iso(item.closed_at)})")  # fmt: skip


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(float(epoch), UTC).isoformat()
