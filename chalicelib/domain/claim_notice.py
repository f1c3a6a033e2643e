"""A claim's progress as the fields of the account's category template (类目模板).

Which template field shows which fact of the claim is configuration
(`WECHAT_TEMPLATE_CLAIM_FIELDS`): the template an insurer gets approved decides its field keys,
and the keys decide the types (domain/notice_fields.py). The facts a notice can show:

    claim_no       the claim number                        e.g. character_string1
    status         where the claim is, with the amount      e.g. thing2   "审核通过（1.2万元）"
    status_phrase  where the claim is, five characters       e.g. phrase2  "审核通过"
    amount         the amount of the latest step, if any     e.g. amount6  "¥12000.00"
    updated_at     when the claim moved                      e.g. time3    "2026年12月06日 10:30"
    next_step      what happens next, in 20 characters      e.g. thing4
    hotline        the customer-service number              e.g. phone_number5

A fact the claim does not have (no amount yet) leaves its field out.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from chalicelib.domain.notice_fields import FieldError, field_type, fit

DEFAULT_FIELDS = (
    "character_string1=claim_no,thing2=status,time3=updated_at,thing4=next_step,"
    "phone_number5=hotline"
)
FACTS = ("claim_no", "status", "status_phrase", "amount", "updated_at", "next_step", "hotline")


def parse_fields(text: str) -> tuple[tuple[str, str], ...]:
    """``"thing2=status,time3=updated_at"`` -> ((key, fact), ...); FieldError (English) when a
    key has no WeChat type or a fact is unknown."""
    pairs = []
    for part in (text or DEFAULT_FIELDS).split(","):
        key, sep, fact = (s.strip() for s in part.partition("="))
        if not sep or not key or fact not in FACTS:
            known = ", ".join(FACTS)
            raise FieldError(f"{part.strip()!r}: write <field key>=<fact>; facts: {known}")
        field_type(key)
        pairs.append((key, fact))
    if len({key for key, _ in pairs}) != len(pairs):
        raise FieldError("a template field is mapped twice")
    return tuple(pairs)


def amount_text(amount: Decimal) -> str:
    return f"¥{amount:.2f}"


def time_text(at: datetime) -> str:
    return f"{at.year}年{at.month:02d}月{at.day:02d}日 {at:%H:%M}"


def notice_data(
    fields: tuple[tuple[str, str], ...], facts: dict[str, str | None]
) -> dict[str, dict[str, str]]:
    """The template's data: each mapped fact fitted to its field's type (FieldError when one
    cannot be); facts the claim does not have are left out."""
    return {key: {"value": fit(key, facts[fact])} for key, fact in fields
            if facts.get(fact) not in (None, "")}  # fmt: skip
