"""The knowledge base: customers' questions, in their own words, matched to the staff's answers.

Pure: no I/O. Claims staff keep the entries in a CSV file (chalicelib/kb/faq.csv) and the
synonyms in another (chalicelib/kb/synonyms.csv); `parse_kb` checks every row and says, per row,
what is wrong, in English, for the operator who imports the files.

Matching needs no word segmenter (jieba's dictionary costs about a second at a cold start and
matched worse here). A question is normalised (NFKC, so full-width forms become ASCII; lower
case; punctuation, spaces and emoji dropped; greetings and final particles dropped); a pair of
characters no entry uses is replaced by the one pair that sounds the same, when its neighbour
confirms it (怎么抱案 -> 怎么报案: the typos of a pinyin input method); synonyms are replaced by
their word, longest first; the text is cut into characters, pairs of neighbours, pairs one
character apart and the synonym words found. Each entry's question variants and keywords are
indexed once, with an IDF over entries; characters that carry grammar (的, 了, 我…) weigh little.
A question scores each entry by four measures, each 0..1:

- similarity: cosine (IDF-weighted) with the entry's closest question variant or keyword;
- coverage: how much of the question's weight the entry's vocabulary explains (characters no
  entry knows weigh the most, so off-topic questions score low);
- keyword: the most specific of the entry's keywords found in the question;
- edit: rapidfuzz's normalised edit similarity with the closest question variant.

Tokens also include pairs of syllables (toneless pinyin), so a homophone typo (理陪) still
shares "li pei" with 理赔; letters typed as pinyin are first spelled in the characters the entries
use for those syllables. A long message is also scored clause by clause (and through a window
sliding along a run-on), each entry keeping its best score; `ask` is sure only when the
whole message ranks the same entry first. Bags of pairs ignore word order; the
edit measure rewards a phrasing close to a known one.
`ask` answers when the best score is high and leads the second, offers candidates when it is
middling, and nothing below CANDIDATE_MIN.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.domain.text import cell_problem

if TYPE_CHECKING:
    import numpy as np

    from chalicelib.domain.semantic import Encoder, SemanticIndex

COLUMNS = (
    "id",
    "category",
    "questions",
    "keywords",
    "answer",
    "article_title",
    "article_description",
    "article_url",
)
SYNONYM_COLUMNS = ("word", "synonyms")

# What the bot fills in an answer or article (with `fill`); no other braces are allowed.
PLACEHOLDERS = ("hotline", "privacy_url")
URL_PLACEHOLDERS = ("privacy_url",)  # an article_url may be just one of these

MAX_ANSWER_CHARS = 600  # WeChat texts over ~2048 bytes are cut; Chinese is 3 bytes a character
MAX_QUESTION_CHARS = 100
MAX_CATEGORY_CHARS = 20
MAX_TITLE_CHARS = 64
MAX_DESCRIPTION_CHARS = 120

# Decisions on the best score (0..1) and its lead over the second best.
ANSWER_MIN = 0.65  # calibrated on devstack/kb_eval/calibrate.csv (docs/KNOWLEDGE_BASE.md)
ANSWER_SURE = 0.85  # answered even when a second entry is close
ANSWER_MARGIN = 0.06
# A clause alone may be a side remark: sure only when the whole message ranks the same entry first.
SURE_NEEDS_WHOLE = True
CANDIDATE_MIN = 0.35
CANDIDATE_SPREAD = 0.20  # candidates within this of the best
MAX_CANDIDATES = 3

# Weights of the three measures, and of the kinds of token.
W_SIMILARITY, W_COVERAGE, W_KEYWORD, W_EDIT = 0.35, 0.25, 0.15, 0.25
EDIT_SCORER = "ratio"
W_UNIGRAM, W_PAIR, W_SKIP_PAIR, W_WORD = 0.3, 1.0, 0.5, 1.0
# Pairs of syllables (toneless pinyin): 理陪 and 理赔, or "lipei" typed in letters, share them.
W_SOUND = 0.5
W_FUNCTION = 0.2  # factor for each function character in a token (的, 了, 我, 吗…)
KEYWORD_AS_VARIANT = 0.9  # a keyword alone is a slightly weaker variant than a question
# Sentence embeddings (domain/semantic.py) combined with the lexical score of each entry:
# (lexical + SEMANTIC_WEIGHT * cosine) / (1 + SEMANTIC_WEIGHT); the weight chosen on tune, the
# thresholds above with it on calibrate (docs/KNOWLEDGE_BASE.md, "Sentence embeddings"). 0 turns
# them off (setting KB_SEMANTIC_WEIGHT; the thresholds were not calibrated for that).
SEMANTIC_WEIGHT = 1.0
# In AWS the webhook does not wait for the model (about 1 s of CPU to load): until it is loaded
# in the background, a new container's first messages are scored by their words alone
# (calibrate, at the thresholds above: 39.7% right, 0.4% wrong sure; service/container.py).
# The evaluation, the sweep and the local stack wait.
WAIT_FOR_MODEL = True

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SPLIT_QUESTIONS = re.compile(r"[|｜\r\n]+")
_SPLIT_WORDS = re.compile(r"[|｜\r\n,，、;；]+")
# A long message is scored clause by clause too: where a clause ends.
_CLAUSE_BREAKS = re.compile(
    r"[\s,，.。?？!！;；:：、~～…]+|然后|但是|可是|不过|还有|另外|所以|因为|而且|结果"
)
CLAUSE_MIN_MESSAGE = 12  # characters (normalised) before a message is cut into clauses
CLAUSE_MIN_CHARS = 5  # shorter ones (能理赔吗, 咋整) say too little on their own
CLAUSE_WINDOW = 12  # characters of a run-on read at a time
CLAUSE_FACTOR = 0.85  # a clause lacks the context of the whole message: its score counts less
_LETTERS = re.compile(r"[a-z]+")
MAX_SPELLED = 4  # syllables spelled as one known word at most
_UNITS = re.compile(r"[a-z0-9]+|.", re.S)
_GREETINGS = re.compile(
    r"^(?:你好|您好|在吗|在不在|hello|hi|请问|麻烦问一下|麻烦问下|我想问一下|我想问下|我想问|"
    r"想问一下|想问下|问一下|问下)+"
)
_FILLERS = re.compile(r"一下|谢谢")
# Readings the table has that letters in a message rarely mean as pinyin.
_NOT_SYLLABLES = frozenset({"n", "e", "o", "ei"})
_PARTICLES = re.compile(r"[吗呢啊呀吧哦嘛啦哈]+$")
# Characters that carry grammar rather than meaning: tokens made of them weigh little.
_FUNCTION_CHARS = frozenset(
    "我你您他她它们的了是在要想给个这那就都也还和与吗呢啊吧呀得地着过把么怎样什啥哪嘛哦呗"
)


# The shipped model's vectors of the entries' questions, by text: kept across the rebuilds of
# the knowledge base (every import), so only new questions are encoded again.
_SHARED_VECTORS: dict[str, np.ndarray] = {}


class KbError(Exception):
    """Rows the operator must fix: (row, reason) pairs; row 1 is the header, as in Excel."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = errors
        super().__init__("\n".join(f"row {line}: {reason}" for line, reason in errors))


