"""chalicelib.domain.rating and `claimbot quote`: premiums worked out by hand from motor.md.

The commercial base premium inputs in the packaged tariff are unverified reference figures that
an actuary will replace, so the hand-worked examples pin their own (the `tariffs` fixture: the
packaged files with those figures overwritten). Figures that come from motor.md are tested
against the packaged files themselves.
"""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from chalicelib.domain import plates
from chalicelib.domain.rating import (
    PROVINCES_BY_ABBREVIATION,
    TARIFF_DIR,
    Plan,
    QuoteInput,
    RatingError,
    TariffError,
    actual_value,
    compulsory_premium,
    load_tariff,
    money,
    months_used,
    ncd_factor,
    ncd_level,
    rate,
    region_from_plate,
    valuation,
    vehicle_tax,
)
from devstack.commands import quote as quote_command

QUOTED = date(2026, 11, 22)
NATIONAL_FILE = "national-2020-09-19.json"
D = Decimal


def car(**changes) -> QuoteInput:
    """The 5-seat family car of the examples: 广东, registered 2019-06-01, 150,000 new."""
    values = {
        "plate": "粤B12345",
        "vehicle_type": "小型轿车",
        "use_character": "非营运",
        "seats": 5,
        "new_car_price": D("150000"),
        "register_date": date(2019, 6, 1),
        "region": "广东",
        "claim_free_years": 1,
        "displacement_l": D("1.5"),
        "quote_date": QUOTED,
    }
    values.update(changes)
    return QuoteInput(**values)


def edit(path: Path, change) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


@pytest.fixture
def tariffs(tmp_path: Path) -> Path:
    """The packaged tariff files with the test's own commercial base premium inputs."""
    folder = tmp_path / "tariffs"
    shutil.copytree(TARIFF_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))

    def pin(data: dict) -> None:
        commercial = data["commercial"]
        commercial["vehicle_damage"].update(fixed="500", rate="0.01")
        commercial["third_party"]["base_premiums"] = [
            {"limit": limit, "premium": premium}
            for limit, premium in [
                ("500000", "800"),
                ("1000000", "1000"),
                ("1500000", "1100"),
                ("2000000", "1200"),
                ("3000000", "1400"),
            ]
        ]
        commercial["driver_seat"]["rate"] = "0.004"
        commercial["passenger_seat"]["rate"] = "0.002"
        factors = ["0.5", "0.6", "0.7", "0.8", "1.0", "1.2", "1.4", "1.6", "1.8", "2.0"]
        commercial["ncd"]["levels"] = [
            {"level": level, "factor": factor}
            for level, factor in zip(range(-4, 6), factors, strict=True)
        ]

    edit(folder / NATIONAL_FILE, pin)
    return folder


def quote(folder: Path | None = None, **changes) -> tuple[Plan, Plan, Plan]:
    quote_input = car(**changes)
    return rate(quote_input, load_tariff(quote_input.region, quote_input.quote_date, folder))


def premiums(plan: Plan) -> dict[str, Decimal]:
    return {item.code: item.premium for item in plan.items}


# --- the worked example --------------------------------------------------------------------------


