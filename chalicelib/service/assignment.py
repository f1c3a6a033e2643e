"""In-hours chats in the console: whose each one is, and its clocks (docs/WORKSPACE.md,
"分配与计时 Assignment and timers").

* Presence: each inbox poll of a member who handles chats is a heartbeat (written at most every
  HEARTBEAT_EVERY_S); they are available until it is older than the presence time, unless they
  paused (暂停接待). Only agents are dealt chats; supervisors see all and may take one over.
* A new chat (HandoffDesk tells `started`) is dealt round-robin to an available agent
  (store/presence.py: conditional writes, so two chats at once go to two agents). With nobody
  available it stays nobody's, shown to everyone, and the supervisors on the roster are told
  in WeCom once; the next poll of an agent who becomes available deals it.
* Take-over (接手) and hand-back (交回) are written in one transaction with their audit entry.
* Clocks (domain/chat_timers.py): first response from the customer's first message after the
  start to the first reply; resolution from the start to the end; both in business hours, kept
  on the handoff when met.
* Escalation: a chat still unanswered when its first-response target passes goes to the next
  available agent (the console keeps every word, and they are at their desks); with nobody
  else available, to the on-call person in WeCom exactly as after hours (HandoffDesk's relay:
  the context, then everything the customer says; the watchdog then asks the backup and
  finally promises a callback, as it does after hours). It is checked on every inbox poll and
  every watchdog run (each minute), once per target period (a conditional write).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.console.auth import Permission, Staff
from chalicelib.console.service import Conflict, NotFound, Source
from chalicelib.domain import assignment as rr
from chalicelib.domain import chat_timers as timers
from chalicelib.domain import handoff as rules
from chalicelib.domain.hours import CHINA
from chalicelib.service.logs import log_event, ref

if TYPE_CHECKING:
    from chalicelib.domain.hours import BusinessHours
    from chalicelib.service.handoff import HandoffDesk
    from chalicelib.store.audit import AuditLog
    from chalicelib.store.models import HandoffItem
    from chalicelib.store.presence import Presence

CONSOLE = "console"


class NotYours(Conflict):
    """A member acting on a chat that is someone else's (take it over first): 409."""

    def __init__(self, holder: str) -> None:
        super().__init__(f"this chat is {holder or 'a colleague'}'s: take it over first")


class ChatChanged(Conflict):
    """The chat changed while the member acted (taken, dealt, ended): reload and try again."""

    def __init__(self, chat_id: str) -> None:
        super().__init__(f"chat {chat_id} changed meanwhile: reload and try again")


