"""Conversation records: every inbound and outbound message, kept by its retention class.

A record is written as a plain chat (expires_at = keep_until = now + the chat period). When a
claim is reported or a quote given, the records of that period are kept longer (`keep`); a legal
hold removes expires_at until it is released (`hold`, `release`; domain/retention.py).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.domain.retention import CHAT, CLAIM, SALE
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
            retention=CHAT,
            keep_until=int(now + self.ttl_s),
            expires_at=int(now + self.ttl_s),
        )

    def history(self, openid: str, limit: int = 50) -> list[ConversationRecord]:
        return list(ConversationRecord.query(openid, scan_index_forward=True, limit=limit))

    def latest(self, openid: str, limit: int = 30) -> list[ConversationRecord]:
        """The newest `limit` records, oldest first (an excerpt for the console)."""
        newest = ConversationRecord.query(openid, scan_index_forward=False, limit=limit)
        return list(reversed(list(newest)))

    def between(self, openid: str, since: float, until: float) -> list[ConversationRecord]:
        """This user's records said from `since` to `until` (epoch seconds), oldest first."""
        low, high = f"{int(since * 1000):013d}", f"{int(until * 1000):013d}~"
        condition = ConversationRecord.record_id.between(low, high)
        return list(ConversationRecord.query(openid, condition, consistent_read=True))

    def keep(
        self, openid: str, since: float, until: float, retention: str, kept_for: str,
        keep_until: int,
    ) -> list[str]:  # fmt: skip
        """Keep this user's records of the period as `retention` for `kept_for` until
        `keep_until`, unless one is kept longer already (a record is never kept shorter).
        Returns the S3 keys of the photos they point at, now kept as long."""
        photos, changes = [], []
        for record in self.between(openid, since, until):
            if keep_until <= (record.keep_until or record.expires_at or 0):
                continue
            actions: list[Action] = [ConversationRecord.retention.set(retention),
                       ConversationRecord.kept_for.set(kept_for),
                       ConversationRecord.keep_until.set(keep_until)]  # fmt: skip
            if not record.holds:
                actions.append(ConversationRecord.expires_at.set(keep_until))
            changes.append((record, actions))
            if record.media_key:
                photos.append(record.media_key)
        _update_many(changes)
        return photos

    def hold(self, openid: str, claim_no: str) -> tuple[int, list[str]]:
        """Put every record of this user under the hold of `claim_no`: nothing expires until
        each hold on it is released. Returns how many, and the S3 keys of their photos."""
        photos, count = [], 0
        for record in ConversationRecord.query(openid, consistent_read=True):
            count += 1
            actions: list[Action] = [ConversationRecord.holds.add({claim_no}),
                                     ConversationRecord.expires_at.remove()]  # fmt: skip
            natural = record.keep_until or record.expires_at  # older records: expires_at only
            if natural:
                actions.append(ConversationRecord.keep_until.set(natural))
            record.update(actions=actions)
            if record.media_key:
                photos.append(record.media_key)
        return count, photos

    def release(self, openid: str, claim_no: str) -> tuple[int, list[str]]:
        """Lift the hold of `claim_no` from this user's records: those under no other hold
        expire by their class again (at once when that time has passed). Returns how many
        records it held, and the S3 keys of the photos no hold keeps any more."""
        freed, count = [], 0
        for record in ConversationRecord.query(openid, consistent_read=True):
            holds = set(record.holds or ())
            if claim_no not in holds:
                continue
            count += 1
            actions: list[Action] = [ConversationRecord.holds.delete({claim_no})]
            if holds == {claim_no} and record.keep_until is not None:
                actions.append(ConversationRecord.expires_at.set(int(record.keep_until)))
            record.update(actions=actions)
            if holds == {claim_no} and record.media_key:
                freed.append(record.media_key)
        return count, freed

    def erase(self, openid: str) -> Erasure:
        """Delete this user's plain chat records (they asked for it: PIPL Art. 47). Records the
        law keeps are not deleted: those under a legal hold, and those of a claim or a sale
        (Insurance Law Art. 87; traceable online sales) until their period ends (Art. 47: then
        only stored, not used)."""
        now = self.clock()
        records = ConversationRecord.query(openid, attributes_to_get=[
            "openid", "record_id", "holds", "retention", "keep_until", "media_key"])  # fmt: skip
        erasable, kept = [], 0
        for record in records:
            if record.holds or _kept_by_law(record, now):
                kept += 1
            else:
                erasable.append(record)
        with ConversationRecord.batch_write() as batch:
            for record in erasable:
                batch.delete(record)
        media = [r.media_key for r in erasable if r.media_key]
        return Erasure(erased=len(erasable), kept=kept, media_keys=media)


@dataclass(frozen=True)
class Erasure:
    erased: int
    kept: int  # held, or a claim's or a sale's record within its period
    media_keys: list[str]  # pictures of the erased records


def _kept_by_law(record: ConversationRecord, now: float) -> bool:
    if (record.retention or CHAT) not in (CLAIM, SALE):
        return False
    until = float(record.keep_until or 0)  # none recorded: kept (its class says so)
    return until == 0 or until > now


TRANSACTION_ITEMS = 100  # DynamoDB's limit of items in one transaction


def _update_many(changes: list[tuple[ConversationRecord, list[Action]]]) -> None:
    """Update records a hundred per request (this runs while a customer waits for an answer):
    one transaction each, so a retry after a failure finds each hundred done or not."""
    connection = ConversationRecord._get_connection().connection
    for start in range(0, len(changes), TRANSACTION_ITEMS):
        with TransactWrite(connection=connection) as transaction:
            for record, actions in changes[start : start + TRANSACTION_ITEMS]:
                transaction.update(record, actions=actions)
