"""Deliver outbound messages through the WeChat API without ever dropping one.

- custom messages take a place in the user's quota window first (5 per inbound in 48 h,
  3 per click in 1 min); with no place, or when WeChat says 45015/45047/43004, the message
  is kept in the outbox table with the reason and released when the user writes again;
- a transient failure (network, 5xx, -1 busy) raises, so SQS retries and finally dead-letters;
- a template notice WeChat would refuse (a field's value not of its type), or one it refused
  for good (40037, 47003, 43101), is parked with the reason and an alarm;
- no answer in time after the request reached WeChat: it may have been delivered, and WeChat's
  send has no idempotency key, so it is parked (not sent again by itself) with the reason and
  an alarm (log event outbox.parked), never risked twice;
- each message is sent at most once: its id is claimed like an inbound message;
- a message that only makes sense now (`if_closed=SKIP`: a satisfaction question) is never
  kept: with no window or quota, or refused with 45015/45047/43004, it is dropped and
  `on_skipped` is told (the question is recorded as skipped and closed);
- a push (a template notice, a renewal reminder, a campaign: OutboxMessage.push_kind) first
  takes a place in the customer's push budget (store/push_budget.py); refused (over the week's
  budget, or 退订 for a campaign), it is not sent: kept with status `refused` and the reason,
  log event outbox.refused. A push not delivered after all gives its place back. Answers to
  what the customer said and people's replies are no pushes and never counted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from chalicelib.domain.notice_fields import problems
from chalicelib.jobs.messages import CUSTOM, SKIP, OutboxMessage, TemplateNotice, new_message_id
from chalicelib.service.logs import log_event, ref
from chalicelib.store.conversations import Entry
from chalicelib.store.inbox import DONE, NEW
from chalicelib.store.quotas import UNSUBSCRIBED
from chalicelib.wechat.api import WeChatApiError
from chalicelib.wechat.replies import reply_to_json, summarize

if TYPE_CHECKING:
    from chalicelib.jobs.queues import Queues
    from chalicelib.store.conversations import Conversations
    from chalicelib.store.inbox import Inbox
    from chalicelib.store.outbox import HeldMessages
    from chalicelib.store.push_budget import PushBudget
    from chalicelib.store.quotas import Quotas
    from chalicelib.wechat.api import WeChatApi

KEEP_ERRORS = {
    45015: "outside the 48 h window or user unfollowed",
    45047: "over the customer-service message count",
    43004: "user is not following",
}
# Refusals that sending again cannot change: parked for staff with an alarm, not kept waiting
# for the customer to write.
PARK_ERRORS = {
    40037: "template id not on the account (removed, or a history template)",
    47003: "a template field's value does not fit its type",
    43101: "the customer refused this account's notices",
}


class RetryLater(Exception):
    """A transient failure: let SQS deliver the message again."""


class OutboxSender:
    def __init__(
        self,
        api: WeChatApi,
        quotas: Quotas,
        held: HeldMessages,
        sent: Inbox,
        conversations: Conversations,
        queues: Queues,
        on_skipped: Callable[[OutboxMessage, int], None] | None = None,
        on_sent: Callable[[OutboxMessage], None] | None = None,
        budget: PushBudget | None = None,
    ) -> None:
        self.budget = budget  # None: pushes are not counted (tests of other rules)
        self.on_sent = on_sent  # a message went out (a refusal notice meets its claim's clock)
        self.api = api
        self.on_skipped = on_skipped  # (the message, WeChat's errcode or 0: no place)
        self.quotas = quotas
        self.held = held
        self.sent = sent  # an Inbox used to claim each outbound id once
        self.conversations = conversations
        self.queues = queues

    def deliver(self, body: dict[str, Any]) -> str:
        """Send one outbox message; returns what happened: sent | held | parked | duplicate |
        superseded | dropped (the customer unfollowed)."""
        message = OutboxMessage.from_body(body)
        key = f"out:{message.id}"
        claim = self.sent.claim(key)
        if claim.state == DONE:
            return "duplicate"
        if claim.state != NEW:
            raise RetryLater("another sender holds this message")
        try:
            result = self._deliver(message)
        except Exception:
            self.sent.release(key)
            raise
        self.sent.complete(key, None)
        return result

    def _deliver(self, message: OutboxMessage) -> str:
        if self._out_of_date(message):
            log_event("outbox.superseded", origin=message.origin.split(":", 1)[0],
                      user=ref(message.openid))  # fmt: skip
            return "superseded"
        window = self.quotas.take(message.openid) if message.kind == CUSTOM else None
        if window == UNSUBSCRIBED or (message.kind != CUSTOM
                                      and not self.quotas.pushed(message.openid)):  # fmt: skip
            log_event("outbox.dropped", reason="unsubscribed", user=ref(message.openid))
            if message.if_closed == SKIP:
                self._tell_skipped(message, 43004)
            return "dropped"  # they unfollowed: consent to be messaged is withdrawn
        if message.kind == CUSTOM and window is None:
            if message.if_closed == SKIP:
                return self._skip(message, "no customer-service quota left", 0)
            return self._keep(message, "no customer-service quota left", 0)
        if message.template is not None and (unfit := problems(message.template.data)):
            return self._park(message, "not sent, WeChat would refuse it: " + "; ".join(unfit))
        period = ""
        if self.budget is not None and message.push_kind:
            verdict = self.budget.spend(message.openid, message.push_kind)
            if not verdict.allowed:
                self._give_back(message, window)
                return self._refuse(message, verdict.reason)
            period = verdict.period
        try:
            self._call_api(message)
        except WeChatApiError as exc:
            if exc.maybe_done:
                return self._park(message, f"may have been delivered: {exc.errmsg}")
            self._unspend(message, period)  # not delivered: the push takes no place
            if exc.errcode is None or exc.errcode == -1:
                self._give_back(message, window)
                raise RetryLater(f"wechat unavailable: {exc.errmsg}") from exc
            if exc.errcode in PARK_ERRORS:
                return self._park(message, PARK_ERRORS[exc.errcode], exc.errcode)
            reason = KEEP_ERRORS.get(exc.errcode, f"refused by wechat: {exc.errmsg}")
            if message.if_closed == SKIP and exc.errcode in KEEP_ERRORS:
                self._give_back(message, window)  # WeChat took nothing
                return self._skip(message, reason, exc.errcode)
            return self._keep(message, reason, exc.errcode)
        except Exception:
            self._unspend(message, period)
            self._give_back(message, window)
            raise
        self._record(message)
        log_event("outbox.sent", kind=message.kind, user=ref(message.openid))
        if self.on_sent is not None:
            self.on_sent(message)
        return "sent"

    def _out_of_date(self, message: OutboxMessage) -> bool:
        """A claim notice older than one already sent to this customer (they were queued
        together and arrived in the other order): the customer keeps the newer one."""
        notice = message.template
        if notice is None or not notice.sequence:
            return False
        key = f"seq:{message.origin}:{message.openid}"
        return not self.sent.in_order(key, notice.sequence)

    def _unspend(self, message: OutboxMessage, period: str) -> None:
        if self.budget is not None and period:
            self.budget.give_back(message.openid, message.push_kind, period)

    def _refuse(self, message: OutboxMessage, reason: str) -> str:
        """Over the customer's push budget (or 退订): not sent, kept with the reason for the
        record (never released by itself)."""
        self.held.keep(message.to_body(), f"push budget: {reason}", 0, status="refused")
        log_event("outbox.refused", reason=reason, push=message.push_kind,
                  origin=message.origin.split(":", 1)[0], user=ref(message.openid))  # fmt: skip
        return "refused"

    def _give_back(self, message: OutboxMessage, window: str | None) -> None:
        if window is not None:
            self.quotas.give_back(message.openid, window)

    def _call_api(self, message: OutboxMessage) -> None:
        if message.template is not None:
            notice = message.template
            self.api.send_template(message.openid, notice.template_id, notice.data,
                                   notice.url or None)  # fmt: skip
        else:
            assert message.reply is not None
            self.api.send(message.openid, message.reply)

    def _keep(self, message: OutboxMessage, reason: str, errcode: int) -> str:
        self.held.keep(message.to_body(), reason, errcode)
        self.quotas.note_held(message.openid)
        log_event(
            "outbox.held",
            logging.WARNING,
            reason=reason,
            errcode=errcode,
            user=ref(message.openid),
        )
        return "held"

    def _skip(self, message: OutboxMessage, reason: str, errcode: int) -> str:
        """Not sent and not kept: it would mean nothing later (a satisfaction question)."""
        log_event("outbox.skipped", reason=reason, errcode=errcode,
                  origin=message.origin.split(":", 1)[0], user=ref(message.openid))  # fmt: skip
        self._tell_skipped(message, errcode)
        return "skipped"

    def _tell_skipped(self, message: OutboxMessage, errcode: int) -> None:
        if self.on_skipped is not None:
            self.on_skipped(message, errcode)

    def _park(self, message: OutboxMessage, reason: str, errcode: int = 0) -> str:
        """Kept for staff, never released by itself; the quota place stays used."""
        self.held.keep(message.to_body(), reason, errcode, status="parked")
        log_event("outbox.parked", logging.ERROR, reason=reason, errcode=errcode,
                  user=ref(message.openid))  # fmt: skip
        return "parked"

    def _record(self, message: OutboxMessage) -> None:
        if message.reply is not None:
            content, msg_type = summarize(message.reply), reply_to_json(message.reply)["type"]
        else:
            assert message.template is not None
            content, msg_type = notice_text(message.template), "template"
        self.conversations.log(
            [
                Entry(
                    openid=message.openid,
                    direction="out",
                    channel=message.kind,
                    msg_type=msg_type,
                    content=content,
                    dedupe_key=message.origin,
                    staff_id=message.staff_id,  # a person's answer (handoffs)
                )
            ]
        )

    def release(self, openid: str) -> int:
        """The user wrote again: queue the messages kept for them, oldest first."""
        kept = sorted(self.held.held_for(openid), key=lambda m: m.held_at)
        if not kept:
            return 0
        self.queues.outbox(_fresh_copy(m.payload) for m in kept)
        for item in kept:
            self.held.mark_released(item)
        self.quotas.clear_held(openid)
        log_event("outbox.released", count=len(kept), user=ref(openid))
        return len(kept)


def _fresh_copy(payload: dict[str, Any]) -> OutboxMessage:
    """A released message gets a new id: the old one is already claimed as handled."""
    kept = OutboxMessage.from_body(payload)
    return replace(kept, id=new_message_id(), released_from=kept.id)


def notice_text(notice: TemplateNotice) -> str:
    """What a template notice said, for the conversation records: its fields' values in order
    (a transcript shows what the customer read, not only which template it was)."""
    values = [str(field.get("value", "")) for field in notice.data.values()]
    return " ｜ ".join(v for v in values if v) or notice.template_id
