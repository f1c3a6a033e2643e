"""One labelled JPEG of a claim's survey photos (a contact sheet) for the claim handler.

The photos are laid out in a grid of three columns, each under a title strip (optional) and
above its label ("1 车头45°（含车牌）"); an empty slot gets a grey placeholder. Chinese labels
need a CJK font: the caller may pass one (e.g. from CLAIMBOT_CJK_FONT), otherwise the usual
Linux/macOS places are searched. AWS Lambda has none, so there the English labels are drawn
with Pillow's built-in font; a missing or broken font never stops the sheet.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

# (path, face index in a collection): Noto Sans CJK's .ttc holds JP, KR, SC, TC, HK; 2 is SC.
CJK_FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # Debian, Ubuntu
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),  # Arch
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),  # Fedora, Amazon Linux
    ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf", 0),
    ("/opt/fonts/NotoSansCJK-Regular.ttc", 2),  # a Lambda layer mounts under /opt
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),  # macOS
)

COLUMNS = 3
CELL_WIDTH, PHOTO_HEIGHT = 760, 570  # 4:3 photo area per cell
LABEL_HEIGHT, TITLE_HEIGHT, GAP = 60, 76, 16
MAX_SIDE = 2400
LABEL_SIZE, TITLE_SIZE = 30, 38
BACKGROUND = (246, 246, 246)
BACKDROP = (52, 52, 56)  # behind a photo whose proportions differ from the cell's
PLACEHOLDER, PLACEHOLDER_LINES = (222, 222, 222), (190, 190, 190)
INK, MUTED = (20, 20, 20), (110, 110, 110)
JPEG_QUALITY = 85


@dataclass(frozen=True)
class SheetPhoto:
    label_zh: str
    label_en: str
    jpeg: bytes | None  # None: the slot is empty (a placeholder is drawn)


def contact_sheet(
    photos: Sequence[SheetPhoto], title: str = "", font_path: str | None = None
) -> bytes:
    """The photos in a labelled grid, as one JPEG whose long side is at most 2400 px.
    `font_path` is a CJK font to try first (the caller reads CLAIMBOT_CJK_FONT)."""
    found = find_cjk_font(font_path)
    rows = max(1, -(-len(photos) // COLUMNS))
    top = TITLE_HEIGHT if title else 0
    width = COLUMNS * CELL_WIDTH + (COLUMNS + 1) * GAP
    height = top + rows * (PHOTO_HEIGHT + LABEL_HEIGHT) + (rows + 1) * GAP
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    if title:
        shown = title if found else _latin_only(title)  # no boxes for glyphs the font lacks
        _text(draw, (GAP, GAP + 8), shown, _font(found, TITLE_SIZE), INK)
    for number, photo in enumerate(photos, start=1):
        caption = label_text(photo, number, found is not None)
        _cell(sheet, draw, _corner(number, top), photo, caption, found)
    sheet.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    sheet.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def label_text(photo: SheetPhoto, number: int, cjk: bool) -> str:
    """The caption under a photo: its slot number and its Chinese label when a CJK font can
    draw it, else its English label."""
    return f"{number}  {photo.label_zh if cjk else photo.label_en}"


def find_cjk_font(font_path: str | None = None) -> tuple[str, int] | None:
    """(path, face index) of a usable CJK font: `font_path` first, then the usual places."""
    candidates = list(CJK_FONT_CANDIDATES)
    if font_path:
        index = 2 if os.path.basename(font_path).startswith("NotoSansCJK-") else 0
        candidates.insert(0, (font_path, index))
    for path, index in candidates:
        if os.path.isfile(path) and _truetype(path, index, LABEL_SIZE) is not None:
            return path, index
    return None


# ------------------------------------------------------------------ drawing


def _corner(number: int, top: int) -> tuple[int, int]:
    """The top-left corner of photo `number` (from 1), left to right, then down."""
    row, column = divmod(number - 1, COLUMNS)
    left = GAP + column * (CELL_WIDTH + GAP)
    return left, top + GAP + row * (PHOTO_HEIGHT + LABEL_HEIGHT + GAP)


def _cell(
    sheet: Image.Image,
    draw: ImageDraw.ImageDraw,
    corner: tuple[int, int],
    photo: SheetPhoto,
    caption: str,
    found: tuple[str, int] | None,
) -> None:
    left, top = corner
    box = (left, top, left + CELL_WIDTH, top + PHOTO_HEIGHT)
    picture = _fitted(photo.jpeg) if photo.jpeg else None
    if picture is None:
        missing = "未上传" if photo.jpeg is None else "无法读取"
        english = "no photo" if photo.jpeg is None else "unreadable"
        _placeholder(draw, box, missing if found else english, _font(found, LABEL_SIZE))
    else:
        draw.rectangle(box, fill=BACKDROP)
        offset = (
            left + (CELL_WIDTH - picture.width) // 2,
            top + (PHOTO_HEIGHT - picture.height) // 2,
        )
        sheet.paste(picture, offset)
    label_top = top + PHOTO_HEIGHT
    draw.rectangle((left, label_top, left + CELL_WIDTH, label_top + LABEL_HEIGHT), fill="white")
    _text(draw, (left + 14, label_top + 12), caption, _font(found, LABEL_SIZE), INK)


def _fitted(jpeg: bytes) -> Image.Image | None:
    """The photo shrunk to fit a cell, or None when it cannot be read."""
    try:
        opened = Image.open(io.BytesIO(jpeg))
        opened.draft("RGB", (CELL_WIDTH, PHOTO_HEIGHT))
        image = opened.convert("RGB")
    except Exception:  # a bad photo gets a placeholder; the sheet is still made
        return None
    image.thumbnail((CELL_WIDTH, PHOTO_HEIGHT), Image.Resampling.LANCZOS)
    return image


def _placeholder(
    draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], text: str, font: Font
) -> None:
    left, top, right, bottom = box
    draw.rectangle(box, fill=PLACEHOLDER)
    draw.line((left, top, right, bottom), fill=PLACEHOLDER_LINES, width=3)
    draw.line((left, bottom, right, top), fill=PLACEHOLDER_LINES, width=3)
    width = draw.textlength(_drawable(text, font), font=font)
    centre = ((left + right - width) / 2, (top + bottom) / 2 - LABEL_SIZE)
    _text(draw, centre, text, font, MUTED)


def _text(
    draw: ImageDraw.ImageDraw,
    at: tuple[float, float],
    text: str,
    font: Font,
    fill: tuple[int, int, int],
) -> None:
    draw.text(at, _drawable(text, font), fill=fill, font=font)


def _drawable(text: str, font: Font) -> str:
    """Pillow's bitmap font (no FreeType) can only encode Latin-1: replace anything else."""
    if isinstance(font, ImageFont.FreeTypeFont):
        return text
    return text.encode("latin-1", errors="replace").decode("latin-1")


def _latin_only(text: str) -> str:
    kept = "".join(c for c in text if ord(c) < 0x100)
    return " ".join(kept.split())


def _font(found: tuple[str, int] | None, size: int) -> Font:
    if found is not None:
        loaded = _truetype(found[0], found[1], size)
        if loaded is not None:
            return loaded
    return _default_font(size)


@lru_cache(maxsize=16)
def _truetype(path: str, index: int, size: int) -> ImageFont.FreeTypeFont | None:
    try:
        return ImageFont.truetype(path, size, index=index)
    except (OSError, ValueError):
        return None


@lru_cache(maxsize=4)
def _default_font(size: int) -> Font:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, ValueError):
        return ImageFont.load_default()
