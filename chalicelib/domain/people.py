"""Names and resident identity numbers (居民身份证号码, GB 11643).

Only the rules live here; the dialog turns a salutation key into 先生/女士.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from chalicelib.domain.text import remove_whitespace, to_halfwidth

COMPOUND_SURNAMES: frozenset[str] = frozenset(
    """
    欧阳 司马 诸葛 上官 皇甫 令狐 慕容 尉迟 长孙 宇文 司徒 司空 东方 夏侯 公孙 轩辕 端木 西门
    南宫 独孤 申屠 太史 闻人 万俟 澹台 公冶 宗政 濮阳 淳于 单于 太叔 仲孙 钟离 呼延 赫连 拓跋
    百里 东郭 南门 羊舌 微生 梁丘 左丘 第五 公羊 公良 乐正 谷梁 段干 漆雕 壤驷 巫马
    """.split()
)

# Middle dots separating the parts of Uyghur, Tibetan, foreign (etc.) names, as typed or OCR'd.
NAME_DOTS = "·•・．.‧･"
_NAME_DOT = re.compile(f"[{re.escape(NAME_DOTS)}]")


class Gender(StrEnum):
    MALE = "M"
    FEMALE = "F"


_HONORIFIC_KEYS: dict[Gender, str] = {Gender.MALE: "mr", Gender.FEMALE: "ms"}


# --- names -----------------------------------------------------------------------------------


def clean_name(full_name: str) -> str:
    """The name as it should be read: trimmed, no whitespace inside a Chinese name.

    Spaces are kept (collapsed to one) only between two ASCII characters ("John Smith"), and
    leading or trailing dots are dropped.
    """
    collapsed = " ".join(to_halfwidth(full_name).split())
    without = re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])", "", collapsed)
    return without.strip(NAME_DOTS + " ")


def name_parts(full_name: str) -> tuple[str, str]:
    """(the part we address the person by, the rest) of a cleaned name.

    A dotted name splits at its first dot (the rest keeps its dot: "·买买提"); otherwise the
    surname, compound-aware, and the given name.
    """
    name = clean_name(full_name)
    dot = _NAME_DOT.search(name)
    if dot:
        return name[: dot.start()], name[dot.start() :]
    head = 2 if name[:2] in COMPOUND_SURNAMES else 1
    return name[:head], name[head:]


def surname(full_name: str) -> str:
    """Surname to address someone by: compound-aware; a dotted name's first part; "" if empty.

    A name that is exactly a compound surname ("欧阳") returns the compound itself.
    """
    return name_parts(full_name)[0]


def salutation_parts(full_name: str, gender: Gender | None) -> tuple[str, str]:
    """(surname or first part, honorific key "mr" | "ms" | "") for the dialog to render."""
    return surname(full_name), _HONORIFIC_KEYS[gender] if gender else ""


# --- resident identity numbers ---------------------------------------------------------------

_ID18 = re.compile(r"^[0-9]{17}[0-9X]$")
_ID15 = re.compile(r"^[0-9]{15}$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
EARLIEST_BIRTH_YEAR = 1900


def normalize_id_number(id_number: str) -> str:
    """Half-width, upper-case, without whitespace."""
    return remove_whitespace(id_number).upper()


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _birth_date(yyyymmdd: str, today: date) -> date | None:
    """The birth date if it is a real date between 1900 and `today`, else None."""
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
    if born.year < EARLIEST_BIRTH_YEAR or born > today:
        return None
    return born


def is_valid_id_number(id_number: str, today: date | None = None) -> bool:
    """An 18-character resident ID: 17 digits, check character, plausible birth date."""
    number = normalize_id_number(id_number)
    if not _ID18.fullmatch(number) or id_check_char(number[:17]) != number[17]:
        return False
    return _birth_date(number[6:14], today or date.today()) is not None


def _is_valid_old_id_number(number: str, today: date) -> bool:
    """A 15-digit first-generation ID: no check digit, birth date as YYMMDD in the 1900s."""
    return bool(_ID15.fullmatch(number)) and _birth_date("19" + number[6:12], today) is not None


def gender_from_id(id_number: str, today: date | None = None) -> Gender | None:
    """Gender from the sequence digit (odd = male): 17th of 18, or last of 15; None if invalid."""
    number = normalize_id_number(id_number)
    today = today or date.today()
    if is_valid_id_number(number, today):
        digit = number[16]
    elif _is_valid_old_id_number(number, today):
        digit = number[14]
    else:
        return None
    return Gender.MALE if int(digit) % 2 else Gender.FEMALE


def id_last6(id_number: str) -> str:
    """The last six characters, upper-case (a customer's usual proof of identity)."""
    return normalize_id_number(id_number)[-6:]
