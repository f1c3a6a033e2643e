"""The operator's import (policies.csv, claims.csv) against moto server."""

from __future__ import annotations

import json
import random
import uuid
from datetime import date

import boto3
import pytest

from chalicelib.domain.book import BindOutcome
from chalicelib.domain.claims import ClaimStatus
from chalicelib.domain.identity import customer_id_for
from chalicelib.domain.people import Gender, id_check_char
from chalicelib.domain.vin import vin_check_digit
from chalicelib.service.importer import ImportFileError, import_claims, import_policies
from chalicelib.store.book import BookStore
from chalicelib.store.book_writer import BookWriter
from chalicelib.store.models import ClaimItem
from devstack import defaults

pytestmark = pytest.mark.integration
KEY = defaults.ID_PEPPER.encode()
POLICY_HEADER = (
    "policy_no,product,holder_name,holder_id_number,holder_phone,plate,vin,brand_model,"
    "start_date,end_date,cancelled,coverages"
)
CLAIM_HEADER = "claim_no,policy_no,accident_date,timeline"
T1 = "reported@2026-10-03T14:20:00+08:00;survey_received@2026-10-03T15:02:00+08:00"
T2 = f"{T1};under_review@2026-10-04T09:30:00+08:00;approved@2026-10-04T16:00:00+08:00@5200.00"


def attempt() -> str:
    """A fresh message's dedupe key: each binding attempt is its own message."""
    return uuid.uuid4().hex


def policy_no() -> str:
    return f"PDAA{random.randrange(10**15, 10**16)}"


def claim_no() -> str:
    return f"RDAA{random.randrange(10**15, 10**16)}"


def id_number(gender: Gender = Gender.FEMALE) -> str:
    sequence = random.randrange(10, 100) * 10 + random.choice(
        (1, 3, 5, 7, 9) if gender is Gender.MALE else (0, 2, 4, 6, 8)
    )
    first17 = f"440305{random.randint(1960, 2000)}0{random.randint(1, 9)}15{sequence:03d}"
    return first17 + id_check_char(first17)


def vin() -> str:
    tail = f"SA{random.randrange(10**6):06d}"
    return f"LSVAL6BR{vin_check_digit(f'LSVAL6BR0{tail}')}{tail}"


def plate() -> str:
    return f"粤B{random.randrange(10**5):05d}"


def policy_line(no: str, ident: str, car_plate: str, phone: str = "", car_vin: str = "") -> str:
    return (
        f"{no},机动车商业保险,欧阳娜娜,{ident},{phone},{car_plate},{car_vin},大众朗逸,"
        "2026-01-01,2026-12-31,否,车损险:120000;第三者责任险:2000000;车上人员责任险(乘客):10000/座*4"
    )


def csv_text(header: str, *lines: str) -> str:
    return "\r\n".join((header, *lines)) + "\r\n"


@pytest.fixture
def writer(container) -> BookWriter:
    return BookWriter(KEY)


@pytest.fixture
def book(container) -> BookStore:
    return BookStore(KEY)


@pytest.fixture
def writes(monkeypatch) -> list[str]:
    """Every DynamoDB write PynamoDB makes during the test."""
    from pynamodb.connection.base import Connection

    calls: list[str] = []
    for name in ("put_item", "batch_write_item", "update_item", "delete_item"):
        original = getattr(Connection, name)

        def spy(self, *args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Connection, name, spy)
    return calls


def raw_item(table: str, key: dict) -> dict:
    client = boto3.client("dynamodb")
    return client.get_item(TableName=f"claimbot-local-{table}", Key=key)["Item"]


def claim_stream_events(number: str) -> list[str]:
    """INSERT/MODIFY/REMOVE records of one claim on the claims table's stream, oldest first."""
    ddb = boto3.client("dynamodb")
    streams = boto3.client("dynamodbstreams")
    arn = ddb.describe_table(TableName="claimbot-local-claims")["Table"]["LatestStreamArn"]
    events = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            if not page["Records"]:
                break
            events += [
                r["eventName"]
                for r in page["Records"]
                if r["dynamodb"]["Keys"]["claim_no"]["S"] == number
            ]
            iterator = page.get("NextShardIterator")
    return events


# --- policies ------------------------------------------------------------------------------------


