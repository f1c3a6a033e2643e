"""`claimbot seed demo`: a realistic, deterministic demo book, imported the way an operator would.

About 40 customers with 80 policies (交强险 and 商业险 on one car, two cars, a renewal bought in
advance, one cancelled, some expiring within 60 days, some expired) and 40 claims, four in each
claim status, with plausible timelines. Everything comes from random.Random(SEED); dates are
relative to today in China time, so the book looks current whenever it is seeded, and seeding
twice on one day changes nothing.

The book is written as policies.csv and claims.csv (to a temporary folder, or --out DIR) and
imported through chalicelib/service/importer.py, so the seed exercises the real import path.
"""

from __future__ import annotations

import csv
import io
import math
import random
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from chalicelib.dialog.render import salutation
from chalicelib.domain.claims import TERMINAL, ClaimStatus
from chalicelib.domain.hours import CHINA
from chalicelib.domain.import_rows import CLAIM_COLUMNS, POLICY_COLUMNS
from chalicelib.domain.people import Gender, id_check_char
from chalicelib.domain.plates import format_plate, is_valid_plate
from chalicelib.domain.vin import vin_check_digit
from chalicelib.service.importer import ImportReport, import_claims, import_policies

SEED = 20261003

COMPULSORY = "机动车交通事故责任强制保险"
COMMERCIAL = "机动车商业保险"
COMPULSORY_COVERAGES = "死亡伤残赔偿:180000;医疗费用赔偿:18000;财产损失赔偿:2000"

# name, gender, region (first 6 digits of the ID), plate prefix (province + office letter)
CUSTOMERS: tuple[tuple[str, str, str, str], ...] = (
    ("王建国", "M", "440305", "粤B"),
    ("李娜", "F", "440106", "粤A"),
    ("欧阳娜娜", "F", "440305", "粤B"),
    ("张伟", "M", "310115", "沪A"),
    ("阿依古丽·买买提", "F", "650102", "新A"),
    ("刘洋", "M", "110105", "京N"),
    ("司马文博", "M", "330106", "浙A"),
    ("陈丽", "F", "440604", "粤E"),
    ("诸葛晨", "M", "510107", "川A"),
    ("上官婉清", "F", "320106", "苏A"),
    ("杨帆", "M", "420106", "鄂A"),
    ("黄婷", "F", "440305", "粤B"),
    ("赵磊", "M", "500103", "渝A"),
    ("周颖", "F", "330106", "浙A"),
    ("吴昊", "M", "440106", "粤A"),
    ("徐晓燕", "F", "310115", "沪A"),
    ("孙浩然", "M", "430104", "湘A"),
    ("马丽娟", "F", "350203", "闽D"),
    ("胡斌", "M", "441302", "粤L"),
    ("郭佳怡", "F", "440305", "粤B"),
    ("林国栋", "M", "350203", "闽D"),
    ("何嘉欣", "F", "440604", "粤E"),
    ("欧阳明辉", "M", "440106", "粤A"),
    ("朱丹", "F", "320106", "苏A"),
    ("高志强", "M", "110105", "京N"),
    ("罗敏", "F", "510107", "川A"),
    ("郑俊杰", "M", "440305", "粤B"),
    ("梁雪", "F", "440106", "粤A"),
    ("谢天宇", "M", "420106", "鄂A"),
    ("宋雅琴", "F", "330106", "浙A"),
    ("上官瑞", "M", "500103", "渝A"),
    ("韩梅", "F", "110105", "京N"),
    ("唐建华", "M", "430104", "湘A"),
    ("司马静怡", "F", "310115", "沪A"),
    ("许文涛", "M", "441302", "粤L"),
    ("邓晓红", "F", "440305", "粤B"),
    ("诸葛芳", "F", "510107", "川A"),
    ("冯涛", "M", "440604", "粤E"),
    ("曹磊", "M", "320106", "苏A"),
    ("彭丽华", "F", "350203", "闽D"),
)
DEMO_CUSTOMERS = (0, 2, 4)  # 王建国, 欧阳娜娜, 阿依古丽·买买提: printed as demo logins

