"""`claimbot quote`: price 基础 / 标准 / 全面 for a vehicle from the tariff files, itemised.

claimbot quote --plate 粤B12345 --type 小型轿车 --use 非营运 --price 150000 \\
    --register-date 2019-06-01 [--seats 5] [--claims 0] [--claim-free-years 1] [--fatal]
    [--region 广东] [--date 2026-11-22] [--displacement 1.5] [--new-energy|--no-new-energy]
    [--tariff-dir DIR] [--json]
claimbot quote --fields licence.json --price 150000      (JSON from `claimbot licence-read`)

--tariff-dir reads the tariff files from another folder, to try an actuary's change first.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

EXIT_BAD_INPUT = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "quote",
        help="price the three plans for a vehicle from the tariff files",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--fields", metavar="FILE.json", help="licence fields (licence-read JSON)")
    parser.add_argument("--plate", help="号牌号码 (default: from --fields)")
    parser.add_argument("--type", dest="vehicle_type", help="车辆类型, e.g. 小型轿车")
    parser.add_argument("--use", dest="use_character", help="使用性质, e.g. 非营运, or a category")
    parser.add_argument("--register-date", help="注册日期 YYYY-MM-DD")
    parser.add_argument("--seats", type=int, default=5, help="approved seats (default 5)")
    parser.add_argument("--price", help="new-car price in yuan (required)")
    parser.add_argument("--claims", type=int, default=0, help="at-fault claims last year")
    parser.add_argument(
        "--claim-free-years", type=int, default=0, help="years running without an at-fault claim"
    )
    parser.add_argument("--fatal", action="store_true", help="last year's accident was fatal")
    parser.add_argument("--region", help="province, e.g. 广东 (default: from the plate)")
    parser.add_argument("--date", help="quote date YYYY-MM-DD (default: today)")
    parser.add_argument("--displacement", help="litres (default: the tariff's assumption)")
    parser.add_argument(
        "--new-energy",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="new-energy vehicle (default: from the plate)",
    )
    parser.add_argument("--load-tonnes", help="trucks: approved load in tonnes")
    parser.add_argument("--tariff-dir", help="read the tariff files from this folder")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from chalicelib.domain.rating import RatingError, load_tariff, rate

    try:
        quote_input = _quote_input(args)
        tariff = load_tariff(quote_input.region, quote_input.quote_date, args.tariff_dir)
        plans = rate(quote_input, tariff)
    except (_Refused, RatingError) as exc:
        return _refuse(str(exc))
    if args.json:
        print(json.dumps(_json(quote_input, tariff, plans), ensure_ascii=False, indent=2))
    else:
        print(render(quote_input, tariff, plans))
    return 0


class _Refused(Exception):
    pass


def _refuse(message: str) -> int:
    print(f"claimbot: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _quote_input(args: argparse.Namespace):
    from chalicelib.domain.rating import QuoteInput, region_from_plate

    licence = _licence(args.fields) if args.fields else {}
    plate = args.plate or licence.get("plate_no")
    vehicle_type = args.vehicle_type or licence.get("vehicle_type")
    use = args.use_character or licence.get("use_character")
    registered = args.register_date or licence.get("register_date")
    missing = [
        flag
        for flag, value in (
            ("--plate", plate),
            ("--type", vehicle_type),
            ("--use", use),
            ("--register-date", registered),
            ("--price", args.price),
        )
        if not value
    ]
    if missing:
        where = " (not in the fields file either)" if args.fields else ""
        raise _Refused(f"missing {', '.join(missing)}{where}")
    return QuoteInput(
        plate=plate,
        vehicle_type=vehicle_type,
        use_character=use,
        seats=args.seats,
        new_car_price=args.price,
        register_date=_date(registered, "--register-date"),
        region=args.region or region_from_plate(plate),
        at_fault_claims_last_year=args.claims,
        claim_free_years=args.claim_free_years,
        fatal_accident=args.fatal,
        new_energy=args.new_energy,
        displacement_l=args.displacement,
        load_tonnes=args.load_tonnes,
        quote_date=_date(args.date, "--date") if args.date else date.today(),
    )


def _licence(path: str) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise _Refused(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _Refused(f"{path} is not JSON: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("fields"), dict):
        data = data["fields"]
    if not isinstance(data, dict):
        raise _Refused(f"{path} is not a licence fields object")
    return data


def _date(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Refused(f"{flag} {text!r} is not a date (YYYY-MM-DD)") from None


# --- text ----------------------------------------------------------------------------------------


def render(quote_input, tariff, plans) -> str:
    from chalicelib.domain.plates import format_plate
    from chalicelib.domain.rating import VEHICLE_DAMAGE

    first = plans[0].items[0].detail  # compulsory
    damage = next(
        (item.detail for plan in plans for item in plan.items if item.code == VEHICLE_DAMAGE), None
    )
    lines = [
        f"Quote for {format_plate(quote_input.plate)}, {quote_input.region}, "
        f"{quote_input.quote_date}",
        f"  vehicle: {quote_input.vehicle_type} · {quote_input.use_character} "
        f"({first['category_name']}) · {quote_input.seats} seats · "
        f"new-car price {_yuan(quote_input.new_car_price)} · registered "
        f"{quote_input.register_date}" + (" · new-energy" if quote_input.is_new_energy else ""),
        f"  record: {quote_input.at_fault_claims_last_year} at-fault claim(s) last year, "
        f"{quote_input.claim_free_years} claim-free year(s)"
        + (", fatal" if quote_input.fatal_accident else ""),
        f"  tariff: {' + '.join(tariff.files)} (effective {tariff.effective_from})",
    ]
    if damage:
        capped = ", capped" if damage["depreciation_capped"] else ""
        lines.append(
            f"  actual value {_yuan(damage['actual_value'])} = "
            f"{_yuan(damage['new_car_price'])} − {damage['months_used']} months × "
            f"{_percent(damage['monthly_depreciation_rate'])} "
            f"({_percent(damage['depreciation_rate'])}{capped})"
        )
    for plan in plans:
        lines += ["", f"{plan.name} ({plan.code})  total {_yuan(plan.total)}"]
        for item in plan.items:
            mark = "*" if item.detail.get("unverified") else " "
            lines.append(f" {mark}{_pad(item.name, 16)}{_yuan(item.premium):>12}  {_explain(item)}")
    if tariff.unverified:
        lines += ["", "* uses a figure marked unverified; all such figures in this tariff:"]
        lines += [f"  {path}" for path in tariff.unverified]
    return "\n".join(lines)


def _explain(item) -> str:
    from chalicelib.domain.rating import COMPULSORY, VEHICLE_TAX

    d = item.detail
    if item.code == COMPULSORY:
        return (
            f"limit {_yuan(item.sum_insured)} · base {_yuan(d['base_premium'])} · plan "
            f"{d['floating_plan']} {_percent(d['floating_rate'], sign=True)} "
            f"({d['floating_reason']})"
        )
    if item.code == VEHICLE_TAX:
        if d["exempt"]:
            return "new-energy: exempt"
        band = f"up to {d['band_up_to_l']} L" if d["band_up_to_l"] else "top band"
        assumed = ", assumed" if d["displacement_assumed"] else ""
        return f"{d['displacement_l']} L{assumed} ({band}, {d['basis']})"
    factors = f"NCD {d['ncd_level']} × {d['ncd_factor']}"
    for key, short in (("traffic_violation_factor", "TVF"), ("autonomous_pricing_factor", "APF")):
        if d[key] != 1:
            factors += f" × {short} {d[key]}"
    return f"insured {_yuan(item.sum_insured)} · base {_yuan(d['base_premium'])} · {factors}"


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _percent(rate: Decimal, sign: bool = False) -> str:
    text = f"{(rate * 100).normalize():f}%"
    return f"+{text}" if sign and rate > 0 else text


def _pad(text: str, width: int) -> str:
    """Pad to a terminal width where Chinese characters take two columns."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - used, 1)


# --- JSON ----------------------------------------------------------------------------------------


def _json(quote_input, tariff, plans) -> dict:
    return {
        "input": _plain(quote_input),
        "tariff": {
            "region": tariff.region,
            "effective_from": tariff.effective_from.isoformat(),
            "files": list(tariff.files),
            "unverified": list(tariff.unverified),
        },
        "plans": _plain(plans),
    }


def _plain(value: Any) -> Any:
    """Dataclasses, Decimals and dates as JSON values (money stays exact, as strings)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
