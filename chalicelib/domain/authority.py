"""Claim authority (核赔权限): how much a claim may be approved for, and by whom.

- An approval never exceeds what the policy covers for the loss. A self-survey claim is damage
  to the customer's own car: the vehicle-damage cover (车损险), less a deductible where the
  policy lists one ("免赔额:500"; none with 不计免赔).
- Each role approves alone up to its limit, set by an operator (CLAIMBOT_APPROVAL_LIMITS);
  above it the approval waits for a supervisor's sign-off, by someone else, within the
  supervisor's own limit.
- A flagged claim (VIN not the policy's, a photo taken before the accident, photos missing)
  is approved only with a written reason, which the audit log keeps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from chalicelib.domain.policies import Coverage
from chalicelib.domain.review import InvalidDecision
from chalicelib.domain.survey import (
    FLAG_TAKEN_BEFORE_ACCIDENT,
    FLAG_TAKEN_FAR_FROM_PLACE,
    FLAG_VIN_MISMATCH,
)

DEFAULT_LIMITS: Mapping[str, Decimal] = {
    "adjuster": Decimal("10000"),
    "supervisor": Decimal("100000"),
}
SIGNS_OFF = "supervisor"  # the role whose sign-off an approval above a limit waits for
FLAG_PHOTOS_MISSING = "photos_missing"  # fewer than the five self-survey photos accepted
NEEDS_REASON = frozenset({FLAG_VIN_MISMATCH, FLAG_TAKEN_BEFORE_ACCIDENT, FLAG_TAKEN_FAR_FROM_PLACE,
                          FLAG_PHOTOS_MISSING})  # fmt: skip

NO_AMOUNT_KNOWN = Decimal("Infinity")  # covered, but the data gives no amount
_VEHICLE_DAMAGE = ("车损险", "机动车损失")
_DEDUCTIBLE = ("免赔额",)
_NO_DEDUCTIBLE = "不计免赔"


class AuthorityError(ValueError):
    """CLAIMBOT_APPROVAL_LIMITS cannot be read; the message says why, in English."""


@dataclass(frozen=True)
class Authority:
    limits: Mapping[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_LIMITS))

    @classmethod
    def parse(cls, text: str) -> Authority:
        """"adjuster=10000,supervisor=100000" (yuan); roles not named keep their default."""
        limits = dict(DEFAULT_LIMITS)
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            role, _, amount = part.partition("=")
            try:
                value = Decimal(amount.strip())
            except InvalidOperation:
                message = f"approval limit for {role.strip()!r} is not a number"
                raise AuthorityError(message) from None
            if not role.strip() or not value.is_finite() or value < 0:
                raise AuthorityError(f"approval limit {part!r}: expected role=yuan, yuan >= 0")
            limits[role.strip()] = value
        return cls(limits)

    def limit_of(self, roles: Iterable[str]) -> Decimal:
        """What someone with these roles may approve alone (0: nothing)."""
        return max((self.limits.get(r, Decimal(0)) for r in roles), default=Decimal(0))


def cover_for_own_damage(coverages: Iterable[Coverage]) -> Decimal | None:
    """The vehicle-damage cover less its deductible; None when the policy has no such cover;
    NO_AMOUNT_KNOWN when it has one without an amount in the data (only the roles' limits
    then apply)."""
    items = list(coverages)
    cover = next((c for c in items if _named(c, _VEHICLE_DAMAGE)), None)
    if cover is None:
        return None
    if cover.limit is None:
        return NO_AMOUNT_KNOWN
    if any(_NO_DEDUCTIBLE in c.name for c in items):
        return cover.limit
    deductible = sum((c.limit for c in items if c.limit is not None and _named(c, _DEDUCTIBLE)),
                     Decimal(0))  # fmt: skip
    return max(cover.limit - deductible, Decimal(0))


def _named(coverage: Coverage, names: tuple[str, ...]) -> bool:
    return any(name in coverage.name for name in names)


def check_approval(
    amount: Decimal, cover: Decimal | None, flags: Iterable[str], reason: str
) -> None:
    """InvalidDecision when this approval may not be made by anyone."""
    if cover is None:
        raise InvalidDecision("the policy has no vehicle-damage cover (车损险): "
                              "this loss cannot be approved for an amount")  # fmt: skip
    if amount > cover:
        raise InvalidDecision(f"amount {amount} exceeds what the policy covers for this loss: "
                              f"{cover} yuan (车损险 less deductible)")  # fmt: skip
    flagged = sorted(set(flags) & NEEDS_REASON)
    if flagged and not reason.strip():
        raise InvalidDecision(f"this claim is flagged ({', '.join(flagged)}): "
                              "write why it is approved nonetheless")  # fmt: skip


def needs_sign_off(amount: Decimal, own_limit: Decimal) -> bool:
    return amount > own_limit
