"""How well the bot understands customers, measured on messages written the way car owners type
on WeChat (run-ons, typos and homophones, pinyin, fragments, several questions at once), none of
them the FAQ's own phrasings.

tune.csv is what the matcher and the data (phrasings, synonyms, intents) are developed on;
calibrate.csv is only for choosing the decision's thresholds (never for writing phrasings or
changing the matcher: it stays unseen by them, so it tells how sure the bot may be); report.csv
is what the figures are reported on, and nothing is ever tuned on it.
Columns: text, expected, style, note. `expected`:
  answer:<entry>[+<entry>...]   an in-scope question (the main one first)
  person | complaint | emergency
  none                          out of scope (life insurance, weather, car loans, chit-chat…)
  harmless:<entry>|harmless:none  contains a complaint word but is not a complaint

`claimbot kb eval` runs `chalicelib.domain.understanding.understand` — what the router runs —
over a part and prints the figures and the confusions.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources

from chalicelib.domain.intents import Intents
from chalicelib.domain.kb import KnowledgeBase
from chalicelib.domain.understanding import Meaning, Understanding, understand

PARTS = ("tune", "calibrate", "report")

# The figures the reported part must reach (issue "Understand what customers ask").
TARGETS = {
    "in_scope_right": 0.90,  # in-scope questions answered with the right entry
    "wrong_sure_max": 0.02,  # sure answers with the wrong entry, of all in-scope questions
    "out_of_scope_kept": 0.95,  # out-of-scope messages not answered as if in scope
    "person_routed": 0.95,
    "complaint_routed": 0.95,
    "emergency_routed": 0.95,
    "harmless_as_complaint_max": 0,  # a count
}


@dataclass(frozen=True)
class Case:
    text: str
    expected: str
    style: str = ""


def load_part(name: str) -> list[Case]:
    data = (resources.files(__name__) / f"{name}.csv").read_text(encoding="utf-8")
    return read_cases(data.splitlines())


def read_cases(lines: Iterable[str]) -> list[Case]:
    return [Case(r["text"], r["expected"], r.get("style", "")) for r in csv.DictReader(lines)]


@dataclass
class Outcome:
    case: Case
    got: Understanding
    right: bool


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def group(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes if _kind(o.case.expected) == kind]

    def rate(self, kind: str) -> float:
        group = self.group(kind)
        return sum(o.right for o in group) / len(group) if group else 1.0

    @property
    def wrong_sure(self) -> float:
        in_scope = self.group("answer")
        wrong = [o for o in in_scope if o.got.meaning is Meaning.ANSWER and not o.right]
        return len(wrong) / len(in_scope) if in_scope else 0.0

    @property
    def first_ranked(self) -> float:
        """In-scope questions whose right entry the bot put first (answered or offered)."""
        in_scope = self.group("answer")
        hits = [o for o in in_scope if o.got.entries[:1] == (_entries(o.case.expected)[0],)]
        return len(hits) / len(in_scope) if in_scope else 1.0

    @property
    def harmless_as_complaint(self) -> int:
        return sum(o.got.meaning is Meaning.COMPLAINT for o in self.group("harmless"))

    def figures(self) -> dict[str, float]:
        return {
            "in_scope_right": self.rate("answer"),
            "wrong_sure_max": self.wrong_sure,
            "out_of_scope_kept": self.rate("none"),
            "person_routed": self.rate("person"),
            "complaint_routed": self.rate("complaint"),
            "emergency_routed": self.rate("emergency"),
            "harmless_as_complaint_max": self.harmless_as_complaint,
        }

    def misses_targets(self) -> list[str]:
        missed = []
        for name, value in self.figures().items():
            target = TARGETS[name]
            worse = value > target if name.endswith("_max") else value < target
            if worse:
                missed.append(name)
        return missed

    def confusions(self) -> Counter[tuple[str, str]]:
        wrong = [o for o in self.outcomes if not o.right]
        return Counter((_label(o.case.expected), _verdict(o.got)) for o in wrong)


def evaluate(cases: Sequence[Case], kb: KnowledgeBase, intents: Intents) -> Report:
    report = Report()
    for case in cases:
        got = understand(case.text, kb, intents)
        report.outcomes.append(Outcome(case, got, is_right(case.expected, got)))
    return report


def is_right(expected: str, got: Understanding) -> bool:
    kind = _kind(expected)
    if kind == "answer":
        answered = got.meaning in (Meaning.ANSWER, Meaning.EMERGENCY)
        return answered and got.entries[:1] == (_entries(expected)[0],)
    if kind == "none":
        return got.meaning not in (Meaning.ANSWER, Meaning.COMPLAINT)
    if kind == "harmless":
        return got.meaning is not Meaning.COMPLAINT
    return got.meaning.value == kind


def _kind(expected: str) -> str:
    return expected.split(":", 1)[0]


def _entries(expected: str) -> tuple[str, ...]:
    return tuple(expected.split(":", 1)[1].split("+"))


def _label(expected: str) -> str:
    return expected.split("+")[0]


def _verdict(got: Understanding) -> str:
    if got.meaning in (Meaning.ANSWER, Meaning.CANDIDATES) and got.entries:
        return f"{got.meaning.value}:{got.entries[0]}"
    return got.meaning.value