def test_a_mixed_file_imports_the_good_rows_and_explains_the_bad(writer, book):
    ident, phone, car_vin = id_number(), "13812345678", vin()
    first, second = policy_no(), policy_no()
    text = csv_text(
        POLICY_HEADER,
        policy_line(first, ident, "粤b·d12345", phone, car_vin),
        policy_line(policy_no(), "440305198805123010", "粤B1234"),
        "",
        policy_line(second, ident, plate()),
        policy_line(first, ident, plate()),
        f"{policy_no()},机动车商业保险,王建国",
    )
    report = import_policies(text, writer)

    assert (report.accepted, report.unchanged) == (2, 0)
    assert [r.line for r in report.rejected] == [3, 6, 7]
    assert report.rejected[0].reasons == [
        "holder_id_number is not a valid 18-character resident ID number "
        "(check character or birth date wrong)",
        "plate '粤B1234' is not a valid plate",
    ]
    assert report.rejected[1].reasons == [f"policy_no {first} already appears on line 2"]
    assert report.rejected[2].reasons == ["the row has 3 values, the header has 12 columns"]
    summary = report.summary()
    assert summary.splitlines()[0] == "policies: 2 accepted, 0 unchanged, 3 rejected"
    assert "line 3: holder_id_number is not a valid" in summary
    assert "; plate '粤B1234' is not a valid plate" in summary

    policies = {p.policy_no: p for p in book.policies_of(customer_id_for(ident, KEY))}
    assert policies.keys() == {first, second}
    p = policies[first]
    assert (p.holder_name, p.holder_gender, p.plate) == ("欧阳娜娜", Gender.FEMALE, "粤BD12345")
    assert p.holder_id_masked == ident[0] + "*" * 16 + ident[-1]
    assert p.holder_phone_masked == "138****5678"
    assert p.vin_masked == "LSV" + "*" * 10 + car_vin[-4:]
    assert (p.start, p.end, p.cancelled) == (date(2026, 1, 1), date(2026, 12, 31), False)
    assert [(c.name, str(c.limit), c.unit) for c in p.coverages] == [
        ("车损险", "120000", ""),
        ("第三者责任险", "2000000", ""),
        ("车上人员责任险(乘客)", "10000", "/座*4"),
    ]
    assert policies[second].holder_phone_masked == "" and policies[second].vin_masked == ""

    # Nothing in the stored item gives away the ID number, its last 6, the phone or the VIN.
    for number in (first, second):
        stored = json.dumps(raw_item("policies", {"policy_no": {"S": number}}), ensure_ascii=False)
        for secret in (ident, ident[:17], ident[-6:], phone, car_vin):
            assert secret not in stored


def test_the_imported_holder_can_bind_with_the_ids_last_6(writer, book, openid):
    ident, number, car_plate = id_number(Gender.MALE), policy_no(), plate()
    import_policies(csv_text(POLICY_HEADER, policy_line(number, ident, car_plate)), writer)
    bound = book.try_bind(openid, car_plate, ident[-6:].lower(), attempt())
    assert bound.outcome is BindOutcome.BOUND
    assert book.customer_for(openid).gender is Gender.MALE


def test_a_changed_policy_row_is_rewritten(writer, book):
    ident, number = id_number(), policy_no()
    import_policies(csv_text(POLICY_HEADER, policy_line(number, ident, plate())), writer)
    moved = policy_line(number, ident, plate()).replace("2026-12-31,否", "2026-12-31,是")
    report = import_policies(csv_text(POLICY_HEADER, moved), writer)
    assert (report.accepted, report.unchanged) == (1, 0)
    (policy,) = book.policies_of(customer_id_for(ident, KEY))
    assert policy.cancelled is True


# --- claims --------------------------------------------------------------------------------------


def _policy_in_book(writer) -> tuple[str, str, str]:
    ident, number, car_plate = id_number(), policy_no(), plate()
    report = import_policies(csv_text(POLICY_HEADER, policy_line(number, ident, car_plate)), writer)
    assert report.accepted == 1
    return ident, number, car_plate


