"""Customers' requests about their own information (PIPL), for staff in the console: list them
by deadline, close each with an outcome (domain/data_requests.py: who may, what a closing needs).

A request arrives from the chat as a `data_request:<request>` ticket (HandoffDesk.data_request)
with its deadline. Closing it writes the outcome on the ticket and its audit entry in one
transaction (never one without the other; a second closing fails its condition: 409), then
tells the customer through the outbox: a customer-service message, which the outbox keeps when
WeChat's 48-hour window is closed and releases when the customer next writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.dialog import catalogue as t
from chalicelib.domain import data_requests as rules
from chalicelib.domain import records as record_rules
from chalicelib.domain.masking import mask_ids_and_cards
from chalicelib.domain.messages import TextReply
from chalicelib.domain.push_budget import NOTICE
from chalicelib.jobs.messages import custom
from chalicelib.service.logs import log_event, ref

if TYPE_CHECKING:
    from chalicelib.console.auth import Staff
    from chalicelib.console.service import Source
    from chalicelib.jobs.queues import Queues
    from chalicelib.store.audit import AuditLog
    from chalicelib.store.handoffs import Tickets
    from chalicelib.store.models import TicketItem

TEMPLATES = {
    "done": t.DATA_REQUEST_DONE,
    "refused": t.DATA_REQUEST_REFUSED,
    "partly": t.DATA_REQUEST_PARTLY,
}


class DataRequestDesk:
    def __init__(
        self,
        tickets: Tickets,
        audit: AuditLog,
        queues: Queues,
        hotline: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tickets = tickets
        self.audit = audit
        self.queues = queues
        self.hotline = hotline
        self.clock = clock

    def listing(self, staff: Staff, status: str) -> dict[str, Any]:
        """Open requests first, soonest deadline first; then closed ones, latest closed first."""
        from chalicelib.console.service import BadRequest

        self._allowed(staff)
        if status not in rules.STATUSES:
            raise BadRequest(f"status must be one of {', '.join(rules.STATUSES)}")
        now = self.clock()
        items: list[TicketItem] = []
        if status in ("open", "all"):
            items += sorted(self.tickets.data_requests("open"),
                            key=lambda i: (i.due_at or 0, i.ticket_no))  # fmt: skip
        if status in ("closed", "all"):
            items += sorted(self.tickets.data_requests("closed"),
                            key=lambda i: -(i.closed_at or 0))  # fmt: skip
        return {"requests": [self._row(staff, i, now) for i in items]}

    def close(
        self, staff: Staff, ticket_no: str, body: Mapping[str, Any], source: Source
    ) -> dict[str, Any]:
        from chalicelib.console.service import BadRequest, Conflict, NotFound

        self._allowed(staff)
        try:
            closing = rules.Closing.parse(body)
        except rules.InvalidClosing as exc:
            raise BadRequest(str(exc)) from exc
        item = self.tickets.data_request(ticket_no)
        if item is None:
            raise NotFound(f"no customer's request {ticket_no}")
        if item.status != "open":
            raise Conflict(_closed_already(item))
        request = rules.request_of(item.kind)
        write = self.tickets.close_data_request(item, closing.outcome, closing.note,
                                                closing.reason, staff.id, staff.name)  # fmt: skip
        detail = {"ticket": ticket_no, "request": request, "outcome": closing.outcome,
                  "reason": closing.reason, "note": closing.note, "customer": ref(item.openid),
                  "due_at": item.due_at, "name": staff.name}  # fmt: skip
        try:
            self.audit.append(staff.id, staff.role, f"data_request.close:{closing.outcome}",
                              None, detail, source.ip, source.user_agent, also=write)  # fmt: skip
        except TransactWriteError as exc:
            closed = self.tickets.data_request(ticket_no)
            if closed is not None and closed.status != "open":  # closed by someone meanwhile
                raise Conflict(_closed_already(closed)) from exc
            raise
        self._tell_customer(item, request, closing)
        log_event("data_request.closed", outcome=closing.outcome, request=request,
                  user=ref(item.openid))  # fmt: skip
        closed = self.tickets.data_request(ticket_no)
        if closed is None:
            raise NotFound(f"no customer's request {ticket_no}")
        return {"request": self._row(staff, closed, self.clock())}

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _allowed(staff: Staff) -> None:
        from chalicelib.console.auth import Forbidden

        if not rules.may_handle(staff.roles):
            raise Forbidden(rules.refusal(staff.role))

    def _tell_customer(self, item: TicketItem, request: str, closing: rules.Closing) -> None:
        """One message per request, whatever happens after (its id is the ticket's)."""
        text = TEMPLATES[closing.outcome].format(
            request=t.DATA_REQUEST_WORDS.get(request, t.DATA_REQUEST_ANY),
            ticket_no=item.ticket_no,
            reason=mask_ids_and_cards(closing.reason),
            hotline=self.hotline,
        )
        message = custom(item.openid, TextReply(text), "console",
                         f"data-request-{item.ticket_no}", push=NOTICE)  # fmt: skip
        self.queues.outbox([message])

    def _row(self, staff: Staff, item: TicketItem, now: float) -> dict[str, Any]:
        closed = item.status != "open"
        may_search = record_rules.scope_for(staff.roles) is not None
        return {
            "ticket_no": item.ticket_no,
            "request": rules.request_of(item.kind),
            "summary": item.summary,
            "customer": ref(item.openid),
            "records_query": {"by": "openid", "value": item.openid} if may_search else None,
            "status": item.status,
            "created_at": _iso(item.created_at),
            "due_at": _iso(item.due_at),
            "overdue": rules.overdue(item.due_at, now, item.closed_at if closed else None),
            "outcome": item.outcome if closed else None,
            "note": item.close_note if closed else None,
            "reason": item.close_reason if closed else None,
            "closed_by": item.closed_by if closed else None,
            "closed_by_name": item.closed_by_name if closed else None,
            "closed_at": _iso(item.closed_at) if closed else None,
        }


def _closed_already(item: TicketItem) -> str:
    who = item.closed_by_name or item.closed_by or "someone"
    return (f"request {item.ticket_no} was closed already ({item.outcome or 'closed'}, by {who} "
            f"at {_iso(item.closed_at)})")  # fmt: skip


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(float(epoch), UTC).isoformat()
