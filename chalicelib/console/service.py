"""What the adjusters' console does: the queue, one claim with its packet, decisions, audit.

Every call names the staff member (already authenticated) and where the request came from;
views and decisions are written to the audit log. Photos are only ever handed out as
pre-signed S3 links that expire within PHOTO_LINK_S.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.console.auth import Permission, Staff
from chalicelib.dialog import catalogue as t
from chalicelib.dialog import render
from chalicelib.dialog import survey as survey_dialog
from chalicelib.domain import canned as canned_rules
from chalicelib.domain import review
from chalicelib.domain import survey as sv
from chalicelib.domain.authority import (
    FLAG_PHOTOS_MISSING,
    Authority,
    check_approval,
    cover_for_own_damage,
    needs_sign_off,
)
from chalicelib.domain.claim_clocks import ClockRules
from chalicelib.domain.claims import ClaimStatus
from chalicelib.domain.hours import CHINA
from chalicelib.domain.masking import mask_long_numbers, mask_plate
from chalicelib.domain.push_budget import NOTICE
from chalicelib.jobs.messages import custom
from chalicelib.service.claim_clocks import REFUSAL_ORIGIN, clock_json, clocks_of, nearest_json
from chalicelib.service.logs import log_event, ref
from chalicelib.store.book import StaleClaim, claim_from_item

if TYPE_CHECKING:
    from chalicelib.domain.book import Claim
    from chalicelib.domain.policies import Coverage
    from chalicelib.jobs.queues import Queues
    from chalicelib.media.store import MediaStore
    from chalicelib.service.assignment import AssignmentDesk
    from chalicelib.service.handoff import HandoffDesk
    from chalicelib.store.audit import AuditLog
    from chalicelib.store.book import BookStore
    from chalicelib.store.conversations import Conversations
    from chalicelib.store.models import (
        AuditEntry,
        ClaimItem,
        ClaimPhotoItem,
        ConversationRecord,
        HandoffItem,
        SurveyItem,
    )
    from chalicelib.store.sessions import Sessions
    from chalicelib.store.surveys import SurveyStore

PHOTO_LINK_S = 300
APPROVE_REQUESTED = "approve_requested"  # an approval above its maker's authority, waiting
FLAG_SIGNOFF = "signoff_pending"  # a queue flag: the claim waits for a supervisor
MAX_CHAT_CHARS = 1000
WAITING = (ClaimStatus.SURVEY_RECEIVED, ClaimStatus.UNDER_REVIEW)
DECIDED = (ClaimStatus.APPROVED, ClaimStatus.SURVEYOR_SENT, ClaimStatus.REJECTED)
STATUS_FILTERS: dict[str, tuple[ClaimStatus, ...]] = {
    "waiting": WAITING,
    "survey_received": (ClaimStatus.SURVEY_RECEIVED,),
    "under_review": (ClaimStatus.UNDER_REVIEW,),
    "photos_requested": (ClaimStatus.PHOTOS_REQUESTED,),
    "reported": (ClaimStatus.REPORTED,),
    "decided": DECIDED,
}
QUEUE_SORTS = ("waiting", "due")  # oldest first | the claim clock due first (labels.QUEUE_SORTS)


class NotFound(Exception):
    pass


class BadRequest(ValueError):
    pass


class Conflict(Exception):
    pass


@dataclass(frozen=True)
class Source:
    """Where a console request came from (for the audit log)."""

    ip: str | None = None
    user_agent: str | None = None


class ConsoleService:
    def __init__(
        self,
        book: BookStore,
        surveys: SurveyStore,
        media: MediaStore,
        conversations: Conversations,
        audit: AuditLog,
        sessions: Sessions,
        queues: Queues,
        hotline: str,
        *,
        desk: Callable[[], HandoffDesk],
        assignment: Callable[[], AssignmentDesk | None] = lambda: None,
        authority: Authority | None = None,
        clock: Callable[[], float] = time.time,
        clock_rules: ClockRules | None = None,
    ) -> None:
        self.clock_rules = clock_rules or ClockRules.from_law()  # the claim clocks' deadlines
        self.book = book
        self.surveys = surveys
        self.media = media
        self.conversations = conversations
        self.audit = audit
        self.sessions = sessions
        self.queues = queues
        self.hotline = hotline
        self.clock = clock
        self.desk = desk  # service.handoff.HandoffDesk, built on first use
        self.assignment = assignment  # whose each chat is, its clock (service/assignment.py)
        self.authority = authority or Authority()

    # --- the queue -------------------------------------------------------------------------

    def queue(
        self, staff: Staff, status: str = "waiting", flag: str = "", sort: str = "waiting"
    ) -> dict[str, Any]:
        """`sort`: "waiting" (waiting longest first) or "due" (the nearest claim clock first;
        claims with no clock running after, longest waiting first)."""
        staff.require(Permission.VIEW_CLAIMS)
        if status not in STATUS_FILTERS:
            raise BadRequest(f"status must be one of {', '.join(STATUS_FILTERS)}")
        if sort not in QUEUE_SORTS:
            raise BadRequest(f"sort must be one of {', '.join(QUEUE_SORTS)}")
        items = self.book.claims_in(STATUS_FILTERS[status])
        surveys = self.surveys.many([i.claim_no for i in items])
        now = self.clock()
        rows = [self._queue_row(i, surveys.get(i.claim_no), now) for i in items]
        if flag:
            rows = [r for r in rows if flag in r["flags"]]
        rows.sort(key=lambda r: datetime.fromisoformat(r["waiting_since"]))
        if sort == "due":  # stable: equal due times keep the longest waiting first
            rows.sort(key=_due_order)
        return {"claims": rows}

    def _queue_row(self, item: ClaimItem, survey: SurveyItem | None, now: float) -> dict[str, Any]:
        claim = claim_from_item(item)
        since = claim.timeline[-1].at
        now_at = datetime.fromtimestamp(now, UTC)
        return {
            "claim_no": claim.claim_no,
            "status": str(claim.status),
            "status_text": _status_text(claim.status, survey),
            "waiting_since": since.isoformat(),
            "age_minutes": max(0, int((now - since.timestamp()) // 60)),
            "plate_masked": mask_plate(claim.plate) if claim.plate else "",
            "flags": _flags(survey) + ([FLAG_SIGNOFF] if item.pending_signoff else []),
            "reshoots": _reshoot_count(survey),
            "photos": len(survey.slots or {}) if survey else 0,
            "pending_signoff": (item.pending_signoff or {}).get("amount"),
            "clock": nearest_json(clocks_of(item, now_at, self.clock_rules), now_at),
        }

    # --- one claim -------------------------------------------------------------------------

    def claim(self, staff: Staff, claim_no: str, source: Source) -> dict[str, Any]:
        staff.require(Permission.VIEW_CLAIMS)
        item = self.book.claim_item(claim_no)
        if item is None:
            raise NotFound(f"no claim {claim_no}")
        detail = self._detail(staff, item)
        self.audit.append(staff.id, staff.role, "view_claim", claim_no, {"name": staff.name},
                          source.ip, source.user_agent)  # fmt: skip
        return detail

    def _detail(self, staff: Staff, item: ClaimItem) -> dict[str, Any]:
        survey = self.surveys.load(item.claim_no)
        photos = {p.seq: p for p in self.surveys.photos(item.claim_no)} if survey else {}
        slots = {int(k): photos[v] for k, v in ((survey.slots or {}) if survey else {}).items()
                 if v in photos}  # fmt: skip
        decidable = (ClaimStatus(item.status) in review.REVIEWABLE and staff.may(Permission.DECIDE)
                     and not item.pending_signoff)  # fmt: skip
        in_slots = {p.seq for p in slots.values()}
        claim_json = self.claim_json(item)
        claim_json["status_text"] = _status_text(ClaimStatus(item.status), survey)
        placements: dict[str, Any] = (survey.placements or {}) if survey else {}
        return {
            "claim": claim_json,
            "policy": self._policy_json(item.policy_no),
            "accident": _accident(survey),
            "photos": [self._photo_json(n, slots[n], placements) for n in sorted(slots)],
            "others": [
                self._other_json(p, placements.get(seq))
                for seq, p in sorted(photos.items())
                if seq not in in_slots
            ],
            "flags": _flags(survey),
            "authority": self._authority_json(staff, item),
            "contact_sheet_url": self._sheet_url(survey),
            "conversation": self._conversation(survey),
            "actions": [a.value for a in review.Action] if decidable else [],
        }

    def _authority_json(self, staff: Staff, item: ClaimItem) -> dict[str, Any]:
        cover = self._cover(item.policy_no)
        return {
            "own_limit": str(self.authority.limit_of(staff.roles)),
            "covered": cover is not None,
            "cover": str(cover) if cover is not None and cover.is_finite() else None,
            "may_sign_off": staff.may(Permission.SIGN_OFF),
        }

    def _cover(self, policy_no: str) -> Decimal | None:
        policy = self.book.policy(policy_no)
        return cover_for_own_damage(policy.coverages) if policy is not None else None

    def claim_json(self, item: ClaimItem) -> dict[str, Any]:
        claim = claim_from_item(item)
        decisions = list(item.decisions or [])
        timeline = []
        for entry in claim.timeline:
            made = next((d for d in decisions if d.get("at") == entry.at.isoformat()), None)
            timeline.append(
                {
                    "status": str(entry.status),
                    "status_text": t.CLAIM_STATUS[str(entry.status)],
                    "at": entry.at.isoformat(),
                    "amount": str(entry.amount) if entry.amount is not None else None,
                    "by": made.get("by_name") if made else None,
                    "reason": (made.get("reason") or None) if made else None,
                }
            )
        pending = item.pending_signoff
        return {
            "claim_no": claim.claim_no,
            "status": str(claim.status),
            "status_text": t.CLAIM_STATUS[str(claim.status)],
            "version": item.version,
            "accident_date": claim.accident_date.isoformat(),
            "timeline": timeline,
            "pending_signoff": _pending_json(pending) if pending else None,
            "clocks": self._clocks_json(item),
        }

    def _clocks_json(self, item: ClaimItem) -> list[dict[str, Any]]:
        now = datetime.fromtimestamp(self.clock(), UTC)
        return [clock_json(c, now) for c in clocks_of(item, now, self.clock_rules)]

    def _policy_json(self, policy_no: str) -> dict[str, Any] | None:
        policy = self.book.policy(policy_no)
        if policy is None:
            return None
        holder = render.salutation(policy.holder_name, policy.holder_gender)
        return {
            "policy_no": policy.policy_no,
            "product": policy.product,
            "plate_masked": mask_plate(policy.plate),
            "vin_masked": policy.vin_masked,
            "holder": holder,
            "start": policy.start.isoformat(),
            "end": policy.end.isoformat(),
            "coverages": [
                {"name": c.name, "limit_text": _limit_text(c)} for c in policy.coverages
            ],
        }

    def _photo_json(
        self, slot: int, photo: ClaimPhotoItem, placements: dict[str, Any]
    ) -> dict[str, Any]:
        placement = placements.get(photo.seq, {})
        return {
            "slot": slot,
            "label": t.SURVEY_SHOT_TITLES[slot],
            "seq": photo.seq,
            **self._links(photo),
            "received_at": _iso(photo.received_at),
            "qc": {"reasons": photo.reasons or [], "metrics": photo.metrics or {}},
            "exif": photo.facts or {},
            "vin": photo.vin,
            "flags": placement.get("flags", []),
        }

    def _other_json(
        self, photo: ClaimPhotoItem, placement: dict[str, Any] | None
    ) -> dict[str, Any]:
        reasons = (placement or {}).get("reasons") or photo.reasons or []
        return {
            "seq": photo.seq,
            **self._links(photo),
            "slot": (placement or {}).get("slot"),
            "reasons": reasons,
            "received_at": _iso(photo.received_at),
        }

    def _links(self, photo: ClaimPhotoItem) -> dict[str, str | None]:
        files = photo.files or {}

        def link(name: str) -> str | None:
            key = files.get(name, {}).get("key")
            return self.media.presigned_url(key, PHOTO_LINK_S) if key else None

        return {"thumb_url": link("thumbnail"), "full_url": link("normalized")}

    def _sheet_url(self, survey: SurveyItem | None) -> str | None:
        if not survey or not survey.packet_key:
            return None
        key = survey.packet_key.rsplit("/", 1)[0] + "/contact-sheet.jpg"
        return self.media.presigned_url(key, PHOTO_LINK_S)

    def _conversation(self, survey: SurveyItem | None) -> list[dict[str, Any]]:
        if survey is None:
            return []
        return [
            {
                "at": _iso(int(r.record_id.split("#", 1)[0]) / 1000),
                "direction": r.direction,
                "type": r.msg_type,
                "content": _readable(r),
            }
            for r in self.conversations.latest(survey.openid, 30)
        ]

    # --- decisions -------------------------------------------------------------------------

    def decide(
        self, staff: Staff, claim_no: str, body: dict[str, Any], source: Source
    ) -> dict[str, Any]:
        staff.require(Permission.DECIDE)
        try:
            decision = review.parse_decision(body)
            version = _version(body.get("version"))
        except review.InvalidDecision as exc:
            raise BadRequest(str(exc)) from exc
        item = self.book.claim_item(claim_no)
        if item is None:
            raise NotFound(f"no claim {claim_no}")
        if item.version != version:
            raise Conflict(_stale_message(claim_from_item(item)))
        if item.pending_signoff:
            raise Conflict("An approval of this claim waits for a supervisor's sign-off; "
                           "a supervisor signs it off or sends it back first.")  # fmt: skip
        try:
            statuses = review.steps(ClaimStatus(item.status), decision.action)
            waits = self._within_authority(staff, item, decision)
        except review.InvalidDecision as exc:
            raise BadRequest(str(exc)) from exc
        now = datetime.fromtimestamp(self.clock(), UTC)
        record = _record(staff, decision, now)
        if waits:  # into review, the approval itself waits for a supervisor
            statuses, record = statuses[:-1], {**record, "action": APPROVE_REQUESTED}
        try:
            amount, pending = (None, record) if waits else (decision.amount, None)
            _, new_version = self.book.decide(
                claim_no, version, statuses, now, amount, record, pending_signoff=pending
            )
        except StaleClaim as exc:
            raise Conflict(_stale_message(exc.claim)) from exc
        if decision.action is review.Action.RESHOOT:
            self._ask_reshoot(claim_no, decision)
        if decision.action is review.Action.REJECT:
            self._send_refusal(item, decision.reason, now)
        self.audit.append(staff.id, staff.role, f"decide:{record['action']}", claim_no,
                          {k: v for k, v in record.items() if k not in ("at", "by", "by_name")}
                          | {"version": new_version, "name": staff.name},
                          source.ip, source.user_agent)  # fmt: skip
        log_event("console.decided", action=record["action"], claim=ref(claim_no))
        decided = self.book.claim_item(claim_no)
        if decided is None:
            raise NotFound(f"no claim {claim_no}")
        return {"claim": self.claim_json(decided)}

    def _within_authority(self, staff: Staff, item: ClaimItem, decision: review.Decision) -> bool:
        """InvalidDecision when nobody may approve this; True when it waits for a sign-off."""
        if decision.action is not review.Action.APPROVE or decision.amount is None:
            return False
        check_approval(decision.amount, self._cover(item.policy_no),
                       _flags(self.surveys.load(item.claim_no)), decision.reason)  # fmt: skip
        return needs_sign_off(decision.amount, self.authority.limit_of(staff.roles))

    def sign_off(
        self, staff: Staff, claim_no: str, body: dict[str, Any], source: Source
    ) -> dict[str, Any]:
        """A supervisor signs off an approval above its maker's authority, or sends it back."""
        staff.require(Permission.SIGN_OFF)
        item = self.book.claim_item(claim_no)
        if item is None:
            raise NotFound(f"no claim {claim_no}")
        try:
            version = _version(body.get("version"))
        except review.InvalidDecision as exc:
            raise BadRequest(str(exc)) from exc
        if item.version != version:
            raise Conflict(_stale_message(claim_from_item(item)))
        pending = item.pending_signoff
        if not pending:
            raise BadRequest("no approval of this claim waits for a sign-off")
        verdict = str(body.get("decision") or "")
        reason = str(body.get("reason") or "").strip()[: review.MAX_REASON_CHARS]
        if verdict not in ("approve", "decline"):
            raise BadRequest("decision must be approve or decline")
        if verdict == "approve" and pending.get("by") == staff.id:  # withdrawing it is fine
            raise BadRequest("you asked for this approval: another supervisor signs it off")
        if verdict == "decline" and not reason:
            raise BadRequest("a reason is required to send an approval back")
        amount = Decimal(str(pending["amount"]))
        if verdict == "approve":
            self._signer_may_approve(staff, item, amount, pending)
        now = datetime.fromtimestamp(self.clock(), UTC)
        record = {**pending, "at": now.isoformat(), "signed_off_by": staff.id,
                  "signed_off_name": staff.name, "sign_off": verdict,
                  "sign_off_reason": reason,
                  "action": "approve" if verdict == "approve" else "approve_declined"}  # fmt: skip
        statuses = (ClaimStatus.APPROVED,) if verdict == "approve" else ()
        try:
            _, new_version = self.book.decide(claim_no, version, statuses, now,
                                              amount if statuses else None, record)  # fmt: skip
        except StaleClaim as exc:
            raise Conflict(_stale_message(exc.claim)) from exc
        self.audit.append(staff.id, staff.role, f"sign_off:{verdict}", claim_no,
                          {"amount": str(amount), "asked_by": pending.get("by"), "reason": reason,
                           "version": new_version, "name": staff.name},
                          source.ip, source.user_agent)  # fmt: skip
        log_event("console.signed_off", verdict=verdict, claim=ref(claim_no))
        decided = self.book.claim_item(claim_no)
        if decided is None:
            raise NotFound(f"no claim {claim_no}")
        return {"claim": self.claim_json(decided)}

    def _signer_may_approve(
        self, staff: Staff, item: ClaimItem, amount: Decimal, pending: dict[str, Any]
    ) -> None:
        own = self.authority.limit_of(staff.roles)
        if amount > own:
            raise BadRequest(f"{amount} yuan is above your authority too ({own}): "
                             "refer it to head office")  # fmt: skip
        flags = _flags(self.surveys.load(item.claim_no))
        try:  # the policy or the photos may have changed since it was asked for
            check_approval(amount, self._cover(item.policy_no), flags, pending.get("reason") or "")
        except review.InvalidDecision as exc:
            raise BadRequest(str(exc)) from exc

    def _ask_reshoot(self, claim_no: str, decision: review.Decision) -> None:
        slots = [r.slot for r in decision.reshoots]
        survey = self.surveys.reopen(claim_no, slots, self.clock())
        if survey is None:
            return
        filled = {int(k) for k in (survey.slots or {})}  # what was not asked again, and is in
        items = render.reshoot_lines(review.with_missing(decision.reshoots, filled))
        text = t.RESHOOT_ASKED.format(claim_no=claim_no, items=items)
        self._send(survey.openid, f"reshoot-{claim_no}-{survey.version}", text)
        self._into_photos(survey.openid, claim_no)

    def _send_refusal(self, item: ClaimItem, reason: str, at: datetime) -> None:
        """The written refusal with the reasons (Insurance Law Art. 24) as a customer-service
        message to each of the customer's WeChat accounts: the claim's template notice says
        only 未予赔付 (its fields are short) and links to the claim's progress. Outside the
        customer's 48 h window the outbox keeps it until they write (the notice asks them to);
        the refusal clock is met when it is sent (ClockWatch.on_sent)."""
        local = at.astimezone(CHINA)
        text = t.REFUSAL_NOTICE.format(claim_no=item.claim_no, reason=reason,
                                       date=f"{local.year}年{local.month}月{local.day}日",
                                       hotline=self.hotline)  # fmt: skip
        openids = self.book.openids_of(item.customer_id)
        for openid in openids:
            self._send(openid, f"refusal-{item.claim_no}-{openid}", text,
                       origin=f"{REFUSAL_ORIGIN}{item.claim_no}")  # fmt: skip
        log_event("claim.refusal_notice_queued", recipients=len(openids),
                  claim=ref(item.claim_no))  # fmt: skip

    def _send(self, openid: str, message_id: str, text: str, origin: str = "console") -> None:
        from chalicelib.domain.messages import TextReply

        # A re-shoot request or a written refusal: a notice about the customer's own claim
        # (counted by the push budget, never refused).
        self.queues.outbox([custom(openid, TextReply(text), origin, message_id, push=NOTICE)])

    def _into_photos(self, openid: str, claim_no: str) -> None:
        """A customer at rest goes straight to the photos step, so the re-shot photos count
        without a word; one busy elsewhere says 继续查勘 (the message tells them)."""
        self.sessions.change(openid, lambda s: survey_dialog.after_reshoot_asked(claim_no, s))

    # --- the agents' inbox (handoffs taken in the console) ---------------------------------

    def chats(self, staff: Staff) -> dict[str, Any]:
        staff.require(Permission.HANDLE_CHATS)
        desk = self.desk()
        now = self.clock()
        items, assignment = desk.console_chats(), self.assignment()
        if assignment is None:
            return {"chats": [self._chat_json(desk, item, now) for item in items]}
        items, team = assignment.inbox(staff, items)  # a heartbeat; chats dealt, escalated
        return {"chats": [{**self._chat_json(desk, item, now),
                           **assignment.chat_json(item, staff.id)} for item in items],
                **team}  # fmt: skip

    def _chat_json(self, desk: HandoffDesk, item: HandoffItem, now: float) -> dict[str, Any]:
        from chalicelib.domain.handoff import short_code
        from chalicelib.service.handoff import REASON_WORDS

        return {
            "id": item.handoff_id,
            "code": short_code(item.openid),
            "name": desk.salutation(item.openid),
            "state": item.state,
            "reason": REASON_WORDS.get(item.reason, item.reason),
            "started_at": _iso(item.started_at),
            "waiting_minutes": max(0, int((now - item.started_at) // 60)),
            "context": desk.context_lines(item),
            "messages": [
                {
                    "id": r.record_id,  # Assist asks for a message's candidates by it
                    "at": _iso(int(r.record_id.split("#", 1)[0]) / 1000),
                    "direction": r.direction,
                    "type": r.msg_type,
                    "content": _readable(r),
                    "staff": r.staff_id,
                }
                for r in self.conversations.latest(item.openid, 30)
            ],
        }

    def chat_reply(
        self, staff: Staff, chat_id: str, body: dict[str, Any], source: Source
    ) -> dict[str, Any]:
        staff.require(Permission.HANDLE_CHATS)
        text = str(body.get("text") or "").strip()
        if not text:
            raise BadRequest("text is required")
        if len(text) > MAX_CHAT_CHARS:
            raise BadRequest(f"text is longer than {MAX_CHAT_CHARS} characters")
        unfilled = canned_rules.unfilled_in(text)  # a canned reply's placeholder left as written
        if unfilled:
            raise BadRequest("请先填写：" + "、".join(f"{{{name}}}" for name in unfilled))
        desk = self.desk()
        item = desk.console_chat(chat_id)
        if item is None:
            raise NotFound(f"no open chat {chat_id}")
        assignment = self.assignment()
        if assignment is not None:  # someone else's: take it over first (409)
            assignment.claim_for_reply(staff, item)
        desk.console_reply(item, staff.id, staff.name, text)
        self.audit.append(staff.id, staff.role, "chat_reply", None,
                          {"chat": chat_id, "name": staff.name, "chars": len(text)},
                          source.ip, source.user_agent)  # fmt: skip
        return {"ok": True}

    def chat_end(self, staff: Staff, chat_id: str, source: Source) -> dict[str, Any]:
        staff.require(Permission.HANDLE_CHATS)
        desk = self.desk()
        item = desk.console_chat(chat_id)
        if item is None:
            raise NotFound(f"no open chat {chat_id}")
        assignment = self.assignment()
        if assignment is not None:  # someone else's: theirs or a supervisor's to end (409)
            assignment.check_end(staff, item)
        desk.console_end(item)
        self.audit.append(staff.id, staff.role, "chat_end", None,
                          {"chat": chat_id, "name": staff.name}, source.ip,
                          source.user_agent)  # fmt: skip
        return {"ok": True}

    # --- audit -----------------------------------------------------------------------------

    def audit_entries(self, staff: Staff, params: Mapping[str, str]) -> dict[str, Any]:
        """With `claim_no`: that claim's entries (its page's panel), as they always were.
        Otherwise the audit page's search (domain/audit.py): by time (`from`, `to`: a China
        date or an ISO time), staff member (`who`), kind of action (`kind`), newest first,
        `limit` a page, `before` the next page; `next` is null when nothing older can match.
        Reading the log is not itself audited (the log records what staff did to claims,
        records, requests and staff, not who read it)."""
        from chalicelib.domain.audit import AuditQuery, AuditRequestError

        staff.require(Permission.VIEW_AUDIT)
        claim_no = (params.get("claim_no") or "").strip()
        if claim_no:
            return {"entries": [_audit_json(e) for e in self.audit.entries(claim_no)],
                    "next": None}  # fmt: skip
        try:
            query = AuditQuery.parse(params)
        except AuditRequestError as exc:
            raise BadRequest(str(exc)) from exc
        found = self.audit.page(query)
        return {"entries": [_audit_json(e) for e in found.entries], "next": found.before,
                "scanned": found.scanned}  # fmt: skip

    def audit_verify(self, staff: Staff, params: Mapping[str, str]) -> dict[str, Any]:
        """One stretch of the chain check (`claimbot audit verify` walks it all at once):
        from the entry after `after` (0: the first) for at most VERIFY_ENTRIES entries or
        VERIFY_SECONDS. `ok`: true (intact to the end), false (`broken` names the first
        broken link) or null (go on with `after` = `next`)."""
        from chalicelib.domain.audit import VERIFY_ENTRIES, VERIFY_SECONDS

        staff.require(Permission.VIEW_AUDIT)
        raw = (params.get("after") or "0").strip()
        if not raw.isdigit():
            raise BadRequest("'after' is the last entry checked (a number)")
        walked = self.audit.walk(int(raw), VERIFY_ENTRIES, VERIFY_SECONDS)
        broken = walked.broken
        return {
            "ok": False if broken else (None if walked.more else True),
            "checked": walked.checked,
            "through": walked.last,
            "next": walked.last if walked.more else None,
            "broken": {"seq": broken.seq, "why": broken.why} if broken else None,
            "head": self.audit.head_seq(),
        }


def _due_order(row: dict[str, Any]) -> tuple[int, str]:
    """Claims with an open clock first, the one due first ahead (ISO times in one zone sort
    as text); the rest after."""
    clock = row.get("clock")
    if not clock:
        return (1, "")
    return (0, datetime.fromisoformat(clock["due_at"]).astimezone(UTC).isoformat())


def _audit_json(entry: AuditEntry) -> dict[str, Any]:
    from chalicelib.domain.audit import maker_name, target_of

    detail = entry.detail or {}
    return {
        "seq": int(entry.seq),
        "at": _iso(entry.at),
        "who": entry.who,
        "name": maker_name(entry.action, detail),
        "role": entry.role,
        "action": entry.action,
        "claim_no": entry.claim_no,
        "target": target_of(entry.action, entry.claim_no, detail),
        "detail": detail,
        "ip": entry.source_ip,
    }


def _version(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise review.InvalidDecision("version (the claim's version you loaded) is required")
    return raw


def _record(staff: Staff, decision: review.Decision, now: datetime) -> dict[str, Any]:
    return {
        "at": now.isoformat(),
        "by": staff.id,
        "by_name": staff.name,
        "action": decision.action.value,
        "reason": decision.reason,
        "amount": str(decision.amount) if decision.amount is not None else None,
        "reshoots": [
            {"slot": r.slot, "reason": r.reason, "note": r.note} for r in decision.reshoots
        ],
    }


def _pending_json(pending: dict[str, Any]) -> dict[str, Any]:
    return {k: pending.get(k) for k in ("amount", "by", "by_name", "reason", "at")}


def _stale_message(claim: Claim) -> str:
    return (
        f"This claim changed since you opened it: it is now '{claim.status.value}'. "
        "Reload to see the change before deciding."
    )


# Records whose content is an id (media) rather than words: the page labels them. A template
# notice's record holds what it said (service/outbox.py notice_text).
CONTENT_IS_AN_ID = ("image", "voice", "video", "shortvideo", "file")


def _status_text(status: ClaimStatus, survey: SurveyItem | None) -> str:
    return t.CLAIM_STATUS[str(status)]


def _limit_text(coverage: Coverage) -> str:
    return render.coverage_text(coverage).removeprefix(coverage.name).strip()


def _readable(record: ConversationRecord) -> str:
    """Words for staff: ids are not words, and long numbers (an ID's last six typed to bind,
    phones) are masked."""
    if record.msg_type in CONTENT_IS_AN_ID:
        return ""
    return mask_long_numbers(record.content or "")


def _flags(survey: SurveyItem | None) -> list[str]:
    if survey is None:
        return []
    flags = set(survey.flags or [])
    if len(survey.slots or {}) < len(sv.SLOTS):
        flags.add(FLAG_PHOTOS_MISSING)
    for placement in (survey.placements or {}).values():
        flags.update(placement.get("flags", []))
    if _reshoot_count(survey):
        flags.add(sv.FLAG_RESHOOTS)
    return sorted(flags)


def _reshoot_count(survey: SurveyItem | None) -> int:
    if survey is None:
        return 0
    placements = (survey.placements or {}).values()
    rejected = sum(1 for p in placements if p.get("slot") and not p.get("accepted"))
    return rejected + len(survey.reshoot or [])


def _accident(survey: SurveyItem | None) -> dict[str, Any] | None:
    if survey is None:
        return None
    facts = survey.facts or {}
    return {
        "at": facts.get("accident_at"),
        "place": facts.get("place"),
        "description": facts.get("description"),
    }


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(float(epoch), UTC).isoformat()
