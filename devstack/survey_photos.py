"""Synthetic "accident survey" photos for the photo quality checks' tests and benchmark.

A scene is a car on a road: sky with clouds, buildings and trees on the horizon, textured
asphalt with lane markings, a car seen at about 45 degrees (front or rear face with its plate,
wheels, windows, a dent with scratches on its side) and its shadow; the picture is then
"photographed": a little lens blur, vignetting, sensor noise and JPEG compression. Everything
comes from the seed, so a seed gives the same bytes every time, and another seed gives another
car, colour, street and camera position.

    scene(7)                                    # 1600x1200 JPEG, no EXIF (like a WeChat photo)
    scene(7, view="rear", exif=Camera())        # the same car from behind, with camera EXIF
    twelve_mp(7)                                # 4000x3000 原图 with EXIF orientation 6
    blurred(7), dark(7), overexposed(7), tiny(7), screenshot(7), vin_photo(7)
    recompressed(scene(7), scale=0.6)           # the same photo, resized and re-encoded

    python -m devstack.survey_photos --out /tmp/survey --seed 7

writes one file per variant. numpy is used here (a development tool), never in chalicelib.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import ExifTags, Image, ImageDraw, ImageFilter, ImageFont

VIEWS = ("front", "rear", "damage", "closeup")
RENDER_SIDE = 2000  # larger photos are rendered at this size, then enlarged and noised
SCREEN_SIZES = ((1170, 2532), (1080, 2400), (1125, 2436), (1284, 2778), (1080, 2340))
FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
MONO_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
PLATE_PROVINCES = "京沪粤苏浙鲁川鄂"
VIN = "LSVAU2182N2183290"  # a valid VIN (its check digit is right)
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"

# Camera framing per view: (centre x, centre y, world units across the photo's width), with
# the car 1 unit long, its wheels on y = 0 and y growing downwards.
FRAMING = {
    "front": (-0.12, -0.2, 1.75),
    "rear": (0.2, -0.24, 1.6),
    "damage": (-0.22, -0.16, 0.85),
    "closeup": (-0.27, -0.14, 0.42),
}


@dataclass(frozen=True)
class Camera:
    """The EXIF a phone camera writes (what normalize reads back into PhotoFacts)."""

    make: str = "HUAWEI"
    model: str = "ELS-AN00"
    software: str = "ELS-AN00 4.0.0.120(C00E120R4P1)"
    captured_at: datetime = datetime(2024, 5, 3, 14, 22, 10)
    offset: str | None = None  # EXIF OffsetTimeOriginal, e.g. "+08:00"
    gps: tuple[float, float] | None = (31.230416, 121.473701)  # Shanghai, People's Square


# ------------------------------------------------------------------ public helpers


def scene(
    seed: int,
    width: int = 1600,
    height: int = 1200,
    *,
    view: str = "front",
    exif: Camera | None = None,
    orientation: int = 1,
    quality: int = 85,
    exposure: float = 1.0,
    blur: float = 0.0,
    motion: float = 0.0,
    noise: float = 2.5,
) -> bytes:
    """A JPEG of a car on a road, `width` x `height` as displayed (upright).

    `exposure` multiplies the light (0.15: very dark, 2.5: overexposed); `blur` is a Gaussian
    blur radius and `motion` a horizontal camera-shake length, both in pixels of the result;
    `noise` is the sensor noise's standard deviation in 8-bit levels. With `orientation` other
    than 1 the pixels are stored turned and the EXIF says how to put them upright.
    """
    size, scale = _render_size(width, height)
    image = _Scene(seed, size, view).draw()
    image = photograph(
        image, seed, exposure=exposure, blur=blur * scale, motion=motion * scale, noise=noise
    )
    if size != (width, height):  # a big photo: camera work at RENDER_SIDE, then enlarged
        image = _grainy(image.resize((width, height), Image.Resampling.BICUBIC), seed, noise)
    return encode(image, quality=quality, exif=exif, orientation=orientation)


def render(seed: int, width: int, height: int, *, view: str = "front") -> Image.Image:
    """The clean scene (before the camera), upright, as RGB."""
    size, _ = _render_size(width, height)
    image = _Scene(seed, size, view).draw()
    if size != (width, height):
        image = image.resize((width, height), Image.Resampling.BICUBIC)
    return image


def _render_size(width: int, height: int) -> tuple[tuple[int, int], float]:
    """The size a scene is drawn at (long side at most RENDER_SIDE) and its scale."""
    scale = min(1.0, RENDER_SIDE / max(width, height))
    return (max(1, round(width * scale)), max(1, round(height * scale))), scale


def photograph(
    image: Image.Image,
    seed: int,
    *,
    exposure: float = 1.0,
    blur: float = 0.0,
    motion: float = 0.0,
    noise: float = 2.5,
) -> Image.Image:
    """The camera: lens softness, optional blur/shake, vignetting, exposure, sensor noise."""
    rng = np.random.default_rng(seed + 1_000_003)
    softness = 0.5 * max(image.size) / 1600
    image = image.filter(ImageFilter.GaussianBlur(softness + blur))
    if motion >= 1:
        image = _motion_blur(image, int(motion))
    pixels = np.asarray(image, dtype=np.float32) * (_vignette(image.size) * exposure)[..., None]
    if exposure < 0.5:  # a dark scene is shot at a high ISO: much more noise
        noise *= 1 + 2 * (0.5 - exposure) / 0.5
    pixels += rng.standard_normal(pixels.shape, dtype=np.float32) * noise
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def encode(
    image: Image.Image,
    *,
    quality: int = 85,
    exif: Camera | None = None,
    orientation: int = 1,
    fmt: str = "JPEG",
) -> bytes:
    """`image` (upright) encoded; with `orientation` != 1 stored turned, as a camera would."""
    stored = _stored_for_orientation(image, orientation)
    options: dict[str, object] = {"quality": quality} if fmt == "JPEG" else {}
    if exif is not None or orientation != 1:
        options["exif"] = camera_exif(exif, orientation)
    out = io.BytesIO()
    stored.save(out, fmt, **options)
    return out.getvalue()


def camera_exif(camera: Camera | None, orientation: int = 1) -> bytes:
    """EXIF bytes: orientation, and the camera's make, model, capture time and GPS if given."""
    exif = Image.Exif()
    if orientation != 1:
        exif[ExifTags.Base.Orientation] = orientation
    if camera is None:
        return exif.tobytes()
    exif[ExifTags.Base.Make] = camera.make
    exif[ExifTags.Base.Model] = camera.model
    exif[ExifTags.Base.Software] = camera.software
    details = exif.get_ifd(ExifTags.IFD.Exif)
    details[ExifTags.Base.DateTimeOriginal] = camera.captured_at.strftime("%Y:%m:%d %H:%M:%S")
    if camera.offset:
        details[ExifTags.Base.OffsetTimeOriginal] = camera.offset
    if camera.gps:
        latitude, longitude = camera.gps
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[1], gps[2] = ("N" if latitude >= 0 else "S"), _dms(latitude)
        gps[3], gps[4] = ("E" if longitude >= 0 else "W"), _dms(longitude)
    return exif.tobytes()


