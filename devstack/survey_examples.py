"""The example pictures shown with each of the five self-survey shots (WeChat news cards).

Clean drawings, one per shot, each with its caption: ① the car from the front at 45° with its
plate, ② from the rear at 45°, ③ the whole damaged area, ④ a close-up of the damage, ⑤ the VIN
plate. They are committed as static assets (chalicelib/web/survey/slot-N.jpg): the Lambda has
no CJK fonts. WeChat's large news image is 900x500; each file stays under 60 KB.

    python -m devstack.survey_examples        # (re)writes chalicelib/web/survey/slot-1..5.jpg
"""

from __future__ import annotations

import argparse
import io
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 900, 500
SCALE = 2  # drawn at twice the size, then shrunk: smooth edges
MAX_BYTES = 60 * 1024
OUT = Path(__file__).resolve().parents[1] / "chalicelib" / "web" / "survey"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
SC = 2  # Simplified Chinese in the collections
MONO = 7  # its monospaced face

EXAMPLE_VIN = "LSVAM4187C2184847"  # fictional, with a right check digit
EXAMPLE_PLATE = "粤B·12345"  # fictional

CAPTIONS = {
    1: "① 车头45°，车牌清晰",
    2: "② 车尾45°，车牌清晰",
    3: "③ 受损部位全景",
    4: "④ 损伤细节特写",
    5: "⑤ 车架号17位清晰可读",
}

Point = tuple[float, float]
Colour = tuple[int, int, int]

INK: Colour = (34, 40, 49)
ACCENT: Colour = (255, 140, 0)
BRAND: Colour = (7, 150, 90)
BODY: Colour = (52, 104, 178)
GLASS: Colour = (150, 190, 220)


@lru_cache(maxsize=32)
def font(size: int, bold: bool = True, mono: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_BOLD if bold else FONT, size * SCALE, index=MONO if mono else SC)


def shade(colour: Colour, factor: float) -> Colour:
    """Darker (factor < 1) or lighter (> 1, towards white) version of a colour."""
    if factor <= 1:
        return tuple(round(c * factor) for c in colour)  # type: ignore[return-value]
    return tuple(round(c + (255 - c) * (factor - 1)) for c in colour)  # type: ignore[return-value]


def lerp(a: Point, b: Point, t: float) -> Point:
    return a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t


def quad_point(quad: Sequence[Point], u: float, v: float) -> Point:
    """Bilinear point in a quadrilateral (top-left, top-right, bottom-right, bottom-left)."""
    top, bottom = lerp(quad[0], quad[1], u), lerp(quad[3], quad[2], u)
    return lerp(top, bottom, v)


def sub_quad(quad: Sequence[Point], u0: float, v0: float, u1: float, v1: float) -> list[Point]:
    return [quad_point(quad, u, v) for u, v in ((u0, v0), (u1, v0), (u1, v1), (u0, v1))]


# --- canvas --------------------------------------------------------------------------------------


