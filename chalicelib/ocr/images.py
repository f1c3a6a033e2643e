"""Prepare a customer's photo for OCR (Pillow): refuse what is not an image, put it upright per
its EXIF orientation, convert to RGB and shrink it to a size the OCR models read well and fast."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 20 * 1024 * 1024  # WeChat sends photos of at most 10 MB; leave room
MAX_PIXELS = 60_000_000  # larger than any phone camera, small enough to refuse bombs
MIN_SIDE = 200  # too small to read a licence
LONG_SIDE = 1280  # what the photo is shrunk to before OCR (detection time grows with pixels)
FORMATS = frozenset({"JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF", "MPO"})
JPEG_QUALITY = 92


class NotAnImage(ValueError):
    """The bytes are not a photo we can read (not an image, truncated, too big or too small)."""


def load_photo(data: bytes, long_side: int = LONG_SIDE) -> Image.Image:
    """The photo as an upright RGB image whose long side is at most `long_side` pixels."""
    image = _open(data)
    image.draft("RGB", _draft_size(image.size, long_side))  # JPEG: decode at a reduced scale
    try:
        image.load()
        image = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise NotAnImage(f"cannot decode the image: {exc}") from exc
    image = _to_rgb(image)
    image.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    return image


def to_jpeg(image: Image.Image, quality: int = JPEG_QUALITY) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def prepare_photo(data: bytes, long_side: int = LONG_SIDE) -> bytes:
    """`load_photo`, encoded again as JPEG: what an OCR engine is given."""
    return to_jpeg(load_photo(data, long_side))


# Below this edge steepness (photos/quality.sharpness) a licence photo is too blurred to read
# reliably: synthetic licences read right down to about 0.27 and wrong or not at all below 0.2
# (Gaussian blur sigma 5 px at 1600 px); survey photos use the same limit.
MIN_SHARPNESS = 0.2
MIN_CONTRAST = 24  # luminance levels: less is a flat picture (a blank page), not a blurred one


def is_blurred(image: Image.Image) -> bool:
    from chalicelib.photos.normalize import analysis_copy
    from chalicelib.photos.quality import contrast_range, sharpness

    gray = analysis_copy(image)
    return contrast_range(gray) >= MIN_CONTRAST and sharpness(gray) < MIN_SHARPNESS


def without_red(image: Image.Image) -> Image.Image:
    """The red channel alone, as greyscale: red seals and stamps fade into the paper while
    black print stays black (a seal is often stamped over a licence's last rows)."""
    return image.getchannel("R") if image.mode == "RGB" else image.convert("L")


def rotated(image: Image.Image, degrees: int) -> Image.Image:
    """The image turned counter-clockwise by a multiple of 90 degrees."""
    turns = {
        90: Image.Transpose.ROTATE_90,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_270,
    }
    if degrees % 360 == 0:
        return image
    return image.transpose(turns[degrees % 360])


def _open(data: bytes) -> Image.Image:
    if not data:
        raise NotAnImage("empty file")
    if len(data) > MAX_BYTES:
        raise NotAnImage(f"file too large ({len(data)} bytes, at most {MAX_BYTES})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise NotAnImage("not an image file") from exc
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise NotAnImage("image has too many pixels") from exc
    _check(image)
    return image


def _check(image: Image.Image) -> None:
    if image.format not in FORMATS:
        raise NotAnImage(f"unsupported image format {image.format}")
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise NotAnImage(f"image too large ({width}x{height} pixels)")
    if min(width, height) < MIN_SIDE:
        raise NotAnImage(f"image too small ({width}x{height} pixels, at least {MIN_SIDE})")


def _draft_size(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, long_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
