"""What the dialog may ask of the outside world. Adapters implement these; tests fake them."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from chalicelib.domain.book import BindResult, Claim, Customer, Policy


class Book(Protocol):
    """The insurer's book: bindings, policies, claims (store/book.py implements it)."""

    def customer_for(self, openid: str) -> Customer | None: ...

    def policies_of(self, customer_id: str) -> list[Policy]: ...

    def claims_of(self, customer_id: str) -> list[Claim]: ...

    def claim(self, claim_no: str) -> Claim | None: ...

    def try_bind(self, openid: str, identifier: str, id_last6: str) -> BindResult: ...

    def unbind(self, openid: str) -> bool: ...


class Quotes(Protocol):
    """Where quotes are kept (store/quotes.py)."""

    def save(self, openid: str, quote_input: Any, plans: Any) -> tuple[str, date]:
        """Store a quote; returns its number and the last day it is valid."""
        ...