def test_family_car_in_guangdong_by_hand(tariffs: Path) -> None:
    basic, standard, full = quote(tariffs)

    # Months used: 2019-06-01 → 2026-11-22 = 7 years × 12 + (11 − 6) = 89 full months (22 ≥ 1).
    # Depreciation 150,000 × 89 × 0.6% = 150,000 × 53.4% = 80,100 → actual value 69,900.
    damage = dict((i.code, i) for i in full.items)["vehicle_damage"]
    assert damage.detail["months_used"] == 89
    assert damage.detail["monthly_depreciation_rate"] == D("0.006")
    assert damage.detail["depreciation_rate"] == D("0.534")
    assert damage.detail["depreciation"] == D("80100.00")
    assert damage.detail["actual_value"] == damage.sum_insured == D("69900.00")

    # 交强险: family car < 6 seats 950; 广东 is plan E; 1 claim-free year −10%: 950 × 0.9 = 855.
    compulsory = basic.items[0]
    assert (compulsory.code, compulsory.name) == ("compulsory", "交强险")
    assert compulsory.premium == D("855.00")
    assert compulsory.detail["base_premium"] == D("950")
    assert compulsory.detail["floating_plan"] == "E"
    assert compulsory.detail["floating_rate"] == D("-0.10")
    assert compulsory.detail["floating_reason"] == "claim_free_1_year"
    # At-fault limits 180,000 + 18,000 + 2,000.
    assert compulsory.sum_insured == D("200000")

    # 车船税: 广东, 1.5 L is in the 1.0–1.6 L band: 360.
    tax = basic.items[1]
    assert (tax.code, tax.premium, tax.sum_insured) == ("vehicle_tax", D("360.00"), None)
    assert tax.detail["basis"] == "provincial"

    # NCD: no claim last year, 1 claim-free year → level −1 → 0.8.
    # 车损险 base 500 + 1% × 69,900 = 1,199.00; × 0.8 = 959.20.
    assert damage.detail["base_premium"] == D("1199.00")
    assert (damage.detail["ncd_level"], damage.detail["ncd_factor"]) == (-1, D("0.8"))
    assert damage.premium == D("959.20")

    # 三者险 100万 1,000 × 0.8 = 800; 200万 1,200 × 0.8 = 960; 300万 1,400 × 0.8 = 1,120.
    # 司机 10,000 × 0.4% = 40 × 0.8 = 32; 乘客 10,000 × 0.2% × 4 seats = 80 × 0.8 = 64.
    assert premiums(basic) == {
        "compulsory": D("855.00"),
        "vehicle_tax": D("360.00"),
        "third_party": D("800.00"),
    }
    assert premiums(standard) == {
        "compulsory": D("855.00"),
        "vehicle_tax": D("360.00"),
        "vehicle_damage": D("959.20"),
        "third_party": D("960.00"),
        "driver_seat": D("32.00"),
    }
    assert premiums(full) == {
        "compulsory": D("855.00"),
        "vehicle_tax": D("360.00"),
        "vehicle_damage": D("959.20"),
        "third_party": D("1120.00"),
        "driver_seat": D("32.00"),
        "passenger_seat": D("64.00"),
    }
    # 855 + 360 + 800 = 2,015
    assert basic.total == D("2015.00")
    # 855 + 360 + 959.20 + 960 + 32 = 3,166.20
    assert standard.total == D("3166.20")
    # 855 + 360 + 959.20 + 1,120 + 32 + 64 = 3,390.20
    assert full.total == D("3390.20")
    assert [(p.code, p.name) for p in (basic, standard, full)] == [
        ("basic", "基础"),
        ("standard", "标准"),
        ("full", "全面"),
    ]


def test_item_names_limits_and_seats(tariffs: Path) -> None:
    _, standard, full = quote(tariffs)
    names = {item.code: item.name for item in full.items}
    assert names == {
        "compulsory": "交强险",
        "vehicle_tax": "车船税",
        "vehicle_damage": "车损险",
        "third_party": "三者险",
        "driver_seat": "车上人员(司机)",
        "passenger_seat": "车上人员(乘客)",
    }
    insured = {item.code: item.sum_insured for item in full.items}
    assert insured["third_party"] == D("3000000")
    assert insured["driver_seat"] == D("10000")
    assert insured["passenger_seat"] == D("40000")  # 10,000 × (5 − 1) seats
    assert {i.code: i.sum_insured for i in standard.items}["third_party"] == D("2000000")


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"plate": "粤BD12345"},  # new-energy
        {"region": "北京", "plate": "京A12345"},
        {"at_fault_claims_last_year": 2, "claim_free_years": 0},
        {"seats": 7, "new_car_price": D("123456.78"), "register_date": date(2021, 3, 31)},
        {"seats": 1, "displacement_l": None},
        {"register_date": date(2005, 1, 1), "use_character": "机关非营业"},
    ],
)
def test_plan_totals_are_the_sums_of_their_items(tariffs: Path, changes: dict) -> None:
    for plan in (*quote(tariffs, **changes), *quote(None, **changes)):
        assert plan.total == sum(item.premium for item in plan.items)
        for item in plan.items:
            assert item.premium == money(item.premium)  # to the fen


def test_a_one_seat_vehicle_has_no_passenger_seats(tariffs: Path) -> None:
    *_, full = quote(tariffs, seats=1)
    assert "passenger_seat" not in premiums(full)


def test_money_rounds_half_up() -> None:
    assert money(D("2.345")) == D("2.35")  # half-even would give 2.34
    assert money(D("2.335")) == D("2.34")
    assert money(D("2.3449")) == D("2.34")


