"""Assist: the knowledge base's best answers offered to the person answering a customer.

Beside a customer's message (the console's inbox) or under it (the WeCom relay, numbered), up
to MAX_CANDIDATES entries the knowledge base ranks for the message, best first, from its
public ranking (`KnowledgeBase.scores`; the scoring is the knowledge base's own). Entries
below the bot's own floor for offering choices (understanding.OFFER_MIN) are left out: with
sentence embeddings every entry is a little like any message.

What the person sends is recorded (store/assist.py): which entry, for which message, edited or
not, by whom. Those choices are phrasings the knowledge base did not answer by itself, so
`claimbot kb assisted` turns them into rows for the evaluation's tune part — never its
calibrate or report parts (docs/KNOWLEDGE_BASE.md).

Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from chalicelib.domain.kb import Entry, Match, fill
from chalicelib.domain.kb_misses import question_key
from chalicelib.domain.understanding import OFFER_MIN

MAX_CANDIDATES = 10
MIN_SCORE = OFFER_MIN
TITLE_CHARS = 24  # a candidate's title in WeCom: its first question, cut
MAX_QUESTION = 300  # characters kept of a long message in the choice log

OFFER_HEAD = "知识库推荐"  # the first words of the numbered block under a WeCom relay

CONSOLE = "console"
WECOM = "wecom"

# "3", "３", "#3", "3号", "第3条": a pick of the numbered candidates (after the customer's
# code, which service/handoff.py strips, as for any reply).
_PICK = re.compile(r"^(?:第|#)?\s*(\d{1,2})\s*(?:号|条|个)?$")


class Ranker(Protocol):
    """What of the knowledge base Assist needs (domain/kb.py KnowledgeBase)."""

    def scores(self, question: str) -> list[Match]: ...


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    question: str  # the entry's first question: its title
    answer: str  # with the bot's values filled ({hotline}, {privacy_url})
    category: str
    score: float
    article_url: str = ""  # an entry answered by an article card: its link (answer: title)

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.entry_id,
            "question": self.question,
            "answer": self.answer,
            "category": self.category,
            "score": round(self.score, 3),
        }


def candidates(
    kb: Ranker, text: str, values: Mapping[str, str], limit: int = MAX_CANDIDATES
) -> list[Candidate]:
    """The entries the knowledge base ranks for `text`, best first, at most `limit`."""
    said = " ".join((text or "").split())
    if not said:
        return []
    found = []
    for match in kb.scores(said)[: max(0, limit)]:
        if match.score < MIN_SCORE:
            break
        found.append(candidate_of(match.entry, match.score, values))
    return found


def candidate_of(entry: Entry, score: float, values: Mapping[str, str]) -> Candidate:
    if entry.answer:
        answer = fill(entry.answer, values)
        url = ""
    else:  # an article card: the person sends its title and link as text
        article = entry.article
        title = fill(article.title, values) if article else entry.questions[0]
        url = fill(article.url, values) if article else ""
        description = fill(article.description, values) if article else ""
        answer = "\n".join(x for x in (title, description, url) if x)
    return Candidate(entry.id, entry.questions[0], answer, entry.category, score, url)


def title(candidate: Candidate) -> str:
    text = candidate.question
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"


def numbered_block(offered: Iterable[Candidate], code: str) -> str:
    """The lines appended to a WeCom relay: titles only (the message stays short; WeCom cuts
    a text at 2,048 bytes and staff/messenger.py splits longer ones at line ends)."""
    lines = [f"{n}. {title(c)}" for n, c in enumerate(offered, 1)]
    if not lines:
        return ""
    head = f"{OFFER_HEAD}（回复序号即发送该答案，如“{code} 1”；只有这一位客户时直接回复“1”）："
    return "\n".join([head, *lines])


def parse_pick(text: str) -> int | None:
    """The candidate a staff reply picks ("3", "#3", "第3条", full-width digits), or None."""
    plain = unicodedata.normalize("NFKC", (text or "").strip())
    found = _PICK.match(plain)
    if not found:
        return None
    number = int(found.group(1))
    return number if 1 <= number <= MAX_CANDIDATES else None


def is_edited(sent: str, answer: str) -> bool:
    """Whether what was sent differs from the candidate's answer (spacing aside)."""
    return _squeeze(sent) != _squeeze(answer)


def _squeeze(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def choice_id(message_ref: str, entry_id: str) -> str:
    """One record per message and entry: sending it twice (a retry, a double click) is one."""
    digest = hashlib.sha256(f"{message_ref}|{entry_id}".encode()).hexdigest()[:16]
    return digest


@dataclass(frozen=True)
class Choice:
    """What a person sent from the candidates (store/assist.py), masked."""

    day: str  # YYYY-MM-DD, China time
    choice_id: str
    question: str  # the customer's message, masked
    entry_id: str
    rank: int  # 1-based place among the candidates offered; 0: not among them
    offered: tuple[str, ...]
    edited: bool
    staff_id: str
    channel: str  # console | wecom
    at: float = 0.0


@dataclass
class ChoiceGroup:
    """The choices of one question in a period, for `claimbot kb assisted`."""

    question: str
    count: int = 0
    entries: Counter[str] = field(default_factory=Counter)
    unedited: Counter[str] = field(default_factory=Counter)
    ranks: Counter[int] = field(default_factory=Counter)
    wordings: Counter[str] = field(default_factory=Counter)

    def add(self, choice: Choice) -> None:
        self.count += 1
        self.entries[choice.entry_id] += 1
        if not choice.edited:
            self.unedited[choice.entry_id] += 1
        self.ranks[choice.rank] += 1
        self.wordings[choice.question] += 1
        self.question = self.wordings.most_common(1)[0][0]

    @property
    def entry(self) -> str:
        """The entry chosen most often for this question."""
        return self.entries.most_common(1)[0][0]

    @property
    def agreed(self) -> bool:
        """Every choice of the question was the same entry, sent as it was: a phrasing."""
        return len(self.entries) == 1 and self.unedited[self.entry] == self.count


def grouped(choices: Iterable[Choice], top: int = 0) -> list[ChoiceGroup]:
    groups: dict[str, ChoiceGroup] = {}
    for choice in choices:
        key = question_key(choice.question)
        groups.setdefault(key, ChoiceGroup(question=choice.question)).add(choice)
    ranked = sorted(groups.values(), key=lambda g: (-g.count, g.question))
    return ranked[:top] if top > 0 else ranked


def eval_rows(groups: Iterable[ChoiceGroup], known: Iterable[str]) -> list[dict[str, str]]:
    """Rows for the evaluation's tune part (text, expected, style, note): the questions staff
    answered with one entry, unedited, that no part of the evaluation has yet (the same
    question in calibrate or report must not be copied into tune: it would be tuned on)."""
    seen = {question_key(text) for text in known}
    rows = []
    for group in groups:
        key = question_key(group.question)
        if not group.agreed or key in seen:
            continue
        seen.add(key)
        rows.append({"text": group.question, "expected": f"answer:{group.entry}",
                     "style": "assisted", "note": f"staff sent it x{group.count}"})  # fmt: skip
    return rows
