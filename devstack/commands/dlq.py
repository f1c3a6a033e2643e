"""`claimbot dlq list|redrive`: what could not be done, and bringing it back once fixed.

claimbot dlq list
    Each dead-letter queue and how many messages wait in it.
claimbot dlq redrive jobs|outbox [--max N]
    Move the messages of the queue's dead-letter queue back to it, oldest first (each is sent
    to the queue, then deleted from the dead-letter queue: a crash in between repeats one, and
    the jobs and the outbox are idempotent). Run it once the cause is fixed (WeChat reachable
    again, a bug deployed): the jobs-dlq-not-empty / outbox-dlq-not-empty alarms clear.

The claims stream's dead-letter queue holds pointers to stream records, not the records: those
stay in the stream 24 hours and are read again by the notifier; it cannot be redriven here.
Against the running `claimbot dev` when no AWS settings are given, else the stage's.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

REDRIVABLE = ("jobs", "outbox")
DEAD_LETTER = {"jobs": "jobs-dlq", "outbox": "outbox-dlq", "claims-stream": "claims-stream-dlq"}
EXIT_OK, EXIT_ERROR = 0, 1


def register(subparsers: argparse._SubParsersAction) -> None:
    dlq = subparsers.add_parser(
        "dlq", help="dead-letter queues: what could not be done, and redriving it",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )  # fmt: skip
    sub = dlq.add_subparsers()
    listing = sub.add_parser("list", help="each dead-letter queue and how many messages wait")
    listing.set_defaults(func=run_list)
    redrive = sub.add_parser("redrive", help="move a dead-letter queue's messages back")
    redrive.add_argument("queue", choices=(*REDRIVABLE, "claims-stream"))
    redrive.add_argument("--max", type=int, default=0, help="at most N messages (default all)")
    redrive.set_defaults(func=run_redrive)
    dlq.set_defaults(func=lambda _args: dlq.print_help() or EXIT_ERROR)


def _sqs() -> tuple[Any, Any]:
    import boto3

    from chalicelib.settings import current_settings
    from devstack.cli import _use_running_stack_if_unconfigured

    _use_running_stack_if_unconfigured()
    settings = current_settings()
    return boto3.client("sqs", region_name=settings.region), settings


def _url(sqs: Any, name: str) -> str:
    return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])


def run_list(args: argparse.Namespace) -> int:
    sqs, settings = _sqs()
    for logical, dead in DEAD_LETTER.items():
        url = _url(sqs, settings.queue(dead))
        attributes = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        how = (f"claimbot dlq redrive {logical}" if logical in REDRIVABLE
               else "pointers to stream records: not redriven")  # fmt: skip
        waiting = attributes["ApproximateNumberOfMessages"]
        print(f"{settings.queue(dead)}: {waiting} waiting ({how})")
    return EXIT_OK


def run_redrive(args: argparse.Namespace) -> int:
    if args.queue not in REDRIVABLE:
        print("claimbot: the claims stream's dead-letter queue holds pointers to stream records "
              "(kept 24 h in the stream), not messages to send again; nothing moved",
              file=sys.stderr)  # fmt: skip
        return EXIT_ERROR
    sqs, settings = _sqs()
    source = _url(sqs, settings.queue(args.queue))
    dead = _url(sqs, settings.queue(DEAD_LETTER[args.queue]))
    moved = redrive(sqs, dead, source, limit=args.max)
    print(f"moved {moved} message(s) from {settings.queue(DEAD_LETTER[args.queue])} "
          f"back to {settings.queue(args.queue)}")  # fmt: skip
    return EXIT_OK


def redrive(sqs: Any, dead_url: str, source_url: str, limit: int = 0) -> int:
    """Move messages from `dead_url` to `source_url` until it is empty (or `limit` moved)."""
    moved = 0
    while not limit or moved < limit:
        batch = min(10, limit - moved) if limit else 10
        got = sqs.receive_message(QueueUrl=dead_url, MaxNumberOfMessages=batch,
                                  MessageAttributeNames=["All"], VisibilityTimeout=60,
                                  WaitTimeSeconds=0).get("Messages", [])  # fmt: skip
        if not got:
            return moved
        for message in got:
            attributes = message.get("MessageAttributes") or {}
            sent: dict[str, Any] = {"QueueUrl": source_url, "MessageBody": message["Body"]}
            if attributes:
                sent["MessageAttributes"] = attributes
            sqs.send_message(**sent)
            sqs.delete_message(QueueUrl=dead_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved
