"""normalize(): upright, small enough, no metadata in the stored copy, EXIF facts kept aside,
and everything that is not a usable photo refused (before decoding when it is too big)."""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from PIL import Image, ImageChops, ImageFile, ImageOps, ImageStat

from chalicelib.photos.normalize import UnreadablePhoto, normalize, thumbnail
from chalicelib.photos.quality import exposure
from devstack import survey_photos as sp

from .conftest import SEED

# JPEG markers that carry metadata: APP1 (EXIF, XMP), APP2 (ICC), APP13 (IPTC), COM (comment)
METADATA_MARKERS = {0xE1, 0xE2, 0xED, 0xFE}


def jpeg_markers(data: bytes) -> list[int]:
    """The marker codes of a JPEG's segments before its image data."""
    assert data[:2] == b"\xff\xd8"
    markers, at = [], 2
    while at < len(data):
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: the image data follows
            break
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        at += 2 + length
    return markers


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size but holds no pixel data (a bomb costs nothing to build)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def test_a_12_mp_photo_with_orientation_6_comes_out_upright_portrait_and_small(twelve_mp):
    stored = Image.open(io.BytesIO(twelve_mp))
    assert stored.size == (4000, 3000)

    photo = normalize(twelve_mp)

    assert (photo.width, photo.height) == (1500, 2000)  # decoded at 1/2 scale, turned
    assert max(photo.width, photo.height) <= 2048
    out = Image.open(io.BytesIO(photo.jpeg))
    assert out.format == "JPEG" and out.mode == "RGB" and out.size == (1500, 2000)
    assert (photo.facts.width, photo.facts.height) == (3000, 4000)
    scene = sp.render(SEED, 300, 400).convert("L")  # the scene as it was drawn, upright
    wrong_ways = [difference(photo.analysis.transpose(t), scene) for t in Image.Transpose]
    assert difference(photo.analysis, scene) < min(wrong_ways) - 8


def difference(image: Image.Image, reference: Image.Image) -> float:
    """Mean absolute difference of two greyscale images, both shrunk to 30x40."""
    small = [i.resize((30, 40), Image.Resampling.BOX) for i in (image, reference)]
    return ImageStat.Stat(ImageChops.difference(*small)).mean[0]


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_applied(orientation):
    upright = Image.new("RGB", (60, 40), (255, 0, 0))  # red, with a coloured corner each
    for corner, colour in zip(
        [(0, 0), (40, 0), (0, 24), (40, 24)],
        [(0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 0, 0)],
        strict=True,
    ):
        upright.paste(colour, (*corner, corner[0] + 20, corner[1] + 16))

    stored = sp.encode(upright, quality=95, orientation=orientation)
    as_pillow_reads_it = ImageOps.exif_transpose(Image.open(io.BytesIO(stored)))  # reference

    photo = normalize(stored)

    out = Image.open(io.BytesIO(photo.jpeg)).convert("RGB")
    for image in (as_pillow_reads_it, out):
        assert image.size == (60, 40)
        for x, y in [(10, 8), (50, 8), (10, 32), (50, 32), (30, 20)]:
            got, want = image.getpixel((x, y)), upright.getpixel((x, y))
            assert all(abs(a - b) < 40 for a, b in zip(got, want, strict=True)), (x, y, got)


def test_the_stored_copy_has_no_metadata_but_the_facts_keep_it(twelve_mp):
    photo = normalize(twelve_mp)

    assert not METADATA_MARKERS & set(jpeg_markers(photo.jpeg))
    assert b"Exif" not in photo.jpeg and b"HUAWEI" not in photo.jpeg
    assert not Image.open(io.BytesIO(photo.jpeg)).getexif()
    facts = photo.facts
    assert facts.format == "JPEG"
    assert facts.captured_at == "2024-05-03T14:22:10"
    assert facts.gps == pytest.approx((31.230416, 121.473701), abs=1e-5)
    assert facts.device == "HUAWEI ELS-AN00"
    assert facts.software.startswith("ELS-AN00")
    assert facts.to_json()["gps"] == list(facts.gps)


def test_capture_time_keeps_its_utc_offset_and_southern_western_gps_is_negative():
    camera = sp.Camera(offset="+08:00", gps=(-33.8688, -151.2093), make="Apple", model="iPhone 14")
    photo = normalize(sp.encode(Image.new("RGB", (800, 600), "grey"), exif=camera))

    assert photo.facts.captured_at == "2024-05-03T14:22:10+08:00"
    assert photo.facts.gps == pytest.approx((-33.8688, -151.2093), abs=1e-5)
    assert photo.facts.device == "Apple iPhone 14"


