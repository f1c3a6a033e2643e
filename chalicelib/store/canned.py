"""The canned-reply library (快捷回复) in DynamoDB: every reply under one partition, so the
inbox reads the whole library with one query (domain/canned.py keeps it to MAX_REPLIES).
Edits are versioned: a supervisor saving over a newer version is refused, not overwritten.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from pynamodb.exceptions import DeleteError, PutError, UpdateError

from chalicelib.domain.canned import Draft
from chalicelib.store.models import CannedReplyItem, condition_failed

LIBRARY = "main"


@dataclass(frozen=True)
class CannedReply:
    reply_id: str
    title: str
    text: str
    shortcut: str
    category: str
    version: int
    updated_at: float
    updated_by: str


class StaleReply(Exception):
    """The reply changed (or went) since it was read."""


class CannedLibrary:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    def all(self) -> list[CannedReply]:
        replies = [_reply(i) for i in CannedReplyItem.query(LIBRARY)]
        return sorted(replies, key=lambda r: (r.category, r.title, r.reply_id))

    def get(self, reply_id: str) -> CannedReply | None:
        try:
            return _reply(CannedReplyItem.get(LIBRARY, reply_id, consistent_read=True))
        except CannedReplyItem.DoesNotExist:
            return None

    def count(self) -> int:
        return sum(1 for _ in CannedReplyItem.query(LIBRARY, attributes_to_get=["reply_id"]))

    def create(self, draft: Draft, staff_id: str) -> CannedReply:
        item = CannedReplyItem(
            library=LIBRARY,
            reply_id=f"R{secrets.token_hex(5).upper()}",
            title=draft.title,
            text=draft.text,
            shortcut=draft.shortcut or None,
            category=draft.category or None,
            version=1,
            updated_at=self.clock(),
            updated_by=staff_id,
        )
        try:
            item.save(condition=CannedReplyItem.reply_id.does_not_exist())
        except PutError as exc:
            if condition_failed(exc):
                raise StaleReply(item.reply_id) from exc
            raise
        return _reply(item)

    def update(self, reply_id: str, version: int, draft: Draft, staff_id: str) -> CannedReply:
        item = CannedReplyItem(library=LIBRARY, reply_id=reply_id)
        try:
            item.update(
                actions=[
                    CannedReplyItem.title.set(draft.title),
                    CannedReplyItem.text.set(draft.text),
                    CannedReplyItem.shortcut.set(draft.shortcut)
                    if draft.shortcut else CannedReplyItem.shortcut.remove(),
                    CannedReplyItem.category.set(draft.category)
                    if draft.category else CannedReplyItem.category.remove(),
                    CannedReplyItem.version.set(version + 1),
                    CannedReplyItem.updated_at.set(self.clock()),
                    CannedReplyItem.updated_by.set(staff_id),
                ],
                condition=CannedReplyItem.version == version,
            )
        except UpdateError as exc:
            if condition_failed(exc):
                raise StaleReply(reply_id) from exc
            raise
        return _reply(item)

    def delete(self, reply_id: str, version: int) -> None:
        item = CannedReplyItem(library=LIBRARY, reply_id=reply_id)
        try:
            item.delete(condition=CannedReplyItem.version == version)
        except DeleteError as exc:
            if condition_failed(exc):
                raise StaleReply(reply_id) from exc
            raise


def _reply(item: CannedReplyItem) -> CannedReply:
    return CannedReply(
        reply_id=item.reply_id,
        title=item.title,
        text=item.text,
        shortcut=item.shortcut or "",
        category=item.category or "",
        version=int(item.version),
        updated_at=float(item.updated_at),
        updated_by=item.updated_by,
    )
