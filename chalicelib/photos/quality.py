"""Quality checks of a survey photo on arrival (Pillow only): big enough, sharp, well exposed,
a camera photo rather than a screenshot, not a copy of a photo already accepted for the claim.

Everything is measured on the normalized photo's small analysis copy (long side 640 px), so a
sharp photo scores the same whether it arrived as a 12 MP 原图 or as WeChat's 1280 px
recompressed copy, and a check costs a few milliseconds.

- sharpness: how steep the photo's steepest edges are, relative to its own contrast range, in
  the worse of the two directions (camera shake blurs one). Relative to the photo itself, so a
  dim or low-contrast scene is not "blurred"; the steepest edges only, so sensor noise (small
  steps) does not pass for detail.
- exposure: mean luminance, and the shares of crushed-black and blown-white pixels.
- not a photo: a screenshot has large perfectly flat areas (backgrounds, bars, bubbles) and
  long straight UI edges, often phone-screen proportions, and no camera EXIF. The signals are
  added up into a score; missing EXIF alone (WeChat strips it from normal photos) never
  rejects a photo, and a camera's EXIF counts against "screenshot".
- perceptual hash: 64-bit DCT hash of a 32x32 greyscale copy; survives resizing and JPEG
  re-encoding, differs for another shot of the same car from another angle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from PIL import Image, ImageChops, ImageFilter

from chalicelib.photos.normalize import NormalizedPhoto, UnreadablePhoto, normalize

REASONS = (
    "too_small",
    "blurred",
    "too_dark",
    "too_bright",
    "not_a_photo",
    "unreadable",
    "duplicate",
    "vin_unreadable",
)
# The order reasons are reported in: what the customer should fix first comes first.
PRIORITY = (
    "unreadable",
    "not_a_photo",
    "duplicate",
    "too_small",
    "too_dark",
    "too_bright",
    "blurred",
    "vin_unreadable",
)

ACCEPTED, REJECTED = "accepted", "rejected"
DARK_LEVEL = 16  # luminance at or below which a pixel counts as crushed black (0..255)
BRIGHT_LEVEL = 250  # luminance at or above which a pixel counts as blown white
STEEPEST = 0.999  # sharpness looks at the steepest 0.1% of neighbour steps
UI_STEP = 8  # a contrast step (levels) that a UI bar's edge makes, e.g. #F7F7F7 on #EDEDED
MIN_MEASURED_SIDE = 8  # a copy narrower than this has no edges to measure (a sliver, an icon)
HASH_SIDE = 32  # the perceptual hash's greyscale copy is 32x32; its 8x8 lowest DCT terms count
# Screen proportions (long side / short side) of phones since 2017; camera photos are 4:3,
# 3:2, 16:9 (1.78) or square.
SCREEN_MIN_ASPECT = 1.9


@dataclass(frozen=True)
class QcThresholds:
    """Where a photo is rejected. The defaults are the product's; the worker builds this from
    its settings. On synthetic photos (devstack.survey_photos, 10 scenes): sharp ones score
    sharpness 0.33-0.65 (WeChat-recompressed 720-1080 px copies included), a Gaussian blur
    of sigma 2.5 px at 1600 px 0.19-0.24, of 3.5 px 0.15-0.18, 12 px of camera shake
    0.16-0.18; well exposed ones have a mean luminance of 70-180."""

    min_short_side: int = 600  # px, the original's short side (WeChat sends >= 720 px)
    min_long_side: int = 800  # px, the original's long side
    min_sharpness: float = 0.2  # 0..1, steepest edge / contrast range on the 640 px copy
    min_brightness: float = 40.0  # mean luminance, 0..255
    max_brightness: float = 215.0  # mean luminance, 0..255
    max_dark_fraction: float = 0.6  # share of pixels at luminance <= 16
    max_bright_fraction: float = 0.5  # share of pixels at luminance >= 250
    screenshot_score: float = 1.0  # screenshot signals adding up to this mean "not_a_photo"
    duplicate_max_distance: int = 8  # bits (of 64) by which two hashes of one photo may differ


@dataclass(frozen=True)
class QcReport:
    verdict: str  # "accepted" | "rejected"
    reasons: tuple[str, ...]  # codes from REASONS, most important first; () when accepted
    metrics: dict[str, float | int | str]  # JSON-serialisable measurements
    phash: str  # 64-bit perceptual hash as 16 hex digits; "" when unreadable

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "metrics": dict(self.metrics),
            "phash": self.phash,
        }


def assess(
    photo: NormalizedPhoto,
    thresholds: QcThresholds = QcThresholds(),
    earlier: Sequence[str] = (),
) -> QcReport:
    """The verdict on a normalized photo; `earlier` holds the hashes of the photos already
    accepted for the claim (a photo within `duplicate_max_distance` of one is a duplicate)."""
    metrics = measure(photo)
    digest = phash(photo.analysis)
    metrics["phash"] = digest
    metrics["duplicate_distance"] = min((hamming(digest, h) for h in earlier), default=64)
    return _report(_reasons(metrics, thresholds), metrics, digest)


def check(
    data: bytes,
    thresholds: QcThresholds = QcThresholds(),
    earlier: Sequence[str] = (),
    max_pixels: int = 50_000_000,
) -> tuple[NormalizedPhoto | None, QcReport]:
    """Normalize and assess in one call (the worker's); an unreadable file is rejected."""
    try:
        photo = normalize(data, max_pixels=max_pixels)
    except UnreadablePhoto as exc:
        return None, unreadable_report(exc.detail, len(data))
    return photo, assess(photo, thresholds, earlier)


def unreadable_report(detail: str, size: int = 0) -> QcReport:
    return QcReport(REJECTED, ("unreadable",), {"bytes": size, "detail": detail}, "")


def with_reason(report: QcReport, reason: str) -> QcReport:
    """The report with one more reason (e.g. "vin_unreadable" from the VIN reader)."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    return _report(set(report.reasons) | {reason}, dict(report.metrics), report.phash)


def hamming(a: str, b: str) -> int:
    """Bits in which two hex hashes differ (64 for hashes that cannot be compared)."""
    try:
        return (int(a, 16) ^ int(b, 16)).bit_count()
    except ValueError:
        return 64


# ------------------------------------------------------------------ measurements


def measure(photo: NormalizedPhoto) -> dict[str, float | int | str]:
    """Every measurement of a photo but its hash, on its greyscale analysis copy."""
    gray = photo.analysis
    brightness, dark, bright = exposure(gray)
    facts = photo.facts
    metrics: dict[str, float | int | str] = {
        "width": facts.width,
        "height": facts.height,
        "format": facts.format,
        "camera_exif": int(facts.from_camera),
        "sharpness": round(sharpness(gray), 4),
        "brightness": round(brightness, 2),
        "dark_fraction": round(dark, 4),
        "bright_fraction": round(bright, 4),
        "flat_fraction": round(flat_fraction(gray), 4),
        "straight_edges": straight_edges(gray),
    }
    metrics["screenshot_score"] = round(screenshot_score(metrics), 3)
    return metrics


def sharpness(gray: Image.Image) -> float:
    """Edge steepness: the step between neighbouring pixels that only the steepest 0.1% of
    neighbours exceed, as a share of the photo's contrast range (1st to 99th percentile of
    luminance); the flatter of the two directions counts, as camera shake blurs one. In focus,
    the sharpest edges cross much of the range in one pixel; blurred, in several. Sensor
    noise steps are small next to the range, so noise over a blurred photo does not count."""
    if min(gray.size) < MIN_MEASURED_SIDE:
        return 0.0
    low, high = _percentiles(gray.histogram(), (0.01, 0.99))
    contrast = max(1, high - low)
    steepest = [
        _percentiles(_neighbour_differences(gray, horizontal).histogram(), (STEEPEST,))[0]
        for horizontal in (True, False)
    ]
    return min(1.0, min(steepest) / contrast)


def contrast_range(gray: Image.Image) -> int:
    """The spread of luminance, 1st to 99th percentile (0: a flat picture)."""
    low, high = _percentiles(gray.histogram(), (0.01, 0.99))
    return high - low


def _percentiles(histogram: list[int], shares: Sequence[float]) -> list[int]:
    """The levels below which `shares` of a histogram's counts lie."""
    total = sum(histogram)
    found, seen, wanted = [], 0, iter(sorted(shares))
    share = next(wanted, None)
    for level, count in enumerate(histogram):
        seen += count
        while share is not None and seen >= share * total:
            found.append(level)
            share = next(wanted, None)
    return found + [len(histogram) - 1] * (len(shares) - len(found))


