"""Property-based tests (hypothesis) of the parsers a stranger can reach: whatever arrives, each
gives an answer or its own refusal, never another exception, and what it accepts is sane.

Inbound XML (anyone can post to /wechat), plates, VINs, accident times in everyday words,
amounts typed in the console, CSV rows staff import, and the masking of free text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.accident_time import parse_accident_time
from chalicelib.domain.import_rows import (
    CLAIM_COLUMNS,
    POLICY_COLUMNS,
    ClaimRow,
    PolicyRow,
    parse_claim_row,
    parse_policy_row,
)
from chalicelib.domain.kb import KbError, KnowledgeBase, parse_kb
from chalicelib.domain.masking import mask_free_text, mask_plate, mask_vin
from chalicelib.domain.messages import InboundMessage
from chalicelib.domain.plates import format_plate, is_valid_plate, normalize_plate
from chalicelib.domain.review import MAX_AMOUNT, Decision, InvalidDecision, parse_decision
from chalicelib.domain.vin import VIN_LENGTH, is_valid_vin, normalize_vin, vin_check_digit
from chalicelib.wechat.inbound import BadMessage, parse_inbound
from devstack.simulator.client import build_xml

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text as it comes: Chinese, ASCII, full-width forms, digits, punctuation, emoji, controls.
CHARS = st.characters(codec="utf-8", exclude_categories=("Cs",))
TEXT = st.text(CHARS, max_size=60)
PLATE_LIKE = st.text(
    st.sampled_from("京沪粤苏浙川鲁ABCDEFGHJKLMNPQRSTUVWXYZIO0123456789·.- 挂学警港澳ｂＤ１"),
    max_size=12,
)
VIN_LIKE = st.text(st.sampled_from("ABCDEFGHJKLMNPRSTUVWXYZIOQ0123456789 -ａ"), max_size=20)
EVERYDAY_TIME = st.lists(
    st.sampled_from(["刚刚", "半小时前", "2小时前", "昨天", "前天", "今天", "明天", "三天前",
                     "下午", "上午", "晚上", "凌晨", "3点", "15:30", "三点半", "12月1日",
                     "2026年11月30日", "10点20分", "大概", "左右", "  ", "点", "号", "99:99"]),
    max_size=5,
).map("".join)  # fmt: skip
NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


# --- inbound XML -----------------------------------------------------------------------------

FIELD_NAMES = st.sampled_from(
    ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "Event",
     "EventKey", "MediaId", "PicUrl", "Location_X", "Location_Y", "Scale", "Label",
     "Recognition", "Latitude", "Longitude", "Status", "MsgID"]
)  # fmt: skip
FIELD_VALUES = st.one_of(
    TEXT,
    st.integers(min_value=-(10**25), max_value=10**25),
    st.sampled_from(["text", "image", "voice", "event", "location", "link", "video", "subscribe",
                     "unsubscribe", "CLICK", "VIEW", "SCAN", "LOCATION", "o_user_1", "gh_x"]),
)  # fmt: skip


def _is_refusal(exc: BaseException) -> bool:
    return isinstance(exc, BadMessage)


@FAST
@given(st.lists(st.tuples(FIELD_NAMES, FIELD_VALUES), max_size=12))
def test_any_well_formed_push_is_a_message_or_a_bad_message(fields):
    try:
        msg = parse_inbound(build_xml(fields))
    except BadMessage:
        return
    assert isinstance(msg, InboundMessage)
    assert msg.openid and msg.dedupe_key.count(":") >= 2 and len(msg.dedupe_key) < 400


@FAST
@given(st.text(CHARS, max_size=300))
def test_any_text_at_all_is_a_message_or_a_bad_message(raw):
    try:
        parse_inbound(raw)
    except BadMessage:
        pass


# --- plates and VINs --------------------------------------------------------------------------


@FAST
@given(PLATE_LIKE)
def test_plates_normalise_once_and_masks_never_show_them_whole(raw):
    plate = normalize_plate(raw)
    assert normalize_plate(plate) == plate
    if is_valid_plate(plate):
        assert normalize_plate(format_plate(plate)) == plate
        masked = mask_plate(raw)
        assert plate[2:] not in masked.replace("·", "") and masked.count("*") >= 3
    else:
        mask_plate(raw)  # never raises


@FAST
@given(VIN_LIKE)
def test_vins_normalise_once_and_their_check_digit_decides(raw):
    vin = normalize_vin(raw)
    assert normalize_vin(vin) == vin
    if is_valid_vin(vin):
        assert len(vin) == VIN_LENGTH and vin[8] == vin_check_digit(vin)
        assert vin not in mask_vin(vin) and mask_vin(vin).count("*") >= 3


# --- times and amounts ------------------------------------------------------------------------


@FAST
@given(st.one_of(EVERYDAY_TIME, TEXT))
def test_an_accident_time_is_a_minute_near_now_or_none(said):
    moment = parse_accident_time(said, NOW)
    if moment is not None:
        assert moment.tzinfo is not None and moment.second == 0
        assert abs(moment - NOW) < timedelta(days=400)


AMOUNTS = st.one_of(
    TEXT,
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    st.integers().map(str),
    st.sampled_from(["2350", "2,350", "¥2350", "0", "-1", "1e6", "1e400", "NaN", "Infinity"]),
)


@FAST
@given(AMOUNTS)
def test_an_approval_amount_is_a_positive_sum_of_yuan_or_refused(amount):
    try:
        decision = parse_decision({"action": "approve", "amount": amount})
    except InvalidDecision:
        return
    assert isinstance(decision, Decision) and decision.amount is not None
    assert Decimal(0) < decision.amount <= MAX_AMOUNT
    assert decision.amount == decision.amount.quantize(Decimal("0.01"))


# --- CSV rows staff import --------------------------------------------------------------------


def _rows(columns: tuple[str, ...]):
    return st.fixed_dictionaries({c: st.one_of(st.none(), TEXT) for c in columns})


@FAST
@given(_rows(POLICY_COLUMNS))
def test_a_policy_row_is_a_policy_or_its_reasons(row):
    parsed = parse_policy_row(row)
    assert isinstance(parsed, PolicyRow) or (isinstance(parsed, list) and parsed)
    if isinstance(parsed, list):
        assert all(isinstance(r, str) and r for r in parsed)


@FAST
@given(_rows(CLAIM_COLUMNS))
def test_a_claim_row_is_a_claim_or_its_reasons(row):
    parsed = parse_claim_row(row)
    assert isinstance(parsed, ClaimRow) or (isinstance(parsed, list) and parsed)


KB_COLUMNS = ("id", "category", "questions", "keywords", "answer", "article_title",
              "article_description", "article_url")  # fmt: skip


@FAST
@given(st.lists(st.fixed_dictionaries({c: TEXT for c in KB_COLUMNS}), max_size=4))
def test_a_knowledge_base_file_is_a_knowledge_base_or_its_row_problems(rows):
    try:
        kb = parse_kb(rows)
    except KbError as exc:
        assert exc.errors and all(line >= 1 and reason for line, reason in exc.errors)
        return
    assert isinstance(kb, KnowledgeBase)


# --- free text kept for later ------------------------------------------------------------------


@FAST
@given(st.lists(st.one_of(TEXT, st.from_regex(r"1[3-9]\d{9}", fullmatch=True),
                          st.from_regex(r"\d{17}[\dX]", fullmatch=True),
                          st.from_regex(r"[粤京沪][A-HJ-NP-Z][A-HJ-NP-Z0-9]{5}", fullmatch=True)),
                max_size=5).map(" ".join))  # fmt: skip
def test_masked_free_text_keeps_no_long_number(text):
    assert not re.search(r"[0-9]{6,}", mask_free_text(text))