# brand model, WMI + VDS (8 VIN characters), new price in yuan, plate kind, seats
#   plate kind: "" ordinary, "D" battery-electric, "F" plug-in hybrid / range extender
MODELS: tuple[tuple[str, str, int, str, int], ...] = (
    ("比亚迪秦PLUS DM-i", "LGXCE4CB", 119800, "F", 5),
    ("比亚迪汉EV", "LGXCH6CD", 209800, "D", 5),
    ("特斯拉Model 3", "LRW3E7EA", 245900, "D", 5),
    ("特斯拉Model Y", "LRWYGCEK", 263900, "D", 5),
    ("蔚来ES6", "LJ1EFAUU", 338000, "D", 5),
    ("小鹏P7", "LMVHFEFZ", 229900, "D", 5),
    ("理想L7", "LW433B10", 319800, "F", 5),
    ("广汽埃安AION S", "LMGAJ1S8", 139800, "D", 5),
    ("五菱宏光MINIEV", "LZWACAGA", 39800, "D", 4),
    ("大众朗逸", "LSVAL6BR", 119900, "", 5),
    ("大众帕萨特", "LSVCB6A4", 199900, "", 5),
    ("丰田卡罗拉", "LFMA8E2B", 129800, "", 5),
    ("丰田凯美瑞", "LVGBV6AE", 199800, "", 5),
    ("本田雅阁", "LHGCV165", 189800, "", 5),
    ("日产轩逸", "LGBH52E0", 109900, "", 5),
    ("吉利博越", "L6T7944Z", 109800, "", 5),
    ("长安CS75 PLUS", "LS5A3DKE", 119900, "", 5),
    ("哈弗H6", "LGWEF6A5", 119900, "", 5),
    ("别克英朗", "LSGKB54H", 99900, "", 5),
    ("宝马3系", "LBV5S310", 299900, "", 5),
    ("奔驰C级", "LE4ZG8DB", 332800, "", 5),
    ("别克GL8", "LSGUA83L", 329900, "", 7),
)

VIN_YEARS = "FGHJKLMNPRS"  # model years 2015-2025
MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 155 158 159 177 180 "
    "181 182 183 186 187 188 189 199"
).split()
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, O
THIRD_PARTY_LIMITS = (1000000, 1500000, 2000000, 2000000, 3000000, 3000000)

