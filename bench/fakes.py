"""In-memory stand-ins for the stores and queues, with exactly the methods WebhookService uses.

They behave like the real adapters on the happy path (first delivery, no conflicts) and count
every call, so a run also tells how many store round trips one message costs. WebhookService
calls some of them from its thread pool, so the counter is guarded by a lock.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

from chalicelib.dialog.outcome import SessionState
from chalicelib.store.inbox import DONE, NEW, Claim


class Calls:
    """Thread-safe call counter shared by the fakes."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, name: str) -> None:
        with self._lock:
            self.counts[name] += 1


class FakeInbox:
    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.items: dict[str, str | None] = {}

    def claim(self, key: str) -> Claim:
        self.calls("inbox.claim")
        if key in self.items:
            return Claim(DONE, self.items[key])
        self.items[key] = None
        return Claim(NEW)

    def complete(self, key: str, reply_xml: str | None) -> bool:
        self.calls("inbox.complete")
        self.items[key] = reply_xml
        return False


class FakeSessions:
    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.states: dict[str, SessionState] = {}

    def load(self, openid: str) -> tuple[SessionState, str]:
        self.calls("sessions.load")
        return self.states.get(openid, SessionState.empty()), openid

    def save(self, item: str, state: SessionState) -> None:
        self.calls("sessions.save")
        self.states[item] = state


class FakeConversations:
    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.entries: list[Any] = []

    def log(self, entries: Iterable[Any]) -> None:
        self.calls("conversations.log")
        self.entries.extend(entries)


class FakeQuotas:
    def __init__(self, calls: Calls) -> None:
        self.calls = calls

    def opened_by_message(self, openid: str) -> bool:
        self.calls("quotas.opened_by_message")
        return False

    def opened_by_click(self, openid: str) -> None:
        self.calls("quotas.opened_by_click")


class FakeQueues:
    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.published: list[tuple[str, list[dict[str, Any]]]] = []

    def publish(self, logical: str, bodies: Iterable[dict[str, Any]]) -> None:
        self.calls("queues.publish")
        self.published.append((logical, list(bodies)))


def fake_adapters(calls: Calls) -> dict[str, Any]:
    """Keyword arguments for WebhookService: every store and queue, in memory."""
    return {
        "inbox": FakeInbox(calls),
        "sessions": FakeSessions(calls),
        "conversations": FakeConversations(calls),
        "quotas": FakeQuotas(calls),
        "queues": FakeQueues(calls),
    }
