"""What a vehicle licence (机动车行驶证) main page says, and what is wrong with a reading of it.

The OCR adapter (chalicelib/ocr/) produces LicenceFields; the quote dialog shows, corrects and
uses them. Pure: no image or OCR code here.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date

from chalicelib.domain.plates import is_valid_plate, normalize_plate
from chalicelib.domain.vin import is_valid_vin, normalize_vin

FIELD_NAMES = (
    "plate_no",
    "vehicle_type",
    "owner",
    "address",
    "use_character",
    "model",
    "vin",
    "engine_no",
    "register_date",
    "issue_date",
)

# Warning codes (stable: the CLI prints them, the dialog maps them to Chinese advice).
NOT_A_LICENCE = "not_a_licence"
UNREADABLE = "unreadable"
BLURRED = "blurred"  # the photo is out of focus or shaken: what was read may be wrong
VIN_CHECK_DIGIT = "vin_check_digit"
VIN_MISSING = "vin_missing"
PLATE_FORMAT = "plate_format"
PLATE_MISSING = "plate_missing"
DATE_INVALID = "date_invalid"

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class LicenceFields:
    plate_no: str | None = None
    vehicle_type: str | None = None
    owner: str | None = None
    address: str | None = None
    use_character: str | None = None
    model: str | None = None
    vin: str | None = None
    engine_no: str | None = None
    register_date: str | None = None  # YYYY-MM-DD
    issue_date: str | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        data = asdict(self)
        data["warnings"] = list(self.warnings)
        return data

    @classmethod
    def from_json(cls, data: dict) -> LicenceFields:
        values = {name: data.get(name) for name in FIELD_NAMES}
        return cls(**values, warnings=tuple(data.get("warnings") or ()))

    def with_field(self, name: str, value: str) -> LicenceFields:
        """A customer's correction; warnings are recomputed."""
        if name not in FIELD_NAMES:
            raise ValueError(f"unknown licence field {name!r}")
        return validate(replace(self, **{name: value}, warnings=()))


def valid_date(text: str | None, today: date | None = None) -> bool:
    if not text:
        return False
    match = _DATE.match(text)
    if not match:
        return False
    try:
        value = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return False
    return date(1950, 1, 1) <= value <= (today or date.today())


def validate(fields: LicenceFields, today: date | None = None) -> LicenceFields:
    """Normalise plate and VIN and (re)compute the warnings that depend on the values.

    Warnings about the photo itself (not_a_licence, unreadable) are kept as they were.
    """
    kept = [w for w in fields.warnings if w in (NOT_A_LICENCE, UNREADABLE)]
    plate = normalize_plate(fields.plate_no) if fields.plate_no else None
    vin = normalize_vin(fields.vin) if fields.vin else None
    warnings = list(kept)
    if not plate:
        warnings.append(PLATE_MISSING)
    elif not is_valid_plate(plate):
        warnings.append(PLATE_FORMAT)
    if not vin:
        warnings.append(VIN_MISSING)
    elif not is_valid_vin(vin):
        warnings.append(VIN_CHECK_DIGIT)
    for name in ("register_date", "issue_date"):
        value = getattr(fields, name)
        if value and not valid_date(value, today):
            warnings.append(DATE_INVALID)
            break
    return replace(fields, plate_no=plate, vin=vin, warnings=tuple(dict.fromkeys(warnings)))