def twelve_mp(seed: int, *, orientation: int = 6, camera: Camera | None = None) -> bytes:
    """A 12 MP "原图" JPEG with full camera EXIF. With orientation 6 or 8 (the phone held
    upright) it displays as 3000x4000 portrait, stored as 4000x3000 like a phone stores it."""
    portrait = orientation in (5, 6, 7, 8)
    width, height = (3000, 4000) if portrait else (4000, 3000)
    return scene(seed, width, height, exif=camera or Camera(), orientation=orientation, quality=95)


def blurred(seed: int, kind: str = "gaussian", **variant: Any) -> bytes:
    """Out of focus (`kind="gaussian"`) or shaken (`kind="motion"`)."""
    if kind == "motion":
        return scene(seed, motion=40, **variant)
    return scene(seed, blur=6, **variant)


def dark(seed: int, **variant: Any) -> bytes:
    """Shot at night without light: very dark and noisy."""
    return scene(seed, exposure=0.15, **variant)


def overexposed(seed: int, **variant: Any) -> bytes:
    """Shot into the sun or with the exposure far too high: mostly white."""
    return scene(seed, exposure=3.0, **variant)


def tiny(seed: int, **variant: Any) -> bytes:
    """A thumbnail-sized photo (e.g. saved from a chat preview)."""
    return scene(seed, 320, 240, **variant)


