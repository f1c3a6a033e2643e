"""Adjusters' decisions (pure rules) and console tokens and roles."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from chalicelib.console.auth import (
    Forbidden,
    Permission,
    TokenVerifier,
    Unauthorized,
    dev_user,
    issue_dev_token,
)
from chalicelib.domain import review
from chalicelib.domain.claims import ClaimStatus as S

SECRET = "test-secret"


def test_a_decision_on_a_claim_waiting_for_review_takes_it_into_review_first():
    assert review.steps(S.SURVEY_RECEIVED, review.Action.APPROVE) == (S.UNDER_REVIEW, S.APPROVED)
    assert review.steps(S.UNDER_REVIEW, review.Action.REJECT) == (S.REJECTED,)
    assert review.steps(S.SURVEY_RECEIVED, review.Action.RESHOOT) == (
        S.UNDER_REVIEW, S.PHOTOS_REQUESTED)  # fmt: skip
    with pytest.raises(review.InvalidDecision, match="not waiting for review"):
        review.steps(S.APPROVED, review.Action.REJECT)


@pytest.mark.parametrize(
    "body, problem",
    [
        ({"action": "pay"}, "action must be one of"),
        ({"action": "approve"}, "amount must be a number"),
        ({"action": "approve", "amount": "-5"}, "more than 0"),
        ({"action": "approve", "amount": "9999999"}, "must not exceed"),
        ({"action": "reject"}, "a reason is required"),
        ({"action": "surveyor", "reason": " "}, "a reason is required"),
        ({"action": "reshoot"}, "at least one photo"),
        ({"action": "reshoot", "reshoots": [{"slot": 6, "reason": "blurred"}]}, "slot must be"),
        ({"action": "reshoot", "reshoots": [{"slot": 2, "reason": "ugly"}]}, "reason must be"),
        ({"action": "reshoot", "reshoots": [{"slot": 2, "reason": "other"}]}, "needs a note"),
        ({"action": "reject", "reason": "x" * 201}, "longer than"),
    ],
)
def test_what_each_decision_needs(body, problem):
    with pytest.raises(review.InvalidDecision, match=problem):
        review.parse_decision(body)


def test_valid_decisions_are_normalised():
    approve = review.parse_decision({"action": "approve", "amount": "2350.5"})
    assert approve.amount == Decimal("2350.50")
    reshoot = review.parse_decision(
        {"action": "reshoot", "reshoots": [{"slot": 5, "reason": "vin_unreadable"},
                                           {"slot": 2, "reason": "other", "note": "拍到车牌"}]}
    )  # fmt: skip
    assert [(r.slot, r.reason, r.note) for r in reshoot.reshoots] == [
        (2, "other", "拍到车牌"), (5, "vin_unreadable", "")]  # fmt: skip


def test_dev_tokens_carry_the_roles_and_expire():
    verifier = TokenVerifier(dev_secret=SECRET)
    token = issue_dev_token(dev_user("supervisor1"), SECRET)
    staff = verifier.staff(f"Bearer {token}")
    assert (staff.id, staff.name, staff.roles) == ("supervisor1", "陈主管", ("supervisor",))
    assert staff.may(Permission.VIEW_AUDIT) and staff.may(Permission.DECIDE)
    old = issue_dev_token(dev_user("adjuster1"), SECRET, now=time.time() - 9 * 3600)
    with pytest.raises(Unauthorized):
        verifier.staff(f"Bearer {old}")
    with pytest.raises(Unauthorized):
        verifier.staff(f"Bearer {issue_dev_token(dev_user('adjuster1'), 'other-secret')}")
    with pytest.raises(Unauthorized):
        verifier.staff(None)


def test_roles_grant_only_their_permissions():
    verifier = TokenVerifier(dev_secret=SECRET)
    agent = verifier.staff(f"Bearer {issue_dev_token(dev_user('agent1'), SECRET)}")
    with pytest.raises(Forbidden):
        agent.require(Permission.VIEW_CLAIMS)
    auditor = verifier.staff(f"Bearer {issue_dev_token(dev_user('auditor1'), SECRET)}")
    assert auditor.may(Permission.VIEW_CLAIMS) and not auditor.may(Permission.DECIDE)


def test_cognito_tokens_are_checked_against_the_pools_keys(monkeypatch):
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {
        "sub": "u-1",
        "cognito:username": "li",
        "cognito:groups": ["adjuster", "x"],
        "aud": "client-1",
        "iss": "https://cognito/pool",
        "exp": int(time.time()) + 60,
    }
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})

    class Keys:
        def __init__(self, *a, **k):
            pass

        def get_signing_key_from_jwt(self, _token):
            return type("K", (), {"key": key.public_key()})()

    monkeypatch.setattr(jwt, "PyJWKClient", Keys)
    verifier = TokenVerifier(jwks_url="https://cognito/pool/.well-known/jwks.json",
                             issuer="https://cognito/pool", audience="client-1")  # fmt: skip
    staff = verifier.staff(f"Bearer {token}")
    assert (staff.id, staff.name, staff.roles) == ("u-1", "li", ("adjuster",))
    other = TokenVerifier(jwks_url="https://x", issuer="https://cognito/pool", audience="client-2")
    with pytest.raises(Unauthorized):
        other.staff(f"Bearer {token}")
    forged = jwt.encode(claims, "guess", algorithm="HS256")
    with pytest.raises(Unauthorized):
        verifier.staff(f"Bearer {forged}")
