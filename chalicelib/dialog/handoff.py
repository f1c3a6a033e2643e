"""人工服务: reach a person. In business hours WeChat's own customer-service console takes the
conversation (transfer_customer_service) or the claimbot console's agents do; after hours it
goes to the on-call staff member's WeCom, and what either side says is relayed by the worker
(service/handoff.py).

A handoff never traps the customer: the menu and the bot's own lookups still work (the person
is told what the customer did), starting another service ends the chat explicitly, and photos
for an open self-survey reach the survey.

Sensitive matters (投诉, 媒体…) are not argued with or answered automatically: an apology, a
priority callback ticket, and the supervisor is told.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.dialog import catalogue as t
from chalicelib.dialog.config import CONSOLE, WECHAT_KF, DialogConfig
from chalicelib.dialog.outcome import (
    CloseHandoff,
    Job,
    JobKind,
    OpenHandoff,
    Outcome,
    RelayToStaff,
    SessionState,
)
from chalicelib.domain.handoff import Reason
from chalicelib.domain.hours import CHINA
from chalicelib.domain.messages import InboundMessage, Kind, Reply, TextReply, TransferReply

FLOW = "handoff"
OPEN = "open"
TRANSFER_PENDING = "transfer"  # WeChat's console is to take the customer's next message
END_WORDS = ("结束人工", "结束", "取消", "退出", "结束对话")


def request(msg: InboundMessage, config: DialogConfig, reason: str = Reason.ASKED) -> Outcome:
    """The customer asked for a person."""
    now = datetime.fromtimestamp(config.clock(), CHINA)
    hours = config.hours
    in_hours = hours is not None and hours.is_open(now)
    if in_hours and config.handoff_in_hours == WECHAT_KF:
        return _to_wechat_console(msg)
    channel = CONSOLE if in_hours and config.handoff_in_hours == CONSOLE else "wecom"
    started = {"openid": msg.openid, "reason": str(reason), "channel": channel}
    job = Job(JobKind.HANDOFF_START, started)
    state = SessionState(flow=FLOW, step=OPEN, data={"reason": str(reason)})
    text = t.HANDOFF_IN_HOURS if in_hours else _after_hours_text(now, config)
    opened = OpenHandoff(msg.openid, channel, str(reason), config.clock())
    return Outcome(reply=TextReply(text), jobs=(job,), effects=(opened,), state=state)


def _to_wechat_console(msg: InboundMessage) -> Outcome:
    """Passive transfer; the worker then tells the customer how long WeChat's queue is."""
    queue = Job(JobKind.HANDOFF_QUEUE, {"openid": msg.openid, "dedupe_key": msg.dedupe_key})
    return Outcome(reply=TransferReply(), jobs=(queue,), state=SessionState())


def transfer_missed(state: SessionState) -> SessionState:
    """The transfer could not be passive (the reply was late): the customer was asked to
    write their question, and that next message is transferred."""
    return SessionState(flow=FLOW, step=TRANSFER_PENDING)


def _after_hours_text(now: datetime, config: DialogConfig) -> str:
    hours = config.hours
    following = hours.next_open(now) if hours is not None else None
    if hours is None or following is None:
        return t.HANDOFF_NEVER_OPEN.format(hotline=config.hotline)
    return t.HANDOFF_AFTER_HOURS.format(
        hours=hours.describe(), next_open=when_text(following, now), hotline=config.hotline
    )


def after_end(state: SessionState) -> SessionState | None:
    """The chat with a person ended (by staff, or nobody answered): a customer still in it is
    back with the bot; one who moved on stays where they are."""
    if state.flow != FLOW:
        return None
    return SessionState()


def when_text(moment: datetime, now: datetime) -> str:
    """今天 18:00 / 明天 09:00 / 12月7日 09:00, for customers."""
    days = (moment.date() - now.date()).days
    day = {0: "今天", 1: "明天", 2: "后天"}.get(days, f"{moment.month}月{moment.day}日")
    return f"{day} {moment:%H:%M}"


