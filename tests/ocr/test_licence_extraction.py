"""chalicelib.ocr.licence: fields from hand-made OCR lines (no OCR engine), and how a photo is
prepared and read (chalicelib.ocr.images, a fake engine)."""

from __future__ import annotations

import argparse
import io
import math
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from chalicelib.domain.licence import NOT_A_LICENCE, UNREADABLE, VIN_CHECK_DIGIT, LicenceFields
from chalicelib.ocr.engine import OcrLine
from chalicelib.ocr.images import LONG_SIDE, NotAnImage, load_photo, prepare_photo
from chalicelib.ocr.licence import (
    USE_CHARACTERS,
    VEHICLE_TYPES,
    by_form,
    clean_date,
    clean_plate,
    clean_vin,
    extract_licence,
    find_labels,
    fuzzy_find,
    read_licence,
    snap,
    strip_label,
    upright_turn,
    with_province,
)
from devstack.commands.licence import register

H = 30.0  # text height in the hand-made layouts

TRUTH = LicenceFields(
    plate_no="粤B12345",
    vehicle_type="小型轿车",
    owner="张三",
    address="广东省深圳市南山区科技园路1号",
    use_character="非营运",
    model="大众汽车牌SVW71612KM",
    vin="LSVAM4187C2184847",
    engine_no="CFB123456",
    register_date="2012-05-10",
    issue_date="2012-05-11",
)


def _width(text: str) -> float:
    return sum(H * (0.55 if ord(ch) < 0x2E80 else 1.0) for ch in text)


def line(text: str, x: float, y: float, h: float = H, score: float = 0.99) -> OcrLine:
    """A horizontal line whose box starts at (x, y), as wide as its characters."""
    w = _width(text) * h / H
    return OcrLine(text, ((x, y), (x + w, y), (x + w, y + h), (x, y + h)), score)


def turned(lines: list[OcrLine], degrees: float) -> list[OcrLine]:
    """The same lines on a card turned by `degrees` about the origin, each box's corners listed
    from its top-left in image coordinates (as RapidOCR does, whatever the text direction)."""
    a = math.radians(degrees)

    def turn(p: tuple[float, float]) -> tuple[float, float]:
        return (p[0] * math.cos(a) - p[1] * math.sin(a), p[0] * math.sin(a) + p[1] * math.cos(a))

    result = []
    for item in lines:
        corners = [turn(p) for p in item.box]
        start = min(range(4), key=lambda i: corners[i][0] + corners[i][1])
        result.append(OcrLine(item.text, tuple(corners[start:] + corners[:start]), item.score))
    return result


ROWS = [
    [("号牌号码", "Plate No.", "粤B12345"), ("车辆类型", "Vehicle Type", "小型轿车")],
    [("所有人", "Owner", "张三")],
    [("住址", "Address", "广东省深圳市南山区科技园路1号")],
    [("使用性质", "Use Character", "非营运"), ("品牌型号", "Model", "大众汽车牌SVW71612KM")],
    [("车辆识别代号", "VIN", "LSVAM4187C2184847")],
    [("发动机号码", "Engine No.", "CFB123456")],
    [("注册日期", "Register Date", "2012-05-10"), ("发证日期", "Issue Date", "2012-05-11")],
]


def card(rows=ROWS, value_dy: float = 0.0, english: bool = True) -> list[OcrLine]:
    """A main page laid out as printed: labels in two columns, English under each label, the
    value to the right (shifted down by `value_dy` label heights, as dot-matrix printers do)."""
    lines = [line("中华人民共和国机动车行驶证", 300, 20, h=44)]
    for r, row in enumerate(rows):
        y = 120 + r * 100
        for c, (label, english_label, value) in enumerate(row):
            x = 40 + c * 680
            if label:
                lines.append(line(label, x, y))
            if english:
                lines.append(line(english_label, x, y + 36, h=18))
            if value:
                lines.append(line(value, x + 200, y + 4 + value_dy * H))
    return lines


def test_clean_upright_card() -> None:
    assert extract_licence(card()) == TRUTH


@pytest.mark.parametrize("degrees", [-25, -8, 5, 12, 30, 90, 180, 270])
def test_turned_card(degrees: float) -> None:
    assert extract_licence(turned(card(), degrees)) == TRUTH


@pytest.mark.parametrize("value_dy", [-0.5, 0.45, 0.6])
def test_values_printed_off_their_row(value_dy: float) -> None:
    assert extract_licence(card(value_dy=value_dy)) == TRUTH


