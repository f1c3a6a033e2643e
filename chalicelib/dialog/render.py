"""Turn the book's value objects into the Chinese text customers read (masked, by surname)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal

from chalicelib.dialog import catalogue as t
from chalicelib.domain.book import Claim, Customer, Policy
from chalicelib.domain.claims import ClaimStatus
from chalicelib.domain.hours import CHINA
from chalicelib.domain.masking import mask_plate
from chalicelib.domain.people import Gender, salutation_parts
from chalicelib.domain.policies import Coverage, days_until_renewal, policy_status
from chalicelib.domain.review import Reshoot

RENEWAL_SOON_DAYS = 60
MAX_CLAIMS_SHOWN = 5


def salutation(name: str, gender: Gender | None) -> str:
    base, key = salutation_parts(name, gender)
    return f"{base}{t.HONORIFICS[key]}" if base else t.DEFAULT_SALUTATION


def customer_salutation(customer: Customer | None) -> str:
    return salutation(customer.name, customer.gender) if customer else t.DEFAULT_SALUTATION


def yuan(amount: Decimal) -> str:
    """28.5万元 / 2000元 / 1234.56元."""
    if amount >= 10000 and amount % 100 == 0:
        wan = (amount / 10000).normalize()
        return f"{wan:f}万元"
    return f"{amount.normalize():f}元" if amount == amount.to_integral() else f"{amount:.2f}元"


def coverage_text(coverage: Coverage) -> str:
    if coverage.limit is None:
        return coverage.name
    seats = re.fullmatch(r"/座\*(\d+)", coverage.unit)
    unit = f"/座 × {seats.group(1)}座" if seats else coverage.unit
    return f"{coverage.name} {yuan(coverage.limit)}{unit}"


def policy_entry(index: int, policy: Policy, today: date) -> str:
    status = policy_status(policy.start, policy.end, policy.cancelled, today)
    coverages = t.COVERAGE_SEPARATOR.join(coverage_text(c) for c in policy.coverages)
    phone = t.POLICY_PHONE.format(phone=policy.holder_phone_masked)
    return t.POLICY_ENTRY.format(
        index=index,
        product=policy.product,
        policy_no=policy.policy_no,
        plate=mask_plate(policy.plate),
        status=t.POLICY_STATUS[str(status)],
        start=policy.start.isoformat(),
        end=policy.end.isoformat(),
        renewal=_renewal(policy, str(status), today),
        coverages=coverages or t.NO_COVERAGES,
        id_masked=policy.holder_id_masked,
        phone=phone if policy.holder_phone_masked else "",
    )


def _renewal(policy: Policy, status: str, today: date) -> str:
    if status == "cancelled" or status == "not_started":
        return ""
    days = days_until_renewal(policy.end, today)
    if days < 0:
        return t.RENEWAL_EXPIRED.format(days=-days)
    if days == 0:
        return t.RENEWAL_TODAY
    if days <= RENEWAL_SOON_DAYS:
        return t.RENEWAL_SOON.format(days=days)
    return t.RENEWAL_LATER.format(days=days)


def policies_text(
    customer: Customer, policies: list[Policy], today: date, hotline: str
) -> list[str]:
    """Header plus one part per policy (the caller splits parts across messages)."""
    name = customer_salutation(customer)
    if not policies:
        return [t.POLICIES_NONE.format(salutation=name, hotline=hotline)]
    header = t.POLICIES_HEADER.format(salutation=name, count=len(policies))
    return [header] + [policy_entry(i, p, today) for i, p in enumerate(policies, start=1)]


def when(at: datetime, today: date) -> str:
    local = at.astimezone(CHINA) if at.tzinfo else at
    return local.strftime("%m-%d %H:%M" if local.year == today.year else "%Y-%m-%d %H:%M")


def claim_entry(claim: Claim, today: date, hotline: str) -> str:
    steps = []
    for i, entry in enumerate(claim.timeline):
        template = t.CLAIM_STEP_CURRENT if i == len(claim.timeline) - 1 else t.CLAIM_STEP_DONE
        amount = t.CLAIM_AMOUNT.format(amount=yuan(entry.amount)) if entry.amount else ""
        steps.append(
            template.format(
                at=when(entry.at, today), label=t.CLAIM_STATUS[str(entry.status)], amount=amount
            )
        )
    return t.CLAIM_ENTRY.format(
        claim_no=claim.claim_no,
        accident_date=claim.accident_date.isoformat(),
        plate=mask_plate(claim.plate) if claim.plate else "-",
        status=status_words(claim),
        timeline="\n".join(steps),
        next_step=_next_step_of(claim, hotline),
    )


def _next_step_of(claim: Claim, hotline: str) -> str:
    step = next_step(claim.status, hotline)
    if claim.status is ClaimStatus.PHOTOS_REQUESTED and claim.reshoots:
        return t.CLAIM_RESHOOTS.format(items=reshoot_lines(claim.reshoots)) + "\n" + step
    return step


def reshoot_lines(reshoots: Iterable[Reshoot]) -> str:
    """第3张 受损部位全景：照片模糊…, one line per shot asked again."""
    return "\n".join(
        t.RESHOOT_ITEM.format(
            n=r.slot,
            title=t.SURVEY_SHOT_TITLES[r.slot],
            reason=r.note if r.reason == "other" else t.RESHOOT_REASON_WORDS.get(r.reason, r.note),
        )
        + (f"（{r.note}）" if r.note and r.reason != "other" else "")
        for r in reshoots
    )


def status_words(claim: Claim) -> str:
    words = t.CLAIM_STATUS[str(claim.status)]
    amount = claim.amount(claim.status)
    if claim.status in (ClaimStatus.APPROVED, ClaimStatus.PAID) and amount:
        words += t.CLAIM_AMOUNT.format(amount=yuan(amount))
    return words


def next_step(status: ClaimStatus, hotline: str) -> str:
    return t.CLAIM_NEXT[str(status)].format(hotline=hotline)


def claims_text(customer: Customer, claims: list[Claim], today: date, hotline: str) -> list[str]:
    name = customer_salutation(customer)
    if not claims:
        return [t.CLAIMS_NONE.format(salutation=name, hotline=hotline)]
    parts = [t.CLAIMS_HEADER.format(salutation=name, count=len(claims))]
    parts += [claim_entry(c, today, hotline) for c in claims[:MAX_CLAIMS_SHOWN]]
    if len(claims) > MAX_CLAIMS_SHOWN:
        parts.append(t.CLAIMS_MORE.format(count=len(claims) - MAX_CLAIMS_SHOWN))
    return parts


def locked_until_text(until: float) -> str:
    return datetime.fromtimestamp(until, UTC).astimezone(CHINA).strftime("%H:%M")
