"""`claimbot photo-check`: one JSON object on stdout, exit 0 for either verdict, 2 when a file
cannot be read; --earlier for duplicates; --slot 5 reads the VIN (RapidOCR, offline)."""

from __future__ import annotations

import json

import pytest

from devstack import survey_photos as sp
from devstack.cli import main

from .conftest import SEED


@pytest.fixture(scope="module")
def files(tmp_path_factory, sharp_with_exif, rear):
    folder = tmp_path_factory.mktemp("photo-check")
    written = {
        "front.jpg": sharp_with_exif,
        "rear.jpg": rear,
        "copy.jpg": sp.recompressed(sharp_with_exif, 0.75, 70),
        "screenshot.png": sp.screenshot(SEED),
        "vin.jpg": sp.vin_photo(SEED),
        "notes.txt": b"not a photo",
    }
    for name, data in written.items():
        (folder / name).write_bytes(data)
    return folder


def run(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main(["photo-check", *argv])
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) <= 1
    return code, (json.loads(lines[0]) if lines else None), err


def test_a_good_photo_is_accepted_with_its_metrics_and_facts(capsys, files):
    code, result, err = run(capsys, str(files / "front.jpg"))

    assert code == 0 and err == ""
    assert result["verdict"] == "accepted" and result["reasons"] == []
    assert {"sharpness", "brightness", "phash", "width", "height"} <= result["metrics"].keys()
    assert result["facts"]["device"] == "HUAWEI ELS-AN00"
    assert "vin" not in result


def test_a_screenshot_is_rejected_with_exit_0(capsys, files):
    code, result, _ = run(capsys, str(files / "screenshot.png"), "--slot", "3")

    assert code == 0
    assert result["verdict"] == "rejected" and result["reasons"][0] == "not_a_photo"


def test_earlier_photos_are_checked_for_duplicates(capsys, files):
    earlier = [str(files / "front.jpg"), str(files / "rear.jpg")]

    code, copy, _ = run(capsys, str(files / "copy.jpg"), "--earlier", *earlier)
    _, rear, _ = run(capsys, str(files / "rear.jpg"), "--earlier", str(files / "front.jpg"))

    assert code == 0
    assert copy["reasons"] == ["duplicate"]
    assert rear["verdict"] == "accepted"


def test_a_file_that_is_not_an_image_is_rejected_as_unreadable(capsys, files):
    code, result, _ = run(capsys, str(files / "notes.txt"))

    assert code == 0
    assert result["reasons"] == ["unreadable"] and result["facts"] is None


@pytest.mark.parametrize("where", ["image", "earlier"])
def test_a_missing_file_exits_2_with_one_english_line(capsys, files, where):
    missing = str(files / "missing.jpg")
    argv = [missing] if where == "image" else [str(files / "front.jpg"), "--earlier", missing]

    code, result, err = run(capsys, *argv)

    assert code == 2 and result is None
    assert err.startswith("claimbot: cannot read") and "missing.jpg" in err
    assert err.count("\n") == 1


def test_an_unreadable_earlier_photo_exits_2(capsys, files):
    code, _, err = run(capsys, str(files / "front.jpg"), "--earlier", str(files / "notes.txt"))

    assert code == 2 and "not a readable photo" in err


def test_slot_5_reads_the_vin(capsys, files):
    code, result, _ = run(capsys, str(files / "vin.jpg"), "--slot", "5")

    assert code == 0
    assert result["vin"] == sp.VIN
    assert result["verdict"] == "accepted"


def test_slot_5_without_a_readable_vin_is_rejected(capsys, files, monkeypatch):
    class NoText:
        def read(self, image: bytes) -> list:
            return []

    monkeypatch.setattr("chalicelib.ocr.rapid.RapidOcrEngine", NoText)

    code, result, _ = run(capsys, str(files / "front.jpg"), "--slot", "5")

    assert code == 0
    assert result["vin"] is None
    assert result["verdict"] == "rejected" and result["reasons"] == ["vin_unreadable"]
