"""The shipped knowledge base: faq.csv and synonyms.csv, edited by claims staff in Excel or WPS.

Columns of faq.csv: id, category, questions, keywords, answer, article_title,
article_description, article_url (questions and keywords: several values separated by `|` or
line breaks). Columns of synonyms.csv: word, synonyms. chalicelib/domain/kb.py checks them;
`claimbot kb import` stores a newer version in DynamoDB without a deploy (chalicelib/store/kb.py).
pinyin.txt (generated from pypinyin, not edited) lets the matcher see through the typos of a
pinyin input method.

Nothing is read at import: the webhook's cold start pays only when it first needs the KB.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.domain.intents import Intents
    from chalicelib.domain.kb import KnowledgeBase

FAQ_FILE = "faq.csv"
SYNONYMS_FILE = "synonyms.csv"
PINYIN_FILE = "pinyin.txt"


def _read(name: str) -> bytes:
    from importlib import resources

    return (resources.files(__name__) / name).read_bytes()


def read_default_bytes() -> tuple[bytes, bytes]:
    """The shipped files' bytes: (faq.csv, synonyms.csv)."""
    return _read(FAQ_FILE), _read(SYNONYMS_FILE)


@lru_cache(maxsize=1)
def pinyin_table() -> Mapping[str, str]:
    """Character -> its usual toneless reading, for the 6763 characters of GB 2312."""
    from types import MappingProxyType

    table: dict[str, str] = {}
    for line in _read(PINYIN_FILE).decode("utf-8").splitlines():
        if line and not line.startswith("#"):
            sound, chars = line.split(" ", 1)
            table.update(dict.fromkeys(chars.strip(), sound))
    return MappingProxyType(table)


def load_default() -> KnowledgeBase:
    """The knowledge base shipped with the code (raises KbError if a file is broken)."""
    from chalicelib.domain.kb import csv_rows, parse_kb

    faq, synonyms = read_default_bytes()
    return parse_kb(csv_rows(faq), csv_rows(synonyms), pinyin_table())


INTENTS_FILE = "intents.csv"


def read_intents_bytes() -> bytes:
    return _read(INTENTS_FILE)


@lru_cache(maxsize=1)
def load_intents() -> Intents:
    """The phrasings of "a person" and "a complaint" shipped with the code."""
    from chalicelib.domain.intents import parse_intents
    from chalicelib.domain.kb import csv_rows

    return parse_intents(csv_rows(read_intents_bytes()))