class Canvas:
    """A 900x500 drawing in picture coordinates, drawn at SCALE; `mirror` flips shapes left to
    right (never text)."""

    def __init__(self, top: Colour, bottom: Colour, horizon: float = 1.0) -> None:
        self.image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE))
        self.draw = ImageDraw.Draw(self.image)
        self.mirror = False
        self._background(top, bottom, horizon)

    def _background(self, top: Colour, bottom: Colour, horizon: float) -> None:
        rows = HEIGHT * SCALE
        for y in range(rows):
            t = y / rows
            base = top if t < horizon else shade(bottom, 1 - 0.15 * (t - horizon))
            colour = shade(base, 1 - 0.06 * t) if t < horizon else base
            self.draw.line([(0, y), (WIDTH * SCALE, y)], fill=colour)

    def xy(self, points: Sequence[Point]) -> list[Point]:
        return [((WIDTH - x if self.mirror else x) * SCALE, y * SCALE) for x, y in points]

    def polygon(self, points: Sequence[Point], fill=None, outline=None, width: int = 0) -> None:
        self.draw.polygon(self.xy(points), fill=fill, outline=outline, width=width * SCALE)

    def line(self, points: Sequence[Point], fill: Colour, width: int, dash: float = 0) -> None:
        if not dash:
            self.draw.line(self.xy(points), fill=fill, width=width * SCALE, joint="curve")
            return
        for a, b in zip(points, points[1:], strict=False):
            steps = max(1, int(math.dist(a, b) / dash))
            for i in range(0, steps, 2):
                segment = [lerp(a, b, i / steps), lerp(a, b, min(1.0, (i + 1) / steps))]
                self.draw.line(self.xy(segment), fill=fill, width=width * SCALE)

    def ellipse(
        self, centre: Point, rx: float, ry: float, fill=None, outline=None, width: int = 0
    ) -> None:
        ((x, y),) = self.xy([centre])
        box = [x - rx * SCALE, y - ry * SCALE, x + rx * SCALE, y + ry * SCALE]
        self.draw.ellipse(box, fill=fill, outline=outline, width=width * SCALE)

    def rounded(
        self, box: Sequence[float], radius: float, fill=None, outline=None, width: int = 0
    ) -> None:
        x0, y0, x1, y1 = box
        (ax, ay), (bx, by) = self.xy([(x0, y0), (x1, y1)])
        corners = [min(ax, bx), ay, max(ax, bx), by]
        self.draw.rounded_rectangle(
            corners, radius * SCALE, fill=fill, outline=outline, width=width * SCALE
        )

    def text(
        self, at: Point, text: str, face: ImageFont.FreeTypeFont, fill: Colour, anchor: str = "mm"
    ) -> None:
        ((x, y),) = self.xy([at])
        self.draw.text((x, y), text, font=face, fill=fill, anchor=anchor)

    def jpeg(self) -> bytes:
        """The picture at 900x500 as a JPEG under MAX_BYTES."""
        small = self.image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
        for quality in range(88, 40, -4):
            out = io.BytesIO()
            small.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
            if out.tell() < MAX_BYTES:
                return out.getvalue()
        raise ValueError("the picture does not fit in MAX_BYTES")


def caption(canvas: Canvas, text: str) -> None:
    """The shot's caption in a white pill at the top left (WeChat lays the title over the
    bottom of a news card's picture)."""
    face = font(30)
    width = face.getlength(text) / SCALE
    mirror, canvas.mirror = canvas.mirror, False
    canvas.rounded((28, 27, 28 + width + 44, 87), 30, fill=(170, 178, 188))  # shadow
    canvas.rounded((24, 22, 24 + width + 44, 82), 30, fill=(255, 255, 255), outline=BRAND, width=3)
    canvas.text((46, 52), text, face, INK, anchor="lm")
    canvas.mirror = mirror


# --- a car at 45 degrees -------------------------------------------------------------------------


@dataclass(frozen=True)
class Car:
    """The corners of a car seen at 45°: its end (front or rear) on the left, its side on the
    right, the nearest vertical edge between them."""

    end: tuple[Point, Point, Point, Point]  # top-left, top-right, bottom-right, bottom-left
    side: tuple[Point, Point, Point, Point]

    def along(self, f: float, lift: float = 0.0) -> Point:
        """A point on the side's top edge (the beltline), f from near (0) to far (1)."""
        x, y = lerp(self.side[0], self.side[1], f)
        return x, y - lift * (1 - 0.18 * f)

    def across(self, f: float, lift: float = 0.0) -> Point:
        """The same point on the far side of the car (behind the end face's far corner)."""
        near = self.along(f, lift)
        offset = (self.end[0][0] - self.end[1][0], self.end[0][1] - self.end[1][1])
        return near[0] + offset[0] * (1 - 0.12 * f), near[1] + offset[1]


CAR = Car(
    end=((190, 292), (395, 300), (395, 408), (190, 384)),
    side=((395, 300), (770, 282), (770, 366), (395, 408)),
)


def draw_car(canvas: Canvas, car: Car, front: bool) -> None:
    """The car's body, glass, wheels and end details (headlights or tail lights, plate)."""
    canvas.ellipse((480, 410), 330, 34, fill=(150, 152, 156))
    canvas.polygon(car.side, fill=BODY)
    canvas.polygon(car.end, fill=shade(BODY, 0.82))
    _cabin(canvas, car, front)
    _wheels(canvas, car)
    _side_details(canvas, car)
    _end_details(canvas, car, front)


