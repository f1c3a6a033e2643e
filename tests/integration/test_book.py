"""Binding with lockouts, lookups and claim notifications against moto server."""

from __future__ import annotations

import json
import random
import uuid

import boto3
import pytest

from chalicelib.domain.book import BIND_LOCK_S, MAX_BIND_FAILURES, BindOutcome
from chalicelib.domain.identity import customer_id_for, id_check_for
from chalicelib.domain.people import id_check_char
from chalicelib.store.book import BookStore
from chalicelib.store.models import ClaimItem, HeldMessage, PolicyItem
from devstack import defaults

pytestmark = pytest.mark.integration
KEY = defaults.ID_PEPPER.encode()


class Clock:
    """A minute of its own for each test: wrong answers are also counted per minute across
    all users (the session's tests share one table)."""

    def __init__(self, now: float | None = None) -> None:
        self.now = now if now is not None else 1_800_000_000.0 + random.randrange(10**7) * 60

    def __call__(self) -> float:
        return self.now


def attempt() -> str:
    """A fresh message's dedupe key: each binding attempt is its own message."""
    return uuid.uuid4().hex


def _policy(plate: str | None = None) -> PolicyItem:
    """A policy of a new holder whose ID number ends in 31002X."""
    id_number = f"110105{random.randrange(10**6):06d}31002X"
    item = PolicyItem(
        policy_no=f"PDAA{random.randrange(10**15, 10**16)}",
        customer_id=customer_id_for(id_number, KEY),
        holder_name="上官婉儿",
        holder_gender="F",
        holder_id_masked="1****************X",
        holder_id_check=id_check_for(id_number[-6:], KEY),
        holder_phone_masked="139****0000",
        plate=plate or f"粤B{random.randrange(10000, 99999)}",
        product="机动车商业保险",
        start_date="2026-01-01",
        end_date="2026-12-31",
        coverages=[{"name": "车损险", "limit": "100000", "unit": ""}],
        source_hash="test",
    )
    item.save()
    return item


@pytest.fixture
def book(container):
    return BookStore(KEY, clock=Clock())


def test_binding_by_policy_number_or_plate(book, openid):
    policy = _policy()
    assert book.try_bind(openid, policy.policy_no, "31002X", attempt()).outcome is BindOutcome.BOUND
    customer = book.customer_for(openid)
    assert customer.name == "上官婉儿" and customer.customer_id == policy.customer_id
    assert [p.policy_no for p in book.policies_of(customer.customer_id)] == [policy.policy_no]
    other = f"o_{uuid.uuid4().hex[:10]}"
    assert book.try_bind(other, policy.plate, "31002x", attempt()).outcome is BindOutcome.BOUND
    assert openid in book.openids_of(policy.customer_id) and other in book.openids_of(
        policy.customer_id
    )
    assert book.unbind(openid) is True and book.customer_for(openid) is None


def test_unknown_policy_and_wrong_answer_look_the_same(book, openid):
    policy = _policy()
    unknown = book.try_bind(openid, "PDAA9999999999999999", "31002X", attempt())
    wrong = book.try_bind(f"{openid}x", policy.policy_no, "000000", attempt())
    assert unknown == wrong
    assert unknown.outcome is BindOutcome.REFUSED


def test_five_failures_lock_the_user_for_an_hour(container, openid):
    clock = Clock()
    book = BookStore(KEY, clock=clock)
    policy = _policy()
    results = [book.try_bind(openid, "PDAA1111111111111111", "000000", attempt()) for _ in range(5)]
    assert [r.outcome for r in results] == [BindOutcome.REFUSED] * 4 + [BindOutcome.LOCKED]
    assert results[-1].locked_until == clock.now + BIND_LOCK_S
    # Even the right answer is refused while locked...
    locked = book.try_bind(openid, policy.policy_no, "31002X", attempt())
    assert locked.outcome is BindOutcome.LOCKED
    # ...and accepted an hour later.
    clock.now += BIND_LOCK_S + 1
    assert book.try_bind(openid, policy.policy_no, "31002X", attempt()).outcome is BindOutcome.BOUND


def test_the_same_message_decided_again_counts_one_failure(container, openid):
    """A session conflict makes the webhook decide a message again: one wrong answer is one
    failure, however often it is decided (the lock comes after five messages, not fewer)."""
    book = BookStore(KEY, clock=Clock())
    same = attempt()
    for _ in range(5):
        again = book.try_bind(openid, "PDAA1111111111111111", "000000", same)
        assert again.outcome is BindOutcome.REFUSED
    others = [book.try_bind(openid, "PDAA1111111111111111", "000000", attempt()) for _ in range(4)]
    assert [r.outcome for r in others] == [BindOutcome.REFUSED] * 3 + [BindOutcome.LOCKED]
    # The message that locked it, decided again, says the same.
    assert book.try_bind(openid, "PDAA1111111111111111", "000000", same).outcome is (
        BindOutcome.LOCKED
    )


