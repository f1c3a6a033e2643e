"""Synthetic photos of a vehicle identification number (车辆识别代号), with ground truth.

For the OCR tests of the self-survey's 5th photo. A photo shows the VIN the way a customer finds
it on the car, in one of four scenes:

    stamped     stamped into the painted metal (frame rail, firewall), often between stars
    nameplate   the riveted maker's plate on the door pillar: maker, model, VIN, engine, mass,
                seats, date of manufacture
    sticker     a paper label on the door pillar: 车辆识别代号/VIN, a barcode, date, paint code;
                sometimes the VIN runs over two lines
    windscreen  the small VIN plate on the dashboard, seen through the tinted windscreen

then "photographed": a few degrees of rotation, perspective, uneven light, glare, blur, sensor
noise, JPEG artefacts and a phone's EXIF (Make, Model, DateTimeOriginal). Every surface has
texture and noise, so the photos never look like screenshots (no flat colour regions). Everything
comes from a seed, so a seed gives the same bytes every time; the VIN depends on the seed only,
so one seed at several difficulties gives the same car photographed differently.

    jpeg, vin, params = generate(7, "mixed")
    jpeg, params = generate_unreadable(7)   # too blurred, VIN cut off, or no VIN at all

    python -m devstack.vin_photos --n 20 --seed 1 --difficulty mixed --unreadable 5

writes NNN.jpg and truth.json to a folder in the temp directory (never inside the repository).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import random
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import ExifTags, Image, ImageDraw, ImageFont

from chalicelib.domain.vin import VIN_LENGTH, vin_check_digit

Array = np.ndarray
Box = tuple[float, float, float, float]  # x0, y0, x1, y1

# --- fonts -----------------------------------------------------------------------------------

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
# name -> (file, index in the collection): 2 is Simplified Chinese, 7 its monospaced face.
FONTS: dict[str, tuple[str, int]] = {
    "sans": ("NotoSansCJK-Regular.ttc", 2),
    "sans-bold": ("NotoSansCJK-Bold.ttc", 2),
    "mono": ("NotoSansCJK-Regular.ttc", 7),
    "mono-bold": ("NotoSansCJK-Bold.ttc", 7),
    "serif": ("NotoSerifCJK-Regular.ttc", 2),
}
VIN_FONTS = ("sans", "sans-bold", "mono", "mono-bold")


@lru_cache(maxsize=256)
def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    file, index = FONTS[name]
    return ImageFont.truetype(str(FONT_DIR / file), max(8, int(size)), index=index)


# --- vehicles --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Maker:
    name: str
    brand: str
    wmi: str
    models: tuple[str, ...]
    engines: tuple[str, ...]


MAKERS: tuple[Maker, ...] = (
    Maker("上汽大众汽车有限公司", "大众", "LSV", ("SVW7153ERD", "SVW6471CFD"), ("DLF", "DPL")),
    Maker("一汽-大众汽车有限公司", "大众", "LFV", ("FV7147FBDBG", "FV7201BACWG"), ("CST", "DKW")),
    Maker("广汽丰田汽车有限公司", "丰田", "LVG", ("GTM7250GB", "GTM6480SL"), ("A25A", "M20D")),
    Maker("广汽本田汽车有限公司", "本田", "LHG", ("HG7152AAC5", "HG6482BAC5"), ("L15B", "K20C")),
    Maker("东风日产乘用车公司", "日产", "LGB", ("DFL7168VBL2", "DFL6460VAL1"), ("HR16", "MR20")),
    Maker("上汽通用汽车有限公司", "别克", "LSG", ("SGM7158DAA1", "SGM6521UAA2"), ("L3G", "LIY")),
    Maker("华晨宝马汽车有限公司", "宝马", "LBV", ("BMW7200BM", "BMW6474XX"), ("B48", "B38")),
    Maker("浙江吉利汽车有限公司", "吉利", "L6T", ("MR7153A01", "MR6471M03"), ("JLB", "JLH")),
    Maker("重庆长安汽车股份有限公司", "长安", "LS5", ("SC7164AAA6", "SC6469BAA6"), ("JL478",)),
    Maker("比亚迪汽车工业有限公司", "比亚迪", "LGX", ("BYD7152WT6HEVC2",), ("BYD472QA",)),
    Maker("特斯拉（上海）有限公司", "特斯拉", "LRW", ("TSL7000BEVAR0", "TSL6480BEVAR0"), ("3D1",)),
    Maker("长城汽车股份有限公司", "哈弗", "LGW", ("CC6460RM2F", "CC6470UM0F"), ("GW4C20",)),
)

YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY"  # model years from 2010 (GB 16735 position 10)
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
DIGITS = "0123456789"


@dataclass(frozen=True)
class Vehicle:
    maker: Maker
    model: str
    engine: str
    engine_no: str
    vin: str
    built: tuple[int, int]  # year, month
    mass_kg: int
    seats: int
    displacement_ml: int
    paint: str


def random_vin(rng: random.Random, wmi: str = "LSV", year: int = 2019) -> str:
    """A VIN with a correct check digit: WMI, five descriptor characters, check digit, model
    year, plant and a six-digit serial."""
    descriptor = "".join(rng.choice(VIN_CHARS) for _ in range(5))
    year_code = YEAR_CODES[max(0, min(len(YEAR_CODES) - 1, year - 2010))]
    plant = rng.choice(VIN_CHARS)
    serial = "".join(rng.choice(DIGITS) for _ in range(6))
    draft = f"{wmi}{descriptor}0{year_code}{plant}{serial}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def random_vehicle(rng: random.Random) -> Vehicle:
    maker = rng.choice(MAKERS)
    year, month = rng.randint(2012, 2025), rng.randint(1, 12)
    engine = rng.choice(maker.engines)
    return Vehicle(
        maker=maker,
        model=rng.choice(maker.models),
        engine=engine,
        engine_no=engine[:3] + "".join(rng.choice(DIGITS) for _ in range(6)),
        vin=random_vin(rng, maker.wmi, year if month < 9 else year + 1),
        built=(year, month),
        mass_kg=rng.randrange(1600, 2600, 5),
        seats=rng.choice((5, 5, 5, 7)),
        displacement_ml=rng.choice((1395, 1498, 1598, 1984, 2487)),
        paint=rng.choice("ABCDLR") + "".join(rng.choice(VIN_CHARS) for _ in range(3)),
    )


# --- textures --------------------------------------------------------------------------------


def _smooth(nrng: np.random.Generator, h: int, w: int, cells: int = 4) -> Array:
    """Low-frequency noise in about [0, 1], h×w float32."""
    small = nrng.random((cells, max(2, round(cells * w / max(h, 1)))), dtype=np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _grain(nrng: np.random.Generator, h: int, w: int, sigma: float) -> Array:
    return nrng.normal(0, sigma, (h, w, 1)).astype(np.float32)


def paint(nrng: np.random.Generator, h: int, w: int, colour: tuple[int, int, int]) -> Array:
    """Car paint: a broad reflection, slow shading and metallic flakes."""
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    phase = float(nrng.uniform(0, 2 * math.pi))
    band = np.exp(-(((x * 0.6 + y * 0.8) - 0.5 - 0.3 * math.sin(phase)) ** 2) / 0.02)
    tone = 0.82 + 0.2 * _smooth(nrng, h, w, 3) + 0.25 * band
    return tone[..., None] * np.array(colour, np.float32) + _grain(nrng, h, w, 4.0)


def brushed(nrng: np.random.Generator, h: int, w: int, colour: tuple[int, int, int]) -> Array:
    """Brushed aluminium: fine streaks along x, slow shading."""
    streaks = cv2.blur(nrng.random((h, w), dtype=np.float32), (41, 1))
    tone = 0.86 + 0.5 * (streaks - 0.5) + 0.14 * _smooth(nrng, h, w, 3)
    return tone[..., None] * np.array(colour, np.float32) + _grain(nrng, h, w, 2.5)


def plastic(nrng: np.random.Generator, h: int, w: int, colour: tuple[int, int, int]) -> Array:
    """Grained dashboard plastic."""
    grain = cv2.GaussianBlur(nrng.random((h, w), dtype=np.float32), (0, 0), 1.2)
    tone = 0.8 + 0.5 * (grain - 0.5) + 0.35 * _smooth(nrng, h, w, 3)
    return tone[..., None] * np.array(colour, np.float32) + _grain(nrng, h, w, 3.0)


def paper(nrng: np.random.Generator, h: int, w: int, colour: tuple[int, int, int]) -> Array:
    fibres = cv2.GaussianBlur(nrng.random((h, w), dtype=np.float32), (0, 0), 0.8)
    tone = 0.95 + 0.06 * (fibres - 0.5) + 0.05 * _smooth(nrng, h, w, 3)
    return tone[..., None] * np.array(colour, np.float32) + _grain(nrng, h, w, 2.0)


BODY_COLOURS = ((200, 200, 204), (236, 236, 232), (40, 42, 46), (150, 30, 34), (40, 64, 120))
FRAME_COLOURS = ((52, 54, 56), (96, 98, 100), (150, 150, 146), (70, 62, 54))


# --- ink -------------------------------------------------------------------------------------


def text_mask(text: str, face: ImageFont.FreeTypeFont, tracking: float = 0.0) -> Array:
    """`text` as a float32 coverage mask with a small margin, `tracking` px between characters."""
    widths = [face.getlength(ch) for ch in text]
    ascent, descent = face.getmetrics()
    pad = 4
    width = int(sum(widths) + tracking * max(0, len(text) - 1)) + 2 * pad
    image = Image.new("L", (width, ascent + descent + 2 * pad), 0)
    draw = ImageDraw.Draw(image)
    x = float(pad)
    for ch, advance in zip(text, widths, strict=True):
        draw.text((x, pad), ch, font=face, fill=255)
        x += advance + tracking
    return np.asarray(image, np.float32) / 255


def _tight(mask: Array) -> Box:
    ys, xs = np.nonzero(mask > 0.3)
    if len(xs) == 0:
        return 0.0, 0.0, float(mask.shape[1]), float(mask.shape[0])
    return float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)


def paste(canvas: Array, mask: Array, x: float, y: float) -> Box:
    """Draw `mask` onto `canvas` (max blend) with its top-left at (x, y); the ink's box."""
    h, w = mask.shape
    x, y = round(x), round(y)
    region = canvas[y : y + h, x : x + w]
    np.maximum(region, mask[: region.shape[0], : region.shape[1]], out=region)
    x0, y0, x1, y1 = _tight(mask)
    return x + x0, y + y0, x + x1, y + y1