@dataclass(frozen=True)
class Article:
    title: str
    description: str
    url: str


@dataclass(frozen=True)
class Entry:
    id: str
    category: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str
    article: Article | None


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float  # 0..1


@dataclass(frozen=True)
class KbResult:
    kind: str  # "answer" | "candidates" | "none"
    matches: tuple[Match, ...]  # answer: 1; candidates: the 2..3 best; none: ()
    confidence: float  # the best score

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "confidence": round(self.confidence, 3),
            "matches": [
                {"id": m.entry.id, "score": round(m.score, 3), "question": m.entry.questions[0]}
                for m in self.matches
            ],
        }


def fill(text: str, values: Mapping[str, str]) -> str:
    """Put the bot's values ({hotline}, {privacy_url}) into an answer, title or URL."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


# --- reading the files ---------------------------------------------------------------------


def csv_rows(data: bytes) -> list[dict[str, str]]:
    """The rows of a CSV file as Excel or WPS saves it: UTF-8 with or without BOM, or GB18030
    ("CSV (comma delimited)" on a Chinese Windows). Raises KbError for what is not a CSV."""
    import csv  # reading files is the import's business, not the webhook's
    import io

    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise KbError([(0, "this is an Excel workbook, not CSV: save it as “CSV UTF-8”")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            reason = "the file is neither UTF-8 nor GBK text: save it as “CSV UTF-8”"
            raise KbError([(0, reason)]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[dict[str, str]] = []
    try:
        for row in reader:
            # Cells past the header's columns (DictReader puts them in a list under None): blank
            # ones, as spreadsheets leave, are dropped; anything written there is an error.
            extra = row.pop(None, None) or []
            if any(cell.strip() for cell in extra):
                line = len(rows) + 2
                raise KbError([(line, "more cells than the header has columns")])
            rows.append({k or "": v or "" for k, v in row.items()})
    except csv.Error as exc:
        raise KbError([(reader.line_num, f"not valid CSV: {exc}")]) from exc
    return rows


# --- parsing -------------------------------------------------------------------------------


def parse_synonyms(rows: Iterable[Mapping[str, str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(word, synonyms) pairs, normalised; raises KbError naming rows of the synonyms file."""
    errors: list[tuple[int, str]] = []
    pairs: list[tuple[str, tuple[str, ...]]] = []
    owner: dict[str, tuple[str, int]] = {}  # normalised term -> (its word, row)
    for index, raw in enumerate(rows):
        line = index + 2
        row = _clean_row(raw)
        if index == 0 and (missing := [c for c in SYNONYM_COLUMNS if c not in row]):
            raise KbError([(1, f"missing column(s): {', '.join(missing)}")])
        if not any(row.values()):
            continue
        word = _normalise(row.get("word", ""))
        variants = [_normalise(v) for v in _SPLIT_WORDS.split(row.get("synonyms", ""))]
        variants = list(dict.fromkeys(v for v in variants if v and v != word))
        if not word:
            errors.append((line, "missing word"))
            continue
        if not variants:
            errors.append((line, f"no synonyms for '{word}'"))
            continue
        row_errors = []
        for term in (word, *variants):
            if term in owner and owner[term][0] != word:
                other, other_line = owner[term]
                row_errors.append(f"'{term}' already belongs to '{other}' (row {other_line})")
        if row_errors:
            errors.extend((line, reason) for reason in row_errors)
            continue
        for term in (word, *variants):
            owner.setdefault(term, (word, line))
        pairs.append((word, tuple(variants)))
    if errors:
        raise KbError(errors)
    return tuple(pairs)


