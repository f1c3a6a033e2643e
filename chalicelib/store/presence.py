"""Who is handling chats in the console, and whose each in-hours chat is, in DynamoDB.

Table logical name "presence" (PresenceItem), hash key the member's id. A heartbeat (the inbox
poll) writes `seen_at`; the table is a handful of rows, so it is read whole. Dealing a chat is
one transaction of two conditional writes: the agent's turn (`last_assigned_at` still what we
read: nobody else was dealt this agent meanwhile) and the chat (still open and still whose we
read it was), so two chats arriving at once go to two agents and a chat is dealt once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.domain.assignment import Agent
from chalicelib.store.models import HandoffItem, PresenceItem, condition_failed

KEEP_S = 24 * 3600  # a member's row goes a day after their last heartbeat
OPEN_STATES = ("waiting", "active")


class Presence:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    def agents(self) -> list[Agent]:
        return [_agent(i) for i in PresenceItem.scan(consistent_read=True)]

    def get(self, userid: str) -> Agent | None:
        try:
            return _agent(PresenceItem.get(userid, consistent_read=True))
        except DoesNotExist:
            return None

    def heartbeat(self, userid: str, name: str, assignable: bool) -> None:
        """Seen now (keeps `paused` and the member's turn as they are)."""
        now = self.clock()
        PresenceItem(userid=userid).update(
            actions=[
                PresenceItem.name.set(name),
                PresenceItem.assignable.set(assignable),
                PresenceItem.seen_at.set(now),
                PresenceItem.expires_at.set(int(now + KEEP_S)),
                PresenceItem.paused.set(PresenceItem.paused | False),
                PresenceItem.last_assigned_at.set(PresenceItem.last_assigned_at | 0),
            ],
            add_version_condition=False,
        )

    def set_paused(self, userid: str, name: str, assignable: bool, paused: bool) -> None:
        """暂停接待 / 恢复接待 (also a heartbeat: the member is here)."""
        self.heartbeat(userid, name, assignable)
        PresenceItem(userid=userid).update(actions=[PresenceItem.paused.set(paused)],
                                           add_version_condition=False)  # fmt: skip

    def sign_out(self, userid: str) -> None:
        """Not signed in any more: no new chats (their open ones stay theirs)."""
        try:
            PresenceItem(userid=userid).update(actions=[PresenceItem.seen_at.set(0)],
                                               condition=PresenceItem.userid.exists(),
                                               add_version_condition=False)  # fmt: skip
        except UpdateError as exc:
            if not condition_failed(exc):
                raise

    # --- whose a chat is ------------------------------------------------------------------------

    def deal(self, chat: HandoffItem, agent: Agent, previous: str | None,
             waiting_only: bool = True) -> bool:  # fmt: skip
        """Give `chat` to `agent`, taking their turn; False when either changed meanwhile (the
        agent was dealt another chat; the chat was dealt, answered, or ended)."""
        try:
            with TransactWrite(connection=PresenceItem._get_connection().connection) as tx:
                self.assign_write(chat, agent.userid, agent.name, previous, turn=agent,
                                  waiting_only=waiting_only)(tx)  # fmt: skip
        except TransactWriteError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def assign_write(
        self,
        chat: HandoffItem,
        userid: str | None,
        name: str,
        previous: str | None,
        *,
        turn: Agent | None = None,
        taken_from: str | None = None,
        waiting_only: bool = False,
    ) -> Callable[[TransactWrite], None]:
        """The writes that make `chat` `userid`'s (None: nobody's), if it is still open and
        `previous`'s; with `turn`, that agent's turn is taken too (if still as read)."""
        now = self.clock()
        actions: list[Action] = (
            [HandoffItem.assignee.set(userid), HandoffItem.assignee_name.set(name),
             HandoffItem.assigned_at.set(now)]
            if userid else [HandoffItem.assignee.remove(), HandoffItem.assignee_name.remove()]
        )  # fmt: skip
        actions.append(HandoffItem.taken_from.set(taken_from) if taken_from
                       else HandoffItem.taken_from.remove())  # fmt: skip
        whose = _still(chat, previous)
        if waiting_only:
            whose = whose & (HandoffItem.state == "waiting")

        def write(tx: TransactWrite) -> None:
            if turn is not None:
                same = PresenceItem.last_assigned_at == turn.last_assigned_at
                if not turn.last_assigned_at:
                    same = PresenceItem.last_assigned_at.does_not_exist() | same
                tx.update(PresenceItem(userid=turn.userid),
                          actions=[PresenceItem.last_assigned_at.set(now)],
                          condition=PresenceItem.userid.exists() & same)  # fmt: skip
            tx.update(chat, actions=actions, condition=whose)

        return write

    def escalated(self, chat: HandoffItem, wecom: bool) -> bool:
        """The chat passed its target unanswered: counted, once per target period (the
        condition: nobody escalated it since we read it, and it is still unanswered)."""
        actions: list[Action] = [
            HandoffItem.escalated_at.set(self.clock()),
            HandoffItem.escalations.set((chat.escalations or 0) + 1),
        ]
        if wecom:
            actions.append(HandoffItem.wecom_relay.set(True))
        same = (HandoffItem.escalated_at.does_not_exist() if not chat.escalated_at
                else HandoffItem.escalated_at == chat.escalated_at)  # fmt: skip
        return self._update(chat, actions, same & (HandoffItem.state == "waiting"))

    def unassigned_told(self, chat: HandoffItem) -> bool:
        """Record that supervisors were told nobody could take it; False: told already."""
        return self._update(chat, [HandoffItem.unassigned_told_at.set(self.clock())],
                            HandoffItem.unassigned_told_at.does_not_exist())  # fmt: skip

    def customer_wrote(self, openid: str, at: float) -> None:
        """The customer's first message after the start (kept once: the first-response clock)."""
        try:
            HandoffItem(openid=openid).update(
                actions=[HandoffItem.customer_at.set(HandoffItem.customer_at | at)],
                condition=HandoffItem.state.is_in(*OPEN_STATES),
                add_version_condition=False,
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise

    def keep_time(self, chat: HandoffItem, field: str, seconds: float) -> bool:
        """A clock met: first_response_s or resolution_s, kept once."""
        attribute = {"first_response_s": HandoffItem.first_response_s,
                     "resolution_s": HandoffItem.resolution_s}[field]  # fmt: skip
        return self._update(chat, [attribute.set(round(seconds, 1))], attribute.does_not_exist())

    @staticmethod
    def _update(chat: HandoffItem, actions: list[Action], condition: Condition) -> bool:
        try:
            chat.update(actions=actions, condition=condition, add_version_condition=False)
            return True
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise


def _still(chat: HandoffItem, holder: str | None) -> Condition:
    """The chat is open and still `holder`'s (None: nobody's)."""
    whose = (HandoffItem.assignee.does_not_exist() if not holder
             else HandoffItem.assignee == holder)  # fmt: skip
    same = HandoffItem.handoff_id == chat.handoff_id
    return HandoffItem.state.is_in(*OPEN_STATES) & same & whose


def _condition_failed(exc: TransactWriteError) -> bool:
    """A transaction cancelled because one of its conditions failed (not an outage)."""
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons)


def _agent(item: PresenceItem) -> Agent:
    return Agent(
        userid=item.userid,
        name=item.name,
        seen_at=float(item.seen_at or 0),
        paused=bool(item.paused),
        last_assigned_at=float(item.last_assigned_at or 0),
        assignable=bool(item.assignable),
    )
