"""A customer's own information (PIPL Arts. 44-47): see it, have it corrected, delete it.

- "查询我的信息": a summary of what the insurer holds about them here, masked, in the chat.
- "更正我的信息": asks what to correct, then a data-request ticket staff handle within
  DATA_REQUEST_DAYS (the customer gets its number).
- "删除我的信息": asks once, then deletes what the law lets go at once — the effect
  WithdrawConsent(erase=True) (service/consent.py): binding, conversation records, messages
  waiting — and opens a data-request ticket for staff to check the copies elsewhere and tell
  the customer what legal retention keeps, and why.
Unfollowing withdraws consent without a question (router: the unsubscribe event).
"""

from __future__ import annotations

import hashlib

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import render
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import Job, JobKind, Outcome, SessionState, WithdrawConsent
from chalicelib.domain.masking import mask_plate
from chalicelib.domain.messages import InboundMessage, TextReply
from chalicelib.domain.text import remove_whitespace

FLOW = "erase"
CORRECT_FLOW = "correct"
CONFIRM = "confirm"
WHAT = "what"
CONFIRM_WORDS = ("确认删除", "确定删除")
DATA_REQUEST_DAYS = 15  # a reasonable time (PIPL Art. 50); the ticket's deadline
MAX_SHOWN = 5


def erase_flow(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    if state.step != CONFIRM:
        asking = SessionState(flow=FLOW, step=CONFIRM)
        return Outcome(reply=TextReply(t.ERASE_CONFIRM), state=asking)
    said = remove_whitespace(msg.text or msg.recognition).rstrip("。.!！")
    if said in CONFIRM_WORDS:
        ticket_no = request_number(msg.dedupe_key)
        words = t.ERASED.format(hotline=config.hotline) + t.ERASE_TICKET.format(
            days=DATA_REQUEST_DAYS, ticket_no=ticket_no)  # fmt: skip
        job = _request(msg, ticket_no, "erase", t.ERASE_REQUEST_SUMMARY)
        return Outcome(reply=TextReply(words), effects=(WithdrawConsent(msg.openid, erase=True),),
                       jobs=(job,), state=SessionState.empty())  # fmt: skip
    return Outcome(reply=TextReply(t.ERASE_KEPT), state=SessionState.empty())


def my_data(msg: InboundMessage, config: DialogConfig) -> Outcome:
    """What the insurer holds about this WeChat user here, masked."""
    book = config.the_book()
    customer = book.customer_for(msg.openid)
    lines = [t.MY_DATA_HEADER]
    if customer is None:
        lines.append(t.MY_DATA_UNBOUND)
    else:
        lines.append(t.MY_DATA_CUSTOMER.format(salutation=render.customer_salutation(customer)))
        for policy in book.policies_of(customer.customer_id)[:MAX_SHOWN]:
            lines.append(t.MY_DATA_POLICY.format(
                policy_no=_masked_number(policy.policy_no), product=policy.product,
                plate=mask_plate(policy.plate), start=policy.start, end=policy.end))  # fmt: skip
        for claim in book.claims_of(customer.customer_id)[:MAX_SHOWN]:
            status = t.CLAIM_STATUS[str(claim.status)]
            lines.append(t.MY_DATA_CLAIM.format(claim_no=claim.claim_no, status=status))
    lines.append(t.MY_DATA_KEPT.format(chat_days=config.chat_days))
    return Outcome(reply=TextReply("\n".join(lines)), state=SessionState.empty())


def correct_flow(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    if state.step != WHAT:
        return Outcome(reply=TextReply(t.CORRECT_ASK),
                       state=SessionState(flow=CORRECT_FLOW, step=WHAT))  # fmt: skip
    said = (msg.text or msg.recognition).strip()
    if not said:
        return Outcome(reply=TextReply(t.CORRECT_ASK), state=state)
    ticket_no = request_number(msg.dedupe_key)
    reply = t.CORRECT_RECEIVED.format(ticket_no=ticket_no, days=DATA_REQUEST_DAYS,
                                      hotline=config.hotline)  # fmt: skip
    return Outcome(reply=TextReply(reply), jobs=(_request(msg, ticket_no, "correct", said),),
                   state=SessionState.empty())  # fmt: skip


def _request(msg: InboundMessage, ticket_no: str, kind: str, text: str) -> Job:
    payload = {"openid": msg.openid, "ticket_no": ticket_no, "request": kind, "text": text,
               "days": DATA_REQUEST_DAYS}  # fmt: skip
    return Job(JobKind.TICKET_DATA_REQUEST, payload)


def request_number(dedupe_key: str) -> str:
    """Derived from the message: the same message (retried, re-decided) names one request."""
    return "TD" + str(int(hashlib.sha256(dedupe_key.encode()).hexdigest(), 16) % 10**12).zfill(12)


def _masked_number(policy_no: str) -> str:
    return policy_no[:4] + "*" * max(len(policy_no) - 8, 0) + policy_no[-4:]