def _holder_policy(plate: str | None = None) -> tuple[PolicyItem, str]:
    """A policy whose holder has a valid ID number (check character and all): (policy, ID)."""
    id17 = f"110105199{random.randrange(10):01d}0{random.randrange(1, 10)}1{random.randrange(10)}"
    id17 += f"{random.randrange(1000):03d}"
    number = id17 + id_check_char(id17)
    policy = _policy(plate)
    policy.customer_id = customer_id_for(number, KEY)
    policy.holder_id_check = id_check_for(number[-6:], KEY)
    policy.save()
    return policy, number


def _guess(book, policy, times: int) -> None:
    for i in range(times):
        guesser = f"o_guess_{uuid.uuid4().hex[:8]}_{i}"
        book.try_bind(guesser, policy.plate, f"00000{i}", attempt())


def test_a_policy_guessed_from_many_accounts_asks_its_holder_for_the_whole_id(container):
    """Five wrong guesses by anyone who knows the plate lock the policy against guessing; the
    holder with the right facts is not told they are wrong (nor counted): they are asked for
    the whole ID number, which binds, as guessing cannot reach it."""
    book = BookStore(KEY, clock=Clock())
    policy, number = _holder_policy()
    _guess(book, policy, MAX_BIND_FAILURES)
    owner = f"o_owner_{uuid.uuid4().hex[:8]}"
    for _ in range(MAX_BIND_FAILURES + 1):  # however often: right facts never count
        result = book.try_bind(owner, policy.plate, number[-6:], attempt())
        assert result.outcome is BindOutcome.FULL_ID_NEEDED
    wrong = book.try_bind(owner, policy.plate, "110105199001011234", attempt())
    assert wrong.outcome is BindOutcome.REFUSED
    bound = book.try_bind(owner, policy.plate, number.lower(), attempt())
    assert bound.outcome is BindOutcome.BOUND and bound.customer.customer_id == policy.customer_id


def test_guessing_across_many_accounts_pauses_last_six_answers_and_raises_the_alarm(
    container, caplog
):
    clock = Clock()
    book = BookStore(KEY, clock=clock, failures_per_minute=12)
    policies = [_holder_policy() for _ in range(4)]
    for policy, _ in policies[:3]:
        _guess(book, policy, 4)  # 12 wrong answers from 12 accounts on 3 plates this minute
    assert any('"bind.guessing"' in r.getMessage() for r in caplog.records)
    policy, number = policies[3]
    owner = f"o_owner_{uuid.uuid4().hex[:8]}"
    paused = book.try_bind(owner, policy.plate, number[-6:], attempt())
    assert paused.outcome is BindOutcome.BUSY
    assert book.try_bind(owner, policy.plate, number, attempt()).outcome is BindOutcome.BOUND
    clock.now += 60  # the next minute: last six answers again
    other = f"o_owner_{uuid.uuid4().hex[:8]}"
    assert book.try_bind(other, policy.plate, number[-6:], attempt()).outcome is BindOutcome.BOUND


def test_binding_flow_end_to_end_through_the_webhook(container, openid):
    from tests.integration.helpers import decrypt_reply, signed, text_xml

    policy = _policy()
    replies = []
    for said in ("保单查询", policy.policy_no, "31002X"):
        query, body = signed(text_xml(openid, said))
        replies.append(decrypt_reply(container.webhook.receive(query, body).body, query))
    assert "验证身份" in replies[0]
    assert "身份证号码的后 6 位" in replies[1]
    assert "上官女士，绑定成功" in replies[2] and policy.policy_no in replies[2]


def test_a_holder_gets_through_a_guessed_policy_and_their_id_is_not_kept(container, openid):
    """Through the webhook: right facts on a policy others guessed at get the request for the
    whole ID, which binds; the conversation record keeps the ID masked."""
    from chalicelib.store.models import ConversationRecord
    from tests.integration.helpers import decrypt_reply, signed, text_xml

    policy, number = _holder_policy()
    _guess(BookStore(KEY), policy, MAX_BIND_FAILURES)
    replies = []
    for said in ("保单查询", policy.plate, number[-6:], number):
        query, body = signed(text_xml(openid, said))
        replies.append(decrypt_reply(container.webhook.receive(query, body).body, query))
    assert "完整的身份证号码" in replies[2] and "未能验证通过" not in replies[2]
    assert "绑定成功" in replies[3]
    recorded = [r.content or "" for r in ConversationRecord.query(openid)]
    assert not any(number in content for content in recorded)
    assert any(content.startswith(number[:3]) and "*" in content for content in recorded)


def _stream_records(table: str, after: str | None) -> list[dict]:
    ddb = boto3.client("dynamodb")
    streams = boto3.client("dynamodbstreams")
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records += streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
    return [{**r, "eventSourceARN": arn} for r in records]


