"""Conversation records for staff: who may search what, and exports a spreadsheet opens safely.

Scopes by role (a request outside them is refused with the reason, never silently filtered):
- auditor: every conversation; personal data unmasked only with a reason, which is recorded;
- supervisor: every conversation a person took part in (their team's, the agents'), masked;
- agent: the conversations they handled (they said something in them), masked;
- adjuster: none here (claims carry what an adjuster needs).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.hours import CHINA

MAX_LIMIT = 200
MAX_RANGE_DAYS = 366
FIND_BY = ("openid", "claim", "policy", "plate", "phone")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"

MIN_UNMASK_REASON_CHARS = 4
ALL, TEAM, HANDLED = "all", "team", "handled"  # scopes: everyone's, the team's, one's own


class RecordsRequestError(ValueError):
    """A query that cannot run (English, for staff and operators)."""


@dataclass(frozen=True)
class RecordQuery:
    by: str
    value: str
    keyword: str
    since_ms: int
    until_ms: int
    limit: int

    @classmethod
    def parse(cls, params: Mapping[str, str], now: float) -> RecordQuery:
        by, value = params.get("by", ""), (params.get("value") or "").strip()
        if by not in FIND_BY:
            raise RecordsRequestError(f"find by one of: {', '.join(FIND_BY)}")
        if not value:
            raise RecordsRequestError("give the customer's identifier, typed in full")
        until = _day(params.get("to"), now, end=True)
        since = _day(params.get("from"), now - 30 * 86400, end=False)
        if since > until:
            raise RecordsRequestError("'from' is after 'to'")
        if until - since > MAX_RANGE_DAYS * 86400 * 1000:
            raise RecordsRequestError(f"at most {MAX_RANGE_DAYS} days at a time")
        try:
            limit = min(max(int(params.get("limit") or 50), 1), MAX_LIMIT)
        except ValueError as exc:
            raise RecordsRequestError("'limit' is a number") from exc
        keyword = (params.get("q") or "").strip()[:50]
        return cls(by, value, keyword, since, until, limit)


def _day(text: str | None, default: float, end: bool) -> int:
    """A China date (YYYY-MM-DD) as epoch ms at its start (or end)."""
    if not text:
        return int(default * 1000)
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=CHINA)
    except ValueError as exc:
        raise RecordsRequestError(f"{text!r}: dates are YYYY-MM-DD") from exc
    if end:
        day += timedelta(days=1)
    return int(day.timestamp() * 1000) - (1 if end else 0)


def scope_for(roles: Sequence[str]) -> str | None:
    """The widest scope of the roles; None: may not search records."""
    if "auditor" in roles:
        return ALL
    if "supervisor" in roles:
        return TEAM
    if "agent" in roles:
        return HANDLED
    return None


def unmask_allowed(roles: Sequence[str]) -> bool:
    """Whether the roles may ever see personal data unmasked (each time with a reason)."""
    return "auditor" in roles


def may_unmask(roles: Sequence[str], reason: str) -> bool:
    return unmask_allowed(roles) and len(reason.strip()) >= MIN_UNMASK_REASON_CHARS


def neutralise(cell: object) -> str:
    """A cell a spreadsheet shows as text: one that starts like a formula gets a quote first."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> bytes:
    """UTF-8 with a BOM (Excel then reads Chinese right), every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(row.get(c)) for c in columns])
    return (BOM + out.getvalue()).encode("utf-8")


def record_time(record_id: str) -> str:
    """``1733460000123#in#ab12`` -> ``2024-12-06 12:40:00`` (China time)."""
    millis = int(record_id.split("#", 1)[0])
    return datetime.fromtimestamp(millis / 1000, CHINA).strftime("%Y-%m-%d %H:%M:%S")
