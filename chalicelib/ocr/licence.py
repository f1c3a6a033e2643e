"""Read the main page of a vehicle licence (机动车行驶证) from OCR lines.

`extract_licence` is pure layout work on what an OCR engine saw:

1. find the printed labels (号牌号码, 车辆类型 …) in the text, tolerating misread characters and
   labels glued to their values in one OCR line;
2. estimate the card's own frame (its rotation in the photo) from the direction of the text
   boxes, choosing between the two opposite directions by where the labels sit on the card;
3. cut every line into label and value pieces, each with its box in the card frame;
4. give each value piece to the label on its row to its left (a value glued to its label goes
   with it; a missing label is stood in for from the labels that were found);
5. normalise each field (plate, VIN, dates) and `validate`.

`read_licence` runs an engine on a photo, turning the photo by quarter turns when a reading finds
too few labels.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from chalicelib.domain.licence import (
    FIELD_NAMES,
    NOT_A_LICENCE,
    UNREADABLE,
    LicenceFields,
    validate,
)
from chalicelib.domain.plates import PROVINCES, is_valid_plate, normalize_plate
from chalicelib.domain.text import to_halfwidth
from chalicelib.domain.vin import VIN_LENGTH, is_valid_vin
from chalicelib.ocr.engine import OcrEngine, OcrLine

LABELS: dict[str, str] = {
    "plate_no": "号牌号码",
    "vehicle_type": "车辆类型",
    "owner": "所有人",
    "address": "住址",
    "use_character": "使用性质",
    "model": "品牌型号",
    "vin": "车辆识别代号",
    "engine_no": "发动机号码",
    "register_date": "注册日期",
    "issue_date": "发证日期",
}

# Where each label is printed on the main page: (row, column).
GRID: dict[str, tuple[int, int]] = {
    "plate_no": (0, 0),
    "vehicle_type": (0, 1),
    "owner": (1, 0),
    "address": (2, 0),
    "use_character": (3, 0),
    "model": (3, 1),
    "vin": (4, 0),
    "engine_no": (5, 0),
    "register_date": (6, 0),
    "issue_date": (6, 1),
}

# Characters OCR reads in place of a label's characters (they cost half a mismatch).
CONFUSIONS: dict[str, str] = {
    "号": "导弓兮专亏呺",
    "牌": "脾碑俾稗",
    "码": "吗玛妈鸣马",
    "车": "幸东丰",
    "辆": "俩輛两",
    "类": "炎粪娄奕",
    "型": "形刑",
    "所": "听斯沂",
    "有": "布右",
    "人": "入八",
    "住": "往佳注仕",
    "址": "扯趾垃地虻",
    "使": "便史",
    "用": "甩角",
    "性": "姓牲",
    "质": "贡庚顶",
    "品": "晶吕",
    "识": "织只沢",
    "别": "剔刖",
    "代": "伐化戈",
    "发": "友犮",
    "动": "幼劫",
    "机": "肌杌几",
    "注": "住汪",
    "册": "删卅珊",
    "日": "曰目口",
    "期": "朗明斯其",
    "证": "正征讧",
}

TITLE = "机动车行驶证"
_ENGLISH_TITLE = re.compile(r"vehicle\s*licen[cs]e", re.IGNORECASE)

# The English line printed under each Chinese label, and the title's English line.
_ENGLISH_LABEL = re.compile(
    r"plate\s*no\.?|vehicle\s*type|owner|address|use\s*character|model"
    r"|vehicle\s*identification\s*(?:number|code|no\.?)?|\bvin\b|engine\s*no\.?"
    r"|register\s*date|issue\s*date|of\s*the\s*people'?s\s*republic\s*of\s*china",
    re.IGNORECASE,
)

ROW_TOLERANCE = 0.8  # how far (in label heights) a value's centre may sit from its label's row
MIN_LABELS = 3  # fewer labels (and no title) → not a licence
MIN_VALUES = 5  # fewer values on a licence → unreadable
GOOD_LABELS = 6  # a reading with this many labels is not retried rotated

_PUNCTUATION = " \t:：;；,，.。、·|_-—~'\"`()（）[]【】"


# --- geometry ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rect:
    """An axis-aligned box in the card's frame (x to the right of the text, y down)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1.0)

    @property
    def width(self) -> float:
        return max(self.x1 - self.x0, 1.0)


