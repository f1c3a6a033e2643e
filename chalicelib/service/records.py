"""Conversation records for staff: find a customer's conversation, read it, export it, and
every search and export in the audit log (domain/records.py: who may see what).

A search names one customer (openid, claim number, policy number or plate, typed in full) and
a period; it reads that customer's records by key (openid, then record_id = time) with the
keyword filtered inside them, bounded and paged: no scan, no search engine of our own. Full-text
search across all customers would be an optional OpenSearch domain fed from the conversations
table's stream (docs/RECORDS.md); nothing here needs it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.domain import records as rules
from chalicelib.domain.masking import mask_free_text
from chalicelib.service.logs import ref
from chalicelib.store.models import ConversationRecord

if TYPE_CHECKING:
    from chalicelib.console.auth import Staff
    from chalicelib.console.service import Source
    from chalicelib.store.audit import AuditLog
    from chalicelib.store.book import BookStore

EXPORT_COLUMNS = ("time", "customer", "direction", "who", "type", "content")
WHO = {"in": "客户", "out": "公众号"}


class RecordsDesk:
    def __init__(
        self,
        book: BookStore,
        audit: AuditLog,
        staff_name: Callable[[str], str | None],
        photo_link: Callable[[str], str] | None = None,
        team_of: Callable[[str], list[str]] = lambda staff_id: [staff_id],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.book = book
        self.audit = audit
        self.staff_name = staff_name
        self.photo_link = photo_link  # a short-lived link to a stored picture (S3 key)
        self.team_of = team_of  # a member's team, themselves included (the staff table)
        self.clock = clock

    def search(
        self, staff: Staff, params: Mapping[str, str], source: Source
    ) -> dict[str, Any]:
        query, openids, unmasked = self._authorised(staff, params)
        rows, after = self._read(query, openids, params.get("after") or "", unmasked)
        self._audit(staff, "records.search", query, params, len(rows), unmasked, source)
        return {"records": rows, "next": after, "masked": not unmasked,
                "customers": len(openids)}  # fmt: skip

    def export_csv(self, staff: Staff, params: Mapping[str, str], source: Source) -> bytes:
        """The whole period's records (up to 10 pages) as CSV."""
        query, openids, unmasked = self._authorised(staff, params)
        rows = self._all(query, openids, unmasked)
        self._audit(staff, "records.export", query, params, len(rows), unmasked, source)
        return rules.csv_bytes(EXPORT_COLUMNS, rows)

    def transcript_html(self, staff: Staff, params: Mapping[str, str], source: Source) -> str:
        """A print-ready transcript for a dispute file: who said what when, where a person
        joined and left, photos as short-lived links; masked unless unmasked with a reason."""
        from chalicelib.console.transcript import render_transcript

        query, openids, unmasked = self._authorised(staff, params)
        rows = self._all(query, openids, unmasked)
        self._audit(staff, "records.print", query, params, len(rows), unmasked, source)
        return render_transcript(rows, query, staff.name, unmasked, self.clock())

    def _all(
        self, query: rules.RecordQuery, openids: list[str], unmasked: bool
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        after = ""
        while True:
            page, after = self._read(query, openids, after, unmasked)
            rows += page
            if not after or len(rows) >= 10 * rules.MAX_LIMIT:
                return rows

    # --- who may see what ----------------------------------------------------------------

    def _authorised(
        self, staff: Staff, params: Mapping[str, str]
    ) -> tuple[rules.RecordQuery, list[str], bool]:
        from chalicelib.console.auth import Forbidden
        from chalicelib.console.service import BadRequest

        scope = rules.scope_for(staff.roles)
        if scope is None:
            raise Forbidden(f"your role ({staff.role or 'none'}) may not search conversation "
                            "records: agents, supervisors and auditors may")  # fmt: skip
        try:
            query = rules.RecordQuery.parse(params, self.clock())
        except rules.RecordsRequestError as exc:
            raise BadRequest(str(exc)) from exc
        reason = (params.get("reason") or "").strip()
        if reason and not rules.may_unmask(staff.roles, reason):
            raise Forbidden("only an auditor may see personal data unmasked, with a reason "
                            "of at least 4 characters")  # fmt: skip
        openids = self._customers(query)
        if scope != rules.ALL:
            members = [staff.id] if scope == rules.HANDLED else self.team_of(staff.id)
            handled = self._handled_by(members)
            if any(o not in handled for o in openids):
                raise Forbidden("outside your scope: " + (
                    "you did not take part in this customer's conversation"
                    if scope == rules.HANDLED else
                    "no one in your team took part in this customer's conversation (teams: "
                    "claimbot staff set-team); ask an auditor"))  # fmt: skip
        return query, openids, bool(reason)

    @staticmethod
    def _handled_by(staff_ids: list[str]) -> set[str]:
        """The customers whose conversations these staff members said something in (each
        member's index entries read once)."""
        return {r.openid for staff_id in dict.fromkeys(staff_ids)
                for r in ConversationRecord.by_staff.query(staff_id)}  # fmt: skip

    def customers_named(self, query: rules.RecordQuery) -> list[str]:
        """The WeChat users a search names, for other desks (service paths) that name a
        customer as a records search does; scopes are theirs to check."""
        return self._customers(query)

    def _customers(self, query: rules.RecordQuery) -> list[str]:
        """The WeChat users the identifier names (a customer may have bound several)."""
        if query.by == "openid":
            return [query.value]
        customer_ids: set[str] = set()
        if query.by == "claim":
            claim = self.book.claim(query.value.upper())
            customer_ids = {claim.customer_id} if claim is not None else set()
        elif query.by == "policy":
            policy = self.book.policy(query.value.upper())
            customer_ids = {policy.customer_id} if policy is not None else set()
        elif query.by == "plate":
            customer_ids = {p.customer_id for p in self.book.policies_with_plate(query.value)}
        elif query.by == "phone":
            customer_ids = self.book.customers_with_phone(query.value)
        return sorted({o for c in customer_ids for o in self.book.openids_of(c)})

    # --- reading ---------------------------------------------------------------------------

    def _read(
        self, query: rules.RecordQuery, openids: list[str], after: str, unmasked: bool
    ) -> tuple[list[dict[str, Any]], str]:
        """One page, oldest first, customer by customer; the cursor to the next page ("")."""
        start, resume = _cursor(after, openids)
        rows: list[dict[str, Any]] = []
        for index in range(start, len(openids)):
            openid = openids[index]
            low = resume if index == start and resume else f"{query.since_ms:013d}"
            condition = ConversationRecord.record_id.between(low, f"{query.until_ms:013d}~")
            keyword = (ConversationRecord.content.contains(query.keyword)
                       if query.keyword else None)  # fmt: skip
            for record in ConversationRecord.query(openid, range_key_condition=condition,
                                                   filter_condition=keyword):  # fmt: skip
                rows.append(self._row(record, unmasked))
                if len(rows) >= query.limit:
                    return rows, f"{index}:{record.record_id}\x00"
        return rows, ""

    def _row(self, record: ConversationRecord, unmasked: bool) -> dict[str, Any]:
        content = record.content or ""
        if not unmasked:  # plates, VINs, ID and card numbers; phones too
            content = mask_free_text(content)
        who = WHO.get(record.direction, record.direction)
        if record.staff_id:
            who = f"人工客服 {self.staff_name(record.staff_id) or record.staff_id}"
        photo = (self.photo_link(record.media_key)
                 if _stored(record.media_key) and self.photo_link is not None else "")  # fmt: skip
        return {
            "time": rules.record_time(record.record_id),
            "customer": record.openid if unmasked else ref(record.openid),
            "direction": record.direction,
            "who": who,
            "staff": bool(record.staff_id),
            "type": record.msg_type,
            "channel": record.channel,
            "content": content,
            "photo": photo,
            "id": record.record_id,
            # The message a record belongs to, as a reference: a photo's record from the webhook
            # and its saved copy's record (the worker's) share it, so the console shows it once.
            "message": ref(record.dedupe_key) if record.dedupe_key else "",
        }

    def _audit(
        self, staff: Staff, action: str, query: rules.RecordQuery, params: Mapping[str, str],
        count: int, unmasked: bool, source: Source,
    ) -> None:  # fmt: skip
        detail = {"by": query.by, "value": ref(query.value), "keyword": bool(query.keyword),
                  "from": params.get("from") or "", "to": params.get("to") or "",
                  "count": count, "unmasked": unmasked,
                  "reason": (params.get("reason") or "").strip()}  # fmt: skip
        self.audit.append(staff.id, staff.role, action, None, detail, source.ip,
                          source.user_agent)  # fmt: skip


def _stored(media_key: str | None) -> bool:
    """Whether a record's media key names a picture claimbot saved (an S3 key such as
    ``inbound/<day>/<ref>/<id>.jpg``), not WeChat's temporary media id, which no link can open."""
    return bool(media_key) and "/" in str(media_key)


def _cursor(after: str, openids: list[str]) -> tuple[int, str]:
    """"3:<record_id>\\x00" -> (3, "<record_id>\\x00"): resume after that record."""
    if not after:
        return 0, ""
    index, _, record_id = after.partition(":")
    if not index.isdigit() or int(index) >= len(openids):
        return len(openids), ""
    return int(index), record_id
