"""What a message wants besides an answer: a person, or to complain. Pure: no I/O.

Staff keep the phrasings in a spreadsheet (chalicelib/kb/intents.csv: intent, phrase, kind,
note). A phrase is matched anywhere in the message after the same normalisation questions get
(full-width to ASCII, lower case, no spaces or punctuation), so Latin pinyin ("rengong",
"tousu") works as typed. "…" inside a phrase allows up to GAP characters between its parts
("找…真人" matches 找个真人, 找你们的真人). A phrase of kind `not` vetoes the intent for the
whole message: harmless sentences that contain a complaint word ("律师费", "媒体报道", "举报酒驾",
"对方…起诉我") are not complaints.

A third intent keeps out questions about other lines of insurance (寿险, 重疾险, 家财险…): they
share words with motor entries ("寿险能退吗" scores like cancel_policy) and are not the motor
insurer's to answer here. Its `not` phrases are motor cues (车险, 交强, 驾乘…): a message naming
another line and the car ("车险里的驾乘意外险") is still a motor question.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

INTENT_COLUMNS = ("intent", "phrase", "kind", "note")
GAP = 8  # characters "…" may stand for
_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


class Intent(StrEnum):
    PERSON = "person"
    COMPLAINT = "complaint"
    OTHER_LINE = "other_line"  # another line of insurance (life, health, home…): out of scope


class IntentError(ValueError):
    """Rows of the intents file that cannot be used, with their row numbers (English)."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = errors
        super().__init__("\n".join(f"row {line}: {reason}" for line, reason in errors))


@dataclass(frozen=True)
class Phrase:
    intent: Intent
    text: str
    veto: bool


def normalise(text: str) -> str:
    """What phrases are matched against: NFKC, lower case, no spaces or punctuation."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text).lower())


def _regex(phrase: str) -> str:
    parts = [re.escape(normalise(p)) for p in phrase.split("…")]
    return f".{{0,{GAP}}}?".join(parts)


def _one_pattern(phrases: Iterable[Phrase]) -> re.Pattern[str] | None:
    """All of them as one alternation: one search per message, whatever the list's length."""
    alternatives = [f"(?:{_regex(p.text)})" for p in phrases]
    return re.compile("|".join(alternatives)) if alternatives else None


class Intents:
    def __init__(self, phrases: Iterable[Phrase]) -> None:
        self.phrases = tuple(phrases)
        self._cues = {i: _one_pattern(p for p in self.phrases if p.intent is i and not p.veto)
                      for i in Intent}  # fmt: skip
        self._vetoes = {i: _one_pattern(p for p in self.phrases if p.intent is i and p.veto)
                        for i in Intent}  # fmt: skip

    def found(self, intent: Intent, text: str) -> tuple[str, ...]:
        """What of `intent` the text says (the words as found); () when nothing, or when a veto
        phrase is there."""
        said = normalise(text)
        veto, cues = self._vetoes[intent], self._cues[intent]
        if cues is None or veto is not None and veto.search(said):
            return ()
        return tuple(dict.fromkeys(m.group(0) for m in cues.finditer(said)))

    def wants_person(self, text: str) -> bool:
        return bool(self.found(Intent.PERSON, text))

    def complaint_words(self, text: str) -> tuple[str, ...]:
        return self.found(Intent.COMPLAINT, text)

    def other_line(self, text: str) -> tuple[str, ...]:
        """The words naming another line of insurance, when no motor cue is there too."""
        return self.found(Intent.OTHER_LINE, text)


def parse_intents(rows: Iterable[Mapping[str, str]]) -> Intents:
    """Rows of intents.csv (row numbers as a spreadsheet shows them: the header is row 1)."""
    phrases: list[Phrase] = []
    errors: list[tuple[int, str]] = []
    for line, row in enumerate(rows, start=2):
        intent, phrase = (row.get("intent") or "").strip(), (row.get("phrase") or "").strip()
        kind = (row.get("kind") or "cue").strip() or "cue"
        if not intent and not phrase:
            continue
        if intent not in {i.value for i in Intent}:
            errors.append((line, f"intent must be one of {', '.join(Intent)}, not {intent!r}"))
            continue
        if kind not in ("cue", "not"):
            errors.append((line, f"kind must be cue or not, not {kind!r}"))
            continue
        if len(normalise(phrase.replace("…", ""))) < 2:
            errors.append((line, "a phrase needs at least two characters (letters or digits)"))
            continue
        phrases.append(Phrase(Intent(intent), phrase, kind == "not"))
    if errors:
        raise IntentError(errors)
    return Intents(phrases)
