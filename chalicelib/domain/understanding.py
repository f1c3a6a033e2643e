"""What a customer's message means, before any flow: the one function the router and the
knowledge base's evaluation (`claimbot kb eval`) share, so what is measured is what runs.

In order: someone may be hurt (120 / 122 first, whatever else), a complaint, a request for a
person, ordinary words, another line of insurance (寿险, 重疾险… without a motor cue: out of
scope), then the knowledge base — for each question in the message, so the main one is
answered and the others offered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from chalicelib.domain.intents import Intents
from chalicelib.domain.safety import someone_may_be_hurt
from chalicelib.domain.smalltalk import Small, classify

if TYPE_CHECKING:
    from chalicelib.domain.kb import KbResult


class Matcher(Protocol):
    """What of the knowledge base understanding needs (domain/kb.py KnowledgeBase)."""

    def ask(self, question: str) -> KbResult: ...


class Meaning(StrEnum):
    EMERGENCY = "emergency"
    COMPLAINT = "complaint"
    PERSON = "person"
    SMALL_TALK = "smalltalk"
    ANSWER = "answer"
    CANDIDATES = "candidates"
    NONE = "none"


@dataclass(frozen=True)
class Understanding:
    meaning: Meaning
    # ANSWER: the entry answered, then other questions' entries offered; CANDIDATES: offered;
    # EMERGENCY: the knowledge base's sure answer, if any, to go under the emergency line.
    entries: tuple[str, ...] = ()
    small: Small | None = None
    cues: tuple[str, ...] = ()  # the complaint phrases found


# Where one question ends and another starts, for messages that ask several things.
_QUESTION_BREAKS = re.compile(
    r"[?？!！。;；\n]+|(?:还有|另外|顺便问一?下|顺便|再问一?下|还想问一?下|对了|以及)"
)
MIN_PART_CHARS = 4
# A part of a message is answered on its own only when the match is this sure: a short part
# lacks the context the whole message gives, and a wrong answer is worse than none.
PART_SURE = 0.75  # calibrated with the thresholds of domain/kb.py
MAX_OFFERED = 3
# Choices are offered only from this score up: with sentence embeddings in the score, any
# message is a little like some entry (明天上海下雨吗 scores 0.37), so the knowledge base's own
# CANDIDATE_MIN lets too much through. Chosen on tune: off-topic messages offered choices no
# more often than without embeddings (5 of 35), in-scope ones given nothing 13 of 228 (20).
OFFER_MIN = 0.45


def understand(text: str, kb: Matcher | None, intents: Intents | None) -> Understanding:
    if someone_may_be_hurt(text):
        sure = kb.ask(text) if kb is not None else None
        entries = (sure.matches[0].entry.id,) if sure and sure.kind == "answer" else ()
        return Understanding(Meaning.EMERGENCY, entries)
    if intents is not None:
        cues = intents.complaint_words(text)
        if cues:
            return Understanding(Meaning.COMPLAINT, cues=cues)
        if intents.wants_person(text):
            return Understanding(Meaning.PERSON)
    small = classify(text)
    if small is not None:
        return Understanding(Meaning.SMALL_TALK, small=small)
    if kb is None:
        return Understanding(Meaning.NONE)
    return understand_question(text, kb, intents)


def understand_question(text: str, kb: Matcher, intents: Intents | None = None) -> Understanding:
    """The knowledge base's part: the main question answered (and others in the message
    offered), candidates, or nothing — nothing too for another line of insurance, whose words
    would otherwise score like the motor entries that share them."""
    if intents is not None and intents.other_line(text):
        return Understanding(Meaning.NONE)
    whole = kb.ask(text)
    parts = [p for p in _QUESTION_BREAKS.split(text) if len(p.strip()) >= MIN_PART_CHARS]
    results = [kb.ask(p) for p in parts] if len(parts) > 1 else []
    answered = [r for r in results if r.kind == "answer" and r.confidence >= PART_SURE]
    # Several questions: the first one asked is the main one (customers lead with it).
    in_order = [r.matches[0].entry.id for r in answered]
    if whole.kind == "answer":
        main = whole.matches[0].entry.id
        chosen = (*in_order, main) if len(in_order) > 1 else (main, *in_order)
    elif answered:
        chosen = tuple(in_order)
    else:
        return _offered(whole)
    first = _first_question(results)
    if first is not None and first != chosen[0]:
        # The first question asked was not the one understood for sure: let the customer say.
        return Understanding(Meaning.CANDIDATES, _unique((first, *chosen))[:MAX_OFFERED])
    return Understanding(Meaning.ANSWER, _unique(chosen))


def _first_question(results: list[KbResult]) -> str | None:
    """The entry the first question of several ranks first, when it ranks any."""
    if not results or results[0].kind == "none":
        return None
    return results[0].matches[0].entry.id


def _offered(result: KbResult) -> Understanding:
    if result.kind == "candidates" and result.confidence >= OFFER_MIN:
        return Understanding(Meaning.CANDIDATES, tuple(m.entry.id for m in result.matches))
    return Understanding(Meaning.NONE)


def _unique(ids: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))