def test_claims_import_takes_customer_and_plate_from_the_policy(writer, book):
    ident, number, car_plate = _policy_in_book(writer)
    good, missing = claim_no(), policy_no()
    text = csv_text(
        CLAIM_HEADER,
        f"{good},{number},2026-10-03,{T2}",
        f"{claim_no()},{missing},2026-10-03,{T1}",
        f"{claim_no()},{number},2026-10-05,{T1}",
    )
    report = import_claims(text, writer)
    assert (report.accepted, report.unchanged) == (1, 0)
    assert [(r.line, r.reasons) for r in report.rejected] == [
        (3, [f"policy {missing} is not in the book; import it first"]),
        (4, ["accident_date 2026-10-05 is after the first timeline entry (2026-10-03)"]),
    ]
    (claim,) = book.claims_of(customer_id_for(ident, KEY))
    assert (claim.claim_no, claim.policy_no, claim.plate) == (good, number, car_plate)
    assert claim.status is ClaimStatus.APPROVED
    assert [str(e.status) for e in claim.timeline] == [
        "reported",
        "survey_received",
        "under_review",
        "approved",
    ]
    assert str(claim.amount(ClaimStatus.APPROVED)) == "5200.00"
    assert ClaimItem.get(good).version == 1


def test_trailing_empty_cells_are_ignored(writer, book):
    _, number, _ = _policy_in_book(writer)
    claim = claim_no()
    report = import_claims(
        csv_text(CLAIM_HEADER + ",,", f"{claim},{number},2026-10-03,{T1},,"), writer
    )
    assert (report.accepted, report.rejected) == (1, [])
    assert book.claim(claim).status is ClaimStatus.SURVEY_RECEIVED


def test_a_claim_for_an_unknown_policy_is_rejected(writer):
    missing = policy_no()
    report = import_claims(
        csv_text(CLAIM_HEADER, f"{claim_no()},{missing},2026-10-03,{T1}"), writer
    )
    assert report.accepted == 0
    assert (
        str(report.rejected[0]) == f"line 2: policy {missing} is not in the book; import it first"
    )


def test_importing_the_same_files_again_writes_nothing(container, writes):
    ident, number, car_plate = _policy_in_book(BookWriter(KEY))
    other = policy_no()
    policies = csv_text(
        POLICY_HEADER, policy_line(number, ident, car_plate), policy_line(other, ident, plate())
    )
    claims = csv_text(
        CLAIM_HEADER,
        f"{claim_no()},{number},2026-10-03,{T2}",
        f"{claim_no()},{other},2026-10-03,{T1}",
    )
    first = BookWriter(KEY)
    assert import_policies(policies, first).accepted == 1
    assert import_claims(claims, first).accepted == 2
    assert writes.count("batch_write_item") == 3  # the spy sees them: setup, policies, claims
    writes.clear()

    again = BookWriter(KEY)  # a new run: reads the stored hashes, not its own memory
    p, c = import_policies(policies, again), import_claims(claims, again)
    assert (p.accepted, p.unchanged, p.rejected) == (0, 2, [])
    assert (c.accepted, c.unchanged, c.rejected) == (0, 2, [])
    assert writes == []


def test_a_longer_timeline_updates_the_claim_once_and_a_conflicting_one_is_rejected(writer, book):
    _, number, _ = _policy_in_book(writer)
    claim = claim_no()
    row = f"{claim},{number},2026-10-03,"
    assert import_claims(csv_text(CLAIM_HEADER, row + T1), writer).accepted == 1

    report = import_claims(csv_text(CLAIM_HEADER, row + T2), writer)
    assert (report.accepted, report.rejected) == (1, [])
    assert claim_stream_events(claim) == ["INSERT", "MODIFY"]
    assert book.claim(claim).status is ClaimStatus.APPROVED
    assert ClaimItem.get(claim).version == 2

    # The same history written differently (amount without decimals) is no change either.
    same = import_claims(csv_text(CLAIM_HEADER, row + T2.replace("@5200.00", "@5200")), writer)
    assert (same.accepted, same.unchanged) == (0, 1)

    for conflicting in (
        T1,  # shorter than the stored history
        "reported@2026-10-03T14:20:00+08:00;withdrawn@2026-10-03T15:00:00+08:00",
        T2.replace("5200.00", "5300.00"),
    ):
        report = import_claims(csv_text(CLAIM_HEADER, row + conflicting), writer)
        assert report.accepted == 0
        assert report.rejected[0].reasons == [
            "timeline conflicts with the stored claim, now approved"
        ]
    moved = import_claims(csv_text(CLAIM_HEADER, f"{claim},{number},2026-10-02,{T2}"), writer)
    assert moved.rejected[0].reasons == [
        "accident_date differs from the stored claim's (2026-10-03)"
    ]
    assert claim_stream_events(claim) == ["INSERT", "MODIFY"]
    assert book.claim(claim).status is ClaimStatus.APPROVED