def handoff_flow(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    """While a person has the conversation, everything the customer says goes to them."""
    if state.step == TRANSFER_PENDING:
        if msg.kind is Kind.EVENT:  # WeChat's console takes messages, not events
            return Outcome()
        return _to_wechat_console(msg)
    said = (msg.text or msg.recognition).strip()
    if msg.kind is Kind.TEXT and said in END_WORDS:
        return end_by_customer(msg)
    if msg.kind is Kind.EVENT:
        return Outcome()
    words = {"kind": msg.kind.value, "text": msg.summary()}
    relay = RelayToStaff(msg.openid, said_at(msg), words)
    job = Job(JobKind.HANDOFF_RELAY, {"openid": msg.openid, "dedupe_key": msg.dedupe_key})
    return Outcome(reply=None, jobs=(job,), effects=(relay,), state=without_menu(state))


def answered_by_bot(
    msg: InboundMessage, state: SessionState, answer: Outcome, action: str, footer: bool = True
) -> Outcome:
    """The bot answered something during a chat with a person (保单查询, 菜单, a survey photo):
    the chat stays open, the customer is told how to carry on with the person, and the
    person is told what the customer did."""
    note = Job(JobKind.HANDOFF_RELAY, {"openid": msg.openid, "dedupe_key": msg.dedupe_key})
    did = RelayToStaff(msg.openid, said_at(msg), {"kind": "action", "action": action})
    data = {k: v for k, v in state.data.items() if k != "menu_shown"}
    if action == "menu":
        data["menu_shown"] = True  # the next bare number is a menu choice
    reply, sends = answer.reply, answer.sends
    if footer:
        reply, sends = with_footer(reply, sends, t.HANDOFF_STILL_OPEN)
    return Outcome(
        reply=reply,
        sends=sends,
        jobs=(*answer.jobs, note),
        effects=(*answer.effects, did),
        state=replace(state, data=data),
    )


def left_for(msg: InboundMessage, answer: Outcome, service: str) -> Outcome:
    """The customer chose another service from the menu: the chat with the person ends, said
    plainly to both sides, and the service starts."""
    end = Job(JobKind.HANDOFF_END, {"openid": msg.openid, "by": "customer", "left_for": service})
    closed = CloseHandoff(msg.openid)
    reply: Reply | None = answer.reply
    left = t.HANDOFF_LEFT.format(service=service)
    if isinstance(reply, TextReply):
        reply = TextReply(left + "\n\n" + reply.content)
    sends = answer.sends if isinstance(reply, TextReply) else (TextReply(left), *answer.sends)
    return Outcome(reply=reply or TextReply(left), sends=sends if reply else answer.sends,
                   jobs=(*answer.jobs, end), effects=(*answer.effects, closed),
                   state=answer.state)  # fmt: skip


def said_at(msg: InboundMessage) -> str:
    """Sorts as the customer sent them: WeChat's CreateTime, then its MsgId."""
    digits = "".join(c for c in msg.msg_id if c.isdigit()) or "0"
    return f"{msg.created_at:010d}-{int(digits):020d}"


def without_menu(state: SessionState) -> SessionState:
    if "menu_shown" not in state.data:
        return state
    return replace(state, data={k: v for k, v in state.data.items() if k != "menu_shown"})


def with_footer(
    reply: Reply | None, sends: tuple[Reply, ...], footer: str
) -> tuple[Reply | None, tuple[Reply, ...]]:
    """The footer goes on the last text the customer reads, or in a message of its own."""
    if sends and isinstance(sends[-1], TextReply):
        last = sends[-1]
        return reply, (*sends[:-1], TextReply(last.content + "\n\n" + footer))
    if not sends and isinstance(reply, TextReply):
        return TextReply(reply.content + "\n\n" + footer), sends
    if reply is None:
        return TextReply(footer), sends
    return reply, (*sends, TextReply(footer))


def end_by_customer(msg: InboundMessage) -> Outcome:
    job = Job(JobKind.HANDOFF_END, {"openid": msg.openid, "by": "customer"})
    closed = CloseHandoff(msg.openid)
    return Outcome(reply=TextReply(t.HANDOFF_ENDED_BY_CUSTOMER), jobs=(job,), effects=(closed,),
                   state=SessionState())  # fmt: skip


def sensitive(msg: InboundMessage, words: tuple[str, ...], config: DialogConfig) -> Outcome:
    """No argument, no automatic answer: apologise, promise a call, tell the supervisor, and
    ask for the number to call (dialog/complaint.py)."""
    from chalicelib.dialog import complaint

    return complaint.opened(msg, words, config)


def ticket_number(dedupe_key: str) -> str:
    """Derived from the message: the same message (retried, re-decided) names one ticket."""
    from chalicelib.dialog import complaint

    return complaint.ticket_number(dedupe_key)
