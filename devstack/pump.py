"""The event pump: feeds SQS messages and DynamoDB stream records to the app's own handlers.

It reads the event sources the Chalice app registered (`app.event_sources`), so the handlers
called here are the very functions Lambda calls, with Lambda-shaped events:
- SQS: up to `batch_size` messages per invocation; success deletes the batch, an exception
  leaves it to reappear after the visibility timeout (SQS then dead-letters it after
  maxReceiveCount, as configured in infra/).
- DynamoDB streams: records in shard order; a failing batch is retried (up to
  `stream_retries` times) before it is skipped and logged, like MaximumRetryAttempts.
- A handler that returns {"batchItemFailures": [...]} (ReportBatchItemFailures, as the claims
  stream mapping in infra/functions.yaml has) with any item failed counts as a failure: the
  batch is retried whole (Lambda retries from the failed item; the handlers are idempotent).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("devstack.pump")
Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContext:
    function_name: str
    aws_request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    memory_limit_in_mb: int = 512
    timeout_s: float = 60.0
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return int(max(0.0, self.timeout_s - (time.monotonic() - self.started)) * 1000)


@dataclass
class SqsBinding:
    name: str
    queue_name: str
    handler: Handler
    batch_size: int = 1


@dataclass
class ScheduleBinding:
    name: str
    handler: Handler
    every_s: float


@dataclass
class StreamBinding:
    name: str
    table_name: str
    handler: Handler
    batch_size: int = 100
    starting_position: str = "LATEST"


def bindings_from_app(app_module: Any, table_for_stream: Callable[[str], str] | None = None):
    """Discover the SQS and DynamoDB-stream handlers registered on a Chalice app module."""
    sqs, streams, schedules = [], [], []
    for source in app_module.app.event_sources:
        handler = getattr(app_module, source.handler_string.split(".", 1)[1])
        kind = type(source).__name__
        if kind == "SQSEventConfig":
            queue = source.queue or source.queue_arn.rsplit(":", 1)[-1]
            sqs.append(SqsBinding(source.name, queue, handler, source.batch_size))
        elif kind == "DynamoDBEventConfig":
            table = (table_for_stream or _table_from_stream_arn)(source.stream_arn)
            streams.append(
                StreamBinding(
                    source.name, table, handler, source.batch_size, source.starting_position
                )
            )
        elif kind == "ScheduledEventConfig":
            schedules.append(ScheduleBinding(source.name, handler, _rate_seconds(source)))
    return sqs, streams, schedules


_RATE_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400,
               "days": 86400}  # fmt: skip


def _rate_seconds(source: Any) -> float:
    expression = source.schedule_expression
    if hasattr(expression, "to_string"):
        expression = expression.to_string()
    value, unit = str(expression).removeprefix("rate(").removesuffix(")").split()
    return float(value) * _RATE_UNITS[unit]


def _lambda_stream_record(record: dict[str, Any], arn: str) -> dict[str, Any]:
    """boto3 parses timestamps into datetimes; Lambda delivers epoch seconds."""
    dynamodb = dict(record.get("dynamodb", {}))
    created = dynamodb.get("ApproximateCreationDateTime")
    if hasattr(created, "timestamp"):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": dynamodb, "eventSourceARN": arn}


def _table_from_stream_arn(arn: str) -> str:
    # arn:aws:dynamodb:region:account:table/NAME/stream/LABEL
    return arn.split(":table/", 1)[1].split("/", 1)[0]


class EventPump:
    def __init__(
        self,
        session: Any,
        sqs_bindings: list[SqsBinding],
        stream_bindings: list[StreamBinding] = (),
        region: str = "ap-east-1",
        retry_visibility_s: int | None = None,
        stream_retries: int = 3,
        idle_sleep_s: float = 0.2,
        sqs_concurrency: int = 2,
        schedule_bindings: list[ScheduleBinding] = (),
    ) -> None:
        self.sqs = session.client("sqs", region_name=region)
        self.ddb = session.client("dynamodb", region_name=region)
        self.streams = session.client("dynamodbstreams", region_name=region)
        self.region = region
        self.sqs_bindings = list(sqs_bindings)
        self.stream_bindings = list(stream_bindings)
        self.retry_visibility_s = retry_visibility_s
        self.stream_retries = stream_retries
        self.idle_sleep_s = idle_sleep_s
        # Lambda runs several instances of a queue's function at once; so does the pump.
        self.sqs_concurrency = sqs_concurrency
        self.schedule_bindings = list(schedule_bindings)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.invocations = 0
        self.failures = 0
        self._count_lock = threading.Lock()

    def start(self) -> None:
        for binding in self.sqs_bindings:
            for _ in range(self.sqs_concurrency):
                self._spawn(self._sqs_loop, binding)
        for binding in self.stream_bindings:
            self._spawn(self._stream_loop, binding)
        for binding in self.schedule_bindings:
            self._spawn(self._schedule_loop, binding)

    def _spawn(self, target: Callable, binding: Any) -> None:
        thread = threading.Thread(target=target, args=(binding,), name=binding.name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, within_s: float = 5.0) -> None:
        """Ask every loop to stop and wait for them, `within_s` in all (not per thread: with a
        job running in each of several loops, waits one after another added up past the time
        `claimbot dev` is given to stop). They are daemon threads: one still busy then ends with
        the process."""
        self._stop.set()
        deadline = time.monotonic() + within_s
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    # --- SQS -------------------------------------------------------------------------------

    def _sqs_loop(self, binding: SqsBinding) -> None:
        url = self.sqs.get_queue_url(QueueName=binding.queue_name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        while not self._stop.is_set():
            try:
                if not self.poll_sqs_once(binding, url, arn):
                    self._stop.wait(self.idle_sleep_s)
            except Exception:
                log.exception("pump: polling %s failed", binding.queue_name)
                self._stop.wait(1.0)

    def poll_sqs_once(self, binding: SqsBinding, url: str, arn: str) -> int:
        received = self.sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(binding.batch_size, 10),
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return 0
        event = {"Records": [self._sqs_record(m, arn) for m in received]}
        if self._invoke(binding.name, binding.handler, event):
            self.sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(received)
                ],
            )
        elif self.retry_visibility_s is not None:
            for message in received:
                self.sqs.change_message_visibility(
                    QueueUrl=url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=self.retry_visibility_s,
                )
        return len(received)

    def _sqs_record(self, message: dict[str, Any], arn: str) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": arn,
            "awsRegion": self.region,
        }

    # --- schedules ---------------------------------------------------------------------------

    def _schedule_loop(self, binding: ScheduleBinding) -> None:
        """Like EventBridge: the first run one period after start, then every period."""
        while not self._stop.wait(binding.every_s):
            self.run_schedule(binding)

    def run_schedule(self, binding: ScheduleBinding) -> bool:
        event = {
            "version": "0",
            "id": uuid.uuid4().hex,
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "000000000000",
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "region": self.region,
            "resources": [f"arn:aws:events:{self.region}:000000000000:rule/{binding.name}"],
            "detail": {},
        }
        return self._invoke(binding.name, binding.handler, event)

    # --- DynamoDB streams ------------------------------------------------------------------

    def _stream_loop(self, binding: StreamBinding) -> None:
        table = self.ddb.describe_table(TableName=binding.table_name)["Table"]
        arn = table["LatestStreamArn"]
        iterators = self._shard_iterators(arn, binding.starting_position)
        while not self._stop.is_set():
            busy = False
            for shard, iterator in list(iterators.items()):
                try:
                    iterators[shard], got = self._poll_shard(binding, arn, iterator)
                    busy = busy or got
                except Exception:
                    log.exception("pump: stream %s failed", binding.table_name)
            if not busy:
                self._stop.wait(self.idle_sleep_s)

    def _shard_iterators(self, arn: str, position: str) -> dict[str, str]:
        shards = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        return {
            s["ShardId"]: self.streams.get_shard_iterator(
                StreamArn=arn, ShardId=s["ShardId"], ShardIteratorType=position
            )["ShardIterator"]
            for s in shards
        }

    def _poll_shard(self, binding: StreamBinding, arn: str, iterator: str) -> tuple[str, bool]:
        page = self.streams.get_records(ShardIterator=iterator, Limit=binding.batch_size)
        records = page.get("Records", [])
        if records:
            event = {"Records": [_lambda_stream_record(r, arn) for r in records]}
            for _ in range(self.stream_retries + 1):
                if self._invoke(binding.name, binding.handler, event):
                    break
            else:
                log.error("pump: skipped %d stream records after retries", len(records))
        return page.get("NextShardIterator") or iterator, bool(records)

    def _invoke(self, name: str, handler: Handler, event: dict[str, Any]) -> bool:
        with self._count_lock:
            self.invocations += 1
        try:
            result = handler(event, LambdaContext(function_name=name))
            failed = result.get("batchItemFailures") if isinstance(result, dict) else None
            if failed:
                with self._count_lock:
                    self.failures += 1
                log.error("pump: handler %s reported %d failed item(s)", name, len(failed))
                return False
            return True
        except Exception:
            with self._count_lock:
                self.failures += 1
            log.exception("pump: handler %s failed; the batch will be retried", name)
            return False
