"""chalicelib.domain.policies: policy status on a day, renewal countdown, coverage import."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from chalicelib.domain.policies import (
    Coverage,
    PolicyStatus,
    days_until_renewal,
    parse_coverages,
    policy_status,
)

START = date(2024, 3, 1)
END = date(2025, 2, 28)


def test_status_values() -> None:
    assert [s.value for s in PolicyStatus] == ["in_force", "not_started", "expired", "cancelled"]


@pytest.mark.parametrize(
    ("today", "cancelled", "expected"),
    [
        (date(2024, 2, 29), False, PolicyStatus.NOT_STARTED),  # day before start
        (START, False, PolicyStatus.IN_FORCE),  # start day
        (date(2024, 8, 1), False, PolicyStatus.IN_FORCE),
        (END, False, PolicyStatus.IN_FORCE),  # end day is covered
        (date(2025, 3, 1), False, PolicyStatus.EXPIRED),  # day after end
        (date(2024, 8, 1), True, PolicyStatus.CANCELLED),
        (date(2024, 2, 29), True, PolicyStatus.CANCELLED),
        (date(2025, 3, 1), True, PolicyStatus.CANCELLED),
    ],
)
def test_policy_status(today: date, cancelled: bool, expected: PolicyStatus) -> None:
    assert policy_status(START, END, cancelled, today) is expected


def test_one_day_policy() -> None:
    assert policy_status(START, START, False, START) is PolicyStatus.IN_FORCE


def test_end_before_start_is_rejected() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        policy_status(END, START, False, START)


@pytest.mark.parametrize(
    ("today", "expected"),
    [(date(2025, 1, 29), 30), (date(2025, 2, 27), 1), (END, 0), (date(2025, 3, 3), -3)],
)
def test_days_until_renewal(today: date, expected: int) -> None:
    assert days_until_renewal(END, today) == expected


# --- coverages -----------------------------------------------------------------------------------

IMPORT_SAMPLE = (
    "车损险:285000;第三者责任险:2000000;"
    "车上人员责任险(司机):10000/座;车上人员责任险(乘客):10000/座*4"
)


def test_parse_the_import_sample() -> None:
    assert parse_coverages(IMPORT_SAMPLE) == (
        Coverage("车损险", Decimal("285000")),
        Coverage("第三者责任险", Decimal("2000000")),
        Coverage("车上人员责任险(司机)", Decimal("10000"), "/座"),
        Coverage("车上人员责任险(乘客)", Decimal("10000"), "/座*4"),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ()),
        ("  ", ()),
        ("不计免赔", (Coverage("不计免赔", None),)),
        ("不计免赔:", (Coverage("不计免赔", None),)),
        ("车损险:285000;", (Coverage("车损险", Decimal("285000")),)),
        (
            " 车损险 : 285000.50 ;; 不计免赔 ",
            (
                Coverage("车损险", Decimal("285000.50")),
                Coverage("不计免赔", None),
            ),
        ),
        (
            "车损险：２８５０００；不计免赔",  # full-width colon, digits and semicolon
            (
                Coverage("车损险", Decimal("285000")),
                Coverage("不计免赔", None),
            ),
        ),
        (
            "车上人员责任险（乘客）:10000 /座*4",
            (Coverage("车上人员责任险(乘客)", Decimal("10000"), "/座*4"),),
        ),
    ],
)
def test_parse_coverages(text: str, expected: tuple[Coverage, ...]) -> None:
    assert parse_coverages(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (":285000", "without a name"),
        ("车损险:285000;:10", "without a name"),
        ("车损险:abc", "not a number"),
        ("车损险:-100", "not a number"),
        ("车损险:2,000,000", "not a number"),
        ("第三者责任险:200万", "not a number"),
        ("车损险:1e5", "not a number"),
        ("车损险:/座", "not a number"),
    ],
)
def test_malformed_coverages(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_coverages(text)