def test_without_english_lines_and_in_any_order() -> None:
    assert extract_licence(list(reversed(card(english=False)))) == TRUTH


def test_labels_glued_to_values() -> None:
    lines = [
        line("中华人民共和国机动车行驶证", 300, 20, h=44),
        line("号牌号码粤B12345", 40, 120),
        line("车辆类型：小型轿车", 720, 120),
        line("所有人张三", 40, 220),
        line("住址 广东省深圳市南山区科技园路1号", 40, 320),
        line("使用性质非营运", 40, 420),
        line("品牌型号大众汽车牌SVW71612KM", 720, 420),
        line("车辆识别代号LSVAM4187C2184847", 40, 520),
        line("发动机号码CFB123456", 40, 620),
        line("注册日期2012-05-10发证日期2012-05-11", 40, 720),
    ]
    assert extract_licence(lines) == TRUTH
    assert extract_licence(turned(lines, 180)) == TRUTH


def test_a_whole_row_in_one_line() -> None:
    lines = card()
    lines = [item for item in lines if not (110 <= item.box[0][1] <= 130)]  # drop row 0
    lines.append(line("号牌号码 粤B12345 车辆类型 小型轿车", 40, 120))
    assert extract_licence(turned(lines, 10)) == TRUTH


def test_misread_label_characters() -> None:
    rows = [
        [("号牌号吗", "", "粤B12345"), ("车辆类形", "", "小型轿车")],
        [("所有入", "", "张三")],
        [("往址", "", "广东省深圳市南山区科技园路1号")],
        [("便用性质", "", "非营运"), ("品牌型导", "", "大众汽车牌SVW71612KM")],
        [("车辆识剔代号", "", "LSVAM4187C2184847")],
        [("发动机号吗", "", "CFB123456")],
        [("注删日期", "", "2012-05-10"), ("发证曰期", "", "2012-05-11")],
    ]
    assert extract_licence(card(rows, english=False)) == TRUTH


def test_misread_values_are_normalised() -> None:
    rows = [list(row) for row in ROWS]
    rows[0][0] = ("号牌号码", "", "粵B·1234O")
    rows[4] = [("车辆识别代号", "", "LSVAM 4I87C 2I848Q7")]
    rows[6] = [("注册日期", "", "2012.05.10"), ("发证日期", "", "2012年5月11日")]
    fields = extract_licence(card(rows, english=False))
    assert fields.plate_no == "粤B12340"
    assert fields.vin == "LSVAM4187C2184807"  # Q read as 0: the check digit says it is wrong
    assert VIN_CHECK_DIGIT in fields.warnings
    assert (fields.register_date, fields.issue_date) == ("2012-05-10", "2012-05-11")


def test_missing_label_is_stood_in_for() -> None:
    rows = [list(row) for row in ROWS]
    rows[0][1] = ("", "", "小型轿车")  # 车辆类型 not read, its value was
    rows[3][0] = ("", "", "非营运")  # 使用性质 not read either
    assert extract_licence(card(rows, english=False)) == TRUTH


def test_missing_values_stay_empty() -> None:
    rows = [list(row) for row in ROWS]
    rows[5] = [("发动机号码", "Engine No.", "")]
    rows[0][0] = ("号牌号码", "Plate No.", "")
    fields = extract_licence(card(rows))
    assert fields.engine_no is None and fields.plate_no is None
    assert fields.vin == TRUTH.vin and fields.owner == TRUTH.owner
    assert "plate_missing" in fields.warnings
    assert NOT_A_LICENCE not in fields.warnings and UNREADABLE not in fields.warnings


def test_address_on_two_lines() -> None:
    lines = [item for item in card() if "广东省" not in item.text]
    lines += [line("广东省深圳市南山区", 240, 322), line("科技园路1号", 240, 356)]
    assert extract_licence(lines).address == "广东省深圳市南山区科技园路1号"


def test_second_page_beside_the_main_page() -> None:
    second = [
        line("号牌号码", 1500, 120),
        line("粤B99999", 1700, 124),
        line("档案编号", 1900, 120),
        line("440300123456", 2100, 124),
        line("核定载人数", 1500, 220),
        line("5人", 1700, 224),
    ]
    assert extract_licence(card() + second) == TRUTH


def test_labels_without_values_are_unreadable() -> None:
    rows = [[(label, english, "") for label, english, _ in row] for row in ROWS]
    lines = card(rows) + [line("粤B12345", 240, 124)]
    fields = extract_licence(lines)
    assert UNREADABLE in fields.warnings and NOT_A_LICENCE not in fields.warnings
    assert fields.plate_no == "粤B12345"


