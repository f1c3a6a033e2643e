"""What the dialog needs besides the message: settings, and the ports it may consult."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from chalicelib.dialog import catalogue as t
from chalicelib.dialog.ports import (
    Book,
    Consent,
    Handoffs,
    Hours,
    KbMisses,
    KnowledgeBase,
    Quotes,
    Ratings,
    Subscriptions,
    Surveys,
)
from chalicelib.domain.hours import CHINA
from chalicelib.domain.intents import Intents

WECHAT_KF = "wechat_kf"  # in business hours, WeChat's own customer-service console
CONSOLE = "console"  # in business hours, the claimbot console's agent inbox
P = TypeVar("P")


def today_in_china() -> date:
    return datetime.now(CHINA).date()


@dataclass(frozen=True)
class DialogConfig:
    hotline: str
    account_name: str = t.ACCOUNT_NAME
    privacy_url: str = ""
    book: Book | None = None
    quotes: Quotes | None = None
    surveys: Surveys | None = None
    handoffs: Handoffs | None = None
    # The knowledge base, or a callable giving the current one (staff may re-import it).
    kb: KnowledgeBase | Callable[[], KnowledgeBase] | None = None
    # The phrasings of "a person" and "a complaint" (domain/intents.py); None: only the
    # keywords 人工 / 客服 and the complaint words of domain/handoff.py.
    intents: Intents | None = None
    kb_misses: KbMisses | None = None  # None: questions not answered are not recorded
    consent: Consent | None = None  # None: unfollowing and deletion requests change nothing
    ratings: Ratings | None = None  # None: satisfaction answers are not kept
    subscriptions: Subscriptions | None = None  # 退订 / 订阅 of campaigns (push budget)
    hours: Hours | None = None  # None: always after hours
    handoff_in_hours: str = CONSOLE  # who takes a conversation in business hours
    public_url: str = ""  # where the app is served (example pictures in news cards)
    chat_days: int = 730  # plain chats are kept this long (RETENTION_CHAT_DAYS): customers are told
    today: Callable[[], date] = today_in_china
    clock: Callable[[], float] = field(default=time.time)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), CHINA)

    def knowledge_base(self) -> KnowledgeBase | None:
        return self.kb() if callable(self.kb) else self.kb

    # The ports a flow cannot do without: the flows that read them are reached only with them
    # configured (the container always configures them; tests give the ones they exercise).

    def the_book(self) -> Book:
        return _configured(self.book, "book")

    def the_surveys(self) -> Surveys:
        return _configured(self.surveys, "surveys")


class PortMissing(LookupError):
    """A flow needed a port its DialogConfig was not given (a wiring mistake)."""


def _configured(port: P | None, name: str) -> P:
    if port is None:
        raise PortMissing(f"DialogConfig.{name} is not configured")
    return port
