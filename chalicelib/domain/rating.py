"""Quote rating: compulsory insurance (交强险), vehicle tax (车船税) and commercial cover, priced
from the tariff data files in chalicelib/domain/tariffs/ (format in that package's docstring).

Rules from shared/reference/motor.md; every figure comes from the data files, so an actuary's
correction changes the quote without a code change. Pure: the only I/O is reading those files.

- compulsory premium = base premium by category and seats (or tonnes) × (1 + floating rate); the
  floating rate depends on the province's regional plan (A–E) and the accident record.
- vehicle tax by displacement for passenger cars with up to 9 seats; new-energy vehicles exempt.
- commercial premium = base premium × NCD × traffic-violation factor × autonomous pricing factor.
- vehicle damage is insured at the actual value: the new-car price less a monthly depreciation
  for each full month since registration, capped.

NCD from a customer's two simple answers (`ncd_level`). The tariff's level is claims minus
consecutive insured years; a customer is asked only about last year's at-fault claims and how
many years running they have had none, so:

    claims last year   claim-free years   level              factor (national file)
    0                  0 (new car)         0                 1.0
    0                  1, 2, 3, ≥4        −1, −2, −3, −4     0.8, 0.7, 0.6, 0.5
    1, 2 … 5, ≥6       0                   0, 1 … 4, 5       1.0, 1.2 … 1.8, 2.0

(one insured year with N claims gives N − 1). The same at-fault answer drives the compulsory
floating rate: fatal accident, two or more, one, else 1 / 2 / ≥3 claim-free years.

Money is Decimal rounded to fen with ROUND_HALF_UP: base premiums first (as shown to the
customer), then each premium from the rounded base; a plan's total is the sum of its items.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from chalicelib.domain.plates import is_new_energy_plate, is_valid_plate, normalize_plate

TARIFF_DIR = Path(__file__).with_name("tariffs")
NATIONAL = "national"
CENT = Decimal("0.01")
PLAN_CODES = ("basic", "standard", "full")

PROVINCES_BY_ABBREVIATION = {
    "京": "北京",
    "津": "天津",
    "沪": "上海",
    "渝": "重庆",
    "冀": "河北",
    "豫": "河南",
    "云": "云南",
    "辽": "辽宁",
    "黑": "黑龙江",
    "湘": "湖南",
    "皖": "安徽",
    "鲁": "山东",
    "新": "新疆",
    "苏": "江苏",
    "浙": "浙江",
    "赣": "江西",
    "鄂": "湖北",
    "桂": "广西",
    "甘": "甘肃",
    "晋": "山西",
    "蒙": "内蒙古",
    "陕": "陕西",
    "吉": "吉林",
    "闽": "福建",
    "贵": "贵州",
    "粤": "广东",
    "青": "青海",
    "藏": "西藏",
    "川": "四川",
    "宁": "宁夏",
    "琼": "海南",
}
PROVINCES = tuple(PROVINCES_BY_ABBREVIATION.values())

# Item codes (stable: the dialog, the store and the CLI use them).
COMPULSORY = "compulsory"
VEHICLE_TAX = "vehicle_tax"
VEHICLE_DAMAGE = "vehicle_damage"
THIRD_PARTY = "third_party"
DRIVER_SEAT = "driver_seat"
PASSENGER_SEAT = "passenger_seat"

# Why a compulsory floating rate applies (detail["floating_reason"]).
FATAL = "fatal"
TWO_OR_MORE_AT_FAULT = "two_or_more_at_fault"
ONE_AT_FAULT = "one_at_fault"
CLAIM_FREE = ("claim_free_1_year", "claim_free_2_years", "claim_free_3_years")
NO_RECORD = "no_record"


class RatingError(ValueError):
    """Input that cannot be rated, in one English sentence (for operators and the CLI), with a
    stable `code` the dialog turns into Chinese advice for customers."""

    def __init__(self, message: str, code: str = "other") -> None:
        super().__init__(message)
        self.code = code


class TariffError(RatingError):
    """No tariff for the region and date, or a data file that is not usable."""

    def __init__(self, message: str, code: str = "no_tariff") -> None:
        super().__init__(message, code)


def money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


# --- regions -------------------------------------------------------------------------------------


def region_from_plate(plate: str) -> str:
    """The province a plate was issued in: "粤B12345" → "广东"."""
    normalized = normalize_plate(plate or "")
    name = PROVINCES_BY_ABBREVIATION.get(normalized[:1])
    if name is None:
        raise RatingError(
            f"plate {plate!r} does not start with a province abbreviation", code="region"
        )
    return name


def province_name(region: str) -> str:
    """A province's short name from its name or abbreviation: "广东省", "粤" → "广东"."""
    text = (region or "").strip()
    if text in PROVINCES_BY_ABBREVIATION:
        return PROVINCES_BY_ABBREVIATION[text]
    for name in PROVINCES:
        if text.startswith(name):  # 广东省, 北京市, 内蒙古自治区, 广西壮族自治区 …
            return name
    raise RatingError(
        f"unknown province {region!r}: expected a name such as 广东 or 北京", code="region"
    )


