"""Synthetic photos of a vehicle licence (机动车行驶证) main page, with ground truth.

For OCR tests and benchmarks. A photo is a pale tinted card with a guilloche pattern, the title
中华人民共和国机动车行驶证, pre-printed labels (Chinese with English below) and printed values
slightly offset from them, and a red round seal over the bottom-left corner; the card is then
"photographed": put on a desk, fabric or plain background (sometimes in its dark holder),
rotated, tilted, lit unevenly, with optional glare on the laminate, blur, sensor noise and JPEG
artefacts. Everything comes from a random.Random, so a seed gives the same bytes every time.

    truth = random_truth(rng)                        # LicenceTruth, LicenceFields-shaped
    jpeg = render_licence(truth, rng, rotation_deg=5, glare=0.3)
    for jpeg, truth, params in generate_set(20, seed=1, difficulty="mixed"): ...
    not_a_licence_photo(rng)                         # receipt, car, page of text, 驾驶证

    python -m devstack.licence_photos --out /tmp/licences --n 20 --seed 1 --difficulty mixed

writes 000.jpg … and truth.json ([{file, truth, params}]). Generated sets stay out of git: the
default folder is in the system temp directory, and a folder inside the repository is refused
unless --allow-repo is given.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import random
import sys
import tempfile
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from chalicelib.domain.licence import LicenceFields
from chalicelib.domain.people import COMPOUND_SURNAMES
from chalicelib.domain.plates import format_plate
from chalicelib.domain.vin import vin_check_digit

# --- fonts ------------------------------------------------------------------------------------

FONT_DIR = Path("/usr/share/fonts/opentype/noto")

# name -> (file, index in the collection); index 2 is Simplified Chinese, 7 its monospaced face.
FONTS: dict[str, tuple[str, int]] = {
    "serif": ("NotoSerifCJK-Regular.ttc", 2),
    "serif-bold": ("NotoSerifCJK-Bold.ttc", 2),
    "sans": ("NotoSansCJK-Regular.ttc", 2),
    "sans-bold": ("NotoSansCJK-Bold.ttc", 2),
    "mono": ("NotoSansCJK-Regular.ttc", 7),
    "mono-bold": ("NotoSansCJK-Bold.ttc", 7),
}
VALUE_FONTS = ("serif", "serif-bold", "sans", "mono", "mono-bold")
LABEL_FONTS = ("serif-bold", "sans", "sans-bold")


@lru_cache(maxsize=512)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    """A font by FONTS name, or by path to a font file."""
    size = max(6, int(size))
    if name in FONTS:
        file, index = FONTS[name]
        return ImageFont.truetype(str(FONT_DIR / file), size, index=index)
    return ImageFont.truetype(name, size)


def _text_width(font: ImageFont.FreeTypeFont, text: str) -> float:
    return font.getlength(text)


def _fit(name: str, size: float, text: str, max_width: float) -> ImageFont.FreeTypeFont:
    """The font at `size`, condensed (down to 55%) until `text` fits `max_width`."""
    font = _font(name, round(size))
    floor = size * 0.55
    while _text_width(font, text) > max_width and size > floor:
        size *= 0.94
        font = _font(name, round(size))
    return font


# --- ground truth -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LicenceTruth:
    """What the licence in a synthetic photo says; field names are LicenceFields'."""

    plate_no: str
    vehicle_type: str
    owner: str
    address: str
    use_character: str
    model: str
    vin: str
    engine_no: str
    register_date: str
    issue_date: str

    def to_json(self) -> dict:
        """The LicenceFields JSON shape (warnings empty), as the OCR adapter should produce."""
        return LicenceFields(**asdict(self)).to_json()


@dataclass(frozen=True)
class VehicleModel:
    printed: str  # 品牌型号 as printed on the licence
    vehicle_type: str
    wmi: str  # first three VIN characters
    engine_prefix: str  # engine (or motor) number prefix, at most 5 characters
    energy: str = ""  # "" combustion, "D" battery electric, "F" plug-in hybrid / range extender
    kind: str = "car"  # car | suv | offroad | bus | truck
    weight: float = 1.0

    @property
    def new_energy(self) -> bool:
        return bool(self.energy)


MODELS: tuple[VehicleModel, ...] = (
    VehicleModel("大众汽车牌SVW7153ERD", "小型轿车", "LSV", "DLF", weight=3),
    VehicleModel("大众汽车牌FV7147FBDBG", "小型轿车", "LFV", "CST", weight=3),
    VehicleModel("大众汽车牌SVW71525BV", "小型轿车", "LSV", "CPD", weight=2),
    VehicleModel("丰田牌TV7182GLXE", "小型轿车", "LFM", "8ZR", weight=2),
    VehicleModel("丰田牌GTM7250GB", "小型轿车", "LVG", "A25A", weight=2),
    VehicleModel("本田牌HG7152AAC5", "小型轿车", "LHG", "L15B", weight=2),
    VehicleModel("本田牌DHW7154RCC6", "小型轿车", "LVH", "L15J", weight=1.5),
    VehicleModel("日产牌DFL7168VBL2", "小型轿车", "LGB", "HR16", weight=2.5),
    VehicleModel("别克牌SGM7158DAA1", "小型轿车", "LSG", "L3G", weight=2),
    VehicleModel("雪佛兰牌SGM7152ATA", "小型轿车", "LSG", "LDE", weight=1),
    VehicleModel("宝马牌BMW7200BM", "小型轿车", "LBV", "B48", weight=1),
    VehicleModel("奔驰牌BJ7204GEL", "小型轿车", "LE4", "264", weight=1),
    VehicleModel("奥迪牌FV7201BACWG", "小型轿车", "LFV", "DKW", weight=1),
    VehicleModel("吉利牌MR7153A01", "小型轿车", "L6T", "JLB", weight=2),
    VehicleModel("长安牌SC7164AAA6", "小型轿车", "LS5", "JL478", weight=1.5),
    VehicleModel("比亚迪牌BYD7152WT6HEVC2", "小型轿车", "LGX", "BYD47", "F", weight=3),
    VehicleModel("比亚迪牌BYD7005BEVA", "小型轿车", "LGX", "TZ200", "D", weight=2),
    VehicleModel("特斯拉牌TSL7000BEVAR0", "小型轿车", "LRW", "3D1", "D", weight=2),
    VehicleModel("埃安牌GAM7000BEVA1B", "小型轿车", "LMG", "TZ180", "D", weight=1),
    VehicleModel("哈弗牌CC6460RM2F", "小型普通客车", "LGW", "GW4C", kind="suv", weight=2),
    VehicleModel("本田牌HG6482BAC5", "小型普通客车", "LHG", "L15B", kind="suv", weight=1.5),
    VehicleModel("五菱牌LZW6407BF", "小型普通客车", "LZW", "B12", kind="suv", weight=1.5),
    VehicleModel("理想牌LXA6500SHEVX1", "小型普通客车", "LW4", "L2E", "F", kind="suv", weight=1.5),
    VehicleModel("比亚迪牌BYD6470ST6HEV", "小型普通客车", "LC0", "BYD47", "F", kind="suv"),
    VehicleModel("坦克牌CC6510BH00", "小型越野客车", "LGW", "E20N", kind="offroad"),
    VehicleModel("北京牌BJ2032F7VAB", "小型越野客车", "LNB", "4G64", kind="offroad", weight=0.5),
    VehicleModel("宇通牌ZK6729D", "中型普通客车", "LZY", "YC4FA", kind="bus", weight=0.7),
    VehicleModel("金龙牌XMQ6802AYD5", "中型普通客车", "LA9", "4DB1", kind="bus", weight=0.5),
    VehicleModel("宇通牌ZK6850BEVG", "中型普通客车", "LZY", "TZ368", "D", kind="bus", weight=0.4),
    VehicleModel("福田牌BJ1045V9JB5-54", "轻型普通货车", "LVB", "4J28", kind="truck"),
    VehicleModel("江铃牌JX1041TG25", "轻型普通货车", "LEF", "JX4D", kind="truck"),
    VehicleModel("五十铃牌QL1040BUHA", "轻型普通货车", "LWL", "4KH1", kind="truck", weight=0.6),
    VehicleModel("江铃牌JX5044XXYTGA2", "轻型厢式货车", "LEF", "JX4D", kind="truck", weight=0.6),
)
_MODEL_BY_PRINTED = {m.printed: m for m in MODELS}


