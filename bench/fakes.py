"""In-memory stand-ins for the stores and queues, with exactly the methods WebhookService uses,
and for the dialog's Book port (chalicelib/dialog/ports.py).

They behave like the real adapters on the happy path (first delivery, no conflicts) and count
every call, so a run also tells how many store round trips one message costs. WebhookService
calls some of them from its thread pool, so the counter is guarded by a lock.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from chalicelib.dialog.outcome import SessionState
from chalicelib.domain.book import BindOutcome, BindResult, Customer, Policy
from chalicelib.domain.book import Claim as BookClaim
from chalicelib.store.inbox import DONE, NEW, Claim


class Calls:
    """Thread-safe call counter shared by the fakes."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._paused = False

    def __call__(self, name: str) -> None:
        with self._lock:
            if not self._paused:
                self.counts[name] += 1

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Calls made meanwhile (the bench's own setup) are not counted."""
        with self._lock:
            self._paused = True
        try:
            yield
        finally:
            with self._lock:
                self._paused = False


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

    def save(self, item: str, state: SessionState, pending: Iterable[Any] = ()) -> None:
        self.calls("sessions.save")
        self.states[item] = state

    def settled(self, item: str) -> None:
        self.calls("sessions.settled")


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

    def jobs(self, jobs: Iterable[Any]) -> None:
        from chalicelib.jobs.messages import job_body

        self.publish("jobs", [job_body(j) for j in jobs])

    def outbox(self, messages: Iterable[Any]) -> None:
        self.publish("outbox", [m.to_body() for m in messages])


class FakeBook:
    """The Book port in memory: holders and their policies, bound by policy number or plate
    and the ID's last 6 characters (kept in clear here; the real store keeps a keyed hash)."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.policies: dict[str, Policy] = {}  # policy_no -> policy
        self.holders: dict[str, tuple[Customer, str]] = {}  # customer_id -> (customer, id_last6)
        self.bound: dict[str, Customer] = {}  # openid -> customer
        self.claims: dict[str, BookClaim] = {}  # claim_no -> claim

    def add_holder(self, customer: Customer, id_last6: str, policies: Iterable[Policy]) -> None:
        """Setup, not part of the port: what the import from the core system would write."""
        self.holders[customer.customer_id] = (customer, id_last6.upper())
        self.policies.update((p.policy_no, p) for p in policies)

    def customer_for(self, openid: str) -> Customer | None:
        self.calls("book.customer_for")
        return self.bound.get(openid)

    def policies_of(self, customer_id: str) -> list[Policy]:
        self.calls("book.policies_of")
        mine = (p for p in self.policies.values() if p.customer_id == customer_id)
        return sorted(mine, key=lambda p: p.end, reverse=True)

    def claims_of(self, customer_id: str) -> list[BookClaim]:
        self.calls("book.claims_of")
        mine = (c for c in self.claims.values() if c.customer_id == customer_id)
        return sorted(mine, key=lambda c: c.accident_date, reverse=True)

    def claim(self, claim_no: str) -> BookClaim | None:
        self.calls("book.claim")
        return self.claims.get(claim_no)

    def try_bind(self, openid: str, identifier: str, id_last6: str, attempt: str) -> BindResult:
        self.calls("book.try_bind")
        named = [p for p in self.policies.values() if identifier in (p.policy_no, p.plate)]
        for policy in named:
            customer, answer = self.holders[policy.customer_id]
            if answer == id_last6.upper():
                self.bound[openid] = customer
                return BindResult(BindOutcome.BOUND, customer=customer)
        return BindResult(BindOutcome.REFUSED)

    def unbind(self, openid: str) -> bool:
        self.calls("book.unbind")
        return self.bound.pop(openid, None) is not None


def fake_adapters(calls: Calls) -> dict[str, Any]:
    """Keyword arguments for WebhookService: every store and queue, in memory."""
    return {
        "inbox": FakeInbox(calls),
        "sessions": FakeSessions(calls),
        "conversations": FakeConversations(calls),
        "quotas": FakeQuotas(calls),
        "queues": FakeQueues(calls),
    }