class AssignmentDesk:
    def __init__(
        self,
        presence: Presence,
        audit: AuditLog,
        hours: BusinessHours,
        targets: timers.Targets,
        desk: Callable[[], HandoffDesk],
        presence_s: float = rr.PRESENCE_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.presence = presence
        self.audit = audit
        self.hours = hours
        self.targets = targets
        self.desk = desk
        self.presence_s = presence_s
        self.clock = clock

    # --- presence ----------------------------------------------------------------------------

    def heartbeat(self, staff: Staff, agents: list[rr.Agent]) -> list[rr.Agent]:
        """The member's inbox polled: seen now (written only when the last is getting old)."""
        now = self.clock()
        mine = next((a for a in agents if a.userid == staff.id), None)
        assignable = rr.ASSIGNABLE_ROLE in staff.roles
        if mine is None or now - mine.seen_at >= rr.HEARTBEAT_EVERY_S or (
            mine.assignable != assignable
        ):
            self.presence.heartbeat(staff.id, staff.name, assignable)
            seen = rr.Agent(staff.id, staff.name, now, mine.paused if mine else False,
                            mine.last_assigned_at if mine else 0.0, assignable)  # fmt: skip
            agents = [a for a in agents if a.userid != staff.id] + [seen]
        return agents

    def set_paused(self, staff: Staff, paused: bool) -> dict[str, Any]:
        staff.require(Permission.HANDLE_CHATS)
        self.presence.set_paused(staff.id, staff.name, rr.ASSIGNABLE_ROLE in staff.roles, paused)
        log_event("chat.presence", paused=paused, staff=ref(staff.id))
        return {"ok": True, "paused": paused}

    def available(self, agents: Iterable[rr.Agent] | None = None) -> list[rr.Agent]:
        known = self.presence.agents() if agents is None else agents
        return rr.available(known, self.clock(), self.presence_s)

    # --- dealing -----------------------------------------------------------------------------

    def started(self, item: HandoffItem) -> str:
        """A new in-hours console chat: dealt to an available agent, or nobody's (told)."""
        if item.channel != CONSOLE or item.assignee:
            return "kept"
        dealt = self._deal(item, self.available())
        if dealt is not None:
            return "assigned"
        again = self.desk().handoffs.current(item.openid)
        if again is not None and again.assignee:  # dealt by a poll meanwhile
            return "assigned"
        self._tell_supervisors(item)
        return "unassigned"

    def _deal(
        self,
        item: HandoffItem,
        agents: list[rr.Agent],
        previous: str | None = None,
        exclude: Iterable[str] = (),
        waiting_only: bool = True,
    ) -> rr.Agent | None:
        """Round-robin, race-safe: a lost turn (another chat took that agent meanwhile) reads
        the turns again and tries the next."""
        left_out = set(exclude)
        for _ in range(5):
            agent = rr.next_in_turn(agents, exclude=left_out)
            if agent is None:
                return None
            if self.presence.deal(item, agent, previous, waiting_only=waiting_only):
                item.assignee, item.assignee_name = agent.userid, agent.name
                log_event("chat.assigned", user=ref(item.openid), staff=ref(agent.userid))
                return agent
            fresh = self.presence.get(agent.userid)
            current = self.desk().handoffs.current(item.openid)
            if (current is None or current.handoff_id != item.handoff_id
                    or (current.assignee or None) != previous
                    or waiting_only and current.state != "waiting"):  # fmt: skip
                return None  # the chat itself changed: not ours to deal any more
            if fresh is None or fresh.last_assigned_at == agent.last_assigned_at:
                left_out.add(agent.userid)
            agents = [fresh if a.userid == agent.userid and fresh else a for a in agents]
        return None

    def _tell_supervisors(self, item: HandoffItem) -> None:
        """Nobody available to take a new chat: the supervisors on the roster, once."""
        if not self.presence.unassigned_told(item):
            return
        desk = self.desk()
        on_call = rules.on_call(desk.roster.shifts(), self.clock())
        code = rules.short_code(item.openid)
        text = (f"【待分配】{code} {desk.salutation(item.openid)} 在等待人工客服，目前没有"
                "在线接待的坐席。请安排同事登录理赔审核台“人工客服”接待。")  # fmt: skip
        told = 0
        for shift in on_call.supervisor:
            try:  # a courtesy: the chat is in everyone's inbox whether or not this arrives
                desk.wecom.send_text(shift.wecom_userid, text)
                told += 1
            except Exception:
                who = ref(shift.wecom_userid)
                log_event("chat.unassigned_not_told", logging.WARNING, staff=who)
        log_event("chat.unassigned", told=told, user=ref(item.openid))

    # --- the inbox's poll and the watchdog ----------------------------------------------------

    def inbox(
        self, staff: Staff, chats: list[HandoffItem]
    ) -> tuple[list[HandoffItem], dict[str, Any]]:
        """A member's poll: their heartbeat, then chats dealt and escalated as due (those that
        changed read again); the team's presence and the targets for the page."""
        agents = self.heartbeat(staff, self.presence.agents())
        changed = self.sweep(chats, agents)
        if changed:
            handoffs = self.desk().handoffs
            fresh = {h.openid: h for h in (handoffs.latest(o) for o in changed) if h is not None}
            chats = [fresh.get(h.openid, h) for h in chats]
            chats = [h for h in chats if h.state != "ended"]
            agents = self.presence.agents()
        return chats, self.team_json(agents, staff.id)

    def escalate_all(self) -> int:
        """The watchdog's run: every open console chat (nobody may be polling)."""
        chats = [h for h in self.desk().handoffs.open_ones() if h.channel == CONSOLE]
        return len(self.sweep(chats))

    def sweep(self, chats: list[HandoffItem], agents: list[rr.Agent] | None = None) -> set[str]:
        """Deal chats nobody has to whoever is available now, and escalate the unanswered ones
        past their target; the customers whose chats changed."""
        changed: set[str] = set()
        available = self.available(agents)
        for item in sorted(chats, key=lambda h: h.started_at):
            if item.channel != CONSOLE or item.state == "ended":
                continue
            try:
                if self._escalate(item, available):
                    changed.add(item.openid)
                elif not item.assignee and item.state == "waiting" and available:
                    if self._deal(item, available) is not None:
                        changed.add(item.openid)
                        available = self.available()  # the turns moved
            except Exception:  # one chat's trouble never fails the poll: the next one retries
                logging.getLogger("claimbot").exception("chat sweep failed")
                log_event("chat.sweep_failed", logging.WARNING, user=ref(item.openid))
        return changed

    def _escalate(self, item: HandoffItem, available: list[rr.Agent]) -> bool:
        if item.state != "waiting" or item.wecom_relay:
            return False
        due = timers.escalation_due(self.hours, self.targets.first_response_s,
                                    customer_at=item.customer_at,
                                    escalated_at=item.escalated_at, now=self.clock())  # fmt: skip
        if not due:
            return False
        previous = item.assignee or None
        others = [a for a in available if a.userid != previous]
        if others:
            if not self.presence.escalated(item, wecom=False):
                return False  # someone else escalated it just now
            agent = self._deal(item, others, previous=previous)
            log_event("chat.escalated", to="agent" if agent else "nobody",
                      user=ref(item.openid))  # fmt: skip
            return True
        minutes = max(1, int(self.targets.first_response_s // 60))
        told = self.desk().relay_to_on_call(
            item, minutes, lambda fresh: self.presence.escalated(fresh, wecom=True)
        )
        if told is None:
            return False  # a job holds the chat, or it changed: the next look
        if not told:  # nobody on call: it stays in the console, looked at again a target later
            self.presence.escalated(item, wecom=False)
        log_event("chat.escalated", to="wecom" if told else "nobody", user=ref(item.openid))
        return True

    # --- take-over and hand-back (audited) ---------------------------------------------------

    def take_over_chat(self, staff: Staff, chat_id: str, source: Source) -> dict[str, Any]:
        item = self._chat(staff, chat_id)
        self.take_over(staff, item, source.ip, source.user_agent)
        return {"ok": True, "assignee": staff.id}

    def hand_back_chat(self, staff: Staff, chat_id: str, source: Source) -> dict[str, Any]:
        item = self._chat(staff, chat_id)
        return {"ok": True, "assignee": self.hand_back(staff, item, source.ip, source.user_agent)}

    def presence_change(self, staff: Staff, body: dict[str, Any]) -> dict[str, Any]:
        paused = body.get("paused")
        if not isinstance(paused, bool):
            from chalicelib.console.service import BadRequest

            raise BadRequest("paused must be true or false")
        return self.set_paused(staff, paused)

    def _chat(self, staff: Staff, chat_id: str) -> HandoffItem:
        staff.require(Permission.HANDLE_CHATS)
        item = self.desk().console_chat(chat_id)
        if item is None:
            raise NotFound(f"no open chat {chat_id}")
        return item

    def take_over(self, staff: Staff, item: HandoffItem, ip: str | None,
                  user_agent: str | None) -> None:  # fmt: skip
        """接手: the chat becomes the member's, whoever had it (recorded, audited)."""
        staff.require(Permission.HANDLE_CHATS)
        previous = item.assignee or None
        if previous == staff.id:
            return
        write = self.presence.assign_write(item, staff.id, staff.name, previous,
                                           taken_from=previous)  # fmt: skip
        detail = {"chat": item.handoff_id, "name": staff.name, "previous": previous or "",
                  "previous_name": item.assignee_name or ""}  # fmt: skip
        self._audited(staff, "chat_take_over", detail, write, ip, user_agent)
        item.assignee, item.assignee_name = staff.id, staff.name

    def hand_back(self, staff: Staff, item: HandoffItem, ip: str | None,
                  user_agent: str | None) -> str | None:  # fmt: skip
        """交回: to whom the member took it from, if they are still available; else the next
        available agent in turn; else nobody's (everyone sees it). Returns the new holder."""
        staff.require(Permission.HANDLE_CHATS)
        if item.assignee != staff.id:
            raise NotYours(item.assignee_name or "")
        available = [a for a in self.available() if a.userid != staff.id]
        back = next((a for a in available if a.userid == item.taken_from), None)
        turn = None if back else rr.next_in_turn(available)
        to = back or turn
        write = self.presence.assign_write(item, to.userid if to else None,
                                           to.name if to else "", staff.id,
                                           turn=turn)  # fmt: skip
        detail = {"chat": item.handoff_id, "name": staff.name, "assignee": to.userid if to else "",
                  "assignee_name": to.name if to else ""}  # fmt: skip
        self._audited(staff, "chat_hand_back", detail, write, ip, user_agent)
        item.assignee = to.userid if to else None
        item.assignee_name = to.name if to else None
        return to.userid if to else None

    def claim_for_reply(self, staff: Staff, item: HandoffItem) -> None:
        """Before a member's reply: theirs, or nobody's (then it becomes theirs); else refused."""
        if item.assignee == staff.id:
            return
        if not rr.may_write(staff.id, item.assignee):
            raise NotYours(item.assignee_name or item.assignee or "")
        write = self.presence.assign_write(item, staff.id, staff.name, None)
        try:
            _run(write)
        except TransactWriteError as exc:
            raise ChatChanged(item.handoff_id) from exc
        item.assignee, item.assignee_name = staff.id, staff.name

    def check_end(self, staff: Staff, item: HandoffItem) -> None:
        if not rr.may_end(staff.id, staff.roles, item.assignee):
            raise NotYours(item.assignee_name or item.assignee or "")

    def _audited(
        self,
        staff: Staff,
        action: str,
        detail: dict[str, Any],
        write: Callable[[Any], None],
        ip: str | None,
        user_agent: str | None,
    ) -> None:
        try:
            self.audit.append(staff.id, staff.role, action, None, detail, ip, user_agent,
                              also=write)  # fmt: skip
        except TransactWriteError as exc:
            raise ChatChanged(str(detail.get("chat"))) from exc

    # --- clocks ------------------------------------------------------------------------------

    def customer_wrote(self, item: HandoffItem, waiting: list[tuple[str, dict[str, Any]]]) -> None:
        """What the customer said is being relayed: the first of it starts the first-response
        clock (by when they sent it: WeChat's CreateTime in the relay's key)."""
        if item.channel != CONSOLE or item.customer_at:
            return
        said = [seq for seq, words in waiting if words.get("kind") != "action"]
        if not said:
            return
        at = min(float(seq.split("-", 1)[0]) for seq in said)
        at = max(at, float(item.started_at))
        self.presence.customer_wrote(item.openid, at)
        item.customer_at = at

    def answered(self, item: HandoffItem) -> None:
        """A person's first reply: the first-response time is kept (once)."""
        if item.channel != CONSOLE:
            return
        seconds = timers.first_response_s(self.hours, item.customer_at, self.clock())
        self.presence.keep_time(item, "first_response_s", seconds)  # only the first is kept

    def ended(self, item: HandoffItem) -> None:
        """The chat ended: its resolution time is kept (once)."""
        if item.channel != CONSOLE:
            return
        seconds = timers.business_seconds(self.hours, item.started_at, self.clock())
        self.presence.keep_time(item, "resolution_s", seconds)

    # --- what the inbox shows ----------------------------------------------------------------

    def chat_json(self, item: HandoffItem, member: str) -> dict[str, Any]:
        """Whose the chat is and its clock, for GET /console/api/chats."""
        now = self.clock()
        timer = timers.chat_timer(self.hours, self.targets, started_at=item.started_at,
                                  customer_at=item.customer_at, answered_at=item.answered_at,
                                  now=now)  # fmt: skip
        return {
            "assignee": item.assignee or None,
            "assignee_name": item.assignee_name or None,
            "mine": bool(item.assignee) and item.assignee == member,
            "taken_from": item.taken_from or None,
            "escalations": int(item.escalations or 0),
            "wecom_relay": bool(item.wecom_relay),
            "timer": {
                "clock": str(timer.clock),
                "elapsed_s": int(timer.elapsed_s),
                "target_s": int(timer.target_s),
                "due_at": _iso(timer.due_at),
                "overdue": timer.overdue,
            },
            "first_response_s": item.first_response_s,
            "resolution_s": item.resolution_s,
        }

    def team_json(self, agents: list[rr.Agent], member: str) -> dict[str, Any]:
        now = self.clock()
        mine = next((a for a in agents if a.userid == member), None)
        return {
            "me": {"available": bool(mine and mine.available(now, self.presence_s)),
                   "paused": bool(mine and mine.paused),
                   "assignable": bool(mine and mine.assignable)},
            "agents": [{"id": a.userid, "name": a.name, "paused": a.paused,
                        "available": a.available(now, self.presence_s)}
                       for a in sorted(agents, key=lambda a: a.userid)
                       if a.assignable and a.signed_in(now, self.presence_s)],
            "targets": {"first_response_s": int(self.targets.first_response_s),
                        "resolution_s": int(self.targets.resolution_s)},
        }  # fmt: skip


def _run(write: Callable[[Any], None]) -> None:
    from pynamodb.transactions import TransactWrite

    from chalicelib.store.models import HandoffItem

    with TransactWrite(connection=HandoffItem._get_connection().connection) as tx:
        write(tx)


def _iso(epoch: float | None) -> str | None:
    return datetime.fromtimestamp(epoch, CHINA).isoformat() if epoch else None
