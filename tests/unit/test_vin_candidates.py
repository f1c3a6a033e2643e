"""chalicelib.ocr.vin: the VIN in hand-made OCR lines (no OCR engine), and how a photo is handed
to the engine (a fake one)."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from chalicelib.domain.vin import is_valid_vin, vin_check_digit
from chalicelib.ocr.engine import OcrLine
from chalicelib.ocr.images import LONG_SIDE, NotAnImage
from chalicelib.ocr.vin import (
    MAX_CANDIDATES,
    VinReading,
    forced,
    read_vin,
    resolve,
    variants,
    vin_from_lines,
)

VIN = "LSVAM4187C2184847"  # check digit 7
H = 30.0  # text height in the hand-made layouts


def line(text: str, x: float = 40, y: float = 40, score: float = 0.98) -> OcrLine:
    """A horizontal line whose box starts at (x, y), as wide as its characters."""
    w = sum(H * (0.6 if ord(ch) < 0x2E80 else 1.0) for ch in text)
    return OcrLine(text, ((x, y), (x + w, y), (x + w, y + H), (x, y + H)), score)


def read(*texts: str) -> VinReading:
    """The reading of lines one under the other."""
    return vin_from_lines([line(text, y=40 + 60 * i) for i, text in enumerate(texts)])


def with_check_digit(draft: str) -> str:
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def test_the_vin_is_valid() -> None:
    assert is_valid_vin(VIN)


# --- what surrounds a VIN ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        VIN,
        f"VIN:{VIN}",
        f"VIN：{VIN}",
        f"VIN {VIN}",
        f"VIN.{VIN}",
        f"VIN{VIN}",
        f"车架号：{VIN}",
        f"车架号{VIN}",
        f"车辆识别代号：{VIN}",
        f"车辆识别代号VIN:{VIN}",
        f"识别代号 {VIN} 制造年月：2019年06月",
        f"NO.{VIN}",
        "LSVAM 4187C 2184847",
        "LSV AM4187 C2184847",
        "LSVAM4187.C2184847",
        "LSV·AM4187·C2184847",
        "LSVAM4187-C2184847",
        f"*{VIN}*",
        f"★{VIN}★",
        f"＊{VIN}＊",
        "ＬＳＶＡＭ４１８７Ｃ２１８４８４７",
        "车架号：ＬＳＶＡＭ４１８７Ｃ２１８４８４７",
        VIN.lower(),
    ],
)
def test_labels_separators_and_full_width_forms(text: str) -> None:
    assert read(text).vin == VIN


def test_score_is_the_line_s_and_nothing_else_is_a_candidate() -> None:
    reading = vin_from_lines([line(VIN, score=0.91), line("发动机号：DLF123456", y=100)])
    assert reading == VinReading(VIN, 0.91, ())


def test_to_json() -> None:
    reading = VinReading(VIN, 0.91234, ("LSVAM4187C2184840",))
    assert reading.to_json() == {
        "vin": VIN,
        "score": 0.912,
        "candidates": ["LSVAM4187C2184840"],
    }
    assert VinReading(None, 0.0).to_json() == {"vin": None, "score": 0.0, "candidates": []}


# --- a VIN in pieces -----------------------------------------------------------------------------


def test_a_vin_over_two_lines() -> None:
    lines = [line("车辆识别代号"), line("LSVAM4187", y=100, score=0.97), line("C2184847", y=160)]
    assert vin_from_lines(lines) == VinReading(VIN, 0.97, ())


def test_a_vin_read_as_two_boxes_on_one_row() -> None:
    first = line("LSVAM4187", x=40)
    second = line("C2184847", x=first.box[1][0] + 25)
    assert vin_from_lines([first, second]).vin == VIN
    assert vin_from_lines([second, first]).vin == VIN  # the boxes decide the order, not the list


def test_pieces_far_apart_are_not_joined() -> None:
    assert read("LSVAM4187", "发动机号：DLF1234", "尺寸：12", "C2184847").vin is None
    assert vin_from_lines([line("LSVAM4187", x=40), line("C2184847", x=900)]).vin is None


def test_pieces_too_short_to_be_part_of_a_vin_are_not_joined() -> None:
    assert read("LSVAM4187C21848", "47").vin is None


def test_a_vin_over_two_lines_turned_in_the_photo() -> None:
    def turned(item: OcrLine) -> OcrLine:  # 90 degrees clockwise in a 1000 px tall photo
        return OcrLine(item.text, tuple((1000 - y, x) for x, y in item.box), item.score)

    lines = [turned(line("LSVAM4187")), turned(line("C2184847", y=100))]
    assert vin_from_lines(lines).vin == VIN


# --- OCR confusions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "changes"),
    [
        ("LSVAM4I87C2I84847", 2),  # I is never in a VIN: 1
        ("LHGONM7B6DM245471", 1),  # O: 0
        ("LHGQNM7B6DM245471", 1),  # Q: 0
        ("LSVAM4187C2I848A7", 2),  # letters in the serial number: the digits they look like
        ("LSVAM4187C2IB4847", 2),
    ],
)
def test_forced_fixes(text: str, changes: int) -> None:
    assert resolve(text) == (VIN if "LSV" in text else "LHG0NM7B6DM245471", changes)


def test_a_letter_in_the_check_digit_place_is_read_as_its_digit() -> None:
    vin = "LSVAM4185C2184801"
    assert is_valid_vin(vin)
    assert read("LSVAM418SC2184801").vin == vin


def test_a_model_year_zero_is_read_as_d() -> None:
    vin = "LSVAM4181D2184800"
    assert is_valid_vin(vin)
    assert forced("LSVAM41810218480O") == "LSVAM4181D2184800"
    assert read("LSVAM41810218480O").vin == vin


@pytest.mark.parametrize(
    ("seen", "vin"),
    [
        ("LS7142SJ8HG027346", "LS71425J8HG027346"),  # S for 5
        ("L5SJ07EA9KT833788", "LSSJ07EA9KT833788"),  # 5 for S
        ("LS88DB0T9KW995252", "LS8BDB0T9KW995252"),  # 8 for B
        ("LSBBDB0T9KW995252", "LS8BDB0T9KW995252"),  # B for 8
        ("LS7ZKRK11CE290404", "LS72KRK11CE290404"),  # Z for 2
        ("LSW391236FY049258", "LSW391Z36FY049258"),  # 2 for Z
        ("LS6PUVHE6K7151620", "LSGPUVHE6K7151620"),  # 6 for G
        ("LS11G1G92G4346484", "LS1161G92G4346484"),  # G for 6
        ("LSSJD7EA9KT833788", "LSSJ07EA9KT833788"),  # D for 0
        ("LS8B0B0T9KW995252", "LS8BDB0T9KW995252"),  # 0 for D
    ],
)
def test_one_confusion_is_corrected_when_the_check_digit_says_which(seen: str, vin: str) -> None:
    reading = read(seen)
    assert reading.vin == vin
    assert seen in reading.candidates  # what was seen stays visible to the adjuster


@pytest.mark.parametrize(
    "seen",
    [
        "LS00SVTG8HH785049",  # LS005VTG8HH785049 with 5 read as S: another fix passes too
        "LSL2B7E43F8407767",  # LSL287E43F8407767 with 8 read as B
        "LS3VUGZ30G3960623",  # LS3VU6Z30G3960623 with 6 read as G
        "LVGD9UB13GLS05212",  # LVGD9UB13GL805212 with 8 read as S in the serial: 5 fails
    ],
)
def test_no_vin_when_the_check_digit_does_not_say_which(seen: str) -> None:
    reading = read(seen)
    assert reading.vin is None and reading.score == 0.0
    assert reading.candidates == (seen,)


def test_two_confusions_are_not_guessed() -> None:
    assert read("LS7L42SJ8HG027346").vin is None  # LS71425J8HG027346: 1 read as L, 5 as S


def test_the_first_character_is_taken_as_read() -> None:
    assert all(v[0] == "5" for v in variants("5SVAM4187C2184847", 1))


def test_fewest_corrections_win() -> None:
    confused = "LS7142SJ8HG027346"  # one correction away from LS71425J8HG027346
    assert read(confused, VIN).vin == VIN
    assert read(VIN, confused).vin == VIN


# --- longer runs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"{VIN}1",
        f"X{VIN}X",  # stars read as letters
        f"{VIN}2019",
        f"{VIN} 2019",
        f"1234 {VIN}",
    ],
)
def test_a_vin_inside_a_longer_run(text: str) -> None:
    assert read(text).vin == VIN


def test_inside_a_longer_run_only_exact_readings_count() -> None:
    assert read("X" + "LS7142SJ8HG027346" + "X").vin is None  # would need a correction


def test_numbers_are_not_vins() -> None:
    digits = "".join(str(i % 10) for i in range(3, 20))  # 17 digits
    assert read(digits, f"条码 {digits}12", "电话 13800138000").vin is None


# --- no VIN --------------------------------------------------------------------------------------


def test_nothing_like_a_vin() -> None:
    reading = read("上汽大众汽车有限公司", "品牌：大众 整车型号：SVW7153ERD", "发动机号：DLF123456")
    assert reading == VinReading(None, 0.0, ())
    assert vin_from_lines([]) == VinReading(None, 0.0, ())


def test_a_cut_off_vin_is_no_vin() -> None:
    assert read("车辆识别代号：LSVAM4187C2", "发动机型号：DLF").vin is None


def test_invalid_seventeen_characters_are_candidates_only() -> None:
    reading = read("LSVAM4187C2184840", "LSVAM4187C2184843")
    assert reading.vin is None
    assert reading.candidates == ("LSVAM4187C2184840", "LSVAM4187C2184843")


def test_candidates_are_distinct_and_limited() -> None:
    seen = [f"LSVAM4187C21848{d}" for d in ("40", "40", "43", "45", "46", "48", "49", "50")]
    reading = read(*seen)
    assert len(reading.candidates) == MAX_CANDIDATES
    assert len(set(reading.candidates)) == MAX_CANDIDATES


def test_never_a_vin_with_a_wrong_check_digit() -> None:
    rng = random.Random(7)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .*:"
    for _ in range(3000):
        texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(8, 24))) for _ in "ab"]
        reading = read(*texts)
        assert reading.vin is None or is_valid_vin(reading.vin)


# --- photos --------------------------------------------------------------------------------------


class FakeEngine:
    """Returns a prepared reading and remembers the images it was given."""

    def __init__(self, lines: list[OcrLine]) -> None:
        self.lines = lines
        self.images: list[bytes] = []

    def read(self, image: bytes) -> list[OcrLine]:
        self.images.append(image)
        return self.lines


def _jpeg(size: tuple[int, int] = (3000, 2000)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 130, 140)).save(out, "JPEG")
    return out.getvalue()


def test_read_vin_reads_the_prepared_photo_once() -> None:
    engine = FakeEngine([line(f"VIN:{VIN}", score=0.93)])
    assert read_vin(_jpeg(), engine) == VinReading(VIN, 0.93, ())
    assert len(engine.images) == 1
    assert max(Image.open(io.BytesIO(engine.images[0])).size) == LONG_SIDE


def test_read_vin_without_text() -> None:
    assert read_vin(_jpeg(), FakeEngine([])) == VinReading(None, 0.0, ())


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-1.4 not a photo", b"\xff\xd8\xff\xe0 truncated jpeg", _jpeg((100, 80))],
    ids=["empty", "pdf", "truncated", "tiny"],
)
def test_read_vin_refuses_what_is_not_a_photo(data: bytes) -> None:
    engine = FakeEngine([line(VIN)])
    with pytest.raises(NotAnImage):
        read_vin(data, engine)
    assert engine.images == []