def recompressed(data: bytes, scale: float = 0.6, quality: int = 70) -> bytes:
    """The same photo resized and re-encoded (forwarded again, or WeChat's compression)."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    out = io.BytesIO()
    image.resize(size, Image.Resampling.BILINEAR).save(out, "JPEG", quality=quality)
    return out.getvalue()


def screenshot(
    seed: int,
    *,
    fmt: str = "PNG",
    size: tuple[int, int] | None = None,
    dark_mode: bool = False,
    with_photo: bool = True,
    quality: int = 80,
) -> bytes:
    """A phone screenshot of a chat: status bar, title bar, bubbles with text, an input bar;
    `with_photo` puts a small photo in one bubble. PNG as the phone saves it, or JPEG as
    WeChat forwards it."""
    rng = random.Random(seed)
    width, height = size or rng.choice(SCREEN_SIZES)
    image = _ChatScreen(rng, width, height, dark_mode, with_photo).draw()
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    return out.getvalue()


def vin_photo(seed: int, vin: str = VIN, width: int = 1600) -> bytes:
    """A VIN plate riveted to a body panel, photographed close: 17 characters, embossed."""
    rng = random.Random(seed)
    height = width * 3 // 4
    metal = _brushed_metal(rng, (width, height))
    draw = ImageDraw.Draw(metal)
    font = _font(MONO_FONT, width // 16)
    small = _font(FONT_FILES[-1], width // 40)
    left, top = width * 0.08, height * 0.38
    draw.text((left, height * 0.22), "VEHICLE IDENTIFICATION NUMBER", fill=(60, 60, 64), font=small)
    draw.text((left + 3, top + 3), vin, fill=(230, 230, 232), font=font)  # emboss highlight
    draw.text((left, top), vin, fill=(35, 36, 40), font=font)
    for x in (width * 0.04, width * 0.96):
        for y in (height * 0.1, height * 0.9):
            r = width * 0.015
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(150, 150, 155), outline=(90, 90, 95))
    turned = metal.rotate(rng.uniform(-4, 4), Image.Resampling.BICUBIC, fillcolor=(70, 70, 75))
    return encode(photograph(turned, seed), quality=88)


PROBLEMS: dict[str, Callable[[int], bytes]] = {
    "blurred": blurred,
    "motion": lambda seed: blurred(seed, kind="motion"),
    "dark": dark,
    "overexposed": overexposed,
    "tiny": tiny,
    "screenshot": screenshot,
    "screenshot-jpeg": lambda seed: screenshot(seed, fmt="JPEG"),
}


# ------------------------------------------------------------------ the scene


class _Scene:
    """Draws one scene in world units (see FRAMING) onto a float RGB canvas."""

    def __init__(self, seed: int, size: tuple[int, int], view: str) -> None:
        self.rng = random.Random(seed)  # the car, the road, the light: the same in every view
        self.street = random.Random(f"{seed}-{'rear' if view == 'rear' else 'front'}")
        self.noise = np.random.default_rng(seed)
        self.width, self.height = size
        if view not in VIEWS:
            raise ValueError(f"view must be one of {VIEWS}")
        self.view = view
        cx, cy, span = FRAMING[view]
        jitter = self.rng.uniform(-0.04, 0.04)
        self.cx, self.cy, self.ppu = cx + jitter, cy, self.width / span  # pixels per unit
        if self.height > self.width:  # portrait: the car fills more of the narrow frame
            self.ppu *= 1.25
        self.canvas = np.zeros((self.height, self.width, 3), dtype=np.float32)
        self.grain = self.noise.standard_normal((self.height, self.width, 1), dtype=np.float32)
        self.horizon = self.rng.uniform(-0.42, -0.32)
        self.car_colour = self.rng.choice(
            [
                (180, 30, 35),
                (235, 235, 232),
                (30, 32, 38),
                (120, 125, 130),
                (25, 60, 140),
                (200, 170, 60),
                (90, 110, 70),
                (160, 165, 172),
            ]
        )

    # --- coordinates

    def px(self, x: float, y: float) -> tuple[float, float]:
        return (
            (x - self.cx) * self.ppu + self.width / 2,
            (y - self.cy) * self.ppu + self.height / 2,
        )

    def poly(self, points: Sequence[tuple[float, float]], mirror: bool = False) -> list:
        return [self.px(-x if mirror else x, y) for x, y in points]

    # --- painting

    def mask(self, draw: Callable[[ImageDraw.ImageDraw], object]) -> Image.Image:
        layer = Image.new("L", (self.width, self.height), 0)
        draw(ImageDraw.Draw(layer))
        return layer

    def fill(self, layer: Image.Image, colour: object, texture: float = 0.0) -> None:
        """Paint `colour` (RGB, or an array shaped like the canvas or one column of it) where
        `layer` is set, plus `texture` times the scene's fixed grain; only inside its box."""
        box = layer.getbbox()
        if box is None:
            return
        x0, y0, x1, y1 = box
        alpha = np.asarray(layer.crop(box), dtype=np.float32)[..., None] / 255.0
        paint = np.asarray(colour, dtype=np.float32)
        if paint.ndim == 3:
            paint = paint[y0:y1, x0:x1] if paint.shape[1] > 1 else paint[y0:y1]
        region = self.canvas[y0:y1, x0:x1]
        target = paint + self.grain[y0:y1, x0:x1] * texture if texture else paint
        region += (target - region) * alpha

    def fill_polygon(self, points: list, colour: object, texture: float = 0.0) -> None:
        self.fill(self.mask(lambda d: d.polygon(points, fill=255)), colour, texture)

    def column(self, top: tuple[int, ...], bottom: tuple[int, ...]) -> np.ndarray:
        """A vertical gradient from `top` (row 0) to `bottom` (last row), shape (h, 1, 3)."""
        t = np.linspace(0.0, 1.0, self.height, dtype=np.float32)[:, None, None]
        return np.asarray(top, np.float32) * (1 - t) + np.asarray(bottom, np.float32) * t

    def blotches(self, cells: int, strength: float) -> np.ndarray:
        """Low-frequency noise (clouds, stains), shape (h, w, 1)."""
        small = self.noise.uniform(0, 255, (cells, max(2, cells * self.width // self.height)))
        layer = Image.fromarray(small.astype(np.uint8), "L").resize(
            (self.width, self.height), Image.Resampling.BICUBIC
        )
        return (np.asarray(layer, dtype=np.float32)[..., None] / 255.0 - 0.5) * strength

    # --- the picture

    def draw(self) -> Image.Image:
        horizon_px = self.px(0, self.horizon)[1]
        self.sky(horizon_px)
        self.ground(horizon_px)
        self.skyline()
        self.car()
        return Image.fromarray(np.clip(self.canvas, 0, 255).astype(np.uint8), "RGB")

    def sky(self, horizon_px: float) -> None:
        top = self.rng.choice([(70, 120, 190), (110, 140, 180), (150, 160, 175)])
        self.canvas[:] = self.column(top, (205, 215, 225))
        clouds = np.clip(self.blotches(5, 2.2), 0, 1)
        self.canvas += (245 - self.canvas) * clouds

    def ground(self, horizon_px: float) -> None:
        road = self.mask(lambda d: d.rectangle((0, horizon_px, self.width, self.height), 255))
        tone = self.rng.uniform(85, 120)
        paint = self.column((tone + 15,) * 3, (tone - 15,) * 3) + self.blotches(9, 25)
        self.fill(road, paint, texture=9.0)  # fine asphalt grain
        vanishing = self.px(self.rng.uniform(-2, 2), self.horizon)
        for offset in (-3.5, 3.0):
            bottom = self.px(offset, 1.5)
            line = [vanishing, (bottom[0] - 0.04 * self.ppu, bottom[1]), (bottom[0], bottom[1])]
            self.fill_polygon(line, (225, 220, 200), texture=6)

    def skyline(self) -> None:
        """Buildings and trees along the horizon; from behind the car the camera looks at the
        other side of the street, so the rear view has its own skyline."""
        x = -4.0 + self.street.uniform(-0.3, 0.3)
        while x < 4.0:
            w = self.street.uniform(0.25, 0.7)
            if self.street.random() < 0.35:
                self.tree(x + w / 2, self.street.uniform(0.08, 0.2))
            else:
                self.building(x, w, self.street.uniform(0.12, 0.45))
            x += w + self.street.uniform(0.0, 0.15)

    def building(self, x: float, w: float, h: float) -> None:
        base = self.horizon
        tone = self.street.uniform(120, 210)
        colour = (tone, tone * self.street.uniform(0.9, 1.0), tone * self.street.uniform(0.8, 0.95))
        outline = [(x, base), (x + w, base), (x + w, base - h), (x, base - h)]
        self.fill_polygon(self.poly(outline), colour, texture=5)
        rows, cols = max(1, int(h / 0.08)), max(1, int(w / 0.07))
        windows = []
        for r in range(rows):
            for c in range(cols):
                wx, wy = x + (c + 0.25) * w / cols, base - h + (r + 0.3) * h / rows
                windows.append((wx, wy, wx + 0.5 * w / cols, wy + 0.45 * h / rows))
        glass = self.mask(lambda d: [d.rectangle(self.box(*win), 255) for win in windows])
        self.fill(glass, (60, 75, 95), texture=8)

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, ...]:
        (a, b), (c, d) = self.px(x0, y0), self.px(x1, y1)
        return min(a, c), min(b, d), max(a, c), max(b, d)

    def tree(self, x: float, r: float) -> None:
        base = self.horizon
        self.fill_polygon(
            self.poly([(x - 0.015, base), (x + 0.015, base), (x, base - r)]),
            (80, 60, 40),
            texture=6,
        )
        green = (
            self.street.uniform(40, 80),
            self.street.uniform(90, 130),
            self.street.uniform(40, 70),
        )
        crown = self.box(x - r * 0.7, base - r * 2.1, x + r * 0.7, base - r * 0.6)
        self.fill(self.mask(lambda d: d.ellipse(crown, 255)), green, texture=22)

    def car(self) -> None:
        mirror = self.view == "rear"
        shadow = self.box(-0.62, -0.035, 0.55, 0.05)
        self.fill(self.mask(lambda d: d.ellipse(shadow, 255)), (25, 25, 28))
        body = [
            (-0.5, -0.05),
            (-0.49, -0.17),
            (-0.42, -0.2),
            (-0.2, -0.225),
            (-0.08, -0.36),
            (0.2, -0.37),
            (0.34, -0.24),
            (0.49, -0.22),
            (0.5, -0.06),
            (0.46, -0.02),
            (-0.46, -0.02),
        ]
        shade = self.column(
            tuple(min(255, c * 1.25) for c in self.car_colour),
            tuple(c * 0.55 for c in self.car_colour),
        )
        self.fill(self.mask(lambda d: d.polygon(self.poly(body, mirror), 255)), shade, 2.0)
        face = [(-0.5, -0.17), (-0.6, -0.14), (-0.6, -0.01), (-0.5, -0.05)]
        darker = tuple(c * 0.75 for c in self.car_colour)
        self.fill_polygon(self.poly(face, mirror), darker, texture=2.0)
        self.windows(mirror)
        self.details(mirror)
        for wx in (-0.3, 0.3):
            self.wheel(-wx if mirror else wx)
        self.plate(mirror)
        self.damage(mirror)

    def windows(self, mirror: bool) -> None:
        glass = [(-0.17, -0.228), (-0.07, -0.345), (0.19, -0.355), (0.3, -0.238)]
        sky = self.column((150, 170, 190), (20, 25, 35))
        self.fill(self.mask(lambda d: d.polygon(self.poly(glass, mirror), 255)), sky, 4.0)
        pillar = [(0.05, -0.23), (0.07, -0.235), (0.08, -0.35), (0.06, -0.35)]
        self.fill_polygon(self.poly(pillar, mirror), (25, 25, 28))

    def details(self, mirror: bool) -> None:
        edge = tuple(c * 0.45 for c in self.car_colour)
        seams = self.mask(
            lambda d: [
                d.line(self.poly(line, mirror), fill=255, width=max(1, int(self.ppu * 0.004)))
                for line in (
                    [(0.05, -0.22), (0.05, -0.04)],
                    [(-0.18, -0.22), (-0.2, -0.05)],
                    [(-0.48, -0.12), (0.49, -0.13)],
                )
            ]
        )
        self.fill(seams, edge)
        side = -1 if mirror else 1
        for hx in (-0.1, 0.16):  # door handles
            handle = self.box(side * hx, -0.17, side * (hx + 0.05), -0.16)
            self.fill(self.mask(lambda d, b=handle: d.rectangle(b, 255)), (200, 200, 205))
        lamp = (200, 25, 30) if mirror else (250, 245, 225)  # tail lights or headlights
        for lx in (-0.585, -0.515):
            bulb = self.box(side * lx, -0.14, side * (lx + 0.03), -0.115)
            self.fill(self.mask(lambda d, b=bulb: d.ellipse(b, 255)), lamp, texture=3)

    def wheel(self, x: float) -> None:
        r = 0.085
        tyre = self.box(x - r, -0.06 - r, x + r, -0.06 + r)
        self.fill(self.mask(lambda d: d.ellipse(tyre, 255)), (22, 22, 24), texture=4)
        rim = self.box(x - r * 0.6, -0.06 - r * 0.6, x + r * 0.6, -0.06 + r * 0.6)
        self.fill(self.mask(lambda d: d.ellipse(rim, 255)), (175, 178, 185), texture=5)
        cx, cy = self.px(x, -0.06)
        spokes = self.mask(
            lambda d: [
                d.line(
                    (
                        cx,
                        cy,
                        cx + np.cos(a) * r * 0.55 * self.ppu,
                        cy + np.sin(a) * r * 0.55 * self.ppu,
                    ),
                    fill=255,
                    width=max(1, int(self.ppu * 0.01)),
                )
                for a in np.linspace(0, 2 * np.pi, 5, endpoint=False) + self.rng.random()
            ]
        )
        self.fill(spokes, (60, 62, 66))

    def plate(self, mirror: bool) -> None:
        x0, x1 = (-0.585, -0.525) if not mirror else (0.525, 0.585)
        plate = self.box(x0, -0.085, x1, -0.06)
        self.fill(self.mask(lambda d: d.rectangle(plate, 255)), (20, 60, 170), texture=3)
        text = (
            self.rng.choice(PLATE_PROVINCES)
            + self.rng.choice(PLATE_LETTERS)
            + "".join(self.rng.choice("0123456789") for _ in range(5))
        )
        width, height = plate[2] - plate[0], plate[3] - plate[1]
        size = max(6, int(min(height * 0.7, width * 0.9 / len(text))))
        font = _font(FONT_FILES[0], size)
        at = (plate[0] + width * 0.05, plate[1] + (height - size) / 2 - size * 0.15)
        letters = self.mask(lambda d: d.text(at, text, 255, font))
        self.fill(letters, (240, 240, 240))

    def damage(self, mirror: bool) -> None:
        cx, cy = (-0.3, -0.15) if not mirror else (0.33, -0.15)
        points = []
        for i in range(14):
            angle = 2 * np.pi * i / 14
            reach = 0.06 * self.rng.uniform(0.6, 1.2)
            points.append((cx + np.cos(angle) * reach * 1.6, cy + np.sin(angle) * reach * 0.6))
        dent = self.mask(lambda d: d.polygon(self.poly(points), 255))
        dent = dent.filter(ImageFilter.GaussianBlur(self.ppu * 0.01))
        self.fill(dent, tuple(c * 0.5 for c in self.car_colour), texture=6)
        scratches = []
        for _ in range(9):
            sx, sy = cx + self.rng.uniform(-0.09, 0.09), cy + self.rng.uniform(-0.03, 0.03)
            ex, ey = sx + self.rng.uniform(0.03, 0.1), sy + self.rng.uniform(-0.02, 0.02)
            scratches.append(self.poly([(sx, sy), (ex, ey)]))
        width = max(1, int(self.ppu * 0.0025))
        lines = self.mask(lambda d: [d.line(s, fill=255, width=width) for s in scratches])
        self.fill(lines, (225, 225, 228), texture=10)


def _grainy(image: Image.Image, seed: int, noise: float) -> Image.Image:
    """Sensor noise at full size: what makes a real 12 MP JPEG 3-5 MB (and slow to decode).
    One 509 px tile of noise repeated: as good as fresh noise for a JPEG, and much quicker."""
    rng = np.random.default_rng(seed + 2_000_003)
    tile = (rng.standard_normal((509, 509, 3), dtype=np.float32) * noise).round()
    width, height = image.size
    reps = (-(-height // 509), -(-width // 509), 1)
    pixels = (
        np.asarray(image, dtype=np.int16) + np.tile(tile.astype(np.int16), reps)[:height, :width]
    )
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _vignette(size: tuple[int, int]) -> np.ndarray:
    width, height = size
    y = np.linspace(-1, 1, height, dtype=np.float32)[:, None]
    x = np.linspace(-1, 1, width, dtype=np.float32)[None, :]
    return 1.0 - 0.22 * (x * x + y * y) / 2


def _motion_blur(image: Image.Image, length: int) -> Image.Image:
    """Horizontal camera shake: the mean of `length` copies shifted by one pixel each."""
    pixels = np.asarray(image, dtype=np.float32)
    total = np.zeros_like(pixels)
    for shift in range(length):
        total += np.roll(pixels, shift - length // 2, axis=1)
    return Image.fromarray((total / length).astype(np.uint8), "RGB")


def _stored_for_orientation(image: Image.Image, orientation: int) -> Image.Image:
    """The pixels a camera stores so that applying EXIF `orientation` shows `image`."""
    inverse = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_90,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_270,
    }
    return image.transpose(inverse[orientation]) if orientation in inverse else image


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return float(degrees), float(minutes), seconds


@lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in (path, *FONT_FILES):
        try:
            index = 2 if candidate.endswith(".ttc") else 0  # Noto CJK: Simplified Chinese
            return ImageFont.truetype(candidate, size, index=index)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _brushed_metal(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    width, height = size
    noise = np.random.default_rng(rng.randrange(1 << 30))
    streaks = noise.normal(0, 10, (height, 1)).astype(np.float32)
    grain = noise.normal(0, 4, (height, width)).astype(np.float32)
    light = np.linspace(200, 160, width, dtype=np.float32)[None, :]
    grey = np.clip(light + streaks + grain, 0, 255)
    tint = np.stack([grey, grey, grey * 1.02], axis=-1)
    return Image.fromarray(np.clip(tint, 0, 255).astype(np.uint8), "RGB")


# ------------------------------------------------------------------ the screenshot


class _ChatScreen:
    """A chat app's screen: flat bars and bubbles, anti-aliased text, a status bar."""

    def __init__(
        self, rng: random.Random, width: int, height: int, dark_mode: bool, with_photo: bool
    ) -> None:
        self.rng, self.width, self.height = rng, width, height
        self.with_photo = with_photo
        self.u = width / 390  # one "point" of a 390 pt wide phone screen
        if dark_mode:
            self.bg, self.bar, self.ink, self.bubble = (
                (17, 17, 17),
                (25, 25, 25),
                (210,) * 3,
                (44,) * 3,
            )
        else:
            self.bg, self.bar, self.ink, self.bubble = (237,) * 3, (247,) * 3, (25,) * 3, (255,) * 3
        self.image = Image.new("RGB", (width, height), self.bg)
        self.canvas = ImageDraw.Draw(self.image)

    def draw(self) -> Image.Image:
        u = self.u
        self.canvas.rectangle((0, 0, self.width, 100 * u), fill=self.bar)
        self.text((24 * u, 16 * u), "9:41", 17)
        for i in range(4):
            x = self.width - (90 - i * 7) * u
            self.canvas.rectangle((x, (28 - i * 3) * u, x + 4 * u, 32 * u), fill=self.ink)
        self.canvas.rounded_rectangle(
            (self.width - 40 * u, 20 * u, self.width - 14 * u, 32 * u), 3 * u, outline=self.ink
        )
        self.text((self.width / 2 - 40 * u, 60 * u), "理赔客服", 17)
        self.canvas.line((0, 100 * u, self.width, 100 * u), fill=(210, 210, 210), width=1)
        y = 120 * u
        while y < self.height - 200 * u:
            y = self.bubble_row(y) + 18 * u
        bottom = self.height - 90 * u
        self.canvas.rectangle((0, bottom, self.width, self.height), fill=self.bar)
        self.canvas.rounded_rectangle(
            (50 * u, bottom + 12 * u, self.width - 90 * u, bottom + 50 * u), 6 * u, fill=self.bubble
        )
        for x in (12, self.width / u - 80, self.width / u - 42):
            self.canvas.ellipse(
                (x * u, bottom + 16 * u, (x + 30) * u, bottom + 46 * u),
                outline=self.ink,
                width=max(1, int(1.5 * u)),
            )
        return self.image

    def bubble_row(self, y: float) -> float:
        u, mine = self.u, self.rng.random() < 0.5
        avatar_x = self.width - 52 * u if mine else 12 * u
        colour = tuple(self.rng.randrange(60, 220) for _ in range(3))
        self.canvas.rounded_rectangle(
            (avatar_x, y, avatar_x + 40 * u, y + 40 * u), 4 * u, fill=colour
        )
        if self.with_photo and self.rng.random() < 0.25:
            self.with_photo = False
            return self.photo_bubble(y, mine)
        lines = self.rng.randint(1, 3)
        width = self.rng.uniform(120, 250) * u
        left = self.width - 62 * u - width if mine else 62 * u
        fill = (149, 236, 105) if mine else self.bubble
        bottom = y + (20 + 22 * lines) * u
        self.canvas.rounded_rectangle((left, y, left + width, bottom), 5 * u, fill=fill)
        for i in range(lines):
            words = "".join(
                self.rng.choice("您好请上传车辆照片已收到谢谢事故地点时间") for _ in range(9)
            )
            self.text((left + 12 * u, y + (10 + 22 * i) * u), words[: int(width / (17 * u))], 15)
        return bottom

    def photo_bubble(self, y: float, mine: bool) -> float:
        u = self.u
        w, h = int(180 * u), int(135 * u)
        photo = render(self.rng.randrange(1 << 20), w, h)
        left = int(self.width - 62 * u - w if mine else 62 * u)
        self.image.paste(photo, (left, int(y)))
        return y + h

    def text(self, at: tuple[float, float], text: str, points: int) -> None:
        self.canvas.text(at, text, fill=self.ink, font=_font(FONT_FILES[0], int(points * self.u)))


# ------------------------------------------------------------------ command line


def write_set(folder: Path, seed: int) -> list[Path]:
    """Every variant of one seed written to `folder` (sharp, rear, 12 MP, each problem)."""
    folder.mkdir(parents=True, exist_ok=True)
    variants: dict[str, Callable[[], bytes]] = {
        "front.jpg": lambda: scene(seed, exif=Camera()),
        "rear.jpg": lambda: scene(seed, view="rear", exif=Camera()),
        "damage.jpg": lambda: scene(seed, view="damage"),
        "closeup.jpg": lambda: scene(seed, view="closeup"),
        "vin.jpg": lambda: vin_photo(seed),
        "12mp-orientation6.jpg": lambda: twelve_mp(seed),
        "duplicate.jpg": lambda: recompressed(scene(seed, exif=Camera())),
        **{
            f"{name}.{'png' if name == 'screenshot' else 'jpg'}": (lambda f=f: f(seed))
            for name, f in PROBLEMS.items()
        },
    }
    written = []
    for name, make in variants.items():
        path = folder / name
        path.write_bytes(make())
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.survey_photos", description=__doc__)
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "claimbot-survey"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    for path in write_set(Path(args.out), args.seed):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
