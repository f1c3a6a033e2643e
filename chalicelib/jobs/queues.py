"""Publish jobs and outbound messages to the stage's SQS queues (queue URLs looked up once)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from chalicelib.dialog.outcome import Job
from chalicelib.jobs.messages import OutboxMessage, job_body, new_message_id

JOBS = "jobs"
OUTBOX = "outbox"
BATCH = 10

__all__ = ["JOBS", "OUTBOX", "Queues", "new_message_id"]


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

    def jobs(self, jobs: Iterable[Job]) -> None:
        self.publish(JOBS, [job_body(j) for j in jobs])

    def outbox(self, messages: Iterable[OutboxMessage]) -> None:
        self.publish(OUTBOX, [m.to_body() for m in messages])

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
