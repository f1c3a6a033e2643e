"""Withdrawing consent as easily as it was given (PIPL Arts. 15 and 47; privacy notice).

Unfollowing stops every push at once: messages waiting for the customer are dropped, nothing
more is sent (the outbox asks Quotas.pushed) until they follow again, their binding to
policies is removed and a chat with a person ends. "删除我的信息", confirmed, does the same and
also deletes their conversation records. Policies and claims are the insurer's records, kept at
least five years after the contract ends (Insurance Law Art. 87): they are not deleted here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.service.logs import log_event, ref

if TYPE_CHECKING:
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
    ) -> None:
        self.book = book
        self.quotas = quotas
        self.held = held
        self.conversations = conversations
        self.handoffs = handoffs

    def withdraw(self, openid: str, erase: bool) -> None:
        if not erase:
            self.quotas.stop_pushes(openid)
        dropped = self.held.drop_all(openid)
        unbound = self.book.unbind(openid)
        self.handoffs.close(openid, "unsubscribed" if not erase else "customer")
        erased = self.conversations.erase(openid) if erase else 0
        log_event("consent.withdrawn", erase=erase, dropped=dropped, unbound=unbound,
                  records=erased, user=ref(openid))  # fmt: skip
