"""Vehicle identification numbers (车辆识别代号), GB 16735 / ISO 3779.

China makes the check digit at position 9 mandatory, so a VIN failing it is a typo or a bad
OCR read, never a legitimate foreign-format VIN.
"""

from __future__ import annotations

import re

from chalicelib.domain.text import remove_whitespace

VIN_LENGTH = 17
CHECK_POSITION = 8  # zero-based index of the 9th character

_VIN_CHARS = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")  # no I, O, Q

_LETTER_VALUES: dict[str, int] = {
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def normalize_vin(s: str) -> str:
    """Upper-case, half-width, without whitespace (VINs are often printed in groups)."""
    return remove_whitespace(s).upper()


def _value(char: str) -> int:
    if char.isdigit():
        return int(char)
    return _LETTER_VALUES[char]


def vin_check_digit(vin17: str) -> str:
    """The check character ("0"–"9" or "X") a 17-character VIN must carry at position 9.

    Raises ValueError when `vin17` is not 17 allowed characters (position 9 is ignored).
    """
    vin = normalize_vin(vin17)
    if not _VIN_CHARS.fullmatch(vin[:CHECK_POSITION] + "0" + vin[CHECK_POSITION + 1 :]):
        raise ValueError(f"not 17 VIN characters (no I, O, Q): {vin17!r}")
    remainder = sum(_value(c) * w for c, w in zip(vin, _WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def is_valid_vin(s: str) -> bool:
    """17 allowed characters with a correct check digit."""
    vin = normalize_vin(s)
    if not _VIN_CHARS.fullmatch(vin):
        return False
    return vin[CHECK_POSITION] == vin_check_digit(vin)