def model_info(printed: str) -> VehicleModel | None:
    """The catalogue entry for a printed 品牌型号 (tests use it to check new-energy plates)."""
    return _MODEL_BY_PRINTED.get(printed)


@dataclass(frozen=True)
class City:
    plate_prefix: str  # province abbreviation; the office letter comes from letters
    letters: str
    province: str  # "" for the municipalities
    city: str
    districts: tuple[str, ...]
    police: str  # issuing authority, the seal's ring text
    weight: float = 1.0


def _c(prefix, letters, province, city, districts, police=None, weight=1.0) -> City:
    police = police or f"{province}{city}公安局交通警察支队"
    return City(prefix, letters, province, city, tuple(districts.split()), police, weight)


CITIES: tuple[City, ...] = (
    _c("粤", "A", "广东省", "广州市", "天河区 越秀区 海珠区 白云区 番禺区", weight=3),
    _c("粤", "B", "广东省", "深圳市", "南山区 福田区 罗湖区 宝安区 龙岗区 龙华区", weight=3),
    _c("粤", "E", "广东省", "佛山市", "禅城区 南海区 顺德区", weight=1.5),
    _c("粤", "S", "广东省", "东莞市", "东城街道 南城街道 长安镇 虎门镇", weight=1.5),
    _c(
        "京",
        "ABCEFGHJKLMNPQ",
        "",
        "北京市",
        "朝阳区 海淀区 东城区 西城区 丰台区",
        "北京市公安局公安交通管理局",
        weight=3,
    ),
    _c("沪", "ABDEF", "", "上海市", "浦东新区 徐汇区 闵行区 静安区", "上海市公安局交通警察总队", 3),
    _c("津", "ABCDEFG", "", "天津市", "和平区 南开区 河西区", "天津市公安交通管理局"),
    _c("渝", "ABCD", "", "重庆市", "渝中区 江北区 九龙坡区", "重庆市公安局交通巡逻警察总队", 1.5),
    _c("苏", "A", "江苏省", "南京市", "玄武区 鼓楼区 建邺区", weight=1.5),
    _c("苏", "E", "江苏省", "苏州市", "姑苏区 吴中区 相城区", weight=1.5),
    _c("浙", "A", "浙江省", "杭州市", "西湖区 上城区 拱墅区 滨江区", weight=2),
    _c("浙", "B", "浙江省", "宁波市", "鄞州区 海曙区 江北区"),
    _c("川", "A", "四川省", "成都市", "锦江区 武侯区 成华区 青羊区", weight=2),
    _c("鄂", "A", "湖北省", "武汉市", "武昌区 洪山区 江汉区", weight=1.5),
    _c("湘", "A", "湖南省", "长沙市", "岳麓区 芙蓉区 天心区"),
    _c("鲁", "B", "山东省", "青岛市", "市南区 崂山区 黄岛区"),
    _c("鲁", "A", "山东省", "济南市", "历下区 市中区 槐荫区"),
    _c("豫", "A", "河南省", "郑州市", "金水区 二七区 中原区"),
    _c("陕", "A", "陕西省", "西安市", "雁塔区 碑林区 未央区"),
    _c("闽", "D", "福建省", "厦门市", "思明区 湖里区 集美区"),
    _c("辽", "B", "辽宁省", "大连市", "中山区 沙河口区 甘井子区", weight=0.7),
    _c("黑", "A", "黑龙江省", "哈尔滨市", "南岗区 道里区 香坊区", weight=0.7),
    _c("新", "A", "新疆维吾尔自治区", "乌鲁木齐市", "天山区 沙依巴克区", weight=0.5),
    _c("桂", "A", "广西壮族自治区", "南宁市", "青秀区 兴宁区 西乡塘区", weight=0.7),
    _c("云", "A", "云南省", "昆明市", "五华区 盘龙区 官渡区", weight=0.7),
    _c("琼", "A", "海南省", "海口市", "美兰区 龙华区 秀英区", weight=0.5),
)

VEHICLE_TYPES = tuple(dict.fromkeys(m.vehicle_type for m in MODELS))
USE_CHARACTERS = ("非营运", "营运", "出租客运", "租赁", "货运")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红玲芬飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国志"
    "文辉力永峰海东亮成晨思雨欣怡梓涵子轩然航嘉佳琪诗豪一诺梦晓婷倩雪慧颖博睿泽楠瑶琳鹏程锦昊宏颖"
)
DOTTED_NAMES = (
    "买买提·艾力",
    "阿依古丽·吐尔逊",
    "艾尔肯·热合曼",
    "古丽娜尔·阿不都",
    "热依拉·艾买提",
)
TRADE_NAMES = (
    "恒信 华通 鼎盛 宏达 新锐 瑞丰 金桥 百川 中联 天成 "
    "远航 博源 安泰 永信 顺通 嘉禾 汇丰 众诚 鸿运 星辰"
).split()
INDUSTRIES = {
    "非营运": ("科技", "贸易", "建筑工程", "电子", "餐饮管理", "物业管理", "医药", "实业"),
    "营运": ("客运", "旅游客运", "交通运输"),
    "出租客运": ("出租汽车", "出租车"),
    "租赁": ("汽车租赁",),
    "货运": ("物流", "运输", "货运"),
}
STREETS = (
    "人民路 中山路 解放路 建设路 和平路 新华路 长江路 黄河路 科技园路 滨海大道 "
    "学府路 东风路 迎宾大道 文化路 青年路 胜利路 朝阳路 光明路 幸福路 工业大道 "
    "南京路 北京路 金融街 创业路 湖滨路"
).split()
ESTATES = (
    "阳光花园 金色家园 翠湖苑 碧桂园 万科城 锦绣华庭 和谐家园 绿城小区 世纪新城 御景湾 海岸城"
).split()
TOWNS = "新塘镇 石岩街道 城关镇 沙井街道 高新区 西丽街道".split()

# Model-year letters of VIN position 10 (GB 16735), from 2010.
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY"
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"

EARLIEST_DATE = date(2010, 1, 1)
# Dates are drawn up to this day (or today if earlier), so a seed gives the same set every day.
LATEST_DATE = date(2026, 6, 30)


def _latest() -> date:
    return min(LATEST_DATE, date.today())


def _person_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.02:
        return rng.choice(DOTTED_NAMES)
    if roll < 0.08:
        surname = rng.choice(sorted(COMPOUND_SURNAMES))
    else:
        surname = rng.choice(SURNAMES)
    length = 1 if rng.random() < 0.35 else 2
    return surname + "".join(rng.choice(GIVEN_CHARS) for _ in range(length))


