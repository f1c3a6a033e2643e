"""Small text helpers shared by the normalisers of plates, VINs, IDs and references."""

from __future__ import annotations

import re

_FULLWIDTH_FIRST = 0xFF01  # "！"
_FULLWIDTH_LAST = 0xFF5E  # "～"
_FULLWIDTH_OFFSET = 0xFEE0
_IDEOGRAPHIC_SPACE = "\u3000"

_HALFWIDTH_TABLE: dict[int, str | None] = {
    code: chr(code - _FULLWIDTH_OFFSET) for code in range(_FULLWIDTH_FIRST, _FULLWIDTH_LAST + 1)
}
_HALFWIDTH_TABLE[ord(_IDEOGRAPHIC_SPACE)] = " "
# Invisible characters pasted text carries (zero-width space / joiners, word joiner, BOM, soft
# hyphen, direction marks): "保单\u200b查询" is 保单查询.
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"
_HALFWIDTH_TABLE.update(dict.fromkeys(map(ord, _INVISIBLE)))


def to_halfwidth(s: str) -> str:
    """Turn full-width ASCII forms (Ａ, １, ：, ；, （) and the ideographic space into ASCII,
    and drop invisible characters.

    Chinese input methods often produce these; everything else is left untouched.
    """
    return s.translate(_HALFWIDTH_TABLE)


def remove_whitespace(s: str) -> str:
    """Drop every whitespace character, including the ideographic space."""
    return "".join(to_halfwidth(s).split())


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): text
# imported from a file, and later exported and opened by someone, must not start so.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MARKUP = re.compile(r"<[^>]*>|[<>]")


def starts_like_a_formula(value: str) -> bool:
    return to_halfwidth(value).lstrip(" ").startswith(FORMULA_STARTS)


def has_markup(value: str) -> bool:
    """Angle brackets: HTML tags have no place in names or products."""
    return bool(_MARKUP.search(to_halfwidth(value)))


def cell_problem(column: str, value: str, markup_allowed: bool = False) -> str | None:
    """Why an imported text cell is refused (English, for the operator), else None."""
    if starts_like_a_formula(value):
        return (f"{column} starts with {to_halfwidth(value).lstrip(' ')[:1]!r}: a spreadsheet "
                "would run it as a formula; remove the sign or put text before it")  # fmt: skip
    if not markup_allowed and has_markup(value):
        return f"{column} contains '<' or '>' (HTML is not accepted in names and products)"
    return None
