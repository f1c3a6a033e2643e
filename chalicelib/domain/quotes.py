"""Quote numbers and validity (pure)."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

VALID_DAYS = 30


def quote_number(day: date, dedupe_key: str) -> str:
    """Q + the day of the quote + 8 digits from the message: the same message always names the
    same quote, so deciding it again stores nothing twice."""
    digest = int(hashlib.sha256(dedupe_key.encode()).hexdigest(), 16) % 10**8
    return f"Q{day:%Y%m%d}{digest:08d}"


def valid_until(today: date) -> date:
    return today + timedelta(days=VALID_DAYS)
