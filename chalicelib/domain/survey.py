"""Self-survey (自助查勘) rules: the five shots, eligibility, and which photo fills which slot.

Photos arrive concurrently and in any order; each is checked on its own. `place` then decides,
from the photos in the order the customer sent them, which slot each one fills. It is a pure
function of what is stored, so whichever worker runs it last reaches the same answer.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from chalicelib.domain.hours import CHINA

SLOTS = (1, 2, 3, 4, 5)
VIN_SLOT = 5

# How long a survey may rest before it expires, and when the customer is reminded once.
SURVEY_TTL_S = 72 * 3600
REMIND_AFTER_S = 4 * 3600
# A report older than this is not self-service: the claims line takes it (48 h to report).
MAX_REPORT_DELAY_S = 48 * 3600
# A photo still unchecked after this long is not waited for when placing the others.
PENDING_GRACE_S = 120

# Photo check codes (photos.quality.REASONS plus placement's own).
DUPLICATE = "duplicate"
VIN_UNREADABLE = "vin_unreadable"
SURPLUS = "surplus"  # all five slots already filled: kept, not placed

# Flags raised for the adjuster, never shown to the customer as an accusation.
FLAG_VIN_MISMATCH = "vin_mismatch"
FLAG_RESHOOTS = "reshoots"
FLAG_TAKEN_BEFORE_ACCIDENT = "taken_before_accident"
FLAG_TAKEN_FAR_FROM_PLACE = "taken_far_from_place"
FAR_FROM_PLACE_KM = 5.0  # a photo's EXIF position this far from the place the customer sent
# Phone clocks drift and people round the time they give: only a clear gap is flagged.
CAPTURE_TIME_SLACK_S = 3600


class SurveyState(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"
    EXPIRED = "expired"


def survey_seq(created_at: int, msg_id: str) -> str:
    """A sortable key for "the order the customer sent them": WeChat's CreateTime, then MsgId
    (which increases with each message of an account)."""
    digits = "".join(c for c in msg_id if c.isdigit()) or "0"
    return f"{created_at:010d}-{int(digits):020d}"


@dataclass(frozen=True)
class VinRead:
    """What the VIN photo said: the VIN (None when unreadable) and whether it is the policy's
    (None when the policy's VIN is not known)."""

    vin: str | None
    matches_policy: bool | None = None


@dataclass(frozen=True)
class CheckedPhoto:
    """A photo the worker has checked, waiting to be placed."""

    seq: str
    reasons: tuple[str, ...]  # the quality check's rejection codes; () when it passed
    phash: str
    sha256: str
    vin: VinRead | None = None  # read only once the photo is the VIN slot's candidate


@dataclass(frozen=True)
class Placement:
    seq: str
    slot: int | None  # None: surplus
    accepted: bool
    reasons: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class NeedsVin:
    """Placement cannot finish before the VIN of photo `seq` is read."""

    seq: str


@dataclass(frozen=True)
class Accepted:
    """A photo already accepted in a slot (its hash guards against duplicates)."""

    slot: int
    phash: str
    sha256: str


@dataclass(frozen=True)
class PlacementResult:
    placements: tuple[Placement, ...] = ()
    needs_vin: NeedsVin | None = None
    filled: frozenset[int] = field(default_factory=frozenset)

    @property
    def complete(self) -> bool:
        return self.filled == frozenset(SLOTS)


def place(
    accepted: Sequence[Accepted],
    photos: Sequence[CheckedPhoto],
    duplicate_max_distance: int = 6,
    replaced: Sequence[Accepted] = (),
) -> PlacementResult:
    """Place newly checked photos (in send order) into the open slots.

    Each photo takes the next open slot after the previous photo's, so five photos picked at
    once fill slots 1–5 even when one of them has to be re-shot; that slot stays open and the
    next photo takes it. Once every open slot has been tried in this batch, further photos go
    to the slots still open; with all five filled, a photo is surplus (kept, not placed).
    `replaced`: photos an adjuster asked to re-shoot; sending one of them again is a duplicate.
    """
    filled = {a.slot for a in accepted}
    hashes = [(a.phash, a.sha256) for a in (*accepted, *replaced)]
    tried: set[int] = set()
    cursor = 0
    placements: list[Placement] = []
    for photo in sorted(photos, key=lambda p: p.seq):
        slot = _next_slot(filled, tried, cursor)
        if slot is None:
            placements.append(Placement(photo.seq, None, False, (SURPLUS,)))
            continue
        reasons = photo.reasons or _duplicate(photo, hashes, duplicate_max_distance)
        flags: tuple[str, ...] = ()
        if slot == VIN_SLOT and not reasons:
            if photo.vin is None:
                return PlacementResult(tuple(placements), NeedsVin(photo.seq), frozenset(filled))
            if photo.vin.vin is None:
                reasons = (VIN_UNREADABLE,)
            elif photo.vin.matches_policy is False:
                flags = (FLAG_VIN_MISMATCH,)
        tried.add(slot)
        cursor = slot
        if reasons:
            placements.append(Placement(photo.seq, slot, False, reasons))
            continue
        filled.add(slot)
        hashes.append((photo.phash, photo.sha256))
        placements.append(Placement(photo.seq, slot, True, (), flags))
    return PlacementResult(tuple(placements), None, frozenset(filled))


def _next_slot(filled: set[int], tried: set[int], cursor: int) -> int | None:
    open_slots = [s for s in SLOTS if s not in filled]
    if not open_slots:
        return None
    untried = [s for s in open_slots if s not in tried]
    candidates = untried or open_slots
    after = [s for s in candidates if s > cursor]
    return (after or candidates)[0]


def _duplicate(
    photo: CheckedPhoto, earlier: Sequence[tuple[str, str]], max_distance: int
) -> tuple[str, ...]:
    for phash, sha256 in earlier:
        if photo.sha256 and photo.sha256 == sha256:
            return (DUPLICATE,)
        if photo.phash and phash and hamming(photo.phash, phash) <= max_distance:
            return (DUPLICATE,)
    return ()


def hamming(a: str, b: str) -> int:
    """Bits that differ between two hex-encoded hashes of equal length."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def open_slots(filled: Sequence[int]) -> list[int]:
    return [s for s in SLOTS if s not in set(filled)]


# --- eligibility ---------------------------------------------------------------------------


class Question(StrEnum):
    """Asked in this order; the answer that keeps self-service possible is given beside it."""

    INJURED = "injured"  # anyone hurt? -> no
    OTHER_PARTY = "other_party"  # another vehicle, person or property involved? -> no
    SAFE_AND_DRIVABLE = "safe_and_drivable"  # car drivable and in a safe place? -> yes


ELIGIBILITY: tuple[tuple[Question, bool], ...] = (
    (Question.INJURED, False),
    (Question.OTHER_PARTY, False),
    (Question.SAFE_AND_DRIVABLE, True),
)


def keeps_self_service(question: Question, answer: bool) -> bool:
    return dict(ELIGIBILITY)[question] == answer


def next_question(answered: Sequence[str]) -> Question | None:
    for question, _ in ELIGIBILITY:
        if question.value not in answered:
            return question
    return None


# --- the survey as the dialog sees it ------------------------------------------------------


@dataclass(frozen=True)
class SurveyView:
    claim_no: str
    policy_no: str
    state: SurveyState
    filled: frozenset[int]
    started_at: float
    last_activity: float

    @property
    def done(self) -> int:
        return len(self.filled)

    @property
    def next_slot(self) -> int | None:
        missing = open_slots(sorted(self.filled))
        return missing[0] if missing else None

    def expired_at(self, now: float) -> bool:
        return self.state is SurveyState.EXPIRED or (
            self.state is SurveyState.OPEN and now - self.last_activity > SURVEY_TTL_S
        )


def taken_before_accident(captured_at: Sequence[str], accident_at: str) -> bool:
    """Does any photo's EXIF capture time (phone-local, China time assumed when it carries no
    offset) fall clearly before the reported accident? WeChat strips EXIF from most photos;
    the check runs on those that kept it."""
    accident = datetime.fromisoformat(accident_at)
    for raw in captured_at:
        try:
            taken = datetime.fromisoformat(raw)
        except ValueError:
            continue
        if taken.tzinfo is None:
            taken = taken.replace(tzinfo=CHINA)
        if (accident - taken).total_seconds() > CAPTURE_TIME_SLACK_S:
            return True
    return False


def located_facts(photo_facts: dict[str, Any], place: dict[str, Any] | None) -> dict[str, Any]:
    """A photo's EXIF facts as claimbot keeps them. Its GPS position is sensitive personal
    information (a location trail, PIPL Art. 28): the one use a claim has for it is to check
    the photo was taken where the customer says the accident happened. So it is kept only as
    the distance to the place the customer sent as a WeChat location (in km, one decimal), and
    dropped when they typed an address instead (nothing to compare with)."""
    facts = {k: v for k, v in photo_facts.items() if k != "gps"}
    gps = photo_facts.get("gps")
    if gps and place and place.get("lat") is not None and place.get("lon") is not None:
        facts["km_from_place"] = round(
            distance_km(float(gps[0]), float(gps[1]), float(place["lat"]), float(place["lon"])), 1
        )
    return facts


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def taken_far_from_place(km_from_place: Sequence[float]) -> bool:
    return any(km > FAR_FROM_PLACE_KM for km in km_from_place)


def claim_number_for(created_at: int, dedupe_key: str) -> str:
    """The claim number a report gets: R + SVY + the China-time second it was sent + 4 digits
    from the message itself. The same message always gives the same number, so a retried or
    re-decided report cannot open a second claim."""
    moment = datetime.fromtimestamp(created_at, CHINA)
    digest = int(hashlib.sha256(dedupe_key.encode()).hexdigest(), 16) % 10_000
    return f"RSVY{moment:%Y%m%d%H%M%S}{digest:04d}"
