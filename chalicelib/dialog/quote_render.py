"""The three plans as the customer reads them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from chalicelib.dialog import catalogue as t
from chalicelib.dialog.render import yuan
from chalicelib.domain.masking import mask_plate

if TYPE_CHECKING:  # rating reads the tariffs: imported when a quote is made
    from chalicelib.domain.rating import Plan, QuoteInput, QuoteItem


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}元"


def plans_text(
    quote_no: str, valid_until: date, quote_input: QuoteInput, plans: Sequence[Plan]
) -> list[str]:
    value = _actual_value(plans)
    header = t.QUOTE_HEADER.format(
        quote_no=quote_no,
        plate=mask_plate(quote_input.plate),
        actual_value=yuan(value),
        valid_until=valid_until.isoformat(),
    )
    parts = [header] + [plan_text(plan) for plan in plans]
    parts.append(t.QUOTE_FOOTER)
    return parts


def _actual_value(plans: Sequence[Plan]) -> Decimal:
    """车损险 is insured at the vehicle's actual value, which the rating already computed."""
    for plan in plans:
        for item in plan.items:
            if item.code == "vehicle_damage":
                return Decimal(str(item.detail["actual_value"]))
    raise ValueError("no plan covers vehicle damage")


def plan_text(plan: Plan) -> str:
    items = "\n".join(item_text(item) for item in plan.items)
    return t.QUOTE_PLAN.format(name=plan.name, total=money(plan.total), items=items)


def item_text(item: QuoteItem) -> str:
    detail = ""
    base = item.detail.get("base_premium") if item.detail else None
    floating = item.detail.get("floating_rate") if item.detail else None
    if base is not None and floating is not None:
        detail = t.QUOTE_COMPULSORY_DETAIL.format(base=money(Decimal(str(base))),
                                                  rate=_percent(floating))  # fmt: skip
    elif item.detail and item.detail.get("sum_per_seat") and item.detail.get("seats", 1) > 1:
        per_seat = yuan(Decimal(str(item.detail["sum_per_seat"])))
        detail = t.QUOTE_SEATS_DETAIL.format(per_seat=per_seat, seats=item.detail["seats"])
    elif item.sum_insured:
        detail = t.QUOTE_DAMAGE_DETAIL.format(sum_insured=yuan(item.sum_insured))
    return t.QUOTE_ITEM.format(name=item.name, premium=money(item.premium), detail=detail)


def _percent(rate: object) -> str:
    value = Decimal(str(rate)) * 100
    sign = "+" if value > 0 else ""
    return f"{sign}{value.normalize():f}%"
