"""Small text helpers shared by the normalisers of plates, VINs, IDs and references."""

from __future__ import annotations

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
