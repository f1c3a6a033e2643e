"""chalicelib.domain.claims: status moves, timeline validation and reference numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.claims import (
    ALLOWED,
    TERMINAL,
    ClaimStatus,
    IllegalTransition,
    InvalidTimeline,
    TimelineEntry,
    can_move,
    is_claim_number,
    is_policy_number,
    normalize_reference,
    require_move,
    validate_timeline,
)

S = ClaimStatus

EXPECTED_MOVES = {
    (S.REPORTED, S.SURVEY_RECEIVED),
    (S.REPORTED, S.SURVEYOR_SENT),
    (S.REPORTED, S.WITHDRAWN),
    (S.SURVEY_RECEIVED, S.UNDER_REVIEW),
    (S.SURVEY_RECEIVED, S.SURVEYOR_SENT),
    (S.SURVEY_RECEIVED, S.WITHDRAWN),
    (S.UNDER_REVIEW, S.APPROVED),
    (S.UNDER_REVIEW, S.SURVEYOR_SENT),
    (S.UNDER_REVIEW, S.REJECTED),
    (S.UNDER_REVIEW, S.SURVEY_RECEIVED),
    (S.UNDER_REVIEW, S.PHOTOS_REQUESTED),
    (S.PHOTOS_REQUESTED, S.SURVEY_RECEIVED),
    (S.PHOTOS_REQUESTED, S.SURVEYOR_SENT),
    (S.PHOTOS_REQUESTED, S.WITHDRAWN),
    (S.SURVEYOR_SENT, S.UNDER_REVIEW),
    (S.SURVEYOR_SENT, S.APPROVED),
    (S.SURVEYOR_SENT, S.REJECTED),
    (S.SURVEYOR_SENT, S.WITHDRAWN),
    (S.APPROVED, S.REPAIRING),
    (S.APPROVED, S.PAID),
    (S.REPAIRING, S.PAID),
}


def test_every_status_has_an_entry() -> None:
    assert set(ALLOWED) == set(ClaimStatus)


def test_allowed_is_exactly_the_documented_graph() -> None:
    assert {(a, b) for a, targets in ALLOWED.items() for b in targets} == EXPECTED_MOVES


def test_terminal_statuses() -> None:
    assert TERMINAL == {S.PAID, S.REJECTED, S.WITHDRAWN}


@pytest.mark.parametrize(("source", "target"), sorted(EXPECTED_MOVES))
def test_allowed_moves(source: ClaimStatus, target: ClaimStatus) -> None:
    assert can_move(source, target)
    require_move(source, target)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.REPORTED, S.APPROVED),
        (S.REPORTED, S.PAID),
        (S.REPORTED, S.REPORTED),
        (S.SURVEY_RECEIVED, S.APPROVED),
        (S.UNDER_REVIEW, S.WITHDRAWN),
        (S.APPROVED, S.REJECTED),
        (S.APPROVED, S.WITHDRAWN),
        (S.REPAIRING, S.APPROVED),
        (S.PAID, S.REPAIRING),
        (S.REJECTED, S.UNDER_REVIEW),
        (S.WITHDRAWN, S.REPORTED),
    ],
)
def test_disallowed_moves(source: ClaimStatus, target: ClaimStatus) -> None:
    assert not can_move(source, target)
    with pytest.raises(IllegalTransition) as caught:
        require_move(source, target)
    assert caught.value.source is source and caught.value.target is target
    assert source.value in str(caught.value) and target.value in str(caught.value)


def test_illegal_transition_is_a_value_error() -> None:
    assert issubclass(IllegalTransition, ValueError)
    assert issubclass(InvalidTimeline, ValueError)


# --- timeline ------------------------------------------------------------------------------------

T0 = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)


def timeline(*steps: tuple[ClaimStatus, int] | tuple[ClaimStatus, int, str]) -> list[TimelineEntry]:
    """Entries from (status, minutes after T0[, amount])."""
    return [
        TimelineEntry(step[0], T0 + timedelta(minutes=step[1]), Decimal(step[2]))
        if len(step) == 3
        else TimelineEntry(step[0], T0 + timedelta(minutes=step[1]))
        for step in steps
    ]


@pytest.mark.parametrize(
    "entries",
    [
        timeline((S.REPORTED, 0)),
        timeline((S.REPORTED, 0), (S.WITHDRAWN, 5)),
        timeline(
            (S.REPORTED, 0),
            (S.SURVEY_RECEIVED, 10),
            (S.UNDER_REVIEW, 10),  # same instant is fine
            (S.SURVEY_RECEIVED, 30),  # re-shoot asked
            (S.UNDER_REVIEW, 40),
            (S.APPROVED, 50, "3200.50"),
            (S.REPAIRING, 60),
            (S.PAID, 70, "3200.50"),
        ),
        timeline((S.REPORTED, 0), (S.SURVEYOR_SENT, 5), (S.REJECTED, 90)),
    ],
)
def test_valid_timelines(entries: list[TimelineEntry]) -> None:
    validate_timeline(entries)


@pytest.mark.parametrize(
    ("entries", "reason"),
    [
        ([], "empty"),
        (timeline((S.SURVEY_RECEIVED, 0)), "starts with 'survey_received'"),
        (timeline((S.REPORTED, 0), (S.APPROVED, 5, "100")), "'reported' to 'approved'"),
        (timeline((S.REPORTED, 0), (S.WITHDRAWN, 5), (S.REPORTED, 6)), "cannot follow"),
        (timeline((S.REPORTED, 10), (S.SURVEY_RECEIVED, 5)), "earlier than"),
        (
            timeline((S.REPORTED, 0), (S.SURVEYOR_SENT, 5), (S.APPROVED, 6)),
            "entry 2 (approved) must carry an amount",
        ),
        (
            timeline((S.REPORTED, 0), (S.SURVEYOR_SENT, 5), (S.APPROVED, 6, "0")),
            "positive amount",
        ),
        (
            timeline((S.REPORTED, 0), (S.SURVEYOR_SENT, 5), (S.APPROVED, 6, "-1")),
            "positive amount",
        ),
        (
            timeline((S.REPORTED, 0), (S.SURVEYOR_SENT, 5), (S.APPROVED, 6, "NaN")),
            "positive amount",
        ),
        (
            timeline((S.REPORTED, 0), (S.SURVEYOR_SENT, 5), (S.APPROVED, 6, "9"), (S.PAID, 7)),
            "entry 3 (paid) must carry an amount",
        ),
        (timeline((S.REPORTED, 0, "5")), "entry 0 (reported) must not carry an amount"),
        (
            timeline((S.REPORTED, 0), (S.SURVEYOR_SENT, 5, "10")),
            "(surveyor_sent) must not carry an amount",
        ),
        (
            [
                TimelineEntry(S.REPORTED, T0),
                TimelineEntry(S.WITHDRAWN, datetime(2024, 6, 2, 9, 0)),
            ],
            "naive and timezone-aware",
        ),
    ],
)
def test_invalid_timelines(entries: list[TimelineEntry], reason: str) -> None:
    with pytest.raises(InvalidTimeline) as caught:
        validate_timeline(entries)
    assert reason in str(caught.value)


# --- reference numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" rdaa 2024 0601 0000 01 ", "RDAA20240601000001"),
        ("ＲＤＡＡ２０２４０６０１０００００１", "RDAA20240601000001"),
        ("\u3000pdaa20240601000001\n", "PDAA20240601000001"),
    ],
)
def test_normalize_reference(value: str, expected: str) -> None:
    assert normalize_reference(value) == expected


@pytest.mark.parametrize(
    ("value", "claim", "policy"),
    [
        ("RDAA20240601000001", True, False),  # 14 digits
        ("RDAA" + "1" * 20, True, False),  # 20 digits
        ("rdaa 2024 0601 0000 01", True, False),
        ("ＲＤＡＡ２０２４０６０１０００００１", True, False),
        ("PDAA20240601000001", False, True),
        ("pdaa20240601000001", False, True),
        ("RDAA" + "1" * 13, False, False),  # too few digits
        ("RDAA" + "1" * 21, False, False),  # too many digits
        ("RDA120240601000001", False, False),  # digit in the letters
        ("XDAA20240601000001", False, False),
        ("RDAA2024060100000A", False, False),
        ("RDAA2024060100000١", False, False),  # a non-ASCII digit
        ("", False, False),
    ],
)
def test_reference_numbers(value: str, claim: bool, policy: bool) -> None:
    assert is_claim_number(value) is claim
    assert is_policy_number(value) is policy
