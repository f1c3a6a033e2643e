"""The knowledge base in DynamoDB, so claims staff can change answers without a deploy.

One item, name = "current": the checked entries and synonyms as JSON (KnowledgeBase.to_data),
a version that goes up by one with each import, when, and the SHA-256 of the imported files.
`claimbot kb import` writes it; the webhook reads it through `cached`, which keeps the built
knowledge base for five minutes per Lambda container and then asks DynamoDB only for the
version, reloading when it changed. With nothing stored (or DynamoDB unreachable before
anything was loaded) the knowledge base shipped in chalicelib/kb is used.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib.domain.kb import KnowledgeBase

if TYPE_CHECKING:
    from chalicelib.settings import Settings

log = logging.getLogger(__name__)

CURRENT = "current"
MAX_ITEM_BYTES = 380_000  # DynamoDB's limit is 400 KB an item; keep room for the other fields


class _Utf8JSONAttribute(JSONAttribute):
    """JSON with Chinese as UTF-8 (3 bytes a character), not \\uXXXX escapes (6 bytes)."""

    def serialize(self, value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class KbSnapshot(Model):
    """The imported knowledge base. Table logical name "kb"; hash key `name` (S).

    Imports nothing from chalicelib.store.models, so models.ALL_MODELS can register it.
    """

    class Meta:
        table_name = "kb"

    name = UnicodeAttribute(hash_key=True)  # "current"
    version = NumberAttribute()
    entries = _Utf8JSONAttribute()  # KnowledgeBase.to_data()[0]
    synonyms = _Utf8JSONAttribute()  # KnowledgeBase.to_data()[1]
    imported_at = NumberAttribute()  # epoch seconds
    source_sha256 = UnicodeAttribute()


class KbTooLarge(ValueError):
    """The knowledge base does not fit in one DynamoDB item."""


class KbConflict(RuntimeError):
    """Another import wrote a version between this import's read and write."""


class Saved(NamedTuple):
    version: int
    changed: bool  # False: the same files were already the current version; nothing written


def bind_kb_table(settings: Settings, botocore_session: Any = None) -> None:
    """Point KbSnapshot at this stage's table, like models.bind_tables does for ALL_MODELS."""
    model: type[Model] = KbSnapshot  # its Meta as PynamoDB types it (region is set here)
    model.Meta.table_name = settings.table("kb")
    model.Meta.region = settings.region
    model._connection = None
    if botocore_session is not None:
        connection = model._get_connection().connection
        connection._local.session = botocore_session  # pynamodb 6.1 internals (pinned)
        _ = connection.client


class KbStore:
    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        pinyin: Callable[[], Any] | None = None,
        default: Callable[[], KnowledgeBase] | None = None,
    ) -> None:
        """pinyin and default: the shipped pinyin table and knowledge base (chalicelib.kb)."""
        self.clock = clock
        self._pinyin = pinyin or _shipped_pinyin
        self._default = default or _shipped_default
        self._lock = threading.Lock()
        self._kb: KnowledgeBase | None = None
        self._sha: str | None = None  # of the stored KB in self._kb; None: the shipped one
        self._checked_at = float("-inf")

    # writing ----------------------------------------------------------------------------

    def save(self, kb: KnowledgeBase, source_bytes: bytes) -> Saved:
        """Store `kb` as the next version. Unchanged files (same SHA-256) are not rewritten.

        Raises KbTooLarge when the item would not fit, KbConflict when another import won.
        """
        import hashlib

        sha = hashlib.sha256(source_bytes).hexdigest()
        current = self._head()
        if current is not None and current.source_sha256 == sha:
            return Saved(int(current.version), False)
        entries, synonyms = kb.to_data()
        size = len(json.dumps([entries, synonyms], ensure_ascii=False).encode())
        if size > MAX_ITEM_BYTES:
            raise KbTooLarge(
                f"the knowledge base is {size // 1000} KB; DynamoDB takes at most "
                f"{MAX_ITEM_BYTES // 1000} KB in one item: shorten answers or remove entries"
            )
        version = int(current.version) + 1 if current is not None else 1
        item = KbSnapshot(
            name=CURRENT,
            version=version,
            entries=entries,
            synonyms=synonyms,
            imported_at=int(self.clock()),
            source_sha256=sha,
        )
        condition = (
            KbSnapshot.version == current.version
            if current is not None
            else KbSnapshot.name.does_not_exist()
        )
        try:
            item.save(condition=condition)
        except PutError as exc:
            if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
                raise KbConflict("another import changed the knowledge base; try again") from exc
            raise
        return Saved(version, True)

    # reading ----------------------------------------------------------------------------

    def head(self) -> dict[str, Any] | None:
        """version, imported_at and source_sha256 of the stored knowledge base, or None."""
        item = self._head()
        if item is None:
            return None
        return {
            "version": int(item.version),
            "imported_at": int(item.imported_at),
            "source_sha256": item.source_sha256,
        }

    def load(self) -> KnowledgeBase | None:
        """The stored knowledge base, built (about 50 ms), or None when nothing is stored."""
        loaded = self._load_item()
        return loaded[0] if loaded else None

    def cached(self, max_age_s: float = 300) -> KnowledgeBase:
        """The knowledge base to answer with, rebuilt only when a newer version was imported.

        At most every max_age_s this asks DynamoDB for the stored version alone; the entries
        are read and indexed again only when it changed. Nothing stored: the shipped one. If
        DynamoDB fails, the knowledge base already in memory (or the shipped one) is used and
        the check is retried after max_age_s.
        """
        with self._lock:
            now = self.clock()
            if self._kb is not None and now - self._checked_at < max_age_s:
                return self._kb
            self._checked_at = now
            try:
                self._refresh()
            except Exception as exc:  # a missing or broken table must not break the webhook
                log.warning(
                    "knowledge base: cannot read the stored version (%s): %s",
                    type(exc).__name__,
                    exc,
                )
            if self._kb is None:
                self._kb, self._sha = self._default(), None
            return self._kb

    def _refresh(self) -> None:
        head = self._head()
        if head is None:
            if self._sha is not None or self._kb is None:
                self._kb, self._sha = self._default(), None
            return
        if head.source_sha256 == self._sha:
            return
        loaded = self._load_item()
        if loaded is None:  # removed between the two reads
            self._kb, self._sha = self._default(), None
        else:
            self._kb, self._sha = loaded

    def _head(self) -> KbSnapshot | None:
        try:
            return KbSnapshot.get(
                CURRENT,
                consistent_read=True,
                attributes_to_get=["name", "version", "imported_at", "source_sha256"],
            )
        except KbSnapshot.DoesNotExist:
            return None

    def _load_item(self) -> tuple[KnowledgeBase, str] | None:
        try:
            item = KbSnapshot.get(CURRENT, consistent_read=True)
        except KbSnapshot.DoesNotExist:
            return None
        kb = KnowledgeBase.from_data(item.entries, item.synonyms, self._pinyin())
        return kb, item.source_sha256


def _shipped_pinyin() -> Any:
    from chalicelib.kb import pinyin_table

    return pinyin_table()


def _shipped_default() -> KnowledgeBase:
    from chalicelib.kb import load_default

    return load_default()
