"""People behind the bot: start a handoff, relay both ways, end it, escalate it.

Customer → staff: the worker (jobs handoff.start / handoff.relay / handoff.end) sends WeCom
application messages to the on-call staff member with the customer's masked context.
Staff → customer: WeCom posts the reply to /wecom (app.py); `on_staff_message` relays it to the
customer through the outbox (within WeChat's quota; kept if the window is closed).
Watchdog: unanswered for ESCALATE_AFTER_S → the backup; still nobody → a callback ticket for
the next business morning and the customer is told.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import handoff as dialog
from chalicelib.dialog import render
from chalicelib.dialog.outcome import SessionState
from chalicelib.domain import handoff as rules
from chalicelib.domain.hours import CHINA
from chalicelib.domain.masking import mask_long_numbers, mask_plate
from chalicelib.domain.messages import TextReply
from chalicelib.jobs.queues import OUTBOX
from chalicelib.service.logs import log_event, ref
from chalicelib.store.handoffs import HandoffConflict
from chalicelib.store.inbox import NEW
from chalicelib.wechat.replies import reply_to_json

END_COMMANDS = ("/结束", "/end", "结束", "/close")
REASON_WORDS = {
    "asked": "客户要求人工服务",
    "misses": "机器人连续两次未能回答",
    "sensitive": "敏感事项（投诉/媒体等）",
    "not_self_service": "不适合自助办理",
}
IDLE_END_S = 2 * 3600  # an active handoff nobody has written in for this long is closed
CONTEXT_MESSAGES = 6


class HandoffDesk:
    def __init__(
        self,
        handoffs: Any,
        roster: Any,
        tickets: Any,
        wecom: Any,
        book: Any,
        conversations: Any,
        queues: Any,
        sessions: Any,
        inbox: Any,
        hours: Any,
        hotline: str,
        escalate_after_s: float = rules.ESCALATE_AFTER_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.handoffs = handoffs
        self.roster = roster
        self.tickets = tickets
        self.wecom = wecom
        self.book = book
        self.conversations = conversations
        self.queues = queues
        self.sessions = sessions
        self.inbox = inbox
        self.hours = hours
        self.hotline = hotline
        self.escalate_after_s = escalate_after_s
        self.clock = clock

    # --- customer side (jobs) --------------------------------------------------------------

    def start(self, payload: dict[str, Any]) -> str:
        openid = payload["openid"]
        item, new = self.handoffs.open(openid, payload.get("channel", "wecom"), payload["reason"])
        if not new:
            return "already-open"
        if item.channel == "console":  # the agents' inbox shows it; nobody to message
            item.notified_at = self.clock()
            self.handoffs.save(item)
            return "in-console"
        return self._notify_level(item, 0)

    def relay_to_staff(self, payload: dict[str, Any]) -> str:
        openid = payload["openid"]
        item = self.handoffs.current(openid)
        if item is None:
            log_event("handoff.relay_without_handoff", user=ref(openid))
            return "no-handoff"
        if item.channel == "console":  # the inbox reads the conversation records
            item.last_activity = self.clock()
            self._save_quietly(item)
            return "in-console"
        said = _customer_words(payload)
        code = rules.short_code(openid)
        name = self._salutation(openid)
        targets = self._targets(item)
        for userid in targets:
            self.wecom.send_text(userid, f"{code} {name}：{said}")
        item.last_activity = self.clock()
        self._save_quietly(item)
        return "relayed" if targets else "nobody"

    def end_by_customer(self, payload: dict[str, Any]) -> str:
        item = self.handoffs.current(payload["openid"])
        if item is None:
            return "no-handoff"
        for userid in self._targets(item):
            code = rules.short_code(item.openid)
            self.wecom.send_text(userid, f"{code} 客户已结束本次人工服务。")
        self._end(item)
        return "ended"

    def sensitive(self, payload: dict[str, Any]) -> str:
        """A priority callback ticket, and the supervisor (or whoever is on call) is told."""
        openid = payload["openid"]
        ticket = self.tickets.create(
            openid,
            kind="sensitive",
            priority="high",
            summary=mask_long_numbers(payload.get("text", ""))[:200],
            ticket_no=payload["ticket_no"],
        )
        on_call = rules.on_call(self.roster.shifts(), self.clock())
        people = on_call.supervisor or on_call.primary
        words = "、".join(payload.get("words", []))
        for shift in people:
            self.wecom.send_text(
                shift.wecom_userid,
                f"【优先回访】{ticket.ticket_no} {self._salutation(openid)} 提到：{words}。"
                f"\n{mask_long_numbers(payload.get('text', ''))[:120]}\n请尽快电话联系客户。",
            )
        log_event("ticket.sensitive", told=len(people), user=ref(openid))
        return ticket.ticket_no

    # --- staff side (WeCom callback) --------------------------------------------------------

    def on_staff_message(self, message: Any) -> str:
        """A staff member's WeCom message: a reply to relay, or a command."""
        key = f"wecom:{message.dedupe_key}"
        if self.inbox.claim(key).state != NEW:
            return "duplicate"
        try:
            outcome = self._handle_staff(message)
        except Exception:
            self.inbox.release(key)  # WeCom retries the callback; let that one through
            raise
        self.inbox.complete(key, None)
        return outcome

    def _handle_staff(self, message: Any) -> str:
        text = (message.text or "").strip()
        open_ones = self.handoffs.of_staff(message.userid)
        target, text = _addressed(open_ones, text)
        if target is None:
            if open_ones:
                codes = "、".join(rules.short_code(h.openid) for h in open_ones)
                example = rules.short_code(open_ones[0].openid)
                self.wecom.send_text(
                    message.userid,
                    f"您正在服务多位客户（{codes}），请在回复前加上编号，如：{example} 您好",
                )
                return "ambiguous"
            self.wecom.send_text(message.userid, "目前没有等待您回复的客户。")
            return "no-handoff"
        if text in END_COMMANDS:
            end_id = f"handoff-end-{target.handoff_id}"
            self._send_customer(target.openid, t.HANDOFF_ENDED_BY_STAFF, end_id)
            self._end(target)
            self.wecom.send_text(message.userid, f"{rules.short_code(target.openid)} 已结束。")
            return "ended"
        return self._relay_to_customer(target, message, text)

    def _relay_to_customer(self, item: Any, message: Any, text: str) -> str:
        shift = self._shift_of(message.userid)
        staff_id = shift.staff_id if shift else message.userid
        name = shift.name if shift else "值班同事"
        self._answer(item, staff_id, name, text, f"wecom-{message.msg_id or self.clock()}",
                     channel="wecom", userid=message.userid)  # fmt: skip
        return "relayed"

    def _answer(
        self, item: Any, staff_id: str, name: str, text: str, message_id: str, channel: str,
        userid: str | None = None,
    ) -> None:  # fmt: skip
        now = self.clock()
        if item.state == "waiting":
            item.state = "active"
            item.answered_at = now
            item.staff_userid = userid or item.staff_userid
            item.staff_id = staff_id
        item.last_activity = now
        self._save_quietly(item)
        # The outbox records it when it is sent, with who said it.
        self._send_customer(item.openid, t.HANDOFF_STAFF_SAYS.format(name=name, text=text),
                            message_id, staff_id=staff_id)  # fmt: skip

    # --- the console's agent inbox ------------------------------------------------------------

    def console_chats(self) -> list[Any]:
        return [h for h in self.handoffs.open_ones() if h.channel == "console"]

    def console_chat(self, handoff_id: str) -> Any:
        return next((h for h in self.console_chats() if h.handoff_id == handoff_id), None)

    def console_reply(self, item: Any, staff_id: str, name: str, text: str) -> None:
        message_id = f"console-{item.handoff_id}-{int(self.clock() * 1000)}"
        self._answer(item, staff_id, name, text, message_id, channel="console")

    def console_end(self, item: Any) -> None:
        self._send_customer(item.openid, t.HANDOFF_ENDED_BY_STAFF, f"handoff-end-{item.handoff_id}")
        self._end(item)

    def salutation(self, openid: str) -> str:
        return self._salutation(openid)

    def context_lines(self, item: Any) -> list[str]:
        return self._context(item).splitlines()[:-1]  # without the WeCom reply instructions

    # --- watchdog ----------------------------------------------------------------------------

    def escalate(self) -> dict[str, int]:
        counts = {"escalated": 0, "callbacks": 0, "closed": 0}
        now = self.clock()
        for item in self.handoffs.open_ones():
            try:
                if item.state == "waiting" and now - item.notified_at >= self.escalate_after_s:
                    if item.channel == "console":  # no agent took it: a callback, as after hours
                        self._promise_callback(item)
                        counts["callbacks"] += 1
                    elif item.level == 0:
                        self._notify_level(item, 1)
                        counts["escalated"] += 1
                    else:
                        self._promise_callback(item)
                        counts["callbacks"] += 1
                elif item.state == "active" and now - (item.last_activity or 0) >= IDLE_END_S:
                    self._end(item)
                    counts["closed"] += 1
            except HandoffConflict:
                continue  # someone answered meanwhile; the next run sees it
        return counts

    # --- shared ------------------------------------------------------------------------------

    def _notify_level(self, item: Any, level: int) -> str:
        on_call = rules.on_call(self.roster.shifts(), self.clock())
        people = on_call.at_level(level)
        if not people and level == 0:
            people = on_call.backup
            level = 1
        if not people:
            self._promise_callback(item)
            return "callback"
        context = self._context(item)
        for shift in people:
            self.wecom.send_text(shift.wecom_userid, context)
        item.level = level
        item.notified_at = self.clock()
        item.staff_userid = people[0].wecom_userid
        self.handoffs.save(item)
        log_event("handoff.notified", level=level, people=len(people), user=ref(item.openid))
        return "notified"

    def _promise_callback(self, item: Any) -> None:
        now = datetime.fromtimestamp(self.clock(), CHINA)
        when = self.hours.next_open(now) if self.hours is not None else None
        ticket = self.tickets.create(
            item.openid,
            kind="callback",
            priority="normal",
            summary=REASON_WORDS.get(item.reason, item.reason),
            due_at=when.timestamp() if when else None,
            ticket_no=f"TC{item.handoff_id[1:]}",
        )
        item.ticket_no = ticket.ticket_no
        self._end(item)
        promise = t.HANDOFF_CALLBACK_PROMISE.format(
            ticket_no=ticket.ticket_no,
            when=dialog._when(when, now) if when else "下一个工作日上午",
            hotline=self.hotline,
        )
        self._send_customer(item.openid, promise, f"handoff-callback-{item.handoff_id}")
        log_event("handoff.callback_promised", user=ref(item.openid))

    def _end(self, item: Any) -> None:
        item.state = "ended"
        item.ended_at = self.clock()
        self.handoffs.save(item)
        self._leave_session(item.openid)

    def _leave_session(self, openid: str) -> None:
        self.sessions.change(
            openid, lambda state: SessionState() if state.flow == dialog.FLOW else None
        )

    def _send_customer(
        self, openid: str, text: str, message_id: str, staff_id: str = ""
    ) -> None:
        body = {
            "id": message_id,
            "kind": "custom",
            "openid": openid,
            "reply": reply_to_json(TextReply(text)),
            "origin": "handoff",
            "created_at": self.clock(),
        }
        if staff_id:
            body["staff_id"] = staff_id
        self.queues.publish(OUTBOX, [body])

    def _targets(self, item: Any) -> list[str]:
        if item.state == "active" and item.staff_userid:
            return [item.staff_userid]
        on_call = rules.on_call(self.roster.shifts(), self.clock())
        people = on_call.at_level(item.level) or on_call.primary or on_call.backup
        return [s.wecom_userid for s in people]

    def _shift_of(self, userid: str) -> Any:
        now = self.clock()
        shifts = [s for s in self.roster.shifts() if s.wecom_userid == userid]
        current = [s for s in shifts if s.covers(now)]
        return (current or shifts or [None])[0]

    def _save_quietly(self, item: Any) -> None:
        try:
            self.handoffs.save(item)
        except HandoffConflict:
            log_event("handoff.save_conflict", user=ref(item.openid))

    def _salutation(self, openid: str) -> str:
        customer = self.book.customer_for(openid)
        return render.customer_salutation(customer) if customer else "客户"

    def _context(self, item: Any) -> str:
        """What the staff member needs, masked: surname, policy and claim, last messages."""
        code = rules.short_code(item.openid)
        lines = [f"【人工转接】{code} {self._salutation(item.openid)}",
                 f"原因：{REASON_WORDS.get(item.reason, item.reason)}"]  # fmt: skip
        customer = self.book.customer_for(item.openid)
        if customer is not None:
            for policy in self.book.policies_of(customer.customer_id)[:2]:
                lines.append(f"保单：{policy.product} {mask_plate(policy.plate)} 至 {policy.end}")
            for claim in self.book.claims_of(customer.customer_id)[:2]:
                lines.append(f"赔案：{claim.claim_no} {t.CLAIM_STATUS[str(claim.status)]}")
        else:
            lines.append("（未绑定保单）")
        recent = self.conversations.latest(item.openid, CONTEXT_MESSAGES)
        if recent:
            lines.append("最近消息：")
            for r in recent:
                who = "客户" if r.direction == "in" else "公众号"
                said = " ".join((r.content or r.msg_type).split())  # one line per message
                lines.append(f"{who}：{mask_long_numbers(said)[:60]}")
        lines.append(f"直接回复即可转给客户；多位客户时回复前加 {code}；回复“/结束”结束服务。")
        return "\n".join(lines)


