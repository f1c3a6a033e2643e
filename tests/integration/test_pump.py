"""The event pump gives the app's handlers Lambda's batch and retry semantics."""

from __future__ import annotations

import json
import time
import uuid

import boto3
import pytest

from devstack.pump import EventPump, SqsBinding, StreamBinding, bindings_from_app

pytestmark = pytest.mark.integration


def _wait(predicate, timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_the_pump_finds_the_apps_own_sqs_handlers():
    import app

    sqs, streams, schedules = bindings_from_app(app)
    assert {b.queue_name for b in sqs} == {"claimbot-local-jobs", "claimbot-local-outbox"}
    assert {b.handler for b in sqs} == {app.on_job, app.on_outbox}
    assert all(b.batch_size == 1 for b in sqs)
    assert [(b.table_name, b.handler) for b in streams] == [
        ("claimbot-local-claims", app.on_claim_change),
        ("claimbot-local-conversations", app.on_conversation_record),  # the dashboard's counts
        ("claimbot-local-handoffs", app.on_handoff_change),  # likewise
        ("claimbot-local-surveys", app.on_survey_change),  # likewise
        ("claimbot-local-lockouts", app.on_lockout_change),  # likewise
        ("claimbot-local-kb_misses", app.on_kb_miss_change),  # likewise
        ("claimbot-local-ratings", app.on_rating_change),  # likewise
        ("claimbot-local-quotes", app.on_quote_change),  # likewise
    ]
    assert [(b.name, b.handler, b.every_s) for b in schedules] == [
        ("watchdog", app.watchdog, 60.0)  # a chat's 2-minute first-response target needs it
    ]


def test_failing_messages_are_retried_then_dead_lettered(local_aws):
    sqs = boto3.client("sqs")
    name = f"pump-{uuid.uuid4().hex[:6]}"
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    url = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": redrive})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody='{"fail": true}')
    sqs.send_message(QueueUrl=url, MessageBody='{"fail": false}')
    seen = []

    def handler(event, context):
        assert context.get_remaining_time_in_millis() > 0
        for record in event["Records"]:
            assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"].endswith(name)
            body = json.loads(record["body"])
            seen.append(body["fail"])
            if body["fail"]:
                raise RuntimeError("handler failed")

    pump = EventPump(
        boto3.session.Session(), [SqsBinding("t", name, handler)], retry_visibility_s=0
    )
    pump.start()
    try:

        def dead_lettered():
            got = sqs.receive_message(QueueUrl=dlq_url, VisibilityTimeout=0).get("Messages", [])
            return got and json.loads(got[0]["Body"]) == {"fail": True}

        assert _wait(dead_lettered)
    finally:
        pump.stop()
    assert seen.count(False) == 1
    assert seen.count(True) == 2
    assert pump.failures == 2


def test_stream_records_reach_the_handler_in_order(local_aws):
    ddb = boto3.client("dynamodb")
    table = f"pump-stream-{uuid.uuid4().hex[:6]}"
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    received = []
    attempts = {"n": 0}

    def handler(event, context):
        attempts["n"] += 1
        if attempts["n"] == 1:
            raise RuntimeError("first delivery fails; the batch is retried")
        for r in event["Records"]:  # Lambda's shape: epoch seconds, the stream's ARN
            assert isinstance(r["dynamodb"]["ApproximateCreationDateTime"], int)
            assert r["eventSourceARN"].split("/")[1] == table
        received.extend((r["eventName"], r["dynamodb"]["Keys"]["k"]["S"]) for r in event["Records"])

    binding = StreamBinding("s", table, handler, starting_position="TRIM_HORIZON")
    pump = EventPump(boto3.session.Session(), [], [binding])
    ddb.put_item(TableName=table, Item={"k": {"S": "a"}})
    ddb.put_item(TableName=table, Item={"k": {"S": "a"}, "v": {"S": "2"}})
    ddb.delete_item(TableName=table, Key={"k": {"S": "a"}})
    pump.start()
    try:
        assert _wait(lambda: len(received) >= 3)
    finally:
        pump.stop()
    assert received == [("INSERT", "a"), ("MODIFY", "a"), ("REMOVE", "a")]


def test_lambda_context_counts_down():
    from devstack.pump import LambdaContext

    ctx = LambdaContext(function_name="f", timeout_s=0.05)
    time.sleep(0.06)
    assert ctx.get_remaining_time_in_millis() == 0


def test_claimbot_dlq_moves_what_failed_back_to_its_queue(cli_env, capsys):
    """What the jobs could not do lands in jobs-dlq; once fixed, `claimbot dlq redrive jobs`
    brings it back, body and attributes, and the dead-letter queue is empty."""
    from devstack.cli import main

    sqs = boto3.client("sqs", region_name="ap-east-1")
    dead = sqs.get_queue_url(QueueName="claimbot-local-jobs-dlq")["QueueUrl"]
    jobs = sqs.get_queue_url(QueueName="claimbot-local-jobs")["QueueUrl"]
    for n in range(12):
        sqs.send_message(QueueUrl=dead, MessageBody=json.dumps({"kind": "media.fetch", "n": n}),
                         MessageAttributes={"kind": {"DataType": "String",
                                                     "StringValue": "media.fetch"}})  # fmt: skip
    assert main(["dlq", "list"]) == 0
    assert "claimbot-local-jobs-dlq: 12 waiting" in capsys.readouterr().out
    assert main(["dlq", "redrive", "jobs", "--max", "5"]) == 0
    assert "moved 5 message(s)" in capsys.readouterr().out
    assert main(["dlq", "redrive", "jobs"]) == 0
    assert "moved 7 message(s) from claimbot-local-jobs-dlq back to claimbot-local-jobs" in (
        capsys.readouterr().out)  # fmt: skip
    assert main(["dlq", "redrive", "claims-stream"]) == 1
    assert "pointers to stream records" in capsys.readouterr().err
    bodies = []
    receive = {"QueueUrl": jobs, "MaxNumberOfMessages": 10, "MessageAttributeNames": ["All"]}
    while got := sqs.receive_message(**receive).get("Messages", []):
        for message in got:
            if '"media.fetch"' in message["Body"] and '"n"' in message["Body"]:
                bodies.append(json.loads(message["Body"])["n"])
                assert message["MessageAttributes"]["kind"]["StringValue"] == "media.fetch"
            sqs.delete_message(QueueUrl=jobs, ReceiptHandle=message["ReceiptHandle"])
    assert sorted(bodies) == list(range(12))
    assert sqs.receive_message(QueueUrl=dead).get("Messages", []) == []