# --- compulsory ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "claims", "claim_free", "fatal", "plan", "floating", "premium"),
    [
        ("广东", 0, 0, False, "E", "0", "950.00"),  # new car: no record
        ("广东", 0, 1, False, "E", "-0.10", "855.00"),  # 950 × 0.90
        ("广东", 0, 2, False, "E", "-0.20", "760.00"),  # 950 × 0.80
        ("广东", 0, 3, False, "E", "-0.30", "665.00"),  # 950 × 0.70
        ("上海", 0, 7, False, "E", "-0.30", "665.00"),  # 3 or more years
        ("广东", 1, 0, False, "E", "0", "950.00"),  # one at-fault accident
        ("广东", 2, 0, False, "E", "0.10", "1045.00"),  # 950 × 1.10
        ("广东", 5, 0, False, "E", "0.10", "1045.00"),
        ("广东", 1, 0, True, "E", "0.30", "1235.00"),  # fatal: 950 × 1.30
        ("北京", 0, 1, False, "D", "-0.15", "807.50"),  # 950 × 0.85
        ("天津", 0, 3, False, "D", "-0.35", "617.50"),  # 950 × 0.65
        ("北京", 2, 0, False, "D", "0.10", "1045.00"),
        ("内蒙古", 0, 1, False, "A", "-0.30", "665.00"),
        ("海南", 0, 3, False, "A", "-0.50", "475.00"),  # 950 × 0.50
        ("陕西", 0, 2, False, "B", "-0.35", "617.50"),
        ("广西", 0, 1, False, "B", "-0.25", "712.50"),  # 950 × 0.75
        ("新疆", 0, 1, False, "C", "-0.20", "760.00"),
        ("黑龙江", 0, 3, False, "C", "-0.40", "570.00"),  # 950 × 0.60
    ],
)
def test_compulsory_floating_by_regional_plan(
    region, claims, claim_free, fatal, plan, floating, premium
) -> None:
    quote_input = car(
        region=region,
        at_fault_claims_last_year=claims,
        claim_free_years=claim_free,
        fatal_accident=fatal,
    )
    result = compulsory_premium(quote_input, load_tariff(region, QUOTED))
    assert (result.base, result.plan) == (D("950"), plan)
    assert result.floating_rate == D(floating)
    assert result.premium == D(premium)
    # plans A–D: claim-free steps unverified, at-fault steps assumed the same as plan E
    assert result.unverified == (plan != "E" and (claims > 0 or claim_free > 0))


@pytest.mark.parametrize(
    ("use", "vehicle_type", "seats", "tonnes", "category", "base"),
    [
        ("非营运", "小型轿车", 5, None, "family", "950"),
        ("家庭自用", "小型普通客车", 6, None, "family", "1100"),  # bands include their start
        ("企业非营业", "小型普通客车", 5, None, "enterprise", "1000"),
        ("企业非营业", "小型普通客车", 9, None, "enterprise", "1130"),
        ("企业非营业", "中型普通客车", 10, None, "enterprise", "1220"),
        ("企业非营业", "大型普通客车", 20, None, "enterprise", "1270"),
        ("机关非营业", "大型普通客车", 45, None, "government", "1320"),
        ("出租客运", "小型轿车", 5, None, "taxi_rental", "1800"),
        ("租赁", "大型普通客车", 35, None, "taxi_rental", "2560"),
        ("预约出租客运", "大型普通客车", 36, None, "taxi_rental", "3530"),
        ("taxi_rental", "小型普通客车", 7, None, "taxi_rental", "2360"),  # a category code
        ("非营运", "轻型普通货车", 3, "1.5", "non_operating_truck", "1200"),
        ("非营运", "轻型普通货车", 3, "2", "non_operating_truck", "1470"),
        ("非营运", "重型半挂牵引车", 2, "12", "non_operating_truck", "2220"),
        ("货运", "中型普通货车", 3, "4.99", "operating_truck", "3070"),
    ],
)
def test_compulsory_base_by_category(use, vehicle_type, seats, tonnes, category, base) -> None:
    quote_input = car(
        use_character=use,
        vehicle_type=vehicle_type,
        seats=seats,
        load_tonnes=tonnes,
        claim_free_years=0,
    )
    result = compulsory_premium(quote_input, load_tariff("广东", QUOTED))
    assert (result.category, result.base, result.premium) == (category, D(base), D(base))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"use_character": "营运"}, "unknown use character '营运'"),
        ({"vehicle_type": "轻型普通货车"}, "give load_tonnes"),
        (
            {"vehicle_type": "重型厢式货车", "use_character": "货运", "load_tonnes": "12"},
            "no operating_truck base premium for 12",
        ),
        ({"vehicle_type": "小型轿车", "use_character": "货运"}, "no passenger category"),
        ({"vehicle_type": "轻型普通货车", "use_character": "family"}, "does not fit"),
    ],
)
def test_compulsory_errors(changes: dict, message: str) -> None:
    quote_input = car(**changes)
    with pytest.raises(RatingError, match=message):
        compulsory_premium(quote_input, load_tariff("广东", QUOTED))


