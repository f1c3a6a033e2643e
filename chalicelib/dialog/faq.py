"""Questions in the customer's own words, answered from the knowledge base (domain/kb.py).

Sure → the answer (text or an article card). Unsure → up to 3 numbered candidates. Nothing →
say so; after the second real miss in a row a person is offered ("回复 0 转人工"), never
forced on the customer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.dialog import catalogue as t
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import Outcome, SessionState
from chalicelib.dialog.ports import KnowledgeBase
from chalicelib.domain.handoff import MISSES_BEFORE_OFFER
from chalicelib.domain.messages import InboundMessage, NewsReply, Reply, TextReply
from chalicelib.domain.text import to_halfwidth

if TYPE_CHECKING:  # the knowledge base's matcher is imported when first asked
    from chalicelib.domain.kb import Entry

FLOW = "faq"
MAX_OFFERED = 3


def ask(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    kb = _kb(config)
    question = (msg.text or msg.recognition).strip()
    if kb is None or not question:
        return Outcome(reply=TextReply(t.UNKNOWN_TEXT))
    from chalicelib.domain.understanding import Meaning, understand_question

    understood = understand_question(question, kb)  # what `claimbot kb eval` measures
    entries = [e for e in (kb.entry(i) for i in understood.entries) if e is not None]
    if understood.meaning is Meaning.ANSWER and entries:
        main, others = entries[0], entries[1:MAX_OFFERED + 1]
        if not others:
            return Outcome(reply=_answer(main, config), state=SessionState())
        offer = TextReply(t.KB_ALSO_ASKED.format(choices=_choices(others)))
        state = SessionState(flow=FLOW, step="pick", data={"candidates": [e.id for e in others]})
        return Outcome(reply=_answer(main, config), sends=(offer,), state=state)
    if understood.meaning is Meaning.CANDIDATES and entries:
        offered = entries[:MAX_OFFERED]
        state = SessionState(flow=FLOW, step="pick", data={"candidates": [e.id for e in offered]})
        reply = TextReply(t.KB_CANDIDATES.format(choices=_choices(offered)))
        return Outcome(reply=reply, state=state)
    return _missed(msg, state, config)


def _choices(entries: list[Entry]) -> str:
    return "\n".join(
        t.KB_CANDIDATE_LINE.format(n=i, question=e.questions[0])
        for i, e in enumerate(entries, start=1)
    )


def answer_text(entry: Entry, config: DialogConfig) -> str:
    """An entry's answer as text (an article: its title and description)."""
    reply = _answer(entry, config)
    if isinstance(reply, NewsReply):
        return f"{reply.title}\n{reply.description}"
    return reply.content if isinstance(reply, TextReply) else ""


def is_pick(msg: InboundMessage, state: SessionState) -> bool:
    """A number naming one of the candidates just offered."""
    said = to_halfwidth(msg.text or msg.recognition).strip()
    ids = state.data.get("candidates", [])
    return said.isdigit() and 1 <= int(said) <= len(ids)


def faq_flow(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    """A numbered candidate picked, or a new question."""
    said = to_halfwidth(msg.text or msg.recognition).strip()
    ids = state.data.get("candidates", [])
    if is_pick(msg, state):
        kb = _kb(config)
        entry = kb.entry(ids[int(said) - 1]) if kb is not None else None
        if entry is not None:
            return Outcome(reply=_answer(entry, config), state=SessionState())
    return ask(msg, SessionState(data={"misses": state.data.get("misses", 0)}), config)


def _kb(config: DialogConfig) -> KnowledgeBase | None:
    return config.knowledge_base()


def _missed(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    misses = int(state.data.get("misses", 0)) + 1 if state.flow in ("", FLOW) else 1
    if misses >= MISSES_BEFORE_OFFER:
        offer = t.KB_OFFER_PERSON.format(hotline=config.hotline)
        return Outcome(reply=TextReply(offer), state=SessionState(data={"misses": misses}))
    return Outcome(reply=TextReply(t.KB_NOTHING), state=SessionState(data={"misses": misses}))


def _answer(entry: Entry, config: DialogConfig) -> Reply:
    from chalicelib.domain.kb import fill

    values = {"hotline": config.hotline, "privacy_url": config.privacy_url}
    if entry.article is not None:
        article = entry.article
        return NewsReply(
            title=fill(article.title, values),
            description=fill(article.description, values),
            url=fill(article.url, values),
        )
    return TextReply(fill(entry.answer, values) + t.KB_ANSWER_FOOTER)
