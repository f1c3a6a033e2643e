"""Chinese vehicle plates (号牌号码): normalising, validating and display form.

Rules from shared/reference/motor.md: an ordinary plate is a province abbreviation, an office
letter and 5 characters; new-energy plates have 6 characters after the office letter.
"""

from __future__ import annotations

import re

from chalicelib.domain.text import remove_whitespace

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

# Separators people and OCR put after the office letter: middle dots, bullets, hyphens.
_SEPARATORS = re.compile(r"[·•・.‧･\-‐‑–—]")

_LETTER = "A-HJ-NP-Z"  # A–Z without I and O
_ORDINARY = re.compile(rf"^[{PROVINCES}][{_LETTER}][{_LETTER}0-9]{{4}}[{_LETTER}0-9挂学警港澳]$")
_NEV_SMALL = re.compile(rf"^[{PROVINCES}][{_LETTER}][DF][{_LETTER}0-9][0-9]{{4}}$")
_NEV_LARGE = re.compile(rf"^[{PROVINCES}][{_LETTER}][0-9]{{5}}[DF]$")

DISPLAY_DOT = "·"


def normalize_plate(s: str) -> str:
    """Canonical form: no spaces or separators, half-width, upper-case.

    "粤b·d１２３４５" → "粤BD12345". Letters that look like digits (O, I) are not corrected.
    """
    return _SEPARATORS.sub("", remove_whitespace(s)).upper()


def is_valid_plate(s: str) -> bool:
    """Whether `s` (after normalising) is an ordinary or a new-energy plate."""
    plate = normalize_plate(s)
    return any(p.fullmatch(plate) for p in (_ORDINARY, _NEV_SMALL, _NEV_LARGE))


def is_new_energy_plate(s: str) -> bool:
    """Whether `s` is a new-energy plate (8 characters, D/F marker)."""
    plate = normalize_plate(s)
    return bool(_NEV_SMALL.fullmatch(plate) or _NEV_LARGE.fullmatch(plate))


def format_plate(s: str) -> str:
    """Display form with the dot after the office letter ("粤B·D12345").

    An invalid plate is returned normalised but without the dot, so nothing looks official
    that is not.
    """
    plate = normalize_plate(s)
    if not is_valid_plate(plate):
        return plate
    return f"{plate[:2]}{DISPLAY_DOT}{plate[2:]}"