def _addressed(open_ones: list[Any], text: str) -> tuple[Any, str]:
    """Which customer a staff message is for: "#K7Q ..." names one; alone, the only one."""
    if text.startswith("#") and len(text) >= 4:
        code, rest = text[:4].upper(), text[4:].strip()
        for item in open_ones:
            if rules.short_code(item.openid) == code:
                return item, rest
    if len(open_ones) == 1:
        return open_ones[0], text
    return None, text


def _customer_words(payload: dict[str, Any]) -> str:
    kind = payload.get("kind")
    if kind == "text":
        return mask_long_numbers(payload.get("text", ""))
    if kind == "image":
        return "[图片]（已保存，可在理赔控制台查看）"
    if kind == "location":
        return f"[位置] {payload.get('text', '')}"
    if kind == "voice":
        return f"[语音] {payload.get('text', '')}"
    return f"[{kind}]"





class StaffInbox:
    """POST/GET /wecom: WeCom's callback. A reply that could not be relayed answers 503, so
    WeCom posts it again (it retries a callback that fails); nothing a staff member says is
    dropped silently."""

    def __init__(self, callback: Any, desk: Any) -> None:
        self.callback = callback
        self.desk = desk

    def verify(self, query: dict[str, str]) -> Any:
        from chalicelib.service.webhook import HttpResult
        from chalicelib.wechat.codec import Rejected

        try:
            return HttpResult(200, self.callback.verify_url(query))
        except Rejected as exc:
            return HttpResult(exc.status, "rejected")

    def receive(self, query: dict[str, str], body: bytes) -> Any:
        from chalicelib.service.webhook import HttpResult
        from chalicelib.wechat.codec import Rejected
        from chalicelib.wechat.inbound import BadMessage

        try:
            message = self.callback.decode(query, body)
        except Rejected as exc:
            log_event("wecom.rejected", status=exc.status)
            return HttpResult(exc.status, "rejected")
        except BadMessage:
            return HttpResult(400, "bad message")
        if message.kind != "text":
            return HttpResult(200, "")
        try:
            result = self.desk.on_staff_message(message)
        except Exception:
            log_event("wecom.relay_failed", logging.ERROR, staff=ref(message.userid))
            return HttpResult(503, "try again")
        log_event("wecom.staff_message", result=result, staff=ref(message.userid))
        return HttpResult(200, "")
