"""Validation of policies.csv and claims.csv rows: every reason, table-driven."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from chalicelib.domain.claims import ClaimStatus
from chalicelib.domain.import_rows import (
    CLAIM_COLUMNS,
    OPTIONAL_POLICY_COLUMNS,
    POLICY_COLUMNS,
    ClaimRow,
    ImportFileError,
    PolicyRow,
    check_header,
    normalize_mobile,
    parse_claim_row,
    parse_iso_date,
    parse_policy_row,
)
from chalicelib.domain.policies import Coverage

TODAY = date(2026, 11, 22)
ID = "440305198805123013"  # valid: check character 3, born 1988-05-12, male (1)
VIN = "LSVAL6BR3SA123456"  # check digit at position 9 computed
CHINA = timezone(timedelta(hours=8))

GOOD_POLICY = {
    "policy_no": "PDAA20264403000000001",
    "product": "机动车商业保险",
    "holder_name": "欧阳娜娜",
    "holder_id_number": ID,
    "holder_phone": "13812345678",
    "plate": "粤B·D12345",
    "vin": VIN,
    "brand_model": "比亚迪秦PLUS DM-i",
    "start_date": "2026-03-01",
    "end_date": "2027-02-28",
    "cancelled": "",
    "coverages": "车损险:285000;第三者责任险:2000000;车上人员责任险(乘客):10000/座*4",
}

GOOD_TIMELINE = (
    "reported@2026-10-03T14:20:00+08:00;survey_received@2026-10-03T15:02:00+08:00;"
    "under_review@2026-10-04T09:30:00+08:00;approved@2026-10-04T16:00:00+08:00@5200.00"
)
GOOD_CLAIM = {
    "claim_no": "RDAA20264403000000001",
    "policy_no": "PDAA20264403000000001",
    "accident_date": "2026-10-03",
    "timeline": GOOD_TIMELINE,
}


def policy(**changes: str) -> PolicyRow | list[str]:
    return parse_policy_row({**GOOD_POLICY, **changes}, today=TODAY)


def claim(**changes: str) -> ClaimRow | list[str]:
    return parse_claim_row({**GOOD_CLAIM, **changes})


def test_a_good_policy_row_is_normalised():
    row = policy(
        policy_no=" pdaa 20264403000000001 ",
        plate="粤b·d１２３４５",
        holder_phone="+86 138-1234-5678",
        holder_name=" 欧阳 娜娜 ",
        vin="lsval6br3 sa123456",
        cancelled="否",
    )
    assert isinstance(row, PolicyRow)
    assert row.policy_no == "PDAA20264403000000001"
    assert row.plate == "粤BD12345"
    assert row.holder_phone == "13812345678"
    assert row.holder_name == "欧阳娜娜"
    assert row.vin == VIN
    assert row.holder_id_number == ID
    assert (row.start, row.end, row.cancelled) == (date(2026, 3, 1), date(2027, 2, 28), False)
    assert row.coverages[2] == Coverage("车上人员责任险(乘客)", Decimal("10000"), "/座*4")


def test_optional_policy_fields_may_be_empty():
    row = policy(holder_phone="", vin="", brand_model="", coverages="")
    assert isinstance(row, PolicyRow)
    assert (row.holder_phone, row.vin, row.brand_model, row.coverages) == (None, None, "", ())


@pytest.mark.parametrize(
    ("text", "cancelled"),
    [
        ("", False),
        ("0", False),
        ("no", False),
        ("NO", False),
        ("false", False),
        ("否", False),
        ("1", True),
        ("yes", True),
        ("True", True),
        ("是", True),
    ],
)
def test_cancelled_values(text, cancelled):
    assert policy(cancelled=text).cancelled is cancelled


POLICY_REASONS = [
    ({"policy_no": "PD123"}, "policy_no 'PD123' is not a policy number"),
    ({"policy_no": ""}, "policy_no '' is not a policy number"),
    ({"policy_no": "RDAA20264403000000001"}, "is not a policy number"),
    ({"product": "  "}, "product is empty"),
    ({"holder_name": ""}, "holder_name is empty"),
    ({"holder_name": "·"}, "holder_name is empty"),
    ({"holder_id_number": ""}, "holder_id_number is empty"),
    ({"holder_id_number": "440305198805123010"}, "holder_id_number is not a valid"),
    ({"holder_id_number": "440305208805123011"}, "holder_id_number is not a valid"),
    ({"holder_id_number": "44030519880512301"}, "holder_id_number is not a valid"),
    ({"holder_phone": "1381234567"}, "holder_phone is not an 11-digit mobile"),
    ({"holder_phone": "23812345678"}, "holder_phone is not an 11-digit mobile"),
    ({"holder_phone": "0755-88886666"}, "holder_phone is not an 11-digit mobile"),
    ({"plate": ""}, "plate is empty"),
    ({"plate": "粤B1234"}, "plate '粤B1234' is not a valid plate"),
    ({"plate": "XX12345"}, "is not a valid plate"),
    ({"vin": "LSVAL6BR9SA123456"}, "vin is not a valid VIN"),
    ({"vin": "LSVAL6BR3SA12345"}, "vin is not a valid VIN"),
    ({"vin": "LSVAL6BROSA123456"}, "vin is not a valid VIN"),
    ({"start_date": ""}, "start_date is empty"),
    ({"start_date": "2026/03/01"}, "start_date '2026/03/01' is not an ISO date"),
    ({"start_date": "20260301"}, "start_date '20260301' is not an ISO date"),
    ({"end_date": "2027-02-30"}, "end_date '2027-02-30' is not an ISO date"),
    ({"end_date": "2026-02-28"}, "end_date 2026-02-28 is before start_date 2026-03-01"),
    ({"cancelled": "maybe"}, "cancelled 'maybe' is not one of"),
    ({"coverages": "车损险:abc"}, "coverages: coverage '车损险' has a limit that is not a number"),
    ({"coverages": ":1000"}, "coverages: coverage without a name"),
    # What would run as a formula when an export is opened in a spreadsheet, and markup:
    ({"holder_name": "=HYPERLINK(\"http://x.example\",\"王\")"}, "holder_name starts with '='"),
    ({"product": "+cmd|' /C calc'!A0"}, "product starts with '+'"),
    ({"brand_model": " -2+3"}, "brand_model starts with '-'"),
    ({"brand_model": "@SUM(A1)"}, "brand_model starts with '@'"),
    ({"product": "＝1+1"}, "product starts with '='"),  # full-width is the same to a spreadsheet
    ({"holder_name": "<img src=x onerror=alert(1)>"}, "holder_name contains '<' or '>'"),
    ({"holder_name": "王<b>小明"}, "holder_name contains '<' or '>'"),
]


@pytest.mark.parametrize(("changes", "reason"), POLICY_REASONS)
def test_each_policy_reason(changes, reason):
    reasons = policy(**changes)
    assert isinstance(reasons, list) and len(reasons) == 1, reasons
    assert reason in reasons[0]


def test_reasons_never_repeat_the_id_number_phone_or_vin():
    reasons = policy(
        holder_id_number="440305198805123010", holder_phone="23812345678", vin="LSVAL6BR9SA123456"
    )
    assert len(reasons) == 3
    text = " ".join(reasons)
    for secret in ("440305198805123010", "23812345678", "LSVAL6BR9SA123456"):
        assert secret not in text


def test_every_reason_of_a_policy_row_is_collected():
    reasons = policy(
        policy_no="x",
        product="",
        holder_name="",
        holder_id_number="123",
        holder_phone="12",
        plate="nope",
        vin="short",
        start_date="soon",
        end_date="later",
        cancelled="perhaps",
        coverages="车损险:lots",
    )
    assert len(reasons) == 11
    columns = [r.split(" ")[0].rstrip(":") for r in reasons]
    assert columns == [c for c in POLICY_COLUMNS if c != "brand_model"]


# --- claims --------------------------------------------------------------------------------------


def test_a_good_claim_row():
    row = claim(claim_no="rdaa 20264403000000001")
    assert isinstance(row, ClaimRow)
    assert row.claim_no == "RDAA20264403000000001"
    assert row.status is ClaimStatus.APPROVED
    assert [e.status for e in row.timeline][:2] == [
        ClaimStatus.REPORTED,
        ClaimStatus.SURVEY_RECEIVED,
    ]
    assert row.timeline[0].at == datetime(2026, 10, 3, 14, 20, tzinfo=CHINA)
    assert row.timeline[-1].amount == Decimal("5200.00")


def test_timeline_separators_may_be_full_width_and_trailing():
    row = claim(timeline="reported@2026-10-03T14:20:00+08:00；withdrawn@2026-10-03T15:00:00Z;")
    assert isinstance(row, ClaimRow) and row.status is ClaimStatus.WITHDRAWN


R = "reported@2026-10-03T14:20:00+08:00"
SENT = f"{R};surveyor_sent@2026-10-04T16:00:00+08:00"

CLAIM_REASONS = [
    ({"claim_no": "R123"}, "claim_no 'R123' is not a claim number"),
    ({"claim_no": "PDAA20264403000000001"}, "is not a claim number"),
    ({"policy_no": "P1"}, "policy_no 'P1' is not a policy number"),
    ({"accident_date": ""}, "accident_date is empty"),
    ({"accident_date": "3 Oct 2026"}, "accident_date '3 Oct 2026' is not an ISO date"),
    (
        {"accident_date": "2026-10-04"},
        "accident_date 2026-10-04 is after the first timeline entry (2026-10-03)",
    ),
    ({"timeline": ""}, "timeline is empty"),
    ({"timeline": " ; ; "}, "timeline is empty"),
    ({"timeline": "reported"}, "timeline entry 1 'reported' is not status@datetime"),
    ({"timeline": f"{R}@1@2"}, "is not status@datetime or status@datetime@amount"),
    ({"timeline": "lodged@2026-10-03T14:20:00+08:00"}, "has an unknown status 'lodged'"),
    ({"timeline": "reported@2026-10-03T14:20:00"}, "has no UTC offset (add +08:00)"),
    ({"timeline": "reported@2026-10-03"}, "has no time of day"),
    ({"timeline": "reported@yesterday+08:00"}, "is not an ISO date and time"),
    ({"timeline": "reported@"}, "the date and time are empty"),
    (
        {"timeline": f"{R};approved@2026-10-04T16:00:00+08:00@5,2OO"},
        "timeline entry 2 'approved@2026-10-04T16:00:00+08:00@5,2OO': amount '5,2OO' is not yuan",
    ),
    ({"timeline": f"{R};approved@2026-10-04T16:00:00+08:00@-5"}, "amount '-5' is not yuan"),
    (
        {"timeline": "survey_received@2026-10-03T14:20:00+08:00"},
        "timeline: the timeline starts with 'survey_received', not 'reported'",
    ),
    (
        {"timeline": f"{R};paid@2026-10-04T16:00:00+08:00@100"},
        "timeline: entry 1 (paid) cannot follow 'reported'",
    ),
    (
        {"timeline": f"{SENT};approved@2026-10-05T10:00+08:00"},
        "timeline: entry 2 (approved) must carry an amount",
    ),
    (
        {"timeline": f"{SENT}@300"},
        "timeline: entry 1 (surveyor_sent) must not carry an amount",
    ),
    (
        {"timeline": f"{SENT};approved@2026-10-05T10:00+08:00@0"},
        "timeline: entry 2 (approved) must carry a positive amount, not 0",
    ),
    (
        {"timeline": f"{R};withdrawn@2026-10-03T14:00:00+08:00"},
        "timeline: entry 1 (withdrawn) is earlier than the entry before it",
    ),
]


@pytest.mark.parametrize(("changes", "reason"), CLAIM_REASONS)
def test_each_claim_reason(changes, reason):
    reasons = claim(**changes)
    assert isinstance(reasons, list) and len(reasons) == 1, reasons
    assert reason in reasons[0]


def test_every_reason_of_a_claim_row_is_collected():
    reasons = claim(
        claim_no="C1",
        policy_no="P1",
        accident_date="someday",
        timeline="lodged@2026-10-03T14:20:00;approved@soon@x",
    )
    assert reasons[:3] == [
        "claim_no 'C1' is not a claim number (R, 3 letters, 14-20 digits)",
        "policy_no 'P1' is not a policy number (P, 3 letters, 14-20 digits)",
        "accident_date 'someday' is not an ISO date (YYYY-MM-DD)",
    ]
    assert len(reasons) == 7  # entry 1: status, offset; entry 2: date and time, amount


def test_the_accident_date_is_compared_with_the_first_entrys_local_date():
    # 2026-10-03T20:00 UTC is 2026-10-04 04:00 in China: the accident on the 4th is fine.
    row = claim(accident_date="2026-10-04", timeline="reported@2026-10-04T04:00:00+08:00")
    assert isinstance(row, ClaimRow)


# --- header and small parsers --------------------------------------------------------------------


def test_header_in_any_order_is_fine():
    check_header(reversed(POLICY_COLUMNS), POLICY_COLUMNS, "policies file")
    check_header([f" {c} " for c in CLAIM_COLUMNS], CLAIM_COLUMNS, "claims file")


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (("claim_no", "policy_no", "timeline"), "missing column(s): accident_date"),
        (CLAIM_COLUMNS + ("amount",), "unknown column(s): 'amount'"),
        (CLAIM_COLUMNS + ("timeline",), "repeated column(s): timeline"),
        (
            ("claim", "policy_no", "accident_date", "timeline"),
            "missing column(s): claim_no; unknown column(s): 'claim'",
        ),
    ],
)
def test_header_problems_name_the_columns(columns, message):
    with pytest.raises(ImportFileError) as caught:
        check_header(columns, CLAIM_COLUMNS, "claims file")
    assert message in str(caught.value)
    assert "Expected: claim_no,policy_no,accident_date,timeline" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("02012345678", None),
        ("138123456789", None),
    ],
)
def test_normalize_mobile(text, expected):
    assert normalize_mobile(text) == expected


def test_parse_iso_date():
    assert parse_iso_date("２０２６-１０-０３") == date(2026, 10, 3)
    assert parse_iso_date("2026-13-01") is None


def test_a_policy_rows_repr_does_not_show_the_id_number_phone_or_vin():
    text = repr(policy())
    assert "holder_id_number" not in text and ID not in text
    assert "13812345678" not in text and VIN not in text


def test_a_policy_may_name_the_chat_quote_it_was_bought_from():
    check_header([*POLICY_COLUMNS, "quote_no"], POLICY_COLUMNS, "policies file",
                 OPTIONAL_POLICY_COLUMNS)  # fmt: skip
    with pytest.raises(ImportFileError, match="unknown column"):
        check_header([*POLICY_COLUMNS, "quote_no"], POLICY_COLUMNS, "policies file")
    base = dict(GOOD_POLICY)
    assert parse_policy_row(base).quote_no is None  # the column may be absent
    assert parse_policy_row({**base, "quote_no": ""}).quote_no is None
    assert parse_policy_row({**base, "quote_no": " q2026120512345678 "}).quote_no == (
        "Q2026120512345678"
    )
    (reason,) = parse_policy_row({**base, "quote_no": "Q123"})
    assert "quote_no 'Q123' is not a quote number" in reason
