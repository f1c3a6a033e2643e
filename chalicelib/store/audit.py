"""The console's audit log: append-only and hash-chained (who, when, what, from where).

Each entry's hash covers its content and the previous entry's hash, so removing or editing an
entry breaks the chain at that point (`verify`). Entries are appended with a conditional put on
the next sequence number; two appenders racing for it retry with the new head. A change that must
never happen unaudited is written with its entry in one transaction (`append(..., also=...)`).
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

from chalicelib.store.models import AuditEntry, condition_failed

CHAIN = "console"
GENESIS = "0" * 64
RETRIES = 10


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

    def verify(self) -> int | None:
        """The first sequence number whose entry does not chain, or None when all do."""
        broken = self.check()[1]
        return broken.seq if broken is not None else None

    def check(self) -> tuple[int, Broken | None]:
        """(entries that hold, the first broken link or None), walking the whole chain."""
        prev, expected, checked = GENESIS, 1, 0
        for entry in AuditEntry.query(self.chain, consistent_read=True):
            seq = int(entry.seq)
            if seq != expected:
                return checked, Broken(expected, f"entry {expected} is missing")
            if entry.prev_hash != prev:
                return checked, Broken(seq, "does not carry the previous entry's hash")
            if entry.hash != entry_hash(prev, _body(entry)):
                return checked, Broken(seq, "its content does not match its hash (edited)")
            prev, expected, checked = entry.hash, seq + 1, checked + 1
        return checked, None

    @staticmethod
    def _save_with(entry: AuditEntry, also: Callable[[TransactWrite], None]) -> None:
        with TransactWrite(connection=AuditEntry._get_connection().connection) as transaction:
            transaction.save(entry, condition=AuditEntry.seq.does_not_exist())
            also(transaction)

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
