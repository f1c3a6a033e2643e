"""Read a VIN (车辆识别代号, 车架号) from a photo of it: the self-survey's 5th photo.

`vin_from_lines` is pure text work on what an OCR engine saw:

1. cut each line into runs of letters and digits, letting spaces, dots, stars and dashes through
   (VINs are printed in groups and stamped between stars) and breaking at anything else (a
   label such as 车架号: or VIN: ends where its colon or Chinese characters end);
2. join the end of a line with the start of the next when the VIN was printed over two lines;
3. take every 17 characters of a run with at least two letters (fewer: a barcode or phone
   number), the ones that start and end where printed groups do first;
4. fix what cannot be in a VIN (O, I, Q; a letter in the check digit's place or in the serial
   number, which is all digits; 0, U or Z as the model year) and, when that does not give a
   right check digit, try the OCR's usual confusions (S/5, B/8, Z/2, G/6 …) in 17 characters
   that start and end where printed groups do: a corrected reading is kept only when it is the
   one reading with that few corrections that passes the check digit. The reading with the
   fewest changes wins. A VIN whose check digit is wrong is never returned.

`read_vin` prepares a photo and OCRs it once. A second look when the first finds nothing (the
most VIN-like line cropped, enlarged, denoised, its contrast stretched or flattened) was
measured on the generated hard photos: it read no VIN the first pass missed, read one wrong,
and cost 0.5–1 s more per photo, so there is none.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from chalicelib.domain.text import to_halfwidth
from chalicelib.domain.vin import CHECK_POSITION, VIN_LENGTH, is_valid_vin
from chalicelib.ocr.engine import OcrEngine, OcrLine
from chalicelib.ocr.licence import Rect, frame_rect, text_angle

MAX_CORRECTIONS = 1  # confusions tried on one reading, besides the forced fixes
# A reading needing more fixes than this (O, I, Q folded to digits not counted) is too garbled to
# be trusted: random letters and digits would pass the check digit far too often.
MAX_FIXES = 2
MAX_CANDIDATES = 5
MIN_LETTERS = 2  # a string with fewer letters is a number (barcode, phone), not a VIN
MIN_PART = 3  # the shortest piece of a VIN printed over two lines

# Characters between the printed groups of one VIN (full-width forms are folded beforehand).
_GROUP_SEPARATORS = " \t.·•*★☆-_"
_RUN = re.compile(rf"[0-9A-Z{re.escape(_GROUP_SEPARATORS)}]+")
_LOOKALIKES = str.maketrans({"|": "1", "]": "J", "[": "1", "$": "S"})
_LABEL_PREFIX = re.compile(r"^(?:VIN|V1N|IN)(?=[0-9A-Z]{17}$)")

_FOLD = str.maketrans("OIQ", "010")  # never in a VIN
# The check digit (or X) and the serial number: ISO 3779 makes the last four characters digits,
# Chinese makers print all six as digits.
_NUMERIC = (CHECK_POSITION, *range(11, VIN_LENGTH))
_AS_DIGIT = {"D": "0", "L": "1", "Z": "2", "S": "5", "G": "6", "B": "8", "T": "7", "A": "4"}
_YEAR_POSITION = 9
_AS_YEAR = {"0": "D", "U": "V", "Z": "2"}  # not model-year codes

# What the OCR reads in place of what (both ways): tried only to make a check digit right.
_CONFUSABLE = ("S5", "B8", "Z2", "G6", "D0")
_ALTERNATIVES: dict[str, str] = {}
for _a, _b in (tuple(pair) for pair in _CONFUSABLE):
    _ALTERNATIVES[_a] = _ALTERNATIVES.get(_a, "") + _b
    _ALTERNATIVES[_b] = _ALTERNATIVES.get(_b, "") + _a


@dataclass(frozen=True)
class VinReading:
    """What a photo's text says the VIN is.

    `vin` is a valid VIN (right check digit) or None; `score` the lowest OCR confidence of the
    line(s) it came from (0 without a VIN); `candidates` other 17-character strings seen, for
    the adjuster (as read, O/I/Q folded; they may be invalid).
    """

    vin: str | None
    score: float
    candidates: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"vin": self.vin, "score": round(self.score, 3), "candidates": list(self.candidates)}


# --- runs ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """Letters and digits from one line (or two, joined), with where printed groups meet."""

    text: str
    bounds: frozenset[int]  # offsets in `text` where a group starts or ends
    score: float


def clean(text: str) -> str:
    """Half-width, upper-case, with OCR's punctuation look-alikes for letters and digits."""
    return to_halfwidth(text).upper().translate(_LOOKALIKES)


