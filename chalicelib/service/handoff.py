"""People behind the bot: start a handoff, relay both ways, end it, escalate it.

Customer → staff: the worker (jobs handoff.start / handoff.relay / handoff.end) sends WeCom
application messages to the on-call staff member with the customer's masked context.
Staff → customer: WeCom posts the reply to /wecom (app.py); `on_staff_message` relays it to the
customer through the outbox (within WeChat's quota; kept if the window is closed).
Watchdog: unanswered for ESCALATE_AFTER_S → the backup; still nobody → a callback ticket for
the next business morning and the customer is told.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from pynamodb.attributes import MapAttribute

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import handoff as dialog
from chalicelib.dialog import render
from chalicelib.dialog.outcome import Job, JobKind
from chalicelib.domain import assist
from chalicelib.domain import handoff as rules
from chalicelib.domain import tickets as ticket_rules
from chalicelib.domain.hours import CHINA
from chalicelib.domain.masking import (
    mask_for_staff,
    mask_free_text,
    mask_ids_and_cards,
    mask_plate,
)
from chalicelib.domain.messages import TextReply
from chalicelib.jobs.messages import custom
from chalicelib.service.logs import log_event, ref
from chalicelib.staff.messenger import StaffBusy
from chalicelib.store.inbox import NEW

if TYPE_CHECKING:
    from chalicelib.dialog.ports import Hours
    from chalicelib.domain.book import Policy
    from chalicelib.domain.handoff import Shift
    from chalicelib.jobs.queues import Queues
    from chalicelib.service.assignment import AssignmentDesk
    from chalicelib.service.assist import Assistant
    from chalicelib.staff.wecom import StaffMessage
    from chalicelib.store.book import BookStore
    from chalicelib.store.conversations import Conversations
    from chalicelib.store.handoffs import Handoffs, Roster, Tickets
    from chalicelib.store.inbox import Inbox
    from chalicelib.store.models import HandoffItem
    from chalicelib.store.sessions import Sessions
    from chalicelib.wechat.api import WeChatApi

END_COMMANDS = ("/结束", "/end", "结束", "/close")
REASON_WORDS = {
    "asked": "客户要求人工服务",
    "misses": "机器人连续两次未能回答",
    "sensitive": "敏感事项（投诉/媒体等）",
    "not_self_service": "不适合自助办理",
}
IDLE_END_S = 2 * 3600  # an active handoff nobody has written in for this long is closed
CONTEXT_MESSAGES = 6
OPENING_TURN_S = 0.3  # the opening turn writes its records and the handoff ms apart
LEASE_S = 30  # a job telling staff about one customer holds the handoff this long at most
LEASE_WAIT_S = 8  # another job waits this long for it, then SQS delivers it again
START_GRACE_S = 60  # a handoff nobody was told about after this long: the watchdog tells
LATE_REPLY_S = 30 * 60  # a staff answer this soon after the customer left still reaches them
ENDED_BY_CUSTOMER = "客户已结束本次人工服务。"
LEFT_FOR = "客户离开了人工服务，去办理“{service}”（本次人工服务已结束）。"
ACTION_WORDS = {
    "unbind": "客户解除了保单绑定（机器人已回复）",
    "help": "客户查看了使用帮助",
    "policy": "客户查看了保单信息（机器人已回复）",
    "claim": "客户查看了理赔进度（机器人已回复）",
    "claim_no": "客户查询了一个赔案的进度（机器人已回复）",
    "menu": "客户查看了服务菜单",
    "resume_survey": "客户查看了自助查勘进度（机器人已回复）",
    "survey_photo": "客户发送了一张查勘照片（已进入自助查勘，由系统检查，无需转发）",
    "campaigns_off": "客户回复了“退订”：不再接收活动和群发消息（服务通知照常）",
    "campaigns_on": "客户回复了“订阅”：恢复接收活动和群发消息",
}


class HandoffBusy(Exception):
    """Another job is telling staff about this customer right now: SQS delivers this again."""


class StaffChannel(Protocol):
    """WeCom's app messages to one member (staff/messenger.py keeps WeCom's limits)."""

    def send_text(self, userid: str, text: str) -> None: ...  # pragma: no cover - a protocol


class HandoffDesk:
    def __init__(
        self,
        handoffs: Handoffs,
        roster: Roster,
        tickets: Tickets,
        wecom: StaffChannel,
        book: BookStore,
        conversations: Conversations,
        queues: Queues,
        sessions: Sessions,
        inbox: Inbox,
        hours: Hours | None,
        hotline: str,
        escalate_after_s: float = rules.ESCALATE_AFTER_S,
        clock: Callable[[], float] = time.time,
        wechat: WeChatApi | None = None,
        assistant: Assistant | None = None,
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
        self.wechat = wechat  # WeChat's API: the queue of its own customer-service console
        # In-hours console chats: whose, and their clocks (service/assignment.py); the
        # container sets it, None: every agent answers every chat as before.
        self.assignment: AssignmentDesk | None = None
        self.assistant = assistant  # the knowledge base's candidates (Assist), None: not offered

    # --- customer side (jobs) --------------------------------------------------------------
    # The webhook opened the handoff (dialog effect OpenHandoff) before queueing these jobs;
    # each holds the handoff's lease, so staff get the context first, then what the customer
    # says, in order, whichever job runs first.

    def start(self, payload: dict[str, Any]) -> str:
        openid = payload["openid"]
        if self.handoffs.current(openid) is None:
            return "no-handoff"  # ended before anyone was told
        with self._serialized(openid):
            item = self.handoffs.current(openid)
            if item is None:
                return "no-handoff"
            result = self._notify_once(item)
            if item.state != "ended":  # what the customer said since, if its own job failed
                self._flush(item)
            return result

    def relay_to_staff(self, payload: dict[str, Any]) -> str:
        """What the customer said, to the person: kept on the handoff first, then sent with
        whatever else is waiting, in the order the customer said it (the jobs of messages sent
        a moment apart may run in any order, or together)."""
        openid = payload["openid"]
        if self.handoffs.current(openid) is None:
            log_event("handoff.relay_without_handoff", user=ref(openid))
            return "no-handoff"
        if "text" in payload or "action" in payload:  # queued before the relay effect existed
            said = {k: str(payload.get(k, "")) for k in ("kind", "text", "action")}
            seq = f"{self.clock():016.3f}"
            self.handoffs.queue_relay(openid, seq, json.dumps(said, ensure_ascii=False))
        with self._serialized(openid):
            item = self.handoffs.current(openid)
            if item is None:
                return "no-handoff"
            self._notify_once(item)
            if item.state == "ended":  # nobody on call: the callback ended it
                return "callback"
            sent = self._flush(item)
            if item.channel == "console":
                return "in-console"
            return "relayed" if sent else "relayed-together"

    def _flush(self, item: HandoffItem) -> int:
        """Send what waits on the handoff, oldest first; how many were sent."""
        stored: MapAttribute[str, Any] | None = item.relays
        relays = stored.as_dict() if stored is not None else {}
        waiting = sorted(relays.items())
        if not waiting:
            return 0
        if self.assignment is not None:  # the first-response clock starts
            self.assignment.customer_wrote(item, [(q, json.loads(w)) for q, w in waiting])
        # the console's inbox reads the conversation records; WeCom, once escalated there
        if item.channel != "console" or item.wecom_relay:
            text = self._relay_text(item, waiting)
            text += self._offer(item, waiting)  # kept before it is shown: "3" finds it
            for userid in self._targets(item):
                self.wecom.send_text(userid, text)  # StaffBusy: all stay waiting, retried
        self.handoffs.relayed(item, [seq for seq, _ in waiting])
        self.handoffs.touch(item)
        return len(waiting)

    def data_request(self, payload: dict[str, Any]) -> str:
        """A customer's request about their data (correct, erase): a ticket with its deadline,
        for staff to handle and answer (PIPL: within a reasonable time, refusals with reasons).
        The same message always makes the same ticket (its number comes from the message)."""
        ticket = self.tickets.create(
            payload["openid"],
            kind=f"data_request:{payload['request']}",
            priority="normal",
            summary=mask_for_staff(str(payload.get("text", "")))[:200],
            due_at=self.clock() + int(payload.get("days", 15)) * 86400,
            ticket_no=payload["ticket_no"],
        )
        log_event("ticket.data_request", request=payload["request"], user=ref(payload["openid"]))
        return ticket.ticket_no

    def _tell_staff(self, userid: str, text: str) -> None:
        """A notice in answer to a staff member's own message: best effort. Over their WeCom
        limit it is dropped with a log line (WeCom would drop it silently), not failed: failing
        would have WeCom post their message again."""
        try:
            self.wecom.send_text(userid, text)
        except StaffBusy:
            log_event("wecom.notice_dropped", staff=ref(userid))

    def _relay_text(self, item: HandoffItem, waiting: list[tuple[str, str]]) -> str:
        """What waits, as one message (WeCom allows a member 30 a minute): each line with the
        time the customer said it, which also keeps two equal words apart for WeCom's
        duplicate check."""
        code, name = rules.short_code(item.openid), self._salutation(item.openid)
        lines = [f"{_clock_time(seq)} {_customer_words(json.loads(said))}"
                 for seq, said in waiting]  # fmt: skip
        if len(lines) == 1:
            return f"{code} {name} {lines[0].replace(' ', '：', 1)}"
        return f"{code} {name}（{len(lines)}条）：\n" + "\n".join(lines)

    def _offer(self, item: HandoffItem, waiting: list[tuple[str, str]]) -> str:
        """The knowledge base's candidates for the latest words waiting, as numbered titles
        under the relay (Assist); kept on the handoff so that a reply "3" sends the third."""
        if self.assistant is None:
            return ""
        said = [(seq, json.loads(w)) for seq, w in waiting]
        texts = [(seq, w.get("text", "")) for seq, w in said
                 if w.get("kind") in ("text", "voice") and str(w.get("text", "")).strip()]
        if not texts:
            return ""
        seq, text = texts[-1]
        try:
            found = self.assistant.candidates(text)
        except Exception:  # a suggestion is a courtesy: the customer's words go anyway
            log_event("assist.failed", logging.WARNING, user=ref(item.openid))
            return ""
        if not found:
            return ""
        question = mask_free_text(text)[: assist.MAX_QUESTION]
        self.handoffs.offer(item, {"ref": f"{item.handoff_id}:{seq}", "question": question,
                                   "entries": [c.entry_id for c in found]})  # fmt: skip
        return "\n" + assist.numbered_block(found, rules.short_code(item.openid))

    def end_by_customer(self, payload: dict[str, Any]) -> str:
        """The customer's message closed the handoff (dialog effect CloseHandoff); the people
        who were told about it are told it ended, once."""
        openid = payload["openid"]
        if self.handoffs.latest(openid) is None:
            return "no-handoff"
        with self._serialized(openid):
            item = self.handoffs.latest(openid)
            if item is None:
                return "no-handoff"
            if item.state != "ended":  # a job queued before the effect existed
                self._end(item, "customer")
            if not payload.get("left_for"):  # not while starting another service
                self._ask_rating(item)
            if not item.notified_at or item.channel == "console" and not item.wecom_relay:
                return "ended"
            self._flush(item)  # what they said before leaving comes first
            if not self.handoffs.staff_told_of_end(item):
                return "already-told"
            left_for = payload.get("left_for") or ""
            words = LEFT_FOR.format(service=left_for) if left_for else ENDED_BY_CUSTOMER
            for userid in self._targets(item):
                self.wecom.send_text(userid, f"{rules.short_code(item.openid)} {words}")
            return "ended"

    def tell_queue(self, payload: dict[str, Any]) -> str:
        """WeChat's own console took the customer: say how many are waiting before them."""
        try:
            waiting = int(self.wechat.kf_waiting_count()) if self.wechat is not None else 0
        except Exception:  # the queue's length is a courtesy: never worth a failed job
            log_event("handoff.kf_queue_unknown", logging.WARNING, user=ref(payload["openid"]))
            waiting = -1
        if waiting > 0:
            minutes = max(1, waiting * rules.KF_MINUTES_PER_CASE)
            text = t.HANDOFF_KF_QUEUE.format(waiting=waiting, minutes=minutes)
        else:
            text = t.HANDOFF_KF_NEXT
        self._send_customer(payload["openid"], text, f"kf-queue-{payload.get('dedupe_key')}")
        return "told"

    def sensitive(self, payload: dict[str, Any]) -> str:
        """A priority callback ticket, and the supervisor (or whoever is on call) is told."""
        openid = payload["openid"]
        policy = self._first_policy(openid)  # its phone is kept masked only: staff see whose
        ticket = self.tickets.create(
            openid,
            kind="sensitive",
            priority="high",
            summary=mask_for_staff(payload.get("text", ""))[:200],
            due_at=ticket_rules.complaint_due(self.clock()),
            ticket_no=payload["ticket_no"],
            policy_no=policy.policy_no if policy else None,
            policy_phone_masked=policy.holder_phone_masked if policy else None,
        )
        on_call = rules.on_call(self.roster.shifts(), self.clock())
        people = on_call.supervisor or on_call.primary
        words = "、".join(payload.get("words", []))
        said = mask_for_staff(payload.get("text", ""))[:120]
        whose = self._policies_line(openid)
        for shift in people:
            self.wecom.send_text(
                shift.wecom_userid,
                f"【优先回访】{ticket.ticket_no} {self._salutation(openid)} 提到：{words}。"
                f"\n{said}\n{whose}\n请尽快电话联系客户。",
            )
        log_event("ticket.sensitive", told=len(people), user=ref(openid))
        return ticket.ticket_no

    # --- staff side (WeCom callback) --------------------------------------------------------

    def on_staff_message(self, message: StaffMessage) -> str:
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

    def _handle_staff(self, message: StaffMessage) -> str:
        """Whom a staff message is for: the customer whose code starts it; without a code, the
        one chat this person has, only when no other chat of theirs ended lately (an answer
        meant for someone who just left must not reach someone else)."""
        text = (message.text or "").strip()
        open_ones = self.handoffs.of_staff(message.userid)
        since = self.clock() - LATE_REPLY_S
        ended = [h for h in self.handoffs.recently_ended_of_staff(message.userid, since)
                 if h.openid not in {o.openid for o in open_ones}]  # fmt: skip
        target, rest = _addressed([*open_ones, *ended], text)
        if target is None or target.state == "ended" and rest in END_COMMANDS:
            return self._ask_for_code(message.userid, open_ones, ended)
        if rest not in END_COMMANDS:
            picked = self._picked(target, message, rest)
            if picked is not None:
                return picked
        if target.state == "ended":
            return self._late_reply(target, message, rest)
        if rest in END_COMMANDS:
            self._end_by_staff(target, message.userid)
            return "ended"
        return self._relay_to_customer(target, message, rest)

    def _picked(self, item: HandoffItem, message: StaffMessage, rest: str) -> str | None:
        """A number answering the candidates offered with the relay (Assist): that entry's
        answer goes to the customer as the person's reply, and the choice is recorded. None:
        not a pick (no number, or nothing offered)."""
        offered = item.offered or {}
        number = assist.parse_pick(rest) if self.assistant is not None else None
        if self.assistant is None or number is None or not offered.get("entries"):
            return None
        entries = [str(e) for e in offered["entries"]]
        code = rules.short_code(item.openid)
        answer = self.assistant.answer_of(entries[number - 1]) if number <= len(entries) else None
        if answer is None:
            self._tell_staff(message.userid, f"{code} 没有第 {number} 条推荐（共 {len(entries)}"
                             " 条），消息没有发出。要发数字本身，请加文字，如“3天”。")  # fmt: skip
            return "no-such-candidate"
        if item.state == "ended":
            self._late_reply(item, message, answer.answer)
        else:
            self._relay_to_customer(item, message, answer.answer)
        self.assistant.record(str(offered.get("ref")), str(offered.get("question", "")),
                              answer.entry_id, entries, False, message.userid, assist.WECOM)
        self._tell_staff(message.userid, f"{code} 已发送第 {number} 条：{assist.title(answer)}")
        return "picked"

    def _ask_for_code(
        self, userid: str, open_ones: list[HandoffItem], ended: list[HandoffItem]
    ) -> str:
        if not open_ones and not ended:
            self._tell_staff(userid, "目前没有等待您回复的客户。")
            return "no-handoff"
        lines = []
        if open_ones:
            codes = "、".join(rules.short_code(h.openid) for h in open_ones)
            lines.append(f"正在服务：{codes}")
        if ended:
            codes = "、".join(rules.short_code(h.openid) for h in ended)
            lines.append(f"刚离开：{codes}")
        example = rules.short_code((open_ones or ended)[0].openid)
        self._tell_staff(userid, "这条消息没有发出，请在回复前加上客户编号，如：" + example
                             + " 您好\n" + "；".join(lines))  # fmt: skip
        return "ambiguous"

    def _end_by_staff(self, item: HandoffItem, userid: str) -> None:
        self._send_customer(item.openid, t.HANDOFF_ENDED_BY_STAFF, f"handoff-end-{item.handoff_id}")
        self._end(item, "staff")
        self._tell_staff(userid, f"{rules.short_code(item.openid)} 已结束。")

    def _relay_to_customer(self, item: HandoffItem, message: StaffMessage, text: str) -> str:
        staff_id, name = self._staff_member(message.userid)
        self._answer(item, staff_id, name, text, f"wecom-{message.msg_id or self.clock()}",
                     userid=message.userid)  # fmt: skip
        return "relayed"

    def _late_reply(self, item: HandoffItem, message: StaffMessage, text: str) -> str:
        """The customer left the chat (the menu, 结束人工) shortly before this answer came: it
        still reaches them, saying which conversation it answers; staff are told."""
        staff_id, name = self._staff_member(message.userid)
        started = datetime.fromtimestamp(item.started_at, CHINA)
        said = t.HANDOFF_LATE_STAFF_SAYS.format(name=name, at=f"{started:%H:%M}",
                                                text=mask_ids_and_cards(text))  # fmt: skip
        self._send_customer(item.openid, said, f"wecom-{message.msg_id or self.clock()}",
                            staff_id=staff_id)  # fmt: skip
        ended = datetime.fromtimestamp(item.ended_at or self.clock(), CHINA)
        self._tell_staff(
            message.userid,
            f"{rules.short_code(item.openid)} 客户已于 {ended:%H:%M} 离开人工服务，"
            "这条回复已发给客户（注明是对刚才咨询的回复）。"
            "客户再发的消息由机器人处理；客户回复“人工”可再次联系。",
        )
        return "late"

    def _answer(
        self, item: HandoffItem, staff_id: str, name: str, text: str, message_id: str,
        userid: str | None = None,
    ) -> None:  # fmt: skip
        self.handoffs.answered(item, userid, staff_id)
        if self.assignment is not None:  # the first-response time, kept once
            self.assignment.answered(item)
        # The outbox records it when it is sent, with who said it.
        words = mask_ids_and_cards(text)  # no whole ID number in the chat, whoever types it
        self._send_customer(item.openid, t.HANDOFF_STAFF_SAYS.format(name=name, text=words),
                            message_id, staff_id=staff_id)  # fmt: skip

    def _staff_member(self, userid: str) -> tuple[str, str]:
        """Who answered: their WeCom userid (as the console and the staff table know them, so
        their records are theirs there too) and the roster's name for them."""
        shift = self._shift_of(userid)
        return (userid, shift.name) if shift else (userid, "值班同事")

    # --- the console's agent inbox ------------------------------------------------------------

    def console_chats(self) -> list[HandoffItem]:
        return [h for h in self.handoffs.open_ones() if h.channel == "console"]

    def console_chat(self, handoff_id: str) -> HandoffItem | None:
        return next((h for h in self.console_chats() if h.handoff_id == handoff_id), None)

    def console_reply(self, item: HandoffItem, staff_id: str, name: str, text: str) -> None:
        message_id = f"console-{item.handoff_id}-{int(self.clock() * 1000)}"
        self._answer(item, staff_id, name, text, message_id)

    def console_end(self, item: HandoffItem) -> None:
        self._send_customer(item.openid, t.HANDOFF_ENDED_BY_STAFF, f"handoff-end-{item.handoff_id}")
        self._end(item, "staff")

    def relay_to_on_call(
        self, item: HandoffItem, minutes: int, mark: Callable[[HandoffItem], bool]
    ) -> bool | None:
        """An in-hours console chat nobody answered within its first-response target, with no
        other agent available: the on-call person (else the backup) gets it in WeCom as after
        hours (the context now, then what the customer says; the watchdog asks the backup
        next), and it stays in the console. `mark` records it once it is sent. False: nobody
        on call; None: not now (a job holds the chat, or it changed: looked at again later)."""
        try:
            with self._serialized(item.openid, wait_s=0):
                fresh = self.handoffs.current(item.openid)
                if (fresh is None or fresh.handoff_id != item.handoff_id
                        or fresh.state != "waiting" or fresh.wecom_relay):  # fmt: skip
                    return None
                on_call = rules.on_call(self.roster.shifts(), self.clock())
                level = 0 if on_call.primary else 1
                people = on_call.at_level(level)
                if not people:
                    return False
                why = f"（坐席 {minutes} 分钟未回复，转给您）"
                context = self._context(fresh, escalated=True, why=why)
                for shift in people:
                    self.wecom.send_text(shift.wecom_userid, context)
                self.handoffs.notified(fresh, level, people[0].wecom_userid)
                mark(fresh)
                log_event("handoff.notified", level=level, people=len(people),
                          user=ref(item.openid))  # fmt: skip
                return True
        except HandoffBusy:
            return None

    def salutation(self, openid: str) -> str:
        return self._salutation(openid)

    def context_lines(self, item: HandoffItem) -> list[str]:
        return self._context(item).splitlines()[:-1]  # without the WeCom reply instructions

    # --- watchdog ----------------------------------------------------------------------------

    def escalate(self) -> dict[str, int]:
        counts = {"escalated": 0, "callbacks": 0, "closed": 0, "told": 0}
        if self.assignment is not None:  # in-hours chats past their first-response target
            counts["reassigned"] = self.assignment.escalate_all()
        now = self.clock()
        for item in self.handoffs.open_ones():
            try:
                with self._serialized(item.openid, wait_s=0):
                    done = self._escalate_one(item, now)
            except HandoffBusy:
                continue  # a job is telling staff right now; the next run looks again
            if done:
                counts[done] += 1
        return counts

    def _escalate_one(self, item: HandoffItem, now: float) -> str | None:
        if item.state == "waiting" and not item.notified_at:
            if now - item.started_at >= START_GRACE_S:  # the start job was lost
                self._notify_once(item)
                return "told"
            return None
        if item.state == "waiting" and now - item.notified_at >= self.escalate_after_s:
            if item.channel == "console" and not item.wecom_relay or item.level >= 1:
                self._promise_callback(item)  # no agent took it: a callback, as after hours
                return "callbacks"
            self._notify_level(item, 1)
            return "escalated"
        if item.state == "active" and now - (item.last_activity or 0) >= IDLE_END_S:
            self._end(item, "idle")
            return "closed"
        return None

    # --- shared ------------------------------------------------------------------------------

    @contextmanager
    def _serialized(self, openid: str, wait_s: float = LEASE_WAIT_S) -> Iterator[None]:
        holder = uuid.uuid4().hex
        deadline = time.monotonic() + wait_s
        while not self.handoffs.take_lease(openid, holder, LEASE_S):
            if time.monotonic() >= deadline:
                raise HandoffBusy(ref(openid))
            time.sleep(0.1)
        try:
            yield
        finally:
            self.handoffs.drop_lease(openid, holder)

    def _notify_once(self, item: HandoffItem) -> str:
        """Tell the on-call person (or the console) that a customer waits, once."""
        if item.notified_at:
            return "already-told"
        if item.channel == "console":  # the agents' inbox shows it; nobody to message
            if self.assignment is not None:  # dealt to an agent, or supervisors told
                self.assignment.started(item)
            self.handoffs.notified(item, 0, None)
            return "in-console"
        return self._notify_level(item, 0)

    def _notify_level(self, item: HandoffItem, level: int) -> str:
        on_call = rules.on_call(self.roster.shifts(), self.clock())
        people = on_call.at_level(level)
        if not people and level == 0:
            people = on_call.backup
            level = 1
        if not people:
            self._promise_callback(item)
            return "callback"
        asked_before = self._targets(item) if item.notified_at else []
        context = self._context(item, escalated=bool(asked_before))
        for shift in people:
            self.wecom.send_text(shift.wecom_userid, context)
        code = rules.short_code(item.openid)
        for userid in asked_before:  # they may still be typing: tell them who took it over
            self.wecom.send_text(userid, f"{code} 您超过 {int(self.escalate_after_s // 60)} 分钟"
                                         f"未回复，已转给{people[0].name}。")  # fmt: skip
        self.handoffs.notified(item, level, people[0].wecom_userid)
        log_event("handoff.notified", level=level, people=len(people), user=ref(item.openid))
        return "notified"

    def _promise_callback(self, item: HandoffItem) -> None:
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
        told = self._targets(item) if item.notified_at else []
        if not self.handoffs.end(item, "callback", ticket.ticket_no):
            return  # ended meanwhile (the customer left, or an answer came)
        self._leave_session(item.openid)
        for userid in told:
            code = rules.short_code(item.openid)
            self.wecom.send_text(userid, f"{code} 无人回复，已登记回访工单 {ticket.ticket_no}，"
                                         "本次人工服务已结束。")  # fmt: skip
        promise = t.HANDOFF_CALLBACK_PROMISE.format(
            ticket_no=ticket.ticket_no,
            when=t.CALLBACK_FROM.format(when=dialog.when_text(when, now))
            if when else t.NEXT_WORKING_MORNING,
            hotline=self.hotline,
        )
        self._send_customer(item.openid, promise, f"handoff-callback-{item.handoff_id}")
        log_event("handoff.callback_promised", user=ref(item.openid))

    def _end(self, item: HandoffItem, ended_by: str) -> None:
        if self.handoffs.end(item, ended_by):
            self._leave_session(item.openid)
            if self.assignment is not None:  # the resolution time, kept once
                self.assignment.ended(item)
            if ended_by == "staff":
                self._ask_rating(item)

    def _ask_rating(self, item: HandoffItem) -> None:
        """A chat a person answered has ended: the customer is asked for a rating (the job
        asks once per chat, within WeChat's window: service/satisfaction.py)."""
        if not item.answered_at or not item.staff_id:
            return  # nobody answered: nothing to rate
        about = {"flow": "chat", "openid": item.openid, "handoff_id": item.handoff_id,
                 "staff_id": item.staff_id, "channel": item.channel}  # fmt: skip
        self.queues.jobs([Job(JobKind.SATISFACTION_ASK, about)])

    def _leave_session(self, openid: str) -> None:
        self.sessions.change(openid, dialog.after_end)

    def _send_customer(
        self, openid: str, text: str, message_id: str, staff_id: str = ""
    ) -> None:
        message = custom(openid, TextReply(text), "handoff", message_id, staff_id=staff_id)
        self.queues.outbox([message])

    def _targets(self, item: HandoffItem) -> list[str]:
        """Who hears about this chat: the person who answered it, else those asked."""
        if item.answered_at and item.staff_userid:
            return [item.staff_userid]
        on_call = rules.on_call(self.roster.shifts(), self.clock())
        people = on_call.at_level(int(item.level)) or on_call.primary or on_call.backup
        return [s.wecom_userid for s in people]

    def _shift_of(self, userid: str) -> Shift | None:
        now = self.clock()
        shifts = [s for s in self.roster.shifts() if s.wecom_userid == userid]
        current = [s for s in shifts if s.covers(now)]
        found = current or shifts
        return found[0] if found else None

    def _salutation(self, openid: str) -> str:
        customer = self.book.customer_for(openid)
        return render.customer_salutation(customer) if customer else "客户"

    def _first_policy(self, openid: str) -> Policy | None:
        customer = self.book.customer_for(openid)
        policies = self.book.policies_of(customer.customer_id) if customer else []
        return policies[0] if policies else None

    def _policies_line(self, openid: str) -> str:
        customer = self.book.customer_for(openid)
        if customer is None:
            return "（未绑定保单）"
        numbers = [p.policy_no for p in self.book.policies_of(customer.customer_id)[:3]]
        return "保单：" + "、".join(numbers) if numbers else "（名下没有保单）"

    def _context(self, item: HandoffItem, escalated: bool = False, why: str = "") -> str:
        """What the staff member needs, masked: surname, policy and claim, last messages."""
        code = rules.short_code(item.openid)
        reason = REASON_WORDS.get(item.reason, item.reason)
        if escalated:
            reason += why or f"（值班同事 {int(self.escalate_after_s // 60)} 分钟未回复，转给您）"
        lines = [f"【人工转接】{code} {self._salutation(item.openid)}", f"原因：{reason}"]
        customer = self.book.customer_for(item.openid)
        if customer is not None:
            for policy in self.book.policies_of(customer.customer_id)[:2]:
                lines.append(f"保单：{policy.product} {mask_plate(policy.plate)} 至 {policy.end}")
            for claim in self.book.claims_of(customer.customer_id)[:2]:
                lines.append(f"赔案：{claim.claim_no} {t.CLAIM_STATUS[str(claim.status)]}")
        else:
            lines.append("（未绑定保单）")
        recent = self.conversations.latest(item.openid, CONTEXT_MESSAGES)
        if not escalated:  # what comes after reaches the first person as relays; a backup
            # asked later has seen none of it, and gets the latest messages
            recent = [r for r in recent if _said_by(r, item.started_at + OPENING_TURN_S)]
        if recent:
            lines.append("最近消息：")
            for r in recent:
                who = "客户" if r.direction == "in" else "公众号"
                said = " ".join(_record_words(r.msg_type, r.content or "").split())
                lines.append(f"{who}：{mask_for_staff(said)[:60]}")
        lines.append(f"直接回复即可转给客户；多位客户时回复前加 {code}；回复“/结束”结束服务。")
        return "\n".join(lines)


