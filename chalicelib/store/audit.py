"""The console's audit log: append-only and hash-chained (who, when, what, from where).

Each entry's hash covers its content and the previous entry's hash, so removing or editing an
entry breaks the chain at that point (`verify`). Entries are appended with a conditional put on
the next sequence number; two appenders racing for it retry with the new head. A change that must
never happen unaudited is written with its entry in one transaction (`append(..., also=...)`).

Reading: `page` (the console's audit page: filtered, newest first, a bounded number of entries
read per request) and `walk` (the chain check, whole for `claimbot audit verify`, in bounded
stretches for the console).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.audit import CLOCK_SLACK_S, MAX_SCANNED, AuditQuery
from chalicelib.store.models import AuditEntry, condition_failed

CHAIN = "console"
GENESIS = "0" * 64
RETRIES = 10
WALK_CHUNK = 1000  # entries a bounded walk reads at a time


def entry_hash(prev_hash: str, body: dict[str, Any]) -> str:
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


class AuditLog:
    def __init__(self, clock: Callable[[], float] = time.time, chain: str = CHAIN) -> None:
        self.clock = clock
        self.chain = chain

    def append(
        self,
        who: str,
        role: str,
        action: str,
        claim_no: str | None = None,
        detail: dict[str, Any] | None = None,
        source_ip: str | None = None,
        user_agent: str | None = None,
        *,
        also: Callable[[TransactWrite], None] | None = None,
    ) -> AuditEntry:
        """Append one entry. `also` adds writes to the same transaction (the entry first): all
        happen or none; a TransactWriteError whose reason is not the entry's is the caller's."""
        body: dict[str, Any] = {
            "at": round(self.clock(), 3),
            "who": who,
            "role": role,
            "action": action,
            "claim_no": claim_no,
            "detail": detail or {},
            "source_ip": source_ip,
            "user_agent": (user_agent or "")[:200] or None,
        }
        for _ in range(RETRIES):
            head = self._head()
            seq = head.seq + 1 if head else 1
            prev = head.hash if head else GENESIS
            entry = AuditEntry(
                chain=self.chain, seq=seq, prev_hash=prev, hash=entry_hash(prev, body), **body
            )
            try:
                if also is None:
                    entry.save(condition=AuditEntry.seq.does_not_exist())
                else:
                    self._save_with(entry, also)
                return entry
            except PutError as exc:
                if not condition_failed(exc):
                    raise
            except TransactWriteError as exc:
                if not _lost_the_head(exc):
                    raise
        raise RuntimeError("could not append to the audit log: too much contention")

    def entries(self, claim_no: str | None = None, limit: int = 200) -> list[AuditEntry]:
        """Newest first; only one claim's when claim_no is given."""
        condition = AuditEntry.claim_no == claim_no if claim_no else None
        found = AuditEntry.query(
            self.chain, filter_condition=condition, scan_index_forward=False, page_size=500
        )
        out = []
        for entry in found:
            out.append(entry)
            if len(out) >= limit:
                break
        return out

    def page(self, query: AuditQuery) -> AuditPage:
        """Entries matching `query`, newest first: at most `query.limit` of them, reading at
        most MAX_SCANNED. `before` is where the next page starts (None: no older entry can
        match). A time range starts where it ends (a binary search over the sequence numbers,
        whose times follow their order), not at the newest entry."""
        start = query.before
        if start is None and query.until is not None:
            start = self._newest_not_after(query.until + CLOCK_SLACK_S) + 1
            if start <= 1:
                return AuditPage([], None, 0)
        found = AuditEntry.query(
            self.chain, AuditEntry.seq < start if start is not None else None,
            scan_index_forward=False, limit=MAX_SCANNED, page_size=min(MAX_SCANNED, 500),
        )  # fmt: skip
        matched: list[AuditEntry] = []
        scanned, last = 0, None
        for entry in found:
            scanned, last = scanned + 1, int(entry.seq)
            if query.past_the_range(float(entry.at)):
                return AuditPage(matched, None, scanned)
            if query.matches(float(entry.at), entry.who, entry.action):
                matched.append(entry)
                if len(matched) >= query.limit:
                    return AuditPage(matched, last if last > 1 else None, scanned)
        more = scanned >= MAX_SCANNED and last is not None and last > 1
        return AuditPage(matched, last if more else None, scanned)

    def _newest_not_after(self, moment: float) -> int:
        """The highest sequence number whose entry (or the nearest one below it) is not after
        `moment`; 0 when every entry is after it."""
        head = self._head()
        if head is None:
            return 0
        if float(head.at) <= moment:
            return int(head.seq)
        low, high = 0, int(head.seq)  # low: not after (or nothing there); high: after
        while high - low > 1:
            middle = (low + high) // 2
            below = self._get(middle, consistent=False) or self._at_or_below(middle)
            if below is None or float(below.at) <= moment:
                low = middle
            else:
                high = middle
        return low

    def _at_or_below(self, seq: int) -> AuditEntry | None:
        for entry in AuditEntry.query(
            self.chain, AuditEntry.seq <= seq, scan_index_forward=False, limit=1
        ):
            return entry
        return None

    def verify(self) -> int | None:
        """The first sequence number whose entry does not chain, or None when all do."""
        broken = self.check()[1]
        return broken.seq if broken is not None else None

    def check(self) -> tuple[int, Broken | None]:
        """(entries that hold, the first broken link or None), walking the whole chain."""
        walked = self.walk()
        return walked.checked, walked.broken

    def walk(
        self, after: int = 0, budget: int | None = None, seconds: float | None = None
    ) -> Walked:
        """Check the chain from the entry after `after` (0: from the first) until it breaks or
        ends or, when given, `budget` entries have held or `seconds` have passed (`more`: go on
        after `last`). Bounded walks read WALK_CHUNK entries at a time and start no new read
        after `seconds`. Each entry must be the next number, carry the previous entry's hash,
        and hash to its own content with it."""
        deadline = time.monotonic() + seconds if seconds is not None else None
        prev, expected = GENESIS, 1
        if after:
            start = self._get(after)
            if start is None:
                return Walked(0, after - 1, Broken(after, f"entry {after} is missing"))
            prev, expected = start.hash, after + 1
        checked, last = 0, after
        while True:
            chunk = None if budget is None else min(WALK_CHUNK, budget - checked)
            read = 0
            for entry in AuditEntry.query(
                self.chain, AuditEntry.seq > last if last else None, consistent_read=True,
                limit=chunk, page_size=chunk,
            ):  # fmt: skip
                read += 1
                broken = _broken_link(entry, prev, expected)
                if broken is not None:
                    return Walked(checked, last, broken)
                prev, expected, checked, last = entry.hash, expected + 1, checked + 1, expected
            if chunk is None or read < chunk:
                return Walked(checked, last, None)  # the end of the chain
            if checked >= (budget or 0) or (deadline is not None and time.monotonic() > deadline):
                return Walked(checked, last, None, more=True)

    def head_seq(self) -> int:
        head = self._head()
        return int(head.seq) if head is not None else 0

    @staticmethod
    def _save_with(entry: AuditEntry, also: Callable[[TransactWrite], None]) -> None:
        with TransactWrite(connection=AuditEntry._get_connection().connection) as transaction:
            transaction.save(entry, condition=AuditEntry.seq.does_not_exist())
            also(transaction)

    def _get(self, seq: int, consistent: bool = True) -> AuditEntry | None:
        try:
            return AuditEntry.get(self.chain, seq, consistent_read=consistent)
        except AuditEntry.DoesNotExist:
            return None

    def _head(self) -> AuditEntry | None:
        for entry in AuditEntry.query(
            self.chain, scan_index_forward=False, limit=1, consistent_read=True
        ):
            return entry
        return None


