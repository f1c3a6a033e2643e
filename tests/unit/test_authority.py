"""Claim authority (核赔权限): the cover for the loss, each role's limit, flagged claims."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.domain.authority import (
    NO_AMOUNT_KNOWN,
    Authority,
    AuthorityError,
    check_approval,
    cover_for_own_damage,
    needs_sign_off,
)
from chalicelib.domain.policies import parse_coverages
from chalicelib.domain.review import InvalidDecision


@pytest.mark.parametrize(
    ("coverages", "cover"),
    [
        ("车损险:119900;第三者责任险:2000000", Decimal("119900")),
        ("机动车损失保险:80000;免赔额:500", Decimal("79500")),
        ("车损险:80000;绝对免赔额:1000;不计免赔", Decimal("80000")),
        ("第三者责任险:2000000;车上人员责任险(司机):10000/座", None),
        ("机动车损失保险", NO_AMOUNT_KNOWN),
    ],
)
def test_the_cover_for_damage_to_the_customers_own_car(coverages, cover):
    assert cover_for_own_damage(parse_coverages(coverages)) == cover


def test_an_approval_never_exceeds_the_cover_and_a_flagged_claim_needs_a_reason():
    check_approval(Decimal("119900"), Decimal("119900"), [], "")
    with pytest.raises(InvalidDecision, match="exceeds what the policy covers"):
        check_approval(Decimal("999999.99"), Decimal("119900"), [], "理由")
    with pytest.raises(InvalidDecision, match="no vehicle-damage cover"):
        check_approval(Decimal("100"), None, [], "理由")
    with pytest.raises(InvalidDecision, match=r"flagged \(photos_missing, vin_mismatch\)"):
        check_approval(Decimal("100"), Decimal("1000"), ["vin_mismatch", "photos_missing"], " ")
    check_approval(Decimal("100"), Decimal("1000"), ["vin_mismatch"], "已电话核实")
    check_approval(Decimal("100"), NO_AMOUNT_KNOWN, ["reshoots"], "")  # re-shot: not a doubt


def test_each_roles_limit_set_by_an_operator():
    default = Authority()
    assert default.limit_of(["adjuster"]) == Decimal("10000")
    assert default.limit_of(["adjuster", "supervisor"]) == Decimal("100000")
    assert default.limit_of(["auditor"]) == Decimal(0)
    set_ = Authority.parse("adjuster=5000, supervisor=50000.50")
    assert set_.limit_of(["adjuster"]) == Decimal("5000")
    assert set_.limit_of(["supervisor"]) == Decimal("50000.50")
    assert Authority.parse("").limits == default.limits
    assert needs_sign_off(Decimal("10000.01"), Decimal("10000"))
    assert not needs_sign_off(Decimal("10000"), Decimal("10000"))
    for bad in ("adjuster=lots", "=100", "adjuster=-1", "adjuster=NaN"):
        with pytest.raises(AuthorityError):
            Authority.parse(bad)
