"""What a chat may show of personal data (PIPL: minimum necessary).

Every mask hides at least MIN_HIDDEN characters: an input too short for its usual pattern is
masked entirely rather than leaked.
"""

from __future__ import annotations

import re

from chalicelib.domain.people import NAME_DOTS, name_parts
from chalicelib.domain.plates import DISPLAY_DOT, PROVINCES, is_valid_plate, normalize_plate
from chalicelib.domain.text import remove_whitespace
from chalicelib.domain.vin import VIN_LENGTH, normalize_vin

MASK = "*"
MIN_HIDDEN = 3

_MOBILE = re.compile(r"^(?:\+?86)?(1\d{10})$")


def _reveal(s: str, head: int, tail: int) -> str:
    """Keep `head` and `tail` characters, mask the rest; all masked if too few would be hidden."""
    hidden = len(s) - head - tail
    if hidden < MIN_HIDDEN:
        return MASK * len(s)
    return s[:head] + MASK * hidden + s[len(s) - tail :]


def mask_id_number(s: str) -> str:
    """First and last character only: "44010619900101123X" → "4****************X"."""
    return _reveal(remove_whitespace(s).upper(), 1, 1)


def mask_phone(s: str) -> str:
    """A mobile keeps 3 + 4 digits ("138****5678"); any other number only its last 2."""
    number = re.sub(r"[\s\-()]", "", remove_whitespace(s))
    mobile = _MOBILE.match(number)
    if mobile:
        return _reveal(mobile.group(1), 3, 4)
    return _reveal(number, 0, 2)


def mask_plate(s: str) -> str:
    """Province, office letter and last 2: "粤B12345" → "粤B·***45"; unparseable: first only."""
    plate = normalize_plate(s)
    if not is_valid_plate(plate):
        return _reveal(plate, 1, 0)
    return plate[:2] + DISPLAY_DOT + _reveal(plate[2:], 0, 2)


def mask_vin(s: str) -> str:
    """WMI and the last 4 for a 17-character VIN ("LSV**********4847"); else the last 4 only."""
    vin = normalize_vin(s)
    if len(vin) == VIN_LENGTH:
        return _reveal(vin, 3, 4)
    return _reveal(vin, 0, 4)


def mask_name(full_name: str) -> str:
    """Surname (compound-aware) or a dotted name's first part, then one "*" per character.

    "王小明" → "王**", "欧阳娜娜" → "欧阳**", "阿依古丽·买买提" → "阿依古丽·***". A name that
    would show in full ("欧阳", "王") keeps only its first character, or none.
    """
    shown, rest = name_parts(full_name)
    if not rest:
        return _reveal_first_only(shown)
    if rest[0] in NAME_DOTS:
        return shown + DISPLAY_DOT + MASK * (len(rest) - 1)
    return shown + MASK * len(rest)


def _reveal_first_only(name: str) -> str:
    """At least one "*" for a non-empty name: "欧阳" → "欧*", "王" → "*"."""
    if len(name) < 2:
        return MASK * len(name)
    return name[0] + MASK * (len(name) - 1)


_LONG_NUMBER = re.compile(r"[0-9Xx]{6,}")


def mask_long_numbers(text: str) -> str:
    """Runs of 6+ digits in free text (phones, ID and card numbers, an ID's last six) masked
    before the text is shown to staff: "13800138000" -> "138******00"."""

    def masked(match: re.Match[str]) -> str:
        digits = match.group(0)
        if len(digits) < 8:
            return digits[:1] + "*" * (len(digits) - 2) + digits[-1:]
        return digits[:3] + "*" * (len(digits) - 5) + digits[-2:]

    return _LONG_NUMBER.sub(masked, text)


_MOBILE_IN_TEXT = re.compile(r"1[3-9]\d{9}")


def mask_for_staff(text: str) -> str:
    """What a customer wrote, for the person helping them: ID, card and other long numbers
    masked (an ID's last six typed to bind is a secret), mobile numbers kept — "请打我电话
    138…" must reach the person who is to call."""

    def masked(match: re.Match[str]) -> str:
        digits = match.group(0)
        if _MOBILE_IN_TEXT.fullmatch(digits):
            return digits
        return mask_long_numbers(digits)

    return _LONG_NUMBER.sub(masked, text)


_ID_OR_CARD = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15}|\d{16,19})(?![0-9A-Za-z])")


def mask_ids_and_cards(text: str) -> str:
    """ID numbers (15 or 18 characters) and bank card numbers in free text masked, phone numbers
    left as typed: what a customer tells the person helping them ("请打我电话 138…") must reach
    that person, what either side writes in the chat must not carry a whole ID number."""
    return _ID_OR_CARD.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 5)
                           + m.group(0)[-2:], text)  # fmt: skip


_PLATE_IN_TEXT = re.compile(rf"[{PROVINCES}]\s*[A-Za-z]\s*[·•・.\-]?\s*[A-Za-z0-9]{{5,6}}")
_VIN_LIKE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{17}(?![A-Za-z0-9])")


def mask_free_text(text: str) -> str:
    """Free text kept for later reading (the knowledge base's miss log): plates, VINs and
    every run of 6+ digits masked (phones too: nobody needs to call back from this log)."""
    text = _PLATE_IN_TEXT.sub(lambda m: mask_plate(m.group(0)), text)
    text = _VIN_LIKE.sub(lambda m: mask_vin(m.group(0)) if any(c.isdigit() for c in m.group(0))
                         else m.group(0), text)  # fmt: skip
    return mask_long_numbers(text)
