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

# Binding (reference: issue "Policy binding"): 5 wrong answers lock for an hour.
MAX_BIND_FAILURES = 5
BIND_LOCK_S = 3600
BIND_WINDOW_S = 3600


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
    LOCKED = "locked"


@dataclass(frozen=True)
class BindResult:
    outcome: BindOutcome
    customer: Customer | None = None
    locked_until: float | None = None