def _cabin(canvas: Canvas, car: Car, front: bool) -> None:
    bonnet, rake, roof = (0.25, 0.13, 0.3) if front else (0.16, 0.16, 0.3)
    back = bonnet + rake + roof
    height = 70
    canvas.polygon(
        [car.end[0], car.end[1], car.along(bonnet), car.across(bonnet)], fill=shade(BODY, 1.12)
    )
    windscreen = [
        car.across(bonnet),
        car.along(bonnet),
        car.along(bonnet + rake, height),
        car.across(bonnet + rake, height),
    ]
    canvas.polygon(windscreen, fill=shade(GLASS, 0.9), outline=shade(BODY, 0.7), width=2)
    top = [car.along(bonnet + rake, height), car.along(back, height)]
    canvas.polygon(
        [car.across(bonnet + rake, height), *top, car.across(back, height)], fill=shade(BODY, 1.2)
    )
    windows = [car.along(bonnet + 0.02, 4), top[0], top[1], car.along(back + 0.14, 4)]
    canvas.polygon(windows, fill=GLASS, outline=shade(BODY, 0.6), width=3)
    pillar = bonnet + rake + roof * 0.45
    canvas.line([car.along(pillar, 4), car.along(pillar, height)], shade(BODY, 0.6), 6)
    canvas.polygon([car.along(back + 0.14), top[1], car.along(1.0)], fill=shade(BODY, 1.08))


def _wheels(canvas: Canvas, car: Car) -> None:
    near_bottom, far_bottom = car.side[3], car.side[2]
    for f, radius in ((0.17, 44), (0.8, 37)):
        x, y = lerp(near_bottom, far_bottom, f)
        canvas.ellipse((x, y - 6), radius * 0.86, radius * 1.08, fill=shade(BODY, 0.45))
        canvas.ellipse((x, y + 2), radius * 0.7, radius, fill=(30, 32, 36))
        canvas.ellipse((x, y + 2), radius * 0.38, radius * 0.55, fill=(190, 194, 200))


def _side_details(canvas: Canvas, car: Car) -> None:
    for u in (0.38, 0.62):  # door lines and handles
        canvas.line(
            [quad_point(car.side, u, 0.05), quad_point(car.side, u - 0.01, 0.7)],
            shade(BODY, 0.6),
            2,
        )
        handle = sub_quad(car.side, u - 0.1, 0.2, u - 0.05, 0.26)
        canvas.polygon(handle, fill=shade(BODY, 0.65))
    canvas.polygon(sub_quad(car.side, 0.0, 0.82, 1.0, 0.9), fill=shade(BODY, 0.7))


def _end_details(canvas: Canvas, car: Car, front: bool) -> None:
    lamp = (245, 240, 210) if front else (214, 40, 40)
    for u0, u1 in ((0.04, 0.3), (0.7, 0.96)):
        canvas.polygon(sub_quad(car.end, u0, 0.1, u1, 0.3), fill=lamp, outline=INK, width=2)
    if front:
        canvas.polygon(sub_quad(car.end, 0.33, 0.12, 0.67, 0.42), fill=(44, 48, 56))
    else:
        canvas.polygon(sub_quad(car.end, 0.3, 0.12, 0.7, 0.18), fill=shade(BODY, 0.6))
    canvas.polygon(sub_quad(car.end, 0.0, 0.82, 1.0, 0.95), fill=shade(BODY, 0.6))
    _plate(canvas, sub_quad(car.end, 0.28, 0.5, 0.72, 0.75))


def _plate(canvas: Canvas, quad: list[Point]) -> None:
    """The plate, framed in the accent colour: what must be readable."""
    xs, ys = [x for x, _ in quad], [y for _, y in quad]
    canvas.polygon(quad, fill=(18, 74, 170), outline=(240, 240, 240), width=2)
    centre = (sum(xs) / 4, sum(ys) / 4)
    size = int((max(ys) - min(ys)) * 0.6)
    while font(size).getlength(EXAMPLE_PLATE) > (max(xs) - min(xs)) * 0.86 * SCALE:
        size -= 1
    canvas.text(centre, EXAMPLE_PLATE, font(size), (250, 250, 250))
    canvas.rounded(
        (min(xs) - 12, min(ys) - 12, max(xs) + 12, max(ys) + 12), 10, outline=ACCENT, width=5
    )


