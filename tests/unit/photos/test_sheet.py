"""contact_sheet(): one labelled JPEG of the five survey photos, with placeholders for empty
slots, Chinese labels with a CJK font and English ones with Pillow's own font otherwise."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageStat

from chalicelib.photos import sheet
from chalicelib.photos.normalize import normalize
from chalicelib.photos.sheet import SheetPhoto, contact_sheet, find_cjk_font, label_text

LABELS = [
    ("车头45°（含车牌）", "Front 45° with plate"),
    ("车尾45°（含车牌）", "Rear 45° with plate"),
    ("受损部位全景", "Damaged area"),
    ("受损部位特写", "Damage close-up"),
    ("车架号（VIN）", "VIN"),
]
TITLE = "报案号 CLM-2024-000123"


@pytest.fixture(scope="module")
def stored(sharp, rear, other_car) -> list[bytes]:
    return [normalize(data).jpeg for data in (sharp, rear, other_car, sharp, rear)]


def photos(jpegs: list[bytes | None]) -> list[SheetPhoto]:
    return [SheetPhoto(zh, en, jpeg) for (zh, en), jpeg in zip(LABELS, jpegs, strict=True)]


def cell_origin(number: int, title: bool = True) -> tuple[int, int]:
    row, column = divmod(number - 1, sheet.COLUMNS)
    top = (sheet.TITLE_HEIGHT if title else 0) + sheet.GAP
    left = sheet.GAP + column * (sheet.CELL_WIDTH + sheet.GAP)
    return left, top + row * (sheet.PHOTO_HEIGHT + sheet.LABEL_HEIGHT + sheet.GAP)


def label_strip(image: Image.Image, number: int) -> Image.Image:
    left, top = cell_origin(number)
    upper = top + sheet.PHOTO_HEIGHT
    return image.crop((left, upper, left + sheet.CELL_WIDTH, upper + sheet.LABEL_HEIGHT))


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image.convert("RGB")


def test_five_photos_make_one_labelled_jpeg(stored):
    assert find_cjk_font() is not None  # this machine has Noto Sans CJK (the OCR tests too)

    image = decoded(contact_sheet(photos(stored), title=TITLE))

    assert max(image.size) <= 2400
    assert image.size == (2344, 1384)  # 3 columns, 2 rows, a title strip
    for number in range(1, 6):
        darkest = min(label_strip(image, number).convert("L").getextrema())
        assert darkest < 100  # the caption is drawn
    left, top = cell_origin(1)
    photo_area = image.crop((left, top, left + sheet.CELL_WIDTH, top + sheet.PHOTO_HEIGHT))
    assert ImageStat.Stat(photo_area.convert("L")).stddev[0] > 20  # a picture, not a blank


def test_an_empty_slot_gets_a_placeholder(stored):
    jpegs: list[bytes | None] = list(stored)
    jpegs[3] = None

    image = decoded(contact_sheet(photos(jpegs)))

    left, top = cell_origin(4, title=False)
    colour = image.getpixel((left + 40, top + sheet.PHOTO_HEIGHT // 2))
    assert all(abs(c - p) <= 6 for c, p in zip(colour, sheet.PLACEHOLDER, strict=True))
    assert image.size == (2344, 1308)  # no title strip


def test_without_a_cjk_font_the_english_labels_are_drawn(stored, monkeypatch, tmp_path):
    broken = tmp_path / "not-a-font.ttc"
    broken.write_bytes(b"this is not a font")
    monkeypatch.setattr(sheet, "CJK_FONT_CANDIDATES", ())

    assert find_cjk_font(str(broken)) is None
    assert find_cjk_font(str(tmp_path / "missing.ttc")) is None
    jpegs: list[bytes | None] = [stored[0], None, stored[2], b"not a jpeg", stored[4]]
    image = decoded(contact_sheet(photos(jpegs), title=TITLE, font_path=str(broken)))

    assert image.size == (2344, 1384)
    for number in range(1, 6):
        assert min(label_strip(image, number).convert("L").getextrema()) < 100


def test_a_font_passed_in_is_used_first(monkeypatch):
    found = find_cjk_font()
    monkeypatch.setattr(sheet, "CJK_FONT_CANDIDATES", ())

    assert find_cjk_font(found[0]) == found


def test_captions_use_chinese_only_with_a_cjk_font():
    photo = SheetPhoto(*LABELS[4], jpeg=None)

    assert label_text(photo, 5, cjk=True) == "5  车架号（VIN）"
    assert label_text(photo, 5, cjk=False) == "5  VIN"


def test_many_photos_still_fit_the_long_side(stored):
    many = [SheetPhoto(f"照片{i}", f"photo {i}", stored[i % 5]) for i in range(12)]

    image = decoded(contact_sheet(many, title="x"))

    assert max(image.size) <= 2400
