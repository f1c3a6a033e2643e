"""满意度: after a chat with a person ends, or a claim is paid, the customer is asked for a 1-5
rating (service/satisfaction.py asks, through the outbox, within WeChat's window). Pure.

The question is a state of its own (flow "rating") while it is open:
- step "score": a reply that starts with a rating ("5", "⑤", "５分", "非常满意", "4 服务很好")
  is the answer; the customer is thanked, a low rating (1-2) offered a person. Here a bare 1-5
  is a rating, not a menu choice: the question they just read asks for it. Anything else (a
  word of the menu, a question, a click, a photo) closes the question and is handled as today,
  so "5" after the question closed means what it always meant.
- step "comment": for a few minutes after a rating without words, the next message that reads
  as a comment (not a number, menu word or question) is kept with it.
A question not answered within OPEN_S closes by itself.
"""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.dialog import catalogue as t
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import AddRatingComment, Outcome, RecordRating, SessionState
from chalicelib.domain.messages import InboundMessage, Kind, TextReply
from chalicelib.domain.satisfaction import LOW, Answer, is_comment, parse_rating

FLOW = "rating"
SCORE = "score"
COMMENT = "comment"
OPEN_S = 24 * 3600  # a question not answered by then is closed (the 48 h window is longer)
COMMENT_OPEN_S = 10 * 60  # a comment may follow a bare rating within this
AT_REST = ("", "faq")  # asked only of a customer who is not in the middle of something


def asking(state: SessionState, ask_id: str, now: float) -> SessionState | None:
    """The session with the question open, or None when the customer is busy (a form being
    filled in, a chat with a person): then the question is not asked at all."""
    if state.flow not in (*AT_REST, FLOW):
        return None
    return SessionState(flow=FLOW, step=SCORE, data={"ask": ask_id, "until": now + OPEN_S})


def withdrawn(ask_id: str) -> Callable[[SessionState], SessionState | None]:
    """The question was never delivered (the window closed meanwhile): close it, if it is
    still the open one."""

    def change(state: SessionState) -> SessionState | None:
        if state.flow == FLOW and state.data.get("ask") == ask_id:
            return SessionState()
        return None

    return change


def is_open(state: SessionState, config: DialogConfig) -> bool:
    return state.flow == FLOW and config.clock() < float(state.data.get("until") or 0)


def answer(
    msg: InboundMessage, state: SessionState, config: DialogConfig, routed: bool
) -> Outcome | None:
    """The customer's answer to the open question, or None when this message is something
    else (the caller closes the question and handles it as usual). `routed`: the message is a
    menu number or keyword (a comment is never one; a rating 1-5 may be)."""
    if not is_open(state, config) or msg.kind not in (Kind.TEXT, Kind.VOICE):
        return None
    said = msg.text or msg.recognition
    ask_id = str(state.data["ask"])
    if state.step == COMMENT:
        if routed or not is_comment(said) or parse_rating(said) is not None:
            return None
        noted = AddRatingComment(ask_id, said.strip(), config.clock())
        return Outcome(reply=TextReply(t.RATING_COMMENT_THANKS), effects=(noted,),
                       state=SessionState())  # fmt: skip
    rating = parse_rating(said)
    if rating is None:
        return None
    return _rated(ask_id, rating, config)


def _rated(ask_id: str, rating: Answer, config: DialogConfig) -> Outcome:
    now = config.clock()
    recorded = RecordRating(ask_id, rating.score, rating.comment, now)
    low = rating.score <= LOW
    if rating.comment:
        words = t.RATING_LOW_WITH_COMMENT if low else t.RATING_THANKS_WITH_COMMENT
        return Outcome(reply=TextReply(words), effects=(recorded,), state=SessionState())
    words = t.RATING_LOW if low else t.RATING_THANKS
    waiting = SessionState(flow=FLOW, step=COMMENT,
                           data={"ask": ask_id, "until": now + COMMENT_OPEN_S})  # fmt: skip
    return Outcome(reply=TextReply(words), effects=(recorded,), state=waiting)


def question(flow: str, claim_no: str = "") -> str:
    """What the customer is asked (a chat ended, a claim paid)."""
    if flow == "claim":
        return t.RATING_ASK_CLAIM.format(claim_no=claim_no)
    return t.RATING_ASK_CHAT
