"""WeChat's customer-service quota, per user (reference/wechat.md).

A message from the user opens a 48 h window of 5 messages; a click, follow or scan opens a
1-minute window of 3. Each send takes one place with a conditional update, so concurrent
senders never exceed the quota.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from chalicelib.store.models import QuotaItem, SessionItem, condition_failed

MESSAGE_WINDOW_S = 48 * 3600
MESSAGE_LIMIT = 5
CLICK_WINDOW_S = 60
CLICK_LIMIT = 3
MESSAGE, CLICK = "message", "click"
UNSUBSCRIBED = "unsubscribed"  # what take() says for a user who unfollowed: send nothing


class Quotas:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    def opened_by_message(self, openid: str) -> bool:
        """Open the 48 h window. True when messages are waiting to be released."""
        item = QuotaItem(openid=openid)
        item.update(actions=self._message_window())
        return bool(item.held)

    def opened_by_click(self, openid: str) -> None:
        """A click, follow or scan: only a follower does these, so pushes may go again."""
        QuotaItem(openid=openid).update(actions=self._click_window())

    def window_update(self, openid: str, by_message: bool) -> tuple[QuotaItem, list[Action]]:
        """The same opening as an update to write with other items (Inbox.complete): for a
        message whose answer queues nothing, the window can open with its last write."""
        actions = self._message_window() if by_message else self._click_window()
        return QuotaItem(openid=openid), actions

    def _message_window(self) -> list[Action]:
        now = self.clock()
        return [QuotaItem.message_window_until.set(now + MESSAGE_WINDOW_S),
                QuotaItem.message_used.set(0),
                QuotaItem.expires_at.set(int(now + MESSAGE_WINDOW_S + 86400))]  # fmt: skip

    def _click_window(self) -> list[Action]:
        now = self.clock()
        return [QuotaItem.click_window_until.set(now + CLICK_WINDOW_S),
                QuotaItem.click_used.set(0),
                QuotaItem.expires_at.set(int(now + MESSAGE_WINDOW_S)),
                QuotaItem.unsubscribed_at.remove()]  # fmt: skip

    def stop_pushes(self, openid: str) -> None:
        """The user unfollowed: from now on nothing is sent to them (take() says UNSUBSCRIBED,
        pushed() False) until they follow again."""
        now = self.clock()
        QuotaItem(openid=openid).update(actions=[
            QuotaItem.unsubscribed_at.set(now), QuotaItem.held.set(0),
            QuotaItem.expires_at.set(int(now + 400 * 86400))])  # fmt: skip

    def pushed(self, openid: str) -> bool:
        """False when the user unfollowed (a template notice is not sent then either)."""
        try:
            return QuotaItem.get(openid).unsubscribed_at is None
        except QuotaItem.DoesNotExist:
            return True

    def take(self, openid: str) -> str | None:
        """Take one place in an open window: which one ("message" or "click"), None when no
        window has room, UNSUBSCRIBED when the user unfollowed."""
        now = self.clock()
        for window, until, used, limit in (
            (MESSAGE, QuotaItem.message_window_until, QuotaItem.message_used, MESSAGE_LIMIT),
            (CLICK, QuotaItem.click_window_until, QuotaItem.click_used, CLICK_LIMIT),
        ):
            following = QuotaItem.unsubscribed_at.does_not_exist()
            try:
                QuotaItem(openid=openid).update(
                    actions=[used.add(1)], condition=(until > now) & (used < limit) & following
                )
                return window
            except UpdateError as exc:
                if not condition_failed(exc):
                    raise
        return None if self.pushed(openid) else UNSUBSCRIBED

    def give_back(self, openid: str, window: str) -> None:
        """Return a place taken for a send that did not happen (WeChat unavailable): the
        retry takes it again, so transient failures never use up the customer's quota."""
        used = QuotaItem.message_used if window == MESSAGE else QuotaItem.click_used
        try:
            QuotaItem(openid=openid).update(actions=[used.add(-1)], condition=used > 0)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise  # the window was reopened meanwhile (used is 0): nothing to return

    def message_window_until(self, openid: str) -> float:
        """When the user's 48 h window closes (0 when they never wrote or it is unknown)."""
        try:
            return QuotaItem.get(openid).message_window_until or 0
        except QuotaItem.DoesNotExist:
            return 0

    def message_room(self, openid: str) -> tuple[float, int]:
        """(when the 48 h window closes, places left in it): (0, 0) when it never opened."""
        try:
            item = QuotaItem.get(openid, consistent_read=True)
        except QuotaItem.DoesNotExist:
            return 0, 0
        until = item.message_window_until or 0
        left = MESSAGE_LIMIT - int(item.message_used or 0) if until > self.clock() else 0
        return until, max(0, left)

    def note_held(self, openid: str) -> None:
        """A message is kept for this user; their session says so too, where the webhook
        reads it. Written beside the dialog's fields (sessions are saved attribute by
        attribute), without the session's version: the dialog's next save must not conflict."""
        QuotaItem(openid=openid).update(actions=[QuotaItem.held.add(1)])
        SessionItem._get_connection().update_item(openid, actions=[SessionItem.held.add(1)])

    def clear_held(self, openid: str) -> None:
        QuotaItem(openid=openid).update(actions=[QuotaItem.held.set(0)])
        SessionItem._get_connection().update_item(openid, actions=[SessionItem.held.remove()])
