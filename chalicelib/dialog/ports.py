"""What the dialog may ask of the outside world. Adapters implement these; tests fake them."""

from __future__ import annotations

from typing import Protocol

from chalicelib.domain.book import BindResult, Claim, Customer, Policy


class Book(Protocol):
    """The insurer's book: bindings, policies, claims (store/book.py implements it)."""

    def customer_for(self, openid: str) -> Customer | None: ...

    def policies_of(self, customer_id: str) -> list[Policy]: ...

    def claims_of(self, customer_id: str) -> list[Claim]: ...

    def claim(self, claim_no: str) -> Claim | None: ...

    def try_bind(self, openid: str, identifier: str, id_last6: str) -> BindResult: ...

    def unbind(self, openid: str) -> bool: ...
