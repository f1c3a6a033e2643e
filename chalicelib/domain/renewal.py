"""Renewal reminders (pure): which policies are due a notice, whether one was renewed, and the
notice as the fields of the account's category template (类目模板).

A policy gets one notice 30 days and one 7 days before it ends (STAGES), to every WeChat user
bound to its holder. The daily sweep also looks CATCH_UP_DAYS - 1 days back, so a day the
sweep did not run is caught up the next day; the sent marks keep each (policy, stage, user)
to one notice whatever the number of runs.

Renewed: the book holds another policy of the same vehicle (same plate), not cancelled, that
starts at most RENEWED_WITHIN_DAYS before this one ends and ends after it — the next year's
policy, whoever bought it (a vehicle sold and insured by its new owner needs no reminder to its
old one either).

Which template field shows which fact is configuration (`WECHAT_TEMPLATE_RENEWAL_FIELDS`), as
for claim notices (domain/claim_notice.py). The facts a renewal notice can show:

    policy_no   the policy number                          e.g. character_string1
    plate       the vehicle's plate                        e.g. car_number2
    product     the policy's product, 20 characters        e.g. thing3
    end_date    the day the policy ends                    e.g. date4  "2026年12月31日"
    days_left   days until then                            e.g. number5  "30"
    next_step   what to do: reply 续保 for a quote          e.g. thing6
    hotline     the customer-service number                e.g. phone_number7
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from chalicelib.domain.book import Policy
from chalicelib.domain.notice_fields import FieldError, field_type, fit

STAGES = (30, 7)  # days before the end: one notice each
CATCH_UP_DAYS = 3  # the sweep looks at end dates stage, stage-1, stage-2 days ahead
RENEWED_WITHIN_DAYS = 30  # a newer policy starting this long before the end counts
SEND_FROM_HOUR = 10  # China time: the day's sweep runs from 10:00, never at night
KEYWORD = "续保"

DEFAULT_FIELDS = (
    "character_string1=policy_no,car_number2=plate,date3=end_date,thing4=next_step,"
    "phone_number5=hotline"
)
FACTS = ("policy_no", "plate", "product", "end_date", "days_left", "next_step", "hotline")


def parse_fields(text: str) -> tuple[tuple[str, str], ...]:
    """``"date3=end_date,thing4=next_step"`` -> ((key, fact), ...); FieldError (English)."""
    pairs = []
    for part in (text or DEFAULT_FIELDS).split(","):
        key, sep, fact = (s.strip() for s in part.partition("="))
        if not sep or not key or fact not in FACTS:
            raise FieldError(f"{part.strip()!r}: write <field key>=<fact>; facts: "
                             f"{', '.join(FACTS)}")  # fmt: skip
        field_type(key)
        pairs.append((key, fact))
    if len({key for key, _ in pairs}) != len(pairs):
        raise FieldError("a template field is mapped twice")
    return tuple(pairs)


def end_dates_due(today: date) -> list[tuple[int, date]]:
    """(stage, end date) pairs the sweep of `today` looks at, the stage's own day first."""
    return [(stage, today + timedelta(days=stage - back))
            for stage in STAGES for back in range(CATCH_UP_DAYS)]  # fmt: skip


def stage_due(end: date, today: date) -> int | None:
    """The stage a policy ending on `end` is due on `today` (None: none)."""
    for stage, day in end_dates_due(today):
        if day == end:
            return stage
    return None


def renewed(policy: Policy, same_vehicle: Iterable[Policy]) -> bool:
    """Another policy of the vehicle takes over from this one (see the module's rule)."""
    earliest = policy.end - timedelta(days=RENEWED_WITHIN_DAYS)
    return any(
        other.policy_no != policy.policy_no and not other.cancelled
        and other.start >= earliest and other.end > policy.end
        for other in same_vehicle
    )  # fmt: skip


def date_text(day: date) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def facts(policy: Policy, today: date, next_step: str, hotline: str) -> dict[str, str | None]:
    return {
        "policy_no": policy.policy_no,
        "plate": policy.plate,
        "product": policy.product,
        "end_date": date_text(policy.end),
        "days_left": str((policy.end - today).days),
        "next_step": next_step,
        "hotline": hotline,
    }


def notice_data(
    fields: tuple[tuple[str, str], ...], known: dict[str, str | None]
) -> dict[str, dict[str, str]]:
    """The template's data, each fact fitted to its field's type (FieldError when one cannot
    be); facts the policy does not have are left out."""
    return {key: {"value": fit(key, known[fact])} for key, fact in fields
            if known.get(fact) not in (None, "")}  # fmt: skip
