"""What the dialog may ask of the outside world. Adapters implement these; tests fake them."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from chalicelib.domain.book import BindResult, Claim, Customer, Policy
from chalicelib.domain.survey import SurveyView


class Book(Protocol):
    """The insurer's book: bindings, policies, claims (store/book.py implements it)."""

    def customer_for(self, openid: str) -> Customer | None: ...

    def policies_of(self, customer_id: str) -> list[Policy]: ...

    def policy(self, policy_no: str) -> Policy | None: ...

    def claims_of(self, customer_id: str) -> list[Claim]: ...

    def claim(self, claim_no: str) -> Claim | None: ...

    def try_bind(self, openid: str, identifier: str, id_last6: str) -> BindResult: ...

    def unbind(self, openid: str) -> bool: ...


class Surveys(Protocol):
    """Self-surveys and their photos (store/surveys.py)."""

    def report(
        self, *, claim_no: str, openid: str, policy: Policy, facts: dict[str, Any], at: float
    ) -> SurveyView:
        """Open the claim (REPORTED) and its survey; the same claim_no again changes nothing."""
        ...

    def view(self, claim_no: str) -> SurveyView | None: ...

    def open_survey_of(self, openid: str) -> SurveyView | None:
        """The customer's most recent survey not submitted: open, or expired unfinished."""
        ...

    def receive_photo(
        self, *, claim_no: str, seq: str, openid: str, media_id: str, dedupe_key: str, at: float
    ) -> None:
        """Record a photo as received (once, whatever the retries) before it is checked."""
        ...

    def touch(self, claim_no: str, at: float) -> None:
        """The customer is active on this survey now (expiry and reminders count from here)."""
        ...


class Quotes(Protocol):
    """Where quotes are kept (store/quotes.py)."""

    def save(self, openid: str, quote_input: Any, plans: Any) -> tuple[str, date]:
        """Store a quote; returns its number and the last day it is valid."""
        ...
