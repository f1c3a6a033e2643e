"""Turn a customer's survey photo into the copy the claim keeps (Pillow only).

`normalize` refuses what is not a usable image (not an image, truncated, a decompression bomb,
an unsupported format or colour mode), reads the few EXIF facts the claim's manifest records
(capture time, GPS, device, software), and re-encodes the photo upright (EXIF orientation
applied), as RGB, with its long side at most 2048 px and without any metadata: no EXIF, GPS,
XMP, ICC profile or comment reaches the stored copy.

Large JPEGs are decoded at a reduced DCT scale (Pillow's draft mode): a 12 MP 4000x3000 photo is
decoded straight to 2000x1500, which takes about a third of a full decode and needs no resize.

Animated images (GIF, APNG, WebP) and multi-picture JPEGs (MPO) are read as their first frame:
that is the picture the customer saw when sending it; the quality checks decide the rest.
Colours are not converted from an embedded ICC profile (e.g. Display P3) to sRGB: the profile
is dropped, so wide-gamut photos look slightly less saturated, which QC does not care about.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from PIL import ExifTags, Image

MAX_BYTES = 30 * 1024 * 1024  # WeChat sends photos of at most 10 MB (原图 included); leave room
MAX_SIDE = 2048  # long side of the stored copy
MAX_PIXELS = 50_000_000  # more than any phone camera's default mode; bigger is refused undecoded
ANALYSIS_SIDE = 640  # long side of the small copy the quality checks measure
JPEG_QUALITY = 88
THUMBNAIL_QUALITY = 80
# Decode a JPEG at the smallest DCT scale (1/8, 1/4, 1/2) whose long side is still at least this
# share of the target long side: 4000 px -> 2000 px (1/2) for a 2048 px target, while a
# 2560 px photo is decoded in full (1/2 would give 1280 px, too little) and resized.
DRAFT_MIN_SHARE = 0.75
FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF"})

_TRANSPOSE_FOR_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_GPS_LATITUDE_REF, _GPS_LATITUDE, _GPS_LONGITUDE_REF, _GPS_LONGITUDE = 1, 2, 3, 4


class UnreadablePhoto(ValueError):
    """The bytes are not a photo we can use: not an image, truncated, a decompression bomb,
    an unsupported format or colour mode. `detail` is English, for logs (no customer data)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class PhotoFacts:
    """What the original file says about itself; recorded in the claim's manifest only."""

    format: str  # the original file's format: "JPEG", "PNG", ...
    width: int  # original size, after applying the EXIF orientation
    height: int
    captured_at: str | None  # ISO 8601 from EXIF DateTimeOriginal (naive unless an offset is set)
    gps: tuple[float, float] | None  # (latitude, longitude) in signed decimal degrees
    device: str | None  # "Make Model" from EXIF
    software: str | None  # EXIF Software (camera firmware, or the editing app)

    @property
    def from_camera(self) -> bool:
        """The file carries a camera's EXIF (a device and a capture time)."""
        return bool(self.device and self.captured_at)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "captured_at": self.captured_at,
            "gps": list(self.gps) if self.gps else None,
            "device": self.device,
            "software": self.software,
        }


@dataclass(frozen=True)
class NormalizedPhoto:
    jpeg: bytes  # upright RGB JPEG, long side <= max_side, no metadata at all
    width: int  # size of `jpeg`
    height: int
    facts: PhotoFacts
    # Greyscale copy of `jpeg`, long side at most ANALYSIS_SIDE, for the quality checks.
    analysis: Image.Image = field(repr=False, compare=False)


