"""Questions in the customer's own words, answered from the knowledge base (domain/kb.py).

Sure → the answer (text or an article card). Unsure → up to 3 numbered candidates. Nothing →
say so; after the second real miss in a row a person is offered ("回复 0 转人工"), never
forced on the customer.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from chalicelib.dialog import catalogue as t
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import Outcome, RecordKbMiss, SessionState
from chalicelib.dialog.ports import KnowledgeBase
from chalicelib.domain.handoff import MISSES_BEFORE_OFFER
from chalicelib.domain.kb_misses import CANDIDATES, MAX_QUESTION, NOTHING, day_of
from chalicelib.domain.masking import mask_free_text
from chalicelib.domain.messages import InboundMessage, NewsReply, Reply, TextReply
from chalicelib.domain.text import to_halfwidth

if TYPE_CHECKING:  # the knowledge base's matcher is imported when first asked
    from chalicelib.domain.kb import Entry

FLOW = "faq"
MAX_OFFERED = 3
KB_MISS = "kb_miss"  # in the session after a miss: [day, miss_id], to note what came next
# A question is read up to here: a long paste is not a question, and matching all of it would
# only cost time (someone hurt is still looked for in the whole message, by the router).
MAX_QUESTION_CHARS = 1000


def ask(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    kb = _kb(config)
    question = (msg.text or msg.recognition).strip()[:MAX_QUESTION_CHARS]
    if kb is None or not question:
        return Outcome(reply=TextReply(t.UNKNOWN_TEXT))
    from chalicelib.domain.understanding import Meaning, understand_question

    # what `claimbot kb eval` measures
    understood = understand_question(question, kb, config.intents)
    entries = [e for e in (kb.entry(i) for i in understood.entries) if e is not None]
    if understood.meaning is Meaning.ANSWER and entries:
        main, others = entries[0], entries[1 : MAX_OFFERED + 1]
        if not others:
            return Outcome(reply=_answer(main, config), state=SessionState())
        offer = TextReply(t.KB_ALSO_ASKED.format(choices=_choices(others)))
        state = SessionState(flow=FLOW, step="pick", data={"candidates": [e.id for e in others]})
        return Outcome(reply=_answer(main, config), sends=(offer,), state=state)
    if understood.meaning is Meaning.CANDIDATES and entries:
        offered = [e.id for e in entries[:MAX_OFFERED]]
        record = miss_record(msg, question, CANDIDATES, offered)
        data = {"candidates": offered, KB_MISS: [record.day, record.miss_id]}
        choices = _choices(entries[:MAX_OFFERED])
        reply = TextReply(t.KB_CANDIDATES.format(choices=choices))
        return Outcome(reply=reply, effects=(record,),
                       state=SessionState(flow=FLOW, step="pick", data=data))  # fmt: skip
    return _missed(msg, question, state, config)


def miss_record(
    msg: InboundMessage, question: str, outcome: str, offered: list[str]
) -> RecordKbMiss:
    """The miss log's record of this message (masked; its id comes from the message)."""
    digest = hashlib.sha256(msg.dedupe_key.encode()).hexdigest()[:12]
    return RecordKbMiss(
        day=day_of(msg.created_at),
        miss_id=f"{msg.created_at:010d}-{digest}",
        question=mask_free_text(question)[:MAX_QUESTION],
        outcome=outcome,
        offered=offered,
        at=float(msg.created_at),
    )


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


def _missed(
    msg: InboundMessage, question: str, state: SessionState, config: DialogConfig
) -> Outcome:
    misses = int(state.data.get("misses", 0)) + 1 if state.flow in ("", FLOW) else 1
    record = miss_record(msg, question, NOTHING, [])
    after = SessionState(data={"misses": misses, KB_MISS: [record.day, record.miss_id]})
    said = t.KB_NOTHING
    if misses >= MISSES_BEFORE_OFFER:
        said = t.KB_OFFER_PERSON.format(hotline=config.hotline)
    return Outcome(reply=TextReply(said), effects=(record,), state=after)


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