def _company(rng: random.Random, city: City, use: str) -> str:
    suffix = "股份有限公司" if rng.random() < 0.1 else "有限公司"
    return f"{city.city}{rng.choice(TRADE_NAMES)}{rng.choice(INDUSTRIES[use])}{suffix}"


def _address(rng: random.Random, city: City, company: bool) -> str:
    head = f"{city.province}{city.city}{rng.choice(city.districts)}"
    number = rng.randint(1, 999)
    if company:
        tail = rng.choice(
            (
                f"{rng.choice('ABCD')}座{rng.randint(2, 32)}{rng.randint(1, 20):02d}",
                f"{rng.randint(1, 12)}楼",
                f"{rng.randint(1, 9)}栋{rng.randint(1, 25)}{rng.randint(1, 12):02d}",
            )
        )
        return f"{head}{rng.choice(STREETS)}{number}号{tail}"
    if rng.random() < 0.15:
        return (
            f"{head}{rng.choice(TOWNS)}{rng.choice(TRADE_NAMES)}村{rng.randint(1, 12)}组{number}号"
        )
    building = rng.randint(1, 30)
    room = rng.randint(1, 33) * 100 + rng.randint(1, 8)
    return f"{head}{rng.choice(STREETS)}{number}号{rng.choice(ESTATES)}{building}栋{room}"


def _plate(rng: random.Random, city: City, model: VehicleModel) -> str:
    head = city.plate_prefix + rng.choice(city.letters)
    if model.new_energy:
        if model.kind in ("bus", "truck"):
            return head + "".join(rng.choice("0123456789") for _ in range(5)) + model.energy
        second = rng.choice(_PLATE_LETTERS + "0123456789")
        return head + model.energy + second + "".join(rng.choice("0123456789") for _ in range(4))
    letters = _PLATE_LETTERS.replace("Q", "")
    chars = [rng.choice("0123456789") for _ in range(5)]
    roll = rng.random()
    n_letters = 0 if roll < 0.45 else 1 if roll < 0.85 else 2
    for pos in rng.sample(range(5), n_letters):
        chars[pos] = rng.choice(letters)
    return head + "".join(chars)


def _vin(rng: random.Random, model: VehicleModel, year: int) -> str:
    vds = "".join(rng.choice(_VIN_CHARS) for _ in range(5))
    year_code = _YEAR_CODES[max(0, min(len(_YEAR_CODES) - 1, year - 2010))]
    plant = rng.choice(_VIN_CHARS)
    serial = "".join(rng.choice("0123456789") for _ in range(6))
    draft = f"{model.wmi}{vds}0{year_code}{plant}{serial}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def _engine_no(rng: random.Random, model: VehicleModel) -> str:
    prefix = model.engine_prefix
    length = rng.randint(max(6, len(prefix) + 4), 10)
    body = "".join(rng.choice("0123456789") for _ in range(length - len(prefix)))
    if rng.random() < 0.3:
        body = rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") + body[1:]
    return prefix + body


def _use_character(rng: random.Random, model: VehicleModel) -> str:
    table = {
        "car": (("非营运", 80), ("出租客运", 7), ("租赁", 8), ("营运", 5)),
        "suv": (("非营运", 85), ("租赁", 10), ("营运", 5)),
        "offroad": (("非营运", 92), ("租赁", 8)),
        "bus": (("营运", 70), ("非营运", 30)),
        "truck": (("货运", 75), ("非营运", 25)),
    }[model.kind]
    return rng.choices([u for u, _ in table], weights=[w for _, w in table])[0]


def random_truth(rng: random.Random) -> LicenceTruth:
    """A plausible, internally consistent licence: valid plate (new-energy for EV/PHEV models),
    VIN with a correct check digit and a model-year letter matching the registration, dates in
    2010..today with issue >= register, owner and address from the plate's city."""
    model = rng.choices(MODELS, weights=[m.weight for m in MODELS])[0]
    city = rng.choices(CITIES, weights=[c.weight for c in CITIES])[0]
    use = _use_character(rng, model)
    company = rng.random() < (0.15 if use == "非营运" else 0.85)
    owner = _company(rng, city, use) if company else _person_name(rng)
    latest = _latest()
    register = EARLIEST_DATE + timedelta(days=rng.randint(0, (latest - EARLIEST_DATE).days))
    if rng.random() < 0.6:
        issue = register
    else:
        issue = register + timedelta(days=rng.randint(0, (latest - register).days))
    model_year = register.year if rng.random() < 0.7 or register.year == 2010 else register.year - 1
    return LicenceTruth(
        plate_no=_plate(rng, city, model),
        vehicle_type=model.vehicle_type,
        owner=owner,
        address=_address(rng, city, company),
        use_character=use,
        model=model.printed,
        vin=_vin(rng, model, model_year),
        engine_no=_engine_no(rng, model),
        register_date=register.isoformat(),
        issue_date=issue.isoformat(),
    )


def _issuer(truth: LicenceTruth) -> str:
    """The seal text for the plate's city (the first city with that prefix and office letter)."""
    for city in CITIES:
        if truth.plate_no[0] == city.plate_prefix and truth.plate_no[1] in city.letters:
            return city.police
    return "公安局交通警察支队"


# --- textures ---------------------------------------------------------------------------------


