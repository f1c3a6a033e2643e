"""The synthetic vehicle licence photo generator (devstack/licence_photos.py): ground truth that
passes the domain validators, deterministic sets, decodable JPEGs. No OCR here."""

from __future__ import annotations

import io
import json
import random
import re
from dataclasses import fields
from datetime import date

import pytest
from PIL import Image

from chalicelib.domain.licence import FIELD_NAMES, LicenceFields, valid_date, validate
from chalicelib.domain.plates import is_new_energy_plate, is_valid_plate
from chalicelib.domain.vin import is_valid_vin, vin_check_digit
from devstack import licence_photos as lp


def _decode(jpeg: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(jpeg))
    image.load()
    return image


def test_truth_has_exactly_the_licence_fields():
    assert tuple(f.name for f in fields(lp.LicenceTruth)) == FIELD_NAMES
    truth = lp.random_truth(random.Random(1))
    data = truth.to_json()
    assert data == {**{name: getattr(truth, name) for name in FIELD_NAMES}, "warnings": []}
    assert LicenceFields.from_json(data).to_json() == data


def test_random_truths_are_valid_and_consistent():
    rng = random.Random(2024)
    seen_types, seen_uses, new_energy = set(), set(), 0
    for _ in range(400):
        truth = lp.random_truth(rng)
        assert validate(LicenceFields.from_json(truth.to_json())).warnings == ()
        assert is_valid_vin(truth.vin)
        assert truth.vin[8] == vin_check_digit(truth.vin)
        assert is_valid_plate(truth.plate_no)
        assert "·" not in truth.plate_no and truth.plate_no == truth.plate_no.upper()
        model = lp.model_info(truth.model)
        assert model is not None and model.vehicle_type == truth.vehicle_type
        assert model.wmi == truth.vin[:3]
        assert is_new_energy_plate(truth.plate_no) == model.new_energy
        new_energy += model.new_energy
        assert re.fullmatch(r"[A-Z0-9]{6,10}", truth.engine_no)
        assert valid_date(truth.register_date) and valid_date(truth.issue_date)
        assert lp.EARLIEST_DATE.isoformat() <= truth.register_date <= truth.issue_date
        assert truth.issue_date <= date.today().isoformat()
        assert truth.use_character in lp.USE_CHARACTERS
        assert truth.owner and truth.address
        seen_types.add(truth.vehicle_type)
        seen_uses.add(truth.use_character)
    assert set("小型轿车 小型普通客车 小型越野客车 中型普通客车 轻型普通货车".split()) <= seen_types
    assert seen_uses == set(lp.USE_CHARACTERS)
    assert 40 < new_energy < 250


def test_random_truth_is_deterministic():
    first = [lp.random_truth(random.Random(9)) for _ in range(3)]
    again = [lp.random_truth(random.Random(9)) for _ in range(3)]
    assert first == again
    assert lp.random_truth(random.Random(9)) != lp.random_truth(random.Random(10))


def test_sample_params_stay_in_their_ranges():
    rng = random.Random(5)
    for difficulty, ranges in lp.DIFFICULTIES.items():
        for _ in range(50):
            params = lp.sample_params(difficulty, rng)
            assert params.keys() == ranges.keys()
            for name, spec in ranges.items():
                if isinstance(spec[0], str):
                    assert params[name] in spec
                else:
                    assert spec[0] <= params[name] <= spec[1]
    with pytest.raises(ValueError):
        lp.sample_params("impossible", rng)


def test_generate_set_is_deterministic_per_seed():
    pair = lp.generate_set(2, seed=7, difficulty="hard")
    assert lp.generate_set(2, seed=7, difficulty="hard") == pair
    assert lp.generate_set(1, seed=7, difficulty="hard") == pair[:1]
    assert pair[0][0] != pair[1][0]
    other = lp.generate_set(1, seed=8, difficulty="hard")
    assert other[0][1] != pair[0][1]


@pytest.mark.parametrize("difficulty", list(lp.DIFFICULTIES))
def test_every_difficulty_renders_a_plausible_jpeg(difficulty):
    [(jpeg, truth, params)] = lp.generate_set(1, seed=3, difficulty=difficulty)
    assert isinstance(truth, lp.LicenceTruth)
    image = _decode(jpeg)
    assert image.format == "JPEG" and image.mode == "RGB"
    assert image.size == (round(1600 * params["scale"]), round(1200 * params["scale"]))
    assert 30_000 < len(jpeg) < 2_500_000
    grey = image.convert("L")
    low, high = grey.getextrema()
    assert high - low > 80  # not a blank frame


def test_render_options():
    truth = lp.random_truth(random.Random(4))
    jpeg = lp.render_licence(truth, random.Random(4), scale=0.5, background="fabric", font="mono")
    assert _decode(jpeg).size == (800, 600)
    with pytest.raises(ValueError):
        lp.render_licence(truth, random.Random(4), background="beach")


@pytest.mark.parametrize("kind", lp.NOT_A_LICENCE_KINDS)
def test_not_a_licence_photo_decodes(kind):
    jpeg = lp.not_a_licence_photo(random.Random(6), kind=kind)
    image = _decode(jpeg)
    assert image.format == "JPEG" and image.size == (1600, 1200)
    assert len(jpeg) > 20_000


def test_not_a_licence_photo_picks_a_kind_from_the_rng():
    assert lp.not_a_licence_photo(random.Random(1)) == lp.not_a_licence_photo(random.Random(1))


def test_main_writes_photos_and_truth(tmp_path, capsys):
    out = tmp_path / "set"
    args = ["--out", str(out), "--n", "2", "--seed", "1", "--difficulty", "hard"]
    assert lp.main([*args, "--negatives", "1"]) == 0
    records = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert [r["file"] for r in records] == ["000.jpg", "001.jpg", "002.jpg"]
    expected = lp.generate_set(2, seed=1, difficulty="hard")
    for record, (jpeg, truth, params) in zip(records, expected, strict=False):
        assert (out / record["file"]).read_bytes() == jpeg
        assert record["truth"] == truth.to_json()
        assert record["params"] == params
    assert records[2]["truth"] is None
    _decode((out / "002.jpg").read_bytes())
    assert str(out) in capsys.readouterr().out


def test_main_refuses_to_write_into_the_repository():
    inside = lp.REPO_ROOT / "licence-photos-should-not-exist"
    with pytest.raises(SystemExit):
        lp.main(["--out", str(inside), "--n", "1"])
    assert not inside.exists()