def _claim(policy: PolicyItem, timeline: list[dict]) -> ClaimItem:
    return ClaimItem(
        claim_no=f"RDAA{random.randrange(10**15, 10**16)}",
        policy_no=policy.policy_no,
        customer_id=policy.customer_id,
        plate=policy.plate,
        accident_date="2026-10-03",
        status=timeline[-1]["status"],
        timeline=timeline,
    )


def _drain_outbox(container):
    sqs = container.client("sqs")
    url = container.queues.url("outbox")
    bodies = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in got:
            bodies.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return bodies


def test_a_status_change_is_notified_exactly_once(container, emulator, openid):
    book = BookStore(KEY)
    policy = _policy()
    book.try_bind(openid, policy.policy_no, "31002X", attempt())
    _drain_outbox(container)
    claim = _claim(policy, [{"status": "reported", "at": "2026-10-03T10:00:00+08:00"}])
    claim.save()
    claim.status = "survey_received"
    claim.timeline = claim.timeline + [
        {"status": "survey_received", "at": "2026-10-03T11:00:00+08:00", "amount": None}
    ]
    claim.save()
    records = [
        r
        for r in _stream_records(container.settings.table("claims"), None)
        if r["dynamodb"]["Keys"]["claim_no"]["S"] == claim.claim_no
    ]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
    notifier = container.notifier
    for _ in range(2):  # the stream delivers the same batch again after a failure
        for r in records:
            d = r["dynamodb"]
            notifier.on_change(r["eventName"], d.get("NewImage"), d.get("OldImage"))
    sent = [m for m in _drain_outbox(container) if m["openid"] == openid]
    assert [m["template"]["data"]["thing2"]["value"] for m in sent] == [
        "已报案",
        "已收到查勘照片",
    ]
    for message in sent:
        assert container.outbox.deliver(message) == "sent"
    delivered = emulator.messages(openid, kind="template")
    assert len(delivered) == 2
    assert delivered[-1]["template_id"] == defaults.CLAIM_STATUS_TEMPLATE
    assert delivered[-1]["data"]["character_string1"]["value"] == claim.claim_no


def test_an_undeliverable_notification_is_kept_with_the_reason(container, emulator, openid):
    book = BookStore(KEY)
    policy = _policy()
    book.try_bind(openid, policy.policy_no, "31002X", attempt())
    _drain_outbox(container)
    new = {
        "claim_no": {"S": f"RDAA{random.randrange(10**15, 10**16)}"},
        "customer_id": {"S": policy.customer_id},
        "status": {"S": "paid"},
        "timeline": {
            "S": json.dumps(
                [
                    {"status": "reported", "at": "2026-10-03T10:00:00+08:00"},
                    {"status": "survey_received", "at": "2026-10-03T11:00:00+08:00"},
                    {"status": "under_review", "at": "2026-10-03T12:00:00+08:00"},
                    {"status": "approved", "at": "2026-10-04T12:00:00+08:00", "amount": "3000"},
                    {"status": "paid", "at": "2026-10-06T12:00:00+08:00", "amount": "3000"},
                ]
            )
        },
    }
    old = {**new, "status": {"S": "approved"}}
    assert container.notifier.on_change("MODIFY", new, old) == 1
    (message,) = [m for m in _drain_outbox(container) if m["openid"] == openid]
    assert message["template"]["data"]["thing2"]["value"] == "已赔付（3000元）"
    emulator.add_fault("message/template/send", errcode=43004)
    assert container.outbox.deliver(message) == "held"
    (held,) = HeldMessage.query(openid)
    assert held.errcode == 43004 and held.reason == "user is not following"


def test_unchanged_status_and_imported_history_are_not_notified(container):
    new = {
        "claim_no": {"S": "RDAA2026000000000002"},
        "customer_id": {"S": "c_nobody"},
        "status": {"S": "paid"},
        "timeline": {"S": json.dumps([{"status": "reported", "at": "2026-10-03T10:00:00+08:00"}])},
    }
    assert container.notifier.on_change("MODIFY", new, dict(new)) == 0
    assert container.notifier.on_change("INSERT", new, None) == 0
    assert container.notifier.on_change("REMOVE", None, new) == 0


def test_claims_move_only_along_allowed_transitions(book):
    from datetime import datetime, timedelta, timezone
    from decimal import Decimal

    from chalicelib.domain.claims import ClaimStatus, IllegalTransition

    policy = _policy()
    claim = _claim(policy, [{"status": "reported", "at": "2026-10-03T10:00:00+08:00"}])
    claim.save()
    later = datetime(2026, 10, 4, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    with pytest.raises(IllegalTransition):
        book.advance_claim(claim.claim_no, ClaimStatus.PAID, later, Decimal("100"))
    moved = book.advance_claim(claim.claim_no, ClaimStatus.SURVEY_RECEIVED, later)
    assert moved.status is ClaimStatus.SURVEY_RECEIVED
    assert [e.status for e in book.claim(claim.claim_no).timeline] == [
        ClaimStatus.REPORTED,
        ClaimStatus.SURVEY_RECEIVED,
    ]
