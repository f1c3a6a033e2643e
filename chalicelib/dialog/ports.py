"""What the dialog may ask of the outside world. Adapters implement these; tests fake them.

Reads happen while deciding; writes only through the effects an Outcome carries, which
dialog/effects.py applies with these ports after the session is saved.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.book import BindResult, Claim, Customer, Policy
from chalicelib.domain.survey import SurveyView

if TYPE_CHECKING:  # the knowledge base's matcher is imported when first asked, not at start
    from chalicelib.domain.kb import Entry, KbResult


class Book(Protocol):
    """The insurer's book: bindings, policies, claims (store/book.py implements it)."""

    def customer_for(self, openid: str) -> Customer | None: ...

    def policies_of(self, customer_id: str) -> list[Policy]: ...

    def policy(self, policy_no: str) -> Policy | None: ...

    def claims_of(self, customer_id: str) -> list[Claim]: ...

    def claim(self, claim_no: str) -> Claim | None: ...

    def try_bind(self, openid: str, identifier: str, id_answer: str, attempt: str) -> BindResult:
        """Bind if the facts match (`id_answer`: the ID's last 6, or the whole ID number); a
        failure counts once per `attempt` (the message's dedupe key), however often the same
        message is decided."""
        ...

    def unbind(self, openid: str) -> bool: ...

    def set_reminders(self, openid: str, on: bool) -> bool:
        """Renewal reminders on or off for a bound WeChat user (False: not bound)."""
        ...


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

    def save(
        self,
        quote_no: str,
        openid: str,
        quote_input: dict[str, Any],
        plans: list[Any],
        valid_until: str,
        at: float,
    ) -> None:
        """Store a quote once under its number (a second save of the same number is a no-op)."""
        ...


class Handoffs(Protocol):
    """Conversations with people (store/handoffs.py)."""

    def open(self, openid: str, channel: str, reason: str) -> tuple[Any, bool]:
        """Start a handoff unless one is open: (the open handoff, whether it is new)."""
        ...

    def close(self, openid: str, ended_by: str) -> bool:
        """End the customer's open handoff, if any (False: there was none)."""
        ...

    def queue_relay(self, openid: str, seq: str, said: str) -> None:
        """Keep what the customer said (JSON) on their handoff until it is relayed."""
        ...


class KbMisses(Protocol):
    """The log of questions the knowledge base was not sure of (store/kb_misses.py)."""

    def record(
        self, day: str, miss_id: str, question: str, outcome: str, offered: list[str], at: float
    ) -> None:
        """Keep one miss (the same id again changes nothing)."""
        ...

    def follow_up(self, day: str, miss_id: str, chose: str) -> None:
        """Note what the customer did next (only the first step after the miss is kept)."""
        ...


class Consent(Protocol):
    """Withdrawing consent (service/consent.py): as easy as giving it (PIPL Art. 15, 47)."""

    def withdraw(self, openid: str, erase: bool) -> None: ...


class Subscriptions(Protocol):
    """退订 / 订阅 of campaigns (store/push_budget.py PushBudget); each idempotent."""

    def opt_out(self, openid: str) -> bool: ...

    def opt_in(self, openid: str) -> bool: ...


class Ratings(Protocol):
    """Satisfaction questions and their answers (store/ratings.py)."""

    def rate(self, ask_id: str, score: int, comment: str, at: float) -> None:
        """Keep the answer to an open question (a second answer changes nothing)."""
        ...

    def add_comment(self, ask_id: str, comment: str, at: float) -> None:
        """Keep words sent after a bare rating (only when the rating has none yet)."""
        ...


class KnowledgeBase(Protocol):
    """Answers from the FAQ staff edit (domain/kb.py)."""

    def ask(self, question: str) -> KbResult: ...

    def entry(self, entry_id: str) -> Entry | None: ...


class Hours(Protocol):
    """When people are at work (domain/hours.py BusinessHours)."""

    def is_open(self, moment: datetime) -> bool: ...

    def next_open(self, moment: datetime) -> datetime | None: ...

    def describe(self) -> str: ...
