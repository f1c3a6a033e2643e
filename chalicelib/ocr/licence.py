"""Read the main page of a vehicle licence (机动车行驶证) from OCR lines.

`extract_licence` is pure layout work on what an OCR engine saw:

1. find the printed labels (号牌号码, 车辆类型 …) in the text, tolerating misread characters and
   labels glued to their values in one OCR line;
2. estimate the card's own frame (its rotation in the photo) from the direction of the text
   boxes, choosing between the two opposite directions by where the labels sit on the card;
3. cut every line into label and value pieces, each with its box in the card frame;
4. give each value piece to the label on its row to its left (a value glued to its label goes
   with it; a label that was not read is stood in for from the labels that were);
5. normalise each field (plate, VIN, dates); fill fields still empty from left-over text that
   has their form (a VIN with a right check digit, a plate, dates); `validate`.

A photo with neither the title nor MIN_LABELS labels is `not_a_licence`; a licence with fewer
than MIN_VALUES values is `unreadable`.

`read_licence` prepares a photo, runs an engine on it and reads it again turned upright when the
card lies on its side or upside down.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.domain.licence import (
    BLURRED,
    FIELD_NAMES,
    NOT_A_LICENCE,
    UNREADABLE,
    LicenceFields,
    valid_date,
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
    "号": "导弓兮专亏呺马",
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
    """Labels are Chinese: a letter or digit in their place is more likely a glued value."""
    if expected == seen:
        return 0.0
    if seen in CONFUSIONS.get(expected, ""):
        return 0.5
    return 1.25 if seen.isascii() and seen.isalnum() else 1.0


def _max_cost(label: str, whole_line: bool) -> float:
    base = 0.5 if len(label) <= 3 else (1.5 if len(label) <= 5 else 2.0)
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
    for start, end, cost in sorted(found, key=lambda f: (f[2], f[1] - f[0])):
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
    for match in sorted(candidates, key=lambda m: (m.cost, m.end - m.start)):
        if all(match.end <= c.start or match.start >= c.end for c in chosen):
            chosen.append(match)
    return sorted(chosen, key=lambda m: m.start)


def _compact(text: str) -> tuple[str, list[int]]:
    """`text` without whitespace, and where each remaining character was."""
    kept = [(i, ch) for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(ch for _, ch in kept), [i for i, _ in kept]


def is_title(text: str) -> bool:
    """The licence's title, 中华人民共和国机动车行驶证 (not 驾驶证, a driving licence)."""
    compact = _compact(text)[0]
    if "行" in compact and "驾" not in compact and fuzzy_find(compact, TITLE):
        return True
    return bool(_ENGLISH_TITLE.search(text))


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
    for start, end, label in cuts:
        x0 = rect.x0 + rect.width * sum(widths[:start]) / total
        x1 = rect.x0 + rect.width * sum(widths[:end]) / total
        piece = Piece(text[start:end], Rect(x0, rect.y0, x1, rect.y1), index)
        if label is not None:
            piece.label, piece.cost = label.field, label.cost
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
    angle: float = 0.0  # the direction of the card's text in the image, radians

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
    options = [(angle, _pieces(lines, matches, angle))]
    options.append((angle + math.pi, _pieces(lines, matches, angle + math.pi)))
    angle, best = max(
        options, key=lambda option: layout_score(p for p in option[1] if p.label)
    )  # max keeps the first (the upright one) on a tie
    labels = _choose_labels([p for p in best if p.label])
    title = any(is_title(line.text) for line in lines)
    return Layout(best, labels, title, angle)


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


def assign_values(layout: Layout) -> tuple[dict[str, list[Piece]], list[Piece]]:
    """Value pieces per field: glued to their label in one line, or on the label's row to its
    right; then lines under the address that continue it. Also the pieces left over."""
    labels = list(add_virtual_labels(layout.labels).values())
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
        owner = _row_owner(piece, labels)
        if owner and owner.label:
            values[owner.label].append(_value_part(piece, owner))
        else:
            loose.append(piece)
    for pieces in values.values():
        pieces.sort(key=lambda p: p.rect.x0)
    more = _address_continuation(loose, layout.labels, values["address"])
    values["address"].extend(more)
    return values, [piece for piece in loose if piece not in more]


def _row_owner(piece: Piece, labels: list[Piece]) -> Piece | None:
    """The label whose value the piece is: the unread label the piece starts with, or else
    the label on its row to its left with no other label in between (the closest row wins)."""
    best: tuple[float, Piece] | None = None
    for label in labels:
        height = label.rect.height
        dy = abs(piece.rect.cy - label.rect.cy) / height
        if dy > ROW_TOLERANCE:
            continue
        if _starts_at(piece, label):
            return label
        if not _right_of(piece.rect, label.rect) or _blocked(label, piece, labels):
            continue
        if piece.rect.x0 - label.rect.x1 > 25 * height:
            continue
        if best is None or dy < best[0]:
            best = (dy, label)
    return best[1] if best else None