def normalize(
    data: bytes, max_side: int = MAX_SIDE, max_pixels: int = MAX_PIXELS
) -> NormalizedPhoto:
    """The photo upright, as RGB, at most `max_side` px on its long side, without metadata.

    Raises UnreadablePhoto for anything that is not a usable image; a photo with more than
    `max_pixels` pixels is refused before its pixels are decoded.
    """
    image = _open(data, max_pixels)
    facts = _facts(image)
    pixels = _decode(image, max_side)
    pixels = _fit(pixels, max_side)
    pixels = _upright(pixels, _orientation(image))
    jpeg = _encode(pixels, JPEG_QUALITY)
    return NormalizedPhoto(jpeg, pixels.width, pixels.height, facts, analysis_copy(pixels))


def analysis_copy(image: Image.Image, max_side: int = ANALYSIS_SIDE) -> Image.Image:
    """A greyscale copy whose long side is at most `max_side`, for the quality checks (an
    area average: cheap, and it keeps a flat area exactly flat)."""
    gray = image.convert("L")
    width, height = gray.size
    if max(width, height) <= max_side:
        return gray
    scale = max_side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return gray.resize(size, Image.Resampling.BOX)


def thumbnail(jpeg: bytes, max_side: int = 320) -> bytes:
    """A small JPEG of a photo (e.g. a normalized one), long side at most `max_side` px."""
    image = _open(jpeg, MAX_PIXELS)
    pixels = _fit(_decode(image, max_side, min_share=1.0), max_side)
    return _encode(_upright(pixels, _orientation(image)), THUMBNAIL_QUALITY)


# ------------------------------------------------------------------ opening and decoding


def _open(data: bytes, max_pixels: int) -> Image.Image:
    if not data:
        raise UnreadablePhoto("empty file")
    if len(data) > MAX_BYTES:
        raise UnreadablePhoto(f"file too large ({len(data)} bytes, at most {MAX_BYTES})")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise UnreadablePhoto(f"decompression bomb refused: {exc}") from exc
        except Exception as exc:  # Pillow's format plugins raise many kinds of errors
            raise UnreadablePhoto(f"not an image file ({type(exc).__name__})") from exc
    if image.format not in FORMATS:
        raise UnreadablePhoto(f"unsupported image format {image.format}")
    width, height = image.size
    if width < 1 or height < 1:
        raise UnreadablePhoto(f"image has no pixels ({width}x{height})")
    if width * height > max_pixels:
        raise UnreadablePhoto(f"too many pixels ({width}x{height}, at most {max_pixels})")
    return image


def _decode(image: Image.Image, max_side: int, min_share: float = DRAFT_MIN_SHARE) -> Image.Image:
    """The first frame's pixels as RGB; a JPEG at the smallest DCT scale whose long side is
    at least `min_share` of `max_side`."""
    if image.format in ("JPEG", "MPO"):
        image.draft("RGB", _draft_size(image.size, max_side * min_share))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image.load()
            return _to_rgb(image)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise UnreadablePhoto(f"decompression bomb refused: {exc}") from exc
        except UnreadablePhoto:
            raise
        except Exception as exc:  # truncated data, corrupt streams, odd plugin errors
            raise UnreadablePhoto(f"cannot decode the image: {type(exc).__name__}: {exc}") from exc