def parse_kb(
    rows: Iterable[Mapping[str, str]],
    synonym_rows: Iterable[Mapping[str, str]] = (),
    pinyin: Mapping[str, str] | None = None,
) -> KnowledgeBase:
    """Check every row and build the knowledge base; raises KbError with every row's problems.

    Rows are dicts as csv.DictReader gives them; row numbers count the header as row 1, as a
    spreadsheet shows them (a cell with line breaks is still one row). Blank rows are skipped.
    """
    try:
        synonyms = parse_synonyms(synonym_rows)
    except KbError as exc:
        raise KbError([(line, f"synonyms: {reason}") for line, reason in exc.errors]) from None
    errors: list[tuple[int, str]] = []
    entries: list[Entry] = []
    first_row: dict[str, int] = {}
    seen_rows = 0
    for index, raw in enumerate(rows):
        line = index + 2
        row = _clean_row(raw)
        if index == 0 and (missing := [c for c in ("id", "questions", "answer") if c not in row]):
            raise KbError([(1, f"missing column(s): {', '.join(missing)}")])
        if not any(row.values()):
            continue
        seen_rows += 1
        entry, row_errors = _parse_entry(row)
        entry_id = row.get("id", "")
        if entry_id in first_row:
            row_errors.append(f"duplicate id '{entry_id}' (first on row {first_row[entry_id]})")
        elif entry_id:
            first_row[entry_id] = line
        errors.extend((line, reason) for reason in row_errors)
        if entry and not row_errors:
            entries.append(entry)
    if not seen_rows:
        errors.append((1, "the file has no entries"))
    errors += _clashing_questions(entries, first_row, _Analyser(synonyms))
    if errors:
        raise KbError(sorted(errors, key=lambda e: e[0]))
    return KnowledgeBase(entries, synonyms, pinyin)


def _clashing_questions(
    entries: list[Entry], first_row: dict[str, int], analyser: _Analyser
) -> list[tuple[int, str]]:
    """Questions two entries share once normalised and synonyms replaced: which one answers?"""
    owner: dict[str, str] = {}
    clashes = []
    for entry in entries:
        for question in entry.questions:
            other = owner.setdefault(analyser.tokens(question)[0], entry.id)
            if other != entry.id:
                reason = f"question '{question}' is also a question of '{other}'"
                clashes.append((first_row[entry.id], reason))
    return clashes


def _clean_row(raw: Mapping[str, str]) -> dict[str, str]:
    """Header names trimmed and lower-cased (a BOM read as text dropped); values stripped."""
    return {
        (k or "").replace("\ufeff", "").strip().lower(): (v or "").strip()
        for k, v in raw.items()
    }


def _parse_entry(row: dict[str, str]) -> tuple[Entry | None, list[str]]:
    errors: list[str] = [
        problem for column, value in row.items()
        if (problem := cell_problem(column, value, markup_allowed=True))
    ]  # fmt: skip
    entry_id = row.get("id", "")
    if not entry_id:
        errors.append("missing id")
    elif not _ID.fullmatch(entry_id):
        errors.append(
            f"id '{entry_id}' must be letters, digits, '_', '-' or '.' (at most 64, no spaces)"
        )
    category = row.get("category", "")
    if len(category) > MAX_CATEGORY_CHARS:
        errors.append(f"category is longer than {MAX_CATEGORY_CHARS} characters")

    questions = _split(row.get("questions", ""), _SPLIT_QUESTIONS)
    if not questions:
        errors.append("no questions")
    for question in questions:
        if len(question) > MAX_QUESTION_CHARS:
            errors.append(
                f"question '{question[:20]}…' is longer than {MAX_QUESTION_CHARS} "
                "characters (put long text in the answer)"
            )
        elif not _normalise(question):
            errors.append(f"question '{question}' has no letters, digits or characters")
    keywords = [k for k in _split(row.get("keywords", ""), _SPLIT_WORDS)]
    for keyword in keywords:
        if not _normalise(keyword):
            errors.append(f"keyword '{keyword}' has no letters, digits or characters")

    answer = row.get("answer", "").replace("\r\n", "\n")
    if len(answer) > MAX_ANSWER_CHARS:
        errors.append(f"answer is {len(answer)} characters; keep it under {MAX_ANSWER_CHARS}")
    errors.extend(_placeholder_errors("answer", answer))

    article, article_errors = _parse_article(row)
    errors.extend(article_errors)
    if not answer and article is None and not article_errors:
        errors.append("neither answer nor article (article_title and article_url)")
    if errors:
        return None, errors
    return (
        Entry(entry_id, category, tuple(questions), tuple(keywords), answer, article),
        [],
    )


