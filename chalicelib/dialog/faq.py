"""Questions in the customer's own words, answered from the knowledge base (domain/kb.py).

Sure → the answer (text or an article card). Unsure → up to 3 numbered candidates. Nothing →
say so; the second miss in a row hands over to a person.
"""

from __future__ import annotations

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import handoff
from chalicelib.dialog.outcome import Outcome, SessionState
from chalicelib.domain.handoff import MISSES_BEFORE_OFFER, Reason
from chalicelib.domain.messages import InboundMessage, NewsReply, TextReply
from chalicelib.domain.text import to_halfwidth

FLOW = "faq"


def ask(msg: InboundMessage, state: SessionState, config) -> Outcome:
    kb = _kb(config)
    question = (msg.text or msg.recognition).strip()
    if kb is None or not question:
        return Outcome(reply=TextReply(t.UNKNOWN_TEXT))
    result = kb.ask(question)
    if result.kind == "answer":
        return Outcome(reply=_answer(result.matches[0].entry, config), state=SessionState())
    if result.kind == "candidates":
        ids = [m.entry.id for m in result.matches[:3]]
        choices = "\n".join(
            t.KB_CANDIDATE_LINE.format(n=i, question=m.entry.questions[0])
            for i, m in enumerate(result.matches[:3], start=1)
        )
        state = SessionState(flow=FLOW, step="pick", data={"candidates": ids})
        return Outcome(reply=TextReply(t.KB_CANDIDATES.format(choices=choices)), state=state)
    return _missed(msg, state, config)


def faq_flow(msg: InboundMessage, state: SessionState, config) -> Outcome:
    """A numbered candidate picked, or a new question."""
    said = to_halfwidth(msg.text or msg.recognition).strip()
    ids = state.data.get("candidates", [])
    if said.isdigit() and 1 <= int(said) <= len(ids):
        kb = _kb(config)
        entry = kb.entry(ids[int(said) - 1]) if kb is not None else None
        if entry is not None:
            return Outcome(reply=_answer(entry, config), state=SessionState())
    return ask(msg, SessionState(), config)


def _kb(config):
    """DialogConfig.kb is the knowledge base, or a callable giving the current one."""
    return config.kb() if callable(config.kb) else config.kb


def _missed(msg: InboundMessage, state: SessionState, config) -> Outcome:
    misses = int(state.data.get("misses", 0)) + 1 if state.flow in ("", FLOW) else 1
    if misses >= MISSES_BEFORE_OFFER:
        handed = handoff.request(msg, config, Reason.MISSES)
        first = t.KB_OFFER_PERSON
        reply = handed.reply
        if isinstance(reply, TextReply):
            reply = TextReply(first + "\n" + reply.content)
        return Outcome(reply=reply, jobs=handed.jobs, state=handed.state)
    return Outcome(reply=TextReply(t.KB_NOTHING), state=SessionState(data={"misses": misses}))


def _answer(entry, config):
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