def test_trucks_get_no_commercial_quote() -> None:
    with pytest.raises(RatingError, match="only for passenger vehicles"):
        quote(vehicle_type="轻型普通货车", load_tonnes="1.5")


# --- vehicle tax ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "litres", "amount", "basis"),
    [
        ("广东", "1.0", "180", "provincial"),  # bands include their upper end
        ("广东", "1.5", "360", "provincial"),
        ("北京", "1.5", "420", "provincial"),
        ("北京", "2.0", "480", "provincial"),
        ("北京", "2.01", "900", "provincial"),
        ("北京", "4.2", "5280", "provincial"),
        ("上海", "0.9", "60", "national_range_low_end"),  # no file for 上海: the low end
        ("上海", "1.5", "300", "national_range_low_end"),
        ("四川", "3.5", "2400", "national_range_low_end"),
        ("四川", "6.0", "3600", "national_range_low_end"),
    ],
)
def test_vehicle_tax_by_displacement(region: str, litres: str, amount: str, basis: str) -> None:
    quote_input = car(region=region, displacement_l=D(litres))
    tax = vehicle_tax(quote_input, load_tariff(region, QUOTED))
    assert (tax.amount, tax.basis, tax.exempt, tax.displacement_assumed) == (
        D(amount),
        basis,
        False,
        False,
    )


def test_unknown_displacement_uses_the_tariffs_assumption() -> None:
    tax = vehicle_tax(car(displacement_l=None), load_tariff("广东", QUOTED))
    # assumed 1.6 L → 广东 1.0–1.6 L band: 360, and the quote says it was assumed
    assert (tax.displacement_l, tax.displacement_assumed, tax.amount) == (D("1.6"), True, D(360))


@pytest.mark.parametrize(
    ("plate", "new_energy", "exempt"),
    [
        ("粤BD12345", None, True),  # 8 characters: new-energy plate
        ("粤B·FA1234", None, True),
        ("粤B12345D", None, True),  # large new-energy vehicle: 5 digits + D
        ("粤B1234D", None, False),  # an ordinary plate
        ("粤B12345", None, False),
        ("粤B12345", True, True),  # the answer wins over the plate
        ("粤BD12345", False, False),
    ],
)
def test_new_energy_vehicles_are_exempt(plate: str, new_energy, exempt: bool) -> None:
    quote_input = car(plate=plate, new_energy=new_energy)
    tax = vehicle_tax(quote_input, load_tariff("广东", QUOTED))
    assert tax.exempt is exempt
    assert tax.amount == (D(0) if exempt else D(360))
    basic, *_ = rate(quote_input, load_tariff("广东", QUOTED))
    assert premiums(basic)["vehicle_tax"] == tax.amount


def test_vehicle_tax_only_for_cars_up_to_9_seats() -> None:
    tariff = load_tariff("广东", QUOTED)
    assert vehicle_tax(car(seats=9), tariff).amount == D(360)
    with pytest.raises(RatingError, match="up to 9 seats"):
        vehicle_tax(car(seats=10), tariff)


# --- actual value --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registered", "quoted", "months"),
    [
        (date(2019, 6, 1), date(2026, 11, 22), 89),
        (date(2026, 11, 22), date(2026, 11, 22), 0),
        (date(2026, 10, 23), date(2026, 11, 22), 0),  # a day short of a month
        (date(2026, 10, 22), date(2026, 11, 22), 1),
        (date(2023, 1, 31), date(2023, 2, 28), 1),  # the last day of a shorter month
        (date(2024, 1, 31), date(2024, 2, 28), 0),  # 2024-02-29 exists
        (date(2024, 1, 31), date(2024, 2, 29), 1),
        (date(2020, 12, 15), date(2021, 1, 14), 0),
    ],
)
def test_months_used_counts_full_months(registered: date, quoted: date, months: int) -> None:
    assert months_used(registered, quoted) == months