def runs(line: OcrLine) -> list[Run]:
    """The runs of letters and digits in a line, separators dropped, a leading VIN label cut
    off as its own group."""
    found = []
    for match in _RUN.finditer(clean(line.text)):
        groups = [g for g in re.split(rf"[{re.escape(_GROUP_SEPARATORS)}]+", match[0]) if g]
        if groups:
            found.append(_run(groups, line.score))
    return found


def _run(groups: list[str], score: float) -> Run:
    text = "".join(groups)
    bounds = {0, *itertools.accumulate(len(g) for g in groups)}
    label = _LABEL_PREFIX.match(text)
    if label:
        bounds.add(label.end())
    return Run(text, frozenset(bounds), score)


def join(first: Run, second: Run) -> Run:
    shift = len(first.text)
    bounds = first.bounds | {shift + b for b in second.bounds}
    return Run(first.text + second.text, bounds, min(first.score, second.score))


def _continues(first: Rect, second: Rect) -> bool:
    """Whether `second` can carry on the text of `first`: further along the same row, or the
    next row down overlapping it sideways."""
    height = max(first.height, second.height)
    same_row = abs(first.cy - second.cy) < 0.5 * height
    if same_row:
        return first.x1 - 0.5 * height < second.x0 < first.x1 + 3 * height
    below = 0.5 * height < second.cy - first.cy < 2.5 * height
    return below and second.x0 < first.x1 and second.x1 > first.x0


def all_runs(lines: Sequence[OcrLine]) -> list[Run]:
    """Every line's runs, then the last run of each line joined to the first of the line that
    continues it, when neither holds a whole VIN."""
    lines = [line for line in lines if line.text.strip()]
    per_line = [runs(line) for line in lines]
    angle = text_angle(lines)
    rects = [frame_rect(line.box, angle) if len(line.box) >= 4 else None for line in lines]
    joined = []
    for i, j in itertools.permutations(range(len(lines)), 2):
        first_rect, second_rect = rects[i], rects[j]
        if not per_line[i] or not per_line[j] or first_rect is None or second_rect is None:
            continue
        first, second = per_line[i][-1], per_line[j][0]
        if _joinable(first, second) and _continues(first_rect, second_rect):
            joined.append(join(first, second))
    return [run for found in per_line for run in found] + joined


def _joinable(first: Run, second: Run) -> bool:
    short = len(first.text) < VIN_LENGTH and len(second.text) < VIN_LENGTH
    long_enough = min(len(first.text), len(second.text)) >= MIN_PART
    return short and long_enough and len(first.text) + len(second.text) >= VIN_LENGTH


# --- corrections ---------------------------------------------------------------------------------


def forced(text: str) -> str:
    """`text` (17 characters) with what cannot be in a VIN fixed: O, I, Q folded to digits; a
    letter where a digit must stand (the check digit, the serial) read as the digit it looks
    like; a character that is no model year read as the one it looks like."""
    chars = list(text.translate(_FOLD))
    for i in _NUMERIC:
        if not (i == CHECK_POSITION and chars[i] == "X"):
            chars[i] = _AS_DIGIT.get(chars[i], chars[i])
    chars[_YEAR_POSITION] = _AS_YEAR.get(chars[_YEAR_POSITION], chars[_YEAR_POSITION])
    return "".join(chars)


