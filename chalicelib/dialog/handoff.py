"""人工服务: reach a person. In business hours WeChat's own customer-service console takes the
conversation (transfer_customer_service); after hours it goes to the on-call staff member's
WeCom, and what either side says is relayed by the worker (service/handoff.py).

Sensitive matters (投诉, 媒体…) are not argued with or answered automatically: an apology, a
priority callback ticket, and the supervisor is told.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.dialog import catalogue as t
from chalicelib.dialog.outcome import Job, Outcome, SessionState
from chalicelib.domain.handoff import Reason
from chalicelib.domain.hours import CHINA
from chalicelib.domain.messages import InboundMessage, Kind, TextReply, TransferReply

FLOW = "handoff"
END_WORDS = ("结束人工", "结束", "取消", "退出", "结束对话")
WECHAT_KF = "wechat_kf"
CONSOLE = "console"  # the claimbot console's agent inbox


def request(msg: InboundMessage, config, reason: str = Reason.ASKED) -> Outcome:
    """The customer asked for a person (or the bot could not help twice)."""
    now = datetime.fromtimestamp(config.clock(), CHINA)
    hours = config.hours
    in_hours = hours is not None and hours.is_open(now)
    if in_hours and config.handoff_in_hours == WECHAT_KF:
        return Outcome(reply=TransferReply(), state=SessionState())
    channel = CONSOLE if in_hours and config.handoff_in_hours == CONSOLE else "wecom"
    job = Job("handoff.start", {"openid": msg.openid, "reason": str(reason), "channel": channel})
    state = SessionState(flow=FLOW, step="open", data={"reason": str(reason)})
    text = t.HANDOFF_IN_HOURS if in_hours else _after_hours_text(now, config)
    return Outcome(reply=TextReply(text), jobs=(job,), state=state)


def _after_hours_text(now: datetime, config) -> str:
    hours = config.hours
    following = hours.next_open(now) if hours is not None else None
    if following is None:
        return t.HANDOFF_NEVER_OPEN.format(hotline=config.hotline)
    return t.HANDOFF_AFTER_HOURS.format(
        hours=hours.describe(), next_open=_when(following, now), hotline=config.hotline
    )


def _when(moment: datetime, now: datetime) -> str:
    days = (moment.date() - now.date()).days
    day = {0: "今天", 1: "明天", 2: "后天"}.get(days, f"{moment.month}月{moment.day}日")
    return f"{day} {moment:%H:%M}"


def handoff_flow(msg: InboundMessage, state: SessionState, config) -> Outcome:
    """While a person has the conversation, everything the customer says goes to them."""
    said = (msg.text or msg.recognition).strip()
    if msg.kind is Kind.TEXT and said in END_WORDS:
        return end_by_customer(msg)
    if msg.kind is Kind.EVENT:
        return Outcome()
    job = Job(
        "handoff.relay",
        {
            "openid": msg.openid,
            "kind": msg.kind.value,
            "text": msg.summary(),
            "media_id": msg.media_id,
            "dedupe_key": msg.dedupe_key,
        },
    )
    return Outcome(reply=None, jobs=(job,))


def end_by_customer(msg: InboundMessage) -> Outcome:
    job = Job("handoff.end", {"openid": msg.openid, "by": "customer"})
    return Outcome(reply=TextReply(t.HANDOFF_ENDED_BY_CUSTOMER), jobs=(job,), state=SessionState())


def sensitive(msg: InboundMessage, words: tuple[str, ...], config) -> Outcome:
    """No argument, no automatic answer: apologise, promise a call, tell the supervisor."""
    ticket_no = ticket_number(msg.dedupe_key)
    job = Job(
        "ticket.sensitive",
        {
            "openid": msg.openid,
            "ticket_no": ticket_no,
            "words": list(words),
            "text": msg.text,
            "dedupe_key": msg.dedupe_key,
        },
    )
    reply = TextReply(t.SENSITIVE_APOLOGY.format(ticket_no=ticket_no, hotline=config.hotline))
    return Outcome(reply=reply, jobs=(job,), state=SessionState())


def ticket_number(dedupe_key: str) -> str:
    """Derived from the message: the same message (retried, re-decided) names one ticket."""
    import hashlib

    return "TS" + str(int(hashlib.sha256(dedupe_key.encode()).hexdigest(), 16) % 10**12).zfill(12)
