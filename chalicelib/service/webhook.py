"""The path of one inbound message (DESIGN.md): verify -> claim once -> decide -> reply.

Never answers with a 5xx: WeChat would show the customer "该公众号暂时无法提供服务". Bad
requests get a short 4xx; our own failures get a polite passive reply in Chinese.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import handoff, router
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import Job, JobKind, Outcome, SessionState
from chalicelib.domain.masking import mask_ids_and_cards
from chalicelib.domain.messages import InboundMessage, Reply, TextReply, TransferReply
from chalicelib.jobs.messages import OutboxMessage, custom
from chalicelib.service.decide import Decider
from chalicelib.service.http import HttpResult
from chalicelib.service.logs import log_event, ref
from chalicelib.store.conversations import Entry
from chalicelib.store.inbox import BUSY, DONE, NEW, Claim
from chalicelib.wechat.codec import Decoded, Rejected
from chalicelib.wechat.inbound import BadMessage, parse_inbound
from chalicelib.wechat.replies import render_passive, reply_to_json, summarize

if TYPE_CHECKING:
    from chalicelib.dialog.ports import Book
    from chalicelib.jobs.queues import Queues
    from chalicelib.store.conversations import Conversations
    from chalicelib.store.inbox import Inbox
    from chalicelib.store.quotas import Quotas
    from chalicelib.store.sessions import Sessions
    from chalicelib.wechat.codec import WeChatCodec

SUCCESS = "success"


class _AfterDecision(Exception):
    """Handling failed after the decision was saved: the message is not handled again."""


_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """Threads for requests made side by side (one pool per Lambda container)."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="webhook-io")
    return _POOL


def _xml(body: str) -> HttpResult:
    return HttpResult(200, body, "application/xml; charset=utf-8")