@pytest.mark.parametrize(
    ("seats", "registered", "price", "monthly", "value"),
    [
        # 24 months × 0.6% = 14.4%: 200,000 − 28,800
        (5, date(2024, 11, 22), "200000", "0.006", "171200.00"),
        # 9 seats still 0.6% (9座以下 includes 9)
        (9, date(2024, 11, 22), "200000", "0.006", "171200.00"),
        # 10 seats and more 0.9%: 24 × 0.9% = 21.6%: 200,000 − 43,200
        (10, date(2024, 11, 22), "200000", "0.009", "156800.00"),
        # 202 months × 0.6% = 121.2%, capped at 80%: 150,000 × 20%
        (5, date(2010, 1, 1), "150000", "0.006", "30000.00"),
        # 1 month × 0.6% of 99,999.99 = 599.99994 → 600.00 depreciation
        (5, date(2026, 10, 1), "99999.99", "0.006", "99399.99"),
    ],
)
def test_actual_value(seats, registered, price, monthly, value) -> None:
    tariff = load_tariff("广东", QUOTED)
    assert actual_value(D(price), registered, QUOTED, seats, tariff) == D(value)
    assert valuation(D(price), registered, QUOTED, seats, tariff).monthly_rate == D(monthly)


def test_depreciation_cap_is_reported(tariffs: Path) -> None:
    *_, full = quote(tariffs, register_date=date(2010, 1, 1))
    damage = {item.code: item for item in full.items}["vehicle_damage"]
    assert damage.detail["depreciation_capped"] is True
    assert damage.detail["depreciation_rate"] == D("0.80")
    assert damage.sum_insured == D("30000.00")


# --- NCD -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claims", "claim_free_years", "level"),
    [
        (0, 0, 0),  # new or transferred car
        (0, 1, -1),
        (0, 2, -2),
        (0, 3, -3),
        (0, 4, -4),
        (0, 10, -4),
        (1, 0, 0),  # one insured year, one claim: 1 − 1
        (2, 0, 1),
        (3, 0, 2),
        (5, 0, 4),
        (6, 0, 5),
        (9, 0, 5),
    ],
)
def test_ncd_level_from_simple_answers(claims: int, claim_free_years: int, level: int) -> None:
    assert ncd_level(claims, claim_free_years) == level


def test_ncd_factors_from_the_packaged_tariff() -> None:
    tariff = load_tariff("广东", QUOTED)
    table = {level: ncd_factor(level, tariff) for level in range(-4, 6)}
    assert table == {
        -4: D("0.5"),
        -3: D("0.6"),
        -2: D("0.7"),
        -1: D("0.8"),
        0: D("1.0"),
        1: D("1.2"),
        2: D("1.4"),
        3: D("1.6"),
        4: D("1.8"),
        5: D("2.0"),
    }
    # motor.md confirms only −4, 0 and +5
    assert tariff.ncd_unverified == {-3, -2, -1, 1, 2, 3, 4}


def test_claims_raise_the_commercial_premium(tariffs: Path) -> None:
    basic, *_ = quote(tariffs, at_fault_claims_last_year=2, claim_free_years=0)
    # level 1 → 1.2: 三者险 100万 1,000 × 1.2 = 1,200; 交强险 950 × 1.1 = 1,045
    assert premiums(basic)["third_party"] == D("1200.00")
    assert premiums(basic)["compulsory"] == D("1045.00")
    basic, *_ = quote(tariffs, claim_free_years=5)
    # level −4 → 0.5: 1,000 × 0.5 = 500; 交强险 950 × 0.7 = 665
    assert premiums(basic)["third_party"] == D("500.00")
    assert premiums(basic)["compulsory"] == D("665.00")


# --- tariff files --------------------------------------------------------------------------------


def test_changing_a_number_in_the_data_changes_the_premium(tariffs: Path) -> None:
    assert premiums(quote(tariffs)[0])["compulsory"] == D("855.00")

    def corrections(data: dict) -> None:
        data["compulsory"]["categories"]["family"]["bands"][0]["premium"] = "1000"
        data["commercial"]["vehicle_damage"]["rate"] = "0.02"
        data["commercial"]["autonomous_pricing_factor"]["value"] = "1.1"

    edit(tariffs / NATIONAL_FILE, corrections)
    edit(tariffs / "guangdong-2020-09-19.json", lambda d: d["vehicle_tax"]["bands"][1].update(
        amount="400"
    ))  # fmt: skip
    basic, standard, _ = quote(tariffs)
    # 交强险 1,000 × 0.9 = 900
    assert premiums(basic)["compulsory"] == D("900.00")
    # 车船税 广东 1.0–1.6 L now 400
    assert premiums(basic)["vehicle_tax"] == D("400.00")
    # 三者险 100万 1,000 × 0.8 × 1.1 = 880
    assert premiums(basic)["third_party"] == D("880.00")
    # 车损险 (500 + 2% × 69,900 = 1,898) × 0.8 × 1.1 = 1,670.24
    assert premiums(standard)["vehicle_damage"] == D("1670.24")


