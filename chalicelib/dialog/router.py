"""Routes one inbound message to a flow and returns an Outcome. Pure: no I/O.

Menu clicks, numbered replies and keywords all lead to the same services. Before anything
else: someone may be hurt (120 / 122 first), a person has the chat (handoff.py decides what
stays with the bot), a complaint (no automatic answer). Ordinary words (你好, 谢谢, 👍) get a
friendly line and the menu and never count as a question the bot could not answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import (
    complaint,
    faq,
    handoff,
    lookup,
    privacy,
    quote,
    renewal,
    satisfaction,
    subscription,
    survey,
)
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import (
    Job,
    JobKind,
    NoteKbFollowUp,
    Outcome,
    RecordKbMiss,
    SessionState,
    WithdrawConsent,
)
from chalicelib.domain import kb_misses as misses
from chalicelib.domain.claims import find_claim_number
from chalicelib.domain.handoff import sensitive_words_in
from chalicelib.domain.messages import Event, InboundMessage, Kind, NewsReply, TextReply
from chalicelib.domain.safety import someone_may_be_hurt
from chalicelib.domain.smalltalk import Small, classify
from chalicelib.domain.text import to_halfwidth

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
    ("不再提醒续保", "reminders_off"),
    ("不要提醒续保", "reminders_off"),
    ("恢复续保提醒", "reminders_on"),
    ("续保报价", "renewal"),
    ("我要续保", "renewal"),
    ("续保", "renewal"),
    ("车险报价", "quote"),
    ("报价", "quote"),
    ("继续查勘", "resume_survey"),
    ("继续拍照", "resume_survey"),
    ("新报案", "new_survey"),
    ("自助查勘", "survey"),
    ("查勘", "survey"),
    ("报案", "survey"),
    ("保单查询", "policy"),
    ("查保单", "policy"),
    ("我的保单", "policy"),
    ("保单", "policy"),
    ("理赔进度", "claim"),
    ("理赔", "claim"),
    ("进度", "claim"),
    ("人工服务", "human"),
    ("转人工", "human"),
    ("人工客服", "human"),
    ("找人工", "human"),
    ("人工", "human"),
    ("客服", "human"),
    ("真人", "human"),
    ("菜单", "menu"),
    ("帮助", "help"),
    ("help", "help"),
    ("menu", "menu"),
    ("结束人工", "cancel"),
    ("解绑", "unbind"),
    ("解除绑定", "unbind"),
    ("删除我的信息", "erase"),
    ("删除我的个人信息", "erase"),
    ("删除个人信息", "erase"),
    ("删除我的数据", "erase"),
    ("删除信息", "erase"),
    ("查询我的信息", "mydata"),
    ("查看我的信息", "mydata"),
    ("我的信息", "mydata"),
    ("我的个人信息", "mydata"),
    ("更正我的信息", "correct"),
    ("更正信息", "correct"),
    ("修改我的信息", "correct"),
    ("取消", "cancel"),
    ("退出", "cancel"),
    ("不办了", "cancel"),
    ("算了", "cancel"),
    ("不弄了", "cancel"),
    ("不报了", "cancel"),
    *subscription.KEYWORDS,  # 退订 / 订阅 (campaigns)
)

_NOISE = re.compile(r"[\s，。！？、,.!?;；:：'\"“”‘’（）()【】\[\]~～]+")
SMALL_TALK = {
    Small.GREETING: t.SMALL_GREETING,
    Small.THANKS: t.SMALL_THANKS,
    Small.ACK: t.SMALL_ACK,
    Small.BYE: t.SMALL_BYE,
    Small.EMOJI: t.SMALL_EMOJI,
}

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
    "erase": privacy.erase_flow,
    "mydata": lambda msg, state, config: privacy.my_data(msg, config),
    "correct": privacy.correct_flow,
    "renewal": renewal.renewal_flow,
}
# Flows that are not a form being filled in: a bare number there is a menu choice.
AT_REST = ("", faq.FLOW)
FORMS = ("quote", "survey", "bind", "erase", "correct", "renewal")


def handle(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    """Decide what to do with one inbound message."""
    outcome = _decide(msg, state, config)
    miss = state.data.get(faq.KB_MISS)
    if not miss or (msg.is_event and msg.event is not Event.CLICK):
        return outcome
    return _after_miss(miss, msg, state, outcome, config)


def _decide(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    if state.flow == satisfaction.FLOW:
        return _rating_asked(msg, state, config)
    if msg.is_event:
        if state.flow == handoff.FLOW and msg.event is Event.CLICK:
            return _in_handoff(msg, state, config)
        return _on_event(msg, state, config)
    said = msg.text or msg.recognition
    if someone_may_be_hurt(said):
        return _someone_hurt(msg, said, state, config)
    if state.flow == handoff.FLOW:
        return _in_handoff(msg, state, config)
    if state.flow == complaint.FLOW:  # asked for a callback number: that comes first
        routed = _text_route(msg, numbers=False) is not None
        answered = complaint.phone_step(msg, state, config, routed)
        if answered is not None:
            return answered
    spoken = msg.kind in (Kind.TEXT, Kind.VOICE)
    words = _complaint_words(said, config) if spoken else ()
    if words:
        return handoff.sensitive(msg, words, config)
    if state.flow == faq.FLOW and faq.is_pick(msg, state):
        return faq.faq_flow(msg, state, config)
    at_rest = state.flow in AT_REST or state.flow not in FLOWS
    route = _text_route(msg, numbers=at_rest or bool(state.data.get("menu_shown")))
    if route is None and spoken and _wants_person(said, config):
        route = "human"
    if route and at_rest:
        return _go(route, msg, state, config)
    if route:
        return _during_flow(route, msg, state, config)
    claim_no = find_claim_number(msg.text) if msg.kind is Kind.TEXT else None
    if claim_no and config.book is not None:
        answer = lookup.claim_number_typed(msg, claim_no, config)
        return answer if at_rest else _during_flow("claim_no", msg, state, config, answer)
    if at_rest and spoken:
        small = classify(said)
        if small is not None:
            return _small_talk(small)
        if _not_on_menu(said):
            return Outcome(reply=TextReply(t.NOT_ON_MENU + "\n\n" + t.NUMBERED_MENU))
    if not at_rest:
        return FLOWS[state.flow](msg, handoff.without_menu(state), config)
    return _outside_flow(msg, state, config)


def _complaint_words(said: str, config: DialogConfig) -> tuple[str, ...]:
    if config.intents is not None:
        return config.intents.complaint_words(said)
    return sensitive_words_in(said)


def _wants_person(said: str, config: DialogConfig) -> bool:
    return config.intents is not None and config.intents.wants_person(said)


# --- a satisfaction question is open -------------------------------------------------------


def _rating_asked(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    """The answer to "please rate 1-5" (dialog/satisfaction.py): there a bare 1-5 is a rating.
    Anything else closes the question and is handled as it would be without it, so a "5" after
    the question closed means what it always meant."""
    said = msg.text or msg.recognition
    if not msg.is_event and not someone_may_be_hurt(said):
        routed = _text_route(msg) is not None
        answered = satisfaction.answer(msg, state, config, routed)
        if answered is not None:
            return _with_complaint(msg, said, answered, config)
    closed = SessionState()
    outcome = _decide(msg, closed, config)
    return outcome if outcome.state is not None else replace(outcome, state=closed)


def _with_complaint(
    msg: InboundMessage, said: str, answered: Outcome, config: DialogConfig
) -> Outcome:
    """A complaint in a rating's words ("1 我要投诉"): the rating is kept, and the complaint is
    handled as any other (apology, priority callback, the supervisor told)."""
    words = _complaint_words(said, config)
    if not words:
        return answered
    complaint = handoff.sensitive(msg, words, config)
    return replace(complaint, effects=(*answered.effects, *complaint.effects))


# --- after a question the knowledge base was not sure of ------------------------------------


def _after_miss(
    miss: list[str], msg: InboundMessage, state: SessionState, outcome: Outcome,
    config: DialogConfig,
) -> Outcome:  # fmt: skip
    """Note on the miss what the customer did next (the miss log's "chose"), once."""
    day, miss_id = miss
    note = NoteKbFollowUp(day=day, miss_id=miss_id, chose=_next_step(msg, state, outcome, config))
    after = outcome.state if outcome.state is not None else state
    if after.data.get(faq.KB_MISS) == miss:
        after = replace(after, data={k: v for k, v in after.data.items() if k != faq.KB_MISS})
    return replace(outcome, effects=(*outcome.effects, note), state=after)


def _next_step(
    msg: InboundMessage, state: SessionState, outcome: Outcome, config: DialogConfig
) -> str:
    if msg.is_event:
        return misses.NEXT_MENU + MENU_KEYS.get(msg.event_key, "menu")
    if state.flow == faq.FLOW and faq.is_pick(msg, state):
        said = to_halfwidth(msg.text or msg.recognition).strip()
        return misses.PICKED + state.data["candidates"][int(said) - 1]
    said = msg.text or msg.recognition
    if msg.kind not in (Kind.TEXT, Kind.VOICE):
        return misses.NEXT_OTHER
    route = _text_route(msg)
    if route == "human" or (route is None and _wants_person(said, config)):
        return misses.NEXT_PERSON
    if route is not None:
        return misses.NEXT_MENU + route
    if _complaint_words(said, config):
        return misses.NEXT_COMPLAINT
    if any(isinstance(effect, RecordKbMiss) for effect in outcome.effects):
        return misses.NEXT_MISSED
    if classify(said) is not None:
        return misses.NEXT_OTHER
    return misses.NEXT_ANSWERED


# --- in the middle of a flow ---------------------------------------------------------------------


LOOKUPS = ("menu", "help", "policy", "claim", "claim_no", *subscription.ROUTES,
           *renewal.REMINDER_ROUTES)


def _during_flow(
    route: str, msg: InboundMessage, state: SessionState, config: DialogConfig,
    answer: Outcome | None = None,
) -> Outcome:  # fmt: skip
    """The menu or a keyword in the middle of a flow: a lookup is answered and the flow waits
    (the customer is told how to go on); another service ends the flow, and says so."""
    if route == "cancel":
        return _go(route, msg, state, config)
    if route == "resume_survey" and state.flow == survey.FLOW and state.step != survey.PHOTOS:
        return Outcome(reply=TextReply(survey.prompt_for(state, config)), state=state)
    answer = answer or _go(route, msg, state, config)
    flow = t.FLOW_NAMES.get(state.flow, t.SELF_SERVICE)
    if route in LOOKUPS and (answer.state is None or answer.state.idle):
        kept = dict(handoff.without_menu(state).data)
        if route == "menu":
            kept["menu_shown"] = True  # the next bare number is a menu choice
        footer = t.FLOW_STILL_OPEN.format(flow=flow)
        reply, sends = handoff.with_footer(answer.reply, answer.sends, footer)
        return replace(answer, reply=reply, sends=sends, state=replace(state, data=kept))
    if state.flow == survey.FLOW and state.step == survey.PHOTOS:
        return answer  # the survey stays open: 继续查勘 brings the customer back to it
    left = t.FLOW_LEFT.format(flow=flow)
    if isinstance(answer.reply, TextReply):
        return replace(answer, reply=TextReply(left + "\n" + answer.reply.content))
    return replace(answer, sends=(TextReply(left), *answer.sends))


# --- while a person has the chat ---------------------------------------------------------------


def _in_handoff(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    """What the customer says goes to the person; leaving, the menu and the bot's own lookups
    are answered by the bot (staff are told), and photos for an open survey reach the survey."""
    if state.step == handoff.TRANSFER_PENDING:
        return handoff.handoff_flow(msg, state, config)
    if msg.is_event:
        route = MENU_KEYS.get(msg.event_key)
    else:
        route = _text_route(msg, numbers=bool(state.data.get("menu_shown")))
        claim_no = find_claim_number(msg.text) if msg.kind is Kind.TEXT else None
        if route is None and claim_no and config.book is not None:
            answer = lookup.claim_number_typed(msg, claim_no, config)
            return handoff.answered_by_bot(msg, state, answer, "claim_no")
    if route == "cancel":
        return handoff.end_by_customer(msg)
    if route == "human":
        return Outcome(reply=TextReply(t.HANDOFF_ALREADY), state=handoff.without_menu(state))
    if route is not None:
        return _bot_during_handoff(route, msg, state, config)
    if msg.is_event:
        return Outcome()
    if msg.kind is Kind.IMAGE:
        photo = survey.photo_for_open_survey(msg, config)
        if photo is not None:
            return handoff.answered_by_bot(msg, state, photo, "survey_photo", footer=False)
    return handoff.handoff_flow(msg, state, config)


def _bot_during_handoff(
    route: str, msg: InboundMessage, state: SessionState, config: DialogConfig
) -> Outcome:
    answer = _go(route, msg, state, config)
    stays = answer.state is None or answer.state.idle
    if route == "resume_survey" and answer.state is not None:
        stays = True  # photos reach the survey during a handoff anyway
    if stays:
        return handoff.answered_by_bot(msg, state, answer, route)
    return handoff.left_for(msg, answer, t.SERVICE_NAMES.get(route, t.SELF_SERVICE))


# --- ordinary words, emergencies, events -------------------------------------------------------


def _someone_hurt(
    msg: InboundMessage, said: str, state: SessionState, config: DialogConfig
) -> Outcome:
    """120 / 122 and the hotline come first. A survey not yet reported stops: a person takes it.
    In a handoff the words still go to the person."""
    first = t.EMERGENCY_FIRST.format(hotline=config.hotline)
    if state.flow == survey.FLOW and state.step != survey.PHOTOS:
        return survey.hand_over("injured", config)
    if state.flow == handoff.FLOW:
        relayed = handoff.handoff_flow(msg, state, config)
        return replace(relayed, reply=TextReply(first))
    keep = state if state.flow == survey.FLOW else SessionState()
    return Outcome(reply=TextReply(first + "\n" + _what_to_do(said, config)), state=keep)


def _what_to_do(said: str, config: DialogConfig) -> str:
    """Under the 120 / 122 line: the knowledge base's answer when it is sure what was asked
    (撞了人 对方要我赔医药费 交强险能赔多少), else what to do now."""
    kb = config.knowledge_base()
    sure = kb.ask(said) if kb is not None else None
    if sure is None or sure.kind != "answer":
        return t.EMERGENCY_ADVICE
    return faq.answer_text(sure.matches[0].entry, config)


def _small_talk(kind: Small) -> Outcome:
    return Outcome(reply=TextReply(SMALL_TALK[kind] + "\n\n" + t.NUMBERED_MENU))


def _not_on_menu(said: str) -> bool:
    """A bare number the menu does not have (5, 9, 12)."""
    cleaned = to_halfwidth(said).strip()
    return cleaned.isdigit() and len(cleaned) <= 3


def normalize_text(text: str) -> str:
    return _NOISE.sub("", to_halfwidth(text)).lower()


def _text_route(msg: InboundMessage, numbers: bool = True) -> str | None:
    if msg.kind not in (Kind.TEXT, Kind.VOICE):
        return None
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
    if msg.event is Event.UNSUBSCRIBE:  # consent withdrawn: pushes stop, the binding goes
        return Outcome(reply=None, state=SessionState.empty(),
                       effects=(WithdrawConsent(msg.openid),))  # fmt: skip
    if msg.event is Event.SCAN:
        return Outcome(reply=TextReply(t.WELCOME_BACK))
    if msg.event is Event.CLICK:
        route = MENU_KEYS.get(msg.event_key)
        if route is None:
            return _menu()
        if state.flow in FORMS:
            return _during_flow(route, msg, state, config)
        return _go(route, msg, state, config)
    return Outcome(reply=None)


def _welcome(config: DialogConfig) -> Outcome:
    sends: tuple[NewsReply, ...] = ()
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
        if state.idle or state.flow == faq.FLOW:
            return Outcome(reply=TextReply(t.NOTHING_TO_CANCEL), state=SessionState.empty())
        return Outcome(reply=TextReply(t.CANCELLED), state=SessionState.empty())
    if route == "resume_survey":
        return survey.resume(msg, config)
    if route == "new_survey":
        return survey.start(msg, config, new=True)
    if route == "unbind":
        return lookup.unbind(msg, config)
    if route in subscription.ROUTES:
        return subscription.answer(route, msg, config)
    if route in renewal.REMINDER_ROUTES:
        return renewal.reminders(msg, route == "reminders_on", config)
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
        back = survey.photo_back_in_survey(msg, config) if config.surveys is not None else None
        if back is not None:
            return back
        # No passive reply: an album comes as several messages at once, and the worker says
        # "what are these for" once for all of them (one outbox id per customer and 2 minutes).
        return Outcome(reply=None, jobs=(media_fetch_job(msg, tell=True),))
    if msg.kind is Kind.LOCATION:
        return Outcome(reply=TextReply(t.LOCATION_OUTSIDE_FLOW))
    return Outcome(reply=TextReply(t.UNSUPPORTED_MESSAGE))


def media_fetch_job(msg: InboundMessage, tell: bool = False) -> Job:
    """Temporary media expires after 3 days: every picture is saved to S3 at once. `tell`: the
    customer is told once what pictures are for here."""
    payload: dict[str, object] = {"openid": msg.openid, "media_id": msg.media_id,
                                  "dedupe_key": msg.dedupe_key}  # fmt: skip
    if tell:
        payload.update(tell=t.IMAGE_OUTSIDE_FLOW, sent_at=msg.created_at)
    return Job(kind=JobKind.MEDIA_FETCH, payload=payload)