# Claim histories per final status: two variants each, every status reached four times.
_S = ClaimStatus
PATHS: dict[ClaimStatus, tuple[tuple[ClaimStatus, ...], ...]] = {
    _S.REPORTED: ((_S.REPORTED,), (_S.REPORTED,)),
    _S.SURVEY_RECEIVED: (
        (_S.REPORTED, _S.SURVEY_RECEIVED),
        (_S.REPORTED, _S.SURVEY_RECEIVED, _S.UNDER_REVIEW, _S.PHOTOS_REQUESTED,
         _S.SURVEY_RECEIVED),  # fmt: skip
    ),
    _S.PHOTOS_REQUESTED: (
        (_S.REPORTED, _S.SURVEY_RECEIVED, _S.UNDER_REVIEW, _S.PHOTOS_REQUESTED),
        (_S.REPORTED, _S.SURVEYOR_SENT, _S.UNDER_REVIEW, _S.PHOTOS_REQUESTED),
    ),
    _S.UNDER_REVIEW: (
        (_S.REPORTED, _S.SURVEY_RECEIVED, _S.UNDER_REVIEW),
        (_S.REPORTED, _S.SURVEYOR_SENT, _S.UNDER_REVIEW),
    ),
    _S.SURVEYOR_SENT: (
        (_S.REPORTED, _S.SURVEYOR_SENT),
        (_S.REPORTED, _S.SURVEY_RECEIVED, _S.SURVEYOR_SENT),
    ),
    _S.APPROVED: (
        (_S.REPORTED, _S.SURVEY_RECEIVED, _S.UNDER_REVIEW, _S.APPROVED),
        (_S.REPORTED, _S.SURVEYOR_SENT, _S.APPROVED),
    ),
    _S.REPAIRING: (
        (_S.REPORTED, _S.SURVEYOR_SENT, _S.APPROVED, _S.REPAIRING),
        (_S.REPORTED, _S.SURVEY_RECEIVED, _S.UNDER_REVIEW, _S.APPROVED, _S.REPAIRING),
    ),
    _S.PAID: (
        (_S.REPORTED, _S.SURVEY_RECEIVED, _S.UNDER_REVIEW, _S.APPROVED, _S.PAID),
        (_S.REPORTED, _S.SURVEYOR_SENT, _S.APPROVED, _S.REPAIRING, _S.PAID),
    ),
    _S.REJECTED: (
        (_S.REPORTED, _S.SURVEY_RECEIVED, _S.UNDER_REVIEW, _S.REJECTED),
        (_S.REPORTED, _S.SURVEYOR_SENT, _S.REJECTED),
    ),
    _S.WITHDRAWN: (
        (_S.REPORTED, _S.WITHDRAWN),
        (_S.REPORTED, _S.SURVEY_RECEIVED, _S.WITHDRAWN),
    ),
}
CLAIMS_PER_STATUS = 4
MIN_AMOUNT, MAX_AMOUNT = 800, 48000  # yuan, approved and paid

# Minutes from the previous step to this one (min, max).
_GAPS: dict[ClaimStatus, tuple[int, int]] = {
    _S.SURVEY_RECEIVED: (15, 180),  # the customer sends the photos (or re-shoots them)
    _S.SURVEYOR_SENT: (20, 120),
    _S.UNDER_REVIEW: (60, 1200),
    _S.PHOTOS_REQUESTED: (20, 600),
    _S.APPROVED: (240, 4320),
    _S.REPAIRING: (720, 2880),
    _S.PAID: (1440, 10080),
    _S.REJECTED: (1440, 4320),
    _S.WITHDRAWN: (30, 2880),
}

# The demo customers' claims: recent and in progress, so the simulator has something to show.
DEMO_CLAIMS: dict[int, tuple[ClaimStatus, ...]] = {
    0: (_S.UNDER_REVIEW, _S.PAID),
    2: (_S.APPROVED,),
    4: (_S.REPAIRING,),
}


@dataclass
class _Customer:
    index: int
    name: str
    gender: Gender
    id_number: str
    phone: str
    region: str
    plate_prefix: str
    cars: list[_Car] = field(default_factory=list)


@dataclass
class _Car:
    owner: _Customer
    model: tuple[str, str, int, str, int]
    plate: str
    vin: str
    age_days: int  # at the start of its current policies
    situation: str = "in_force"  # in_force | expiring | expired
    products: tuple[str, ...] = (COMPULSORY, COMMERCIAL)
    policies: list[dict[str, str]] = field(default_factory=list)
    claims: int = 0


@dataclass(frozen=True)
class DemoLogin:
    """What a person types to bind in the simulator: policy number (or plate), ID's last 6."""

    policy_no: str
    plate: str
    id_last6: str
    salutation: str

    def __str__(self) -> str:
        return (
            f"{self.policy_no} / {format_plate(self.plate)} / {self.id_last6} / {self.salutation}"
        )


@dataclass(frozen=True)
class DemoBook:
    policies: list[dict[str, str]]
    claims: list[dict[str, str]]
    logins: list[DemoLogin]

    def policies_csv(self) -> str:
        return _csv(POLICY_COLUMNS, self.policies)

    def claims_csv(self) -> str:
        return _csv(CLAIM_COLUMNS, self.claims)