def test_the_latest_file_in_effect_applies(tariffs: Path) -> None:
    later = json.loads((tariffs / NATIONAL_FILE).read_text(encoding="utf-8"))
    later["effective_from"] = "2027-01-01"
    later["compulsory"]["categories"]["family"]["bands"][0]["premium"] = "1000"
    (tariffs / "national-2027-01-01.json").write_text(json.dumps(later), encoding="utf-8")
    tax_2027 = {
        "region": "广东省",
        "effective_from": "2027-01-01",
        "source": "test",
        "vehicle_tax": {"bands": [{"up_to_l": None, "amount": "500"}]},
    }
    (tariffs / "gd-2027.json").write_text(json.dumps(tax_2027), encoding="utf-8")

    before = load_tariff("广东", date(2026, 12, 31), tariffs)
    after = load_tariff("广东", date(2027, 1, 1), tariffs)
    assert before.files == (NATIONAL_FILE, "guangdong-2020-09-19.json")
    assert after.files == ("national-2027-01-01.json", "gd-2027.json")
    assert after.effective_from == date(2027, 1, 1)
    assert premiums(quote(tariffs, quote_date=date(2026, 12, 31))[0])["compulsory"] == D(855)
    basic = quote(tariffs, quote_date=date(2027, 1, 1))[0]
    assert premiums(basic)["compulsory"] == D("900.00")  # 1,000 × 0.9
    assert premiums(basic)["vehicle_tax"] == D("500.00")
    # other provinces keep the national defaults
    assert load_tariff("北京", date(2027, 1, 1), tariffs).files[0] == "national-2027-01-01.json"


def test_regional_files_override_only_what_they_give() -> None:
    national = load_tariff("上海", QUOTED)
    beijing = load_tariff("北京", QUOTED)
    assert national.files == (NATIONAL_FILE,)
    assert beijing.files == (NATIONAL_FILE, "beijing-2020-09-19.json")
    assert beijing.tax_basis == "provincial"
    assert beijing.tax_new_energy_exempt and beijing.tax_max_seats == 9  # from national
    assert beijing.compulsory_categories == national.compulsory_categories
    assert beijing.floating_plan().code == "D"
    assert national.floating_plan().code == "E"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(effective_from="2030-01-01"), "no national tariff in effect"),
        (
            lambda d: d["compulsory"]["categories"]["family"]["bands"][0].update(premium="九百"),
            r"compulsory\.categories\.family\.bands\[0\]\.premium is not a number",
        ),
        (lambda d: d["commercial"].pop("ncd"), "commercial.ncd is missing"),
        (
            lambda d: d["commercial"]["autonomous_pricing_factor"].update(value="1.5"),
            "outside min–max",
        ),
        (
            lambda d: d["vehicle_tax"]["bands"][0].update(amount="400"),
            "above the range's high end 360",
        ),
        (lambda d: d["plans"].reverse(), "must be basic, standard, full"),
        (lambda d: d.update(region="火星"), "unknown province '火星'"),
    ],
)
def test_unusable_tariff_files(tariffs: Path, change, message: str) -> None:
    edit(tariffs / NATIONAL_FILE, change)
    with pytest.raises(TariffError, match=message):
        load_tariff("上海", QUOTED, tariffs)  # no provincial file: the national one alone