def _neighbour_differences(gray: Image.Image, horizontal: bool) -> Image.Image:
    """|pixel - its left (or upper) neighbour|, one column (or row) smaller."""
    width, height = gray.size
    if horizontal:
        after, before = (1, 0, width, height), (0, 0, width - 1, height)
    else:
        after, before = (0, 1, width, height), (0, 0, width, height - 1)
    return ImageChops.difference(gray.crop(after), gray.crop(before))


def exposure(gray: Image.Image) -> tuple[float, float, float]:
    """Mean luminance (0..255) and the shares of crushed-black and blown-white pixels."""
    histogram = gray.histogram()
    count = sum(histogram) or 1
    mean = sum(level * n for level, n in enumerate(histogram)) / count
    dark = sum(histogram[: DARK_LEVEL + 1]) / count
    bright = sum(histogram[BRIGHT_LEVEL:]) / count
    return mean, dark, bright


def flat_fraction(gray: Image.Image) -> float:
    """Share of pixels in a perfectly uniform 4x4 patch that is neither crushed nor blown
    (clipping makes flat areas in real photos too). Camera noise makes such patches rare in a
    photo; a screenshot's backgrounds and bars are flat even after JPEG recompression."""
    if min(gray.size) < MIN_MEASURED_SIDE:
        return 0.0
    changes = ImageChops.lighter(
        _neighbour_differences(gray, True).crop((0, 0, gray.width - 1, gray.height - 1)),
        _neighbour_differences(gray, False).crop((0, 0, gray.width - 1, gray.height - 1)),
    )
    moving = changes.point(_ANY_CHANGE_TABLE).filter(ImageFilter.BoxBlur(1))
    mid_tones = gray.crop((0, 0, gray.width - 1, gray.height - 1)).point(_MID_TONE_TABLE)
    flat = ImageChops.darker(moving.point(_NO_CHANGE_TABLE), mid_tones)
    pixels = max(1, flat.width * flat.height)
    return flat.histogram()[255] / pixels


