"""Process each inbound delivery once (WeChat retries a slow request up to 3 times).

The first request claims the message with a conditional put. A retry finds the claim and
either gets the stored reply (first request finished) or "busy" (still running) -- in that
case it is counted, and the first request, on finishing, sends its answer through the outbox
because WeChat is no longer listening for it.

A plaintext post's signature covers token, timestamp and nonce, not the body. Each signature's
first use is kept ("sig:" items) until its timestamp leaves the clock-skew window, so that the
same signed URL with another body is refused as a replay, while WeChat's own retry (same
signature, same body) goes on to the claim above.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.store.models import InboxItem, condition_failed

NEW, DONE, BUSY = "new", "done", "busy"
SIGNATURE_PREFIX = "sig:"


@dataclass(frozen=True)
class Claim:
    state: str  # new | done | busy
    reply_xml: str | None = None


class Inbox:
    def __init__(
        self, ttl_s: int, stale_after_s: float = 30.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.ttl_s = ttl_s
        self.stale_after_s = stale_after_s
        self.clock = clock

    def claim(self, key: str) -> Claim:
        now = self.clock()
        item = InboxItem(
            dedupe_key=key, status="processing", claimed_at=now, expires_at=int(now + self.ttl_s)
        )
        try:
            item.save(condition=InboxItem.dedupe_key.does_not_exist())
            return Claim(NEW)
        except PutError as exc:
            if not condition_failed(exc):
                raise
        return self._existing(key, now)

    def _existing(self, key: str, now: float) -> Claim:
        item = InboxItem.get(key, consistent_read=True)
        if item.status == "done":
            return Claim(DONE, item.reply_xml)
        if now - item.claimed_at > self.stale_after_s:
            return self._take_over(item, now)
        try:
            item.update(
                actions=[InboxItem.retries_answered.add(1)],
                condition=InboxItem.status == "processing",
            )
            return Claim(BUSY)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
        item.refresh(consistent_read=True)
        return Claim(DONE, item.reply_xml)

    def _take_over(self, item: InboxItem, now: float) -> Claim:
        """The first request died (Lambda timeout); let this retry process the message."""
        try:
            item.update(
                actions=[InboxItem.claimed_at.set(now)],
                condition=(InboxItem.status == "processing")
                & (InboxItem.claimed_at == item.claimed_at),
            )
            return Claim(NEW)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
        return self._existing(item.dedupe_key, now)

    def complete(
        self,
        key: str,
        reply_xml: str | None,
        records: Sequence[Model] = (),
        reply_records: Sequence[Model] = (),
        updates: Sequence[tuple[Model, list[Action]]] = (),
    ) -> bool:
        """Mark the message done, keep its passive reply for later copies and write `records`
        (the conversation) and `updates` (the customer-service window) with it: one request.
        True when a retry was already told "success"
        (WeChat gave up): the answer then goes through the outbox, so no reply is kept (a later
        copy must not show the customer it again) and `reply_records` are not written."""
        done: list[Action] = [InboxItem.status.set("done")]
        if reply_xml is not None:
            retries = InboxItem.retries_answered
            try:
                self._write(key, [*done, InboxItem.reply_xml.set(reply_xml)],
                            (retries == 0) | retries.does_not_exist(),
                            [*records, *reply_records], updates)  # fmt: skip
                return False
            except (UpdateError, TransactWriteError) as exc:
                if not (condition_failed(exc) or _cancelled_by_condition(exc)):
                    raise
            self._write(key, done, None, records, updates)
            return True
        self._write(key, done, None, records, updates)
        return False

    def _write(
        self,
        key: str,
        actions: list[Action],
        condition: Any,
        records: Sequence[Model],
        updates: Sequence[tuple[Model, list[Action]]] = (),
    ) -> None:
        item = InboxItem(dedupe_key=key)
        if not records and not updates:
            item.update(actions=actions, condition=condition)
            return
        with TransactWrite(connection=InboxItem._get_connection().connection) as transaction:
            transaction.update(item, actions=actions, condition=condition)
            for record in records:
                transaction.save(record)
            for other, other_actions in updates:
                transaction.update(other, actions=other_actions)

    def release(self, key: str) -> None:
        """Give up a claim after a failure, so that a later delivery can try again."""
        try:
            InboxItem(dedupe_key=key).delete(condition=InboxItem.status == "processing")
        except DeleteError as exc:
            if not condition_failed(exc):
                raise

    def first_use_of_signature(
        self, signature: str, timestamp: str, nonce: str, body: str, keep_until: float
    ) -> bool:
        """False when this signature was already used with another body (a replay); True for
        its first use and for a retry of the same body."""
        signed = f"{timestamp}|{nonce}|{signature}".encode()
        key = SIGNATURE_PREFIX + hashlib.sha256(signed).hexdigest()
        digest = hashlib.sha256(body.encode()).hexdigest()
        item = InboxItem(dedupe_key=key, status="signature", claimed_at=self.clock(),
                         body_sha256=digest, expires_at=int(keep_until))  # fmt: skip
        try:
            item.save(condition=InboxItem.dedupe_key.does_not_exist())
            return True
        except PutError as exc:
            if not condition_failed(exc):
                raise
        first = InboxItem.get(key, consistent_read=True)
        return first.body_sha256 == digest

    def in_order(self, key: str, sequence: int) -> bool:
        """Note `sequence` as the newest sent under `key` ("seq:<origin>:<openid>"). False when
        a newer one was noted: this one is out of date (the same again is a retry: True)."""
        item = InboxItem(dedupe_key=key)
        newer = InboxItem.sequence > sequence
        try:
            item.update(actions=[InboxItem.sequence.set(sequence),
                                 InboxItem.claimed_at.set(self.clock()),
                                 InboxItem.expires_at.set(int(self.clock() + self.ttl_s))],
                        condition=InboxItem.dedupe_key.does_not_exist() | ~newer)  # fmt: skip
            return True
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
        return False


    def take_places(self, key: str, count: int, limit: int, ttl_s: int) -> bool:
        """Count `count` more in the window `key`, unless that would pass `limit` (False)."""
        room = InboxItem.places.does_not_exist() | (InboxItem.places <= limit - count)
        try:
            InboxItem(dedupe_key=key).update(
                actions=[InboxItem.places.add(count), InboxItem.claimed_at.set(self.clock()),
                         InboxItem.expires_at.set(int(self.clock() + ttl_s))],
                condition=room,
            )  # fmt: skip
            return True
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
        return False

    def give_places(self, key: str, count: int) -> None:
        InboxItem(dedupe_key=key).update(actions=[InboxItem.places.add(-count)])


def _cancelled_by_condition(exc: Exception) -> bool:
    """A transaction cancelled because an item's condition failed (here: the inbox item's)."""
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons)
