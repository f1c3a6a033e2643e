"""Tickets staff follow up (the console's 工单 page): who handles which kind, what a closing
needs, when a complaint's supervisor is alerted, and the callback number a complaining
customer leaves in the chat.

Kinds:
* callback: a promise to call back (nobody answered a chat in time);
* sensitive: a complaint or another sensitive matter (投诉, 媒体…), due within the period the
  regulator sets for handling a complaint (银行业保险业消费投诉处理管理办法, 2020: 15 days,
  longer only for complex cases; COMPLAINT_DAYS, a setting);
* survey_expired: a self-survey left 72 hours without its photos (the claim is still open);
* data_request: a customer's request about their data (closed on the requests page,
  domain/data_requests.py);
* signoff: an approval waiting for a supervisor: a claim's flag, shown as a row linking to the
  claim (its own sign-off flow decides it), never a ticket of its own.

Who: agents and supervisors handle callbacks and complaints (the people who talk to
customers); adjusters and supervisors expired surveys and sign-offs (claims work); data
requests as domain/data_requests.py says. A supervisor may assign a ticket to anyone who may
handle its kind; everyone else takes tickets for themselves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import data_requests
from chalicelib.domain.text import to_halfwidth

CALLBACK = "callback"
SENSITIVE = "sensitive"
SURVEY_EXPIRED = "survey_expired"
DATA_REQUEST = "data_request"
SIGNOFF = "signoff"
KINDS = (SENSITIVE, CALLBACK, SURVEY_EXPIRED, DATA_REQUEST, SIGNOFF)
TICKET_KINDS = (SENSITIVE, CALLBACK, SURVEY_EXPIRED)  # handled on the tickets page itself

HANDLERS: dict[str, tuple[str, ...]] = {
    CALLBACK: ("agent", "supervisor"),
    SENSITIVE: ("agent", "supervisor"),
    SURVEY_EXPIRED: ("adjuster", "supervisor"),
    DATA_REQUEST: data_requests.ROLES,
    SIGNOFF: ("adjuster", "supervisor"),
}
ASSIGNS_OTHERS = ("supervisor",)

OUTCOMES = ("resolved", "unreachable", "not_needed")
NEEDS_REASON = ("unreachable", "not_needed")  # and every outcome of a complaint
STATUSES = ("open", "closed", "all")
MIN_REASON_CHARS = 4
MAX_REASON_CHARS = 500
MAX_NOTE_CHARS = 1000
MAX_NOTES = 200  # a ticket's item stays far below DynamoDB's 400 KB

COMPLAINT_DAYS = 15  # 银行业保险业消费投诉处理管理办法: handled within 15 days
ALERT_BEFORE_H = 24  # a complaint's supervisor is alerted this long before its deadline
CALLBACK_DUE_S = 24 * 3600  # a callback promised with no opening hour known: within a day

QUEUE_OPEN = "ticket:open"  # the sparse index by_queue: open tickets by deadline
QUEUE_CLOSED = "ticket:closed"

_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86)?(1[3-9]\d{9})(?!\d)")
_DIGIT_NOISE = re.compile(r"[\s\-－—()（）]")
DECLINE_WORDS = ("不用", "不需要", "不要", "不方便", "不留", "不想留", "算了", "取消", "拒绝",
                 "不了", "没有", "不给")  # fmt: skip


class TicketRequestError(ValueError):
    """A change staff asked for that cannot be accepted (English, for staff)."""


def kind_of(kind: str) -> str:
    """A stored kind as the page groups it: `data_request:erase` -> `data_request`."""
    return DATA_REQUEST if data_requests.is_data_request(kind) else kind


def may_handle(roles: Sequence[str], kind: str) -> bool:
    return any(role in HANDLERS.get(kind_of(kind), ()) for role in roles)


def kinds_for(roles: Sequence[str]) -> tuple[str, ...]:
    """The kinds a member sees (and handles), in the page's order."""
    return tuple(k for k in KINDS if may_handle(roles, k))


def may_assign_others(roles: Sequence[str]) -> bool:
    return any(role in ASSIGNS_OTHERS for role in roles)


def refusal(role: str, kind: str) -> str:
    allowed = " and ".join(f"{r}s" for r in HANDLERS.get(kind_of(kind), ()))
    return f"your role ({role or 'none'}) may not handle {kind_of(kind)} tickets: {allowed} may"


def needs_reason(kind: str, outcome: str) -> bool:
    """A complaint's closing always says what was done (the customer is owed an answer); other
    tickets when nothing was done."""
    return kind == SENSITIVE or outcome in NEEDS_REASON


@dataclass(frozen=True)
class Closing:
    outcome: str
    reason: str

    @classmethod
    def parse(cls, kind: str, body: Mapping[str, Any]) -> Closing:
        if kind_of(kind) not in TICKET_KINDS:
            raise TicketRequestError(f"a {kind_of(kind)} is not closed as a ticket")
        outcome = str(body.get("outcome") or "")
        if outcome not in OUTCOMES:
            raise TicketRequestError(f"outcome must be one of {', '.join(OUTCOMES)}")
        reason = str(body.get("reason") or "").strip()
        if len(reason) > MAX_REASON_CHARS:
            raise TicketRequestError(f"the reason is longer than {MAX_REASON_CHARS} characters")
        if needs_reason(kind, outcome) and len(reason) < MIN_REASON_CHARS:
            what = "a complaint's closing" if kind == SENSITIVE else f"'{outcome}'"
            raise TicketRequestError(f"{what} needs a reason: what was done or why not "
                                     f"(at least {MIN_REASON_CHARS} characters)")  # fmt: skip
        return cls(outcome, reason)


def parse_note(body: Mapping[str, Any]) -> str:
    text = str(body.get("text") or "").strip()
    if not text:
        raise TicketRequestError("a note needs its text")
    if len(text) > MAX_NOTE_CHARS:
        raise TicketRequestError(f"the note is longer than {MAX_NOTE_CHARS} characters")
    return text


def complaint_due(created_at: float, days: int = COMPLAINT_DAYS) -> float:
    return created_at + days * 86400


def alert_due(due_at: float | None, now: float, before_h: float = ALERT_BEFORE_H) -> bool:
    """Less than `before_h` hours left (or already past): the supervisor is to be alerted."""
    return due_at is not None and due_at - now < before_h * 3600


def overdue(due_at: float | None, now: float, closed_at: float | None = None) -> bool:
    return data_requests.overdue(due_at, now, closed_at)


# --- the callback number a complaining customer gives in the chat ----------------------------


def find_mobile(text: str) -> str | None:
    """An 11-digit mainland mobile in what the customer wrote ("我的电话 138 0013 8000"), or
    None; two different numbers are not guessed between."""
    said = _DIGIT_NOISE.sub("", to_halfwidth(text or ""))
    found = {m.group(1) for m in _MOBILE_IN_TEXT.finditer(said)}
    return found.pop() if len(found) == 1 else None


def declines(text: str) -> bool:
    """The customer would rather not leave a number."""
    said = to_halfwidth(text or "").strip().lower()
    return any(word in said for word in DECLINE_WORDS) or said in ("no", "n", "否")