def _parse_article(row: dict[str, str]) -> tuple[Article | None, list[str]]:
    title = row.get("article_title", "")
    description = row.get("article_description", "")
    url = row.get("article_url", "")
    if not (title or description or url):
        return None, []
    errors = []
    if not title:
        errors.append("article without article_title")
    elif len(title) > MAX_TITLE_CHARS:
        errors.append(f"article_title is longer than {MAX_TITLE_CHARS} characters")
    if len(description) > MAX_DESCRIPTION_CHARS:
        errors.append(f"article_description is longer than {MAX_DESCRIPTION_CHARS} characters")
    if not url:
        errors.append("article without article_url")
    elif not _good_url(url):
        allowed = ", ".join(f"{{{p}}}" for p in URL_PLACEHOLDERS)
        errors.append(f"bad article_url '{url}': use an https:// or http:// address, or {allowed}")
    for name, text in (("article_title", title), ("article_description", description)):
        errors.extend(_placeholder_errors(name, text))
    return (Article(title, description, url) if not errors else None), errors


def _good_url(url: str) -> bool:
    from urllib.parse import urlsplit

    if _PLACEHOLDER.fullmatch(url):
        return url[1:-1] in URL_PLACEHOLDERS
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = parts.hostname or ""
    return (
        parts.scheme in ("http", "https")
        and ("." in host or host == "localhost")
        and not any(c.isspace() for c in url)
    )


def _placeholder_errors(field: str, text: str) -> list[str]:
    errors = []
    for name in _PLACEHOLDER.findall(text):
        if name not in PLACEHOLDERS:
            allowed = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
            errors.append(f"{field} has an unknown placeholder {{{name}}} (allowed: {allowed})")
    if "{" in _PLACEHOLDER.sub("", text) or "}" in _PLACEHOLDER.sub("", text):
        errors.append(f"{field} has a stray '{{' or '}}' (only {{hotline}}-style placeholders)")
    return errors


def _split(cell: str, separators: re.Pattern[str]) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in separators.split(cell) if part.strip()))


# --- text ----------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """NFKC (full-width to half-width), lower case, letters and digits only."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch.isalnum())


def normalise_question(text: str) -> str:
    """A customer's question as it is matched, before synonyms: fillers and particles gone."""
    text = _normalise(text)
    text = _GREETINGS.sub("", text)
    text = _FILLERS.sub("", text)
    return _PARTICLES.sub("", text) or text


