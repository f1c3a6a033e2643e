"""续保: a renewal quote from the customer's bound policy, without photographing the licence.

The customer replies 续保 (the renewal notice tells them to). Not bound yet: bound first (the
bind flow's "then"), then this. The vehicle's plate and model come from the policy (the latest
of each vehicle, not cancelled, ended at most RENEW_AFTER_END_DAYS ago); several vehicles: the
customer picks one. The policy export does not carry the registration date (the tariff rates
the car's age), so that is the one thing asked before the quote flow's usual questions (seats,
price, claims, region: dialog/quote.py `from_known`), each with the default it has there.

不再提醒续保 turns renewal reminders off for this WeChat user, 恢复续保提醒 on again
(campaigns' 退订 is separate: service notices about their own policy continue either way).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import quote
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import Outcome, SessionState, SetReminders
from chalicelib.domain.book import Customer, Policy
from chalicelib.domain.licence import LicenceFields
from chalicelib.domain.masking import mask_plate
from chalicelib.domain.messages import InboundMessage, TextReply
from chalicelib.domain.renewal import date_text
from chalicelib.domain.text import to_halfwidth

FLOW = "renewal"
PICK, REGISTER_DATE = "pick", "register_date"
RENEW_AFTER_END_DAYS = 90
REMINDER_ROUTES = ("reminders_off", "reminders_on")  # answered in any flow, which stays open
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def renewal_flow(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    said = to_halfwidth(msg.text or msg.recognition).strip()
    if state.step == PICK:
        return _on_pick(msg, said, state, config)
    if state.step == REGISTER_DATE:
        return _on_register_date(msg, said, state, config)
    customer = config.the_book().customer_for(msg.openid)
    if customer is None:
        bind = SessionState(flow="bind", step="identifier", data={"then": FLOW})
        return Outcome(reply=TextReply(t.BIND_INTRO), state=bind)
    return begin(customer, config, prefix=(), openid=msg.openid)


def begin(customer: Customer, config: DialogConfig, prefix: tuple[str, ...] = (),
          openid: str = "") -> Outcome:  # fmt: skip
    """The renewable policies of a bound customer: one → its quote, several → pick one."""
    policies = renewable(config.the_book().policies_of(customer.customer_id), config.today())
    head = "".join(p + "\n\n" for p in prefix)
    if not policies:
        return Outcome(reply=TextReply(head + t.RENEWAL_NONE.format(hotline=config.hotline)),
                       state=SessionState())  # fmt: skip
    if len(policies) == 1:
        return _found(policies[0], head, openid)
    choices = "\n".join(
        t.RENEWAL_CHOICE.format(n=i, plate=mask_plate(p.plate), model=p.brand_model or "-",
                                end=date_text(p.end))  # fmt: skip
        for i, p in enumerate(policies, 1)
    )
    data = {"openid": openid, "policies": [p.policy_no for p in policies]}
    return Outcome(reply=TextReply(head + t.RENEWAL_PICK.format(choices=choices)),
                   state=SessionState(flow=FLOW, step=PICK, data=data))  # fmt: skip


def renewable(policies: list[Policy], today: date) -> list[Policy]:
    """The latest policy of each vehicle, not cancelled, not ended too long ago; soonest first."""
    latest: dict[str, Policy] = {}
    for policy in policies:
        if policy.cancelled:
            continue
        kept = latest.get(policy.plate)
        if kept is None or policy.end > kept.end:
            latest[policy.plate] = policy
    since = today - timedelta(days=RENEW_AFTER_END_DAYS)
    return sorted((p for p in latest.values() if p.end >= since), key=lambda p: p.end)


def _found(policy: Policy, head: str, openid: str) -> Outcome:
    words = t.RENEWAL_FOUND.format(
        plate=mask_plate(policy.plate), model=policy.brand_model or "-",
        policy_no=policy.policy_no, end=date_text(policy.end),
    )  # fmt: skip
    data = {"openid": openid, "policy_no": policy.policy_no}
    return Outcome(reply=TextReply(head + words),
                   state=SessionState(flow=FLOW, step=REGISTER_DATE, data=data))  # fmt: skip


def _on_pick(msg: InboundMessage, said: str, state: SessionState, config: DialogConfig) -> Outcome:
    numbers = state.data.get("policies") or []
    if not (said.isdigit() and 1 <= int(said) <= len(numbers)):
        return Outcome(reply=TextReply(t.RENEWAL_BAD_PICK), state=state)
    policy = config.the_book().policy(numbers[int(said) - 1])
    if policy is None:
        return Outcome(reply=TextReply(t.RENEWAL_NONE.format(hotline=config.hotline)),
                       state=SessionState())  # fmt: skip
    return _found(policy, "", msg.openid)


def _on_register_date(
    msg: InboundMessage, said: str, state: SessionState, config: DialogConfig
) -> Outcome:
    day = register_date(said, config.today())
    policy = config.the_book().policy(state.data.get("policy_no", ""))
    if policy is None:
        return Outcome(reply=TextReply(t.RENEWAL_NONE.format(hotline=config.hotline)),
                       state=SessionState())  # fmt: skip
    if day is None:
        return Outcome(reply=TextReply(t.RENEWAL_BAD_DATE), state=state)
    fields = LicenceFields(plate_no=policy.plate, vehicle_type="小型轿车",
                           use_character=use_character(policy.product),
                           model=policy.brand_model or None,
                           register_date=day.isoformat())  # fmt: skip
    data = {"openid": msg.openid, "renewal": policy.policy_no}
    return quote.from_known(fields, data, config)


def register_date(said: str, today: date) -> date | None:
    """ "2019-06-01", "2019/6/1", "2019.6.1", "2019年6月1日"; not in the future, not before
    1980."""
    match = _DATE.match(said)
    if not match:
        return None
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return day if date(1980, 1, 1) <= day <= today else None


def use_character(product: str) -> str:
    """营运 when the product says so (the tariff then refuses it, as for a licence photo)."""
    return "营运" if "营运" in product and "非营运" not in product else "非营运"


def reminders(msg: InboundMessage, on: bool, config: DialogConfig) -> Outcome:
    if config.the_book().customer_for(msg.openid) is None:
        return Outcome(reply=TextReply(t.RENEWAL_REMINDERS_NOT_BOUND), state=SessionState())
    words = t.RENEWAL_REMINDERS_ON if on else t.RENEWAL_REMINDERS_OFF
    return Outcome(reply=TextReply(words), effects=(SetReminders(msg.openid, on),),
                   state=SessionState())  # fmt: skip
