"""A complaint (投诉, 媒体…): no argument and no automatic answer. An apology, a priority ticket
the supervisor is told about (job ticket.sensitive), and a number to call back on.

claimbot keeps no customer's full phone number (a policy keeps its holder's masked and as a
keyed hash), so the customer is asked for one: a number in the complaint itself is taken at
once; a bound customer is reminded of the number on their policy (masked) and asked to type it
(or another) in full. The number goes to the ticket (job ticket.phone, sealed there). A customer
who would rather not leave one is told honestly how to follow it up: the hotline with the
ticket number, and the regulator's consumer complaints line 12378.
"""

from __future__ import annotations

import hashlib

from chalicelib.dialog import catalogue as t
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import Job, JobKind, Outcome, SessionState
from chalicelib.domain import tickets as rules
from chalicelib.domain.masking import mask_phone
from chalicelib.domain.messages import InboundMessage, Kind, TextReply

FLOW = "complaint"
PHONE = "phone"
ASKS = 2  # asked twice with no number: the honest alternatives instead


def opened(msg: InboundMessage, words: tuple[str, ...], config: DialogConfig) -> Outcome:
    """The complaint: the ticket, and the question for a callback number (unless it came with
    one)."""
    ticket_no = ticket_number(msg.dedupe_key)
    said = msg.text or msg.recognition
    ticket = Job(JobKind.TICKET_SENSITIVE, {"openid": msg.openid, "ticket_no": ticket_no,
                                            "words": list(words), "text": said,
                                            "dedupe_key": msg.dedupe_key})  # fmt: skip
    apology = t.COMPLAINT_RECEIVED.format(ticket_no=ticket_no)
    phone = rules.find_mobile(said)
    if phone:
        kept = t.COMPLAINT_PHONE_KEPT.format(masked=mask_phone(phone), ticket_no=ticket_no,
                                             hotline=config.hotline)  # fmt: skip
        return Outcome(reply=TextReply(apology + "\n" + kept),
                       jobs=(ticket, _phone_job(msg, ticket_no, phone)),
                       state=SessionState())  # fmt: skip
    ask = _ask(msg, config)
    state = SessionState(flow=FLOW, step=PHONE, data={"ticket_no": ticket_no, "asked": 1})
    return Outcome(reply=TextReply(apology + "\n" + ask), jobs=(ticket,), state=state)


def phone_step(
    msg: InboundMessage, state: SessionState, config: DialogConfig, routed: bool
) -> Outcome | None:
    """The customer's answer to "a number to call you back on?". None: not an answer (a menu
    click, a picture, another service asked for): the router handles it as at rest."""
    if msg.is_event or msg.kind not in (Kind.TEXT, Kind.VOICE):
        return None
    said = msg.text or msg.recognition
    ticket_no = str(state.data.get("ticket_no", ""))
    phone = rules.find_mobile(said)
    if phone:
        text = t.COMPLAINT_PHONE_KEPT.format(masked=mask_phone(phone), ticket_no=ticket_no,
                                             hotline=config.hotline)  # fmt: skip
        return Outcome(reply=TextReply(text), jobs=(_phone_job(msg, ticket_no, phone),),
                       state=SessionState())  # fmt: skip
    if rules.declines(said):
        return _without_phone(msg, ticket_no, config)
    if routed:
        return None
    asked = int(state.data.get("asked", 1))
    if asked >= ASKS:
        return _without_phone(msg, ticket_no, config)
    again = SessionState(flow=FLOW, step=PHONE, data={**state.data, "asked": asked + 1})
    return Outcome(reply=TextReply(t.COMPLAINT_PHONE_AGAIN), state=again)


def ticket_number(dedupe_key: str) -> str:
    """Derived from the message: the same message (retried, re-decided) names one ticket."""
    return "TS" + str(int(hashlib.sha256(dedupe_key.encode()).hexdigest(), 16) % 10**12).zfill(12)


def _ask(msg: InboundMessage, config: DialogConfig) -> str:
    """For a bound customer whose policy has a phone, that number (masked) as a reminder."""
    masked = _policy_phone(msg.openid, config)
    if masked:
        return t.COMPLAINT_ASK_PHONE_POLICY.format(masked=masked, hotline=config.hotline)
    return t.COMPLAINT_ASK_PHONE.format(hotline=config.hotline)


def _policy_phone(openid: str, config: DialogConfig) -> str:
    book = config.book
    customer = book.customer_for(openid) if book is not None else None
    if book is None or customer is None:
        return ""
    return next((p.holder_phone_masked for p in book.policies_of(customer.customer_id)
                 if p.holder_phone_masked), "")  # fmt: skip


def _without_phone(msg: InboundMessage, ticket_no: str, config: DialogConfig) -> Outcome:
    job = Job(JobKind.TICKET_PHONE, {"openid": msg.openid, "ticket_no": ticket_no,
                                     "declined": True})  # fmt: skip
    text = t.COMPLAINT_NO_PHONE.format(ticket_no=ticket_no, hotline=config.hotline)
    return Outcome(reply=TextReply(text), jobs=(job,), state=SessionState())


def _phone_job(msg: InboundMessage, ticket_no: str, phone: str) -> Job:
    return Job(JobKind.TICKET_PHONE, {"openid": msg.openid, "ticket_no": ticket_no,
                                      "phone": phone})  # fmt: skip