def _draft_size(size: tuple[int, int], min_long_side: float) -> tuple[int, int]:
    """The size to ask JPEG draft mode for so that it picks the largest reduction (1/8, 1/4,
    1/2) that keeps the long side at least `min_long_side` (draft picks the largest scale
    whose result is no smaller than the size asked for)."""
    width, height = size
    scale = next(s for s in (8, 4, 2, 1) if s == 1 or max(width, height) / s >= min_long_side)
    return max(1, width // scale), max(1, height // scale)


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        return _high_depth_to_rgb(image)
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    if image.mode not in ("1", "L", "P", "CMYK", "YCbCr"):
        raise UnreadablePhoto(f"unsupported colour mode {image.mode}")
    return image.convert("RGB")


def _high_depth_to_rgb(image: Image.Image) -> Image.Image:
    """16-bit or float greyscale scaled to 8 bits (Pillow's plain convert would clip it)."""
    wide = image.convert("F")
    low, high = cast(tuple[float, float], wide.getextrema())  # one band: (min, max)
    if high <= 1.0:
        top = 1.0  # float images in 0..1
    elif high <= 255:
        top = 255.0
    else:
        top = 65535.0
    scaled = wide.point(lambda value: value * (255.0 / top))
    return scaled.convert("L").convert("RGB")


def _fit(image: Image.Image, max_side: int) -> Image.Image:
    """The image shrunk (never enlarged) so that its long side is at most `max_side`."""
    width, height = image.size
    if max(width, height) <= max_side:
        return image
    scale = max_side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def _upright(image: Image.Image, orientation: int) -> Image.Image:
    method = _TRANSPOSE_FOR_ORIENTATION.get(orientation)
    return image.transpose(method) if method is not None else image


def _encode(image: Image.Image, quality: int) -> bytes:
    clean = image.copy()
    clean.info = {}  # Pillow would carry a JPEG comment (and more) over from the original
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=quality)
    return out.getvalue()


# ------------------------------------------------------------------ EXIF facts


def _exif(image: Image.Image) -> Image.Exif:
    try:
        return image.getexif()
    except Exception:  # a broken EXIF block must not make the photo unreadable
        return Image.Exif()


def _orientation(image: Image.Image) -> int:
    value = _exif(image).get(ExifTags.Base.Orientation, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _facts(image: Image.Image) -> PhotoFacts:
    exif = _exif(image)
    width, height = image.size
    if _orientation(image) in (5, 6, 7, 8):
        width, height = height, width
    return PhotoFacts(
        format=image.format or "",
        width=width,
        height=height,
        captured_at=_captured_at(exif),
        gps=_gps(exif),
        device=_device(exif),
        software=_text(exif.get(ExifTags.Base.Software)),
    )


def _sub_ifd(exif: Image.Exif, ifd: ExifTags.IFD) -> dict[int, Any]:
    try:
        return dict(exif.get_ifd(ifd))
    except Exception:
        return {}


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return None
    cleaned = value.replace("\x00", "").strip()
    return cleaned or None


def _device(exif: Image.Exif) -> str | None:
    make = _text(exif.get(ExifTags.Base.Make))
    model = _text(exif.get(ExifTags.Base.Model))
    if make and model and model.lower().startswith(make.lower()):
        return model  # "Canon" + "Canon EOS R6": the model already names the make
    return " ".join(part for part in (make, model) if part) or None


def _captured_at(exif: Image.Exif) -> str | None:
    details = _sub_ifd(exif, ExifTags.IFD.Exif)
    raw = _text(details.get(ExifTags.Base.DateTimeOriginal))
    if not raw:
        return None
    try:
        taken = datetime.strptime(raw[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = _text(details.get(ExifTags.Base.OffsetTimeOriginal))
    if offset:
        try:
            return datetime.fromisoformat(taken.isoformat() + offset).isoformat()
        except ValueError:
            pass
    return taken.isoformat()


def _gps(exif: Image.Exif) -> tuple[float, float] | None:
    gps = _sub_ifd(exif, ExifTags.IFD.GPSInfo)
    latitude = _degrees(gps.get(_GPS_LATITUDE), gps.get(_GPS_LATITUDE_REF), "S", 90)
    longitude = _degrees(gps.get(_GPS_LONGITUDE), gps.get(_GPS_LONGITUDE_REF), "W", 180)
    if latitude is None or longitude is None:
        return None
    return latitude, longitude


def _degrees(value: Any, ref: object, negative_ref: str, limit: float) -> float | None:
    """Degrees, minutes, seconds (EXIF rationals, or whatever the file holds there) as signed
    decimal degrees."""
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    decimal = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(decimal) or decimal > limit:
        return None
    if (_text(ref) or "").upper().startswith(negative_ref):
        decimal = -decimal
    return round(decimal, 6)
