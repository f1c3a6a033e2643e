"""Claim status changes (DynamoDB stream on claims) -> a template message to the customer.

The notice is a category template: its fields are typed, and which field shows which fact of
the claim is configuration (domain/claim_notice.py); values are fitted to their types here and
checked again by the outbox before sending.

Each change is notified once: its key (claim, status, timeline length) is claimed in the inbox
table, so a stream batch delivered again does not notify again. The message itself goes through
the outbox, which keeps what WeChat will not take, with the reason, and does not send a notice
older than one already sent for the claim (TemplateNotice.sequence: the timeline's length).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import render
from chalicelib.dialog.outcome import Job, JobKind
from chalicelib.domain.claim_notice import amount_text, notice_data, parse_fields, time_text
from chalicelib.domain.claims import ClaimStatus, TimelineEntry
from chalicelib.domain.hours import CHINA
from chalicelib.domain.push_budget import NOTICE
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
        self, book: BookStore, inbox: Inbox, queues: Queues, template_id: str, hotline: str,
        fields: tuple[tuple[str, str], ...] = (), progress_url: str = "",
    ) -> None:  # fmt: skip
        self.book = book
        self.inbox = inbox
        self.queues = queues
        self.template_id = template_id
        self.hotline = hotline
        self.fields = fields or parse_fields("")
        self.progress_url = progress_url

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
        # Rejected in the console: the reasons go in a message of their own (the refusal notice).
        refused_here = "refusal_pending" in (new_image or {})
        if openids:
            entry = timeline[-1]
            self.queues.outbox(self._message(o, claim_no, status, entry, len(timeline),
                                             refused_here) for o in openids)  # fmt: skip
            if status is ClaimStatus.PAID:  # settled: how did we do? (once per claim)
                self.queues.jobs(_rating_job(o, claim_no, new_image) for o in openids)
        self.inbox.complete(key, None)
        log_event(
            "claim.notified", status=str(status), recipients=len(openids), claim=ref(claim_no)
        )
        return len(openids)

    def _message(
        self, openid: str, claim_no: str, status: ClaimStatus, entry: TimelineEntry, sequence: int,
        refused_here: bool = False,
    ) -> OutboxMessage:  # fmt: skip
        notice = TemplateNotice(self.template_id, self._data(claim_no, status, entry, refused_here),
                                url=self._url(claim_no), sequence=sequence)  # fmt: skip
        return OutboxMessage(openid, f"claim:{claim_no}", template=notice, push=NOTICE)

    def _data(
        self, claim_no: str, status: ClaimStatus, entry: TimelineEntry, refused_here: bool = False
    ) -> dict[str, Any]:
        words = t.CLAIM_STATUS[str(status)]
        if entry.amount:
            words += t.CLAIM_AMOUNT.format(amount=render.yuan(entry.amount))
        facts = {
            "claim_no": claim_no,
            "status": words,
            "status_phrase": t.CLAIM_STATUS_PHRASE[str(status)],
            "amount": amount_text(entry.amount) if entry.amount else None,
            "updated_at": time_text(entry.at.astimezone(CHINA) if entry.at.tzinfo else entry.at),
            "next_step": t.CLAIM_NEXT_SHORT_REFUSAL if refused_here
            and status is ClaimStatus.REJECTED else t.CLAIM_NEXT_SHORT[str(status)],
            "hotline": self.hotline,
        }
        return notice_data(self.fields, facts)

    def _url(self, claim_no: str) -> str:
        """The claim-progress page, when one is configured (it signs the customer in through
        WeChat's web authorisation before it shows anything)."""
        return self.progress_url.replace("{claim_no}", claim_no) if self.progress_url else ""


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


def _rating_job(openid: str, claim_no: str, image: dict | None) -> Job:
    """Ask the customer to rate the claim's handling (service/satisfaction.py), naming the
    adjuster who approved it in the console, if one did (an imported claim has nobody)."""
    try:
        decisions = json.loads((image or {}).get("decisions", {}).get("S", "[]") or "[]")
    except ValueError:
        decisions = []
    approvers = [str(d.get("by") or "") for d in decisions
                 if isinstance(d, dict) and d.get("action") == "approve"]  # fmt: skip
    about = {"flow": "claim", "openid": openid, "claim_no": claim_no,
             "staff_id": approvers[-1] if approvers else ""}  # fmt: skip
    return Job(JobKind.SATISFACTION_ASK, about)


def _claim_key(record: Any) -> str:
    image = record.new_image or record.old_image or {}
    return str(image.get("claim_no", {}).get("S", "")) or str(record.sequence_number)