def ink(rgb: Array, mask: Array, colour: tuple[int, int, int], opacity: float = 0.92) -> Array:
    alpha = mask[..., None] * opacity
    return rgb * (1 - alpha) + alpha * np.array(colour, np.float32)


def _opacity(contrast: float) -> float:
    """Printed ink: worn and faded at low contrast, never gone."""
    return 0.92 * max(0.5, contrast)


def union(a: Box, b: Box) -> Box:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


@dataclass
class Item:
    """Something with the VIN on it, drawn in its own pixels, before it is photographed."""

    rgb: Array
    alpha: Array
    vin_box: Box  # where the VIN's ink is, in the item's pixels
    colour: tuple[int, int, int] | None = None  # the surface's, when the item is a patch of it


def vin_text(vin: str, rng: random.Random, grouped: float) -> str:
    """The VIN as printed: usually in one piece, sometimes in groups."""
    if rng.random() >= grouped:
        return vin
    return rng.choice((f"{vin[:3]} {vin[3:9]} {vin[9:]}", f"{vin[:9]} {vin[9:]}"))


# --- scenes ----------------------------------------------------------------------------------


def stamped(
    vehicle: Vehicle | None,
    rng: random.Random,
    nrng: np.random.Generator,
    unit: int,
    contrast: float,
) -> Item:
    """The VIN stamped into painted metal: dark grooves with a lit and a shaded edge."""
    text = _stamp_text(vehicle, rng)
    face = font(rng.choice(("sans-bold", "sans")), unit)
    mask = text_mask(text, face, tracking=unit * rng.uniform(0.08, 0.3))
    mask = cv2.resize(mask, (round(mask.shape[1] * rng.uniform(0.78, 0.95)), mask.shape[0]))
    h, w = round(mask.shape[0] * rng.uniform(3, 5)), round(mask.shape[1] * rng.uniform(1.3, 1.6))
    canvas = np.zeros((h, w), np.float32)
    box = paste(canvas, mask, (w - mask.shape[1]) / 2, (h - mask.shape[0]) / 2)
    colour = rng.choice(FRAME_COLOURS + BODY_COLOURS)
    rgb = _relief(paint(nrng, h, w, colour), canvas, rng, unit, contrast)
    rgb = _grime(rgb, nrng, rng)
    return Item(rgb, _feathered(h, w), box, colour)


