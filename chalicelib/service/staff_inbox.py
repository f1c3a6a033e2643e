"""POST/GET /wecom: what WeCom posts to the staff app's callback.

Kept apart from the handoff desk (service/handoff.py), which it reaches only for a staff
member's reply: WeCom's URL check (GET) gets 1 s, a cold start included, and needs nothing but
the callback's crypto, not the desk's stores and clients.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from chalicelib.service.http import HttpResult
from chalicelib.service.logs import log_event, ref

if TYPE_CHECKING:
    from chalicelib.service.handoff import HandoffDesk
    from chalicelib.staff.wecom import WeComCallback


class StaffInbox:
    """POST/GET /wecom: WeCom's callback. A reply that could not be relayed answers 503, so
    WeCom posts it again (it retries a callback that fails); nothing a staff member says is
    dropped silently."""

    def __init__(self, callback: WeComCallback, desk: Callable[[], HandoffDesk]) -> None:
        self.callback = callback
        self._desk = desk  # built on the first reply: the URL check must answer within 1 s,
        # also on a cold start, and needs only the callback's crypto

    @property
    def desk(self) -> HandoffDesk:
        return self._desk()

    def verify(self, query: Mapping[str, str]) -> HttpResult:
        from chalicelib.wechat.codec import Rejected

        try:
            return HttpResult(200, self.callback.verify_url(query))
        except Rejected as exc:
            return HttpResult(exc.status, "rejected")

    def receive(self, query: Mapping[str, str], body: bytes) -> HttpResult:
        from chalicelib.wechat.codec import Rejected
        from chalicelib.wechat.inbound import BadMessage

        try:
            message = self.callback.decode(query, body)
        except Rejected as exc:
            log_event("wecom.rejected", status=exc.status)
            return HttpResult(exc.status, "rejected")
        except BadMessage:
            return HttpResult(400, "bad message")
        if message.kind != "text":
            return HttpResult(200, "")
        try:
            result = self.desk.on_staff_message(message)
        except Exception:
            log_event("wecom.relay_failed", logging.ERROR, staff=ref(message.userid))
            return HttpResult(503, "try again")
        log_event("wecom.staff_message", result=result, staff=ref(message.userid))
        return HttpResult(200, "")
