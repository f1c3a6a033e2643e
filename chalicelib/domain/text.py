"""Small text helpers shared by the normalisers of plates, VINs, IDs and references."""

from __future__ import annotations

_FULLWIDTH_FIRST = 0xFF01  # "！"
_FULLWIDTH_LAST = 0xFF5E  # "～"
_FULLWIDTH_OFFSET = 0xFEE0
_IDEOGRAPHIC_SPACE = "\u3000"

_HALFWIDTH_TABLE: dict[int, str] = {
    code: chr(code - _FULLWIDTH_OFFSET) for code in range(_FULLWIDTH_FIRST, _FULLWIDTH_LAST + 1)
}
_HALFWIDTH_TABLE[ord(_IDEOGRAPHIC_SPACE)] = " "


def to_halfwidth(s: str) -> str:
    """Turn full-width ASCII forms (Ａ, １, ：, ；, （) and the ideographic space into ASCII.

    Chinese input methods often produce these; everything else is left untouched.
    """
    return s.translate(_HALFWIDTH_TABLE)


def remove_whitespace(s: str) -> str:
    """Drop every whitespace character, including the ideographic space."""
    return "".join(to_halfwidth(s).split())
