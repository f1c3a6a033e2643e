"""Conversation records: every inbound and outbound message, with a TTL."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chalicelib.store.models import ConversationRecord


@dataclass(frozen=True)
class Entry:
    openid: str
    direction: str  # in | out
    channel: str  # webhook | passive | custom | template
    msg_type: str
    content: str = ""
    media_key: str = ""
    dedupe_key: str = ""
    staff_id: str = ""  # a person's words relayed to or from the customer (handoffs)


class Conversations:
    def __init__(self, ttl_s: int, clock: Callable[[], float] = time.time) -> None:
        self.ttl_s = ttl_s
        self.clock = clock

    def log(self, entries: Iterable[Entry]) -> None:
        now = self.clock()
        with ConversationRecord.batch_write() as batch:
            for entry in entries:
                batch.save(self._record(entry, now))

    def record_of(self, entry: Entry) -> ConversationRecord:
        """The record of `entry`, to be written with other items (Inbox.complete)."""
        return self._record(entry, self.clock())

    def _record(self, entry: Entry, now: float) -> ConversationRecord:
        record_id = f"{int(now * 1000):013d}#{entry.direction}#{secrets.token_hex(4)}"
        return ConversationRecord(
            openid=entry.openid,
            record_id=record_id,
            direction=entry.direction,
            channel=entry.channel,
            msg_type=entry.msg_type,
            content=entry.content or None,
            media_key=entry.media_key or None,
            dedupe_key=entry.dedupe_key or None,
            staff_id=entry.staff_id or None,
            expires_at=int(now + self.ttl_s),
        )

    def history(self, openid: str, limit: int = 50) -> list[ConversationRecord]:
        return list(ConversationRecord.query(openid, scan_index_forward=True, limit=limit))

    def latest(self, openid: str, limit: int = 30) -> list[ConversationRecord]:
        """The newest `limit` records, oldest first (an excerpt for the console)."""
        newest = ConversationRecord.query(openid, scan_index_forward=False, limit=limit)
        return list(reversed(list(newest)))

    def erase(self, openid: str) -> int:
        """Delete every record of this user's conversation (they asked for it: PIPL Art. 47)."""
        keys = list(ConversationRecord.query(openid, attributes_to_get=["openid", "record_id"]))
        with ConversationRecord.batch_write() as batch:
            for record in keys:
                batch.delete(record)
        return len(keys)