class WebhookService:
    def __init__(
        self,
        codec: WeChatCodec,
        inbox: Inbox,
        sessions: Sessions,
        conversations: Conversations,
        quotas: Quotas,
        queues: Queues,
        dialog_config: DialogConfig,
        reply_deadline_s: float = 4.0,
        clock: Callable[[], float] = time.time,
        mass_finished: Callable[[Mapping[str, Any]], Any] | None = None,
    ) -> None:
        self.codec = codec
        self.inbox = inbox
        self.sessions = sessions
        self.conversations = conversations
        self.quotas = quotas
        self.queues = queues
        self.dialog_config = dialog_config
        self.decider = Decider(sessions, dialog_config)
        self.reply_deadline_s = reply_deadline_s
        self.clock = clock
        self.mass_finished = mass_finished  # 群发 results (service/campaigns.py)

    def verify(self, query: Mapping[str, str]) -> HttpResult:
        try:
            return HttpResult(200, self.codec.verify_url(query))
        except Rejected as exc:
            log_event("webhook.verify_rejected", logging.WARNING, reason=exc.reason)
            return HttpResult(exc.status, exc.reason)

    def receive(self, query: Mapping[str, str], body: bytes) -> HttpResult:
        started = self.clock()
        try:
            decoded = self.codec.decode(query, body)
            msg = parse_inbound(decoded.xml)
        except (Rejected, BadMessage) as exc:
            status = exc.status if isinstance(exc, Rejected) else 400
            reason = exc.reason if isinstance(exc, Rejected) else str(exc)
            log_event("webhook.rejected", logging.WARNING, status=status, reason=reason)
            return HttpResult(status, reason)
        except Exception:  # input we did not foresee must still not become a 5xx
            log_event("webhook.unreadable", logging.ERROR, exc_info=True)
            return HttpResult(400, "unreadable request")
        if msg.raw_event == "masssendjobfinish":  # WeChat's report of a mass send, no customer
            return self._mass_finished(msg)
        try:
            return self._process(msg, decoded, started)
        except Exception as exc:
            log_event("webhook.failed", logging.ERROR, exc_info=True, msg=ref(msg.dedupe_key))
            decided = isinstance(exc, _AfterDecision)
            if decided or not self._handle_later(msg, decoded):
                self._record_safely(msg)
            return self._answer(self._busy_reply(msg), decoded)

    def _mass_finished(self, msg: InboundMessage) -> HttpResult:
        """Counted once per job (the campaign store's condition), so WeChat's retries of the
        event change nothing; a failure answers 500 and WeChat posts it again."""
        if self.mass_finished is not None:
            self.mass_finished(msg.extra or {})
        return HttpResult(200, SUCCESS)

    def _handle_later(self, msg: InboundMessage, decoded: Decoded) -> bool:
        """Our own failure: the customer reads "busy" now, and WeChat will not send the message
        again (it was answered). So it is queued to be handled again by the worker (redo), its
        claim given back; the answer then comes through the outbox. False when even that
        fails (the message is then recorded, as before)."""
        try:
            self.inbox.release(msg.dedupe_key)
            self.queues.jobs([Job(JobKind.WEBHOOK_REDO, {"xml": decoded.xml})])
            log_event("webhook.redo_queued", msg=ref(msg.dedupe_key))
            return True
        except Exception:
            log_event("webhook.redo_not_queued", logging.ERROR, exc_info=True,
                      msg=ref(msg.dedupe_key))  # fmt: skip
            return False

    def redo(self, payload: Mapping[str, Any]) -> str:
        """Handle again a message whose first handling failed (job webhook.redo): once, like
        the webhook, and answered through the outbox (its id comes from the message: a
        redelivered job sends nothing twice). A failure raises: SQS retries, then dead-letters
        (`claimbot dlq redrive jobs`)."""
        msg = parse_inbound(str(payload["xml"]))
        if self.inbox.claim(msg.dedupe_key).state != NEW:
            return "done already"
        try:
            outcome = self._decide(msg, self.sessions.load(msg.openid))
            self._open_window(msg)
            self._enqueue(msg, outcome)
            if outcome.reply is not None:
                digest = hashlib.sha256(msg.dedupe_key.encode()).hexdigest()[:24]
                self._send_later(msg, outcome, message_id=f"redo-{digest}")
            said, _ = self._records(msg, outcome)
            self.inbox.complete(msg.dedupe_key, None, said)
        except Exception:
            self.inbox.release(msg.dedupe_key)
            raise
        log_event("webhook.redone", msg=ref(msg.dedupe_key))
        return "handled"

    def _process(self, msg: InboundMessage, decoded: Decoded, started: float) -> HttpResult:
        if decoded.signed_only and not self._first_use(decoded):
            log_event("webhook.replay_refused", logging.WARNING, msg=ref(msg.dedupe_key))
            return HttpResult(403, "signature already used for another message")
        claim, session = self._claim_and_read(msg)
        if claim.state == DONE:
            log_event("webhook.retry_answered", msg=ref(msg.dedupe_key))
            return self._answer(claim.reply_xml, decoded)
        if claim.state == BUSY:
            log_event("webhook.retry_while_busy", msg=ref(msg.dedupe_key))
            return HttpResult(200, SUCCESS)
        outcome = self._decide(msg, session)
        try:
            return self._answer_decided(msg, decoded, started, outcome, session)
        except Exception as exc:
            raise _AfterDecision() from exc  # decided and saved: deciding again would be wrong

    def _answer_decided(
        self, msg: InboundMessage, decoded: Decoded, started: float, outcome: Outcome,
        session: tuple[SessionState, Any],
    ) -> HttpResult:  # fmt: skip
        # The window opens before anything this answer queues is sent (or messages wait for
        # it); an answer that queues nothing opens it with the message's last write.
        now = bool(outcome.sends or outcome.jobs or session[1].held)
        if now:
            self._open_window(msg)
        self._enqueue(msg, outcome)
        reply_xml = render_passive(outcome.reply, msg, self.clock()) if outcome.reply else None
        late = self.clock() - started > self.reply_deadline_s
        # One write completes the message, records the conversation and, unless done above,
        # opens the window. Late: the answer goes by the outbox, and no copy may get it
        # passively as well.
        said, answered = self._records(msg, outcome)
        window = [] if now else self._window_update(msg)
        retried = self.inbox.complete(msg.dedupe_key, None if late else reply_xml,
                                      said, answered, window)  # fmt: skip
        by_outbox = outcome.reply is not None and (retried or late)
        if by_outbox:
            self._send_later(msg, outcome)
        log_event(
            "webhook.handled",
            msg=ref(msg.dedupe_key),
            kind=msg.raw_type,
            event=msg.raw_event,
            ms=round((self.clock() - started) * 1000, 1),
            via="outbox" if by_outbox else "passive",
        )
        return HttpResult(200, SUCCESS) if by_outbox else self._answer(reply_xml, decoded)

    def _first_use(self, decoded: Decoded) -> bool:
        """Plaintext: the signature does not cover the body, so one signed URL must not carry
        a second, different body while its timestamp is still accepted."""
        skew = self.codec.max_clock_skew_s
        keep_until = int(decoded.timestamp) + skew + 60 if skew else self.clock() + 3 * 86400
        return self.inbox.first_use_of_signature(
            decoded.signature, decoded.timestamp, decoded.nonce, decoded.xml, keep_until
        )

    def _claim_and_read(self, msg: InboundMessage) -> tuple[Claim, tuple[SessionState, Any]]:
        """Claim the message and read the session side by side (two requests, one round trip):
        the read is wasted only on a retry."""
        session = _pool().submit(self.sessions.load, msg.openid)
        claim = self.inbox.claim(msg.dedupe_key)
        return claim, session.result()

    def _window_update(self, msg: InboundMessage) -> list[tuple[Any, list[Any]]]:
        if msg.opens_message_window:
            return [self.quotas.window_update(msg.openid, by_message=True)]
        if msg.opens_click_window:
            return [self.quotas.window_update(msg.openid, by_message=False)]
        return []

    def _decide(self, msg: InboundMessage, session: tuple[SessionState, Any]) -> Outcome:
        config = self.dialog_config
        copied = getattr(session[1], "customer", None)
        if copied and config.book is not None:  # the binding, as the session copied it
            from chalicelib.store.book import SessionCachedBook

            book = cast("Book", SessionCachedBook(cast(Any, config.book), msg.openid, copied))
            config = replace(config, book=book)
        outcome = self.decider.decide(msg.openid, lambda state: router.handle(msg, state, config),
                                      first=session)  # fmt: skip
        assert outcome is not None  # router.handle always decides
        return outcome

    def _open_window(self, msg: InboundMessage) -> None:
        if msg.opens_message_window:
            if self.quotas.opened_by_message(msg.openid):
                self.queues.jobs([Job(JobKind.OUTBOX_RELEASE, {"openid": msg.openid})])
        elif msg.opens_click_window:
            self.quotas.opened_by_click(msg.openid)

    def _enqueue(self, msg: InboundMessage, outcome: Outcome) -> None:
        if outcome.jobs:
            self.queues.jobs(outcome.jobs)
        if outcome.sends:
            self.queues.outbox([self._to_customer(msg, r) for r in outcome.sends])

    def _send_later(self, msg: InboundMessage, outcome: Outcome, message_id: str = "") -> None:
        if isinstance(outcome.reply, TransferReply):  # only a passive reply can transfer:
            reply: Reply = TextReply(t.HANDOFF_TRANSFER_LATE)  # the next message will
            self.sessions.change(msg.openid, handoff.transfer_missed)
            log_event("webhook.transfer_missed", msg=ref(msg.dedupe_key))
        else:
            assert outcome.reply is not None
            reply = outcome.reply
        self.queues.outbox([self._to_customer(msg, reply, message_id)])

    def _to_customer(
        self, msg: InboundMessage, reply: Reply, message_id: str = ""
    ) -> OutboxMessage:
        return custom(msg.openid, reply, origin=msg.dedupe_key, message_id=message_id or None)

    def _records(self, msg: InboundMessage, outcome: Outcome) -> tuple[list[Any], list[Any]]:
        """The conversation records of this turn: what the customer said, and the passive
        answer (written only if it goes passively)."""
        said, *answered = self._entries(msg, outcome, passive=True)
        record = self.conversations.record_of
        return [record(said)], [record(e) for e in answered]

    def _record(self, msg: InboundMessage, outcome: Outcome, passive: bool) -> None:
        self.conversations.log(self._entries(msg, outcome, passive))

    def _entries(self, msg: InboundMessage, outcome: Outcome, passive: bool) -> list[Entry]:
        entries = [
            Entry(
                openid=msg.openid,
                direction="in",
                channel="webhook",
                msg_type=msg.raw_event or msg.raw_type,
                content=mask_ids_and_cards(msg.summary()),  # a whole ID typed to bind
                media_key=msg.media_id,
                dedupe_key=msg.dedupe_key,
            )
        ]
        if outcome.reply is not None and passive:
            entries.append(
                Entry(
                    openid=msg.openid,
                    direction="out",
                    channel="passive",
                    msg_type=reply_to_json(outcome.reply)["type"],
                    content=summarize(outcome.reply),
                    dedupe_key=msg.dedupe_key,
                )
            )
        return entries

    def _record_safely(self, msg: InboundMessage) -> None:
        """Keep the customer's message even when handling it failed."""
        try:
            self._record(msg, Outcome(), passive=False)
        except Exception:
            log_event("webhook.record_failed", logging.ERROR, msg=ref(msg.dedupe_key))

    def _busy_reply(self, msg: InboundMessage) -> str:
        reply = TextReply(t.SYSTEM_BUSY.format(hotline=self.dialog_config.hotline))
        return render_passive(reply, msg, self.clock())

    def _answer(self, reply_xml: str | None, decoded: Decoded) -> HttpResult:
        if not reply_xml:
            return HttpResult(200, SUCCESS)
        return _xml(self.codec.encode_reply(reply_xml, decoded))