def test_title_alone_is_unreadable_not_foreign() -> None:
    lines = [line("中华人民共和国机动车行驶证", 300, 20, h=44), line("住址", 40, 320)]
    assert extract_licence(lines).warnings[0] == UNREADABLE


def test_title_with_unlabelled_values_keeps_what_has_a_form() -> None:
    values = ["粤B12345", "张三", "LSVAM4187C2184847", "2012-05-10", "2012-05-11"]
    lines = [line("中华人民共和国机动车行驶证", 300, 20, h=44)]
    lines += [line(text, 240, 120 + 100 * i) for i, text in enumerate(values)]
    fields = extract_licence(lines)
    assert fields.warnings == (UNREADABLE,)
    assert (fields.plate_no, fields.vin, fields.register_date, fields.issue_date) == (
        "粤B12345",
        "LSVAM4187C2184847",
        "2012-05-10",
        "2012-05-11",
    )
    assert fields.owner is None  # no label, no form: not guessed


@pytest.mark.parametrize(
    "texts",
    [
        [],
        ["中国平安", "电子保单", "保单号码 PDZA2023440000012345", "被保险人 张三", "住址 深圳市"],
        ["中华人民共和国机动车驾驶证", "姓名 张三", "住址 深圳市南山区", "准驾车型 C1"],
        ["号牌号码 粤B12345", "档案编号 440300123456", "核定载人数 5人", "总质量 1800kg"],
        ["发票代码 144031900111", "发票号码 12345678", "开票日期 2023年05月10日"],
    ],
    ids=["nothing", "policy", "driving-licence", "second-page", "invoice"],
)
def test_not_a_licence(texts: list[str]) -> None:
    lines = [line(text, 40, 40 + 60 * i) for i, text in enumerate(texts)]
    fields = extract_licence(lines)
    assert fields.warnings[0] == NOT_A_LICENCE
    assert all(getattr(fields, name) is None for name in ("plate_no", "vin", "owner"))


# --- labels --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("号牌号码粤B12345车辆类型小型轿车", ["plate_no", "vehicle_type"]),
        ("注册日期2012-05-10发证日期2012-05-11", ["register_date", "issue_date"]),
        ("车辆识别代号 LSVAM4187C2184847", ["vin"]),
        ("车 辆 识 别 代 号", ["vin"]),
        ("发动机号吗", ["engine_no"]),
        ("住址", ["address"]),
        ("往址", ["address"]),
        ("所有人", ["owner"]),
        ("广东省深圳市南山区科技园路1号", []),
        ("大众汽车牌SVW71612KM", []),
        ("张有人", []),
    ],
)
def test_find_labels(text: str, expected: list[str]) -> None:
    assert [match.field for match in find_labels(text)] == expected


def test_fuzzy_find_reports_offsets_and_cost() -> None:
    assert fuzzy_find("ab号牌号吗cd", "号牌号码") == [(2, 6, 0.5)]
    assert fuzzy_find("号牌码", "号牌号码") == [(0, 3, 1.0)]
    assert fuzzy_find("号码", "号牌号码") == []


