"""The insurer's book as the bot sees it: customers, policies, claims. Value objects only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from chalicelib.domain.claims import ClaimStatus, TimelineEntry
from chalicelib.domain.people import Gender
from chalicelib.domain.policies import Coverage
from chalicelib.domain.review import Reshoot

# Binding (reference: issue "Policy binding"): 5 wrong answers lock for an hour, counted per
# WeChat user and per policy named. A policy locked against guessing still lets its holder in
# with the full ID number (its keyed hash is the customer id: guessing cannot reach it).
MAX_BIND_FAILURES = 5
BIND_LOCK_S = 3600
BIND_WINDOW_S = 3600
# Across all WeChat users: more wrong answers than this in one minute is someone guessing with
# many accounts (the probe: 208 a minute over 7 openids). Answers by the ID's last six then
# wait for the minute to end (the full ID still binds), and the operators' alarm fires.
MAX_BIND_FAILURES_PER_MINUTE = 30


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    gender: Gender | None


@dataclass(frozen=True)
class Policy:
    policy_no: str
    customer_id: str
    holder_name: str
    holder_gender: Gender | None
    holder_id_masked: str
    holder_phone_masked: str
    plate: str
    vin_masked: str
    brand_model: str
    product: str
    start: date
    end: date
    cancelled: bool
    coverages: tuple[Coverage, ...]
    vin_check: str = ""  # keyed hash of the VIN: compared with the VIN read from a photo


@dataclass(frozen=True)
class Claim:
    claim_no: str
    policy_no: str
    customer_id: str
    plate: str
    accident_date: date
    status: ClaimStatus
    timeline: tuple[TimelineEntry, ...]
    # While photos_requested: which shots the adjuster asked for again, and why.
    reshoots: tuple[Reshoot, ...] = ()

    def amount(self, status: ClaimStatus) -> Decimal | None:
        """The amount recorded with the latest entry of `status` (approved, paid)."""
        for entry in reversed(self.timeline):
            if entry.status is status:
                return entry.amount
        return None


class BindOutcome(StrEnum):
    BOUND = "bound"
    REFUSED = "refused"
    LOCKED = "locked"  # this WeChat user guessed too often
    FULL_ID_NEEDED = "full_id_needed"  # right facts, but the policy is locked against guessing
    BUSY = "busy"  # too many wrong answers across all users this minute


@dataclass(frozen=True)
class BindResult:
    outcome: BindOutcome
    customer: Customer | None = None
    locked_until: float | None = None
