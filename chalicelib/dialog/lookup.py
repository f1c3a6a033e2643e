"""保单查询 / 理赔进度 and the binding that guards them.

A customer who is not bound yet is asked for a policy number (or plate) and the last 6
characters of the policyholder's ID number; then the query they asked for is answered.
"""

from __future__ import annotations

import re
from datetime import date

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import render
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import Outcome, SessionState, Unbind
from chalicelib.domain.book import BindOutcome, Customer
from chalicelib.domain.claims import is_claim_number, is_policy_number, normalize_reference
from chalicelib.domain.messages import InboundMessage, TextReply
from chalicelib.domain.people import is_valid_id_number, normalize_id_number
from chalicelib.domain.plates import is_valid_plate, normalize_plate
from chalicelib.domain.text import to_halfwidth

# WeChat cuts long texts; each message stays well under its 2048-byte limit.
MAX_MESSAGE_BYTES = 1800
ID6 = re.compile(r"^[0-9]{5}[0-9X]$")
FULL_ID = "full_id"  # the step asking for the whole ID number (a policy locked by guessing)


def policy_flow(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    return _answer_or_bind(msg, "policy", config)


def claim_flow(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    return _answer_or_bind(msg, "claim", config)


def claim_number_typed(msg: InboundMessage, claim_no: str, config: DialogConfig) -> Outcome:
    return _answer_or_bind(msg, f"claim:{claim_no}", config)


def typed_claim_number(text: str) -> str | None:
    reference = normalize_reference(text)
    return reference if is_claim_number(reference) else None


def unbind(msg: InboundMessage, config: DialogConfig) -> Outcome:
    if config.the_book().customer_for(msg.openid) is None:
        return Outcome(reply=TextReply(t.NOT_BOUND), state=SessionState())
    return Outcome(reply=TextReply(t.UNBOUND), effects=(Unbind(msg.openid),), state=SessionState())


def _answer_or_bind(msg: InboundMessage, wanted: str, config: DialogConfig) -> Outcome:
    customer = config.the_book().customer_for(msg.openid)
    if customer is None:
        state = SessionState(flow="bind", step="identifier", data={"then": wanted})
        return Outcome(reply=TextReply(t.BIND_INTRO), state=state)
    return answer(customer, wanted, config, prefix=[])


def answer(customer: Customer, wanted: str, config: DialogConfig, prefix: list[str]) -> Outcome:
    if wanted == "survey":
        from chalicelib.dialog import survey  # survey imports this module

        return survey.begin(customer, config, prefix=tuple(prefix))
    if wanted == "renewal":
        from chalicelib.dialog import renewal  # renewal imports quote, which imports this

        return renewal.begin(customer, config, prefix=tuple(prefix))
    today = config.today()
    if wanted == "policy":
        policies = config.the_book().policies_of(customer.customer_id)
        parts = render.policies_text(customer, policies, today, config.hotline)
    elif wanted == "claim":
        claims = config.the_book().claims_of(customer.customer_id)
        parts = render.claims_text(customer, claims, today, config.hotline)
    else:
        parts = _one_claim(customer, wanted.split(":", 1)[1], today, config.hotline, config)
    return messages(prefix + parts, state=SessionState())


def _one_claim(
    customer: Customer, claim_no: str, today: date, hotline: str, config: DialogConfig
) -> list[str]:
    claim = config.the_book().claim(claim_no)
    if claim is None or claim.customer_id != customer.customer_id:
        return [t.CLAIM_NOT_FOUND.format(claim_no=claim_no)]
    return [render.claim_entry(claim, today, hotline)]


def bind_flow(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    said = to_halfwidth(msg.text or msg.recognition).strip()
    if state.step == "id6":
        return _check_id6(msg, said, state, config)
    if state.step == FULL_ID:
        return _check_full_id(msg, said, state, config)
    return _take_identifier(msg, said, state, config)


def _take_identifier(
    msg: InboundMessage, said: str, state: SessionState, config: DialogConfig
) -> Outcome:
    both = _identifier_and_id6(said)
    if both is not None:  # "粤B12345 12345X" in one message: both steps at once
        identifier, id6 = both
        data = {**state.data, "identifier": identifier}
        return _check_id6(msg, id6, SessionState(flow="bind", step="id6", data=data), config)
    reference = normalize_reference(said)
    plate = normalize_plate(said)
    if not (is_policy_number(reference) or is_valid_plate(plate)):
        return Outcome(reply=TextReply(t.BIND_BAD_IDENTIFIER), state=state)
    identifier = reference if is_policy_number(reference) else plate
    data = {**state.data, "identifier": identifier}
    return Outcome(
        reply=TextReply(t.BIND_ASK_ID6), state=SessionState(flow="bind", step="id6", data=data)
    )


_ID6_AT_END = re.compile(r"(?:身份证)?(?:号码?)?(?:的)?(?:后六位|后6位|后六|后6)?[:：是为]?\s*"
                         r"([0-9]{5}[0-9Xx])\s*$")


def _identifier_and_id6(said: str) -> tuple[str, str] | None:
    match = _ID6_AT_END.search(said)
    if match is None:
        return None
    head = said[: match.start()].strip(" ,，;；、")
    if not head:
        return None
    reference, plate = normalize_reference(head), normalize_plate(head)
    if is_policy_number(reference):
        return reference, match.group(1)
    if is_valid_plate(plate):
        return plate, match.group(1)
    return None


def _check_id6(
    msg: InboundMessage, said: str, state: SessionState, config: DialogConfig
) -> Outcome:
    answer6 = said.replace(" ", "").upper()
    if is_valid_id_number(answer6):  # the whole number: as strong as asked for when locked
        return _check_full_id(msg, answer6, state, config)
    if not ID6.match(answer6):
        return Outcome(reply=TextReply(t.BIND_BAD_ID6), state=state)
    return _bind_with(msg, answer6, state, config)


def _check_full_id(
    msg: InboundMessage, said: str, state: SessionState, config: DialogConfig
) -> Outcome:
    number = normalize_id_number(said)
    if not is_valid_id_number(number):
        return Outcome(reply=TextReply(t.BIND_BAD_FULL_ID), state=state)
    return _bind_with(msg, number, state, config)


def _bind_with(
    msg: InboundMessage, id_answer: str, state: SessionState, config: DialogConfig
) -> Outcome:
    result = config.the_book().try_bind(msg.openid, state.data["identifier"], id_answer,
                                        msg.dedupe_key)  # fmt: skip
    if result.outcome is BindOutcome.FULL_ID_NEEDED:
        return Outcome(reply=TextReply(t.BIND_FULL_ID_NEEDED),
                       state=SessionState(flow="bind", step=FULL_ID, data=state.data))  # fmt: skip
    if result.outcome is BindOutcome.BUSY:
        reply = t.BIND_BUSY.format(hotline=config.hotline)
        return Outcome(reply=TextReply(reply), state=state)
    if result.outcome is BindOutcome.BOUND:
        assert result.customer is not None  # a binding always names its customer
        greeting = t.BIND_DONE.format(salutation=render.customer_salutation(result.customer))
        return answer(result.customer, state.data.get("then", "policy"), config, [greeting])
    if result.outcome is BindOutcome.LOCKED:
        until = render.locked_until_text(result.locked_until or 0)
        reply = t.BIND_LOCKED.format(until=until, hotline=config.hotline)
        return Outcome(reply=TextReply(reply), state=SessionState())
    retry = SessionState(flow="bind", step="identifier", data={"then": state.data.get("then")})
    return Outcome(reply=TextReply(t.BIND_REFUSED.format(hotline=config.hotline)), state=retry)


def messages(parts: list[str], state: SessionState | None = None) -> Outcome:
    """Pack parts into as few messages as fit: the first is the passive reply, the rest go
    through the outbox (the customer just wrote, so the quota allows them)."""
    chunks: list[str] = []
    for part in parts:
        if chunks and len((chunks[-1] + "\n\n" + part).encode()) <= MAX_MESSAGE_BYTES:
            chunks[-1] += "\n\n" + part
        else:
            chunks.append(part)
    replies = [TextReply(c) for c in chunks]
    return Outcome(reply=replies[0], sends=tuple(replies[1:5]), state=state)
