"""The typed fields of WeChat's category templates (类目模板), and fitting values into them.

Since May 2023 an Official Account can only add category templates. Each field's key starts
with its type (``thing1``, ``character_string2``, ``time3``...), WeChat checks every value
against that type when the notice is sent (47003 when one does not fit), shows no `first` or
`remark`, cuts at a newline and shows emoji as boxes (../shared/reference/wechat.md).

`fit(key, value)` makes a value what its type accepts — newlines and emoji out, a `thing` cut
to 20 characters with "…" — or raises `FieldError` when it cannot (a claim number with Chinese
in it for a `character_string`, a status longer than five characters for a `phrase`).
`problems(data)` checks a whole notice the same way before it is sent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

ELLIPSIS = "…"
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_SYMBOLS = r"!-/:-@\[-`{-~¥￥·—“”‘’，。、；：？！（）《》【】"


class FieldError(ValueError):
    """A value its field's type does not accept (English, for operators and logs)."""


def field_type(key: str) -> str:
    """``character_string12`` -> ``character_string``; FieldError for a key of no known type."""
    kind = re.sub(r"\d+$", "", key)
    if kind not in RULES:
        raise FieldError(f"template field {key!r}: no WeChat field type {kind!r} "
                         f"(known: {', '.join(sorted(RULES))})")  # fmt: skip
    return kind


def clean(value: str) -> str:
    """One line, no control characters, no emoji (WeChat shows them as boxes)."""
    text = " ".join(str(value).split())
    return "".join(c for c in text if not _is_emoji(c) and unicodedata.category(c)[0] != "C")


def _is_emoji(char: str) -> bool:
    code = ord(char)
    return code > 0xFFFF or 0x2600 <= code <= 0x27BF or unicodedata.category(char) == "So"


def fit(key: str, value: Any) -> str:
    """The value as the field's type accepts it; FieldError when it cannot be made to fit."""
    kind = field_type(key)
    text = clean(str(value))
    if kind == "thing" and len(text) > THING_MAX:
        text = text[: THING_MAX - 1] + ELLIPSIS
    problem = RULES[kind](text)
    if problem:
        raise FieldError(f"template field {key!r} ({kind}): {problem}")
    return text


def problems(data: Mapping[str, Any]) -> list[str]:
    """What WeChat would refuse in a notice's data ({key: {"value": ...}}), in English."""
    found = []
    for key, field in data.items():
        value = field.get("value", "") if isinstance(field, Mapping) else field
        try:
            kind = field_type(key)
        except FieldError as exc:
            found.append(str(exc))
            continue
        text = str(value)
        problem = RULES[kind](text) or ("" if text == clean(text) else "newline, control or emoji")
        if problem:
            found.append(f"template field {key!r} ({kind}): {problem}")
    return found


THING_MAX = 20


def _within(pattern: str, limit: int, what: str) -> Any:
    compiled = re.compile(pattern)

    def check(text: str) -> str:
        if not text:
            return "empty"
        if len(text) > limit:
            return f"{len(text)} characters, at most {limit}"
        return "" if compiled.fullmatch(text) else f"only {what}"

    return check


_TIME = r"(\d{1,2}:\d{2}(:\d{2})?)"
_DATE = (r"(\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日"
         r"|\d{4}[-/.]\d{1,2}([-/.]\d{1,2})?)")  # fmt: skip
_RANGE = r"({x})(~({x}))?"

RULES = {
    "thing": _within(rf"[{_CJK}A-Za-z0-9 {_SYMBOLS}{ELLIPSIS}]+", THING_MAX,
                     "Chinese, letters, digits and symbols"),  # fmt: skip
    "character_string": _within(rf"[A-Za-z0-9{_SYMBOLS}]+", 32, "letters, digits and symbols"),
    "number": _within(r"\d+(\.\d+)?", 32, "digits, with a decimal point"),
    "letter": _within(r"[A-Za-z]+", 32, "letters"),
    "symbol": _within(rf"[{_SYMBOLS}]+", 5, "symbols"),
    "phrase": _within(rf"[{_CJK}]+", 5, "Chinese characters"),
    "name": _within(rf"[{_CJK}]{{1,10}}|[A-Za-z {_SYMBOLS}]{{1,20}}", 20,
                    "Chinese (10) or letters (20)"),  # fmt: skip
    "phone_number": _within(r"[0-9+\-() ]+", 17, "digits and + - ( )"),
    "car_number": _within(rf"[{_CJK}A-Z0-9][A-Z0-9]{{0,6}}[{_CJK}A-Z0-9]?", 8,
                          "a plate: letters and digits, Chinese first and last"),  # fmt: skip
    "amount": _within(r"[¥￥$€£]?\d{1,10}(\.\d{1,2})?元?", 16, "a currency sign and digits"),
    "time": _within(_RANGE.format(x=rf"({_DATE} )?{_TIME}"), 40, "a 24-hour time"),
    "date": _within(_RANGE.format(x=rf"{_DATE}( {_TIME})?"), 40, "a date"),
}
