"""chalicelib.domain.people: surnames, salutations and resident identity numbers."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.people import (
    COMPOUND_SURNAMES,
    Gender,
    gender_from_id,
    id_last6,
    is_valid_id_number,
    salutation_parts,
    surname,
)

TODAY = date(2024, 6, 15)

# GB 11643 as documented: weights for the first 17 digits, sum mod 11 indexes "10X98765432".
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check(first17: str) -> str:
    """A full ID number: the 17 digits and the check character computed here, independently."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


# The sample printed in GB 11643 and countless tutorials (a woman born 1949-12-31).
PUBLISHED_SAMPLE = "11010519491231002X"
MAN_1990 = with_check("44030619900101001")  # sequence 001 → odd → male
WOMAN_2000 = with_check("32010220000229002")  # leap day, sequence 002 → female


@pytest.mark.parametrize(
    ("full_name", "expected"),
    [
        ("王小明", "王"),
        ("欧阳娜娜", "欧阳"),
        ("司马懿", "司马"),
        ("诸葛亮", "诸葛"),
        ("上官婉儿", "上官"),
        ("阿依古丽·买买提", "阿依古丽"),
        ("阿依古丽 • 买买提", "阿依古丽"),
        ("阿依古丽・买买提", "阿依古丽"),
        ("阿依古丽．买买提", "阿依古丽"),
        ("阿依古丽.买买提", "阿依古丽"),
        ("  李 雷 ", "李"),
        ("欧阳", "欧阳"),
        ("王", "王"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_surname(full_name: str, expected: str) -> None:
    assert surname(full_name) == expected


def test_compound_surnames_include_the_common_ones() -> None:
    required = (
        "欧阳 司马 诸葛 上官 皇甫 令狐 慕容 尉迟 长孙 宇文 司徒 司空 东方 夏侯 公孙 轩辕 端木 "
        "西门 南宫 独孤 申屠 太史 闻人 万俟 澹台 公冶 宗政 濮阳 淳于 单于 太叔 仲孙 钟离 呼延 "
        "赫连 拓跋 百里 东郭 南门 羊舌 微生 梁丘 左丘 第五 公羊 公良 乐正 谷梁 段干 漆雕 壤驷 巫马"
    ).split()
    assert set(required) <= COMPOUND_SURNAMES
    assert all(len(s) == 2 for s in COMPOUND_SURNAMES)


@pytest.mark.parametrize(
    ("full_name", "gender", "expected"),
    [
        ("王小明", Gender.MALE, ("王", "mr")),
        ("欧阳娜娜", Gender.FEMALE, ("欧阳", "ms")),
        ("阿依古丽·买买提", Gender.FEMALE, ("阿依古丽", "ms")),
        ("诸葛亮", None, ("诸葛", "")),
        ("", Gender.MALE, ("", "mr")),
    ],
)
def test_salutation_parts(full_name: str, gender: Gender | None, expected: tuple[str, str]) -> None:
    assert salutation_parts(full_name, gender) == expected


@pytest.mark.parametrize(
    "id_number",
    [PUBLISHED_SAMPLE, PUBLISHED_SAMPLE.lower(), MAN_1990, WOMAN_2000, f" {MAN_1990} "],
)
def test_valid_id_numbers(id_number: str) -> None:
    assert is_valid_id_number(id_number, today=TODAY)


def test_full_width_id_number_is_accepted() -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in PUBLISHED_SAMPLE)
    assert is_valid_id_number(full_width, today=TODAY)


def _wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


@pytest.mark.parametrize(
    ("id_number", "why"),
    [
        (_wrong_check(PUBLISHED_SAMPLE), "wrong check character"),
        (_wrong_check(MAN_1990), "wrong check character"),
        (PUBLISHED_SAMPLE[:17], "17 characters"),
        (PUBLISHED_SAMPLE + "0", "19 characters"),
        ("X" + PUBLISHED_SAMPLE[1:], "letter in the digits"),
        (with_check("44030619900230001"), "30 February"),
        (with_check("44030619901301001"), "month 13"),
        (with_check("44030620230229001"), "29 February in a common year"),
        (with_check("44030620240616001"), "born tomorrow"),
        (with_check("44030618991231001"), "born before 1900"),
        ("", "empty"),
    ],
)
def test_invalid_id_numbers(id_number: str, why: str) -> None:
    assert not is_valid_id_number(id_number, today=TODAY), why


def test_birth_date_today_is_valid() -> None:
    assert is_valid_id_number(with_check("44030620240615001"), today=TODAY)


def test_today_defaults_to_the_real_date() -> None:
    assert is_valid_id_number(PUBLISHED_SAMPLE)
    assert not is_valid_id_number(with_check("440306" + "29991231" + "001"))


@pytest.mark.parametrize(
    ("id_number", "expected"),
    [
        (PUBLISHED_SAMPLE, Gender.FEMALE),
        (MAN_1990, Gender.MALE),
        (WOMAN_2000, Gender.FEMALE),
        (with_check("44030619900101019"), Gender.MALE),
        ("440306900101001", Gender.MALE),  # 15-digit first generation: last digit odd
        ("440306900101002", Gender.FEMALE),
        (_wrong_check(MAN_1990), None),
        ("440306901301001", None),  # 15 digits, month 13
        ("44030690010100", None),
        ("", None),
    ],
)
def test_gender_from_id(id_number: str, expected: Gender | None) -> None:
    assert gender_from_id(id_number, today=TODAY) is expected


@pytest.mark.parametrize(
    ("id_number", "expected"),
    [(PUBLISHED_SAMPLE.lower(), "31002X"), (MAN_1990, MAN_1990[-6:]), (" 123 ", "123")],
)
def test_id_last6(id_number: str, expected: str) -> None:
    assert id_last6(id_number) == expected
