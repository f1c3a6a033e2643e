"""The questions the knowledge base could not answer for sure, and what customers did next.

Every "nothing" and every "candidates" reply is recorded (masked) with what was offered; the
customer's next step is noted on it (picked an offered entry, asked for a person, rephrased,
went to the menu). `claimbot kb misses` groups a period's records by question so that staff
see what to add first: a new phrasing where customers picked an offered entry, a new entry
where nothing fitted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from chalicelib.domain.hours import CHINA
from chalicelib.domain.text import to_halfwidth

NOTHING = "nothing"  # no entry came close: 这个问题我暂时回答不了
CANDIDATES = "candidates"  # up to three entries offered as numbered choices
MAX_QUESTION = 300  # characters kept of a long message

# What a customer did next (NoteKbFollowUp.chose); "picked:<entry id>" names the entry.
PICKED = "picked:"
NEXT_PERSON = "person"
NEXT_COMPLAINT = "complaint"
NEXT_ANSWERED = "rephrased:answered"
NEXT_MISSED = "rephrased:missed"
NEXT_MENU = "menu:"  # + the service chosen (quote, policy, …)
NEXT_OTHER = "other"  # small talk, a photo, a location

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
_TRAILING_PARTICLES = re.compile(r"[啊呀呢吗嘛吧哦哈呗啦么]+$")


@dataclass(frozen=True)
class KbMiss:
    day: str  # YYYY-MM-DD, China time
    miss_id: str
    question: str  # masked
    outcome: str  # NOTHING | CANDIDATES
    offered: tuple[str, ...] = ()
    chose: str = ""  # "" while the customer has not written again


def day_of(at: float) -> str:
    return datetime.fromtimestamp(at, CHINA).date().isoformat()


def days_between(first: date, last: date) -> list[str]:
    """Each day from first to last, both included (the log is kept by day)."""
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def question_key(question: str) -> str:
    """What makes two questions "the same" for counting: no spaces, punctuation, emoji, case
    or trailing particles (退保怎么退啊？ = 退保 怎么退)."""
    plain = _NOISE.sub("", to_halfwidth(question)).lower()
    return _TRAILING_PARTICLES.sub("", plain) or plain


@dataclass
class MissGroup:
    """The records of one question in a period, most frequent first in `most_frequent`."""

    question: str  # the most frequent wording
    count: int = 0
    nothing: int = 0  # of them, how many got no answer at all
    offered: Counter[str] = field(default_factory=Counter)
    chose: Counter[str] = field(default_factory=Counter)
    wordings: Counter[str] = field(default_factory=Counter)

    def add(self, miss: KbMiss) -> None:
        self.count += 1
        self.nothing += miss.outcome == NOTHING
        self.offered.update(miss.offered)
        if miss.chose:
            self.chose[miss.chose] += 1
        self.wordings[miss.question] += 1
        self.question = self.wordings.most_common(1)[0][0]

    @property
    def picked(self) -> Counter[str]:
        """Entries customers picked from the offer: each is a phrasing to add to that entry."""
        return Counter({c[len(PICKED) :]: n for c, n in self.chose.items() if c.startswith(PICKED)})


def most_frequent(misses: Iterable[KbMiss], top: int = 20) -> list[MissGroup]:
    groups: dict[str, MissGroup] = {}
    for miss in misses:
        key = question_key(miss.question)
        groups.setdefault(key, MissGroup(question=miss.question)).add(miss)
    ranked = sorted(groups.values(), key=lambda g: (-g.count, -g.nothing, g.question))
    return ranked[:top] if top > 0 else ranked