def test_a_photo_without_exif_has_no_facts_but_is_normalized(sharp):
    photo = normalize(sharp)

    assert (photo.width, photo.height) == (1280, 960)  # never enlarged
    facts = photo.facts
    assert (facts.captured_at, facts.gps, facts.device, facts.software) == (None,) * 4
    assert not facts.from_camera


def test_a_jpeg_comment_does_not_reach_the_stored_copy(sharp):
    image = Image.open(io.BytesIO(sharp))
    photo = normalize(encoded(image, "JPEG", comment=b"Zhang San 13800138000"))

    assert 0xFE not in jpeg_markers(photo.jpeg)
    assert b"Zhang San" not in photo.jpeg


@pytest.mark.parametrize(
    "mode",
    ["CMYK", "P-transparent", "LA", "I;16", "L", "1", "F"],
)
def test_other_colour_modes_become_rgb_with_their_brightness(sharp, mode):
    rgb = Image.open(io.BytesIO(sharp)).convert("RGB")
    expected, _, _ = exposure(rgb.convert("L"))
    if mode == "CMYK":
        data = encoded(rgb.convert("CMYK"), "JPEG")
    elif mode == "P-transparent":
        data = encoded(rgb.convert("P", palette=Image.Palette.ADAPTIVE), "PNG", transparency=0)
    elif mode == "I;16":  # a 16-bit greyscale PNG: values up to 65535
        wide = rgb.convert("L").convert("I").point(lambda v: v * 257)
        data = encoded(wide.convert("I;16"), "PNG")
    elif mode == "F":
        data = encoded(rgb.convert("F"), "TIFF")
    else:
        data = encoded(rgb.convert(mode), "PNG")

    photo = normalize(data)

    out = Image.open(io.BytesIO(photo.jpeg))
    assert out.mode == "RGB" and out.size == (1280, 960)
    brightness, _, _ = exposure(photo.analysis)
    tolerance = 40 if mode == "1" else 12  # 1-bit: dithered black and white
    assert brightness == pytest.approx(expected, abs=tolerance)


def test_an_animated_gif_is_read_as_its_first_frame():
    first = Image.new("RGB", (800, 600), (200, 30, 30))
    second = Image.new("RGB", (800, 600), (30, 30, 200))
    data = encoded(first, "GIF", save_all=True, append_images=[second])

    photo = normalize(data)

    red, _, blue = Image.open(io.BytesIO(photo.jpeg)).convert("RGB").getpixel((400, 300))
    assert red > 150 and blue < 80
    assert photo.facts.format == "GIF"


@pytest.mark.parametrize(
    ("label", "data"),
    [
        ("zero bytes", b""),
        ("random bytes", random.Random(3).randbytes(20_000)),
        ("HTML", b"<!DOCTYPE html><html><head><title>x</title></head><body>hi</body></html>"),
        ("PDF", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"),
        ("icon", encoded(Image.new("RGB", (64, 64)), "ICO")),
    ],
)
def test_what_is_not_a_photo_file_is_unreadable(label, data):
    with pytest.raises(UnreadablePhoto) as refused:
        normalize(data)
    assert refused.value.detail


@pytest.mark.parametrize("keep", [0.5, 0.97])
def test_a_truncated_jpeg_is_unreadable_and_the_global_switch_is_untouched(sharp, keep):
    with pytest.raises(UnreadablePhoto, match="truncated"):
        normalize(sharp[: int(len(sharp) * keep)])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


@pytest.mark.parametrize(
    ("width", "height", "why"),
    [
        (30000, 30000, "decompression bomb"),  # Pillow's own error (over twice its limit)
        (10000, 10000, "decompression bomb"),  # Pillow's warning, turned into a refusal
        (8000, 8000, "too many pixels"),  # under Pillow's limit, over ours
    ],
)
def test_a_decompression_bomb_is_refused_from_its_header(width, height, why):
    with pytest.raises(UnreadablePhoto, match=why):
        normalize(png_header_only(width, height))


def test_too_many_pixels_are_refused_before_any_pixel_is_decoded(sharp, monkeypatch):
    def no_decoding(self):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(UnreadablePhoto, match="too many pixels"):
        normalize(sharp, max_pixels=1_000_000)


def test_thumbnail_fits_its_box(twelve_mp):
    photo = normalize(twelve_mp)

    small = Image.open(io.BytesIO(thumbnail(photo.jpeg)))
    assert small.size == (240, 320)
    straight_from_the_original = Image.open(io.BytesIO(thumbnail(twelve_mp, max_side=200)))
    assert straight_from_the_original.size == (150, 200)  # upright too
