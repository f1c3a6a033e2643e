"""Keeps a customer's records as long as the claim or the sale they belong to requires.

When a claim is reported in the chat, the customer's conversation of that period (a day before
the accident, at most 30 days back, to the report) becomes the claim's: kept 5 years after the
policy ends, and the pictures it points at are re-tagged `retention=claim`. When the survey's
packet is submitted, what was said since the report joins it. When a quote is given, the day of
conversation before it becomes the sale's (可回溯). The licence photo stays short-lived
(`retention=quote`) unless the quote is bought (`quote_bought`). Records are only ever kept
longer, never shorter, and a held claim's photos stay held (domain/retention.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING

from chalicelib.domain import retention as rt
from chalicelib.domain.hours import CHINA
from chalicelib.service.logs import log_event, ref
from chalicelib.store.holds import if_there as _if_there

if TYPE_CHECKING:
    from chalicelib.media.store import MediaStore
    from chalicelib.store.conversations import Conversations


class RecordKeeper:
    def __init__(
        self,
        policy: rt.RetentionPolicy,
        conversations: Conversations,
        media: Callable[[], MediaStore] | None = None,
        is_held: Callable[[str], bool] = lambda _claim_no: False,
    ) -> None:
        self.policy = policy
        self.conversations = conversations
        self.media = media
        self.is_held = is_held

    def claim_reported(
        self, claim_no: str, openid: str, contract_end: date, accident_at: str | None, at: float
    ) -> int:
        """The conversation that led to the report becomes the claim's; returns until when."""
        since, until = rt.claim_period(_moment(accident_at), at)
        keep_until = self.policy.claim_until(contract_end, at)
        photos = self.conversations.keep(openid, since, until, rt.CLAIM, claim_no, keep_until)
        self._retag(photos, rt.CLAIM)
        log_event("retention.claim", claim=ref(claim_no), photos=len(photos))
        return keep_until

    def survey_submitted(
        self, claim_no: str, openid: str, contract_end: date, reported_at: float, at: float,
        files: list[str],
    ) -> None:  # fmt: skip
        """What was said from the report to the packet joins the claim's records; when the
        claim is held, its new `files` (photos, packet) and records are held at once."""
        keep_until = self.policy.claim_until(contract_end, reported_at)
        photos = self.conversations.keep(openid, reported_at, at, rt.CLAIM, claim_no, keep_until)
        self._retag(photos, rt.CLAIM)
        if self.is_held(claim_no) and self.media is not None:
            media = self.media()
            _count, kept = self.conversations.hold(openid, claim_no)
            for key in dict.fromkeys([*files, *kept]):
                _if_there(media.hold, key)

    def quote_given(self, quote_no: str, openid: str, valid_until: date, at: float) -> int:
        """The quote's conversation becomes a sale record (可回溯); returns until when. Its
        licence photo keeps `retention=quote` until the quote is bought."""
        keep_until = self.policy.sale_until(valid_until)
        self.conversations.keep(openid, at - rt.QUOTE_LOOKBACK_S, at, rt.SALE, quote_no,
                                keep_until)  # fmt: skip
        return keep_until

    def quote_bought(self, quote_no: str, openid: str, at: float, contract_end: date) -> int:
        """The quote became a policy ending `contract_end`: its conversation and its licence
        photo are kept 5 years after that (the photo re-tagged `retention=sale`)."""
        keep_until = self.policy.sold_until(contract_end)
        self.conversations.keep(openid, at - rt.QUOTE_LOOKBACK_S, at, rt.SALE, quote_no,
                                keep_until)  # fmt: skip
        self._retag(self._photos_of(openid, at), rt.SALE)
        return keep_until

    def _photos_of(self, openid: str, at: float) -> list[str]:
        """Pictures of the quote's conversation: the licence photo among them."""
        records = self.conversations.between(openid, at - rt.QUOTE_LOOKBACK_S, at)
        return [r.media_key for r in records if r.media_key]

    def _retag(self, keys: Iterable[str], retention: str) -> None:
        if self.media is None:
            return
        media = self.media()
        for key in keys:
            _if_there(lambda k: _raise_to(media, k, retention), key)


def _raise_to(media: MediaStore, key: str, retention: str) -> None:
    """Give the object `retention` unless it is held or has it already."""
    if media.retention(key) not in (rt.HELD, retention):
        media.set_retention(key, retention)


def _moment(iso: str | None) -> datetime | None:
    if not iso:
        return None
    moment = datetime.fromisoformat(iso)
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA)