def _edges(box: Sequence[tuple[float, float]]) -> tuple[tuple[float, float], tuple[float, float]]:
    """The box's two side vectors: along its first edge and along its second, each averaged
    with the opposite edge."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = box[:4]
    along = ((x1 - x0 + x2 - x3) / 2, (y1 - y0 + y2 - y3) / 2)
    across = ((x3 - x0 + x2 - x1) / 2, (y3 - y0 + y2 - y1) / 2)
    return along, across


def text_angle(lines: Iterable[OcrLine]) -> float:
    """The direction the text runs in, in radians within (-pi/2, pi/2], from the long sides of
    elongated boxes (a doubled-angle mean: a box gives its direction up to a half turn)."""
    sx = sy = 0.0
    for line in lines:
        if len(line.box) < 4:
            continue
        along, across = _edges(line.box)
        long_side, short_side = sorted((along, across), key=lambda v: math.hypot(*v), reverse=True)
        length, thickness = math.hypot(*long_side), max(math.hypot(*short_side), 1.0)
        if length / thickness < 1.5:
            continue
        angle = math.atan2(long_side[1], long_side[0])
        sx += length * math.cos(2 * angle)
        sy += length * math.sin(2 * angle)
    if sx == 0 and sy == 0:
        return 0.0
    return math.atan2(sy, sx) / 2


def frame_rect(box: Sequence[tuple[float, float]], angle: float) -> Rect:
    """The bounding box of `box` in a frame turned by `angle` (the text direction becomes +x)."""
    cos, sin = math.cos(angle), math.sin(angle)
    xs = [x * cos + y * sin for x, y in box]
    ys = [-x * sin + y * cos for x, y in box]
    return Rect(min(xs), min(ys), max(xs), max(ys))


# --- label matching ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelMatch:
    field: str
    start: int  # character offsets in the line's text
    end: int
    cost: float


def _substitution(expected: str, seen: str) -> float:
    if expected == seen:
        return 0.0
    return 0.5 if seen in CONFUSIONS.get(expected, "") else 1.0


def _max_cost(label: str, whole_line: bool) -> float:
    base = 0.5 if len(label) <= 3 else (1.0 if len(label) <= 5 else 1.5)
    return base + 0.5 if whole_line and len(label) <= 3 else base


def fuzzy_find(text: str, pattern: str) -> list[tuple[int, int, float]]:
    """Substrings of `text` close to `pattern`: (start, end, cost), best first, not overlapping.

    Approximate matching (Sellers): edit distance with a free start, where a substitution by a
    known confusion costs 0.5 and any other edit 1.
    """
    m = len(pattern)
    prev = [(float(i), 0) for i in range(m + 1)]  # (cost, start) for text[:0]
    found: list[tuple[int, int, float]] = []
    for j, seen in enumerate(text, start=1):
        cur = [(0.0, j)]
        for i in range(1, m + 1):
            options = (
                (prev[i - 1][0] + _substitution(pattern[i - 1], seen), prev[i - 1][1]),
                (prev[i][0] + 1.0, prev[i][1]),  # an extra character in the text
                (cur[i - 1][0] + 1.0, cur[i - 1][1]),  # a character missing from the text
            )
            cur.append(min(options, key=lambda option: (option[0], -option[1])))
        cost, start = cur[m]
        whole = start == 0 and j == len(text)
        if cost <= _max_cost(pattern, whole) and j - start > 0:
            found.append((start, j, cost))
        prev = cur
    return _best_disjoint(found)


def _best_disjoint(found: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    chosen: list[tuple[int, int, float]] = []
    for start, end, cost in sorted(found, key=lambda f: (f[2], -(f[1] - f[0]))):
        if all(end <= s or start >= e for s, e, _ in chosen):
            chosen.append((start, end, cost))
    return chosen


def find_labels(text: str) -> list[LabelMatch]:
    """Every label in one OCR line's text, in reading order, not overlapping."""
    compact, positions = _compact(text)
    candidates = [
        LabelMatch(name, positions[start], positions[end - 1] + 1, cost)
        for name, label in LABELS.items()
        for start, end, cost in fuzzy_find(compact, label)
    ]
    chosen: list[LabelMatch] = []
    for match in sorted(candidates, key=lambda m: (m.cost, -(m.end - m.start))):
        if all(match.end <= c.start or match.start >= c.end for c in chosen):
            chosen.append(match)
    return sorted(chosen, key=lambda m: m.start)


