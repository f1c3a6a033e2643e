"""Rows of the insurer's core-system exports (policies.csv, claims.csv), validated. Pure.

`parse_policy_row` / `parse_claim_row` take one CSV row as a dict (column -> text) and return
either a value object or the list of every reason the row is wrong, in English, for the
operator. Reasons never repeat a full ID number, phone number or VIN.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from chalicelib.domain.claims import (
    ClaimStatus,
    InvalidTimeline,
    TimelineEntry,
    is_claim_number,
    is_policy_number,
    normalize_reference,
    validate_timeline,
)
from chalicelib.domain.people import clean_name, is_valid_id_number, normalize_id_number
from chalicelib.domain.plates import is_valid_plate, normalize_plate
from chalicelib.domain.policies import Coverage, parse_coverages
from chalicelib.domain.text import cell_problem, remove_whitespace, to_halfwidth
from chalicelib.domain.vin import is_valid_vin, normalize_vin

POLICY_COLUMNS: tuple[str, ...] = (
    "policy_no",
    "product",
    "holder_name",
    "holder_id_number",
    "holder_phone",
    "plate",
    "vin",
    "brand_model",
    "start_date",
    "end_date",
    "cancelled",
    "coverages",
)
# A policy the core system issued from a quote given in the chat names that quote: claimbot
# then keeps the quote's records as a sale's (docs/RECORDS.md, Keep). The column may be absent.
OPTIONAL_POLICY_COLUMNS: tuple[str, ...] = ("quote_no",)
CLAIM_COLUMNS: tuple[str, ...] = ("claim_no", "policy_no", "accident_date", "timeline")
_QUOTE_NO = re.compile(r"^Q\d{16}$")  # domain/quotes.quote_number: Q + YYYYMMDD + 8 digits

CANCELLED_VALUES: dict[str, bool] = {
    "": False,
    "0": False,
    "no": False,
    "false": False,
    "否": False,
    "1": True,
    "yes": True,
    "true": True,
    "是": True,
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MOBILE = re.compile(r"^1\d{10}$")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")
_AMOUNT = re.compile(r"^\d+(?:\.\d{1,2})?$")
TIMELINE_SEPARATOR = ";"
ENTRY_SEPARATOR = "@"


class ImportFileError(ValueError):
    """The whole file cannot be imported (columns, encoding); the message says why."""


@dataclass(frozen=True)
class PolicyRow:
    """A valid policies.csv row, normalised. Holds the full ID/phone/VIN: memory only."""

    policy_no: str
    product: str
    holder_name: str
    holder_id_number: str = field(repr=False)
    holder_phone: str | None = field(repr=False)
    plate: str
    vin: str | None = field(repr=False)
    brand_model: str
    start: date
    end: date
    cancelled: bool
    coverages: tuple[Coverage, ...]
    quote_no: str | None = None  # the chat quote it was bought from, if the export says


@dataclass(frozen=True)
class ClaimRow:
    """A valid claims.csv row, normalised; the timeline passed claims.validate_timeline."""

    claim_no: str
    policy_no: str
    accident_date: date
    timeline: tuple[TimelineEntry, ...]

    @property
    def status(self) -> ClaimStatus:
        return self.timeline[-1].status


# --- header ------------------------------------------------------------------------------------


def check_header(
    columns: Iterable[str], expected: tuple[str, ...], file_kind: str,
    optional: tuple[str, ...] = (),
) -> None:  # fmt: skip
    """Raise ImportFileError naming missing, unknown or repeated columns. Order is free;
    `optional` columns may be there or not."""
    found = [c.strip() for c in columns]
    known = expected + optional
    missing = [c for c in expected if c not in found]
    unknown = [c for c in found if c not in known]
    repeated = sorted({c for c in found if c in known and found.count(c) > 1})
    problems = []
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s): {', '.join(repr(c) for c in unknown)}")
    if repeated:
        problems.append(f"repeated column(s): {', '.join(repeated)}")
    if problems:
        raise ImportFileError(
            f"{file_kind} header is wrong: {'; '.join(problems)}. Expected: {','.join(expected)}"
        )


# --- small parsers -----------------------------------------------------------------------------


def _field(row: Mapping[str, str | None], name: str) -> str:
    return (row.get(name) or "").strip()


def parse_iso_date(text: str) -> date | None:
    """YYYY-MM-DD only (date.fromisoformat would also take 20261003), else None."""
    text = to_halfwidth(text).strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def normalize_mobile(text: str) -> str | None:
    """An 11-digit mainland mobile starting with 1 ("+86" / "86" prefix allowed), else None."""
    number = _PHONE_NOISE.sub("", to_halfwidth(text))
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("86") and len(number) == 13:
        number = number[2:]
    return number if _MOBILE.fullmatch(number) else None


def parse_cancelled(text: str) -> bool | None:
    return CANCELLED_VALUES.get(to_halfwidth(text).strip().lower())


# --- policies.csv ------------------------------------------------------------------------------


def parse_policy_row(
    row: Mapping[str, str | None], today: date | None = None
) -> PolicyRow | list[str]:
    """A PolicyRow, or every reason the row is wrong."""
    reasons: list[str] = []

    raw_policy_no = _field(row, "policy_no")
    policy_no = normalize_reference(raw_policy_no)
    if not is_policy_number(policy_no):
        reasons.append(
            f"policy_no {raw_policy_no!r} is not a policy number (P, 3 letters, 14-20 digits)"
        )

    product = " ".join(_field(row, "product").split())
    if not product:
        reasons.append("product is empty")

    holder_name = clean_name(_field(row, "holder_name"))
    if not holder_name:
        reasons.append("holder_name is empty")

    id_number = normalize_id_number(_field(row, "holder_id_number"))
    if not id_number:
        reasons.append("holder_id_number is empty")
    elif not is_valid_id_number(id_number, today):
        reasons.append(
            "holder_id_number is not a valid 18-character resident ID number "
            "(check character or birth date wrong)"
        )

    raw_phone = _field(row, "holder_phone")
    phone = normalize_mobile(raw_phone) if raw_phone else None
    if raw_phone and phone is None:
        reasons.append("holder_phone is not an 11-digit mobile number starting with 1")

    raw_plate = _field(row, "plate")
    plate = normalize_plate(raw_plate)
    if not plate:
        reasons.append("plate is empty")
    elif not is_valid_plate(plate):
        reasons.append(f"plate {raw_plate!r} is not a valid plate")

    raw_vin = _field(row, "vin")
    vin = normalize_vin(raw_vin) if raw_vin else None
    if vin is not None and not is_valid_vin(vin):
        reasons.append(
            "vin is not a valid VIN (17 characters without I, O, Q and a correct check digit)"
        )

    start = _date_field(row, "start_date", reasons)
    end = _date_field(row, "end_date", reasons)
    if start and end and end < start:
        reasons.append(f"end_date {end.isoformat()} is before start_date {start.isoformat()}")

    raw_cancelled = _field(row, "cancelled")
    cancelled = parse_cancelled(raw_cancelled)
    if cancelled is None:
        reasons.append(
            f"cancelled {raw_cancelled!r} is not one of: empty, 0, 1, yes, no, true, false, 是, 否"
        )

    coverages: tuple[Coverage, ...] = ()
    try:
        coverages = parse_coverages(_field(row, "coverages"))
    except ValueError as exc:
        reasons.append(f"coverages: {exc}")

    for column in ("product", "holder_name", "brand_model", "coverages"):
        problem = cell_problem(column, _field(row, column))
        if problem:
            reasons.append(problem)

    quote_no = normalize_reference(_field(row, "quote_no")) or None
    if quote_no is not None and not _QUOTE_NO.match(quote_no):
        reasons.append(f"quote_no {quote_no!r} is not a quote number (Q and 16 digits)")

    if reasons:
        return reasons
    assert start is not None and end is not None and cancelled is not None
    return PolicyRow(
        policy_no=policy_no,
        product=product,
        holder_name=holder_name,
        holder_id_number=id_number,
        holder_phone=phone,
        plate=plate,
        vin=vin,
        brand_model=" ".join(_field(row, "brand_model").split()),
        start=start,
        end=end,
        cancelled=cancelled,
        coverages=coverages,
        quote_no=quote_no,
    )


def _date_field(row: Mapping[str, str | None], name: str, reasons: list[str]) -> date | None:
    raw = _field(row, name)
    if not raw:
        reasons.append(f"{name} is empty")
        return None
    parsed = parse_iso_date(raw)
    if parsed is None:
        reasons.append(f"{name} {raw!r} is not an ISO date (YYYY-MM-DD)")
    return parsed


# --- claims.csv --------------------------------------------------------------------------------


def parse_claim_row(row: Mapping[str, str | None]) -> ClaimRow | list[str]:
    """A ClaimRow, or every reason the row is wrong."""
    reasons: list[str] = []

    raw_claim_no = _field(row, "claim_no")
    claim_no = normalize_reference(raw_claim_no)
    if not is_claim_number(claim_no):
        reasons.append(
            f"claim_no {raw_claim_no!r} is not a claim number (R, 3 letters, 14-20 digits)"
        )

    raw_policy_no = _field(row, "policy_no")
    policy_no = normalize_reference(raw_policy_no)
    if not is_policy_number(policy_no):
        reasons.append(
            f"policy_no {raw_policy_no!r} is not a policy number (P, 3 letters, 14-20 digits)"
        )

    accident_date = _date_field(row, "accident_date", reasons)

    timeline = parse_timeline(_field(row, "timeline"), reasons)
    if timeline and accident_date and accident_date > timeline[0].at.date():
        reasons.append(
            f"accident_date {accident_date.isoformat()} is after the first timeline entry "
            f"({timeline[0].at.date().isoformat()})"
        )

    if reasons:
        return reasons
    assert accident_date is not None and timeline is not None
    return ClaimRow(claim_no, policy_no, accident_date, timeline)


def parse_timeline(text: str, reasons: list[str]) -> tuple[TimelineEntry, ...] | None:
    """`status@ISO-datetime[@amount];...` → entries validated by claims.validate_timeline.

    Appends to `reasons` and returns None when anything is wrong.
    """
    parts = [p.strip() for p in to_halfwidth(text).split(TIMELINE_SEPARATOR)]
    parts = [p for p in parts if p]
    if not parts:
        reasons.append("timeline is empty")
        return None
    before = len(reasons)
    entries = []
    for number, part in enumerate(parts, start=1):
        entry = _parse_entry(number, part, reasons)
        if entry is not None:
            entries.append(entry)
    if len(reasons) > before:
        return None
    try:
        validate_timeline(entries)
    except InvalidTimeline as exc:
        reasons.append(f"timeline: {exc}")
        return None
    return tuple(entries)


def _parse_entry(number: int, part: str, reasons: list[str]) -> TimelineEntry | None:
    where = f"timeline entry {number} {part!r}"
    pieces = [p.strip() for p in part.split(ENTRY_SEPARATOR)]
    if len(pieces) not in (2, 3):
        reasons.append(f"{where} is not status@datetime or status@datetime@amount")
        return None
    ok = True
    try:
        status = ClaimStatus(pieces[0].lower())
    except ValueError:
        known = ", ".join(s.value for s in ClaimStatus)
        reasons.append(f"{where} has an unknown status {pieces[0]!r} (one of: {known})")
        ok = False
    at = _parse_datetime(pieces[1])
    if isinstance(at, str):
        reasons.append(f"{where}: {at}")
        ok = False
    amount = None
    if len(pieces) == 3:
        amount_text = remove_whitespace(pieces[2]).replace(",", "")
        if not _AMOUNT.fullmatch(amount_text):
            reasons.append(f"{where}: amount {pieces[2]!r} is not yuan like 5200 or 5200.00")
            ok = False
        else:
            try:
                amount = Decimal(amount_text)
            except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
                ok = False
    if not ok:
        return None
    assert isinstance(at, datetime)
    return TimelineEntry(status, at, amount)


def _parse_datetime(text: str) -> datetime | str:
    """An ISO datetime with a UTC offset, or the reason it is not one."""
    if not text:
        return "the date and time are empty"
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return f"{text!r} is not an ISO date and time (2026-10-03T14:20:00+08:00)"
    if "T" not in text.upper() and " " not in text:
        return f"{text!r} has no time of day (2026-10-03T14:20:00+08:00)"
    if at.tzinfo is None or at.utcoffset() is None:
        return f"{text!r} has no UTC offset (add +08:00)"
    return at