class _Analyser:
    """Synonyms replaced by their word (longest first), then cut into weighted tokens."""

    def __init__(
        self,
        synonyms: Iterable[tuple[str, tuple[str, ...]]],
        pinyin: Mapping[str, str] | None = None,
    ) -> None:
        self.pinyin = pinyin or {}
        self.syllable_set = frozenset(self.pinyin.values()) - _NOT_SYLLABLES
        self.function_syllables = frozenset(
            self.pinyin[c] for c in _FUNCTION_CHARS if c in self.pinyin
        )
        self._syllable_cache: dict[str, tuple[str, ...]] = {}
        self.correct: Callable[[str], str] | None = None  # set once the index knows its pairs
        self.word_of: dict[str, str] = {}
        for word, variants in synonyms:
            self.word_of[word] = word
            for variant in variants:
                self.word_of[variant] = word
        terms = sorted(self.word_of, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, terms))) if terms else None

    def canonical(self, text: str) -> tuple[str, list[str]]:
        """The text with synonyms replaced, and the words found."""
        if self._pattern is None:
            return text, []
        words: list[str] = []

        def swap(m: re.Match[str]) -> str:
            words.append(self.word_of[m.group(0)])
            return words[-1]

        return self._pattern.sub(swap, text), words

    def tokens(self, text: str, question: bool = True) -> tuple[str, dict[str, float], set[str]]:
        """(canonical text, {token: kind weight}, optional tokens) of a question or keyword."""
        text = normalise_question(text) if question else _normalise(text)
        if question and self.correct is not None:
            text = self.correct(text)
        text, words = self.canonical(text)
        units = _UNITS.findall(text)
        light = [W_FUNCTION if u in _FUNCTION_CHARS else 1.0 for u in units]
        tokens: dict[str, float] = {}
        for i, unit in enumerate(units):
            tokens["u" + unit] = W_UNIGRAM * light[i]
        for i in range(len(units) - 1):
            tokens["b" + units[i] + units[i + 1]] = W_PAIR * light[i] * light[i + 1]
        # Pairs one character apart survive a wrong, extra or missing character; in a question
        # they only count when some entry has them (`optional`).
        optional: set[str] = set()
        for i in range(len(units) - 2):
            token = "b" + units[i] + units[i + 2]
            weight = W_SKIP_PAIR * light[i] * light[i + 2]
            if token not in tokens:
                optional.add(token)
            if weight > tokens.get(token, 0.0):
                tokens[token] = weight
        for word in words:
            if len(word) > 1:
                tokens["w" + word] = W_WORD
        sounds = self.sounds(units, light)
        for (a, weight_a), (b, weight_b) in zip(sounds, sounds[1:], strict=False):
            token = "s" + a + " " + b
            tokens[token] = max(tokens.get(token, 0.0), W_SOUND * weight_a * weight_b)
        return text, tokens, optional

    def sounds(self, units: list[str], light: list[float]) -> list[tuple[str, float]]:
        """The syllables of a text with their weights: a character's reading, or the
        syllables of letters typed as pinyin ("chexian" -> che, xian)."""
        if not self.pinyin:
            return []
        sounds: list[tuple[str, float]] = []
        for unit, weight in zip(units, light, strict=True):
            reading = self.pinyin.get(unit)
            if reading is not None:
                sounds.append((reading, weight))
            elif unit.isascii() and unit.isalpha():
                sounds.extend((s, self.syllable_weight(s)) for s in self.syllables_of(unit))
        return sounds

    def syllable_weight(self, syllable: str) -> float:
        return W_FUNCTION if syllable in self.function_syllables else 1.0

    def syllables_of(self, letters: str) -> tuple[str, ...]:
        """Letters cut into the fewest pinyin syllables; () when they are not pinyin."""
        if letters not in self._syllable_cache:
            self._syllable_cache[letters] = _cut_syllables(letters, self.syllable_set)
        return self._syllable_cache[letters]


# --- the knowledge base --------------------------------------------------------------------


