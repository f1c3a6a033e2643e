"""Claim status changes (DynamoDB stream on claims) -> a template message to the customer.

Each change is notified once: its key (claim, status, timeline length) is claimed in the inbox
table, so a stream batch delivered again does not notify again. The message itself goes through
the outbox, which keeps what WeChat will not take, with the reason, and does not send a notice
older than one already sent for the claim (TemplateNotice.sequence: the timeline's length).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import render
from chalicelib.domain.claims import ClaimStatus, TimelineEntry
from chalicelib.jobs.messages import OutboxMessage, TemplateNotice
from chalicelib.service.logs import log_event, ref
from chalicelib.store.book import REPORTED_IN_CHAT, timeline_from_json
from chalicelib.store.inbox import NEW

if TYPE_CHECKING:
    from chalicelib.jobs.queues import Queues
    from chalicelib.store.book import BookStore
    from chalicelib.store.inbox import Inbox


class ClaimNotifier:
    def __init__(
        self, book: BookStore, inbox: Inbox, queues: Queues, template_id: str, hotline: str
    ) -> None:
        self.book = book
        self.inbox = inbox
        self.queues = queues
        self.template_id = template_id
        self.hotline = hotline

    def on_batch(self, records: Sequence[Any]) -> str | None:
        """A stream batch (records with event_name, new_image, old_image, sequence_number), in
        order. Of several changes to one claim only the newest is told: the customer hears
        where the claim is now, and notices sent together could arrive in either order.
        Returns the sequence number of the first record that failed (it and those after it
        are delivered again), else None."""
        newest = {_claim_key(r): i for i, r in enumerate(records)}
        for i, record in enumerate(records):
            if newest[_claim_key(record)] != i:
                continue
            try:
                self.on_change(record.event_name, record.new_image, record.old_image)
            except Exception:
                log_event("claim.notify_failed", logging.ERROR, exc_info=True,
                          record=str(record.sequence_number))  # fmt: skip
                return str(record.sequence_number)
        return None

    def on_change(self, event_name: str, new_image: dict | None, old_image: dict | None) -> int:
        """Handle one stream record; returns how many messages were queued."""
        change = _status_change(event_name, new_image, old_image)
        if change is None:
            return 0
        claim_no, customer_id, status, timeline, previous = change
        key = f"notify:{claim_no}:{status}:{len(timeline)}"
        if self.inbox.claim(key).state != NEW:
            return 0
        openids = self.book.openids_of(customer_id)
        if openids:
            entry = timeline[-1]
            self.queues.outbox(self._message(o, claim_no, status, entry, len(timeline))
                               for o in openids)  # fmt: skip
        self.inbox.complete(key, None)
        log_event(
            "claim.notified", status=str(status), recipients=len(openids), claim=ref(claim_no)
        )
        return len(openids)

    def _message(
        self, openid: str, claim_no: str, status: ClaimStatus, entry: TimelineEntry, sequence: int
    ) -> OutboxMessage:
        words = t.CLAIM_STATUS[str(status)]
        next_step = render.next_step(status, self.hotline)
        if entry.amount:
            words += t.CLAIM_AMOUNT.format(amount=render.yuan(entry.amount))
        data = {
            "first": {"value": t.NOTIFY_FIRST},
            "keyword1": {"value": claim_no},
            "keyword2": {"value": words},
            "keyword3": {"value": render.when(entry.at, date.min)},
            "remark": {"value": t.NOTIFY_REMARK.format(next_step=next_step)},
        }
        notice = TemplateNotice(self.template_id, data, sequence=sequence)
        return OutboxMessage(openid, f"claim:{claim_no}", template=notice)


def _status_change(
    event: str, new: dict | None, old: dict | None
) -> tuple[str, str, ClaimStatus, tuple[TimelineEntry, ...], str | None] | None:
    """(claim_no, customer_id, new status, timeline, previous status or None) when the status
    changed, else None.

    A new claim is announced only when it is freshly reported: importing a claim that is
    already further along must not send a burst of messages about the past. A claim the
    customer reported in the chat (self-survey) is not announced either: they have just read
    its number there, and a notice would land in the middle of the photo instructions.
    """
    if event not in ("INSERT", "MODIFY") or not new:
        return None
    status = ClaimStatus(new["status"]["S"])
    old = old or {}
    if event == "MODIFY" and old.get("status", {}).get("S") == str(status):
        return None
    if event == "INSERT" and status is not ClaimStatus.REPORTED:
        return None
    if event == "INSERT" and new.get("reported_via", {}).get("S") == REPORTED_IN_CHAT:
        return None
    timeline = timeline_from_json(new.get("timeline", {}).get("S", "[]"))
    if not timeline:
        return None
    previous = old.get("status", {}).get("S")
    return new["claim_no"]["S"], new["customer_id"]["S"], status, timeline, previous


def _claim_key(record: Any) -> str:
    image = record.new_image or record.old_image or {}
    return str(image.get("claim_no", {}).get("S", "")) or str(record.sequence_number)
