"""Routes one inbound message to a flow and returns an Outcome. Pure: no I/O.

Menu clicks, numbered replies and keywords all lead to the same services. Flows register
in FLOWS; a service without a flow yet answers politely that it is coming soon.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import faq, handoff, lookup, quote, survey
from chalicelib.dialog.outcome import Job, Outcome, SessionState
from chalicelib.domain.handoff import sensitive_words_in
from chalicelib.domain.messages import Event, InboundMessage, Kind, NewsReply, TextReply

SERVICES = ("quote", "survey", "policy", "claim", "human")

MENU_KEYS = {
    "QUOTE": "quote",
    "SURVEY": "survey",
    "POLICY": "policy",
    "CLAIM": "claim",
    "HUMAN": "human",
    "HELP": "help",
}

NUMBERS = {"1": "quote", "2": "survey", "3": "policy", "4": "claim", "0": "human"}

# Whole-message keywords, most specific first. Matched after removing spaces and punctuation.
KEYWORDS: tuple[tuple[str, str], ...] = (
    ("车险报价", "quote"),
    ("报价", "quote"),
    ("继续查勘", "resume_survey"),
    ("继续拍照", "resume_survey"),
    ("新报案", "new_survey"),
    ("自助查勘", "survey"),
    ("查勘", "survey"),
    ("报案", "survey"),
    ("保单查询", "policy"),
    ("保单", "policy"),
    ("理赔进度", "claim"),
    ("理赔", "claim"),
    ("进度", "claim"),
    ("人工服务", "human"),
    ("转人工", "human"),
    ("人工", "human"),
    ("客服", "human"),
    ("菜单", "menu"),
    ("帮助", "help"),
    ("help", "help"),
    ("menu", "menu"),
    ("结束人工", "cancel"),
    ("解绑", "unbind"),
    ("解除绑定", "unbind"),
    ("取消", "cancel"),
    ("退出", "cancel"),
)

_NOISE = re.compile(r"[\s，。！？、,.!?;；:：'\"“”‘’（）()【】\[\]]+")


_CHINA = timezone(timedelta(hours=8))


def _today_in_china() -> date:
    return datetime.now(_CHINA).date()


@dataclass(frozen=True)
class DialogConfig:
    """What the dialog needs besides the message: settings, and the ports it may consult."""

    hotline: str
    account_name: str = t.ACCOUNT_NAME
    privacy_url: str = ""
    book: Any = None  # dialog.ports.Book
    quotes: Any = None  # dialog.ports.Quotes
    surveys: Any = None  # dialog.ports.Surveys
    kb: Any = None  # domain.kb.KnowledgeBase, or a callable giving the current one
    hours: Any = None  # domain.hours.BusinessHours (None: always after hours)
    handoff_in_hours: str = handoff.WECHAT_KF  # who takes a conversation in business hours
    public_url: str = ""  # where the app is served (example pictures in news cards)
    today: Callable[[], date] = _today_in_china
    clock: Callable[[], float] = field(default=time.time)


Flow = Callable[[InboundMessage, SessionState, DialogConfig], Outcome]

# Flows that are built: service name -> function. A service missing here is "coming soon".
FLOWS: dict[str, Flow] = {
    "quote": quote.quote_flow,
    "survey": survey.survey_flow,
    "policy": lookup.policy_flow,
    "claim": lookup.claim_flow,
    "bind": lookup.bind_flow,
    "human": lambda msg, state, config: handoff.request(msg, config),
    "handoff": handoff.handoff_flow,
    "faq": faq.faq_flow,
}


def handle(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    """Decide what to do with one inbound message."""
    if msg.is_event:
        return _on_event(msg, state, config)
    if state.flow == handoff.FLOW:
        return _in_handoff(msg, state, config)
    words = sensitive_words_in(msg.text or msg.recognition)
    if words and msg.kind in (Kind.TEXT, Kind.VOICE):
        return handoff.sensitive(msg, words, config)
    in_flow = not state.idle and state.flow in FLOWS
    # Inside a flow a bare number is an answer (seats, claims...), not a menu choice.
    route = (
        _route_for_text(msg, numbers=not in_flow) if msg.kind in (Kind.TEXT, Kind.VOICE) else None
    )
    if route:
        return _go(route, msg, state, config)
    claim_no = lookup.typed_claim_number(msg.text) if msg.kind is Kind.TEXT else None
    if claim_no and config.book is not None:
        return lookup.claim_number_typed(msg, claim_no, config)
    if not state.idle and state.flow in FLOWS:
        return FLOWS[state.flow](msg, state, config)
    return _outside_flow(msg, state, config)


def _in_handoff(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    """A person has the conversation: only leaving it is for the bot, the rest is relayed."""
    route = _route_for_text(msg, numbers=False) if msg.kind in (Kind.TEXT, Kind.VOICE) else None
    if route == "cancel":
        return handoff.end_by_customer(msg)
    if route == "human":
        return Outcome(reply=TextReply(t.HANDOFF_ALREADY))
    return handoff.handoff_flow(msg, state, config)


def normalize_text(text: str) -> str:
    return _NOISE.sub("", text).lower()


def _route_for_text(msg: InboundMessage, numbers: bool = True) -> str | None:
    said = normalize_text(msg.text or msg.recognition)
    if numbers and said in NUMBERS:
        return NUMBERS[said]
    for word, route in KEYWORDS:
        if said == word:
            return route
    return None


def _on_event(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    if msg.event is Event.SUBSCRIBE:
        return _welcome(config)
    if msg.event is Event.UNSUBSCRIBE:
        return Outcome(reply=None, state=SessionState.empty())
    if msg.event is Event.SCAN:
        return Outcome(reply=TextReply(t.WELCOME_BACK))
    if msg.event is Event.CLICK:
        route = MENU_KEYS.get(msg.event_key)
        return _go(route, msg, state, config) if route else _menu()
    return Outcome(reply=None)


def _welcome(config: DialogConfig) -> Outcome:
    sends = ()
    if config.privacy_url:
        sends = (
            NewsReply(
                title=t.PRIVACY_NOTICE_TITLE,
                description=t.PRIVACY_NOTICE_DESCRIPTION,
                url=config.privacy_url,
            ),
        )
    welcome = TextReply(t.WELCOME.format(account=config.account_name))
    return Outcome(reply=welcome, sends=sends, state=SessionState.empty())


def _go(route: str, msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    if route == "menu":
        return _menu()
    if route == "help":
        return Outcome(reply=TextReply(t.HELP))
    if route == "cancel":
        if state.flow == survey.FLOW and state.step == survey.PHOTOS:
            return survey.leave(state)
        return Outcome(reply=TextReply(t.CANCELLED), state=SessionState.empty())
    if route == "resume_survey":
        return survey.resume(msg, config)
    if route == "new_survey":
        return survey.start(msg, config, new=True)
    if route == "unbind":
        return lookup.unbind(msg, config)
    if route in FLOWS:
        return FLOWS[route](msg, SessionState(flow=route), config)
    service = t.SERVICE_NAMES[route]
    reply = TextReply(t.COMING_SOON.format(service=service, hotline=config.hotline))
    return Outcome(reply=reply, state=SessionState.empty())


def _menu() -> Outcome:
    return Outcome(reply=TextReply(t.NUMBERED_MENU))


def _outside_flow(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    if msg.kind is Kind.TEXT or msg.kind is Kind.VOICE:
        if config.kb is None:
            return Outcome(reply=TextReply(t.UNKNOWN_TEXT))
        return faq.ask(msg, state, config)
    if msg.kind is Kind.IMAGE:
        return Outcome(reply=TextReply(t.IMAGE_OUTSIDE_FLOW), jobs=(media_fetch_job(msg),))
    if msg.kind is Kind.LOCATION:
        return Outcome(reply=TextReply(t.LOCATION_OUTSIDE_FLOW))
    return Outcome(reply=TextReply(t.UNSUPPORTED_MESSAGE))


def media_fetch_job(msg: InboundMessage) -> Job:
    """Temporary media expires after 3 days: every picture is saved to S3 at once."""
    return Job(
        kind="media.fetch",
        payload={"openid": msg.openid, "media_id": msg.media_id, "dedupe_key": msg.dedupe_key},
    )