class KnowledgeBase:
    """Entries and their index, built once; `ask` is cheap (no allocation beyond the query)."""

    def __init__(
        self,
        entries: Iterable[Entry],
        synonyms: Iterable[tuple[str, tuple[str, ...]]] = (),
        pinyin: Mapping[str, str] | None = None,
        encoder: Encoder | None = None,
    ) -> None:
        """pinyin: character -> toneless reading (chalicelib.kb.pinyin_table()), for typos.
        encoder: the sentence embeddings used when SEMANTIC_WEIGHT > 0 (default: the shipped
        model, domain/semantic.shared_encoder(), loaded on the first question)."""
        self.entries: tuple[Entry, ...] = tuple(entries)
        self._encoder = encoder
        self._semantic: SemanticIndex | None = None
        self.synonyms: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
            (w, tuple(v)) for w, v in synonyms
        )
        self._by_id = {e.id: e for e in self.entries}
        self._analyser = _Analyser(self.synonyms, pinyin)
        self._build()

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    # index -----------------------------------------------------------------------------

    def _build(self) -> None:
        analyse = self._analyser.tokens
        n = len(self.entries)
        variants: list[tuple[int, dict[str, float], float]] = []  # (entry, tokens, factor)
        self._questions: list[list[str]] = []  # canonical question texts per entry
        self._keywords: list[list[str]] = []  # canonical keyword texts per entry
        vocab: list[set[str]] = []
        for e_index, entry in enumerate(self.entries):
            words: set[str] = set()
            texts: list[str] = []
            for question in entry.questions:
                text, tokens, _ = analyse(question)
                texts.append(text)
                variants.append((e_index, tokens, 1.0))
                words.update(tokens)
            keywords: list[str] = []
            for keyword in entry.keywords:
                text, tokens, _ = analyse(keyword, question=False)
                keywords.append(text)
                variants.append((e_index, tokens, KEYWORD_AS_VARIANT))
                words.update(tokens)
            self._questions.append(texts)
            self._keywords.append([k for k in keywords if k])
            vocab.append(words)

        self._build_sound_fixes()

        # A question that is, once normalised, one of an entry's own phrasings gets that entry.
        owners: dict[str, set[int]] = {}
        for e_index, texts in enumerate(self._questions):
            for text in (*texts, *self._keywords[e_index]):
                owners.setdefault(text, set()).add(e_index)
        self._exact = {text: next(iter(e)) for text, e in owners.items() if len(e) == 1}

        df: dict[str, int] = {}
        for words in vocab:
            for token in words:
                df[token] = df.get(token, 0) + 1
        self._idf = {t: _idf(n, d) for t, d in df.items()}
        self._idf_unknown = _idf(n, 0)
        self._vocab = vocab

        # A keyword is specific when few entries' texts contain it.
        all_texts = [" ".join(q + k) for q, k in zip(self._questions, self._keywords, strict=True)]
        self._keyword_weight: list[list[tuple[str, float]]] = []
        for keywords in self._keywords:
            weighted = []
            for keyword in keywords:
                containing = sum(1 for t in all_texts if keyword in t)
                weighted.append((keyword, _idf(n, containing) / self._idf_unknown))
            self._keyword_weight.append(weighted)

        self._edit = _edit_matcher([(e, t) for e, ts in enumerate(self._questions) for t in ts])

        self._postings: dict[str, list[tuple[int, float]]] = {}
        self._variant_entry: list[int] = []
        self._variant_norm: list[float] = []
        for v_index, (e_index, tokens, factor) in enumerate(variants):
            norm = 0.0
            for token, kind in tokens.items():
                weight = kind * self._idf[token]
                norm += weight * weight
                self._postings.setdefault(token, []).append((v_index, weight * factor))
            self._variant_entry.append(e_index)
            self._variant_norm.append(math.sqrt(norm) or 1.0)

    def _build_sound_fixes(self) -> None:
        """Pairs of characters the entries and synonyms use, by sound, to fix typos."""
        pinyin = self._analyser.pinyin
        if not pinyin:
            return
        texts = [normalise_question(q) for e in self.entries for q in e.questions]
        texts += [_normalise(k) for e in self.entries for k in e.keywords]
        texts += list(self._analyser.word_of)
        known: set[str] = set()
        by_sound: dict[tuple[str, str], set[str]] = {}
        for text in texts:
            for a, b in zip(text, text[1:], strict=False):
                known.add(a + b)
                if a in pinyin and b in pinyin:
                    by_sound.setdefault((pinyin[a], pinyin[b]), set()).add(a + b)
        fixes = {sound: next(iter(pairs)) for sound, pairs in by_sound.items() if len(pairs) == 1}
        self._known_pairs = frozenset(known)
        self._sound_fixes = fixes
        self._spellings = _spellings(texts, pinyin)
        self._analyser.correct = self._fix_sounds

    def _spell_pinyin(self, text: str) -> str:
        """Letters typed as pinyin written in the characters the entries use for those sounds
        (baodan -> 保单, jiaoqiangxian -> 交强险), longest known run of syllables first."""

        def spell(m: re.Match[str]) -> str:
            syllables = self._analyser.syllables_of(m.group(0))
            if not syllables:
                return m.group(0)
            out, i = [], 0
            while i < len(syllables):
                for n in range(min(MAX_SPELLED, len(syllables) - i), 0, -1):
                    chars = self._spellings.get(syllables[i : i + n])
                    if chars:
                        out.append(chars)
                        i += n
                        break
                else:
                    out.append(syllables[i])
                    i += 1
            return "".join(out)

        return _LETTERS.sub(spell, text)

    def _fix_sounds(self, text: str) -> str:
        """Replace a pair no entry uses by the one pair that sounds the same (怎么抱案 -> 怎么报案)
        when the neighbouring pair then is one the entries use too: 买 and 卖 sound the same,
        so a lone pair is not evidence enough."""
        text = self._spell_pinyin(text)
        pinyin, known, fixes = self._analyser.pinyin, self._known_pairs, self._sound_fixes
        chars = list(text)
        for i in range(len(chars) - 1):
            pair = chars[i] + chars[i + 1]
            if pair in known:
                continue
            fix = fixes.get((pinyin.get(chars[i], ""), pinyin.get(chars[i + 1], "")))
            if not fix:
                continue
            fixed = chars[:i] + list(fix) + chars[i + 2 :]
            window = range(max(i - 1, 0), min(i + 2, len(chars) - 1))
            before = sum("".join(chars[j : j + 2]) in known for j in window)
            after = sum("".join(fixed[j : j + 2]) in known for j in window)
            if after >= before + 2:
                chars = fixed
        return "".join(chars)

    # matching --------------------------------------------------------------------------

    def scores(self, question: str) -> list[Match]:
        """Every entry that shares anything with the question, best first. A long message is
        also scored by its clauses (and pairs of neighbouring clauses), each entry keeping its
        best: the context around a question dilutes every measure of the whole."""
        return self._ranked(question)[0]

    def _ranked(self, question: str) -> tuple[list[Match], str | None]:
        """(scores(), the entry the whole message ranks first)."""
        whole = self._scores(question)
        best = {m.entry.id: m for m in whole}
        for clause in _clauses(question):
            for match in self._scores(clause):
                score = round(match.score * CLAUSE_FACTOR, 4)
                known = best.get(match.entry.id)
                if known is None or score > known.score:
                    best[match.entry.id] = Match(match.entry, score)
        cosines = self._cosines(question) if SEMANTIC_WEIGHT > 0 else None
        if cosines:
            best = self._with_meaning(best, cosines)
            whole = sorted(self._with_meaning({m.entry.id: m for m in whole}, cosines).values(),
                           key=lambda m: -m.score)  # fmt: skip
        ranked = sorted(best.values(), key=lambda m: -m.score)
        return ranked, (whole[0].entry.id if whole else None)

    def _cosines(self, question: str) -> dict[int, float]:
        """Each entry's closest question in meaning (sentence embeddings), or {} without them."""
        if self._semantic is None:
            encoder = self._encoder
            if encoder is None:
                from chalicelib.domain.semantic import shared_encoder

                encoder = shared_encoder(wait=WAIT_FOR_MODEL)
                cache = _SHARED_VECTORS
            else:
                cache = None
            if encoder is None:
                return {}
            from chalicelib.domain.semantic import SemanticIndex

            variants = [(e, t) for e, texts in enumerate(self._questions) for t in texts]
            self._semantic = SemanticIndex(encoder, variants, cache)
        return self._semantic.similarities(self._analyser.tokens(question)[0])

    def _with_meaning(
        self, lexical: dict[str, Match], cosines: dict[int, float]
    ) -> dict[str, Match]:
        """Every entry's lexical score combined with its cosine (entries only the meaning finds
        included: their lexical score is 0)."""
        weight = SEMANTIC_WEIGHT
        combined = {}
        for e_index, cosine in cosines.items():
            entry = self.entries[e_index]
            known = lexical.get(entry.id)
            score = ((known.score if known else 0.0) + weight * max(cosine, 0.0)) / (1 + weight)
            combined[entry.id] = Match(entry, round(score, 4))
        return combined

    def _scores(self, question: str) -> list[Match]:
        text, tokens, optional = self._analyser.tokens(question)
        q_weights = {
            t: k * self._query_idf(t)
            for t, k in tokens.items()
            if t not in optional or t in self._idf
        }
        if not q_weights:
            return []
        q_norm = math.sqrt(sum(w * w for w in q_weights.values()))
        q_total = sum(q_weights.values())

        dots: dict[int, float] = {}
        for token, q_weight in q_weights.items():
            for v_index, weight in self._postings.get(token, ()):
                dots[v_index] = dots.get(v_index, 0.0) + q_weight * weight
        similarity: dict[int, float] = {}
        for v_index, dot in dots.items():
            e_index = self._variant_entry[v_index]
            cos = dot / (q_norm * self._variant_norm[v_index])
            if cos > similarity.get(e_index, 0.0):
                similarity[e_index] = cos

        edit = self._edit(text) if self._edit else {}
        scale = 1.0 if self._edit else 1.0 - W_EDIT  # without rapidfuzz: the others, to 0..1
        for e_index in edit:
            similarity.setdefault(e_index, 0.0)

        matches = []
        for e_index, sim in similarity.items():
            vocab = self._vocab[e_index]
            coverage = sum(w for t, w in q_weights.items() if t in vocab) / q_total
            keyword = max((w for k, w in self._keyword_weight[e_index] if k in text), default=0.0)
            score = (
                W_SIMILARITY * min(sim, 1.0)
                + W_COVERAGE * coverage
                + W_KEYWORD * keyword
                + W_EDIT * edit.get(e_index, 0.0)
            ) / scale
            matches.append(Match(self.entries[e_index], round(score, 4)))
        matches.sort(key=lambda m: -m.score)
        return matches

    def _query_idf(self, token: str) -> float:
        """IDF of a question's token; a pair no entry has weighs as its characters do."""
        idf = self._idf.get(token)
        if idf is not None:
            return idf
        if token[0] == "b":
            unknown = self._idf_unknown
            parts = _UNITS.findall(token[1:])
            return sum(self._idf.get("u" + p, unknown) for p in parts) / len(parts)
        return self._idf_unknown

    def ask(self, question: str) -> KbResult:
        """The best entry when sure, up to 3 candidates when unsure, nothing when nothing fits."""
        ranked, whole_first = self._ranked(question)
        if not ranked or ranked[0].score < CANDIDATE_MIN:
            return KbResult("none", (), ranked[0].score if ranked else 0.0)
        best = ranked[0].score
        second = ranked[1].score if len(ranked) > 1 else 0.0
        exact = self._exact.get(self._analyser.tokens(question)[0])
        if exact is not None:
            own = next((m for m in ranked if m.entry is self.entries[exact]), None)
            if own is not None:
                return KbResult("answer", (own,), own.score)
        sure = best >= ANSWER_SURE or (best >= ANSWER_MIN and best - second >= ANSWER_MARGIN)
        if sure and (whole_first == ranked[0].entry.id or not SURE_NEEDS_WHOLE):
            return KbResult("answer", (ranked[0],), best)
        close = [m for m in ranked[:MAX_CANDIDATES] if m.score >= best - CANDIDATE_SPREAD]
        if len(close) < 2:
            close = ranked[:2]
        return KbResult("candidates", tuple(close), best)

    # storage ---------------------------------------------------------------------------

    def to_data(self) -> tuple[list[dict], list[list]]:
        """(entries, synonyms) as JSON-friendly lists, for the stored snapshot."""
        entries = [
            {
                "id": e.id,
                "category": e.category,
                "questions": list(e.questions),
                "keywords": list(e.keywords),
                "answer": e.answer,
                "article": (
                    {
                        "title": e.article.title,
                        "description": e.article.description,
                        "url": e.article.url,
                    }
                    if e.article
                    else None
                ),
            }
            for e in self.entries
        ]
        synonyms = [[word, list(variants)] for word, variants in self.synonyms]
        return entries, synonyms

    @classmethod
    def from_data(
        cls,
        entries: Iterable[Mapping],
        synonyms: Iterable[Iterable],
        pinyin: Mapping[str, str] | None = None,
    ) -> KnowledgeBase:
        """The knowledge base `to_data` described (already checked when it was imported)."""
        built = []
        for data in entries:
            article = data.get("article")
            built.append(
                Entry(
                    id=data["id"],
                    category=data.get("category", ""),
                    questions=tuple(data["questions"]),
                    keywords=tuple(data.get("keywords", ())),
                    answer=data.get("answer", ""),
                    article=Article(
                        article["title"], article.get("description", ""), article["url"]
                    )
                    if article
                    else None,
                )
            )
        pairs = [(word, tuple(variants)) for word, variants in synonyms]
        return cls(built, pairs, pinyin)