# --- input ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteInput:
    """What a quote is based on. Validated (RatingError) and normalised when constructed."""

    plate: str
    vehicle_type: str  # 车辆类型 from the licence, e.g. 小型轿车
    use_character: str  # 使用性质 from the licence (非营运 …) or a tariff category code (family …)
    seats: int
    new_car_price: Decimal
    register_date: date
    region: str  # province, e.g. 广东 (广东省 and 粤 are accepted and become 广东)
    at_fault_claims_last_year: int = 0
    claim_free_years: int = 0  # consecutive years without an at-fault claim, up to last year
    fatal_accident: bool = False  # an at-fault accident with a death last year
    new_energy: bool | None = None  # None: from the plate (new-energy plates have 8 characters)
    displacement_l: Decimal | None = None  # None: the tariff's assumed displacement
    load_tonnes: Decimal | None = None  # trucks only (compulsory premium by tonnage)
    quote_date: date = field(kw_only=True)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "plate", normalize_plate(self.plate or ""))
        set_(self, "region", province_name(self.region))
        set_(self, "new_car_price", _input_decimal(self.new_car_price, "new car price"))
        for name in ("displacement_l", "load_tonnes"):
            value = getattr(self, name)
            if value is not None:
                value = _input_decimal(value, name.replace("_", " "))
                if value <= 0:
                    raise RatingError(f"{name} must be more than 0, not {value}")
                set_(self, name, value)
        _check_whole("seats", self.seats, minimum=1)
        _check_whole("at_fault_claims_last_year", self.at_fault_claims_last_year, minimum=0)
        _check_whole("claim_free_years", self.claim_free_years, minimum=0)
        if self.new_car_price <= 0:
            raise RatingError(f"the new car price must be more than 0, not {self.new_car_price}")
        if self.register_date > self.quote_date:
            raise RatingError(
                f"the registration date {self.register_date} is after the quote date "
                f"{self.quote_date}",
                code="register_date",
            )
        if self.at_fault_claims_last_year and self.claim_free_years:
            raise RatingError(
                "claim_free_years must be 0 when there were at-fault claims last year"
            )
        if self.fatal_accident and not self.at_fault_claims_last_year:
            raise RatingError(
                "a fatal accident is an at-fault claim: at_fault_claims_last_year is 0"
            )
        if self.new_energy is None and not is_valid_plate(self.plate):
            raise RatingError(
                f"{self.plate!r} is not a valid plate, so it does not tell whether the vehicle "
                "is new-energy: give new_energy"
            )

    @property
    def is_new_energy(self) -> bool:
        if self.new_energy is not None:
            return self.new_energy
        return is_new_energy_plate(self.plate)


def _input_decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, bool):
        raise RatingError(f"{what} is not a number: {value!r}")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise RatingError(f"{what} is not a number: {value!r}") from None
    if not number.is_finite():
        raise RatingError(f"{what} is not a number: {value!r}")
    return number


