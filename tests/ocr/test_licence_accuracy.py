"""Licence reading end to end: the real RapidOCR engine on generated photos.

devstack.licence_photos draws photos of a licence's main page with their ground truth; the
"mixed" difficulty is what customers commonly send (turned up to 15°, some blur, noise, glare,
perspective, JPEG artefacts). Generation and OCR are deterministic, so each run measures the
same figures; the floors sit below them with a margin of about two photos in sixteen.
`pytest -s` prints the per-field table.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import pytest

pytest.importorskip("rapidocr_onnxruntime", reason="needs the OCR packages (requirements-ocr)")
pytest.importorskip("cv2", reason="needs the OCR packages (requirements-ocr)")

from chalicelib.domain.licence import FIELD_NAMES, NOT_A_LICENCE  # noqa: E402
from chalicelib.ocr.licence import read_licence  # noqa: E402
from chalicelib.ocr.rapid import RapidOcrEngine  # noqa: E402
from devstack.commands.licence import register  # noqa: E402
from devstack.licence_photos import (  # noqa: E402
    NOT_A_LICENCE_KINDS,
    generate_set,
    not_a_licence_photo,
)

PHOTOS = 16
SEED = 2024

# Exact matches after normalisation, out of PHOTOS.
FLOORS = {
    "plate_no": 0.85,
    "vehicle_type": 0.85,
    "owner": 0.8,
    "address": 0.8,
    "use_character": 0.85,
    "model": 0.7,
    "vin": 0.85,
    "engine_no": 0.8,
    "register_date": 0.85,
    "issue_date": 0.85,
}
MEAN_FLOOR = 0.9


@pytest.fixture(scope="module")
def engine() -> RapidOcrEngine:
    engine = RapidOcrEngine()
    engine.warm_up()
    return engine


@pytest.fixture(scope="module")
def accuracy(engine: RapidOcrEngine) -> dict[str, float]:
    hits = dict.fromkeys(FIELD_NAMES, 0)
    seconds = []
    for jpeg, truth, _params in generate_set(PHOTOS, SEED, "mixed"):
        start = time.perf_counter()
        read = read_licence(jpeg, engine).to_json()
        seconds.append(time.perf_counter() - start)
        expected = truth.to_json()
        for name in FIELD_NAMES:
            hits[name] += read[name] == expected[name]
    result = {name: hits[name] / PHOTOS for name in FIELD_NAMES}
    _print_table(result, sorted(seconds))
    return result


def _print_table(accuracy: dict[str, float], seconds: list[float]) -> None:
    print(f"\nlicence fields read exactly, {PHOTOS} 'mixed' photos, seed {SEED}")
    for name in FIELD_NAMES:
        print(f"  {name:<14} {accuracy[name]:5.2f}   (floor {FLOORS[name]:.2f})")
    mean = sum(accuracy.values()) / len(accuracy)
    print(f"  {'mean':<14} {mean:5.2f}   (floor {MEAN_FLOOR:.2f})")
    median, p90 = seconds[len(seconds) // 2], seconds[int(0.9 * (len(seconds) - 1))]
    print(f"  seconds per photo: median {median:.2f}, p90 {p90:.2f}")


def test_each_field_is_read_often_enough(accuracy: dict[str, float]) -> None:
    below = {name: value for name, value in accuracy.items() if value < FLOORS[name]}
    assert not below, f"below the floor: {below}"
    assert sum(accuracy.values()) / len(accuracy) >= MEAN_FLOOR


@pytest.mark.parametrize("kind", NOT_A_LICENCE_KINDS)
def test_other_photos_are_not_a_licence(engine: RapidOcrEngine, kind: str) -> None:
    photo = not_a_licence_photo(random.Random(f"{SEED}-{kind}"), kind=kind)
    fields = read_licence(photo, engine)
    assert NOT_A_LICENCE in fields.warnings
    assert all(getattr(fields, name) is None for name in FIELD_NAMES)


def test_licence_read_command_prints_the_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jpeg, truth, _params = generate_set(1, SEED, "mixed")[0]
    photo = tmp_path / "licence.jpg"
    photo.write_bytes(jpeg)
    parser = argparse.ArgumentParser(prog="claimbot")
    register(parser.add_subparsers())
    args = parser.parse_args(["licence-read", str(photo)])
    assert args.func(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {*FIELD_NAMES, "warnings"}
    assert printed["vin"] == truth.vin and printed["warnings"] == []