def _edit_matcher(
    variants: list[tuple[int, str]],
) -> Callable[[str], dict[int, float]] | None:
    """question -> {entry: best edit similarity 0..1 with one of its questions}, by rapidfuzz."""
    if not W_EDIT:
        return None
    try:  # a C extension, imported when a KB is built (not at import); pinned in requirements
        from rapidfuzz import fuzz, process
    except ImportError:  # matching still works, a little worse (tests/unit/test_kb.py)
        import logging

        logging.getLogger(__name__).warning("rapidfuzz missing: KB matching without edit measure")
        return None

    scorer = getattr(fuzz, EDIT_SCORER)
    texts = [t for _, t in variants]
    owners = [e for e, _ in variants]

    def edit(text: str) -> dict[int, float]:
        best: dict[int, float] = {}
        for _, score, index in process.extract(
            text, texts, scorer=scorer, limit=None, score_cutoff=1
        ):
            entry = owners[index]
            if score > best.get(entry, 0.0) * 100:
                best[entry] = score / 100
        return best

    return edit


def _clauses(question: str) -> list[str]:
    """The clauses of a long message and pairs of neighbouring ones; [] for a short one."""
    if len(_normalise(question)) < CLAUSE_MIN_MESSAGE:
        return []
    parts = [p for p in _CLAUSE_BREAKS.split(question) if len(_normalise(p)) >= CLAUSE_MIN_CHARS]
    pairs = [a + b for a, b in zip(parts, parts[1:], strict=False)]
    clauses = (parts if len(parts) > 1 else []) + pairs
    # A run-on without a break is read through a window that slides along it.
    for part in parts:
        text = _normalise(part)
        if len(text) > CLAUSE_WINDOW * 3 // 2:
            step = CLAUSE_WINDOW // 2
            clauses += [text[i : i + CLAUSE_WINDOW] for i in range(0, len(text) - step, step)]
    return clauses