# --- normalising ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-06-01", "2019-06-01"),
        ("2019.06.01", "2019-06-01"),
        ("2019/6/1", "2019-06-01"),
        ("20190601", "2019-06-01"),
        ("2019年6月1日", "2019-06-01"),
        ("2019 年 06 月 01 日", "2019-06-01"),
        ("２０１９－０６－０１", "2019-06-01"),
        ("2O19-O6-0l", "2019-06-01"),
        ("：2019-06-01 ", "2019-06-01"),
        ("2013906-26", "2013-06-26"),  # a separator read as a digit
        ("2019-13-01", "2019-13-01"),  # kept: validate() reports date_invalid
        ("2019-06", None),
        ("非营运", None),
        ("", None),
    ],
)
def test_clean_date(text: str, expected: str | None) -> None:
    assert clean_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LSVAM4187C2184847", "LSVAM4187C2184847"),
        ("lsvam4187c2184847", "LSVAM4187C2184847"),
        ("LSVAM 4187C 218 4847", "LSVAM4187C2184847"),
        ("LSVAM4I87C2I84847", "LSVAM4187C2184847"),
        ("LSVAM4187C2I848O7", "LSVAM4187C2184807"),
        ("LSVAM4187C218484Q", "LSVAM4187C2184840"),
        ("ＬＳＶＡＭ４１８７Ｃ２１８４８４７", "LSVAM4187C2184847"),
        ("号LSVAM4187C2184847", "LSVAM4187C2184847"),
        ("VINLSVAM4187C2184847", "LSVAM4187C2184847"),  # the valid 17 of a longer read
        ("LSVAM4187C21848S7", "LSVAM4187C2184857"),  # the last four are always digits
        ("LSVAM4187C218484", "LSVAM4187C218484"),  # too short: kept, validate() warns
        ("", None),
        ("代号", None),
    ],
)
def test_clean_vin(text: str, expected: str | None) -> None:
    assert clean_vin(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("粤B12345", "粤B12345"),
        ("粤B·12345", "粤B12345"),
        ("粤B.12345", "粤B12345"),
        ("粤b 12345", "粤B12345"),
        ("粵B12345", "粤B12345"),
        ("粤B1234O", "粤B12340"),
        ("粤BI2345", "粤B12345"),
        ("粤BD12345", "粤BD12345"),
        ("京A·F0236", "京AF0236"),
        ("粤B12345小型轿车", "粤B12345"),
        (":粤B12345", "粤B12345"),
        ("粤A5352]", "粤A5352J"),
        ("JIA20T08", "川A20T08"),  # 川 read as JI
        ("川IA20T08", "川A20T08"),
        ("川11A629HV", "川A629HV"),
        ("粤B112345", "粤B12345"),  # the dot read as 1
        ("川L12345", "川L12345"),  # L is an office letter here
        ("鲁870045", "鲁B70045"),  # the office letter is never a digit
        ("B12345", "B12345"),  # province not read: kept, validate() warns
        ("", None),
    ],
)
def test_clean_plate(text: str, expected: str | None) -> None:
    assert clean_plate(text) == expected


@pytest.mark.parametrize(
    ("plate", "address", "expected"),
    [
        ("B77617", "山东省青岛市崂山区光明路843号", "鲁B77617"),
        ("闵D45929", "福建省厦门市思明区", "闽D45929"),  # not a province character
        ("A180U4", "天津市和平区湖滨路741号", "津A180U4"),
        ("粤B12345", "山东省青岛市", "粤B12345"),  # valid plates are never changed
        ("苏B1234", "山东省青岛市", "苏B1234"),  # a province was read: not second-guessed
        ("B77617", "青岛市崂山区", "B77617"),  # no province in the address
        ("B776", "山东省青岛市", "B776"),  # still not a plate: left for validate()
        (None, "山东省青岛市", None),
    ],
)
def test_with_province(plate: str | None, address: str, expected: str | None) -> None:
    assert with_province(plate, address) == expected


def test_by_form_fills_fields_whose_label_was_not_read() -> None:
    found = dict.fromkeys(LicenceFields().to_json(), None)
    del found["warnings"]
    texts = ["辆制代号LSVAM4187C2184847", "粤B12345", "2019-06-01", "2012-05-10", "LSVAM4187"]
    result = by_form(found, texts)
    assert result["vin"] == "LSVAM4187C2184847"  # a right check digit: safe to take
    assert result["plate_no"] == "粤B12345"
    assert (result["register_date"], result["issue_date"]) == ("2012-05-10", "2019-06-01")
    assert by_form({**found, "vin": "X"}, texts)["vin"] == "X"  # read values are kept
    assert by_form(found, ["LSVAM4187C2184848"])["vin"] is None  # wrong check digit


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("所有人张三", "所有人", "张三"),
        ("住日期2019-06-01", "注册日期", "2019-06-01"),
        ("牌型奥FV7201", "品牌型号", "奥FV7201"),
        ("张三", "所有人", "张三"),
        ("大众汽车牌SVW", "品牌型号", "大众汽车牌SVW"),
        ("非营运", "使用性质", "非营运"),
    ],
)
def test_strip_label(text: str, label: str, expected: str) -> None:
    assert strip_label(text, label) == expected


@pytest.mark.parametrize(
    ("degrees", "turn"), [(0, 0), (8, 0), (-30, 0), (90, 90), (175, 180), (-90, 270), (265, 270)]
)
def test_upright_turn(degrees: float, turn: int) -> None:
    assert upright_turn(math.radians(degrees)) == turn


# --- reading a photo (a fake engine) -------------------------------------------------------------


def _jpeg(size: tuple[int, int] = (800, 600), mode: str = "RGB", **save: object) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "white").save(buffer, "PNG" if mode == "RGBA" else "JPEG", **save)
    return buffer.getvalue()


