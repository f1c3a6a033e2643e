"""Canned replies (快捷回复): a library of texts supervisors keep and agents send, with
placeholders filled from the chat's customer.

Placeholders are written in braces, in Chinese: {称呼} (张先生, the bound policy holder's
salutation as staff see it), {姓} (张), {赔案号} (the customer's latest claim), {保单号} (the
policy that ends last), {坐席} (the agent's name), {热线} (the service hotline). A placeholder
that is not one of these, or has no value for this customer (an unbound customer has no
surname), stays in the text as written and is reported as unfilled: the agent sees it and
fills it in; the console refuses to send a reply that still has one (never an empty gap).

Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

PLACEHOLDERS = {
    "称呼": "客户的称呼（如 张先生）",
    "姓": "客户的姓",
    "赔案号": "客户最近的赔案号",
    "保单号": "客户的保单号",
    "坐席": "坐席姓名",
    "热线": "客服热线",
}
_PLACEHOLDER = re.compile(r"\{([^{}\s]{1,12})\}")

MAX_TITLE_CHARS = 30
MAX_SHORTCUT_CHARS = 16
MAX_TEXT_CHARS = 1000  # the console's longest reply (console/service.py MAX_CHAT_CHARS)
MAX_CATEGORY_CHARS = 20
MAX_REPLIES = 500  # the library is read whole by the inbox: keep it a library, not a log
_SHORTCUT = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff_-]+$")


class CannedError(ValueError):
    """A reply that cannot be saved (Chinese, for the supervisor)."""


@dataclass(frozen=True)
class Filled:
    text: str
    unfilled: tuple[str, ...]  # placeholders left as written: unknown, or no value here


def placeholders_in(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(1) for m in _PLACEHOLDER.finditer(text or "")))


def unknown_placeholders(text: str) -> list[str]:
    return [name for name in placeholders_in(text) if name not in PLACEHOLDERS]


def fill(text: str, values: Mapping[str, str]) -> Filled:
    """The text with every placeholder that has a value filled; the others left visible."""
    unfilled: list[str] = []

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name, "") if name in PLACEHOLDERS else ""
        if value:
            return value
        if name not in unfilled:
            unfilled.append(name)
        return match.group(0)

    return Filled(_PLACEHOLDER.sub(one, text or ""), tuple(unfilled))


def unfilled_in(text: str) -> list[str]:
    """Placeholders still in a reply about to be sent."""
    return placeholders_in(text)


def values_for(
    salutation: str | None,
    surname: str | None,
    claim_no: str | None,
    policy_no: str | None,
    agent: str | None,
    hotline: str | None,
) -> dict[str, str]:
    values = {"称呼": salutation, "姓": surname, "赔案号": claim_no, "保单号": policy_no,
              "坐席": agent, "热线": hotline}  # fmt: skip
    return {k: v for k, v in values.items() if v}


def surname_of(salutation: str) -> str:
    """张先生 → 张, 欧阳女士 → 欧阳 (the masked salutation staff see; "" for none)."""
    for honorific in ("先生/女士", "先生", "女士"):
        if salutation.endswith(honorific) and len(salutation) > len(honorific):
            return salutation[: -len(honorific)]
    return ""


@dataclass(frozen=True)
class Draft:
    title: str
    text: str
    shortcut: str
    category: str


def check(body: Mapping[str, object]) -> Draft:
    """A reply as a supervisor wrote it, or CannedError with what to fix."""
    title = _clean(body.get("title"))
    text = str(body.get("text") or "").strip()
    shortcut = _clean(body.get("shortcut"))
    category = _clean(body.get("category"))
    if not title:
        raise CannedError("请填写标题")
    if len(title) > MAX_TITLE_CHARS:
        raise CannedError(f"标题最多 {MAX_TITLE_CHARS} 字")
    if not text:
        raise CannedError("请填写回复内容")
    if len(text) > MAX_TEXT_CHARS:
        raise CannedError(f"回复内容最多 {MAX_TEXT_CHARS} 字")
    if len(shortcut) > MAX_SHORTCUT_CHARS or (shortcut and not _SHORTCUT.match(shortcut)):
        raise CannedError(f"快捷词最多 {MAX_SHORTCUT_CHARS} 个字母、数字或汉字，不含空格和符号")
    if len(category) > MAX_CATEGORY_CHARS:
        raise CannedError(f"分类最多 {MAX_CATEGORY_CHARS} 字")
    return Draft(title, text, shortcut, category)


def _clean(value: object) -> str:
    return " ".join(str(value or "").split())


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def matches(query: str, fields: Iterable[str]) -> bool:
    """Every word of the query in one of the fields (title, shortcut, text, category)."""
    words = _plain(query).split()
    haystack = " ".join(_plain(f) for f in fields)
    return all(w in haystack for w in words)