def _stamp_text(vehicle: Vehicle | None, rng: random.Random) -> str:
    if vehicle is None:  # a stamped engine number, no VIN
        return "".join(rng.choice(DIGITS + "ABCDEFGH") for _ in range(rng.randint(8, 11)))
    star = rng.choice(("★", "*", "", ""))
    return f"{star}{vin_text(vehicle.vin, rng, 0.1)}{star}"


def _relief(rgb: Array, mask: Array, rng: random.Random, unit: int, contrast: float) -> Array:
    """Stamped grooves: darker inside, one edge lit and the other shaded."""
    soft = cv2.GaussianBlur(mask, (0, 0), max(0.8, unit * 0.03))
    gy, gx = np.gradient(soft)
    angle = rng.uniform(0, 2 * math.pi)
    shade = (gx * math.cos(angle) + gy * math.sin(angle)) * unit * rng.uniform(1.0, 2.0)
    groove = 1 - rng.uniform(0.45, 0.7) * contrast * soft
    return rgb * groove[..., None] + np.clip(shade, -1, 1)[..., None] * (50 * contrast)


def _grime(rgb: Array, nrng: np.random.Generator, rng: random.Random) -> Array:
    h, w = rgb.shape[:2]
    spots = np.clip((_smooth(nrng, h, w, 14) - 0.65) * 2.5, 0, 1) * rng.uniform(0.05, 0.25)
    return rgb * (1 - spots[..., None])