@dataclass(frozen=True)
class SeedResult:
    policies: ImportReport
    claims: ImportReport
    logins: list[DemoLogin]
    out_dir: Path | None = None

    @property
    def ok(self) -> bool:
        return self.policies.ok and self.claims.ok

    def summary(self) -> str:
        lines = [self.policies.summary(), self.claims.summary()]
        if self.claims.rejected and all(
            reason.startswith(MOVED_CLAIM_REASONS)
            for rejection in self.claims.rejected
            for reason in rejection.reasons
        ):
            lines.append(
                "the demo claims in this book were seeded on another day (their dates move with "
                "today); restart `claimbot dev` for a fresh demo book"
            )
        if self.out_dir is not None:
            lines.append(f"CSV files kept in {self.out_dir}")
        lines += [f"demo login: {login}" for login in self.logins]
        return "\n".join(lines)


# What the import says about a demo claim seeded on another day: its dates have moved.
MOVED_CLAIM_REASONS = ("timeline conflicts with the stored claim", "accident_date differs")


def china_today() -> date:
    return datetime.now(CHINA).date()


# --- seeding -----------------------------------------------------------------------------------


def seed_demo(
    writer: Any, out_dir: str | Path | None = None, today: date | None = None
) -> SeedResult:
    """Write the demo book's CSV files and import them with `writer` (a BookWriter)."""
    book = build_demo_book(today)
    if out_dir is not None:
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        return _import(book, writer, folder, keep=True)
    with tempfile.TemporaryDirectory(prefix="claimbot-seed-") as tmp:
        return _import(book, writer, Path(tmp), keep=False)


def _import(book: DemoBook, writer: Any, folder: Path, keep: bool) -> SeedResult:
    policies_path = folder / "policies.csv"
    claims_path = folder / "claims.csv"
    # UTF-8 with a BOM, as Excel writes and reads it; the importer's default.
    policies_path.write_text(book.policies_csv(), encoding="utf-8-sig")
    claims_path.write_text(book.claims_csv(), encoding="utf-8-sig")
    policies = import_policies(policies_path, writer)
    claims = import_claims(claims_path, writer)
    return SeedResult(policies, claims, book.logins, folder if keep else None)


