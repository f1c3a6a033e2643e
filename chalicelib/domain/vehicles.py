"""Defaults for what a licence does not show: seats by vehicle type, a reference price by model.

The figures live in vehicles.json so that they can be corrected without touching code.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("vehicles.json")


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def default_seats(vehicle_type: str | None) -> int:
    seats = _data()["seats_by_type"]
    for name, value in seats.items():
        if vehicle_type and name in vehicle_type:
            return int(value)
    return int(_data()["default_seats"])


def reference_price(model: str | None) -> Decimal | None:
    """A typical new-car price for the brand in the licence's 品牌型号, if we know one."""
    if not model:
        return None
    for brand, price in _data()["reference_prices"].items():
        if brand in model:
            return Decimal(str(price))
    return None
