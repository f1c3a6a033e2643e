"""Withdrawing consent as easily as it was given (PIPL Arts. 15 and 47; privacy notice).

Unfollowing stops every push at once: messages waiting for the customer are dropped, nothing
more is sent (the outbox asks Quotas.pushed) until they follow again, their binding to
policies is removed and a chat with a person ends. "删除我的信息", confirmed, does the same and
also deletes their plain chat records and the pictures sent in them. Policies and claims are
the insurer's records, kept at least five years after the contract ends (Insurance Law Art. 87),
and so are the chat records of a claim or of a sale (traceable online sales) and anything under
a legal hold: they are not deleted here (store/conversations.py Conversations.erase).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chalicelib.service.logs import log_event, ref

if TYPE_CHECKING:
    from chalicelib.media.store import MediaStore
    from chalicelib.store.book import BookStore
    from chalicelib.store.conversations import Conversations
    from chalicelib.store.handoffs import Handoffs
    from chalicelib.store.outbox import HeldMessages
    from chalicelib.store.quotas import Quotas


class ConsentDesk:
    def __init__(
        self,
        book: BookStore,
        quotas: Quotas,
        held: HeldMessages,
        conversations: Conversations,
        handoffs: Handoffs,
        media: Callable[[], MediaStore] | None = None,
    ) -> None:
        self.book = book
        self.quotas = quotas
        self.held = held
        self.conversations = conversations
        self.handoffs = handoffs
        self.media = media

    def withdraw(self, openid: str, erase: bool) -> None:
        if not erase:
            self.quotas.stop_pushes(openid)
        dropped = self.held.drop_all(openid)
        unbound = self.book.unbind(openid)
        self.handoffs.close(openid, "unsubscribed" if not erase else "customer")
        erased = kept = pictures = 0
        if erase:
            erasure = self.conversations.erase(openid)
            erased, kept = erasure.erased, erasure.kept
            pictures = self._erase_pictures(erasure.media_keys)
        log_event("consent.withdrawn", erase=erase, dropped=dropped, unbound=unbound,
                  records=erased, kept=kept, pictures=pictures, user=ref(openid))  # fmt: skip

    def _erase_pictures(self, keys: list[str]) -> int:
        if not keys or self.media is None:
            return 0
        media = self.media()
        return sum(1 for key in dict.fromkeys(keys) if _erased(media, key))


def _erased(media: MediaStore, key: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        return media.erase(key)
    except ClientError as exc:  # gone already (its lifecycle rule, an earlier request)
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return False
        raise