def _smooth_noise(nrng: np.random.Generator, h: int, w: int, cy: int, cx: int) -> np.ndarray:
    """Low-frequency noise in about [0, 1], h×w float32, with cy×cx control cells."""
    small = nrng.random((max(2, cy), max(2, cx)), dtype=np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _wood(nrng: np.random.Generator, rng: random.Random, h: int, w: int) -> np.ndarray:
    vertical = rng.random() < 0.4
    if vertical:
        h, w = w, h
    colour = np.array(
        rng.choice(((150, 105, 70), (186, 140, 96), (112, 76, 52), (205, 172, 132), (90, 60, 42))),
        np.float32,
    )
    warp = _smooth_noise(nrng, h, w, 6, 3)
    streaks = cv2.resize(nrng.random((max(2, h // 3), 6), dtype=np.float32), (w, h))
    y = np.arange(h, dtype=np.float32)[:, None] / h
    freq = rng.uniform(6, 18)
    grain = np.sin(2 * np.pi * (y * freq + 2.5 * warp))
    tone = 0.84 + 0.07 * grain + 0.14 * (streaks - 0.5) + 0.12 * (warp - 0.5)
    if rng.random() < 0.6:  # plank seams
        for _ in range(rng.randint(1, 3)):
            row = rng.randint(0, h - 1)
            tone[max(0, row - 1) : row + 2] *= 0.55
    img = tone[..., None] * colour
    return img.transpose(1, 0, 2).copy() if vertical else img


def _fabric(nrng: np.random.Generator, rng: random.Random, h: int, w: int) -> np.ndarray:
    colour = np.array(
        rng.choice(((72, 82, 112), (150, 150, 152), (200, 190, 170), (122, 44, 44), (60, 90, 70))),
        np.float32,
    )
    period = rng.uniform(3.5, 7.0)
    x = np.arange(w, dtype=np.float32)[None, :]
    y = np.arange(h, dtype=np.float32)[:, None]
    warp = 0.5 + 0.5 * np.sin(2 * np.pi * x / period)
    weft = 0.5 + 0.5 * np.sin(2 * np.pi * y / period)
    checker = ((x // period + y // period) % 2).astype(bool)
    weave = np.where(checker, warp, weft)
    folds = _smooth_noise(nrng, h, w, 4, 5)
    fuzz = nrng.random((h, w), dtype=np.float32)
    tone = 0.78 + 0.12 * weave + 0.25 * (folds - 0.5) + 0.06 * fuzz
    return tone[..., None] * colour


def _plain(nrng: np.random.Generator, rng: random.Random, h: int, w: int) -> np.ndarray:
    colour = np.array(
        rng.choice(((228, 228, 222), (62, 62, 66), (182, 186, 192), (240, 236, 226), (40, 44, 52))),
        np.float32,
    )
    shade = _smooth_noise(nrng, h, w, 3, 3)
    tone = 0.9 + 0.16 * (shade - 0.5)
    return tone[..., None] * colour


BACKGROUNDS = {"desk": _wood, "fabric": _fabric, "plain": _plain}


# --- the card ---------------------------------------------------------------------------------

CARD_ASPECT = 88 / 60  # the main page is 88 × 60 mm
TITLE = "中华人民共和国机动车行驶证"
SUBTITLE = "Vehicle License of the People's Republic of China"

# Rows of (field, Chinese label, English label); two entries make two columns.
ROWS: tuple[tuple[tuple[str, str, str], ...], ...] = (
    (("plate_no", "号牌号码", "Plate No."), ("vehicle_type", "车辆类型", "Vehicle Type")),
    (("owner", "所有人", "Owner"),),
    (("address", "住址", "Address"),),
    (("use_character", "使用性质", "Use Character"), ("model", "品牌型号", "Model")),
    (("vin", "车辆识别代号", "VIN"),),
    (("engine_no", "发动机号码", "Engine No."),),
    (("register_date", "注册日期", "Register Date"), ("issue_date", "发证日期", "Issue Date")),
)

_TINTS = ((224, 236, 222), (220, 230, 238), (229, 235, 226), (226, 232, 236), (226, 236, 230))


def _sharpen(wave: np.ndarray) -> np.ndarray:
    """wave**8 (thin bright lines from a cosine), by squaring, which is much faster than pow."""
    wave = wave * wave
    wave *= wave
    wave *= wave
    return wave


def _guilloche(nrng: np.random.Generator, rng: random.Random, h: int, w: int) -> np.ndarray:
    """Security-print line pattern in [0, 1]: two families of wavy lines and a rosette."""
    x = np.arange(w, dtype=np.float32)[None, :] / w
    y = np.arange(h, dtype=np.float32)[:, None] / h
    p1, p2 = rng.uniform(0.012, 0.02), rng.uniform(0.012, 0.02)
    a1, a2 = rng.uniform(0.01, 0.03), rng.uniform(0.01, 0.03)
    k1, k2 = rng.uniform(2, 5), rng.uniform(2, 5)
    v1 = (y * h / w + a1 * np.sin(2 * np.pi * k1 * x)) / p1
    v2 = (y * h / w - a2 * np.sin(2 * np.pi * k2 * x + 1.3)) / p2
    line1 = _sharpen((1 + np.cos(2 * np.pi * v1)) / 2)
    line2 = _sharpen((1 + np.cos(2 * np.pi * v2)) / 2)
    cx, cy = rng.uniform(0.45, 0.6), rng.uniform(0.5, 0.65)
    dx, dy = x - cx, (y - cy) * h / w
    r = np.sqrt(dx * dx + dy * dy)
    theta = np.arctan2(dy, dx)
    petals = rng.randint(8, 16)
    v3 = r / rng.uniform(0.008, 0.014) + 3.0 * np.sin(petals * theta)
    line3 = _sharpen((1 + np.cos(2 * np.pi * v3)) / 2) * np.exp(-((r / 0.28) ** 2))
    return np.clip(0.45 * line1 + 0.45 * line2 + 0.7 * line3, 0, 1)


def _apply_ink(rgb: np.ndarray, mask: np.ndarray, ink: tuple[int, int, int], opacity: float):
    a = mask[..., None] * opacity
    rgb *= 1 - a
    rgb += a * np.array(ink, np.float32)


def _seal_mask(
    text: str, radius: float, rng: random.Random, nrng: np.random.Generator
) -> np.ndarray:
    """Alpha (float32, square) of a round seal: ring, ring text over the top, star."""
    size = int(2 * radius + 6)
    img = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(img)
    c = size / 2
    ring = max(2, round(radius * 0.055))
    draw.ellipse([c - radius, c - radius, c + radius, c + radius], outline=255, width=ring)
    star = radius * 0.3
    points = []
    for k in range(10):
        r = star if k % 2 == 0 else star * 0.382
        a = -math.pi / 2 + k * math.pi / 5
        points.append((c + r * math.cos(a), c + r * math.sin(a)))
    draw.polygon(points, fill=255)
    glyph_size = radius * 0.23
    font = _font(rng.choice(("serif-bold", "sans-bold")), round(glyph_size))
    text_radius = radius - ring - glyph_size * 0.72
    span = min(260.0, 19.0 * len(text))
    box = int(glyph_size * 1.6)
    for i, char in enumerate(text):
        angle = -span / 2 + span * (i + 0.5) / len(text)
        glyph = Image.new("L", (box, box), 0)
        ImageDraw.Draw(glyph).text((box / 2, box / 2), char, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-angle, resample=Image.BICUBIC, expand=True)
        gx = c + text_radius * math.sin(math.radians(angle)) - glyph.width / 2
        gy = c - text_radius * math.cos(math.radians(angle)) - glyph.height / 2
        img.paste(255, (round(gx), round(gy)), mask=glyph)
    img = img.rotate(rng.uniform(-25, 25), resample=Image.BICUBIC)
    alpha = np.asarray(img, np.float32) / 255
    ink = 0.55 + 0.45 * _smooth_noise(nrng, size, size, 5, 5)
    ink *= np.where(nrng.random((size, size), dtype=np.float32) < 0.05, 0.35, 1.0)
    return alpha * np.clip(ink, 0, 1)


def _stamp(rgb: np.ndarray, alpha: np.ndarray, x: int, y: int, colour: tuple[int, int, int]):
    """Multiply-blend a seal (alpha) with its top-left corner at (x, y), clipped to the card."""
    h, w = rgb.shape[:2]
    sh, sw = alpha.shape
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + sw), min(h, y + sh)
    if x0 >= x1 or y0 >= y1:
        return
    a = alpha[y0 - y : y1 - y, x0 - x : x1 - x, None]
    tint = np.array(colour, np.float32) / 255
    rgb[y0:y1, x0:x1] *= 1 - a * (1 - tint)


def _value_text(truth: LicenceTruth, name: str, rng: random.Random) -> str:
    value = getattr(truth, name)
    if name == "plate_no" and rng.random() < 0.15:
        return format_plate(value)
    return value


def _draw_card(
    truth: LicenceTruth,
    rng: random.Random,
    nrng: np.random.Generator,
    width: int,
    value_font: str,
) -> tuple[np.ndarray, np.ndarray]:
    """The printed card (float32 RGB) and its alpha (rounded corners)."""
    w = width
    h = round(w / CARD_ASPECT)
    tint = np.array(rng.choice(_TINTS), np.float32) + np.array(
        [rng.uniform(-4, 4) for _ in range(3)], np.float32
    )
    pattern_ink = tint - np.array(
        rng.choice(((34, 22, 30), (26, 30, 18), (30, 26, 26))), np.float32
    )
    pattern = _guilloche(nrng, rng, h, w)[..., None]
    rgb = tint * (1 - pattern * 0.75) + pattern_ink * pattern * 0.75
    rgb += nrng.normal(0, 1.6, (h, w, 1)).astype(np.float32)

    labels = Image.new("L", (w, h), 0)
    ldraw = ImageDraw.Draw(labels)
    frame = round(w * 0.022)
    ldraw.rectangle([frame, frame, w - frame, h - frame], outline=110, width=max(1, w // 700))
    inner = frame + max(3, w // 160)
    ldraw.rectangle([inner, inner, w - inner, h - inner], outline=70, width=1)

    title_font = _font(rng.choice(("serif-bold", "sans-bold")), round(w * 0.043))
    spacing = w * 0.006
    title_width = sum(_text_width(title_font, ch) for ch in TITLE) + spacing * (len(TITLE) - 1)
    tx, ty = (w - title_width) / 2, h * 0.055
    for ch in TITLE:
        ldraw.text((tx, ty), ch, font=title_font, fill=255)
        tx += _text_width(title_font, ch) + spacing
    sub_font = _font("serif", round(w * 0.0165))
    ldraw.text((w / 2, h * 0.168), SUBTITLE, font=sub_font, fill=235, anchor="mm")

    label_name = rng.choice(LABEL_FONTS)
    zh_font = _font(label_name, round(w * 0.025))
    en_font = _font("sans", round(w * 0.0135))
    values = Image.new("L", (w, h), 0)
    vdraw = ImageDraw.Draw(values)
    value_size = w * rng.uniform(0.029, 0.033)
    row_top, row_bottom = h * 0.205, h * 0.9
    row_h = (row_bottom - row_top) / len(ROWS)
    # The printer's misregistration: values shifted together, relative to the pre-printed labels.
    shift_x = w * rng.uniform(-0.006, 0.025)
    shift_y = row_h * rng.uniform(-0.15, 0.25)
    columns = (w * 0.055, w * 0.5)
    value_x = (w * 0.215, w * 0.615)
    right_edge = w - inner - w * 0.01
    for r, row in enumerate(ROWS):
        y = row_top + r * row_h
        for c, (name, zh, en) in enumerate(row):
            x = columns[c]
            ldraw.text((x, y), zh, font=zh_font, fill=255)
            ldraw.text((x, y + w * 0.029), en, font=en_font, fill=220)
            vx = value_x[c] + shift_x + rng.uniform(-1.5, 1.5)
            limit = (columns[1] - w * 0.012 if len(row) == 2 and c == 0 else right_edge) - vx
            text = _value_text(truth, name, rng)
            font = _fit(value_font, value_size, text, limit)
            baseline = y + w * 0.027 + shift_y + rng.uniform(-1.0, 1.0)
            vdraw.text((vx, baseline), text, font=font, fill=255, anchor="ls")

    skew = rng.uniform(-0.45, 0.45)
    values = values.rotate(skew, resample=Image.BILINEAR, center=(w / 2, h / 2))
    values = values.filter(ImageFilter.GaussianBlur(0.45 * w / 1150))
    label_mask = np.asarray(labels, np.float32) / 255
    value_mask = np.asarray(values, np.float32) / 255
    value_mask *= 0.82 + 0.18 * _smooth_noise(nrng, h, w, 8, 12)
    _apply_ink(rgb, label_mask, (28, 32, 36), 0.92)
    ink = rng.choice(((18, 18, 22), (30, 30, 40), (25, 22, 20)))
    _apply_ink(rgb, value_mask, ink, rng.uniform(0.85, 0.97))

    radius = w * rng.uniform(0.075, 0.088)
    seal = _seal_mask(_issuer(truth), radius, rng, nrng)
    centre_x = w * rng.uniform(0.12, 0.19)
    centre_y = h * rng.uniform(0.79, 0.85)
    colour = rng.choice(((214, 38, 48), (200, 30, 50), (222, 60, 60)))
    _stamp(
        rgb, seal, round(centre_x - seal.shape[1] / 2), round(centre_y - seal.shape[0] / 2), colour
    )

    alpha_img = Image.new("L", (w, h), 0)
    ImageDraw.Draw(alpha_img).rounded_rectangle([0, 0, w - 1, h - 1], radius=w * 0.03, fill=255)
    alpha = np.asarray(alpha_img, np.float32) / 255
    return rgb, alpha


def _holder(
    rgb: np.ndarray, alpha: np.ndarray, rng: random.Random, nrng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The card in its dark plastic/leatherette holder, a margin around it."""
    h, w = alpha.shape
    m = round(w * rng.uniform(0.03, 0.06))
    colour = np.array(rng.choice(((28, 26, 26), (52, 36, 28), (24, 30, 44))), np.float32)
    grain = 0.9 + 0.2 * nrng.random((h + 2 * m, w + 2 * m, 1), dtype=np.float32)
    out = grain * colour
    out[m : m + h, m : m + w] = (
        out[m : m + h, m : m + w] * (1 - alpha[..., None]) + rgb * alpha[..., None]
    )
    holder = Image.new("L", (w + 2 * m, h + 2 * m), 0)
    ImageDraw.Draw(holder).rounded_rectangle(
        [0, 0, w + 2 * m - 1, h + 2 * m - 1], radius=m * 1.2, fill=255
    )
    return out, np.asarray(holder, np.float32) / 255


# --- the photograph ---------------------------------------------------------------------------

PHOTO_SIZE = (1600, 1200)


def _photograph(
    item: np.ndarray,
    alpha: np.ndarray,
    rng: random.Random,
    nrng: np.random.Generator,
    *,
    size: tuple[int, int],
    rotation_deg: float,
    perspective: float,
    background: str,
    fill: float,
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """`item` (float32 RGB with alpha) placed on a background, rotated and tilted; the photo and
    where the item's corners landed (top-left, top-right, bottom-right, bottom-left)."""
    pw, ph = size
    bg = BACKGROUNDS[background](nrng, rng, ph, pw)
    h, w = alpha.shape
    theta = math.radians(rotation_deg)
    cos, sin = abs(math.cos(theta)), abs(math.sin(theta))
    bw, bh = w * cos + h * sin, w * sin + h * cos
    s = min(fill * pw / bw, 0.92 * ph / bh) * (1 - 0.5 * perspective)
    room_x, room_y = max(0.0, (pw - s * bw) / 2), max(0.0, (ph - s * bh) / 2)
    cx = pw / 2 + rng.uniform(-0.6, 0.6) * room_x
    cy = ph / 2 + rng.uniform(-0.6, 0.6) * room_y
    # Keystone: one side further away than the other, in both directions, plus corner jitter.
    px, py = rng.uniform(-1, 1) * perspective, rng.uniform(-1, 1) * perspective
    dst = []
    for u, v in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)):
        u2 = u * (1 - py * (v / (h / 2)) * 0.5) + rng.uniform(-1, 1) * perspective * 0.12 * w
        v2 = v * (1 - px * (u / (w / 2)) * 0.5) + rng.uniform(-1, 1) * perspective * 0.12 * h
        x = s * (u2 * math.cos(theta) + v2 * math.sin(theta)) + cx
        y = s * (-u2 * math.sin(theta) + v2 * math.cos(theta)) + cy
        dst.append((x, y))
    src = np.float32([(0, 0), (w, 0), (w, h), (0, h)])
    matrix = cv2.getPerspectiveTransform(src, np.float32(dst))
    warped = cv2.warpPerspective(item, matrix, (pw, ph), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(alpha, matrix, (pw, ph), flags=cv2.INTER_LINEAR)
    # Soft shadow under the item.
    offset = np.float32([[1, 0, rng.uniform(-1, 1) * pw * 0.008], [0, 1, pw * 0.008]])
    small = (max(1, pw // 4), max(1, ph // 4))
    shadow = cv2.resize(cv2.warpAffine(mask, offset, (pw, ph)), small, interpolation=cv2.INTER_AREA)
    shadow = cv2.resize(cv2.GaussianBlur(shadow, (0, 0), pw * 0.0025), (pw, ph))
    bg *= (1 - rng.uniform(0.25, 0.45) * shadow)[..., None]
    return cv2.blendLinear(warped, bg, mask, 1 - mask), dst


def _point_in(quad: list[tuple[float, float]], rng: random.Random) -> tuple[float, float]:
    """A random point well inside a quadrilateral (bilinear in its corners)."""
    u, v = rng.uniform(0.15, 0.85), rng.uniform(0.15, 0.85)
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = quad
    top = (x0 + (x1 - x0) * u, y0 + (y1 - y0) * u)
    bottom = (x3 + (x2 - x3) * u, y3 + (y2 - y3) * u)
    return top[0] + (bottom[0] - top[0]) * v, top[1] + (bottom[1] - top[1]) * v


def _camera(
    photo: np.ndarray,
    rng: random.Random,
    nrng: np.random.Generator,
    *,
    glare: float,
    blur: float,
    noise: float,
    jpeg_quality: int,
    glare_centre: tuple[float, float] | None = None,
) -> bytes:
    """Uneven light, white balance, glare, blur, sensor noise and JPEG."""
    ph, pw = photo.shape[:2]
    # Light and glare are smooth: compute them at a quarter of the resolution.
    sw, sh = max(2, pw // 4), max(2, ph // 4)
    x = (np.arange(sw, dtype=np.float32)[None, :] + 0.5) / sw - 0.5
    y = (np.arange(sh, dtype=np.float32)[:, None] + 0.5) / sh - 0.5
    phi = rng.uniform(0, 2 * math.pi)
    light = 1 + rng.uniform(0.05, 0.25) * (x * math.cos(phi) + y * math.sin(phi))
    light = light * (1 - rng.uniform(0.1, 0.35) * (x * x + y * y)) * rng.uniform(0.92, 1.08)
    balance = np.array(
        [1 + rng.uniform(-0.05, 0.07), 1.0, 1 + rng.uniform(-0.08, 0.04)], np.float32
    )
    gain = cv2.resize(light[..., None] * balance, (pw, ph), interpolation=cv2.INTER_LINEAR)
    photo = photo * gain
    if glare > 0:
        gx, gy = glare_centre or (rng.uniform(0.25, 0.75) * pw, rng.uniform(0.25, 0.75) * ph)
        sx, sy = rng.uniform(0.08, 0.2) * pw, rng.uniform(0.05, 0.14) * pw
        rho = rng.uniform(0, math.pi)
        dx = (x + 0.5) * pw - gx
        dy = (y + 0.5) * ph - gy
        a = (dx * math.cos(rho) + dy * math.sin(rho)) / sx
        b = (-dx * math.sin(rho) + dy * math.cos(rho)) / sy
        d2 = a * a + b * b
        blob = np.exp(-d2) * 0.75 + np.exp(-d2 * 8) * 0.6
        keep = cv2.resize(1 - np.clip(glare * blob, 0, 1), (pw, ph), interpolation=cv2.INTER_LINEAR)
        # Screen blend towards white: 255 - (255 - photo) * (1 - g).
        np.clip(photo, 0, 255, out=photo)
        photo = 255 - (255 - photo) * keep[..., None]
    if blur > 0:
        photo = cv2.GaussianBlur(photo, (0, 0), blur)
    if noise > 0:
        photo += nrng.standard_normal((ph, pw, 1), dtype=np.float32) * noise
        # Chroma noise is blotchy on phone cameras: draw it at half resolution.
        chroma = nrng.standard_normal((ph // 2 + 1, pw // 2 + 1, 3), dtype=np.float32)
        photo += cv2.resize(chroma, (pw, ph), interpolation=cv2.INTER_LINEAR) * (noise * 0.5)
    out = Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8), "RGB")
    buffer = io.BytesIO()
    out.save(buffer, "JPEG", quality=int(jpeg_quality))
    return buffer.getvalue()


def _photo_size(scale: float) -> tuple[int, int]:
    return round(PHOTO_SIZE[0] * scale), round(PHOTO_SIZE[1] * scale)


def render_licence(
    truth: LicenceTruth,
    rng: random.Random,
    *,
    rotation_deg: float = 0.0,
    blur: float = 0.0,
    noise: float = 0.0,
    perspective: float = 0.0,
    glare: float = 0.0,
    jpeg_quality: int = 88,
    background: str = "desk",
    font: str | None = None,
    scale: float = 1.0,
) -> bytes:
    """A JPEG photo of the licence main page showing `truth`.

    rotation_deg: counter-clockwise; blur: Gaussian sigma in output pixels; noise: sensor noise
    sigma in 0–255 units; perspective: keystone strength (0.1 ≈ far edge 10% shorter); glare:
    0–1 strength of a bright blob on the laminate; background: desk | fabric | plain; font: a
    FONTS name (or a font file path) for the printed values, random from VALUE_FONTS if None;
    scale: photo size relative to 1600×1200.
    """
    if background not in BACKGROUNDS:
        raise ValueError(f"unknown background {background!r}; one of {sorted(BACKGROUNDS)}")
    nrng = np.random.default_rng(rng.getrandbits(64))
    value_font = font or rng.choice(VALUE_FONTS)
    size = _photo_size(scale)
    card, alpha = _draw_card(truth, rng, nrng, round(1150 * scale), value_font)
    if rng.random() < 0.3:
        card, alpha = _holder(card, alpha, rng, nrng)
    photo, quad = _photograph(
        card,
        alpha,
        rng,
        nrng,
        size=size,
        rotation_deg=rotation_deg,
        perspective=perspective,
        background=background,
        fill=rng.uniform(0.68, 0.88),
    )
    return _camera(
        photo,
        rng,
        nrng,
        glare=glare,
        blur=blur,
        noise=noise,
        jpeg_quality=jpeg_quality,
        glare_centre=_point_in(quad, rng),
    )


# --- sets -------------------------------------------------------------------------------------

# Ranges (lo, hi) drawn uniformly; tuples of names drawn with rng.choice.
DIFFICULTIES: dict[str, dict[str, Any]] = {
    "easy": {
        "rotation_deg": (-4.0, 4.0),
        "blur": (0.0, 0.6),
        "noise": (0.0, 3.0),
        "perspective": (0.0, 0.04),
        "glare": (0.0, 0.0),
        "jpeg_quality": (85, 95),
        "scale": (1.0, 1.0),
        "background": ("desk", "fabric", "plain"),
        "font": VALUE_FONTS,
    },
    "mixed": {
        "rotation_deg": (-15.0, 15.0),
        "blur": (0.0, 1.6),
        "noise": (0.0, 8.0),
        "perspective": (0.0, 0.12),
        "glare": (0.0, 0.5),
        "jpeg_quality": (60, 92),
        "scale": (0.75, 1.0),
        "background": ("desk", "fabric", "plain"),
        "font": VALUE_FONTS,
    },
    "hard": {
        "rotation_deg": (-30.0, 30.0),
        "blur": (0.8, 1.8),
        "noise": (5.0, 14.0),
        "perspective": (0.08, 0.2),
        "glare": (0.3, 0.75),
        "jpeg_quality": (35, 65),
        "scale": (0.6, 0.9),
        "background": ("desk", "fabric", "plain"),
        "font": VALUE_FONTS,
    },
}


def sample_params(difficulty: str, rng: random.Random) -> dict[str, Any]:
    """Render parameters for one photo, drawn from DIFFICULTIES[difficulty]."""
    try:
        ranges = DIFFICULTIES[difficulty]
    except KeyError:
        raise ValueError(
            f"unknown difficulty {difficulty!r}; one of {list(DIFFICULTIES)}"
        ) from None
    params: dict[str, Any] = {}
    for name, spec in ranges.items():
        if isinstance(spec[0], str):
            params[name] = rng.choice(spec)
        elif isinstance(spec[0], int) and isinstance(spec[1], int):
            params[name] = rng.randint(spec[0], spec[1])
        else:
            params[name] = round(rng.uniform(spec[0], spec[1]), 3)
    return params


def generate_set(
    n: int, seed: int, difficulty: str = "mixed"
) -> list[tuple[bytes, LicenceTruth, dict[str, Any]]]:
    """`n` (jpeg, truth, render parameters); the same seed gives the same bytes, and the first
    k items of a bigger set are the k items of a smaller one. The truths depend on the seed
    only, so one seed at several difficulties gives the same licences photographed differently."""
    master = random.Random(seed)
    out = []
    for _ in range(n):
        rng = random.Random(master.getrandbits(64))
        truth = random_truth(rng)
        params = sample_params(difficulty, rng)
        out.append((render_licence(truth, rng, **params), truth, params))
    return out


# --- photos that are not a licence ------------------------------------------------------------

NOT_A_LICENCE_KINDS = ("receipt", "car", "text_page", "driving_licence")

_SHOPS = ("华润万家超市", "美宜佳便利店", "老乡鸡餐厅", "中石化加油站", "海底捞火锅", "瑞幸咖啡")
_ITEMS = (
    "矿泉水 550ml",
    "可口可乐",
    "康师傅红烧牛肉面",
    "农夫山泉",
    "面包",
    "鸡蛋 10枚",
    "酸奶",
    "香蕉",
    "92号汽油",
    "洗车服务",
    "拿铁咖啡",
    "宫保鸡丁",
    "米饭",
    "番茄炒蛋",
    "纸巾",
)
_SENTENCES = (
    "为进一步做好社区环境卫生整治工作，现将有关事项通知如下。",
    "请各位业主于本周六上午九点前将车辆移出地下停车场，以便进行地面防水施工。",
    "施工期间如有不便，敬请谅解，感谢您的理解与支持。",
    "本次活动面向全体会员，凡消费满二百元即可参加抽奖。",
    "孩子们在操场上奔跑，老师在一旁微笑着看着他们。",
    "今年春节假期自二月十日起至二月十七日止，共八天。",
    "请妥善保管好个人财物，贵重物品请随身携带。",
    "会议纪要已上传至共享文件夹，请相关同事及时查阅并反馈意见。",
    "天气预报显示明天有中到大雨，出行请注意安全。",
    "物业服务中心电话：八六六二三四五七，工作时间上午八点至下午六点。",
)


def _paper_item(
    w: int, h: int, rng: random.Random, nrng: np.random.Generator, tint=(246, 245, 240)
) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    base = np.array(tint, np.float32) + nrng.normal(0, 1.5, (h, w, 1)).astype(np.float32)
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    return img, ImageDraw.Draw(img)


def _receipt(rng: random.Random, nrng: np.random.Generator, scale: float) -> tuple:
    w, h = round(420 * scale), round(1000 * scale)
    img, draw = _paper_item(w, h, rng, nrng)
    font = _font(rng.choice(("mono", "sans")), round(22 * scale))
    big = _font("sans-bold", round(30 * scale))
    y = 30 * scale
    draw.text((w / 2, y), rng.choice(_SHOPS), font=big, fill=(30, 30, 30), anchor="mt")
    y += 60 * scale
    day = date(2025, 1, 1) + timedelta(days=rng.randint(0, 500))
    lines = [
        f"单号：{rng.randint(10**9, 10**10 - 1)}",
        f"日期：{day} {rng.randint(8, 21)}:{rng.randint(0, 59):02d}",
        "-" * 30,
    ]
    total = 0.0
    for _ in range(rng.randint(4, 9)):
        price = round(rng.uniform(2, 60), 1)
        qty = rng.randint(1, 3)
        total += price * qty
        lines.append(f"{rng.choice(_ITEMS)}")
        lines.append(f"    {qty} x {price:.2f}    {price * qty:.2f}")
    lines += ["-" * 30, f"合计：{total:.2f}", f"微信支付：{total:.2f}", "谢谢惠顾，欢迎再次光临"]
    for line in lines:
        if y > h - 40 * scale:
            break
        draw.text((24 * scale, y), line, font=font, fill=(40, 40, 45))
        y += 34 * scale
    return img, 0.35


def _text_page(rng: random.Random, nrng: np.random.Generator, scale: float) -> tuple:
    w, h = round(900 * scale), round(1270 * scale)
    img, draw = _paper_item(w, h, rng, nrng, tint=(250, 250, 248))
    title = _font("sans-bold", round(40 * scale))
    body = _font(rng.choice(("serif", "sans")), round(26 * scale))
    draw.text(
        (w / 2, 70 * scale),
        rng.choice(("通知", "温馨提示", "会议纪要", "活动公告")),
        font=title,
        fill=(20, 20, 20),
        anchor="mt",
    )
    y = 160 * scale
    per_line = int((w - 160 * scale) // (26 * scale)) - 1
    text = "".join(rng.choice(_SENTENCES) for _ in range(14))
    while text and y < h - 100 * scale:
        draw.text((70 * scale, y), text[:per_line], font=body, fill=(30, 30, 30))
        text = text[per_line:]
        y += 44 * scale
    return img, 0.55


def _driving_licence(rng: random.Random, nrng: np.random.Generator, scale: float) -> tuple:
    """The driver's licence (驾驶证), the document most often sent instead of the 行驶证."""
    w = round(1150 * scale)
    h = round(w / CARD_ASPECT)
    img, draw = _paper_item(w, h, rng, nrng, tint=(228, 232, 236))
    draw.text(
        (w / 2, h * 0.08),
        "中华人民共和国机动车驾驶证",
        font=_font("serif-bold", w * 0.042),
        fill=(30, 30, 30),
        anchor="mt",
    )
    draw.text(
        (w / 2, h * 0.155),
        "Driving License of the People's Republic of China",
        font=_font("serif", w * 0.016),
        fill=(50, 50, 50),
        anchor="mm",
    )
    city = rng.choice(CITIES)
    born = date(1965, 1, 1) + timedelta(days=rng.randint(0, 12000))
    first = born + timedelta(days=rng.randint(18 * 366, 40 * 365))
    rows = (
        ("证号", "".join(rng.choice("0123456789") for _ in range(18))),
        ("姓名", _person_name(rng)),
        ("性别", rng.choice("男女")),
        ("国籍", "中国"),
        ("住址", _address(rng, city, False)),
        ("出生日期", born.isoformat()),
        ("初次领证日期", first.isoformat()),
        ("准驾车型", rng.choice(("C1", "C2", "B2", "A1"))),
        ("有效期限", f"{first.isoformat()} 至 {first.replace(year=first.year + 10).isoformat()}"),
    )
    label = _font("sans", w * 0.024)
    value_font = rng.choice(VALUE_FONTS)
    for i, (zh, text) in enumerate(rows):
        y = h * (0.22 + i * 0.082)
        draw.text((w * 0.05, y), zh, font=label, fill=(40, 40, 40))
        value = _fit(value_font, w * 0.028, text, w * (0.74 if i < 7 else 0.7) - w * 0.24)
        draw.text((w * 0.24, y), text, font=value, fill=(20, 20, 20))
    draw.rectangle([w * 0.76, h * 0.3, w * 0.94, h * 0.72], fill=(236, 238, 240))
    draw.ellipse([w * 0.81, h * 0.36, w * 0.89, h * 0.5], fill=(90, 80, 75))
    draw.chord([w * 0.78, h * 0.52, w * 0.92, h * 0.8], 180, 360, fill=(40, 50, 70))
    return img, 0.8


def _car_scene(rng: random.Random, nrng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A car seen from the front-side with its plate, drawn with shapes."""
    pw, ph = size
    y = np.arange(ph, dtype=np.float32)[:, None, None] / ph
    sky = (
        np.array((150, 185, 225), np.float32) * (1 - y) + np.array((215, 225, 235), np.float32) * y
    )
    road = np.array(rng.choice(((95, 95, 98), (120, 118, 112))), np.float32)
    horizon = rng.uniform(0.38, 0.5)
    photo = np.where(y < horizon, sky, road * (0.8 + 0.4 * y)).astype(np.float32)
    photo = np.broadcast_to(photo, (ph, pw, 3)).copy()
    photo += (_smooth_noise(nrng, ph, pw, 30, 40)[..., None] - 0.5) * 18
    img = Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    body = rng.choice(
        ((200, 30, 30), (235, 235, 235), (30, 30, 35), (40, 70, 140), (160, 160, 165))
    )
    x0, x1 = pw * rng.uniform(0.1, 0.2), pw * rng.uniform(0.8, 0.9)
    top, bottom = ph * rng.uniform(0.3, 0.38), ph * rng.uniform(0.78, 0.86)
    mid = top + (bottom - top) * 0.42
    draw.polygon(
        [(x0 + pw * 0.12, mid), (x0 + pw * 0.2, top), (x1 - pw * 0.2, top), (x1 - pw * 0.1, mid)],
        fill=tuple(int(c * 0.85) for c in body),
    )
    draw.polygon(
        [
            (x0 + pw * 0.15, mid - 4),
            (x0 + pw * 0.215, top + 14),
            (x1 - pw * 0.215, top + 14),
            (x1 - pw * 0.13, mid - 4),
        ],
        fill=(60, 75, 90),
    )
    draw.rounded_rectangle([x0, mid, x1, bottom], radius=pw * 0.03, fill=body)
    for wx in (x0 + pw * 0.1, x1 - pw * 0.1):
        draw.ellipse(
            [wx - pw * 0.07, bottom - ph * 0.08, wx + pw * 0.07, bottom + ph * 0.1],
            fill=(20, 20, 20),
        )
        draw.ellipse(
            [wx - pw * 0.035, bottom - ph * 0.03, wx + pw * 0.035, bottom + ph * 0.05],
            fill=(150, 150, 155),
        )
    for lx in (x0 + pw * 0.05, x1 - pw * 0.15):
        draw.rounded_rectangle(
            [lx, mid + ph * 0.05, lx + pw * 0.1, mid + ph * 0.1], radius=8, fill=(245, 245, 220)
        )
    plate = format_plate(random_truth(rng).plate_no)
    green = len(plate) == 9
    pcx, pcy = (x0 + x1) / 2, mid + (bottom - mid) * 0.55
    pwid, phei = pw * 0.17, ph * 0.07
    draw.rectangle(
        [pcx - pwid / 2, pcy - phei / 2, pcx + pwid / 2, pcy + phei / 2],
        fill=(120, 200, 130) if green else (20, 60, 170),
        outline=(240, 240, 240),
        width=3,
    )
    draw.text(
        (pcx, pcy),
        plate,
        font=_fit("sans-bold", phei * 0.7, plate, pwid * 0.9),
        fill=(10, 10, 10) if green else (245, 245, 245),
        anchor="mm",
    )
    return np.asarray(img, np.float32)


def not_a_licence_photo(
    rng: random.Random, *, kind: str | None = None, scale: float = 1.0
) -> bytes:
    """A JPEG a customer might send by mistake: a shop receipt, a photo of the car, a page of
    unrelated Chinese text, or the driver's licence (驾驶证) instead of the vehicle licence."""
    kind = kind or rng.choice(NOT_A_LICENCE_KINDS)
    if kind not in NOT_A_LICENCE_KINDS:
        raise ValueError(f"unknown kind {kind!r}; one of {NOT_A_LICENCE_KINDS}")
    nrng = np.random.default_rng(rng.getrandbits(64))
    size = _photo_size(scale)
    if kind == "car":
        photo = _car_scene(rng, nrng, size)
    else:
        make = {"receipt": _receipt, "text_page": _text_page, "driving_licence": _driving_licence}
        img, fill = make[kind](rng, nrng, scale)
        alpha = np.ones((img.height, img.width), np.float32)
        photo, _ = _photograph(
            np.asarray(img, np.float32),
            alpha,
            rng,
            nrng,
            size=size,
            rotation_deg=rng.uniform(-10, 10),
            perspective=rng.uniform(0, 0.08),
            background=rng.choice(tuple(BACKGROUNDS)),
            fill=fill,
        )
    return _camera(
        photo,
        rng,
        nrng,
        glare=rng.choice((0.0, 0.0, rng.uniform(0.1, 0.4))),
        blur=rng.uniform(0, 1.2),
        noise=rng.uniform(0, 6),
        jpeg_quality=rng.randint(70, 92),
    )


# --- command line -----------------------------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devstack.licence_photos",
        description="Write synthetic vehicle licence photos (NNN.jpg) and truth.json.",
    )
    parser.add_argument("--out", type=Path, help="folder (default: one in the temp directory)")
    parser.add_argument("--n", type=int, default=20, help="number of licence photos")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--difficulty", choices=list(DIFFICULTIES), default="mixed")
    parser.add_argument(
        "--negatives", type=int, default=0, help="also write NNN.jpg that are not licences"
    )
    parser.add_argument(
        "--allow-repo", action="store_true", help="allow --out inside the repository"
    )
    args = parser.parse_args(argv)
    out: Path = args.out or Path(tempfile.gettempdir()) / (
        f"claimbot-licence-photos-{args.difficulty}-s{args.seed}"
    )
    out = out.resolve()
    if out.is_relative_to(REPO_ROOT) and not args.allow_repo:
        parser.error(f"{out} is inside the repository; generated sets stay out of git")
    out.mkdir(parents=True, exist_ok=True)
    records: list[dict[str, Any]] = []
    for i, (jpeg, truth, params) in enumerate(generate_set(args.n, args.seed, args.difficulty)):
        name = f"{i:03d}.jpg"
        (out / name).write_bytes(jpeg)
        records.append({"file": name, "truth": truth.to_json(), "params": params})
    negatives = random.Random(f"negatives-{args.seed}")
    for j in range(args.negatives):
        kind = NOT_A_LICENCE_KINDS[j % len(NOT_A_LICENCE_KINDS)]
        name = f"{args.n + j:03d}.jpg"
        (out / name).write_bytes(not_a_licence_photo(negatives, kind=kind))
        records.append({"file": name, "truth": None, "params": {"not_a_licence": kind}})
    (out / "truth.json").write_text(
        json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(records)} photos and truth.json to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
