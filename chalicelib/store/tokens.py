"""The WeChat access token, shared by every Lambda instance.

One holder of a short lease refreshes it; the others wait for the new value. After WeChat
refused a token (40001/42001/40014) it is renewed once for a burst of failures, not once per
instance (only if the refused token is still the stored one), and in normal mode first: a
`stable_token` call without force_refresh hands out WeChat's current token. Only when that is
the very token just refused does a forced refresh follow, within WeChat's budget for it (30 s
apart, 20 a day, shared with every other system using the AppID, whose tokens it kills):
counted on the token's item, logged (`token.forced`), and refused beyond the budget
(`token.force_refused`, an alarm) rather than spent.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.service.logs import log_event
from chalicelib.store.models import TokenItem, condition_failed
from chalicelib.wechat.api import TokenUnavailable

Fetch = Callable[[bool], tuple[str, int]]  # force -> (token, expires_in seconds)


FORCE_GAP_S = 30
FORCE_PER_DAY = 20
CHINA_OFFSET_S = 8 * 3600


class SharedToken:
    def __init__(
        self,
        name: str,
        fetch: Fetch,
        margin_s: int = 300,
        lease_s: int = 10,
        wait_s: float = 5.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        can_force: bool = True,  # WeChat's stable_token can; WeCom's gettoken cannot
    ) -> None:
        self.name = name
        self.fetch = fetch
        self.margin_s = margin_s
        self.lease_s = lease_s
        self.wait_s = wait_s
        self.clock = clock
        self.sleep = sleep
        self.can_force = can_force
        self.owner = uuid.uuid4().hex
        self._cached: tuple[str, float] | None = None

    def get(self) -> str:
        """A valid token, from memory, the table, or a refresh by the lease holder."""
        if self._cached and self._cached[1] - self.margin_s > self.clock():
            return self._cached[0]
        return self._obtain(stale=None)

    def invalidate(self, failed_token: str) -> str:
        """WeChat said `failed_token` is invalid: refresh once (shared) and return the new one."""
        self._cached = None
        return self._obtain(stale=failed_token)

    def _obtain(self, stale: str | None) -> str:
        deadline = self.clock() + self.wait_s
        while True:
            item = self._read()
            if self._usable(item, stale):
                return self._remember(item)
            if self._take_lease(item):
                return self._refresh(item, stale)
            if self.clock() > deadline:
                raise TokenUnavailable(self.name)
            self.sleep(0.1)

    def _usable(self, item: TokenItem, stale: str | None) -> bool:
        if not item.token or item.token == stale:
            return False
        return item.token_expires_at - self.margin_s > self.clock()

    def _remember(self, item: TokenItem) -> str:
        self._cached = (item.token, item.token_expires_at)
        return item.token

    def _read(self) -> TokenItem:
        try:
            return TokenItem.get(self.name, consistent_read=True)
        except DoesNotExist:
            return TokenItem(name=self.name)

    def _take_lease(self, item: TokenItem) -> bool:
        now = self.clock()
        free = TokenItem.lease_until.does_not_exist() | (TokenItem.lease_until < now)
        # Only if the token is still the one we judged unusable: another holder may have
        # refreshed it and released the lease since we read it.
        unchanged = (
            TokenItem.token == item.token if item.token else TokenItem.token.does_not_exist()
        )
        try:
            TokenItem(name=self.name).update(  # UpdateItem also creates the first item
                actions=[
                    TokenItem.lease_owner.set(self.owner),
                    TokenItem.lease_until.set(now + self.lease_s),
                ],
                condition=free & unchanged,
            )
            return True
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise

    def _refresh(self, item: TokenItem, stale: str | None) -> str:
        """Under the lease: normal mode first; forced only if WeChat hands out `stale` again."""
        try:
            token, expires_in = self.fetch(False)
            forced = self.can_force and stale is not None and token == stale
            if forced:
                self._check_force_budget(item)
                token, expires_in = self.fetch(True)
        except Exception:
            self._release_lease()
            raise
        self._store(token, expires_in, forced)
        return token

    def _check_force_budget(self, item: TokenItem) -> None:
        now = self.clock()
        today = self._day(now)
        used = item.forced_today if item.forced_day == today else 0
        if now - (item.forced_at or 0) < FORCE_GAP_S or used >= FORCE_PER_DAY:
            log_event("token.force_refused", logging.ERROR, name=self.name, forced_today=used)
            raise TokenUnavailable(f"{self.name}: WeChat refuses its current token and the "
                                   f"forced refresh must wait ({used} today)")  # fmt: skip

    def _store(self, token: str, expires_in: int, forced: bool) -> None:
        now = self.clock()
        expires_at = now + expires_in
        actions: list[Action] = [
            TokenItem.token.set(token),
            TokenItem.token_expires_at.set(expires_at),
            TokenItem.lease_until.set(0),
            TokenItem.lease_owner.remove(),
        ]
        if forced:
            current = self._read()
            today = self._day(now)
            used = (current.forced_today if current.forced_day == today else 0) + 1
            actions += [TokenItem.forced_at.set(now), TokenItem.forced_day.set(today),
                        TokenItem.forced_today.set(used)]  # fmt: skip
            log_event("token.forced", logging.WARNING, name=self.name, forced_today=used)
        TokenItem(name=self.name).update(actions=actions,
                                         condition=TokenItem.lease_owner == self.owner)  # fmt: skip
        self._cached = (token, expires_at)

    @staticmethod
    def _day(now: float) -> str:
        return time.strftime("%Y-%m-%d", time.gmtime(now + CHINA_OFFSET_S))

    def _release_lease(self) -> None:
        try:
            TokenItem(name=self.name).update(
                actions=[TokenItem.lease_until.set(0)],
                condition=TokenItem.lease_owner == self.owner,
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