def camera_hint(canvas: Canvas, target: Point) -> None:
    """A phone at 45° to the car's corner, a dashed line of sight and the angle."""
    phone = (120, 300)
    canvas.rounded((phone[0] - 30, phone[1] - 55, phone[0] + 30, phone[1] + 55), 10, fill=INK)
    canvas.rounded((phone[0] - 24, phone[1] - 46, phone[0] + 24, phone[1] + 42), 6, fill=GLASS)
    canvas.ellipse((phone[0], phone[1] - 4), 12, 12, fill=INK)
    canvas.ellipse((phone[0], phone[1] - 4), 6, 6, fill=(90, 140, 200))
    start = (phone[0] + 36, phone[1] + 20)
    canvas.line([start, target], ACCENT, 4, dash=12)
    _arrow_head(canvas, start, target)
    x, y = lerp(start, target, 0.4)
    canvas.rounded((x - 40, y + 20, x + 40, y + 62), 18, fill=ACCENT)
    canvas.text((x, y + 41), "45°", font(24), (255, 255, 255))


def _arrow_head(canvas: Canvas, start: Point, end: Point) -> None:
    angle = math.atan2(end[1] - start[1], end[0] - start[0])
    wing = 18
    left = (end[0] - wing * math.cos(angle - 0.45), end[1] - wing * math.sin(angle - 0.45))
    right = (end[0] - wing * math.cos(angle + 0.45), end[1] - wing * math.sin(angle + 0.45))
    canvas.polygon([end, left, right], fill=ACCENT)


def viewfinder(canvas: Canvas, box: Sequence[float], colour: Colour = ACCENT) -> None:
    """The four corners of a camera's framing around `box`."""
    x0, y0, x1, y1 = box
    arm = min(x1 - x0, y1 - y0) * 0.22
    for cx, cy, dx, dy in ((x0, y0, 1, 1), (x1, y0, -1, 1), (x1, y1, -1, -1), (x0, y1, 1, -1)):
        canvas.line([(cx + dx * arm, cy), (cx, cy), (cx, cy + dy * arm)], colour, 6)


# --- damage --------------------------------------------------------------------------------------


def dent(canvas: Canvas, centre: Point, rx: float, ry: float, colour: Colour) -> None:
    """A dent: a shaded hollow with a lit rim."""
    for i in range(10, 0, -1):
        t = i / 10
        canvas.ellipse(centre, rx * t, ry * t, fill=shade(colour, 0.92 - 0.5 * (1 - t)))
    canvas.ellipse((centre[0] + rx * 0.2, centre[1] + ry * 0.25), rx * 0.45, ry * 0.3,
                   fill=shade(colour, 1.25))  # fmt: skip


def scratches(canvas: Canvas, start: Point, length: float, count: int, width: int = 3) -> None:
    """Roughly parallel bright scratch lines with a little jitter."""
    for i in range(count):
        y = start[1] + i * 9
        points = [
            (start[0] + length * k / 6, y + 6 * math.sin(i * 1.7 + k * 1.3) + k * 3)
            for k in range(7)
        ]
        canvas.line(points, (236, 238, 242), width)
        canvas.line([(x, y + 2) for x, y in points], (80, 88, 100), 1)


# --- the five pictures ---------------------------------------------------------------------------


def _three_quarter(slot: int, front: bool) -> Canvas:
    canvas = Canvas((222, 234, 246), (196, 200, 206), horizon=0.62)
    canvas.mirror = not front
    draw_car(canvas, CAR, front)
    camera_hint(canvas, quad_point(CAR.end, 0.5, 1.12))
    caption(canvas, CAPTIONS[slot])
    return canvas


def front_view() -> Canvas:
    return _three_quarter(1, front=True)


def rear_view() -> Canvas:
    return _three_quarter(2, front=False)


def damaged_area() -> Canvas:
    canvas = Canvas((222, 234, 246), (196, 200, 206), horizon=0.62)
    draw_car(canvas, CAR, front=True)
    centre = quad_point(CAR.side, 0.42, 0.45)
    dent(canvas, centre, 48, 30, BODY)
    scratches(canvas, (centre[0] - 90, centre[1] - 8), 150, 3)
    corner_a = quad_point(CAR.side, 0.12, -0.75)
    corner_b = quad_point(CAR.side, 0.78, 1.1)
    viewfinder(canvas, (corner_a[0], corner_a[1], corner_b[0], corner_b[1]))
    caption(canvas, CAPTIONS[3])
    return canvas