def _starts_at(piece: Piece, label: Piece) -> bool:
    """Whether the piece starts where a label that was not read is printed: it holds that
    label, misread, and maybe its value."""
    return label.virtual and abs(piece.rect.x0 - label.rect.x0) <= label.rect.height


def _value_part(piece: Piece, label: Piece) -> Piece:
    """The piece without what belongs to the label: a misread label it starts with, or label
    characters over the label itself (OCR sometimes reads a label's last character twice)."""
    if _starts_at(piece, label):
        printed = LABELS[label.label or ""]
        if len(piece.text) <= len(printed) and piece.rect.x1 <= label.rect.x1 + label.rect.height:
            return replace(piece, text="")  # no room for a value: the label itself, misread
        return replace(piece, text=strip_label(piece.text, printed))
    if piece.rect.x0 >= label.rect.x1:
        return piece
    widths = [_char_width(ch) for ch in piece.text]
    scale = piece.rect.width / (sum(widths) or 1.0)
    position, start = piece.rect.x0, 0
    for ch, width in zip(piece.text, widths, strict=True):
        if ch not in LABELS[label.label or ""] or position + scale * width / 2 >= label.rect.x1:
            break
        position += scale * width
        start += 1
    return replace(piece, text=piece.text[start:])


def strip_label(text: str, label: str) -> str:
    """`text` without the (possibly badly misread) `label` it starts with."""
    rows = [float(i) for i in range(len(text) + 1)]  # cost of label[:0] against text[:j]
    for i, expected in enumerate(label, start=1):
        current = [float(i)]
        for j, seen in enumerate(text, start=1):
            current.append(
                min(
                    rows[j - 1] + _substitution(expected, seen),
                    rows[j] + 1.0,
                    current[j - 1] + 1.0,
                )
            )
        rows = current
    cost, end = min((cost, j) for j, cost in enumerate(rows))
    return text[end:] if end and cost <= len(label) / 2 else text


def _right_of(value: Rect, label: Rect) -> bool:
    """Whether a value box starts after its label (a value read together with a bit of
    something printed over the label still counts: its middle is past the label's end)."""
    return value.x0 >= label.x1 - 0.8 * label.height or (
        value.x0 > label.cx and value.cx > label.x1 + 0.5 * label.height
    )


