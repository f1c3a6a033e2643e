"""Bound customers for the "lookup" kind: each openid of the stream's pool gets a holder with
policies and is bound through the Book port's own try_bind, before any message is measured.

(a) moto: one PolicyItem per openid, written with PynamoDB (customer_id and holder_id_check
are keyed hashes made with the stack's id_pepper, as the import does), then
BookStore.try_bind, so the measured lookups read the real customers and policies tables.
(b) fakes: a FakeBook holder with 1 or 2 policies (alternating), bound with FakeBook.try_bind
while the call counter is paused.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bench.fakes import Calls, FakeBook

Binder = Callable[[list[str]], None]  # binds every openid given to a customer with policies

ID_LAST6 = "31002X"
HOLDER_NAME = "上官婉儿"
HOLDER_GENDER = "F"
ID_MASKED = "1****************X"
PHONE_MASKED = "139****0000"
COVERAGES = (  # (name, limit in yuan or None, unit)
    ("机动车损失保险", "285000", ""),
    ("第三者责任保险", "2000000", ""),
    ("车上人员责任险(乘客)", "10000", "/座*4"),
)
PRODUCTS = ("机动车商业保险", "机动车交通事故责任强制保险")


def _id_number(rng: random.Random) -> str:
    return f"110105{rng.randrange(10**6):06d}{ID_LAST6}"


def _policy_no(rng: random.Random) -> str:
    return f"PDAA{rng.randrange(10**15, 10**16)}"


def _plate(rng: random.Random) -> str:
    return f"粤B{rng.randrange(10000, 99999)}"


def _period(today: date, offset_days: int) -> tuple[date, date]:
    """A year-long policy period that started `offset_days` ago (in force today)."""
    start = today - timedelta(days=offset_days)
    return start, start + timedelta(days=364)


def moto_binder(settings: Any, book: Any, today: date | None = None) -> Binder:
    """Writes one policy per openid to the stack's policies table and binds it via `book`
    (a BookStore with the same id_pepper)."""
    from chalicelib.domain.book import BindOutcome
    from chalicelib.domain.identity import customer_id_for, id_check_for
    from chalicelib.store.models import PolicyItem

    if not settings.id_pepper:
        raise RuntimeError("the bench stack's settings carry no id_pepper")
    key = settings.id_pepper.encode()
    rng = random.Random()
    start, end = _period(today or date.today(), 120)

    def bind(openids: list[str]) -> None:
        for openid in openids:
            id_number = _id_number(rng)
            item = PolicyItem(
                policy_no=_policy_no(rng),
                customer_id=customer_id_for(id_number, key),
                holder_name=HOLDER_NAME,
                holder_gender=HOLDER_GENDER,
                holder_id_masked=ID_MASKED,
                holder_id_check=id_check_for(ID_LAST6, key),
                holder_phone_masked=PHONE_MASKED,
                plate=_plate(rng),
                product=PRODUCTS[0],
                start_date=start.isoformat(),
                end_date=end.isoformat(),
                coverages=[{"name": n, "limit": v, "unit": u} for n, v, u in COVERAGES],
                source_hash="bench",
            )
            item.save()
            result = book.try_bind(openid, item.policy_no, ID_LAST6)
            if result.outcome is not BindOutcome.BOUND:
                raise RuntimeError(f"could not bind {openid}: {result}")

    return bind


def fake_binder(book: FakeBook, calls: Calls, today: date | None = None) -> Binder:
    """Adds a holder with 1 or 2 policies per openid to `book` and binds it, uncounted."""
    from chalicelib.domain.book import BindOutcome, Customer, Policy
    from chalicelib.domain.identity import customer_id_for
    from chalicelib.domain.people import Gender
    from chalicelib.domain.policies import Coverage

    rng = random.Random()
    key = b"bench-fake-book"
    day = today or date.today()
    coverages = tuple(Coverage(n, Decimal(v), u) for n, v, u in COVERAGES)

    def policies(customer: Customer, count: int) -> list[Policy]:
        plate = _plate(rng)
        made = []
        for i in range(count):
            start, end = _period(day, 120 + 60 * i)
            made.append(
                Policy(
                    policy_no=_policy_no(rng),
                    customer_id=customer.customer_id,
                    holder_name=customer.name,
                    holder_gender=customer.gender,
                    holder_id_masked=ID_MASKED,
                    holder_phone_masked=PHONE_MASKED,
                    plate=plate,
                    vin_masked="",
                    brand_model="",
                    product=PRODUCTS[i % len(PRODUCTS)],
                    start=start,
                    end=end,
                    cancelled=False,
                    coverages=coverages if i == 0 else (),
                )
            )
        return made

    def bind(openids: list[str]) -> None:
        with calls.paused():
            for n, openid in enumerate(openids):
                customer_id = customer_id_for(_id_number(rng), key)
                customer = Customer(customer_id, HOLDER_NAME, Gender(HOLDER_GENDER))
                owned = policies(customer, 1 + n % 2)
                book.add_holder(customer, ID_LAST6, owned)
                result = book.try_bind(openid, owned[0].policy_no, ID_LAST6)
                if result.outcome is not BindOutcome.BOUND:
                    raise RuntimeError(f"could not bind {openid}: {result}")

    return bind