def _check_whole(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RatingError(f"{name} must be a whole number, not {value!r}")
    if value < minimum:
        raise RatingError(f"{name} must be at least {minimum}, not {value}")


# --- output --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteItem:
    code: str  # compulsory, vehicle_tax, vehicle_damage, third_party, driver_seat, passenger_seat
    name: str  # Chinese name from the tariff: 交强险 …
    premium: Decimal
    sum_insured: Decimal | None
    detail: dict  # what the customer may see: base premium, floating rate, actual value, NCD …


@dataclass(frozen=True)
class Plan:
    code: str  # basic, standard, full
    name: str  # 基础, 标准, 全面
    items: tuple[QuoteItem, ...]
    total: Decimal


# --- tariff --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """Base premium for start ≤ seats (or tonnes) < below; None means open."""

    start: Decimal | None
    below: Decimal | None
    premium: Decimal

    def contains(self, value: Decimal) -> bool:
        return (self.start is None or value >= self.start) and (
            self.below is None or value < self.below
        )


@dataclass(frozen=True)
class CompulsoryCategory:
    code: str
    name: str  # 家庭自用汽车 …
    basis: str  # "seats" or "tonnes"
    bands: tuple[Band, ...]


@dataclass(frozen=True)
class FloatingPlan:
    code: str  # A … E
    regions: tuple[str, ...]
    default: bool  # the plan for regions no other plan lists (E)
    claim_free: tuple[Decimal, Decimal, Decimal]  # after 1, 2, ≥3 claim-free years
    one_at_fault: Decimal
    two_or_more_at_fault: Decimal
    fatal: Decimal
    unverified: bool


@dataclass(frozen=True)
class TaxBand:
    up_to_l: Decimal | None  # included; None: no upper limit
    amount: Decimal
    low: Decimal | None
    high: Decimal | None
    unverified: bool


@dataclass(frozen=True)
class PlanSpec:
    code: str
    name: str
    third_party_limit: Decimal
    vehicle_damage: bool
    driver_seat_sum: Decimal | None
    passenger_seat_sum: Decimal | None  # per passenger seat


@dataclass(frozen=True)
class Tariff:
    """The national tariff merged with a province's, as in effect on one day."""

    region: str
    effective_from: date  # the later of the files' dates
    files: tuple[str, ...]  # file names merged, national first
    sources: tuple[str, ...]
    names: Mapping[str, str]  # item code → Chinese name
    compulsory_categories: Mapping[str, CompulsoryCategory]
    use_characters: Mapping[str, Mapping[str, str]]  # 使用性质 → {"passenger"|"truck": code}
    truck_vehicle_types: tuple[str, ...]
    compulsory_limits: Mapping[str, Mapping[str, Decimal]]
    floating_plans: tuple[FloatingPlan, ...]
    tax_max_seats: int
    tax_basis: str
    tax_bands: tuple[TaxBand, ...]
    tax_assumed_displacement_l: Decimal
    tax_new_energy_exempt: bool
    ncd: Mapping[int, Decimal]
    ncd_unverified: frozenset[int]
    traffic_violation_factor: Decimal
    autonomous_pricing_factor: Decimal
    depreciation: tuple[tuple[int | None, Decimal], ...]  # (max seats included, monthly rate)
    depreciation_cap: Decimal
    damage_fixed: Decimal
    damage_rate: Decimal
    damage_unverified: bool
    third_party: Mapping[Decimal, Decimal]  # limit → base premium
    third_party_unverified: bool
    driver_seat_rate: Decimal
    driver_seat_unverified: bool
    passenger_seat_rate: Decimal
    passenger_seat_unverified: bool
    plans: tuple[PlanSpec, ...]
    unverified: tuple[str, ...]  # where the merged data marks figures unverified

    def floating_plan(self) -> FloatingPlan:
        for plan in self.floating_plans:
            if self.region in plan.regions:
                return plan
        return next(plan for plan in self.floating_plans if plan.default)


def load_tariff(region: str, on: date, directory: Path | str | None = None) -> Tariff:
    """The tariff for a province on a day: the latest national file in effect that day, merged
    with the latest file for the province in effect that day (if any).

    `directory` defaults to the packaged chalicelib/domain/tariffs/.
    """
    province = province_name(region)
    folder = Path(directory) if directory is not None else TARIFF_DIR
    files = _read_tariff_files(folder)
    national = _latest(files, NATIONAL, on)
    if national is None:
        raise TariffError(f"no national tariff in effect on {on} in {folder}")
    merged, chosen = national.data, [national]
    regional = _latest(files, province, on)
    if regional is not None:
        merged = _merge(merged, {k: v for k, v in regional.data.items() if k not in _META})
        chosen.append(regional)
    return _parse(
        merged,
        region=province,
        effective_from=max(f.effective_from for f in chosen),
        files=tuple(f.name for f in chosen),
        sources=tuple(str(f.data.get("source", "")) for f in chosen),
    )


_META = ("region", "effective_from", "source")


@dataclass(frozen=True)
class _File:
    name: str
    region: str
    effective_from: date
    data: dict


def _read_tariff_files(folder: Path) -> list[_File]:
    if not folder.is_dir():
        raise TariffError(f"tariff folder {folder} does not exist")
    files = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TariffError(f"tariff file {path.name} cannot be read: {exc}") from exc
        if not isinstance(data, dict):
            raise TariffError(f"tariff file {path.name} is not a JSON object")
        for key in _META:
            if key not in data:
                raise TariffError(f"tariff file {path.name} has no {key!r}")
        region = data["region"]
        try:
            region = NATIONAL if region == NATIONAL else province_name(region)
            effective_from = date.fromisoformat(str(data["effective_from"]))
        except ValueError as exc:
            raise TariffError(f"tariff file {path.name}: {exc}") from exc
        files.append(_File(path.name, region, effective_from, data))
    return files


def _latest(files: list[_File], region: str, on: date) -> _File | None:
    candidates = [f for f in files if f.region == region and f.effective_from <= on]
    if not candidates:
        return None
    newest = max(f.effective_from for f in candidates)
    chosen = [f for f in candidates if f.effective_from == newest]
    if len(chosen) > 1:
        names = ", ".join(f.name for f in chosen)
        raise TariffError(f"more than one {region} tariff takes effect on {newest}: {names}")
    return chosen[0]


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class _Reader:
    """Typed access to the merged data; errors name the file(s) and the path of the value."""

    def __init__(self, files: tuple[str, ...]) -> None:
        self.files = " + ".join(files)

    def error(self, where: str, problem: str) -> TariffError:
        return TariffError(f"tariff {self.files}: {where} {problem}")

    def get(self, node: Any, key: str, where: str) -> Any:
        if not isinstance(node, dict):
            raise self.error(where, "is not an object")
        if key not in node:
            raise self.error(f"{where}.{key}" if where else key, "is missing")
        return node[key]

    def obj(self, node: Any, key: str, where: str) -> dict:
        value = self.get(node, key, where)
        if not isinstance(value, dict):
            raise self.error(f"{where}.{key}", "is not an object")
        return value

    def list(self, node: Any, key: str, where: str) -> list:
        value = self.get(node, key, where)
        if not isinstance(value, list) or not value:
            raise self.error(f"{where}.{key}", "is not a non-empty list")
        return value

    def dec(self, value: Any, where: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.error(where, f"is not a number: {value!r}")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.error(where, f"is not a number: {value!r}") from None
        if not number.is_finite():
            raise self.error(where, f"is not a number: {value!r}")
        return number

    def optional_dec(self, node: dict, key: str, where: str) -> Decimal | None:
        value = node.get(key)
        return None if value is None else self.dec(value, f"{where}.{key}")

    def number(self, node: Any, key: str, where: str) -> Decimal:
        return self.dec(self.get(node, key, where), f"{where}.{key}")

    def name(self, node: Any, where: str) -> str:
        value = self.get(node, "name", where)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"{where}.name", "is not a name")
        return value


def _parse(data: dict, region: str, effective_from: date, files: tuple, sources: tuple) -> Tariff:
    r = _Reader(files)
    compulsory = r.obj(data, "compulsory", "")
    tax = r.obj(data, "vehicle_tax", "")
    commercial = r.obj(data, "commercial", "")
    names = {COMPULSORY: r.name(compulsory, "compulsory"), VEHICLE_TAX: r.name(tax, "vehicle_tax")}
    for code in (VEHICLE_DAMAGE, THIRD_PARTY, DRIVER_SEAT, PASSENGER_SEAT):
        names[code] = r.name(r.obj(commercial, code, "commercial"), f"commercial.{code}")

    categories = {}
    for code, node in r.obj(compulsory, "categories", "compulsory").items():
        where = f"compulsory.categories.{code}"
        basis = r.get(node, "basis", where)
        if basis not in ("seats", "tonnes"):
            raise r.error(f"{where}.basis", f"must be 'seats' or 'tonnes', not {basis!r}")
        bands = []
        for i, band in enumerate(r.list(node, "bands", where)):
            at = f"{where}.bands[{i}]"
            bands.append(
                Band(
                    r.optional_dec(band, "from", at),
                    r.optional_dec(band, "below", at),
                    r.number(band, "premium", at),
                )
            )
        categories[code] = CompulsoryCategory(code, r.name(node, where), basis, tuple(bands))
    use_characters = r.obj(compulsory, "use_characters", "compulsory")
    for use, kinds in use_characters.items():
        for kind, code in (kinds or {}).items():
            if kind not in ("passenger", "truck") or code not in categories:
                where = f"compulsory.use_characters.{use}"
                raise r.error(where, f"maps {kind!r} to an unknown category {code!r}")
    limits = {
        fault: {k: r.dec(v, f"compulsory.limits.{fault}.{k}") for k, v in amounts.items()}
        for fault, amounts in r.obj(compulsory, "limits", "compulsory").items()
    }

    plans = []
    floating = r.obj(compulsory, "floating", "compulsory")
    for i, node in enumerate(r.list(floating, "plans", "compulsory.floating")):
        at = f"compulsory.floating.plans[{i}]"
        regions = tuple(province_name(p) for p in node.get("regions") or ())
        plans.append(
            FloatingPlan(
                code=str(r.get(node, "code", at)),
                regions=regions,
                default=node.get("default") is True,
                claim_free=(
                    r.number(node, CLAIM_FREE[0], at),
                    r.number(node, CLAIM_FREE[1], at),
                    r.number(node, CLAIM_FREE[2], at),
                ),
                one_at_fault=r.number(node, ONE_AT_FAULT, at),
                two_or_more_at_fault=r.number(node, TWO_OR_MORE_AT_FAULT, at),
                fatal=r.number(node, FATAL, at),
                unverified=node.get("unverified") is True,
            )
        )
    if sum(plan.default for plan in plans) != 1:
        raise r.error("compulsory.floating.plans", "must have exactly one default plan")

    tax_bands = []
    for i, band in enumerate(r.list(tax, "bands", "vehicle_tax")):
        at = f"vehicle_tax.bands[{i}]"
        tax_band = TaxBand(
            up_to_l=r.optional_dec(band, "up_to_l", at),
            amount=r.number(band, "amount", at),
            low=r.optional_dec(band, "low", at),
            high=r.optional_dec(band, "high", at),
            unverified=band.get("unverified") is True,
        )
        if tax_band.low is not None and tax_band.amount < tax_band.low:
            raise r.error(f"{at}.amount", f"is below the range's low end {tax_band.low}")
        if tax_band.high is not None and tax_band.amount > tax_band.high:
            raise r.error(f"{at}.amount", f"is above the range's high end {tax_band.high}")
        tax_bands.append(tax_band)
    if tax_bands[-1].up_to_l is not None:
        raise r.error("vehicle_tax.bands", "must end with a band without up_to_l")

    ncd_node = r.obj(commercial, "ncd", "commercial")
    ncd, ncd_unverified = {}, set()
    for i, level in enumerate(r.list(ncd_node, "levels", "commercial.ncd")):
        at = f"commercial.ncd.levels[{i}]"
        number = r.get(level, "level", at)
        if isinstance(number, bool) or not isinstance(number, int):
            raise r.error(f"{at}.level", f"is not a whole number: {number!r}")
        ncd[number] = r.number(level, "factor", at)
        if level.get("unverified") is True:
            ncd_unverified.add(number)
    if set(ncd) != set(range(-4, 6)):
        raise r.error("commercial.ncd.levels", "must give each level from -4 to 5")

    apf_node = r.obj(commercial, "autonomous_pricing_factor", "commercial")
    apf = r.number(apf_node, "value", "commercial.autonomous_pricing_factor")
    low = r.optional_dec(apf_node, "min", "commercial.autonomous_pricing_factor")
    high = r.optional_dec(apf_node, "max", "commercial.autonomous_pricing_factor")
    if (low is not None and apf < low) or (high is not None and apf > high):
        raise r.error("commercial.autonomous_pricing_factor.value", f"{apf} is outside min–max")

    depreciation_node = r.obj(commercial, "depreciation", "commercial")
    depreciation = []
    for i, node in enumerate(r.list(depreciation_node, "monthly", "commercial.depreciation")):
        at = f"commercial.depreciation.monthly[{i}]"
        max_seats = node.get("max_seats")
        if max_seats is not None and (
            isinstance(max_seats, bool) or not isinstance(max_seats, int)
        ):
            raise r.error(f"{at}.max_seats", f"is not a whole number: {max_seats!r}")
        depreciation.append((max_seats, r.number(node, "rate", at)))
    if depreciation[-1][0] is not None:
        raise r.error("commercial.depreciation.monthly", "must end with a rate without max_seats")

    damage = r.obj(commercial, VEHICLE_DAMAGE, "commercial")
    third_party_node = r.obj(commercial, THIRD_PARTY, "commercial")
    third_party = {}
    for i, node in enumerate(r.list(third_party_node, "base_premiums", "commercial.third_party")):
        at = f"commercial.third_party.base_premiums[{i}]"
        third_party[r.number(node, "limit", at)] = r.number(node, "premium", at)
    driver = r.obj(commercial, DRIVER_SEAT, "commercial")
    passenger = r.obj(commercial, PASSENGER_SEAT, "commercial")

    specs = []
    for i, node in enumerate(r.list(data, "plans", "")):
        at = f"plans[{i}]"
        spec = PlanSpec(
            code=str(r.get(node, "code", at)),
            name=r.name(node, at),
            third_party_limit=r.number(node, "third_party_limit", at),
            vehicle_damage=node.get("vehicle_damage") is True,
            driver_seat_sum=r.optional_dec(node, "driver_seat_sum", at),
            passenger_seat_sum=r.optional_dec(node, "passenger_seat_sum", at),
        )
        if spec.third_party_limit not in third_party:
            raise r.error(
                f"{at}.third_party_limit", "has no base premium in commercial.third_party"
            )
        specs.append(spec)
    if tuple(spec.code for spec in specs) != PLAN_CODES:
        raise r.error("plans", f"must be {', '.join(PLAN_CODES)} in this order")

    return Tariff(
        region=region,
        effective_from=effective_from,
        files=files,
        sources=sources,
        names=names,
        compulsory_categories=categories,
        use_characters={k: dict(v or {}) for k, v in use_characters.items()},
        truck_vehicle_types=tuple(compulsory.get("truck_vehicle_types") or ()),
        compulsory_limits=limits,
        floating_plans=tuple(plans),
        tax_max_seats=int(r.number(tax, "max_seats", "vehicle_tax")),
        tax_basis=str(tax.get("basis", "")),
        tax_bands=tuple(tax_bands),
        tax_assumed_displacement_l=r.number(tax, "assumed_displacement_l", "vehicle_tax"),
        tax_new_energy_exempt=tax.get("new_energy_exempt") is True,
        ncd=ncd,
        ncd_unverified=frozenset(ncd_unverified),
        traffic_violation_factor=r.number(
            r.obj(commercial, "traffic_violation_factor", "commercial"),
            "value",
            "commercial.traffic_violation_factor",
        ),
        autonomous_pricing_factor=apf,
        depreciation=tuple(depreciation),
        depreciation_cap=r.number(depreciation_node, "cap", "commercial.depreciation"),
        damage_fixed=r.number(damage, "fixed", "commercial.vehicle_damage"),
        damage_rate=r.number(damage, "rate", "commercial.vehicle_damage"),
        damage_unverified=damage.get("unverified") is True,
        third_party=third_party,
        third_party_unverified=third_party_node.get("unverified") is True,
        driver_seat_rate=r.number(driver, "rate", "commercial.driver_seat"),
        driver_seat_unverified=driver.get("unverified") is True,
        passenger_seat_rate=r.number(passenger, "rate", "commercial.passenger_seat"),
        passenger_seat_unverified=passenger.get("unverified") is True,
        plans=tuple(specs),
        unverified=tuple(_unverified_paths(data)),
    )


def _unverified_paths(node: Any, path: str = "") -> list[str]:
    found = []
    if isinstance(node, dict):
        if node.get("unverified") is True:
            found.append(path)
        for key, value in node.items():
            found += _unverified_paths(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            label = str(i)
            if isinstance(value, dict):
                key = next((k for k in ("code", "level", "limit", "up_to_l") if k in value), None)
                if key is not None:
                    label = f"{key}={'null' if value[key] is None else value[key]}"
            found += _unverified_paths(value, f"{path}[{label}]")
    return found


# --- compulsory ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompulsoryPremium:
    category: str
    category_name: str
    base: Decimal
    plan: str  # regional floating plan, A … E
    floating_rate: Decimal  # -0.10 = -10%
    floating_reason: str  # FATAL, TWO_OR_MORE_AT_FAULT, ONE_AT_FAULT, CLAIM_FREE[i], NO_RECORD
    premium: Decimal
    unverified: bool


def is_truck(quote_input: QuoteInput, tariff: Tariff) -> bool:
    return any(marker in quote_input.vehicle_type for marker in tariff.truck_vehicle_types)


def compulsory_category(quote_input: QuoteInput, tariff: Tariff) -> CompulsoryCategory:
    """The 交强险 category from the use character (使用性质) and whether it is a truck."""
    kind = "truck" if is_truck(quote_input, tariff) else "passenger"
    use = quote_input.use_character.strip()
    if use in tariff.compulsory_categories:
        category = tariff.compulsory_categories[use]
        if (category.basis == "tonnes") != (kind == "truck"):
            raise RatingError(
                f"category {use!r} does not fit the vehicle type {quote_input.vehicle_type!r}",
                code="use_character",
            )
        return category
    kinds = tariff.use_characters.get(use)
    if kinds is None:
        known = ", ".join([*tariff.use_characters, *tariff.compulsory_categories])
        raise RatingError(
            f"unknown use character {use!r}: expected one of {known}", code="use_character"
        )
    code = kinds.get(kind)
    if code is None:
        raise RatingError(
            f"the tariff has no {kind} category for the use character {use!r}",
            code="use_character",
        )
    return tariff.compulsory_categories[code]


def floating_rate(quote_input: QuoteInput, plan: FloatingPlan) -> tuple[Decimal, str]:
    """The floating rate and why: last year's at-fault record, else the claim-free years."""
    claims = quote_input.at_fault_claims_last_year
    if quote_input.fatal_accident:
        return plan.fatal, FATAL
    if claims >= 2:
        return plan.two_or_more_at_fault, TWO_OR_MORE_AT_FAULT
    if claims == 1:
        return plan.one_at_fault, ONE_AT_FAULT
    years = min(quote_input.claim_free_years, 3)
    if years == 0:
        return Decimal(0), NO_RECORD
    return plan.claim_free[years - 1], CLAIM_FREE[years - 1]


def compulsory_premium(quote_input: QuoteInput, tariff: Tariff) -> CompulsoryPremium:
    _check_region(quote_input, tariff)
    category = compulsory_category(quote_input, tariff)
    if category.basis == "tonnes":
        if quote_input.load_tonnes is None:
            raise RatingError(f"{category.code} is rated by load: give load_tonnes", code="truck")
        value = quote_input.load_tonnes
    else:
        value = Decimal(quote_input.seats)
    band = next((b for b in category.bands if b.contains(value)), None)
    if band is None:
        raise RatingError(
            f"the tariff has no {category.code} base premium for {value} {category.basis}"
        )
    plan = tariff.floating_plan()
    rate, reason = floating_rate(quote_input, plan)
    base = money(band.premium)
    return CompulsoryPremium(
        category=category.code,
        category_name=category.name,
        base=base,
        plan=plan.code,
        floating_rate=rate,
        floating_reason=reason,
        premium=money(base * (1 + rate)),
        unverified=plan.unverified and reason != NO_RECORD,
    )


# --- vehicle tax ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VehicleTax:
    amount: Decimal
    exempt: bool  # new-energy
    displacement_l: Decimal | None  # None when exempt
    displacement_assumed: bool
    band_up_to_l: Decimal | None
    basis: str  # the tariff's: national_range_low_end, provincial
    unverified: bool


def vehicle_tax(quote_input: QuoteInput, tariff: Tariff) -> VehicleTax:
    """车船税 for a year, for passenger cars up to the tariff's seat limit."""
    _check_region(quote_input, tariff)
    if is_truck(quote_input, tariff) or quote_input.seats > tariff.tax_max_seats:
        raise RatingError(
            f"the tariff has vehicle tax only for passenger cars with up to "
            f"{tariff.tax_max_seats} seats",
            code="seats",
        )
    if quote_input.is_new_energy and tariff.tax_new_energy_exempt:
        return VehicleTax(Decimal("0.00"), True, None, False, None, tariff.tax_basis, False)
    assumed = quote_input.displacement_l is None
    litres = quote_input.displacement_l
    if litres is None:
        litres = tariff.tax_assumed_displacement_l
    band = next(b for b in tariff.tax_bands if b.up_to_l is None or litres <= b.up_to_l)
    return VehicleTax(
        amount=money(band.amount),
        exempt=False,
        displacement_l=litres,
        displacement_assumed=assumed,
        band_up_to_l=band.up_to_l,
        basis=tariff.tax_basis,
        unverified=band.unverified,
    )


# --- actual value --------------------------------------------------------------------------------


def months_used(register_date: date, quote_date: date) -> int:
    """Full months from registration to the quote date (a part month does not count).

    A month is full on the same day of a later month, or on that month's last day when it is
    shorter: 01-31 → 02-28 (2023) is one month.
    """
    if quote_date < register_date:
        raise RatingError(
            f"the registration date {register_date} is after {quote_date}", code="register_date"
        )
    months = (quote_date.year - register_date.year) * 12 + quote_date.month - register_date.month
    last_day = calendar.monthrange(quote_date.year, quote_date.month)[1]
    if quote_date.day < register_date.day and quote_date.day != last_day:
        months -= 1
    return months


def monthly_depreciation_rate(seats: int, tariff: Tariff) -> Decimal:
    for max_seats, rate in tariff.depreciation:
        if max_seats is None or seats <= max_seats:
            return rate
    raise AssertionError("the last depreciation band has no seat limit")  # checked on load


@dataclass(frozen=True)
class Valuation:
    new_car_price: Decimal
    months_used: int
    monthly_rate: Decimal
    depreciation_rate: Decimal  # months × monthly rate, capped
    capped: bool
    depreciation: Decimal
    actual_value: Decimal


def valuation(
    new_car_price: Decimal, register_date: date, quote_date: date, seats: int, tariff: Tariff
) -> Valuation:
    price = _input_decimal(new_car_price, "new car price")
    if price <= 0:
        raise RatingError(f"the new car price must be more than 0, not {price}")
    _check_whole("seats", seats, minimum=1)
    months = months_used(register_date, quote_date)
    monthly = monthly_depreciation_rate(seats, tariff)
    rate = months * monthly
    capped = rate > tariff.depreciation_cap
    rate = min(rate, tariff.depreciation_cap)
    depreciation = money(price * rate)
    return Valuation(
        new_car_price=money(price),
        months_used=months,
        monthly_rate=monthly,
        depreciation_rate=rate,
        capped=capped,
        depreciation=depreciation,
        actual_value=money(price) - depreciation,
    )


def actual_value(
    new_car_price: Decimal, register_date: date, quote_date: date, seats: int, tariff: Tariff
) -> Decimal:
    """Actual value (实际价值): new-car price less monthly depreciation, capped."""
    return valuation(new_car_price, register_date, quote_date, seats, tariff).actual_value


# --- commercial ----------------------------------------------------------------------------------


def ncd_level(at_fault_claims_last_year: int, claim_free_years: int) -> int:
    """NCD level from a customer's answers (mapping in the module docstring)."""
    _check_whole("at_fault_claims_last_year", at_fault_claims_last_year, minimum=0)
    _check_whole("claim_free_years", claim_free_years, minimum=0)
    if at_fault_claims_last_year:
        return min(at_fault_claims_last_year - 1, 5)
    return -min(claim_free_years, 4)


def ncd_factor(level: int, tariff: Tariff) -> Decimal:
    return tariff.ncd[max(-4, min(level, 5))]


def _factors(quote_input: QuoteInput, tariff: Tariff) -> dict:
    level = ncd_level(quote_input.at_fault_claims_last_year, quote_input.claim_free_years)
    return {
        "ncd_level": level,
        "ncd_factor": ncd_factor(level, tariff),
        "traffic_violation_factor": tariff.traffic_violation_factor,
        "autonomous_pricing_factor": tariff.autonomous_pricing_factor,
        "ncd_unverified": level in tariff.ncd_unverified,
    }


def _commercial_item(
    code: str,
    tariff: Tariff,
    base: Decimal,
    sum_insured: Decimal,
    factors: dict,
    unverified: bool,
    **detail: Any,
) -> QuoteItem:
    base = money(base)
    premium = money(
        base
        * factors["ncd_factor"]
        * factors["traffic_violation_factor"]
        * factors["autonomous_pricing_factor"]
    )
    shown = {k: v for k, v in factors.items() if k != "ncd_unverified"}
    return QuoteItem(
        code=code,
        name=tariff.names[code],
        premium=premium,
        sum_insured=money(sum_insured),
        detail={
            **detail,
            "base_premium": base,
            **shown,
            "unverified": unverified or factors["ncd_unverified"],
        },
    )


# --- plans ---------------------------------------------------------------------------------------


def check_rateable(quote_input: QuoteInput, tariff: Tariff) -> None:
    """Raise the RatingError that rating this vehicle would raise whatever the customer answers
    next (region, use character, trucks), so it can be said before the questions."""
    _check_region(quote_input, tariff)
    compulsory_category(quote_input, tariff)
    if is_truck(quote_input, tariff):
        raise RatingError(
            "commercial cover is rated only for passenger vehicles, not trucks", code="truck"
        )


def rate(quote_input: QuoteInput, tariff: Tariff) -> tuple[Plan, Plan, Plan]:
    """基础, 标准 and 全面, as the tariff's `plans` describe them."""
    _check_region(quote_input, tariff)
    if is_truck(quote_input, tariff):
        raise RatingError(
            "commercial cover is rated only for passenger vehicles, not trucks", code="truck"
        )
    compulsory = _compulsory_item(quote_input, tariff)
    tax = _tax_item(quote_input, tariff)
    factors = _factors(quote_input, tariff)
    value = valuation(
        quote_input.new_car_price,
        quote_input.register_date,
        quote_input.quote_date,
        quote_input.seats,
        tariff,
    )
    damage = _commercial_item(
        VEHICLE_DAMAGE,
        tariff,
        tariff.damage_fixed + tariff.damage_rate * value.actual_value,
        value.actual_value,
        factors,
        tariff.damage_unverified,
        new_car_price=value.new_car_price,
        months_used=value.months_used,
        monthly_depreciation_rate=value.monthly_rate,
        depreciation_rate=value.depreciation_rate,
        depreciation_capped=value.capped,
        depreciation=value.depreciation,
        actual_value=value.actual_value,
    )
    passengers = quote_input.seats - 1
    plans = []
    for spec in tariff.plans:
        items = [compulsory, tax]
        if spec.vehicle_damage:
            items.append(damage)
        limit = spec.third_party_limit
        items.append(
            _commercial_item(
                THIRD_PARTY,
                tariff,
                tariff.third_party[limit],
                limit,
                factors,
                tariff.third_party_unverified,
                limit=money(limit),
            )
        )
        if spec.driver_seat_sum:
            items.append(
                _commercial_item(
                    DRIVER_SEAT,
                    tariff,
                    spec.driver_seat_sum * tariff.driver_seat_rate,
                    spec.driver_seat_sum,
                    factors,
                    tariff.driver_seat_unverified,
                    sum_per_seat=money(spec.driver_seat_sum),
                    seats=1,
                    rate=tariff.driver_seat_rate,
                )
            )
        if spec.passenger_seat_sum and passengers > 0:
            items.append(
                _commercial_item(
                    PASSENGER_SEAT,
                    tariff,
                    spec.passenger_seat_sum * tariff.passenger_seat_rate * passengers,
                    spec.passenger_seat_sum * passengers,
                    factors,
                    tariff.passenger_seat_unverified,
                    sum_per_seat=money(spec.passenger_seat_sum),
                    seats=passengers,
                    rate=tariff.passenger_seat_rate,
                )
            )
        total = sum((item.premium for item in items), Decimal("0.00"))
        plans.append(Plan(spec.code, spec.name, tuple(items), total))
    basic, standard, full = plans  # three, in this order: checked when the tariff is loaded
    return basic, standard, full


def _compulsory_item(quote_input: QuoteInput, tariff: Tariff) -> QuoteItem:
    result = compulsory_premium(quote_input, tariff)
    limits = tariff.compulsory_limits
    at_fault = limits.get("at_fault", {})
    return QuoteItem(
        code=COMPULSORY,
        name=tariff.names[COMPULSORY],
        premium=result.premium,
        sum_insured=money(sum(at_fault.values(), Decimal(0))) if at_fault else None,
        detail={
            "category": result.category,
            "category_name": result.category_name,
            "base_premium": result.base,
            "floating_plan": result.plan,
            "floating_rate": result.floating_rate,
            "floating_reason": result.floating_reason,
            "limits": {fault: dict(amounts) for fault, amounts in limits.items()},
            "unverified": result.unverified,
        },
    )


def _tax_item(quote_input: QuoteInput, tariff: Tariff) -> QuoteItem:
    tax = vehicle_tax(quote_input, tariff)
    return QuoteItem(
        code=VEHICLE_TAX,
        name=tariff.names[VEHICLE_TAX],
        premium=tax.amount,
        sum_insured=None,
        detail={
            "exempt": tax.exempt,
            "displacement_l": tax.displacement_l,
            "displacement_assumed": tax.displacement_assumed,
            "band_up_to_l": tax.band_up_to_l,
            "basis": tax.basis,
            "unverified": tax.unverified,
        },
    )


def _check_region(quote_input: QuoteInput, tariff: Tariff) -> None:
    if quote_input.region != tariff.region:
        raise RatingError(
            f"the tariff is for {tariff.region} but the quote is for {quote_input.region}"
        )