def close_up() -> Canvas:
    canvas = Canvas(shade(BODY, 1.15), shade(BODY, 0.8))
    canvas.line([(0, 150), (WIDTH, 120)], shade(BODY, 0.6), 4)  # a door's edge
    canvas.rounded((740, 165, 860, 195), 14, fill=shade(BODY, 0.6))  # its handle
    dent(canvas, (430, 320), 150, 90, shade(BODY, 0.98))
    scratches(canvas, (250, 270), 380, 5, width=4)
    viewfinder(canvas, (200, 190, 700, 450))
    caption(canvas, CAPTIONS[4])
    return canvas


def vin_plate() -> Canvas:
    canvas = Canvas((70, 76, 86), (40, 44, 52))
    canvas.rounded((50, 130, 690, 390), 18, fill=(206, 210, 214), outline=(150, 154, 160), width=3)
    for x, y in ((72, 152), (668, 152), (72, 368), (668, 368)):
        canvas.ellipse((x, y), 8, 8, fill=(150, 154, 160))
    canvas.text((90, 185), "车辆识别代号 VIN", font(24, bold=False), INK, anchor="lm")
    vin_font = font(46, mono=True)
    canvas.text((90, 265), EXAMPLE_VIN, vin_font, INK, anchor="lm")
    canvas.line([(90, 330), (650, 330)], (160, 164, 170), 2)
    canvas.text((90, 355), "制造年月：2012年06月", font(18, bold=False), INK, anchor="lm")
    tail = 11  # the last six characters, looked at closely
    x0 = 90 + vin_font.getlength(EXAMPLE_VIN[:tail]) / SCALE
    x1 = 90 + vin_font.getlength(EXAMPLE_VIN) / SCALE
    looked_at = (x0 - 1, 238, x1 + 4, 292)
    magnifier(canvas, looked_at, centre=(720, 330), radius=120)
    canvas.rounded(looked_at, 6, outline=ACCENT, width=3)
    caption(canvas, CAPTIONS[5])
    return canvas


def magnifier(canvas: Canvas, looked_at: Sequence[float], centre: Point, radius: float) -> None:
    """A lens with its handle at `centre`, showing the `looked_at` part of the picture enlarged
    to fill it."""
    cx, cy = centre
    canvas.line([(cx + radius * 0.7, cy + radius * 0.7), (cx + radius * 1.3, cy + radius * 1.3)],
                (60, 44, 30), 20)  # fmt: skip
    x0, y0, x1, y1 = (round(v * SCALE) for v in looked_at)
    zoom = 1.7 * radius * SCALE / (x1 - x0)
    part = canvas.image.crop((x0, y0, x1, y1))
    part = part.resize((round(part.width * zoom), round(part.height * zoom)), Image.LANCZOS)
    lens = Image.new("RGB", (round(2 * radius * SCALE),) * 2, part.getpixel((1, 1)))
    lens.paste(part, ((lens.width - part.width) // 2, (lens.height - part.height) // 2))
    mask = Image.new("L", lens.size, 0)
    ImageDraw.Draw(mask).ellipse([0, 0, lens.width - 1, lens.height - 1], fill=255)
    corner = (round((cx - radius) * SCALE), round((cy - radius) * SCALE))
    canvas.image.paste(lens, corner, mask)
    canvas.ellipse(centre, radius, radius, outline=(60, 64, 72), width=10)


PICTURES: dict[int, Callable[[], Canvas]] = {
    1: front_view,
    2: rear_view,
    3: damaged_area,
    4: close_up,
    5: vin_plate,
}


def render(slot: int) -> bytes:
    """Slot `slot`'s example picture as a 900x500 JPEG."""
    return PICTURES[slot]().jpeg()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devstack.survey_examples",
        description="Draw the five survey shot examples into chalicelib/web/survey/.",
    )
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder (default: {OUT})")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for slot in PICTURES:
        data = render(slot)
        (args.out / f"slot-{slot}.jpg").write_bytes(data)
        print(f"slot-{slot}.jpg  {len(data) // 1024} KB  {CAPTIONS[slot]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
