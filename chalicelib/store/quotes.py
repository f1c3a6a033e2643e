"""Quotes given to customers, with what they were based on."""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from chalicelib.store.models import QuoteItem

VALID_DAYS = 30
CHINA = timezone(timedelta(hours=8))


def _plain(value: Any) -> Any:
    """Dataclasses, Decimals and dates as JSON-friendly values."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal | date):
        return str(value)
    return value


class QuoteStore:
    """Implements the dialog's Quotes port (chalicelib/dialog/ports.py)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    def save(self, openid: str, quote_input: Any, plans: Any) -> tuple[str, date]:
        now = self.clock()
        today = datetime.fromtimestamp(now, UTC).astimezone(CHINA).date()
        valid_until = today + timedelta(days=VALID_DAYS)
        quote_no = f"Q{today:%Y%m%d}{secrets.randbelow(10**8):08d}"
        QuoteItem(
            quote_no=quote_no,
            openid=openid,
            created_at=now,
            valid_until=valid_until.isoformat(),
            quote_input=_plain(quote_input),
            plans=_plain(plans),
            expires_at=int(now + (VALID_DAYS + 365) * 86400),
        ).save(condition=QuoteItem.quote_no.does_not_exist())
        return quote_no, valid_until

    def get(self, quote_no: str) -> QuoteItem:
        return QuoteItem.get(quote_no)
