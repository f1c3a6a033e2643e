"""Legal holds: a claim in dispute keeps everything until the hold is released.

`claimbot hold add CLAIM --reason …` records the hold (table "holds") in one transaction with
its entry in the audit log, then keeps what belongs to the claim: every conversation record of
the customer's WeChat users loses its expiry (expires_at removed), and the claim's photos and
packets in S3, and the pictures those records point at, are tagged `retention=held`, which no
lifecycle rule expires. The claim's own items (claims, surveys, claim_photos) have no expiry.
`hold release` (audited too) gives every record and object back its class: a record kept past
its class's time expires then. Adding a hold again re-applies it (records said since included).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.store.models import ClaimItem, CustomerItem, HoldItem, SurveyItem

if TYPE_CHECKING:
    from chalicelib.media.store import MediaStore
    from chalicelib.store.audit import AuditLog
    from chalicelib.store.conversations import Conversations

HELD, RELEASED = "held", "released"
REASON_MIN = 4
OPERATOR_ROLE = "operator"


class HoldError(ValueError):
    """An operator mistake (no such claim, no reason, not held), in one English line."""


@dataclass(frozen=True)
class HoldResult:
    claim_no: str
    state: str
    records: int  # conversation records kept (or let go)
    objects: int  # S3 objects tagged held (or given back their class)


@dataclass(frozen=True)
class Hold:
    claim_no: str
    state: str
    reason: str
    held_by: str
    held_at: float
    released_by: str | None
    released_at: float | None
    release_reason: str | None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Holds:
    def __init__(
        self,
        audit: AuditLog,
        conversations: Conversations,
        media: MediaStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.audit = audit
        self.conversations = conversations
        self.media = media
        self.clock = clock

    def is_held(self, claim_no: str) -> bool:
        item = self._item(claim_no)
        return item is not None and item.state == HELD

    def list(self) -> list[Hold]:
        """Every hold, held ones first, then by when they were placed."""
        holds = [_hold(i) for i in HoldItem.scan()]
        return sorted(holds, key=lambda h: (h.state != HELD, h.held_at))

    def add(self, claim_no: str, reason: str, by: str) -> HoldResult:
        reason = _reason(reason)
        claim = self._claim(claim_no)
        existing = self._item(claim_no)
        first = existing if existing is not None and existing.state == HELD else None
        openids = sorted(set(_openids(claim)) | set(first.openids if first else []))
        item = HoldItem(claim_no=claim_no, state=HELD, reason=reason, held_by=by,
                        held_at=self.clock(), openids=openids)  # fmt: skip
        if first is not None:  # the first hold's who, when and why stay; this one is audited
            item.reason, item.held_by, item.held_at = first.reason, first.held_by, first.held_at
        again = first is not None
        action = "hold:reapply" if again else "hold:add"
        detail = {"reason": reason, "users": len(openids)}
        self._audited(by, action, claim_no, detail, lambda tx: tx.save(item))
        records, photos = 0, list(self.media.keys(f"claims/{claim_no}/"))
        for openid in openids:
            count, kept = self.conversations.hold(openid, claim_no)
            records += count
            photos.extend(kept)
        for key in dict.fromkeys(photos):
            if_there(self.media.hold, key)
        return HoldResult(claim_no, HELD, records, len(set(photos)))

    def release(self, claim_no: str, reason: str, by: str) -> HoldResult:
        reason = _reason(reason)
        item = self._item(claim_no)
        if item is None or item.state != HELD:
            raise HoldError(f"claim {claim_no} is not under a legal hold")
        actions = [HoldItem.state.set(RELEASED), HoldItem.released_by.set(by),
                   HoldItem.released_at.set(self.clock()), HoldItem.release_reason.set(reason)]
        detail = {"reason": reason, "held_since": item.held_at}
        self._audited(by, "hold:release", claim_no, detail,
                      lambda tx: tx.update(item, actions=actions,
                                           condition=HoldItem.state == HELD))  # fmt: skip
        freed = list(self.media.keys(f"claims/{claim_no}/"))
        records = 0
        for openid in item.openids or []:
            count, photos = self.conversations.release(openid, claim_no)
            records += count
            freed.extend(photos)
        for key in dict.fromkeys(freed):
            if_there(self.media.release, key)
        return HoldResult(claim_no, RELEASED, records, len(set(freed)))

    def _audited(
        self, by: str, action: str, claim_no: str, detail: dict[str, Any], write: Callable
    ) -> None:
        try:
            self.audit.append(by, OPERATOR_ROLE, action, claim_no=claim_no, detail=detail,
                              also=write)  # fmt: skip
        except TransactWriteError as exc:
            raise HoldError(f"claim {claim_no}: the hold changed meanwhile, try again") from exc

    @staticmethod
    def _item(claim_no: str) -> HoldItem | None:
        try:
            return HoldItem.get(claim_no, consistent_read=True)
        except DoesNotExist:
            return None

    @staticmethod
    def _claim(claim_no: str) -> ClaimItem:
        try:
            return ClaimItem.get(claim_no)
        except DoesNotExist:
            raise HoldError(f"no claim {claim_no}: check the number") from None


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise HoldError(f"give the reason (--reason, at least {REASON_MIN} characters): "
                        "it goes to the audit log")  # fmt: skip
    return reason[:500]


def _openids(claim: ClaimItem) -> list[str]:
    """The WeChat users of the claim's customer, and the one who reported it in the chat."""
    found = {c.openid for c in CustomerItem.by_customer.query(claim.customer_id)}
    try:
        found.add(SurveyItem.get(claim.claim_no).openid)
    except DoesNotExist:
        pass
    return sorted(found)


def if_there(action: Callable[[str], object], key: str) -> None:
    """Act on an S3 object; one the bucket no longer has (expired already) is skipped."""
    try:
        action(key)
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        if code not in ("NoSuchKey", "404", "NotFound"):
            raise


def _hold(item: HoldItem) -> Hold:
    return Hold(item.claim_no, item.state, item.reason, item.held_by, float(item.held_at),
                item.released_by, item.released_at, item.release_reason)  # fmt: skip
