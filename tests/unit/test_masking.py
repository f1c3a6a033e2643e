"""chalicelib.domain.masking: what a chat may show of names, IDs, phones, plates and VINs."""

from __future__ import annotations

import pytest

from chalicelib.domain.masking import mask_id_number, mask_name, mask_phone, mask_plate, mask_vin


@pytest.mark.parametrize(
    ("full_name", "expected"),
    [
        ("王小明", "王**"),
        ("欧阳娜娜", "欧阳**"),
        ("司马懿", "司马*"),
        ("诸葛亮", "诸葛*"),
        ("上官婉儿", "上官**"),
        ("阿依古丽·买买提", "阿依古丽·***"),
        ("阿依古丽 • 买买提", "阿依古丽·***"),
        ("  李 雷 ", "李*"),
        # A name that is exactly a compound surname would otherwise show in full.
        ("欧阳", "欧*"),
        ("王", "*"),
        ("", ""),
    ],
)
def test_mask_name(full_name: str, expected: str) -> None:
    assert mask_name(full_name) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("11010519491231002X", "1****************X"),
        ("11010519491231002x", "1****************X"),
        ("440306900101001", "4*************1"),
        ("12345", "1***5"),
        ("1234", "****"),
        ("1", "*"),
        ("", ""),
    ],
)
def test_mask_id_number(value: str, expected: str) -> None:
    assert mask_id_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("+86 138-1234-5678", "138****5678"),
        ("１３８１２３４５６７８", "138****5678"),
        ("020-87654321", "*********21"),
        ("12345", "***45"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_mask_phone(value: str, expected: str) -> None:
    assert mask_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("粤B12345", "粤B·***45"),
        ("粤b·12345", "粤B·***45"),
        ("粤BD12345", "粤B·****45"),
        ("粤B12345D", "粤B·****5D"),
        ("粤B1234挂", "粤B·***4挂"),
        ("ABCDEFG", "A******"),  # unparseable: first character only
        ("AB", "**"),  # too short to show anything
        ("", ""),
    ],
)
def test_mask_plate(value: str, expected: str) -> None:
    assert mask_plate(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1M8GDM9AXKP042788", "1M8**********2788"),
        ("lsvam4187c2184847", "LSV**********4847"),
        ("ABC123456", "*****3456"),
        ("123456", "******"),
        ("", ""),
    ],
)
def test_mask_vin(value: str, expected: str) -> None:
    assert mask_vin(value) == expected


def test_long_numbers_in_free_text_are_masked_for_staff():
    from chalicelib.domain.masking import mask_long_numbers

    assert mask_long_numbers("电话13800138000") == "电话138******00"
    assert mask_long_numbers("后六位16580X") == "后六位1****X"
    assert mask_long_numbers("12345 车") == "12345 车"
    assert mask_long_numbers("身份证110105194912310021") == "身份证110*************21"


def test_what_staff_read_keeps_a_mobile_to_call_back_and_masks_ids() -> None:
    from chalicelib.domain.masking import mask_for_staff, mask_ids_and_cards

    said = "电话13800138000，身份证11010519491231002X，后六位31002X，卡号6222021234567890123"
    shown = mask_for_staff(said)
    assert "13800138000" in shown
    assert "11010519491231002X" not in shown and "31002X" not in shown
    assert "6222021234567890123" not in shown
    staff = mask_ids_and_cards("您的身份证号440305196310015337，电话17738714269")
    assert "440305196310015337" not in staff and "17738714269" in staff
