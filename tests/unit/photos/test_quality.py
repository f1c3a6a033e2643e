"""Quality verdicts on synthetic survey photos: sharp ones accepted with or without EXIF, each
kind of problem rejected with its own reason, duplicates found through recompression."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from PIL import Image

from chalicelib.photos.quality import (
    PRIORITY,
    REASONS,
    QcThresholds,
    check,
    hamming,
    with_reason,
)
from devstack import survey_photos as sp

from .conftest import SEED, SIZE

WIDTH, HEIGHT = SIZE


def test_a_sharp_wechat_photo_without_exif_is_accepted(sharp):
    photo, report = check(sharp)

    assert photo is not None
    assert report.verdict == "accepted" and report.reasons == ()
    assert len(report.phash) == 16 and int(report.phash, 16) >= 0
    assert report.metrics["phash"] == report.phash
    assert report.metrics["camera_exif"] == 0
    assert json.loads(json.dumps(report.to_json())) == report.to_json()


@pytest.mark.parametrize("name", ["sharp_with_exif", "rear", "other_car", "twelve_mp"])
def test_other_good_photos_are_accepted(request, name):
    _, report = check(request.getfixturevalue(name))

    assert report.verdict == "accepted", report.metrics


@pytest.mark.parametrize(
    "variant",
    [
        {"noise": 8},  # a grainy, high-ISO but sharp photo
        {"blur": 1.5},  # slightly soft
        {"exposure": 0.5},  # dim
        {"exposure": 1.5},  # bright
        {"view": "closeup"},
        {"view": "damage"},
    ],
)
def test_imperfect_but_usable_photos_are_accepted(variant):
    _, report = check(sp.scene(SEED, WIDTH, HEIGHT, **variant))

    assert report.verdict == "accepted", report.metrics


def test_a_wechat_sized_copy_of_a_sharp_photo_is_still_sharp(sharp):
    _, report = check(sp.recompressed(sharp, scale=0.75, quality=70))  # 960x720

    assert report.verdict == "accepted", report.metrics


def test_a_photo_saved_as_png_without_exif_is_still_a_photo(sharp):
    out = io.BytesIO()
    Image.open(io.BytesIO(sharp)).save(out, "PNG")

    _, report = check(out.getvalue())

    assert report.verdict == "accepted", report.metrics


PROBLEMS: dict[str, tuple[Callable[[], bytes], str]] = {
    "out of focus": (lambda: sp.blurred(SEED, width=WIDTH, height=HEIGHT), "blurred"),
    "camera shake": (
        lambda: sp.blurred(SEED, kind="motion", width=WIDTH, height=HEIGHT),
        "blurred",
    ),
    "shaken, with heavy sensor noise": (
        lambda: sp.scene(SEED, WIDTH, HEIGHT, motion=25, noise=8),
        "blurred",
    ),
    "dark": (lambda: sp.dark(SEED, width=WIDTH, height=HEIGHT), "too_dark"),
    "overexposed": (lambda: sp.overexposed(SEED, width=WIDTH, height=HEIGHT), "too_bright"),
    "tiny": (lambda: sp.tiny(SEED), "too_small"),
    "screenshot PNG": (lambda: sp.screenshot(SEED), "not_a_photo"),
    "screenshot JPEG": (lambda: sp.screenshot(SEED, fmt="JPEG"), "not_a_photo"),
    "dark-mode screenshot, 16:9, no photo in it": (
        lambda: sp.screenshot(SEED, fmt="JPEG", size=(1080, 1920), dark_mode=True),
        "not_a_photo",
    ),
    "screenshot recompressed by WeChat": (
        lambda: sp.recompressed(sp.screenshot(SEED + 1, fmt="JPEG"), 0.6, 70),
        "not_a_photo",
    ),
}


@pytest.mark.parametrize("problem", PROBLEMS)
def test_each_problem_is_rejected_for_its_own_reason(problem):
    make, reason = PROBLEMS[problem]

    _, report = check(make())

    assert report.verdict == "rejected"
    assert report.reasons[0] == reason, report.metrics
    if reason != "not_a_photo":
        assert "not_a_photo" not in report.reasons, report.metrics


def test_a_recompressed_smaller_copy_is_a_duplicate_and_other_shots_are_not(sharp, rear, other_car):
    _, first = check(sharp)
    earlier = [first.phash]

    _, copy = check(sp.recompressed(sharp, scale=0.6, quality=70), earlier=earlier)
    _, other_angle = check(rear, earlier=earlier)
    _, other_car_report = check(other_car, earlier=earlier)
    _, unrelated = check(sharp, earlier=["0123456789abcdef"])

    assert copy.reasons[0] == "duplicate"
    assert copy.metrics["duplicate_distance"] <= QcThresholds().duplicate_max_distance
    for report in (other_angle, other_car_report):
        assert "duplicate" not in report.reasons
        assert report.metrics["duplicate_distance"] > 2 * QcThresholds().duplicate_max_distance
    assert unrelated.verdict == "accepted"


def test_a_closer_shot_of_the_same_damage_is_not_a_duplicate():
    hashes = {view: check(sp.scene(SEED, WIDTH, HEIGHT, view=view))[1].phash for view in sp.VIEWS}

    assert hamming(hashes["damage"], hashes["closeup"]) > QcThresholds().duplicate_max_distance
    assert hamming(hashes["front"], hashes["damage"]) > QcThresholds().duplicate_max_distance


def test_unreadable_bytes_are_rejected_without_a_photo():
    photo, report = check(b"<html><body>not a photo</body></html>")

    assert photo is None
    assert report.verdict == "rejected" and report.reasons == ("unreadable",)
    assert report.phash == ""
    assert report.to_json()["metrics"]["detail"]


def test_a_bomb_is_unreadable_through_check(sharp):
    _, report = check(sharp, max_pixels=100_000)

    assert report.reasons == ("unreadable",)
    assert "too many pixels" in report.metrics["detail"]


def test_thresholds_move_the_verdict(sharp):
    strict = QcThresholds(min_sharpness=0.99, min_short_side=1000)

    _, report = check(sharp, thresholds=strict)

    assert report.reasons == ("too_small", "blurred")  # in PRIORITY order


def test_with_reason_adds_in_priority_order_and_rejects(sharp):
    _, accepted = check(sharp)

    rejected = with_reason(accepted, "vin_unreadable")
    both = with_reason(with_reason(accepted, "blurred"), "not_a_photo")

    assert accepted.verdict == "accepted"
    assert rejected.verdict == "rejected" and rejected.reasons == ("vin_unreadable",)
    assert both.reasons == ("not_a_photo", "blurred")
    assert rejected.phash == accepted.phash
    with pytest.raises(ValueError):
        with_reason(accepted, "ugly")


def test_every_reason_has_a_priority():
    assert sorted(PRIORITY) == sorted(REASONS)


def test_hamming_counts_differing_bits():
    assert hamming("0" * 16, "f" * 16) == 64
    assert hamming("00000000000000ff", "000000000000000f") == 4
    assert hamming("abc", "abc") == 0
    assert hamming("", "0123456789abcdef") == 64  # an unreadable photo's empty hash


@pytest.mark.parametrize("size", [(1, 1), (1, 500), (500, 1)])
def test_a_sliver_of_an_image_is_too_small_not_an_error(size):
    out = io.BytesIO()
    Image.new("RGB", size, "grey").save(out, "PNG")

    _, report = check(out.getvalue())

    assert report.verdict == "rejected" and report.reasons[0] == "too_small"