def test_tariff_lookup_errors(tariffs: Path) -> None:
    with pytest.raises(TariffError, match="no national tariff in effect on 2020-09-18"):
        load_tariff("广东", date(2020, 9, 18), tariffs)
    shutil.copy(tariffs / NATIONAL_FILE, tariffs / "copy.json")
    with pytest.raises(TariffError, match="more than one national tariff takes effect"):
        load_tariff("广东", QUOTED, tariffs)
    (tariffs / "copy.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(TariffError, match="copy.json cannot be read"):
        load_tariff("广东", QUOTED, tariffs)
    with pytest.raises(TariffError, match="does not exist"):
        load_tariff("广东", QUOTED, tariffs / "missing")
    with pytest.raises(RatingError, match="unknown province"):
        load_tariff("深圳", QUOTED)


def test_the_tariff_must_be_the_quotes_region() -> None:
    with pytest.raises(RatingError, match="tariff is for 北京 but the quote is for 广东"):
        rate(car(), load_tariff("北京", QUOTED))


def test_packaged_tariff_has_motor_md_figures() -> None:
    tariff = load_tariff("广东", QUOTED)
    bases = {
        code: [band.premium for band in category.bands]
        for code, category in tariff.compulsory_categories.items()
    }
    assert bases == {
        "family": [950, 1100],
        "enterprise": [1000, 1130, 1220, 1270],
        "government": [950, 1070, 1140, 1320],
        "taxi_rental": [1800, 2360, 2400, 2560, 3530],
        "non_operating_truck": [1200, 1470, 1650, 2220],
        "operating_truck": [1850, 3070],
    }
    plans = {plan.code: plan for plan in tariff.floating_plans}
    assert {code: set(plan.regions) for code, plan in plans.items()} == {
        "A": {"内蒙古", "海南", "青海", "西藏"},
        "B": {"陕西", "云南", "广西"},
        "C": {"甘肃", "吉林", "山西", "黑龙江", "新疆"},
        "D": {"北京", "天津", "河北", "宁夏"},
        "E": set(),
    }
    assert [plan.unverified for plan in plans.values()] == [True, True, True, True, False]
    for plan in plans.values():
        assert (plan.one_at_fault, plan.two_or_more_at_fault, plan.fatal) == (0, D("0.1"), D("0.3"))
    assert plans["E"].claim_free == (D("-0.1"), D("-0.2"), D("-0.3"))
    assert tariff.compulsory_limits == {
        "at_fault": {"death_disability": 180000, "medical": 18000, "property": 2000},
        "not_at_fault": {"death_disability": 18000, "medical": 1800, "property": 100},
    }
    national = load_tariff("上海", QUOTED)
    assert [(b.low, b.high, b.amount) for b in national.tax_bands] == [
        (60, 360, 60),
        (300, 540, 300),
        (360, 660, 360),
        (660, 1200, 660),
        (1200, 2400, 1200),
        (2400, 3600, 2400),
        (3600, 5400, 3600),
    ]
    assert [b.amount for b in load_tariff("北京", QUOTED).tax_bands] == [
        300, 420, 480, 900, 1920, 3480, 5280
    ]  # fmt: skip
    guangdong = tariff.tax_bands
    assert [b.amount for b in guangdong] == [180, 360, 420, 720, 1800, 3000, 4500]
    assert [b.unverified for b in guangdong] == [False] + [True] * 6
    assert tariff.depreciation == ((9, D("0.006")), (None, D("0.009")))
    assert tariff.depreciation_cap == D("0.8")
    assert sorted(tariff.third_party) == [500000, 1000000, 1500000, 2000000, 3000000]
    assert tariff.traffic_violation_factor == tariff.autonomous_pricing_factor == 1
    # the base premium inputs motor.md does not give are flagged for an actuary
    for path in (
        "commercial.vehicle_damage",
        "commercial.third_party",
        "commercial.driver_seat",
        "commercial.passenger_seat",
    ):
        assert path in tariff.unverified
    assert tariff.damage_unverified and tariff.third_party_unverified


# --- input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plate", "region"),
    [("粤B12345", "广东"), ("京AD12345", "北京"), ("蒙A12345", "内蒙古"), ("桂·A12345", "广西")],
)
def test_region_from_plate(plate: str, region: str) -> None:
    assert region_from_plate(plate) == region


def test_every_plate_province_has_a_name() -> None:
    assert set(PROVINCES_BY_ABBREVIATION) == set(plates.PROVINCES)
    assert len(set(PROVINCES_BY_ABBREVIATION.values())) == 31
    with pytest.raises(RatingError, match="province abbreviation"):
        region_from_plate("B12345")


