"""Retention and legal holds against the AWS emulator (moto): the TTL attribute of conversation
records per class, S3 object tags and the bucket's lifecycle rules, `claimbot hold` audited."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain import retention as rt
from chalicelib.domain.import_rows import PolicyRow
from chalicelib.domain.policies import Coverage
from chalicelib.media.packets import PacketWriter
from chalicelib.store.audit import AuditLog
from chalicelib.store.conversations import Conversations, Entry
from chalicelib.store.models import ConversationRecord, CustomerItem, QuoteItem
from chalicelib.store.quotes import QuoteStore
from devstack.cli import main

pytestmark = pytest.mark.integration

DAY = 86400
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_number() -> str:
    """A valid resident ID of a customer no other test has (check digit per GB 11643)."""
    body = f"110105{random.randrange(1950, 2000)}0101{random.randrange(1000):03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


@pytest.fixture
def customer(container, openid):
    """A policy in force ending in 300 days, and this WeChat user bound to its holder."""
    from chalicelib.store.book_writer import BookWriter

    policy_no = f"PKEP{random.randrange(10**16):016d}"
    today = date.today()
    row = PolicyRow(
        policy_no=policy_no, holder_name="欧阳娜娜", holder_id_number=_id_number(),
        holder_phone="13800138000", plate="粤B12345", vin="LSVAM4187C2184847",
        brand_model="比亚迪秦", product="机动车商业保险", start=today - timedelta(days=65),
        end=today + timedelta(days=300), cancelled=False,
        coverages=(Coverage("机动车损失保险", 100000, ""),),
    )  # fmt: skip
    BookWriter(container.id_key).write_policies([row])
    policy = container.book.policy(policy_no)
    CustomerItem(openid=openid, customer_id=policy.customer_id, holder_name="欧阳娜娜",
                 holder_gender="F", bound_via=policy_no, bound_at=time.time()).save()  # fmt: skip
    return policy


def _said(openid: str, at: float, text: str = "你好", media_key: str = "") -> None:
    entry = Entry(openid=openid, direction="in", channel="webhook",
                  msg_type="image" if media_key else "text", content=text, media_key=media_key)
    Conversations(730 * DAY, clock=lambda: at).log([entry])  # fmt: skip


def _records(openid: str) -> list[ConversationRecord]:
    return list(ConversationRecord.query(openid, consistent_read=True))


def _picture(container, openid: str, retention: str = rt.CHAT) -> str:
    key = f"inbound/test/{openid}/{random.randrange(10**9)}.jpg"
    container.media.put(key, b"\xff\xd8 a picture", "image/jpeg", retention=retention)
    return key


def _report(container, policy, openid: str, accident_days_ago: float = 2) -> tuple[str, float]:
    claim_no = f"RKEP{random.randrange(10**12):012d}"
    at = time.time()
    accident = datetime.now(UTC) - timedelta(days=accident_days_ago)
    container.surveys.report(claim_no=claim_no, openid=openid, policy=policy,
                             facts={"accident_at": accident.isoformat()}, at=at)  # fmt: skip
    return claim_no, at


def test_a_plain_chat_record_expires_after_the_chat_period(container, openid):
    before = time.time()
    container.conversations.log([Entry(openid, "in", "webhook", "text", "在吗")])
    (record,) = _records(openid)
    assert record.retention == rt.CHAT
    assert int(before) + 730 * DAY <= record.expires_at <= time.time() + 730 * DAY
    assert record.keep_until == record.expires_at


def test_reporting_a_claim_keeps_the_conversation_that_led_to_it(container, customer, openid):
    now = time.time()
    _said(openid, now - 40 * DAY, "上个月的闲聊")  # before the claim's period: stays a chat
    photo = _picture(container, openid)
    _said(openid, now - 3600, media_key=photo)  # the scratch, sent before reporting
    claim_no, at = _report(container, customer, openid)

    old, recent = _records(openid)
    assert old.retention == rt.CHAT and old.kept_for is None
    assert old.expires_at == pytest.approx(now - 40 * DAY + 730 * DAY, abs=2)
    expected = rt.RetentionPolicy().claim_until(customer.end, at)
    assert (recent.retention, recent.kept_for) == (rt.CLAIM, claim_no)
    assert recent.expires_at == recent.keep_until == expected
    assert expected - at > 5 * 365 * DAY  # five years after the policy ends, not the report
    assert container.media.retention(photo) == rt.CLAIM


def test_a_record_is_never_kept_shorter(container, customer, openid):
    _said(openid, time.time() - 60)
    quote_no = f"QKEP{random.randrange(10**9)}"
    QuoteStore(keeper=container.keeper).save(quote_no, openid, {}, [],
                                             date.today().isoformat(), time.time())  # fmt: skip
    (record,) = _records(openid)
    kept = record.expires_at
    _report(container, customer, openid)  # its policy ends sooner than the quote's could
    (record,) = _records(openid)
    assert (record.retention, record.kept_for, record.expires_at) == (rt.SALE, quote_no, kept)


def test_a_quote_keeps_its_conversation_as_a_sale_and_its_licence_photo_short(container, openid):
    licence = _picture(container, openid, rt.QUOTE)
    _said(openid, time.time() - 600, media_key=licence)
    quote_no = f"QKEP{random.randrange(10**9)}"
    valid = date.today() + timedelta(days=30)
    at = time.time()
    QuoteStore(keeper=container.keeper).save(quote_no, openid, {"plate": "粤B12345"}, [],
                                             valid.isoformat(), at)  # fmt: skip

    sale_until = rt.RetentionPolicy().sale_until(valid)
    assert QuoteItem.get(quote_no).expires_at == sale_until
    (record,) = _records(openid)
    assert (record.retention, record.kept_for, record.expires_at) == (rt.SALE, quote_no,
                                                                      sale_until)  # fmt: skip
    assert container.media.retention(licence) == rt.QUOTE  # deleted after 30 days if not bought

    container.keeper.quote_bought(quote_no, openid, at, date.today() + timedelta(days=365))
    assert container.media.retention(licence) == rt.SALE


def test_the_bucket_expires_each_class_by_its_tag_and_never_a_held_object(container):
    s3 = container.client("s3")
    rules = s3.get_bucket_lifecycle_configuration(Bucket=container.settings.photos_bucket)["Rules"]
    expiring = [r for r in rules if r.get("Expiration", {}).get("Days")]
    by_class = {r["Filter"]["Tag"]["Value"]: r["Expiration"]["Days"] for r in expiring}
    assert by_class == {rt.CHAT: 730, rt.QUOTE: 30, rt.CLAIM: 2193, rt.SALE: 2193}
    assert all(r["Filter"]["Tag"]["Key"] == rt.TAG for r in expiring)  # only tagged objects
    assert rt.HELD not in str(rules)


def test_every_object_is_written_with_its_class(container):
    packets = PacketWriter(container.media)
    stored = packets.put_photo_file("RKEPTAGS", "0001", "original.jpg", b"jpeg", "image/jpeg")
    manifest = packets.write("RKEPTAGS", 1, b"sheet", {"claim_no": "RKEPTAGS"})
    tags = container.client("s3").get_object_tagging(Bucket=container.settings.photos_bucket,
                                                     Key=stored["key"])["TagSet"]  # fmt: skip
    assert tags == [{"Key": "retention", "Value": "claim"}]
    assert container.media.retention(manifest) == rt.CLAIM
    assert container.media.retention("claims/RKEPTAGS/packets/1/contact-sheet.jpg") == rt.CLAIM


@pytest.fixture
def cli(cli_env, container, monkeypatch):
    monkeypatch.setenv("PHOTOS_BUCKET", container.settings.photos_bucket)
    return main


def test_a_legal_hold_keeps_everything_of_the_claim_until_released(cli, container, customer,
                                                                  openid, capsys):  # fmt: skip
    chat_photo = _picture(container, openid)
    _said(openid, time.time() - 90 * DAY, "三个月前的闲聊", media_key=chat_photo)
    claim_no, _ = _report(container, customer, openid)
    evidence = PacketWriter(container.media).put_photo_file(claim_no, "0001", "original.jpg",
                                                            b"jpeg", "image/jpeg")["key"]
    before = {r.record_id: r.expires_at for r in _records(openid)}

    assert cli(["hold", "add", claim_no, "--reason", "诉讼保全 案号123", "--by", "legal1"]) == 0
    assert f"{claim_no} held: 1 conversation records, 2 photos" in capsys.readouterr().out
    (record,) = _records(openid)
    assert record.expires_at is None and record.holds == {claim_no}
    assert container.media.retention(evidence) == rt.HELD
    assert container.media.retention(chat_photo) == rt.HELD
    assert container.conversations.erase(openid).erased == 0  # an erasure cannot remove it
    assert len(_records(openid)) == 1
    (entry,) = AuditLog().entries(claim_no=claim_no, limit=5)
    assert (entry.who, entry.role, entry.action) == ("legal1", "operator", "hold:add")
    assert entry.detail["reason"] == "诉讼保全 案号123"

    assert cli(["hold", "list"]) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if claim_no in line]
    assert listed and "held" in listed[0] and "legal1" in listed[0]

    assert cli(["hold", "release", claim_no, "--reason", "judgment final", "--by", "legal1"]) == 0
    (record,) = _records(openid)
    assert record.expires_at == before[record.record_id] and not record.holds
    assert container.media.retention(evidence) == rt.CLAIM
    assert container.media.retention(chat_photo) == rt.CHAT
    actions = [e.action for e in AuditLog().entries(claim_no=claim_no, limit=5)]
    assert actions == ["hold:release", "hold:add"]
    assert container.conversations.erase(openid).erased == 1  # released: the request can be met


def test_a_record_under_two_holds_waits_for_both(cli, container, customer, openid):
    _said(openid, time.time() - 60)
    first, _ = _report(container, customer, openid)
    second, _ = _report(container, customer, openid)
    assert cli(["hold", "add", first, "--reason", "dispute one", "--by", "legal1"]) == 0
    assert cli(["hold", "add", second, "--reason", "dispute two", "--by", "legal1"]) == 0
    assert cli(["hold", "release", first, "--reason", "settled", "--by", "legal1"]) == 0
    (record,) = _records(openid)
    assert record.expires_at is None and record.holds == {second}
    assert cli(["hold", "release", second, "--reason", "settled", "--by", "legal1"]) == 0
    (record,) = _records(openid)
    assert record.expires_at == record.keep_until


def test_holds_are_refused_without_a_reason_a_claim_or_a_hold(cli, container, customer, openid,
                                                             capsys):  # fmt: skip
    claim_no, _ = _report(container, customer, openid)
    assert cli(["hold", "add", claim_no, "--reason", " ", "--by", "legal1"]) == 1
    assert "give the reason" in capsys.readouterr().err
    assert cli(["hold", "add", "RNOSUCHCLAIM", "--reason", "dispute", "--by", "legal1"]) == 1
    assert "no claim RNOSUCHCLAIM" in capsys.readouterr().err
    assert cli(["hold", "release", claim_no, "--reason", "dispute", "--by", "legal1"]) == 1
    assert f"claim {claim_no} is not under a legal hold" in capsys.readouterr().err
    assert AuditLog().entries(claim_no=claim_no, limit=5) == []


def test_a_held_claims_later_packet_is_held_at_once(cli, container, customer, openid):
    claim_no, at = _report(container, customer, openid)
    assert cli(["hold", "add", claim_no, "--reason", "dispute", "--by", "legal1"]) == 0
    _said(openid, time.time(), "照片拍好了")
    manifest = PacketWriter(container.media).write(claim_no, 1, b"sheet", {})
    container.keeper.survey_submitted(claim_no, openid, customer.end, at, time.time() + 1,
                                      [manifest])  # fmt: skip
    assert container.media.retention(manifest) == rt.HELD
    assert all(r.expires_at is None and claim_no in r.holds for r in _records(openid))


def test_a_quote_bought_keeps_its_licence_photo_audited(cli, container, customer, openid, capsys):
    licence = _picture(container, openid, rt.QUOTE)
    _said(openid, time.time() - 600, media_key=licence)
    quote_no = f"QKEP{random.randrange(10**9)}"
    QuoteStore(keeper=container.keeper).save(quote_no, openid, {}, [],
                                             date.today().isoformat(), time.time())  # fmt: skip
    assert cli(["retention", "sold", quote_no, "--policy", customer.policy_no, "--by", "ops1"]) == 0
    assert f"{quote_no} bought as {customer.policy_no}" in capsys.readouterr().out
    assert container.media.retention(licence) == rt.SALE
    (entry,) = [e for e in AuditLog().entries(limit=5) if e.action == "retention:sold"][:1]
    assert entry.who == "ops1" and entry.detail == {"quote_no": quote_no,
                                                    "policy_no": customer.policy_no}
    assert cli(["retention", "sold", "QNOSUCH", "--policy", customer.policy_no]) == 1
    assert "no quote QNOSUCH" in capsys.readouterr().err


def test_a_long_conversation_is_kept_whole_a_hundred_records_a_request(container, openid):
    at = time.time() - 3600
    entries = [Entry(openid, "in", "webhook", "text", f"第{n}句") for n in range(130)]
    Conversations(730 * DAY, clock=lambda: at).log(entries)
    photos = container.conversations.keep(openid, at - 1, at + 1, rt.SALE, "QLONG", 2_000_000_000)
    records = _records(openid)
    assert photos == [] and len(records) == 130
    assert {(r.retention, r.kept_for, r.expires_at) for r in records} == {
        (rt.SALE, "QLONG", 2_000_000_000)}


def test_a_policies_export_naming_its_chat_quote_keeps_the_quote_as_a_sale(
    cli, container, openid, tmp_path, capsys
):
    """The core system's export says which chat quote a policy was bought from (quote_no):
    the import keeps that quote's records as a sale's, audited; an unknown quote is a note,
    and its policy is imported all the same."""
    from chalicelib.domain.quotes import quote_number

    licence = _picture(container, openid, rt.QUOTE)
    _said(openid, time.time() - 600, media_key=licence)
    quote_no = quote_number(date.today(), f"import-{random.randrange(10**9)}")
    QuoteStore(keeper=container.keeper).save(quote_no, openid, {}, [],
                                             date.today().isoformat(), time.time())  # fmt: skip
    bought, other = (f"PKEP{random.randrange(10**16):016d}" for _ in range(2))
    start, end = date.today(), date.today() + timedelta(days=364)
    unknown = quote_number(date.today(), "never-given")
    header = "policy_no,product,holder_name,holder_id_number,holder_phone,plate,vin,brand_model,"
    header += "start_date,end_date,cancelled,coverages,quote_no"
    rows = [f"{no},机动车商业保险,欧阳娜娜,{_id_number()},,粤B12345,,比亚迪秦,{start},{end},否,,{q}"
            for no, q in ((bought, quote_no), (other, unknown))]  # fmt: skip
    export = tmp_path / "policies.csv"
    export.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")

    assert cli(["import", "policies", str(export)]) == 0
    out = capsys.readouterr().out
    assert "2 accepted" in out and "1 chat quote(s) kept as sales" in out
    assert f"line 3: quote_no {unknown}: no quote {unknown}" in out
    assert container.media.retention(licence) == rt.SALE
    kept = rt.RetentionPolicy()  # never shorter than the quote's own sale period
    assert QuoteItem.get(quote_no).expires_at == max(kept.sold_until(end),
                                                     kept.sale_until(date.today()))  # fmt: skip
    (entry,) = [e for e in AuditLog().entries(limit=5) if e.action == "retention:sold"][:1]
    assert entry.detail == {"quote_no": quote_no, "policy_no": bought}
    assert container.book.policy(other) is not None

    assert cli(["import", "policies", str(export)]) == 0  # unchanged rows: nothing again
    assert "2 unchanged" in capsys.readouterr().out
    again = [e for e in AuditLog().entries(limit=5) if e.action == "retention:sold"]
    assert again[0].seq == entry.seq


def test_erasure_deletes_plain_chats_and_their_pictures_and_keeps_what_the_law_keeps(
    container, customer, openid
):
    """删除我的信息: a plain chat and the picture sent in it go; the conversation of a claim
    and of a quote (a sale), and their pictures, stay until their period ends."""
    chat_photo = _picture(container, openid)
    _said(openid, time.time() - 90 * DAY, "三个月前的闲聊", media_key=chat_photo)
    claim_photo = _picture(container, openid)
    _said(openid, time.time() - 30 * 3600, "昨天撞了护栏", media_key=claim_photo)
    _report(container, customer, openid)  # the claim keeps the conversation that led to it
    quote_no = f"QKEP{random.randrange(10**9)}"
    _said(openid, time.time() - 60, "报个价")
    QuoteStore(keeper=container.keeper).save(quote_no, openid, {}, [],
                                             date.today().isoformat(), time.time())  # fmt: skip
    by_class = {r.content: r.retention for r in _records(openid)}
    assert by_class == {"三个月前的闲聊": rt.CHAT, "昨天撞了护栏": rt.CLAIM, "报个价": rt.SALE}

    container.consent.withdraw(openid, erase=True)

    assert {r.content for r in _records(openid)} == {"昨天撞了护栏", "报个价"}
    s3 = container.client("s3")
    assert s3.list_objects_v2(Bucket=container.settings.photos_bucket,
                              Prefix=chat_photo).get("KeyCount") == 0  # fmt: skip
    assert container.media.retention(claim_photo) == rt.CLAIM