def _blocked(label: Piece, piece: Piece, labels: list[Piece]) -> bool:
    """Whether another label on `label`'s row stands between it and the piece."""
    height = label.rect.height
    return any(
        other.rect.x0 >= label.rect.x1 - 0.5 * height
        and other.rect.x0 < piece.rect.x0
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

_TRADITIONAL = str.maketrans("粵滬蘇魯閩貴遼瓊寧陝贛雲晉", "粤沪苏鲁闽贵辽琼宁陕赣云晋")
_LOOKALIKES = str.maketrans({"]": "J", "|": "1"})  # OCR's punctuation for letters and digits
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
_LETTER_LOOKALIKES = dict(zip("0245678", "DZASGTB", strict=True))  # 鲁870045 → 鲁B70045
_DIGIT_LOOKALIKES = str.maketrans("SBZGDL", "582601")


def clean_plate(text: str) -> str | None:
    """A plate from OCR text: separators dropped, 粵 → 粤, O → 0 and I → 1 after the office
    letter, a separator read as a letter removed; the plate is looked for in the text (it may
    carry other characters around it)."""
    compact = normalize_plate(text).translate(_TRADITIONAL).replace("]", "J")
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
    readings.append(plate[0] + plate[1:].lstrip(_SEPARATOR_LOOKALIKES))  # 川 read as 川11
    readings += [
        r[0] + _LETTER_LOOKALIKES[r[1]] + r[2:] for r in readings if r[1] in _LETTER_LOOKALIKES
    ]
    return readings + [r[:size] for r in readings for size in (8, 7)]


def _plate_body(plate: str) -> str:
    return plate[:2] + plate[2:].translate(_PLATE_BODY).replace("|", "1")


def clean_vin(text: str) -> str | None:
    """17 VIN characters from OCR text: only letters and digits, O → 0, I → 1, Q → 0, digits
    in the last four places (ISO 3779: always numeric); from a longer text the 17 characters
    whose check digit is right."""
    compact = re.sub(r"[^0-9A-Z]", "", to_halfwidth(text).upper().translate(_LOOKALIKES))
    compact = compact.removeprefix("VIN").translate(_VIN_FIX)
    if not compact:
        return None
    if len(compact) > VIN_LENGTH:
        windows = [compact[i : i + VIN_LENGTH] for i in range(len(compact) - VIN_LENGTH + 1)]
        fixed = [w[:-4] + w[-4:].translate(_DIGIT_LOOKALIKES) for w in windows]
        return next((w for w in fixed if is_valid_vin(w)), compact)
    if len(compact) == VIN_LENGTH:
        return compact[:-4] + compact[-4:].translate(_DIGIT_LOOKALIKES)
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
    value = re.sub(r"[^0-9A-Z]", "", to_halfwidth(text).upper().translate(_LOOKALIKES))
    return value or None


def clean_text(text: str) -> str | None:
    """Free text (owner, address, model…): half-width, no stray punctuation at either end, no
    spaces next to Chinese characters."""
    value = re.sub(r"^[\W_]+|[\W_]+$", "", to_halfwidth(text))
    value = re.sub(r"\s+", " ", value)
    value = re.sub(r"\s*([^\x00-\x7f])\s*", r"\1", value)
    return value or None


# What may be printed as 车辆类型 (GA 802) and 使用性质: a reading one slip away from one of
# these, and from no other, is taken to be it.
_PASSENGER = "普通客车 双层客车 卧铺客车 铰接客车 越野客车 轿车 专用客车 面包车".split()
_GOODS = "普通货车 厢式货车 封闭货车 罐式货车 平板货车 集装厢车 自卸货车 特殊结构货车 仓栅式货车"
_TRACTORS = "半挂牵引车 全挂牵引车 专项作业车".split()
VEHICLE_TYPES = frozenset(
    [size + kind for size in ("大型", "中型", "小型", "微型") for kind in _PASSENGER]
    + [size + kind for size in ("重型", "中型", "轻型", "微型") for kind in _GOODS.split()]
    + [size + kind for size in ("重型", "中型", "轻型") for kind in _TRACTORS]
    + "三轮汽车 低速货车 普通二轮摩托车 普通三轮摩托车 轻便二轮摩托车 轮式专用机械车".split()
)
USE_CHARACTERS = frozenset(
    "非营运 营运 公路客运 公交客运 出租客运 旅游客运 预约出租客运 货运 租赁 警用 消防 救护"
    " 工程救险 营转非 出租转非 预约出租转非 教练 幼儿校车 小学生校车 中小学生校车 初中生校车"
    " 危化品运输".split()
)


def snap(value: str | None, vocabulary: frozenset[str]) -> str | None:
    """`value`, or the one word of `vocabulary` within a single misread character of it."""
    if not value or value in vocabulary:
        return value
    near = [word for word in vocabulary if _distance(value, word) <= 1.0]
    return near[0] if len(near) == 1 else value


def _distance(seen: str, word: str) -> float:
    """Edit distance from `word` to `seen`, known confusions costing half."""
    rows = [float(j) for j in range(len(seen) + 1)]
    for i, expected in enumerate(word, start=1):
        current = [float(i)]
        for j, ch in enumerate(seen, start=1):
            current.append(
                min(rows[j - 1] + _substitution(expected, ch), rows[j] + 1, current[j - 1] + 1)
            )
        rows = current
    return rows[-1]


CLEANERS: dict[str, Callable[[str], str | None]] = {
    "vehicle_type": lambda text: snap(clean_text(text), VEHICLE_TYPES),
    "use_character": lambda text: snap(clean_text(text), USE_CHARACTERS),
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


def by_form(found: dict[str, str | None], texts: list[str]) -> dict[str, str | None]:
    """Fill fields whose label was not read from left-over text recognised by its form alone:
    a VIN with a right check digit, a well-formed plate, dates (registered before issued)."""
    result = dict(found)
    if not result["vin"]:
        vins = (clean_vin(text) for text in texts)
        result["vin"] = next((vin for vin in vins if vin and is_valid_vin(vin)), None)
    if not result["plate_no"]:
        plates = (clean_plate(text) for text in texts)
        result["plate_no"] = next((p for p in plates if p and is_valid_plate(p)), None)
    dates = sorted(d for d in map(clean_date, texts) if d and valid_date(d))
    missing = [name for name in ("register_date", "issue_date") if not result[name]]
    if len(missing) == 2 and len(dates) == 2:
        result["register_date"], result["issue_date"] = dates
    elif len(missing) == 1 and len(dates) == 1:
        result[missing[0]] = dates[0]
    return result


PROVINCE_NAMES: dict[str, str] = {
    "北京": "京", "天津": "津", "上海": "沪", "重庆": "渝", "河北": "冀", "河南": "豫",
    "云南": "云", "辽宁": "辽", "黑龙江": "黑", "湖南": "湘", "安徽": "皖", "山东": "鲁",
    "新疆": "新", "江苏": "苏", "浙江": "浙", "江西": "赣", "湖北": "鄂", "广西": "桂",
    "甘肃": "甘", "山西": "晋", "内蒙古": "蒙", "陕西": "陕", "吉林": "吉", "福建": "闽",
    "贵州": "贵", "广东": "粤", "青海": "青", "西藏": "藏", "四川": "川", "宁夏": "宁",
    "海南": "琼",
}  # fmt: skip


def with_province(plate: str | None, address: str | None) -> str | None:
    """A plate whose province character was not read (or misread as another character) gets
    the province of the owner's address: a vehicle is registered where its owner lives."""
    if not plate or not address or is_valid_plate(plate):
        return plate
    province = next((a for name, a in PROVINCE_NAMES.items() if address.startswith(name)), None)
    if not province or plate[0] in PROVINCES:
        return plate
    body = plate if plate[0].isascii() else plate[1:]
    return province + body if is_valid_plate(province + body) else plate


# --- entry points --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """One pass over a photo: the fields and how much of a licence was seen."""

    fields: LicenceFields
    labels_read: int = 0
    title: bool = False
    lines: int = 0
    values: int = 0
    angle: float = 0.0

    @property
    def quality(self) -> tuple[int, int]:
        return self.labels_read, self.values


def read_lines(lines: Sequence[OcrLine]) -> Reading:
    layout = build_layout(lines)
    if layout.labels_read < MIN_LABELS and not layout.title:
        fields = validate(LicenceFields(warnings=(NOT_A_LICENCE,)))
        return Reading(fields, layout.labels_read, layout.title, len(lines), 0, layout.angle)
    values, loose = assign_values(layout)
    found = {name: _field_value(name, pieces) for name, pieces in values.items()}
    found = by_form(found, [piece.text for piece in loose])
    found["plate_no"] = with_province(found["plate_no"], found["address"])
    count = sum(1 for value in found.values() if value)
    warnings = (UNREADABLE,) if count < MIN_VALUES else ()
    fields = validate(LicenceFields(**found, warnings=warnings))
    return Reading(fields, layout.labels_read, layout.title, len(lines), count, layout.angle)


def extract_licence(lines: list[OcrLine]) -> LicenceFields:
    """The licence fields in OCR lines (pure: no image work)."""
    return read_lines(lines).fields


def read_licence(image: bytes, engine: OcrEngine) -> LicenceFields:
    """Prepare the photo, OCR it and extract the fields.

    The engine reads turned text, but less well: a card found lying on its side or upside
    down is read again turned upright. When (almost) no labels are found, the photo is tried
    turned by each quarter turn. The best reading wins.

    Raises chalicelib.ocr.images.NotAnImage for bytes that are not a usable photo.
    """
    from chalicelib.ocr import images  # Pillow only when a photo is actually read

    photo = images.without_red(images.load_photo(image))

    def read(turn: int) -> Reading:
        return read_lines(engine.read(images.to_jpeg(images.rotated(photo, turn))))

    best = read(0)
    if best.labels_read >= MIN_LABELS:
        turns = [upright_turn(best.angle)]
    elif _worth_turning(best):  # which way up is unknown: try both along the text's direction
        turns = [upright_turn(best.angle), upright_turn(best.angle + math.pi)]
    else:
        turns = []
    for turn in (t for t in turns if t):
        reading = read(turn)
        best = max(best, reading, key=lambda r: r.quality)
        if reading.labels_read >= MIN_LABELS:
            break
    return _with_blur(best.fields, photo)


def _with_blur(fields: LicenceFields, photo: Any) -> LicenceFields:
    """A blurred photo that read badly is "not sharp enough", not "not a licence": the
    customer should hold the phone still, not look for another document."""
    if not fields.warnings:
        return fields
    from chalicelib.ocr import images

    if not images.is_blurred(photo):
        return fields
    if NOT_A_LICENCE in fields.warnings or UNREADABLE in fields.warnings:
        return replace(fields, warnings=(UNREADABLE, BLURRED))
    return replace(fields, warnings=(*fields.warnings, BLURRED))


def upright_turn(angle: float) -> int:
    """The counter-clockwise quarter turns, in degrees, that bring text running in direction
    `angle` (radians, image coordinates: y down) closest to running left to right."""
    return round(math.degrees(angle) / 90) % 4 * 90


def _worth_turning(reading: Reading) -> bool:
    """Whether quarter turns may find a licence the first reading missed: not when it read
    plenty of text but no labels (then it is no licence)."""
    return reading.labels_read > 0 or reading.title or reading.lines < 5
