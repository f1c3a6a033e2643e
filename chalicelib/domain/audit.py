"""Reading the console's audit log: which entries an auditor asks for, and what each is about.

The log itself is chalicelib/store/audit.py (append-only, hash-chained). An auditor narrows it
by time, by staff member and by kind of action; entries come newest first, a page at a time,
and one request reads a bounded number of entries (the store follows `AuditQuery`). Checking
the chain from the console goes a bounded stretch per request too (VERIFY_*), the page asking
again where the last stretch ended.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.hours import CHINA

# Kinds of action an auditor filters by: the action codes each covers, by prefix (the codes
# are what the code writes: `grep -rn "audit.append\|_audited(" chalicelib devstack`).
KINDS: dict[str, tuple[str, ...]] = {
    "decisions": ("decide:", "sign_off:"),
    "claim_views": ("view_claim",),
    "records": ("records.",),
    "data_requests": ("data_request.",),
    "holds": ("hold:", "retention:"),
    "chats": ("chat_",),
    "staff": ("staff:", "sign_in"),
    "tickets": ("ticket.",),
    "campaigns": ("campaign.",),
}
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_SCANNED = 2000  # entries one request reads at most, matching or not
MAX_WHO_CHARS = 64
# One request of the console's chain check: at most this many entries, and no new read of
# 1,000 after this many seconds (the API's Lambda has 10 s). Measured on moto with 12,000
# entries on a busy 2-core machine: 1,000 entries read and checked in 1-1.5 s, a stretch
# 2,000-3,000 entries in 4-5 s.
# DynamoDB reads 1,000 entries (~0.5 MB) in a consistent query of ~0.1-0.2 s and the hashing
# takes ~0.1 ms an entry, so in AWS a stretch is the whole budget, ~1.5-2.5 s.
VERIFY_ENTRIES = 10000
VERIFY_SECONDS = 3.0
# Entries are numbered in the order they were appended; their times follow that order up to
# the clocks of the instances that appended them (and a retry's few milliseconds): this much.
CLOCK_SLACK_S = 60.0


class AuditRequestError(ValueError):
    """A query of the log that cannot run (English, for staff)."""


@dataclass(frozen=True)
class AuditQuery:
    since: float | None  # epoch seconds, inclusive
    until: float | None  # epoch seconds, inclusive
    who: str
    kind: str
    before: int | None  # the page after the last: entries with a lower sequence number
    limit: int

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> AuditQuery:
        since = _when(params.get("from"), end=False)
        until = _when(params.get("to"), end=True)
        if since is not None and until is not None and since > until:
            raise AuditRequestError("'from' is after 'to'")
        kind = (params.get("kind") or "").strip()
        if kind and kind not in KINDS:
            raise AuditRequestError(f"kind must be one of: {', '.join(KINDS)}")
        who = (params.get("who") or "").strip()
        if len(who) > MAX_WHO_CHARS:
            raise AuditRequestError(f"'who' is longer than {MAX_WHO_CHARS} characters")
        return cls(since, until, who, kind, _positive(params.get("before"), "before", None),
                   min(_positive(params.get("limit"), "limit", DEFAULT_LIMIT) or 1,
                       MAX_LIMIT))  # fmt: skip

    def prefixes(self) -> tuple[str, ...]:
        return KINDS[self.kind] if self.kind else ()

    def matches(self, at: float, who: str, action: str) -> bool:
        if self.since is not None and at < self.since:
            return False
        if self.until is not None and at > self.until:
            return False
        if self.who and who != self.who:
            return False
        return not self.kind or action.startswith(self.prefixes())

    def past_the_range(self, at: float) -> bool:
        """Newest first, an entry this old means no older one can match."""
        return self.since is not None and at < self.since - CLOCK_SLACK_S


def target_of(action: str, claim_no: str | None, detail: Mapping[str, Any]) -> dict[str, str]:
    """What an entry is about: {"type": claim|request|ticket|customer|chat|staff|quote, "id": …}, or
    {} (a sign-in is about its maker)."""
    if claim_no:
        return {"type": "claim", "id": claim_no}
    for key, kind in (("ticket", "request"), ("ticket_no", "ticket"), ("chat", "chat"),
                      ("quote_no", "quote"), ("userid", "staff")):  # fmt: skip
        if detail.get(key):
            return {"type": kind, "id": str(detail[key])}
    if action.startswith("records.") and detail.get("value"):
        return {"type": "customer", "id": str(detail["value"]), "by": str(detail.get("by", ""))}
    if detail.get("customer"):
        return {"type": "customer", "id": str(detail["customer"])}
    return {}


def maker_name(action: str, detail: Mapping[str, Any]) -> str:
    """The staff member's name as the entry recorded it (a staff change's `name` is the
    member changed, not its maker)."""
    if action.startswith("staff:"):
        return ""
    return str(detail.get("name") or "")


def _when(text: str | None, end: bool) -> float | None:
    """A China date (YYYY-MM-DD: its start, or its end) or an ISO time with its offset."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=CHINA)
            return (day + timedelta(days=1)).timestamp() - 0.001 if end else day.timestamp()
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise AuditRequestError(f"{text!r}: a date (YYYY-MM-DD) or an ISO time") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    return moment.timestamp()


def _positive(text: str | None, name: str, default: int | None) -> int | None:
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise AuditRequestError(f"'{name}' is a positive number")
    return int(text)