def _feathered(h: int, w: int) -> Array:
    """An alpha that fades out towards the edges (a patch of the same surface)."""
    alpha = np.zeros((h, w), np.float32)
    margin = max(4, min(h, w) // 8)
    alpha[margin:-margin, margin:-margin] = 1
    return cv2.GaussianBlur(alpha, (0, 0), margin / 2)


def nameplate(
    vehicle: Vehicle | None,
    rng: random.Random,
    nrng: np.random.Generator,
    unit: int,
    contrast: float,
) -> Item:
    """The maker's aluminium plate: bordered rows of labels and values, rivets at the corners."""
    face = font(rng.choice(("sans", "sans-bold", "serif")), round(unit * 0.8))
    vin_face = font(rng.choice(VIN_FONTS), unit)
    rows = _plate_rows(vehicle, rng)
    w = round(max(face.getlength(row) for row in rows if row) * 1.15 + unit * 3)
    h = round(len(rows) * unit * 1.75 + unit * 2.5)
    canvas = np.zeros((h, w), np.float32)
    vin_box: Box = (w * 0.4, h * 0.4, w * 0.6, h * 0.6)
    for i, row in enumerate(rows):
        y = unit * 1.2 + i * unit * 1.75
        label = paste(canvas, text_mask(row, face), unit * 1.5, y)
        if i == 2 and vehicle:
            text = vin_text(vehicle.vin, rng, 0.1)
            vin_box = paste(
                canvas, text_mask(text, vin_face), label[2] + unit * 0.2, y - unit * 0.1
            )
    rgb = brushed(nrng, h, w, rng.choice(((196, 198, 200), (212, 210, 200), (180, 184, 190))))
    mask = _frame(h, w, unit) + cv2.GaussianBlur(canvas, (0, 0), 0.6)
    rgb = ink(rgb, mask, (24, 24, 28), _opacity(contrast))
    rgb = _rivets(rgb, unit)
    return Item(rgb, np.ones((h, w), np.float32), vin_box)


def _plate_rows(vehicle: Vehicle | None, rng: random.Random) -> list[str]:
    v = vehicle or random_vehicle(rng)
    rows = [
        f"{v.maker.name}  制造",
        f"品牌：{v.maker.brand}    整车型号：{v.model}",
        rng.choice(("车辆识别代号：", "车辆识别代号 VIN：", "VIN：")) if vehicle else "",
        f"发动机型号：{v.engine}    发动机排量：{v.displacement_ml} mL",
        f"最大允许总质量：{v.mass_kg} kg    乘坐人数：{v.seats}",
        f"制造年月：{v.built[0]}年{v.built[1]:02d}月    制造国：中国",
    ]
    return rows if vehicle else [rows[0], rows[1], f"发动机号：{v.engine_no}", *rows[3:]]


def _frame(h: int, w: int, unit: int) -> Array:
    image = Image.new("L", (w, h), 0)
    inset = round(unit * 0.5)
    ImageDraw.Draw(image).rectangle([inset, inset, w - inset, h - inset], outline=200, width=2)
    return np.asarray(image, np.float32) / 255


def _rivets(rgb: Array, unit: int) -> Array:
    h, w = rgb.shape[:2]
    r = max(3, round(unit * 0.28))
    for cx, cy in ((r * 1.4, r * 1.4), (w - r * 1.4, r * 1.4), (r * 1.4, h - r * 1.4)):
        cv2.circle(rgb, (round(cx), round(cy)), r, (120, 122, 126), -1, cv2.LINE_AA)
        cv2.circle(rgb, (round(cx - r / 3), round(cy - r / 3)), r // 3, (235, 235, 235), -1)
    cv2.circle(rgb, (round(w - r * 1.4), round(h - r * 1.4)), r, (110, 112, 116), -1, cv2.LINE_AA)
    return rgb


def sticker(
    vehicle: Vehicle | None,
    rng: random.Random,
    nrng: np.random.Generator,
    unit: int,
    contrast: float,
) -> Item:
    """A paper label: heading, the VIN (now and then over two lines), a barcode, date, paint."""
    small = font(rng.choice(("sans", "sans-bold")), round(unit * 0.7))
    vin_face = font(rng.choice(VIN_FONTS), unit)
    v = vehicle or random_vehicle(rng)
    w = round(vin_face.getlength(v.vin) * 1.25 + unit * 2)
    h = round(unit * 9.5)
    canvas = np.zeros((h, w), np.float32)
    x = unit
    paste(canvas, text_mask(v.maker.name, small), x, unit * 0.5)
    heading = rng.choice(("车辆识别代号 VIN", "车辆识别代号", "VIN"))
    paste(canvas, text_mask(heading if vehicle else "车辆信息", small), x, unit * 1.6)
    y = unit * 2.7
    vin_box: Box = (w * 0.4, y, w * 0.6, y + unit)
    if vehicle:
        vin_box, y = _sticker_vin(canvas, vehicle.vin, vin_face, rng, x, y)
    else:
        y += unit * 1.4
    y = _barcode(canvas, rng, x, y + unit * 0.2, w - 2 * x, unit)
    footer = f"生产日期：{v.built[0]}-{v.built[1]:02d}    漆色：{v.paint}"
    paste(canvas, text_mask(footer, small), x, y + unit * 0.3)
    rgb = paper(nrng, h, w, rng.choice(((244, 244, 238), (236, 234, 222), (226, 230, 232))))
    rgb = ink(rgb, cv2.GaussianBlur(canvas, (0, 0), 0.7), (20, 20, 24), _opacity(contrast))
    return Item(rgb, _rounded(h, w, unit * 0.4), vin_box)


def _sticker_vin(
    canvas: Array, vin: str, face: ImageFont.FreeTypeFont, rng: random.Random, x: float, y: float
) -> tuple[Box, float]:
    if rng.random() < 0.15:  # over two lines
        cut = rng.choice((8, 9, 10))
        first = paste(canvas, text_mask(vin[:cut], face), x, y)
        second = paste(canvas, text_mask(vin[cut:], face), x, first[3] + face.size * 0.25)
        return union(first, second), second[3]
    box = paste(canvas, text_mask(vin_text(vin, rng, 0.15), face), x, y)
    return box, box[3]


def _barcode(
    canvas: Array, rng: random.Random, x: float, y: float, width: float, unit: int
) -> float:
    """Random bars from (x, y), `width` wide; the y below them."""
    height = unit * rng.uniform(1.2, 1.8)
    module = max(1.5, width / 260)
    position = x
    while position < x + width:
        bar = module * rng.choice((1, 1, 2, 3))
        if rng.random() < 0.5:
            canvas[round(y) : round(y + height), round(position) : round(position + bar)] = 1
        position += bar
    return y + height


def _rounded(h: int, w: int, radius: float) -> Array:
    image = Image.new("L", (w, h), 0)
    ImageDraw.Draw(image).rounded_rectangle([0, 0, w - 1, h - 1], radius=radius, fill=255)
    return np.asarray(image, np.float32) / 255


def windscreen(
    vehicle: Vehicle | None,
    rng: random.Random,
    nrng: np.random.Generator,
    unit: int,
    contrast: float,
) -> Item:
    """The small VIN plate under the windscreen (the glass itself comes with the photo)."""
    v = vehicle or random_vehicle(rng)
    text = vin_text(v.vin, rng, 0.15) if vehicle else f"{v.engine_no}  {v.paint}"
    face = font(rng.choice(VIN_FONTS), unit)
    mask = text_mask(text, face)
    h, w = round(mask.shape[0] * 1.9), round(mask.shape[1] + unit * 1.6)
    canvas = np.zeros((h, w), np.float32)
    box = paste(canvas, mask, unit * 0.8, (h - mask.shape[0]) / 2)
    dark = rng.random() < 0.3
    base = (48, 50, 54) if dark else rng.choice(((210, 212, 214), (226, 224, 214)))
    rgb = brushed(nrng, h, w, base)
    colour = (226, 226, 222) if dark else (22, 22, 26)
    rgb = ink(rgb, cv2.GaussianBlur(canvas, (0, 0), 0.6), colour, _opacity(contrast))
    return Item(rgb, _rounded(h, w, unit * 0.3), box)


Scene = Callable[[Vehicle | None, random.Random, np.random.Generator, int, float], Item]
SCENES: dict[str, Scene] = {
    "stamped": stamped,
    "nameplate": nameplate,
    "sticker": sticker,
    "windscreen": windscreen,
}


def surface(
    kind: str, item: Item, rng: random.Random, nrng: np.random.Generator, h: int, w: int
) -> Array:
    """What is around the item: the body or frame for most scenes, a dashboard behind glass."""
    if kind == "windscreen":
        return plastic(nrng, h, w, rng.choice(((46, 46, 50), (62, 58, 54), (34, 36, 40))))
    if item.colour:
        return paint(nrng, h, w, item.colour)
    door = paint(nrng, h, w, rng.choice(BODY_COLOURS))
    if rng.random() < 0.6:  # the rubber door seal along one side
        edge = rng.randint(w // 12, w // 5)
        door[:, :edge] = plastic(nrng, h, edge, (30, 30, 32))
    return door


# --- the photograph --------------------------------------------------------------------------


def place(item: Item, photo: Array, rng: random.Random, p: dict[str, Any]) -> Array:
    """`item` put into `photo` so that its VIN is `vin_width` of the photo wide, centred at
    p["centre"] (fractions of the photo), turned and tilted."""
    ph, pw = photo.shape[:2]
    x0, y0, x1, y1 = item.vin_box
    scale = p["vin_width"] * pw / max(x1 - x0, 1.0)
    h, w = item.alpha.shape
    dst = _corners((x0 + x1) / 2, (y0 + y1) / 2, w, h, scale, rng, p)
    centre_x, centre_y = p["centre"]
    dst = [(x + centre_x * pw, y + centre_y * ph) for x, y in dst]
    src = np.float32([(0, 0), (w, 0), (w, h), (0, h)])
    matrix = cv2.getPerspectiveTransform(src, np.float32(dst))
    warped = cv2.warpPerspective(item.rgb, matrix, (pw, ph), flags=cv2.INTER_LINEAR)
    alpha = cv2.warpPerspective(item.alpha, matrix, (pw, ph), flags=cv2.INTER_LINEAR)
    return photo * (1 - alpha[..., None]) + warped * alpha[..., None]


def _corners(
    cx: float, cy: float, w: int, h: int, scale: float, rng: random.Random, p: dict[str, Any]
) -> list[tuple[float, float]]:
    """The item's corners relative to where its VIN's centre lands: scaled, keystoned, turned."""
    theta = math.radians(p["rotation"])
    strength = p["perspective"]
    tilt_x, tilt_y = rng.uniform(-1, 1) * strength, rng.uniform(-1, 1) * strength
    half = max(w, h) / 2
    corners = []
    for u, v in ((0, 0), (w, 0), (w, h), (0, h)):
        du, dv = u - cx, v - cy
        du2 = du * (1 - tilt_y * dv / half)
        dv2 = dv * (1 - tilt_x * du / half)
        x = scale * (du2 * math.cos(theta) + dv2 * math.sin(theta))
        y = scale * (-du2 * math.sin(theta) + dv2 * math.cos(theta))
        corners.append((x, y))
    return corners


def glass(photo: Array, rng: random.Random, nrng: np.random.Generator) -> Array:
    """The windscreen in front: a green-blue tint, a reflection and the black frit dots."""
    ph, pw = photo.shape[:2]
    photo = photo * np.array((0.86, 0.95, 0.92), np.float32)
    x = np.linspace(0, 1, pw, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, ph, dtype=np.float32)[:, None]
    offset = rng.uniform(-0.4, 0.4)
    band = np.exp(-((x - 0.6 * y - offset) ** 2) / 0.03) * rng.uniform(25, 70)
    photo = photo + band[..., None] + _smooth(nrng, ph, pw, 3)[..., None] * 12
    return _frit(photo, rng)


def _frit(photo: Array, rng: random.Random) -> Array:
    ph, pw = photo.shape[:2]
    step = max(8, pw // 60)
    top = rng.random() < 0.5
    for row in range(4):
        y = row * step + step // 2 if top else ph - row * step - step // 2
        radius = max(2, round(step * 0.45 * (1 - row / 5)))
        for x in range(step // 2, pw, step):
            cv2.circle(photo, (x, y), radius, (18, 18, 20), -1, cv2.LINE_AA)
    return photo


def camera(photo: Array, rng: random.Random, nrng: np.random.Generator, p: dict[str, Any]) -> Array:
    """Uneven light, white balance, glare, blur, sensor noise."""
    ph, pw = photo.shape[:2]
    light = 0.8 + 0.35 * _smooth(nrng, ph, pw, 2)
    balance = np.array([1 + rng.uniform(-0.05, 0.06), 1.0, 1 + rng.uniform(-0.07, 0.04)])
    photo = photo * light[..., None] * balance.astype(np.float32)
    if p["glare"] > 0:
        photo = _glare(photo, rng, p["glare"], p["centre"])
    if p["blur"] > 0:
        photo = cv2.GaussianBlur(photo, (0, 0), p["blur"])
    if p["motion"] >= 1:
        photo = _motion(photo, rng, p["motion"])
    photo = photo + nrng.standard_normal((ph, pw, 1), dtype=np.float32) * p["noise"]
    chroma = nrng.standard_normal((ph // 2 + 1, pw // 2 + 1, 3), dtype=np.float32)
    return photo + cv2.resize(chroma, (pw, ph)) * (p["noise"] * 0.5 + 1.0)


def _glare(photo: Array, rng: random.Random, strength: float, near: tuple[float, float]) -> Array:
    """A flash or sun reflection near the VIN (where the phone was pointed)."""
    ph, pw = photo.shape[:2]
    gx = (near[0] + rng.uniform(-0.2, 0.2)) * pw
    gy = (near[1] + rng.uniform(-0.2, 0.2)) * ph
    radius = rng.uniform(0.08, 0.2) * pw
    y, x = np.ogrid[:ph, :pw]
    blob = np.exp(-((x - gx) ** 2 + ((y - gy) * 1.6) ** 2) / radius**2).astype(np.float32)
    keep = 1 - np.clip(strength * blob, 0, 0.95)
    return 255 - (255 - np.clip(photo, 0, 255)) * keep[..., None]


def _motion(photo: Array, rng: random.Random, length: float) -> Array:
    size = max(3, int(length) | 1)
    kernel = np.zeros((size, size), np.float32)
    kernel[size // 2, :] = 1 / size
    turn = cv2.getRotationMatrix2D((size / 2 - 0.5, size / 2 - 0.5), rng.uniform(0, 180), 1)
    kernel = cv2.warpAffine(kernel, turn, (size, size))
    return cv2.filter2D(photo, -1, kernel / max(kernel.sum(), 1e-6))


PHONES = (
    ("Apple", "iPhone 13"),
    ("Apple", "iPhone 15 Pro"),
    ("HUAWEI", "ELS-AN00"),
    ("Xiaomi", "M2102K1C"),
    ("OPPO", "PEGM00"),
    ("vivo", "V2227A"),
    ("HONOR", "ANY-AN00"),
)


def jpeg(photo: Array, rng: random.Random, quality: int) -> tuple[bytes, dict[str, str]]:
    """The photo as a JPEG with a phone's EXIF; the EXIF values."""
    make, model = rng.choice(PHONES)
    taken = datetime(2025, 1, 1, 8) + timedelta(minutes=rng.randint(0, 365 * 24 * 60))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = make
    exif[ExifTags.Base.Model] = model
    stamp = taken.strftime("%Y:%m:%d %H:%M:%S")
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = stamp
    image = Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8), "RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue(), {"make": make, "model": model, "taken": stamp}


def photograph(kind: str, vehicle: Vehicle | None, rng: random.Random, p: dict[str, Any]) -> bytes:
    """Render one photo of scene `kind` with parameters `p`; p gains the EXIF it was given."""
    nrng = np.random.default_rng(rng.getrandbits(64))
    pw, ph = p["size"]
    unit = max(24, min(120, round(p["vin_width"] * pw / 17 / 0.55 * 1.25)))
    item = SCENES[kind](vehicle, rng, nrng, unit, p["contrast"])
    photo = place(item, surface(kind, item, rng, nrng, ph, pw), rng, p)
    if kind == "windscreen":
        photo = glass(photo, rng, nrng)
    data, p["exif"] = jpeg(camera(photo, rng, nrng, p), rng, p["jpeg_quality"])
    return data


# --- sets ------------------------------------------------------------------------------------

# Ranges (lo, hi) drawn uniformly.
DIFFICULTIES: dict[str, dict[str, tuple[float, float]]] = {
    "easy": {
        "rotation": (-3, 3),
        "perspective": (0, 0.05),
        "blur": (0, 0.5),
        "motion": (0, 0),
        "noise": (1.5, 4),
        "glare": (0, 0),
        "contrast": (0.9, 1),
        "jpeg_quality": (85, 92),
        "vin_width": (0.45, 0.7),
    },
    "mixed": {
        "rotation": (-10, 10),
        "perspective": (0, 0.15),
        "blur": (0.5, 2.0),
        "motion": (0, 4),
        "noise": (4, 10),
        "glare": (0, 0.5),
        "contrast": (0.6, 1),
        "jpeg_quality": (75, 90),
        "vin_width": (0.3, 0.6),
    },
    "hard": {
        "rotation": (-20, 20),
        "perspective": (0.1, 0.25),
        "blur": (1.5, 3.0),
        "motion": (0, 9),
        "noise": (8, 16),
        "glare": (0.3, 0.7),
        "contrast": (0.35, 0.75),
        "jpeg_quality": (60, 80),
        "vin_width": (0.22, 0.42),
    },
}


def sample_params(difficulty: str, rng: random.Random) -> dict[str, Any]:
    """Render parameters for one photo: size, placement and DIFFICULTIES[difficulty]."""
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"unknown difficulty {difficulty!r}; one of {list(DIFFICULTIES)}")
    params: dict[str, Any] = {"kind": rng.choice(tuple(SCENES)), "difficulty": difficulty}
    for name, (lo, hi) in DIFFICULTIES[difficulty].items():
        params[name] = round(rng.uniform(lo, hi), 3)
    params["jpeg_quality"] = round(params["jpeg_quality"])
    long_side = rng.randint(1280, 1600)
    short_side = round(long_side * 3 / 4)
    params["size"] = (long_side, short_side) if rng.random() < 0.75 else (short_side, long_side)
    room = max(0.0, (1 - params["vin_width"]) / 2 - 0.05)
    params["centre"] = (0.5 + rng.uniform(-room, room), rng.uniform(0.3, 0.7))
    return params


def generate(seed: int, difficulty: str = "mixed") -> tuple[bytes, str, dict[str, Any]]:
    """A photo of a VIN: (JPEG bytes, the true VIN, the render parameters)."""
    rng = random.Random(f"vin-photo-{seed}")
    vehicle = random_vehicle(rng)
    params = sample_params(difficulty, rng)
    return photograph(params["kind"], vehicle, rng, params), vehicle.vin, params


UNREADABLE_KINDS = ("blurred", "cut_off", "no_vin")


def generate_unreadable(seed: int, kind: str | None = None) -> tuple[bytes, dict[str, Any]]:
    """A photo with no legible VIN: far too blurred, the VIN cut off by the frame, or a scene
    without a VIN (a nameplate or label without it, a stamped engine number)."""
    rng = random.Random(f"vin-unreadable-{seed}")
    vehicle = random_vehicle(rng)
    kind = kind or UNREADABLE_KINDS[seed % len(UNREADABLE_KINDS)]
    if kind not in UNREADABLE_KINDS:
        raise ValueError(f"unknown kind {kind!r}; one of {UNREADABLE_KINDS}")
    params = sample_params("easy", rng)
    params["unreadable"] = kind
    if kind == "blurred":  # a third of a character's height and more: shapes, no letters
        character = params["vin_width"] * params["size"][0] / VIN_LENGTH * 1.4
        params["blur"] = round(character * rng.uniform(0.3, 0.4), 2)
        params["motion"] = round(character * rng.uniform(0.3, 0.8))
    elif kind == "cut_off":
        params["centre"] = _cut_off_centre(params["vin_width"], rng)
    else:
        vehicle = None
    return photograph(params["kind"], vehicle, rng, params), params


def _cut_off_centre(vin_width: float, rng: random.Random) -> tuple[float, float]:
    """A VIN centre that leaves 25–55% of the VIN inside the frame, on the left or the right."""
    inside = rng.uniform(0.25, 0.55) * vin_width
    x = 1 - inside + vin_width / 2 if rng.random() < 0.5 else inside - vin_width / 2
    return x, rng.uniform(0.35, 0.65)


# --- command line ----------------------------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devstack.vin_photos",
        description="Write synthetic VIN photos (NNN.jpg) and truth.json.",
    )
    parser.add_argument("--out", type=Path, help="folder (default: one in the temp directory)")
    parser.add_argument("--n", type=int, default=20, help="number of VIN photos")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--difficulty", choices=list(DIFFICULTIES), default="mixed")
    parser.add_argument("--unreadable", type=int, default=0, help="photos without a legible VIN")
    args = parser.parse_args(argv)
    out: Path = args.out or Path(tempfile.gettempdir()) / f"claimbot-vin-photos-{args.difficulty}"
    out = out.resolve()
    if out.is_relative_to(REPO_ROOT):
        parser.error(f"{out} is inside the repository; generated sets stay out of git")
    out.mkdir(parents=True, exist_ok=True)
    records = []
    for i in range(args.n):
        data, vin, params = generate(args.seed + i, args.difficulty)
        records.append(_write(out, i, data, vin, params))
    for j in range(args.unreadable):
        data, params = generate_unreadable(args.seed + j)
        records.append(_write(out, args.n + j, data, None, params))
    (out / "truth.json").write_text(json.dumps(records, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(records)} photos and truth.json to {out}")
    return 0


def _write(out: Path, index: int, data: bytes, vin: str | None, params: dict) -> dict[str, Any]:
    name = f"{index:03d}.jpg"
    (out / name).write_bytes(data)
    return {"file": name, "vin": vin, "params": params}


if __name__ == "__main__":
    sys.exit(main())
