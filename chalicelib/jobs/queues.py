"""Publish JSON messages to the stage's SQS queues (queue URLs looked up once)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

JOBS = "jobs"
OUTBOX = "outbox"
BATCH = 10


class Queues:
    def __init__(self, sqs_client: Any, physical_name: Any) -> None:
        self._sqs = sqs_client
        self._physical_name = physical_name  # logical -> physical queue name
        self._urls: dict[str, str] = {}

    def url(self, logical: str) -> str:
        if logical not in self._urls:
            name = self._physical_name(logical)
            self._urls[logical] = self._sqs.get_queue_url(QueueName=name)["QueueUrl"]
        return self._urls[logical]

    def publish(self, logical: str, bodies: Iterable[dict[str, Any]]) -> None:
        entries = [
            {"Id": str(i), "MessageBody": json.dumps(body, ensure_ascii=False)}
            for i, body in enumerate(bodies)
        ]
        for start in range(0, len(entries), BATCH):
            chunk = entries[start : start + BATCH]
            result = self._sqs.send_message_batch(QueueUrl=self.url(logical), Entries=chunk)
            if result.get("Failed"):
                codes = [f["Code"] for f in result["Failed"]]
                raise RuntimeError(f"SQS refused {len(codes)} message(s) on {logical}: {codes}")


def new_message_id() -> str:
    return uuid.uuid4().hex