def _csv(columns: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# --- the book ------------------------------------------------------------------------------------


def build_demo_book(today: date | None = None) -> DemoBook:
    """The demo book's rows (pure: same `today`, same book)."""
    today = today or china_today()
    rng = random.Random(SEED)
    taken: set[str] = set()
    customers = [_customer(i, spec, rng, taken) for i, spec in enumerate(CUSTOMERS)]
    cars = _cars(customers, rng, taken)
    _situations(cars, rng)
    policies = _policies(cars, rng, today, taken)
    claims, claimed = _claims(customers, cars, rng, today, taken)
    logins = [_login(customers[i], claimed[i]) for i in DEMO_CUSTOMERS]
    return DemoBook(policies, claims, logins)


def _unique(make: Any, taken: set[str]) -> str:
    while True:
        value = make()
        if value not in taken:
            taken.add(value)
            return value


def make_id_number(region: str, born: date, gender: Gender, rng: random.Random) -> str:
    """A valid 18-character resident ID: region, birth date, sequence (odd = male), check."""
    sequence = rng.randrange(10, 100) * 10 + rng.choice(
        (1, 3, 5, 7, 9) if gender is Gender.MALE else (0, 2, 4, 6, 8)
    )
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


def make_vin(prefix8: str, model_year: int, rng: random.Random) -> str:
    """WMI + VDS, check digit (computed), model year, plant, serial number."""
    year = VIN_YEARS[min(max(model_year - 2015, 0), len(VIN_YEARS) - 1)]
    plant = rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789")
    tail = f"{year}{plant}{rng.randrange(10**6):06d}"
    vin = f"{prefix8}0{tail}"
    return f"{prefix8}{vin_check_digit(vin)}{tail}"


def make_plate(prefix: str, kind: str, rng: random.Random) -> str:
    if kind:  # new-energy (small car): D/F, a letter or digit, then 4 digits
        second = rng.choice(PLATE_LETTERS + "0123456789")
        plate = f"{prefix}{kind}{second}{rng.randrange(10**4):04d}"
    else:
        first = rng.choice(PLATE_LETTERS + "0123456789")
        plate = f"{prefix}{first}{rng.randrange(10**4):04d}"
    assert is_valid_plate(plate), plate
    return plate


def _customer(index: int, spec: tuple[str, str, str, str], rng: random.Random, taken: set[str]):
    name, gender_code, region, plate_prefix = spec
    gender = Gender(gender_code)
    born = date(rng.randint(1962, 2001), rng.randint(1, 12), rng.randint(1, 28))
    id_number = _unique(lambda: make_id_number(region, born, gender, rng), taken)
    phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    return _Customer(index, name, gender, id_number, phone, region, plate_prefix)


# How many cars and products each customer holds with us, in turn.
_HOLDINGS = ("both", "both", "compulsory", "two_cars", "both", "commercial", "both", "two_cars")


def _unique_plate(prefix: str, kind: str, rng: random.Random, taken: set[str]) -> str:
    return _unique(lambda: make_plate(prefix, kind, rng), taken)


def _unique_vin(prefix8: str, model_year: int, rng: random.Random, taken: set[str]) -> str:
    return _unique(lambda: make_vin(prefix8, model_year, rng), taken)


def _cars(customers: list[_Customer], rng: random.Random, taken: set[str]) -> list[_Car]:
    cars = []
    for customer in customers:
        holding = "both" if customer.index in DEMO_CUSTOMERS else _HOLDINGS[customer.index % 8]
        products = {
            "both": [(COMPULSORY, COMMERCIAL)],
            "compulsory": [(COMPULSORY,)],
            "commercial": [(COMMERCIAL,)],
            "two_cars": [(COMPULSORY, COMMERCIAL), (COMPULSORY,)],
        }[holding]
        for car_products in products:
            model = rng.choice(MODELS)
            age_days = rng.choice((0, 0, rng.randint(200, 8 * 365)))
            plate = _unique_plate(customer.plate_prefix, model[3], rng, taken)
            vin = _unique_vin(model[1], 2025 - age_days // 365, rng, taken)
            car = _Car(customer, model, plate, vin, age_days, products=car_products)
            customer.cars.append(car)
            cars.append(car)
    return cars


def _situations(cars: list[_Car], rng: random.Random) -> None:
    """Some cars' policies expire within 60 days, some have expired (not renewed with us)."""
    others = [c for c in cars if c.owner.index not in DEMO_CUSTOMERS]
    rng.shuffle(others)
    for car in others[:8]:
        car.situation = "expiring"
    for car in others[8:13]:
        car.situation = "expired"


def _one_year(start: date) -> date:
    try:
        return start.replace(year=start.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return date(start.year + 1, 2, 28)


def _year_before(end: date) -> date:
    """The start of the one-year period ending on `end`."""
    try:
        return end.replace(year=end.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February
        return date(end.year - 1, 3, 1)


def _start_for(car: _Car, rng: random.Random, today: date) -> date:
    if car.situation == "expiring":
        return _year_before(today + timedelta(days=rng.randint(3, 58)))
    if car.situation == "expired":
        return _year_before(today - timedelta(days=rng.randint(5, 200)))
    return today - timedelta(days=rng.randint(30, 300))


def _policy_no(product: str, start: date, region: str, rng: random.Random, taken: set[str]):
    letters = "DZA" if product == COMPULSORY else "DAA"
    return _unique(lambda: f"P{letters}{start.year}{region[:4]}{rng.randrange(10**8):08d}", taken)


def _policies(cars: list[_Car], rng: random.Random, today: date, taken: set[str]):
    rows: list[dict[str, str]] = []
    for car in cars:
        start = _start_for(car, rng, today)
        for product in car.products:
            rows.append(_policy_row(car, product, start, rng, taken))
    # One commercial policy cancelled (the car was sold), one renewal bought in advance.
    in_force = [
        c for c in cars if c.situation == "in_force" and c.owner.index not in DEMO_CUSTOMERS
    ]
    commercial = [c for c in in_force if COMMERCIAL in c.products and len(c.owner.cars) == 1]
    sold = rng.choice(commercial)
    for row in sold.policies:
        if row["product"] == COMMERCIAL:
            row["cancelled"] = "是"
    expiring = [
        c
        for c in cars
        if c.situation == "expiring" and COMMERCIAL in c.products and len(c.owner.cars) == 1
    ]
    renewed = rng.choice(expiring)
    current = next(r for r in renewed.policies if r["product"] == COMMERCIAL)
    renewal_start = date.fromisoformat(current["end_date"]) + timedelta(days=1)
    rows.append(_policy_row(renewed, COMMERCIAL, renewal_start, rng, taken))
    return rows


def _policy_row(car: _Car, product: str, start: date, rng: random.Random, taken: set[str]):
    owner = car.owner
    if product == COMPULSORY:
        coverages = COMPULSORY_COVERAGES
    else:
        coverages = ";".join(_commercial_coverages(car, rng))
    row = {
        "policy_no": _policy_no(product, start, owner.region, rng, taken),
        "product": product,
        "holder_name": owner.name,
        "holder_id_number": owner.id_number,
        "holder_phone": owner.phone,
        "plate": car.plate,
        "vin": car.vin,
        "brand_model": car.model[0],
        "start_date": start.isoformat(),
        "end_date": _one_year(start).isoformat(),
        "cancelled": "否",
        "coverages": coverages,
    }
    car.policies.append(row)
    return row


def actual_value(new_price: int, age_days: int) -> int:
    """车损险 amount: the new price less 0.6 % per month of age (at most 80 %), to 100 yuan."""
    months = age_days // 30
    value = new_price * (1 - min(0.006 * months, 0.8))
    return int(round(value / 100) * 100)


def _commercial_coverages(car: _Car, rng: random.Random) -> list[str]:
    name, _, price, _, seats = car.model
    parts = [
        f"车损险:{actual_value(price, car.age_days)}",
        f"第三者责任险:{rng.choice(THIRD_PARTY_LIMITS)}",
        "车上人员责任险(司机):10000/座",
        f"车上人员责任险(乘客):10000/座*{seats - 1}",
    ]
    if rng.random() < 0.3:
        parts.append("道路救援服务特约条款")
    return parts


# --- claims ------------------------------------------------------------------------------------


def _claims(customers, cars, rng: random.Random, today: date, taken: set[str]):
    anchor = datetime.combine(today, time(0, 0), CHINA)  # every entry is before today
    plan: list[tuple[ClaimStatus, int]] = []
    for status, variants in PATHS.items():
        plan += [(status, n % len(variants)) for n in range(CLAIMS_PER_STATUS)]
    demo = [(i, status) for i, statuses in DEMO_CLAIMS.items() for status in statuses]
    rows: list[dict[str, str]] = []
    claimed: dict[int, dict[str, str]] = {}
    for customer_index, status in demo:
        plan.remove(next(p for p in plan if p[0] is status))
        customer = customers[customer_index]
        row, policy = _claim(customer.cars, status, 0, rng, anchor, taken)
        rows.append(row)
        claimed.setdefault(customer_index, policy)
    rng.shuffle(plan)
    eligible = [c for c in cars if c.owner.index not in DEMO_CUSTOMERS]
    for status, variant in plan:
        row, _ = _claim(eligible, status, variant, rng, anchor, taken)
        rows.append(row)
    return rows, claimed


def _claim(candidates: list[_Car], status: ClaimStatus, variant: int, rng, anchor, taken):
    """One claims row on a car whose policy covers the accident; (row, that policy's row)."""
    path = PATHS[status][variant]
    while True:
        times = _times(path, rng, anchor)
        accident = times[0] - timedelta(minutes=rng.randint(10, 600))
        car = rng.choice(candidates)
        policy = _covering_policy(car, accident.date())
        if policy is not None:
            break
    car.claims += 1
    cap = 2000 if policy["product"] == COMPULSORY else _car_value(policy)
    amount = _amount(cap, rng)
    entries = []
    for step, at in zip(path, times, strict=True):
        text = f"{step.value}@{at.isoformat()}"
        if step in (_S.APPROVED, _S.PAID):
            text += f"@{amount}.00"
        entries.append(text)
    claim_no = _unique(
        lambda: f"RDAA{accident.year}{car.owner.region[:4]}{rng.randrange(10**8):08d}", taken
    )
    row = {
        "claim_no": claim_no,
        "policy_no": policy["policy_no"],
        "accident_date": accident.date().isoformat(),
        "timeline": ";".join(entries),
    }
    return row, policy


# Steps the insurer's staff take: during office hours (08:00-21:00).
_STAFF_STEPS = frozenset(
    {_S.SURVEYOR_SENT, _S.UNDER_REVIEW, _S.APPROVED, _S.PAID, _S.REJECTED, _S.REPAIRING}
)


def _times(path: tuple[ClaimStatus, ...], rng: random.Random, anchor: datetime) -> list[datetime]:
    """When each step happened: minutes to days apart, all before `anchor`; finished claims
    days to months ago, open ones within the last few days."""
    report_at = time(rng.randint(7, 21), rng.randint(0, 59))
    times = [datetime.combine(anchor.date(), report_at, CHINA)]
    for step in path[1:]:
        at = times[-1] + timedelta(minutes=rng.randint(*_GAPS[step]))
        if step in _STAFF_STEPS:
            at = _office_hours(at, rng)
        times.append(at)
    latest = anchor - timedelta(minutes=30)
    days_back = max(0, math.ceil((times[-1] - latest) / timedelta(days=1)))
    days_back += rng.randint(3, 150) if path[-1] in TERMINAL else rng.choice((0, 0, 1, 2))
    return [t - timedelta(days=days_back) for t in times]


def _office_hours(at: datetime, rng: random.Random) -> datetime:
    if at.hour < 8:
        return at.replace(hour=8, minute=rng.randint(0, 59))
    if at.hour >= 21:
        return (at + timedelta(days=1)).replace(hour=8, minute=rng.randint(0, 59))
    return at


def _amount(cap: int, rng: random.Random) -> int:
    """800 yuan up to `cap` (at most 48,000), log-uniform: most claims are small, to 10 yuan."""
    cap = max(MIN_AMOUNT, min(MAX_AMOUNT, cap))
    value = math.exp(rng.uniform(math.log(MIN_AMOUNT), math.log(cap)))
    return max(MIN_AMOUNT, min(cap, int(round(value / 10)) * 10))


def _covering_policy(car: _Car, day: date) -> dict[str, str] | None:
    """The car's commercial policy in force on `day`, else its compulsory one, else None."""
    ordered = sorted(car.policies, key=lambda r: r["product"] != COMMERCIAL)
    for row in ordered:
        in_period = row["start_date"] <= day.isoformat() <= row["end_date"]
        if in_period and row["cancelled"] != "是":
            return row
    return None


def _car_value(policy: dict[str, str]) -> int:
    first = policy["coverages"].split(";")[0]
    return int(first.split(":")[1])


def _login(customer: _Customer, policy: dict[str, str]) -> DemoLogin:
    return DemoLogin(
        policy_no=policy["policy_no"],
        plate=policy["plate"],
        id_last6=customer.id_number[-6:],
        salutation=salutation(customer.name, customer.gender),
    )
