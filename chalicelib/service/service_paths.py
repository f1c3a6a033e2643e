"""Service paths (服务轨迹) for auditors: one customer's contacts in a period, across the chat,
template notices, handoffs, tickets, claims, self-surveys, quotes and satisfaction ratings, as
one timeline with the places the customer got stuck marked (domain/service_paths.py).

The customer is named as a records search names them (RecordsDesk: openid, claim, policy,
plate or phone, typed in full) and every look-up is audited like one (records.path). Each store
is read by key or through its indexes, bounded by the customer and the period: no scan.
Texts are masked as the records are (mask_free_text); nothing here is ever unmasked.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain import records as record_rules
from chalicelib.domain import service_paths as rules
from chalicelib.domain.hours import CHINA
from chalicelib.domain.masking import mask_free_text
from chalicelib.domain.retention import SALE
from chalicelib.service.logs import ref
from chalicelib.store.models import (
    ClaimItem,
    ClaimPhotoItem,
    ConversationRecord,
    HandoffItem,
    QuoteItem,
    SurveyItem,
    TicketItem,
)

if TYPE_CHECKING:
    from chalicelib.console.auth import Staff
    from chalicelib.console.service import Source
    from chalicelib.service.records import RecordsDesk
    from chalicelib.store.audit import AuditLog
    from chalicelib.store.book import BookStore

QUOTE_NO = re.compile(r"报价单 (Q\d{16})")  # the plans message (catalogue)
MAX_RECORDS = 5000  # conversation records read per customer and period
TEXT_CHARS = 80  # an event's short text
MEDIA_WORDS = {"image": "[图片]", "voice": "[语音]", "video": "[视频]", "location": "[位置]"}
TICKET_QUEUES = ("ticket:open", "ticket:closed", "data_request:open", "data_request:closed")


class ServicePaths:
    def __init__(
        self,
        records: RecordsDesk,
        book: BookStore,
        audit: AuditLog,
        staff_name: Callable[[str], str | None],
        wait_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.records = records
        self.book = book
        self.audit = audit
        self.staff_name = staff_name
        self.wait_s = wait_s  # longer than this before a person answered: stuck
        self.clock = clock

    def path(self, staff: Staff, params: Mapping[str, str], source: Source) -> dict[str, Any]:
        from chalicelib.console.auth import Forbidden
        from chalicelib.console.service import BadRequest

        if "auditor" not in staff.roles:
            raise Forbidden(f"your role ({staff.role or 'none'}) may not read customers' "
                            "service paths: auditors may")  # fmt: skip
        try:
            query = record_rules.RecordQuery.parse(params, self.clock())
        except record_rules.RecordsRequestError as exc:
            raise BadRequest(str(exc)) from exc
        openids = self.records.customers_named(query)
        since, until = query.since_ms / 1000, query.until_ms / 1000
        events = rules.mark(list(self._events(openids, since, until)), self.wait_s)
        detail = {"by": query.by, "value": ref(query.value),
                  "from": params.get("from") or "", "to": params.get("to") or "",
                  "count": len(events), "unmasked": False}  # fmt: skip
        self.audit.append(staff.id, staff.role, "records.path", None, detail, source.ip,
                          source.user_agent)  # fmt: skip
        return {
            "events": [e.to_json() for e in events],
            "stuck": rules.stuck_summary(events),
            "customers": len(openids),
            "from": _day(since),
            "to": _day(until),
        }

    # --- gathering -----------------------------------------------------------------------

    def _events(self, openids: list[str], since: float, until: float) -> Iterator[rules.Event]:
        customer_ids: set[str] = set()
        handoff_ids: list[str] = []
        for openid in openids:
            quote_nos: list[str] = []
            yield from self._conversation(openid, since, until, quote_nos)
            yield from self._quotes(quote_nos, since, until)
            handoff = _get(HandoffItem, openid)
            if handoff is not None and since <= float(handoff.started_at) <= until:
                handoff_ids.append(handoff.handoff_id)
                yield from self._handoff(handoff)
            yield from self._surveys(openid, since, until)
            customer = self.book.customer_for(openid)
            if customer is not None:
                customer_ids.add(customer.customer_id)
        yield from self._tickets(openids, since, until)
        claim_nos: list[str] = []
        for customer_id in sorted(customer_ids):
            for item in ClaimItem.by_customer.query(customer_id):
                claim_nos.append(item.claim_no)
                yield from self._claim(item, since, until)
        yield from self._ratings([f"chat:{h}" for h in handoff_ids]
                                 + [f"claim:{c}" for c in claim_nos], since, until)  # fmt: skip

    def _conversation(
        self, openid: str, since: float, until: float, quote_nos: list[str]
    ) -> Iterator[rules.Event]:
        from chalicelib.dialog.catalogue import QUOTE_ASK_PHOTO

        low, high = f"{int(since * 1000):013d}", f"{int(until * 1000):013d}~"
        messages: list[dict[str, Any]] = []
        seen: set[str] = set()  # a photo's webhook record and its saved copy's share a message
        records = ConversationRecord.query(openid, ConversationRecord.record_id.between(low, high),
                                           limit=MAX_RECORDS)  # fmt: skip
        for record in records:
            at = int(record.record_id.split("#", 1)[0]) / 1000
            named = QUOTE_NO.findall(record.content or "") if record.direction == "out" else []
            if record.retention == SALE and record.kept_for:
                named.append(record.kept_for)
            quote_nos.extend(n for n in dict.fromkeys(named) if n not in quote_nos)
            if record.dedupe_key and record.msg_type == "image":
                if record.dedupe_key in seen:
                    continue
                seen.add(record.dedupe_key)
            text = _short(record.content or "")
            if record.channel == "template":
                yield rules.Event(at, rules.NOTICE, "template", text or "模板消息")
                continue
            who = "客户" if record.direction == "in" else "公众号"
            if record.staff_id:
                who = f"人工客服 {self.staff_name(record.staff_id) or ''}".strip()
            if not text and record.msg_type != "text":
                text = MEDIA_WORDS.get(record.msg_type, f"[{record.msg_type}]")
            messages.append({
                "at": at, "time": _clock(at), "direction": record.direction, "who": who,
                "type": record.msg_type, "text": text, "staff": bool(record.staff_id),
                "quote_start": record.direction == "out"
                and (record.content or "").startswith(QUOTE_ASK_PHOTO[:20]),
            })  # fmt: skip
        yield from rules.sessions(messages)

    def _quotes(self, quote_nos: list[str], since: float, until: float) -> Iterator[rules.Event]:
        for quote_no in quote_nos:
            quote = _get(QuoteItem, quote_no)
            if quote is None or not since <= float(quote.created_at) <= until:
                continue
            plans = len(quote.plans or [])
            yield rules.Event(float(quote.created_at), rules.QUOTE, "given",
                              f"报价 {quote_no}：{plans} 个方案，有效至 {quote.valid_until}",
                              ref=quote_no)  # fmt: skip

    def _handoff(self, item: HandoffItem) -> Iterator[rules.Event]:
        from chalicelib.service.handoff import REASON_WORDS

        started = float(item.started_at)
        answered = float(item.answered_at) if item.answered_at else None
        ended = float(item.ended_at) if item.ended_at else None
        waited = answered - started if answered is not None else None
        if waited is not None and item.first_response_s is not None:
            waited = float(item.first_response_s)  # in business hours, as the target counts
        detail = {"reason": item.reason, "ended": ended is not None, "waited_s": waited,
                  "open_for_s": (ended or self.clock()) - started}  # fmt: skip
        where = "企业微信值班" if item.channel == "wecom" else "客服台"
        yield rules.Event(started, rules.HANDOFF, "start",
                          f"转人工（{where}）：{REASON_WORDS.get(item.reason, item.reason)}",
                          ref=item.handoff_id, detail=detail)  # fmt: skip
        who = (item.assignee_name or self.staff_name(item.staff_id or "")
               or item.staff_userid or "")  # fmt: skip
        if answered is not None:
            yield rules.Event(answered, rules.HANDOFF, "answered",
                              f"{who or '人工客服'} 接待，等待 {_duration(answered - started)}",
                              ref=item.handoff_id)  # fmt: skip
        if item.escalated_at:
            yield rules.Event(float(item.escalated_at), rules.HANDOFF, "escalated",
                              f"超时未回复，升级（第 {int(item.escalations or 1)} 次）",
                              ref=item.handoff_id)  # fmt: skip
        if ended is not None:
            by = {"customer": "客户结束", "staff": "客服结束", "callback": "无人接待，登记回访",
                  "idle": "长时间无消息，自动结束"}.get(item.ended_by or "", "结束")  # fmt: skip
            yield rules.Event(ended, rules.HANDOFF, "end", f"人工服务{by}", ref=item.handoff_id)

    def _tickets(self, openids: list[str], since: float, until: float) -> Iterator[rules.Event]:
        from chalicelib.console.labels import TICKET_KINDS, TICKET_OUTCOMES

        if not openids:
            return
        wanted = TicketItem.openid.is_in(*openids) & TicketItem.created_at.between(since, until)
        for queue in TICKET_QUEUES:
            for ticket in TicketItem.by_queue.query(queue, TicketItem.due_at >= since,
                                                    filter_condition=wanted):  # fmt: skip
                kind = TICKET_KINDS.get(ticket.kind.split(":", 1)[0], ticket.kind)
                yield rules.Event(float(ticket.created_at), rules.TICKET, "opened",
                                  _short(f"{kind}工单 {ticket.ticket_no}：{ticket.summary}"),
                                  claim_no=ticket.claim_no or "", ref=ticket.ticket_no)  # fmt: skip
                if ticket.closed_at:
                    outcome = TICKET_OUTCOMES.get(ticket.outcome or "", ticket.outcome or "")
                    yield rules.Event(float(ticket.closed_at), rules.TICKET, "closed",
                                      f"{kind}工单 {ticket.ticket_no} 已关闭：{outcome}",
                                      claim_no=ticket.claim_no or "",
                                      ref=ticket.ticket_no)  # fmt: skip

    def _claim(self, item: ClaimItem, since: float, until: float) -> Iterator[rules.Event]:
        from chalicelib.console.labels import ACTION_LABELS
        from chalicelib.dialog.catalogue import CLAIM_STATUS

        for entry in item.timeline or []:
            at = _epoch(entry.get("at"))
            if at is not None and since <= at <= until:
                status = str(entry.get("status"))
                amount = f"，金额 {entry['amount']} 元" if entry.get("amount") else ""
                words = CLAIM_STATUS.get(status, status)
                yield rules.Event(at, rules.CLAIM, f"status:{status}",
                                  f"赔案 {item.claim_no}：{words}{amount}",
                                  claim_no=item.claim_no)  # fmt: skip
        for decision in item.decisions or []:
            at = _epoch(decision.get("at"))
            if at is None or not since <= at <= until:
                continue
            action = str(decision.get("action") or "")
            label = next((v for k, v in ACTION_LABELS.items() if str(k) == action), action)
            who = self.staff_name(str(decision.get("by") or "")) or ""
            yield rules.Event(at, rules.CLAIM, f"decision:{action}",
                              _short(f"{who} 决定：{label}" + (
                                  f"（{decision['reason']}）" if decision.get("reason") else "")),
                              claim_no=item.claim_no)  # fmt: skip

    def _surveys(self, openid: str, since: float, until: float) -> Iterator[rules.Event]:
        for survey in SurveyItem.by_openid.query(openid):
            started = float(survey.started_at)
            if not since <= started <= until:
                continue
            filled = len(survey.slots or {})
            missing = max(0, 5 - filled) + len(survey.reshoot or [])
            yield rules.Event(started, rules.SURVEY, "started",
                              f"自助查勘 {survey.claim_no} 开始（{_survey_state(survey.state)}，"
                              f"已收 {filled}/5 张）" + ("，已催办" if survey.reminded else ""),
                              claim_no=survey.claim_no,
                              detail={"reminded": bool(survey.reminded),
                                      "missing": missing if survey.state != "submitted" else 0},
                              )  # fmt: skip
            for photo in ClaimPhotoItem.query(survey.claim_no):
                at = float(photo.received_at)
                if since <= at <= until:
                    passed = "未通过质检" if photo.reasons else "已收到"
                    yield rules.Event(at, rules.SURVEY, "photo", f"照片{passed}",
                                      claim_no=survey.claim_no)  # fmt: skip
            if survey.reshoot:
                yield rules.Event(float(survey.last_activity), rules.SURVEY, "reshoot",
                                  f"需补拍 {len(survey.reshoot)} 张", claim_no=survey.claim_no)

    def _ratings(self, ask_ids: list[str], since: float, until: float) -> Iterator[rules.Event]:
        from chalicelib.console.labels import RATING_FLOWS, RATING_SKIP_REASONS
        from chalicelib.store.ratings import RatingItem

        for ask_id in ask_ids:
            item = _get(RatingItem, ask_id)
            if item is None or not since <= float(item.asked_at) <= until:
                continue
            claim_no = item.subject if item.flow == "claim" else ""
            flow = RATING_FLOWS.get(item.flow, item.flow)
            if item.status == "skipped":
                why = RATING_SKIP_REASONS.get(item.skip_reason or "", item.skip_reason or "")
                yield rules.Event(float(item.asked_at), rules.RATING, "skipped",
                                  f"满意度（{flow}）未发送：{why}", claim_no=claim_no)
                continue
            yield rules.Event(float(item.asked_at), rules.RATING, "asked",
                              f"邀请评价（{flow}）", claim_no=claim_no)  # fmt: skip
            if item.score is not None and item.rated_at:
                score = int(item.score)
                comment = f"：{_short(item.comment or '')}" if item.comment else ""
                yield rules.Event(float(item.rated_at), rules.RATING, "rated",
                                  f"评分 {score} 分（{flow}）{comment}", claim_no=claim_no,
                                  detail={"score": score})  # fmt: skip


def _get(model: Any, key: str) -> Any:
    try:
        return model.get(key)
    except DoesNotExist:
        return None


def _short(text: str) -> str:
    text = mask_free_text(" ".join(text.split()))
    return text if len(text) <= TEXT_CHARS else text[: TEXT_CHARS - 1] + "…"


def _epoch(iso: Any) -> float | None:
    if not iso:
        return None
    moment = datetime.fromisoformat(str(iso))
    return (moment if moment.tzinfo else moment.replace(tzinfo=CHINA)).timestamp()


def _day(at: float) -> str:
    return datetime.fromtimestamp(at, CHINA).strftime("%Y-%m-%d")


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at, CHINA).strftime("%H:%M:%S")


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} 秒"
    if seconds < 3600:
        return f"{seconds // 60} 分钟"
    return f"{seconds // 3600} 小时 {seconds % 3600 // 60} 分钟"


def _survey_state(state: str) -> str:
    return {"open": "进行中", "submitted": "已提交", "expired": "已超时"}.get(state, state)
