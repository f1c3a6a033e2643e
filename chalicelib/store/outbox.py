"""Outbound messages kept because WeChat would not take them yet, with the reason.

Status `held`: released (sent again) when the customer writes next. Status `parked`: not sent
again by itself (WeChat refused it for good, or may already have delivered it); an alarm
fires and staff decide (docs/ARCHITECTURE.md, failure policy).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from chalicelib.store.models import HeldMessage


class HeldMessages:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    def keep(
        self, message: dict[str, Any], reason: str, errcode: int = 0, status: str = "held"
    ) -> None:
        HeldMessage(
            openid=message["openid"],
            message_id=message["id"],
            payload=message,
            reason=reason,
            errcode=errcode,
            held_at=self.clock(),
            status=status,
        ).save()

    def held_for(self, openid: str) -> list[HeldMessage]:
        return [m for m in HeldMessage.query(openid) if m.status == "held"]

    def mark_released(self, item: HeldMessage) -> None:
        item.update(actions=[HeldMessage.status.set("released")])

    def drop_all(self, openid: str) -> int:
        """Delete every message kept for this user (they unfollowed or asked for deletion)."""
        items = list(HeldMessage.query(openid))
        with HeldMessage.batch_write() as batch:
            for item in items:
                batch.delete(item)
        return len(items)
