"""chalicelib.domain.plates and .vin: plate and VIN normalising and validation (motor.md)."""

from __future__ import annotations

import pytest

from chalicelib.domain.plates import (
    PROVINCES,
    format_plate,
    is_new_energy_plate,
    is_valid_plate,
    normalize_plate,
)
from chalicelib.domain.text import to_halfwidth
from chalicelib.domain.vin import is_valid_vin, normalize_vin, vin_check_digit

# --- text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("ＡＢＣ１２３", "ABC123"), ("ｒ：；（）", "r:;()"), ("\u3000粤Ｂ", " 粤B"), ("粤·B", "粤·B")],
)
def test_to_halfwidth(value: str, expected: str) -> None:
    assert to_halfwidth(value) == expected


# --- plates --------------------------------------------------------------------------------------


def test_provinces_are_the_31_abbreviations() -> None:
    assert len(PROVINCES) == len(set(PROVINCES)) == 31


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("粤B12345", "粤B12345"),
        (" 粤 b · 12345 ", "粤B12345"),
        ("粤B-D12345", "粤BD12345"),
        ("粤Ｂ•ｄ１２３４５", "粤BD12345"),
        ("粤B・12345", "粤B12345"),
        ("粤B．12345", "粤B12345"),
    ],
)
def test_normalize_plate(value: str, expected: str) -> None:
    assert normalize_plate(value) == expected


@pytest.mark.parametrize(
    "plate",
    [
        "京A12345",
        "粤B12345",
        "沪AB1234",
        "川A1B2C3",
        "琼E0000Z",
        "粤B1234挂",  # trailer
        "粤B1234学",  # learner car
        "京A1234警",
        "粤Z1234港",
        "粤Z1234澳",
        "粤b12345",  # lower case
        "粤Ｂ１２３４５",  # full width
        "粤B·12345",
        "粤 B 12345",
        "粤BD12345",  # new energy, small
        "粤BF12345",
        "粤BDA1234",
        "粤B·D12345",
        "粤B12345D",  # new energy, large
        "粤B12345F",
    ],
)
def test_valid_plates(plate: str) -> None:
    assert is_valid_plate(plate)


@pytest.mark.parametrize(
    ("plate", "why"),
    [
        ("", "empty"),
        ("粤B1234", "too short"),
        ("粤B123456", "6 digits is neither ordinary nor new energy"),
        ("粤B12345挂", "suffix makes 8 characters"),
        ("港B12345", "not a province abbreviation"),
        ("AB12345", "no province"),
        ("粤I12345", "office letter I"),
        ("粤O12345", "office letter O"),
        ("粤B1234O", "letter O in the serial"),
        ("粤B12I45", "letter I in the serial"),
        ("粤1B2345", "office letter is a digit"),
        ("粤B挂1234", "suffix not last"),
        ("粤BA12345", "8 characters without D/F"),
        ("粤BD1234A", "small new-energy plate ending in a letter"),
        ("粤BDI1234", "letter I in a small new-energy plate"),
        ("粤B1234AD", "large new-energy plate with a letter"),
        ("粤B12345A", "large new-energy marker other than D/F"),
    ],
)
def test_invalid_plates(plate: str, why: str) -> None:
    assert not is_valid_plate(plate), why


@pytest.mark.parametrize(
    ("plate", "expected"),
    [("粤BD12345", True), ("粤B12345F", True), ("粤B12345", False), ("粤BA12345", False)],
)
def test_is_new_energy_plate(plate: str, expected: bool) -> None:
    assert is_new_energy_plate(plate) is expected


@pytest.mark.parametrize(
    ("plate", "expected"),
    [
        ("粤bd12345", "粤B·D12345"),
        ("粤B12345", "粤B·12345"),
        ("粤Ｂ１２３４５Ｆ", "粤B·12345F"),
        ("粤B·1234挂", "粤B·1234挂"),
        ("粤I 12345", "粤I12345"),  # invalid: normalised, no dot
    ],
)
def test_format_plate(plate: str, expected: str) -> None:
    assert format_plate(plate) == expected


# --- VIN -----------------------------------------------------------------------------------------

CLASSIC = "1M8GDM9AXKP042788"  # the textbook example (check digit X)
VALID_VINS = [
    CLASSIC,
    "1HGCM82633A004352",  # widely published Honda example
    "JH4KA7561PC008269",
    "LSVAM4187C2184847",  # SAIC-Volkswagen, made in China
]


def test_classic_vin_check_digit() -> None:
    assert vin_check_digit(CLASSIC) == "X"
    assert is_valid_vin(CLASSIC)


@pytest.mark.parametrize("vin", VALID_VINS)
def test_check_digit_matches_position_9(vin: str) -> None:
    assert vin_check_digit(vin) == vin[8]


def test_check_digit_ignores_position_9() -> None:
    assert vin_check_digit(CLASSIC[:8] + "0" + CLASSIC[9:]) == "X"


@pytest.mark.parametrize(
    "vin",
    [
        *VALID_VINS,
        CLASSIC.lower(),
        " 1M8 GDM9AX KP042788 ",
        "".join(chr(ord(c) + 0xFEE0) for c in CLASSIC),  # full width
    ],
)
def test_valid_vins(vin: str) -> None:
    assert is_valid_vin(vin)


@pytest.mark.parametrize(
    ("vin", "why"),
    [
        ("1M8GDM9A1KP042788", "bad check digit"),
        ("1HGCM82623A004352", "bad check digit"),
        ("1M8GDM9AXKP042789", "a changed character breaks the check digit"),
        ("1M8GDM9AXKPO42788", "letter O"),
        ("1M8GDM9AXKPI42788", "letter I"),
        ("1M8GDM9AXKPQ42788", "letter Q"),
        ("1M8GDM9AXKP04278", "16 characters"),
        ("1M8GDM9AXKP0427888", "18 characters"),
        ("", "empty"),
    ],
)
def test_invalid_vins(vin: str, why: str) -> None:
    assert not is_valid_vin(vin), why


@pytest.mark.parametrize("vin", ["1M8GDM9AXKP04278", "1M8GDM9AXKPO42788", ""])
def test_check_digit_rejects_non_vins(vin: str) -> None:
    with pytest.raises(ValueError):
        vin_check_digit(vin)


def test_normalize_vin() -> None:
    assert normalize_vin(" lsvam 4187ｃ2184847\n") == "LSVAM4187C2184847"