@dataclass(frozen=True)
class Broken:
    seq: int
    why: str


@dataclass(frozen=True)
class Walked:
    """How far a walk of the chain got: `checked` entries held, the last of them `last`."""

    checked: int
    last: int
    broken: Broken | None
    more: bool = False


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    before: int | None  # the next page: entries below this number; None: no more can match
    scanned: int


def _broken_link(entry: AuditEntry, prev: str, expected: int) -> Broken | None:
    """Why `entry`, read where entry `expected` should be after one hashed `prev`, breaks the
    chain; None when it holds."""
    seq = int(entry.seq)
    if seq != expected:
        return Broken(expected, f"entry {expected} is missing")
    if entry.prev_hash != prev:
        return Broken(seq, "does not carry the previous entry's hash")
    if entry.hash != entry_hash(prev, _body(entry)):
        return Broken(seq, "its content does not match its hash (edited)")
    return None


def _body(entry: AuditEntry) -> dict[str, Any]:
    """What an entry's hash covers, as `append` wrote it."""
    return {
        "at": entry.at,
        "who": entry.who,
        "role": entry.role,
        "action": entry.action,
        "claim_no": entry.claim_no,
        "detail": entry.detail or {},
        "source_ip": entry.source_ip,
        "user_agent": entry.user_agent,
    }


def _lost_the_head(exc: TransactWriteError) -> bool:
    """Another entry took this sequence number (the transaction's first item) first."""
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return bool(reasons) and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed"
