"""Dialog state per user, with optimistic locking (VersionAttribute) and a TTL."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.dialog.outcome import Effect, SessionState, effect_from_json, effect_to_json
from chalicelib.store.models import SessionItem, condition_failed


class SessionConflict(Exception):
    """Another request changed this session since it was read."""


class Sessions:
    def __init__(self, ttl_s: int, clock: Callable[[], float] = time.time) -> None:
        self.ttl_s = ttl_s
        self.clock = clock

    def load(self, openid: str) -> tuple[SessionState, SessionItem]:
        try:
            item = SessionItem.get(openid, consistent_read=True)
        except DoesNotExist:
            item = SessionItem(openid=openid)
        return SessionState(flow=item.flow, step=item.step, data=dict(item.data or {})), item

    def save(
        self, item: SessionItem, state: SessionState, pending: Iterable[Effect] = ()
    ) -> None:
        """Store `state` (and the effects it awaits) unless the session changed since `item`
        was read: SessionConflict then."""
        effects = [effect_to_json(e) for e in pending]
        actions: list[Action] = [
            SessionItem.flow.set(state.flow),
            SessionItem.step.set(state.step),
            SessionItem.data.set(state.data),
            SessionItem.pending.set(effects) if effects else SessionItem.pending.remove(),
            SessionItem.expires_at.set(int(self.clock() + self.ttl_s)),
        ]
        # An update, not a put: what others keep on the item (the binding, messages held)
        # stays. The model adds the version's condition and increment.
        try:
            item.update(actions=actions)
        except UpdateError as exc:
            if condition_failed(exc):
                raise SessionConflict(item.openid) from exc
            raise

    @staticmethod
    def pending_of(item: SessionItem) -> list[Effect]:
        return [effect_from_json(e) for e in item.pending or []]

    def settled(self, item: SessionItem) -> None:
        """The pending effects are applied: forget them. A conflict means another request
        read them too (and applies them again, harmlessly); it clears them then."""
        try:
            item.update(actions=[SessionItem.pending.remove()])
        except UpdateError as exc:
            if not condition_failed(exc):
                raise

    def change(
        self, openid: str, change: Callable[[SessionState], SessionState | None], tries: int = 3
    ) -> bool:
        """Apply `change` to the stored state (None: leave it), re-reading on a conflict; False
        when nothing was saved. For work outside the webhook that moves a conversation (a
        handoff ended, a re-shoot asked). It gives up after `tries` conflicts: the customer is
        writing right now, and their own messages decide where the conversation goes."""
        for _ in range(tries):
            state, item = self.load(openid)
            new = change(state)
            if new is None:
                return False
            try:
                self.save(item, new)
                return True
            except SessionConflict:
                continue
        return False