def _spellings(texts: Iterable[str], pinyin: Mapping[str, str]) -> dict[tuple[str, ...], str]:
    """Runs of 1..MAX_SPELLED syllables -> the characters the texts most often write them with."""
    from collections import Counter

    counts: dict[tuple[str, ...], Counter[str]] = {}
    for text in texts:
        for n in range(1, MAX_SPELLED + 1):
            for i in range(len(text) - n + 1):
                chars = text[i : i + n]
                if all(c in pinyin for c in chars):
                    sound = tuple(pinyin[c] for c in chars)
                    counts.setdefault(sound, Counter())[chars] += 1
    return {sound: c.most_common(1)[0][0] for sound, c in counts.items()}


def _cut_syllables(letters: str, syllables: frozenset[str]) -> tuple[str, ...]:
    """The fewest syllables that spell the letters exactly (xian, not xi an), or ()."""
    if len(letters) > 60:
        return ()
    best: list[tuple[str, ...] | None] = [()] + [None] * len(letters)
    for end in range(1, len(letters) + 1):
        for start in range(max(0, end - 6), end):
            head = best[start]
            if head is not None and letters[start:end] in syllables:
                candidate = (*head, letters[start:end])
                if best[end] is None or len(candidate) < len(best[end] or ()):
                    best[end] = candidate
    return best[-1] or ()


def _idf(n: int, df: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))