_ANY_CHANGE_TABLE = [0] + [255] * 255
_NO_CHANGE_TABLE = [255] + [0] * 255
_MID_TONE_TABLE = [255 if DARK_LEVEL < v < BRIGHT_LEVEL else 0 for v in range(256)]


def straight_edges(gray: Image.Image) -> int:
    """Rows and columns where a contrast step runs across at least 80% of the image: status,
    title and input bars, separators. Real scenes are hardly ever that straight and level."""
    if min(gray.size) < MIN_MEASURED_SIDE:
        return 0
    count = 0
    for along_rows in (True, False):
        steps = _neighbour_differences(gray, not along_rows).point(_STEP_TABLE)
        size = (1, steps.height) if along_rows else (steps.width, 1)
        profile = steps.resize(size, Image.Resampling.BOX)
        count += sum(1 for share in profile.tobytes() if share >= 0.8 * 255)
    return count


_STEP_TABLE = [255 if v >= UI_STEP else 0 for v in range(256)]


def screenshot_score(metrics: dict[str, float | int | str]) -> float:
    """How much a photo looks like a screenshot; 1.0 and above is "not a photo". Flat areas
    alone can get there; straight UI edges, screen proportions and a PNG without camera EXIF
    add to them; a camera's EXIF takes away."""
    flat = float(metrics["flat_fraction"])
    score = min(1.0, max(0.0, (flat - 0.15) / 0.35))  # 0 at 15% flat, 1 at 50%
    if int(metrics["straight_edges"]) >= 2:
        score += 0.3
    width, height = int(metrics["width"]), int(metrics["height"])
    if max(width, height) / max(1, min(width, height)) >= SCREEN_MIN_ASPECT:
        score += 0.25
    if metrics["camera_exif"]:
        score -= 0.6
    elif metrics["format"] == "PNG":
        score += 0.2
    return score


def phash(gray: Image.Image) -> str:
    """64-bit DCT perceptual hash as 16 hex digits: each of the 8x8 lowest-frequency terms
    of a 32x32 copy above (1) or below (0) their median (the DC term left out of it)."""
    small = gray.resize((HASH_SIDE, HASH_SIDE), Image.Resampling.BOX)
    values = list(small.tobytes())  # mode L: one byte per pixel
    rows = [values[i * HASH_SIDE : (i + 1) * HASH_SIDE] for i in range(HASH_SIDE)]
    basis = _dct_basis()
    by_row = [[sum(map(float.__mul__, wave, row)) for wave in basis] for row in rows]
    terms = [
        sum(wave[y] * by_row[y][u] for y in range(HASH_SIDE)) for wave in basis for u in range(8)
    ]
    median = sorted(terms[1:])[len(terms[1:]) // 2]
    bits = "".join("1" if term > median else "0" for term in terms)
    return f"{int(bits, 2):016x}"


@lru_cache(maxsize=1)
def _dct_basis() -> tuple[tuple[float, ...], ...]:
    """The first 8 DCT-II cosines over HASH_SIDE samples."""
    n = HASH_SIDE
    return tuple(
        tuple(math.cos(math.pi * (2 * x + 1) * k / (2 * n)) for x in range(n)) for k in range(8)
    )


# ------------------------------------------------------------------ verdict


def _reasons(metrics: dict[str, Any], limits: QcThresholds) -> set[str]:
    found = set()
    if metrics["screenshot_score"] >= limits.screenshot_score:
        found.add("not_a_photo")
    if metrics["duplicate_distance"] <= limits.duplicate_max_distance:
        found.add("duplicate")
    short, long = sorted((metrics["width"], metrics["height"]))
    if short < limits.min_short_side or long < limits.min_long_side:
        found.add("too_small")
    if (
        metrics["brightness"] < limits.min_brightness
        or metrics["dark_fraction"] > limits.max_dark_fraction
    ):
        found.add("too_dark")
    if (
        metrics["brightness"] > limits.max_brightness
        or metrics["bright_fraction"] > limits.max_bright_fraction
    ):
        found.add("too_bright")
    if metrics["sharpness"] < limits.min_sharpness:
        found.add("blurred")
    return found


def _report(reasons: set[str] | Sequence[str], metrics: dict[str, Any], digest: str) -> QcReport:
    ordered = tuple(r for r in PRIORITY if r in set(reasons))
    return QcReport(REJECTED if ordered else ACCEPTED, ordered, metrics, digest)
