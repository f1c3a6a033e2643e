"""The WeChat access token, shared by every Lambda instance.

One holder of a short lease refreshes it; the others wait for the new value. A forced
refresh (after 40001/42001/40014) only happens if the token that failed is still the stored
one, so a burst of failures causes one refresh, not one per instance.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.store.models import TokenItem, condition_failed

Fetch = Callable[[bool], tuple[str, int]]  # force -> (token, expires_in seconds)


class TokenUnavailable(RuntimeError):
    """No token could be obtained in time (another instance holds the lease too long)."""


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
    ) -> None:
        self.name = name
        self.fetch = fetch
        self.margin_s = margin_s
        self.lease_s = lease_s
        self.wait_s = wait_s
        self.clock = clock
        self.sleep = sleep
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
                return self._refresh(force=stale is not None)
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

    def _refresh(self, force: bool) -> str:
        try:
            token, expires_in = self.fetch(force)
        except Exception:
            self._release_lease()
            raise
        expires_at = self.clock() + expires_in
        item = TokenItem(name=self.name)
        item.update(
            actions=[
                TokenItem.token.set(token),
                TokenItem.token_expires_at.set(expires_at),
                TokenItem.lease_until.set(0),
                TokenItem.lease_owner.remove(),
            ],
            condition=TokenItem.lease_owner == self.owner,
        )
        self._cached = (token, expires_at)
        return token

    def _release_lease(self) -> None:
        try:
            TokenItem(name=self.name).update(
                actions=[TokenItem.lease_until.set(0)],
                condition=TokenItem.lease_owner == self.owner,
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
