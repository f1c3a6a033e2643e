"""Quotes given to customers, with what they were based on."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import PutError

from chalicelib.domain.quotes import VALID_DAYS
from chalicelib.store.models import QuoteItem, condition_failed

if TYPE_CHECKING:
    from chalicelib.service.keeper import RecordKeeper

KEEP_AFTER_VALID_S = 365 * 86400  # without a RecordKeeper (tests of the dialog alone)


class QuoteStore:
    """Implements the dialog's Quotes port (chalicelib/dialog/ports.py)."""

    def __init__(
        self, clock: Callable[[], float] = time.time, keeper: RecordKeeper | None = None
    ) -> None:
        self.clock = clock
        self.keeper = keeper  # a quote is a sale record (可回溯), its conversation too

    def save(
        self,
        quote_no: str,
        openid: str,
        quote_input: dict[str, Any],
        plans: list[Any],
        valid_until: str,
        at: float,
    ) -> None:
        expires_at = int(at + VALID_DAYS * 86400 + KEEP_AFTER_VALID_S)
        if self.keeper is not None:
            valid = date.fromisoformat(valid_until)
            expires_at = self.keeper.quote_given(quote_no, openid, valid, at)
        item = QuoteItem(
            quote_no=quote_no,
            openid=openid,
            created_at=at,
            valid_until=valid_until,
            quote_input=quote_input,
            plans=plans,
            expires_at=expires_at,
        )
        try:
            item.save(condition=QuoteItem.quote_no.does_not_exist())
        except PutError as exc:
            if not condition_failed(exc):
                raise  # the same quote saved already: the number comes from the message

    def get(self, quote_no: str) -> QuoteItem:
        return QuoteItem.get(quote_no)
