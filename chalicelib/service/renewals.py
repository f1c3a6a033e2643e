"""Renewal reminders: once a day, policies ending in 30 and in 7 days → a template notice to
each WeChat user bound to the holder (domain/renewal.py has the rules).

The watchdog (every minute) calls `run`; the day's sweep runs once, from SEND_FROM_HOUR China
time (nobody is woken at midnight by a reminder; its day is claimed in the inbox table; a sweep
that fails gives the day back, and the next minute tries again). Policies
are read from the GSI by_end_date, a few days each (no scan). Each (policy, stage, user) is
claimed in the inbox table before its notice is queued, so however many sweeps and retries,
one notice each; the outbox message id is derived from the same three, so the sender sends it
at most once even if queued twice. Nothing goes to a policy that was renewed or cancelled, nor
to a user who replied 不再提醒续保.

The notice is a service notice (category template `WECHAT_TEMPLATE_RENEWAL`, never marketing),
counted against the customer's push budget as kind `reminder` (domain/push_budget.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.dialog import catalogue as t
from chalicelib.domain import renewal as rn
from chalicelib.domain.book import Policy
from chalicelib.domain.hours import CHINA
from chalicelib.domain.notice_fields import FieldError
from chalicelib.domain.push_budget import REMINDER
from chalicelib.jobs.messages import OutboxMessage, TemplateNotice
from chalicelib.service.logs import log_event, ref
from chalicelib.store.inbox import NEW

if TYPE_CHECKING:
    from chalicelib.jobs.queues import Queues
    from chalicelib.store.book import BookStore
    from chalicelib.store.inbox import Inbox


class RenewalSweep:
    def __init__(
        self, book: BookStore, marks: Inbox, queues: Queues, template_id: str, hotline: str,
        fields: tuple[tuple[str, str], ...] = (), url: str = "",
        now: Callable[[], datetime] = lambda: datetime.now(CHINA),
    ) -> None:  # fmt: skip
        """marks: an Inbox whose items outlive the catch-up days (the container's keeps them
        60 days)."""
        self.book = book
        self.marks = marks
        self.queues = queues
        self.template_id = template_id
        self.hotline = hotline
        self.fields = fields or rn.parse_fields("")
        self.url = url
        self.now = now  # China time

    def run(self) -> dict[str, int]:
        """The day's sweep, once a day from SEND_FROM_HOUR (nothing without a template)."""
        now = self.now()
        if not self.template_id or now.hour < rn.SEND_FROM_HOUR:
            return {}
        day = now.date()
        key = f"renewal-sweep:{day.isoformat()}"
        if self.marks.claim(key).state != NEW:
            return {}
        try:
            counts = self.sweep(day)
        except Exception:
            self.marks.release(key)
            raise
        self.marks.complete(key, None)
        fields: dict[str, Any] = dict(counts)  # each count a field of the log line
        log_event("renewal.swept", **fields)
        return {"renewal_" + k: v for k, v in counts.items()}

    def sweep(self, day: date) -> dict[str, int]:
        counts = {"notices": 0, "renewed": 0, "opted_out": 0}
        for stage, end in rn.end_dates_due(day):
            for policy in self.book.policies_ending(end):
                if policy.cancelled:
                    continue
                if rn.renewed(policy, self.book.policies_of_vehicle(policy.plate)):
                    counts["renewed"] += 1
                    continue
                everyone = self.book.openids_of(policy.customer_id)
                willing = self.book.reminder_openids(policy.customer_id)
                counts["opted_out"] += len(set(everyone) - set(willing))
                for openid in willing:
                    counts["notices"] += self._notify(policy, stage, openid, day)
        return counts

    def _notify(self, policy: Policy, stage: int, openid: str, day: date) -> int:
        key = f"renewal:{policy.policy_no}:{stage}:{openid}"
        if self.marks.claim(key).state != NEW:
            return 0  # told already (or another sweep is telling them now)
        try:
            message = self._message(policy, stage, openid, day)
            self.queues.outbox([message])
        except FieldError as exc:  # a configuration mistake: nothing WeChat would take
            self.marks.release(key)
            log_event("renewal.unfit", error=str(exc), policy=ref(policy.policy_no))
            return 0
        except Exception:
            self.marks.release(key)
            raise
        self.marks.complete(key, None)
        log_event("renewal.queued", stage=stage, policy=ref(policy.policy_no), user=ref(openid))
        return 1

    def _message(self, policy: Policy, stage: int, openid: str, day: date) -> OutboxMessage:
        facts = rn.facts(policy, day, t.RENEWAL_NEXT_STEP, self.hotline)
        notice = TemplateNotice(self.template_id, rn.notice_data(self.fields, facts), self.url)
        digest = hashlib.sha256(f"{policy.policy_no}:{stage}:{openid}".encode()).hexdigest()
        return OutboxMessage(openid, f"renewal:{policy.policy_no}:{stage}", template=notice,
                             id=f"renewal-{digest[:32]}", push=REMINDER)  # fmt: skip