def _options(text: str, position: int) -> str:
    """What the character at `position` may really be, if the OCR confused it (not the first:
    the region letter, L for China, is read well and a digit there would mean America)."""
    if position == 0:
        return ""
    options = _ALTERNATIVES.get(text[position], "")
    if position in _NUMERIC:
        options = "".join(ch for ch in options if ch.isdigit())
    return options


def variants(text: str, corrections: int) -> Iterator[str]:
    """Every reading of `text` with exactly `corrections` confusable characters replaced."""
    positions = [i for i in range(len(text)) if _options(text, i)]
    for chosen in itertools.combinations(positions, corrections):
        for replacement in itertools.product(*(_options(text, i) for i in chosen)):
            chars = list(text)
            for i, ch in zip(chosen, replacement, strict=True):
                chars[i] = ch
            yield "".join(chars)


def resolve(text: str, max_corrections: int = MAX_CORRECTIONS) -> tuple[str, int] | None:
    """The VIN that 17 read characters most likely are, and how many characters were changed:
    the reading with O, I, Q folded, then with every forced fix, then with the fewest
    confusions, as long as exactly one reading with that many passes the check digit. None
    when none does, or it is ambiguous."""
    readings = [text.translate(_FOLD), forced(text)]
    for reading in readings:
        if is_valid_vin(reading):
            return _limited(text, reading)
    for corrections in range(1, max_corrections + 1):
        valid = {v for v in variants(readings[-1], corrections) if is_valid_vin(v)}
        if len(valid) == 1:
            return _limited(text, valid.pop())
        if valid:
            return None
    return None


def _limited(read: str, vin: str) -> tuple[str, int] | None:
    """(vin, characters changed), unless it took more than MAX_FIXES fixes."""
    fixes = _changes(read.translate(_FOLD), vin)
    return (vin, _changes(read, vin)) if fixes <= MAX_FIXES else None


def _changes(read: str, vin: str) -> int:
    return sum(a != b for a, b in zip(read, vin, strict=True))


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    vin: str
    changes: int
    aligned: bool
    score: float


def windows(run: Run) -> Iterator[tuple[str, bool]]:
    """Every 17 characters of a run, and whether they start and end where groups do."""
    for start in range(len(run.text) - VIN_LENGTH + 1):
        aligned = start in run.bounds and start + VIN_LENGTH in run.bounds
        yield run.text[start : start + VIN_LENGTH], aligned


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def vin_from_lines(lines: Sequence[OcrLine]) -> VinReading:
    """The VIN in a photo's OCR lines (pure: no image work)."""
    found: list[Found] = []
    seen: list[str] = []
    for run in all_runs(lines):
        for window, aligned in windows(run):
            if _letters(window) < MIN_LETTERS:
                continue
            if aligned:
                seen.append(window.translate(_FOLD))
            result = resolve(window, MAX_CORRECTIONS if aligned else 0)
            if result:
                found.append(Found(result[0], result[1], aligned, run.score))
    if not found:
        return VinReading(None, 0.0, _distinct(seen, None))
    best = min(found, key=lambda f: (f.changes, not f.aligned, -f.score))
    others = [f.vin for f in found if f.aligned]
    return VinReading(best.vin, best.score, _distinct(seen + others, best.vin))


def _distinct(strings: list[str], chosen: str | None) -> tuple[str, ...]:
    unique = [s for s in dict.fromkeys(strings) if s != chosen]
    return tuple(unique[:MAX_CANDIDATES])


# --- photos --------------------------------------------------------------------------------------


def read_vin(image: bytes, engine: OcrEngine) -> VinReading:
    """Prepare the photo (upright, at most 1280 px), OCR it and find the VIN in its text.

    Raises chalicelib.ocr.images.NotAnImage for bytes that are not a usable photo.
    """
    from chalicelib.ocr import images  # Pillow only when a photo is actually read

    return vin_from_lines(engine.read(images.prepare_photo(image)))