class FakeEngine:
    """Returns prepared readings in turn and remembers the images it was given."""

    def __init__(self, *readings: list[OcrLine]) -> None:
        self.readings = list(readings)
        self.images: list[bytes] = []

    def read(self, image: bytes) -> list[OcrLine]:
        self.images.append(image)
        return self.readings.pop(0) if self.readings else []


def test_read_licence_upright_takes_one_pass() -> None:
    engine = FakeEngine(card())
    assert read_licence(_jpeg(), engine) == TRUTH
    assert len(engine.images) == 1
    assert Image.open(io.BytesIO(engine.images[0])).mode == "L"  # red seals filtered out


def test_read_licence_reads_a_card_on_its_side_again_upright() -> None:
    sideways = [OcrLine(item.text, item.box, 0.6) for item in turned(card(), 90)]
    sideways = [item for item in sideways if "证" not in item.text]  # some read worse
    engine = FakeEngine(sideways, card())
    assert read_licence(_jpeg(), engine) == TRUTH
    first, second = (Image.open(io.BytesIO(image)).size for image in engine.images)
    assert second == (first[1], first[0])


def test_read_licence_keeps_the_better_reading() -> None:
    worse = [item for item in card() if item.text not in ("张三", "非营运")]
    engine = FakeEngine(turned(card(), 180), worse)
    assert read_licence(_jpeg(), engine) == TRUTH
    assert len(engine.images) == 2


def test_read_licence_does_not_turn_plain_text() -> None:
    text = [line(f"第{i}行 一些别的文字", 40, 40 + 50 * i) for i in range(8)]
    engine = FakeEngine(text)
    assert NOT_A_LICENCE in read_licence(_jpeg(), engine).warnings
    assert len(engine.images) == 1


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-1.4 not a photo", b"\xff\xd8\xff\xe0 truncated jpeg", _jpeg((100, 80))],
    ids=["empty", "pdf", "truncated", "tiny"],
)
def test_read_licence_refuses_what_is_not_a_photo(data: bytes) -> None:
    engine = FakeEngine()
    with pytest.raises(NotAnImage):
        read_licence(data, engine)
    assert engine.images == []


# --- preparing photos ----------------------------------------------------------------------------


def test_photos_are_shrunk_to_the_long_side() -> None:
    assert max(load_photo(_jpeg((4000, 3000))).size) == LONG_SIDE
    assert load_photo(_jpeg((4000, 3000)), long_side=1600).size == (1600, 1200)
    assert load_photo(_jpeg((900, 600)), long_side=1600).size == (900, 600)  # never enlarged


def test_photos_are_turned_by_their_exif_orientation() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: rotate 90° clockwise to view
    photo = load_photo(_jpeg((800, 600), exif=exif.tobytes()))
    assert photo.size == (600, 800)


def test_transparent_photos_become_rgb_on_white() -> None:
    photo = load_photo(_jpeg((400, 300), mode="RGBA"))
    assert photo.mode == "RGB"
    assert photo.getpixel((0, 0)) == (255, 255, 255)


def test_prepared_photo_is_a_jpeg() -> None:
    assert prepare_photo(_jpeg((3000, 2000)))[:2] == b"\xff\xd8"


def test_importing_the_ocr_package_loads_no_ocr_stack() -> None:
    code = (
        "import sys, chalicelib.ocr, chalicelib.ocr.licence, chalicelib.ocr.rapid;"
        "print(sorted(m for m in ('onnxruntime', 'cv2', 'numpy', 'PIL') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- claimbot licence-read: operator mistakes ----------------------------------------------------


def _run_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="claimbot")
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_command_refuses_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run_command(["licence-read", str(tmp_path / "nope.jpg")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_command_refuses_what_is_not_an_image(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "policy.pdf"
    path.write_bytes(b"%PDF-1.4 not a photo")
    assert _run_command(["licence-read", str(path)]) == 2
    captured = capsys.readouterr()
    assert "not a usable image" in captured.err and captured.out == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("小型轿车", "小型轿车"),
        ("小型桥车", "小型轿车"),
        ("小里越野客车", "小型越野客车"),
        ("小型辆车", "小型轿车"),
        ("租货", "租赁"),
        ("营运", "营运"),  # a word of its own, though one slip from 货运
        ("非运", "非运"),  # as near to 非营运 as to 营运: left for the customer
        ("小辆车", "小辆车"),  # two slips away
        ("大众汽车", "大众汽车"),
        (None, None),
    ],
)
def test_snap_to_printed_vocabulary(text: str | None, expected: str | None) -> None:
    assert snap(text, VEHICLE_TYPES | USE_CHARACTERS) == expected