def _clock_time(seq: str) -> str:
    """A relay's time of day ("<CreateTime>-<MsgId>", or an older seq: epoch seconds)."""
    return datetime.fromtimestamp(float(seq.split("-", 1)[0]), CHINA).strftime("%H:%M:%S")


def _said_by(record: Any, until: float) -> bool:
    """Said before the handoff opened (its turn included): what was said after it reaches staff
    as relays, also when the notice itself was late (WeCom down, a retried job)."""
    millis = record.record_id.split("#", 1)[0]
    return not millis.isdigit() or int(millis) <= until * 1000


def _addressed(open_ones: list[HandoffItem], text: str) -> tuple[HandoffItem | None, str]:
    """Which customer a staff message is for: "#K7Q ..." names one (and only that one: a code
    that names nobody here is not for the only other chat); without a code, the only one."""
    if rules.CODE.match(text):
        code, rest = text[:4].upper(), text[4:].strip()
        for item in sorted(open_ones, key=lambda h: -(h.ended_at or 0)):
            if rules.short_code(item.openid) == code:
                return item, rest
        return None, text
    if len({h.openid for h in open_ones}) == 1:
        return open_ones[0], text
    return None, text


RECORD_WORDS = {
    "image": "[图片]",
    "voice": "[语音]",
    "video": "[视频]",
    "shortvideo": "[视频]",
    "location": "[位置]",
    "file": "[文件]",
    "link": "[链接]",
    "subscribe": "[关注公众号]",
    "unsubscribe": "[取消关注]",
    "template": "[模板通知]",
    "news": "[图文]",
}
MENU_WORDS = {"QUOTE": "车险报价", "SURVEY": "自助查勘", "POLICY": "保单查询",
              "CLAIM": "理赔进度", "HUMAN": "人工服务", "HELP": "帮助"}  # fmt: skip


def _record_words(msg_type: str, content: str) -> str:
    """A conversation record as staff read it: words, not the message type's name."""
    if msg_type == "click" or content.startswith("click:"):
        key = content.removeprefix("click:")
        return f"[点击菜单 {MENU_WORDS.get(key, key)}]"
    if msg_type in ("text", "voice") and content and content != msg_type:
        return content
    if msg_type in RECORD_WORDS:
        words = RECORD_WORDS[msg_type]
        return f"{words} {content}" if msg_type == "location" and content else words
    return content if content and content != msg_type else f"[{msg_type}]"


def _customer_words(payload: dict[str, Any]) -> str:
    kind = payload.get("kind")
    if kind == "action":
        return ACTION_WORDS.get(payload.get("action", ""), "客户使用了自助服务")
    if kind == "text":
        return mask_for_staff(payload.get("text", ""))
    if kind == "image":
        return "[图片]（已保存，可在理赔控制台查看）"
    if kind == "location":
        return f"[位置] {payload.get('text', '')}"
    if kind == "voice":
        return f"[语音] {payload.get('text', '')}"
    return f"[{kind}]"