def _compact(text: str) -> tuple[str, list[int]]:
    """`text` without whitespace, and where each remaining character was."""
    kept = [(i, ch) for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(ch for _, ch in kept), [i for i, _ in kept]


def is_title(text: str) -> bool:
    compact = _compact(text)[0]
    if "驾驶" in compact:  # a driving licence (驾驶证), not a vehicle licence
        return False
    return bool(fuzzy_find(compact, TITLE)) or bool(_ENGLISH_TITLE.search(text))


# --- pieces --------------------------------------------------------------------------------------


@dataclass
class Piece:
    """A label or a value: part of one OCR line, with its box in the card frame."""

    text: str
    rect: Rect
    line: int
    label: str | None = None  # the field this piece is the label of
    cost: float = 0.0
    virtual: bool = False  # a label that was not read, placed from the others


def _char_width(ch: str) -> float:
    if ch.isspace():
        return 0.35
    return 0.55 if ord(ch) < 0x2E80 else 1.0


def _split_line(index: int, text: str, rect: Rect, matches: list[LabelMatch]) -> list[Piece]:
    """Cut a line into label and value pieces; each piece gets its share of the line's box in
    proportion to the width of its characters."""
    cuts: list[tuple[int, int, LabelMatch | None]] = []
    position = 0
    for match in matches:
        if match.start > position:
            cuts.append((position, match.start, None))
        cuts.append((match.start, match.end, match))
        position = match.end
    if position < len(text):
        cuts.append((position, len(text), None))
    widths = [_char_width(ch) for ch in text]
    total = sum(widths) or 1.0
    pieces = []
    for start, end, match in cuts:
        x0 = rect.x0 + rect.width * sum(widths[:start]) / total
        x1 = rect.x0 + rect.width * sum(widths[:end]) / total
        piece = Piece(text[start:end], Rect(x0, rect.y0, x1, rect.y1), index)
        if match:
            piece.label, piece.cost = match.field, match.cost
        pieces.append(piece)
    return pieces


def _is_noise(text: str) -> bool:
    """English label lines (even misread: values have no lower-case letters unless they have
    digits or Chinese), the title, and bare punctuation are never values."""
    rest = _ENGLISH_LABEL.sub("", text).strip(_PUNCTUATION)
    if not rest or is_title(text):
        return True
    return (
        rest.isascii() and any(ch.islower() for ch in rest) and not any(ch.isdigit() for ch in rest)
    )


# --- layout --------------------------------------------------------------------------------------


@dataclass
class Layout:
    pieces: list[Piece]
    labels: dict[str, Piece]  # field → its label (read or virtual)
    title: bool

    @property
    def labels_read(self) -> int:
        return sum(1 for piece in self.labels.values() if not piece.virtual)


def layout_score(labels: Iterable[Piece]) -> int:
    """How well label positions agree with the printed grid: +1 per pair in the right order
    (rows top to bottom, columns left to right), -1 per pair in the wrong order."""
    placed = [(GRID[p.label], p.rect) for p in labels if p.label]
    score = 0
    for (row_a, col_a), a in placed:
        for (row_b, col_b), b in placed:
            if row_a < row_b:
                score += 1 if a.cy < b.cy else -1
            elif row_a == row_b and col_a < col_b:
                score += 1 if a.cx < b.cx else -1
    return score


def _pieces(lines: Sequence[OcrLine], matches: list[list[LabelMatch]], angle: float) -> list[Piece]:
    pieces: list[Piece] = []
    for index, (line, found) in enumerate(zip(lines, matches, strict=True)):
        pieces.extend(_split_line(index, line.text, frame_rect(line.box, angle), found))
    return pieces


def build_layout(lines: Sequence[OcrLine]) -> Layout:
    """Labels and value pieces in the card frame, the frame chosen among the two opposite text
    directions by `layout_score`."""
    lines = [line for line in lines if line.text.strip() and len(line.box) >= 4]
    matches = [find_labels(line.text) for line in lines]
    angle = text_angle(lines)
    options = [angle, angle + math.pi]
    best = max(
        (_pieces(lines, matches, a) for a in options),
        key=lambda pieces: layout_score(p for p in pieces if p.label),
    )  # max keeps the first (the upright one) on a tie
    labels = _choose_labels([p for p in best if p.label])
    title = any(is_title(line.text) for line in lines)
    return Layout(best, labels, title)


def _choose_labels(candidates: list[Piece]) -> dict[str, Piece]:
    """One label per field: the cheapest reading, and among equals the one nearest the others
    (a photo may show the second page, which repeats 号牌号码)."""
    if not candidates:
        return {}
    cx = statistics.median(p.rect.cx for p in candidates)
    cy = statistics.median(p.rect.cy for p in candidates)
    chosen: dict[str, Piece] = {}
    for piece in sorted(
        candidates, key=lambda p: (p.cost, math.hypot(p.rect.cx - cx, p.rect.cy - cy))
    ):
        chosen.setdefault(piece.label or "", piece)
    return chosen


def add_virtual_labels(labels: dict[str, Piece]) -> dict[str, Piece]:
    """Stand-ins for labels that were not read, placed in the grid the read labels span: x
    from their column, y from their row (or a straight line through the rows read)."""
    read = [p for p in labels.values() if p.label]
    if len(read) < MIN_LABELS or len({GRID[p.label][0] for p in read if p.label}) < 2:
        return labels
    height = statistics.median(p.rect.height for p in read)
    char = statistics.median(p.rect.width / max(len(LABELS[p.label or ""]), 1) for p in read)
    row_y = _row_line(read)
    columns = {
        col: statistics.median(p.rect.x0 for p in read if p.label and GRID[p.label][1] == col)
        for col in {GRID[p.label][1] for p in read if p.label}
    }
    result = dict(labels)
    for name, (row, col) in GRID.items():
        if name in result or col not in columns:
            continue
        same_row = [p.rect.cy for p in read if p.label and GRID[p.label][0] == row]
        cy = statistics.median(same_row) if same_row else row_y(row)
        x0 = columns[col]
        rect = Rect(x0, cy - height / 2, x0 + char * len(LABELS[name]), cy + height / 2)
        result[name] = Piece("", rect, -1, label=name, virtual=True)
    return result


def _row_line(read: list[Piece]) -> Callable[[int], float]:
    """Least-squares line through (row, centre y) of the labels read."""
    points = [(GRID[p.label][0], p.rect.cy) for p in read if p.label]
    mean_r = statistics.fmean(r for r, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    var = sum((r - mean_r) ** 2 for r, _ in points)
    slope = sum((r - mean_r) * (y - mean_y) for r, y in points) / var
    return lambda row: mean_y + slope * (row - mean_r)


# --- assigning values ----------------------------------------------------------------------------


def assign_values(layout: Layout) -> dict[str, list[Piece]]:
    """Value pieces per field: glued to their label in one line, or on the label's row to its
    right; then lines under the address that continue it."""
    labels = add_virtual_labels(layout.labels)
    chosen = {id(p) for p in layout.labels.values()}
    values: dict[str, list[Piece]] = {name: [] for name in FIELD_NAMES}
    loose: list[Piece] = []
    previous: Piece | None = None
    for piece in layout.pieces:
        glued_to = previous if previous and previous.line == piece.line else None
        previous = piece
        if piece.label or _is_noise(piece.text):
            continue
        if glued_to and glued_to.label and id(glued_to) in chosen:
            values[glued_to.label].append(piece)
            continue
        owner = _row_owner(piece, list(labels.values()))
        if owner:
            values[owner].append(piece)
        else:
            loose.append(piece)
    for pieces in values.values():
        pieces.sort(key=lambda p: p.rect.x0)
    values["address"].extend(_address_continuation(loose, labels, values["address"]))
    return values


def _row_owner(piece: Piece, labels: list[Piece]) -> str | None:
    """The label on the piece's row nearest to its left, if any."""
    best: tuple[float, str] | None = None
    for label in labels:
        height = label.rect.height
        if not _right_of(piece.rect, label.rect):
            continue
        if piece.rect.x0 - label.rect.x1 > 25 * height:
            continue
        dy = abs(piece.rect.cy - label.rect.cy) / height
        if dy > ROW_TOLERANCE or _blocked(label, piece, labels):
            continue
        if best is None or dy < best[0]:
            best = (dy, label.label or "")
    return best[1] if best else None


def _right_of(value: Rect, label: Rect) -> bool:
    """Whether a value box starts after its label (a value read together with a bit of
    something printed over the label still counts: its middle is past the label's end)."""
    return value.x0 >= label.x1 - 0.5 * label.height or (
        value.x0 > label.cx and value.cx > label.x1 + label.height
    )


def _blocked(label: Piece, piece: Piece, labels: list[Piece]) -> bool:
    """Whether another label on `label`'s row stands between it and the piece."""
    height = label.rect.height
    return any(
        other.rect.x0 >= label.rect.x1 - 0.5 * height
        and other.rect.x1 <= piece.rect.x0 + 0.5 * height
        and abs(other.rect.cy - label.rect.cy) <= ROW_TOLERANCE * height
        for other in labels
        if other is not label
    )


def _address_continuation(
    loose: list[Piece], labels: dict[str, Piece], address: list[Piece]
) -> list[Piece]:
    """A long address wraps onto a second line under the first, above the next row."""
    label = labels.get("address")
    below = labels.get("use_character") or labels.get("model")
    if not label or not address or not below:
        return []
    top = max(p.rect.y1 for p in address)
    left = min(p.rect.x0 for p in address) - label.rect.height
    bottom = below.rect.cy - 0.5 * below.rect.height
    lines = [
        p for p in loose if p.rect.x0 >= left and top - 0.3 * p.rect.height < p.rect.cy < bottom
    ]
    return sorted(lines, key=lambda p: (round(p.rect.cy / label.rect.height), p.rect.x0))


# --- normalising ---------------------------------------------------------------------------------

_TRADITIONAL = str.maketrans(
    "粵滬蘇魯閩貴遼黑瓊寧陝贛鄂湘皖冀豫雲", "粤沪苏鲁闽贵辽黑琼宁陕赣鄂湘皖冀豫云"
)
_PLATE_BODY = str.maketrans({"O": "0", "I": "1"})
_VIN_FIX = str.maketrans({"O": "0", "I": "1", "Q": "0"})
_DIGIT_FIX = str.maketrans({"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "|": "1"})

_DATES = (
    re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})"),
    re.compile(r"(?<!\d)(\d{4})\D?(\d{2})\D?(\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})\S(\d{2})\S(\d{2})(?!\d)"),  # a separator read as a digit
)
_PLATE = re.compile(rf"[{PROVINCES}][A-Z0-9|]{{5,8}}[挂学警港澳]?")
_PROVINCE_LOOKALIKES = re.compile(r"^J[I1L|]")  # 川 read as "JI"
_SEPARATOR_LOOKALIKES = "I1L|"  # the dot after the office letter, or a stroke of 川


def clean_plate(text: str) -> str | None:
    """A plate from OCR text: separators dropped, 粵 → 粤, O → 0 and I → 1 after the office
    letter, a separator read as a letter removed; the plate is looked for in the text (it may
    carry other characters around it)."""
    compact = normalize_plate(text).translate(_TRADITIONAL)
    compact = re.sub(r"[^0-9A-Z|\u4e00-\u9fff]", "", compact)
    compact = _PROVINCE_LOOKALIKES.sub("川", compact)
    if not compact:
        return None
    match = _PLATE.search(compact)
    if not match:
        return compact.replace("|", "1")
    candidates = [_plate_body(c) for c in _plate_readings(match[0])]
    return next((c for c in candidates if is_valid_plate(c)), candidates[0])


def _plate_readings(plate: str) -> list[str]:
    """The plate as read, without a separator look-alike, then cut to 8 or 7 characters."""
    readings = [plate]
    for i in (1, 2):
        if plate[i] in _SEPARATOR_LOOKALIKES:
            readings.append(plate[:i] + plate[i + 1 :])
    return readings + [r[:size] for r in readings for size in (8, 7)]


def _plate_body(plate: str) -> str:
    return plate[:2] + plate[2:].translate(_PLATE_BODY).replace("|", "1")


def clean_vin(text: str) -> str | None:
    """17 VIN characters from OCR text: only letters and digits, O → 0, I → 1, Q → 0; from a
    longer text the 17 characters whose check digit is right."""
    compact = re.sub(r"[^0-9A-Z]", "", to_halfwidth(text).upper())
    compact = compact.removeprefix("VIN").translate(_VIN_FIX)
    if not compact:
        return None
    if len(compact) > VIN_LENGTH:
        windows = [compact[i : i + VIN_LENGTH] for i in range(len(compact) - VIN_LENGTH + 1)]
        return next((w for w in windows if is_valid_vin(w)), compact)
    return compact


def clean_date(text: str) -> str | None:
    """YYYY-MM-DD from 2019-06-01, 2019.06.01, 2019/6/1, 2019年6月1日 or 20190601."""
    value = to_halfwidth(text).translate(_DIGIT_FIX)
    match = _DATES[0].search(value)
    for pattern in _DATES[1:]:
        match = match or pattern.search(re.sub(r"\s", "", value))
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def clean_code(text: str) -> str | None:
    """An engine number: letters and digits only, upper-case."""
    value = re.sub(r"[^0-9A-Z]", "", to_halfwidth(text).upper())
    return value or None


def clean_text(text: str) -> str | None:
    """Free text (owner, address, model…): half-width, no stray punctuation at either end, no
    spaces next to Chinese characters."""
    value = to_halfwidth(text).strip(_PUNCTUATION)
    value = re.sub(r"\s+", " ", value)
    value = re.sub(r"\s*([^\x00-\x7f])\s*", r"\1", value)
    return value or None


CLEANERS: dict[str, Callable[[str], str | None]] = {
    "plate_no": clean_plate,
    "vin": clean_vin,
    "engine_no": clean_code,
    "register_date": clean_date,
    "issue_date": clean_date,
}


def _field_value(name: str, pieces: list[Piece]) -> str | None:
    if not pieces:
        return None
    text = " ".join(_ENGLISH_LABEL.sub(" ", p.text).strip() for p in pieces)
    return CLEANERS.get(name, clean_text)(text)


# --- entry points --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """One pass over a photo: the fields and how much of a licence was seen."""

    fields: LicenceFields
    labels_read: int = 0
    title: bool = False
    lines: int = 0
    values: int = field(default=0)

    @property
    def quality(self) -> tuple[int, int]:
        return self.labels_read, self.values


def read_lines(lines: Sequence[OcrLine]) -> Reading:
    layout = build_layout(lines)
    if layout.labels_read < MIN_LABELS and not (layout.title and layout.labels_read):
        fields = validate(LicenceFields(warnings=(NOT_A_LICENCE,)))
        return Reading(fields, layout.labels_read, layout.title, len(lines))
    values = assign_values(layout)
    found = {name: _field_value(name, pieces) for name, pieces in values.items()}
    count = sum(1 for value in found.values() if value)
    warnings = (UNREADABLE,) if count < MIN_VALUES else ()
    fields = validate(LicenceFields(**found, warnings=warnings))
    return Reading(fields, layout.labels_read, layout.title, len(lines), count)


def extract_licence(lines: list[OcrLine]) -> LicenceFields:
    """The licence fields in OCR lines (pure: no image work)."""
    return read_lines(lines).fields


def read_licence(image: bytes, engine: OcrEngine) -> LicenceFields:
    """Prepare the photo, OCR it and extract the fields; when too few labels are found, try the
    photo turned by quarter turns and keep the best reading.

    Raises chalicelib.ocr.images.NotAnImage for bytes that are not a usable photo.
    """
    from chalicelib.ocr import images  # Pillow only when a photo is actually read

    photo = images.load_photo(image)
    best: Reading | None = None
    for degrees in (0, 90, 270, 180):
        reading = read_lines(engine.read(images.to_jpeg(images.rotated(photo, degrees))))
        if best is None or reading.quality > best.quality:
            best = reading
        if not _worth_turning(reading):
            break
    assert best is not None
    return best.fields


def _worth_turning(reading: Reading) -> bool:
    """A quarter turn may help when few labels were read, unless the text read well upright
    and simply is not a licence."""
    if reading.labels_read >= GOOD_LABELS:
        return False
    return reading.labels_read > 0 or reading.title or reading.lines < 5
