"""The synthetic survey photo generator is deterministic, and its seeds and views differ."""

from __future__ import annotations

import io

from PIL import Image

from devstack import survey_photos as sp


def test_a_seed_gives_the_same_bytes_every_time():
    assert sp.scene(3, 320, 240) == sp.scene(3, 320, 240)
    assert sp.screenshot(3, size=(390, 844)) == sp.screenshot(3, size=(390, 844))


def test_seeds_and_views_give_other_pictures():
    pictures = {
        sp.scene(3, 320, 240),
        sp.scene(4, 320, 240),
        sp.scene(3, 320, 240, view="rear"),
        sp.scene(3, 320, 240, view="closeup"),
    }
    assert len(pictures) == 4


def test_the_camera_exif_and_orientation_are_written():
    data = sp.scene(3, 400, 300, exif=sp.Camera(), orientation=6)

    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    assert image.size == (300, 400)  # stored turned; shown 400x300
    assert exif[0x0112] == 6 and exif[0x010F] == "HUAWEI"