# --- whole-file problems -------------------------------------------------------------------------


def test_a_gbk_file_is_refused_with_a_clear_message_unless_told(writer, book, tmp_path):
    ident, number = id_number(), policy_no()
    path = tmp_path / "policies.csv"
    path.write_bytes(csv_text(POLICY_HEADER, policy_line(number, ident, plate())).encode("gbk"))
    with pytest.raises(ImportFileError) as caught:
        import_policies(path, writer)
    assert str(caught.value) == (
        "file is not UTF-8 (first bad byte on line 2); re-export as UTF-8 or pass --encoding gbk"
    )
    assert book.policies_of(customer_id_for(ident, KEY)) == []

    report = import_policies(path, writer, encoding="gbk")
    assert report.accepted == 1
    (policy,) = book.policies_of(customer_id_for(ident, KEY))
    assert policy.holder_name == "欧阳娜娜" and policy.product == "机动车商业保险"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "claim_no,policy_no,timeline\r\nRDAA1,PDAA1,x\r\n",
            "claims file header is wrong: missing column(s): accident_date.",
        ),
        ("", "claims file is empty: no header line"),
        ("\r\n\r\n", "claims file is empty: no header line"),
    ],
)
def test_whole_file_problems_raise(writer, text, message, writes):
    with pytest.raises(ImportFileError) as caught:
        import_claims(text.encode(), writer)
    assert message in str(caught.value)
    assert writes == []


def test_a_missing_file_is_a_whole_file_problem(writer, tmp_path):
    with pytest.raises(ImportFileError, match="cannot read"):
        import_policies(tmp_path / "nope.csv", writer)


# --- the claimbot command ------------------------------------------------------------------------




def test_import_command_exit_codes_and_report(cli_env, tmp_path, capsys, book):
    from devstack.cli import main

    ident, good, bad_plate = id_number(), policy_no(), policy_no()
    path = tmp_path / "policies.csv"
    path.write_text(
        csv_text(POLICY_HEADER, policy_line(good, ident, plate())), encoding="utf-8-sig"
    )
    assert main(["import", "policies", str(path)]) == 0
    assert capsys.readouterr().out == "policies: 1 accepted, 0 unchanged, 0 rejected\n"

    path.write_text(
        csv_text(
            POLICY_HEADER,
            policy_line(good, ident, plate()),
            policy_line(bad_plate, ident, "粤B1"),
        ),
        encoding="utf-8",
    )
    assert main(["import", "policies", str(path)]) == 1
    out = capsys.readouterr().out
    assert out == (
        "policies: 1 accepted, 0 unchanged, 1 rejected\nline 3: plate '粤B1' is not a valid plate\n"
    )

    claims = tmp_path / "claims.csv"
    claims.write_bytes(csv_text(CLAIM_HEADER, f"{claim_no()},{good},2026-10-03,{T1}").encode())
    assert main(["import", "claims", str(claims)]) == 0
    assert len(book.claims_of(customer_id_for(ident, KEY))) == 1

    path.write_bytes(
        csv_text(POLICY_HEADER, policy_line(policy_no(), ident, plate())).encode("gbk")
    )
    assert main(["import", "policies", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"claimbot: {path}: file is not UTF-8 (first bad byte on line 2); "
        "re-export as UTF-8 or pass --encoding gbk\n"
    )
    assert main(["import", "policies", str(path), "--encoding", "gbk"]) == 0

    claims.write_text("claim_no,policy,when\r\n", encoding="utf-8")
    assert main(["import", "claims", str(claims)]) == 2
    assert "missing column(s): policy_no, accident_date, timeline" in capsys.readouterr().err


def test_import_command_without_the_id_key_says_so(cli_env, monkeypatch, tmp_path, capsys):
    from devstack.cli import main

    monkeypatch.delenv("CLAIMBOT_ID_PEPPER")
    path = tmp_path / "claims.csv"
    path.write_text(CLAIM_HEADER + "\n", encoding="utf-8")
    assert main(["import", "claims", str(path)]) == 2
    assert "CLAIMBOT_ID_PEPPER is not set" in capsys.readouterr().err