def test_input_is_normalised() -> None:
    quote_input = car(plate="粤b·12345", region="广东省", new_car_price=150000)
    assert (quote_input.plate, quote_input.region) == ("粤B12345", "广东")
    assert quote_input.new_car_price == D(150000)
    assert car(region="粤").region == "广东"
    assert car(region="内蒙古自治区").region == "内蒙古"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"seats": 0}, "seats must be at least 1"),
        ({"seats": 4.5}, "seats must be a whole number"),
        ({"new_car_price": D(0)}, "price must be more than 0"),
        ({"new_car_price": D(-1)}, "price must be more than 0"),
        ({"new_car_price": "abc"}, "new car price is not a number"),
        ({"register_date": date(2026, 11, 23)}, "registration date 2026-11-23 is after"),
        ({"at_fault_claims_last_year": -1}, "at_fault_claims_last_year must be at least 0"),
        ({"claim_free_years": -1}, "claim_free_years must be at least 0"),
        ({"at_fault_claims_last_year": 1}, "claim_free_years must be 0"),  # and 1 claim-free year
        ({"fatal_accident": True, "claim_free_years": 0}, "fatal accident is an at-fault claim"),
        ({"region": "火星"}, "unknown province"),
        ({"plate": "新车"}, "not a valid plate"),
        ({"displacement_l": D(0)}, "displacement_l must be more than 0"),
    ],
)
def test_input_errors(changes: dict, message: str) -> None:
    with pytest.raises(RatingError, match=message) as caught:
        car(**changes)
    assert isinstance(caught.value, ValueError)


def test_a_car_without_a_plate_can_say_whether_it_is_new_energy() -> None:
    assert car(plate="", new_energy=True).is_new_energy


# --- claimbot quote ------------------------------------------------------------------------------


def run_quote(argv: list[str], capsys) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="claimbot")
    quote_command.register(parser.add_subparsers())
    args = parser.parse_args(["quote", *argv])
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


EXAMPLE = [
    "--plate", "粤B12345", "--type", "小型轿车", "--use", "非营运", "--price", "150000",
    "--register-date", "2019-06-01", "--claim-free-years", "1", "--date", "2026-11-22",
    "--displacement", "1.5",
]  # fmt: skip


def test_cli_prints_the_three_plans(tariffs: Path, capsys) -> None:
    code, out, _ = run_quote([*EXAMPLE, "--tariff-dir", str(tariffs)], capsys)
    assert code == 0
    assert "基础 (basic)  total 2,015.00" in out
    assert "标准 (standard)  total 3,166.20" in out
    assert "全面 (full)  total 3,390.20" in out
    assert "actual value 69,900.00 = 150,000.00 − 89 months × 0.6% (53.4%)" in out
    assert "交强险" in out and "plan E -10% (claim_free_1_year)" in out


def test_cli_json(tariffs: Path, capsys) -> None:
    code, out, _ = run_quote([*EXAMPLE, "--tariff-dir", str(tariffs), "--json"], capsys)
    data = json.loads(out)
    assert code == 0
    assert [plan["total"] for plan in data["plans"]] == ["2015.00", "3166.20", "3390.20"]
    assert data["input"]["region"] == "广东"
    assert data["tariff"]["files"] == [NATIONAL_FILE, "guangdong-2020-09-19.json"]
    compulsory = data["plans"][0]["items"][0]
    assert (compulsory["premium"], compulsory["detail"]["floating_rate"]) == ("855.00", "-0.10")


def test_cli_reads_licence_fields(tariffs: Path, tmp_path: Path, capsys) -> None:
    fields = {
        "plate_no": "京AD12345",
        "vehicle_type": "小型轿车",
        "use_character": "非营运",
        "register_date": "2019-06-01",
        "vin": None,
        "warnings": [],
    }
    path = tmp_path / "licence.json"
    path.write_text(json.dumps(fields, ensure_ascii=False), encoding="utf-8")
    argv = ["--fields", str(path), "--price", "150000", "--date", "2026-11-22", "--json"]
    code, out, _ = run_quote(
        [*argv, "--claim-free-years", "1", "--tariff-dir", str(tariffs)], capsys
    )
    data = json.loads(out)
    assert code == 0
    assert data["input"]["region"] == "北京"  # from the plate
    compulsory, tax, *_ = data["plans"][0]["items"]
    assert compulsory["premium"] == "807.50"  # plan D: 950 × 0.85
    assert (tax["premium"], tax["detail"]["exempt"]) == ("0.00", True)  # new-energy plate


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--plate", "粤B12345"], "missing --type, --use, --register-date, --price"),
        ([*EXAMPLE, "--seats", "0"], "seats must be at least 1"),
        ([*EXAMPLE, "--date", "2026-13-01"], "--date '2026-13-01' is not a date"),
        ([*EXAMPLE, "--fields", "/nonexistent.json"], "cannot read /nonexistent.json"),
    ],
)
def test_cli_refuses_bad_input(argv: list[str], message: str, capsys) -> None:
    code, out, err = run_quote(argv, capsys)
    assert (code, out) == (2, "")
    assert message in err
