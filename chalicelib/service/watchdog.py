"""The scheduled watchdog: things that happen because time passed, not because someone wrote.

Handoffs: an on-call person who has not answered within the escalation time → the backup;
nobody → a callback ticket and the customer is told (service/handoff.py `escalate`).

Self-surveys: a survey resting for REMIND_AFTER_S gets one reminder, sent only while the
customer's 48 h window is open (a reminder held until they write again would be stale); a
survey resting for SURVEY_TTL_S expires, and a ticket (survey_expired) asks staff to phone
the customer.

Tickets: a complaint with less than TICKET_ALERT_BEFORE_H hours left → its supervisor is told,
once (service/tickets.py `alert_due`).

Claim clocks: a clock in its warning time or overdue → the adjuster and supervisors are told,
once per clock (service/claim_clocks.py `ClockWatch.warn`).

Renewal reminders: once a day, policies ending in 30 and 7 days → a notice to each bound user
(service/renewals.py `RenewalSweep.run`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.dialog import survey as dialog
from chalicelib.domain import survey as sv
from chalicelib.domain.push_budget import NOTICE
from chalicelib.jobs.messages import custom
from chalicelib.service.logs import log_event, ref
from chalicelib.store.surveys import SurveyConflict, view_of

if TYPE_CHECKING:
    from chalicelib.jobs.queues import Queues
    from chalicelib.service.claim_clocks import ClockWatch
    from chalicelib.service.handoff import HandoffDesk
    from chalicelib.service.renewals import RenewalSweep
    from chalicelib.service.tickets import TicketDesk
    from chalicelib.store.handoffs import Tickets
    from chalicelib.store.models import SurveyItem
    from chalicelib.store.quotas import Quotas
    from chalicelib.store.surveys import SurveyStore

# Leave this much of the 48 h window for the reminder to be delivered and answered.
WINDOW_MARGIN_S = 15 * 60


class Watchdog:
    def __init__(
        self,
        surveys: SurveyStore,
        quotas: Quotas,
        queues: Queues,
        clock: Callable[[], float] = time.time,
        handoffs: Callable[[], HandoffDesk] | None = None,
        tickets: Tickets | None = None,
        ticket_desk: Callable[[], TicketDesk] | None = None,
        clock_watch: Callable[[], ClockWatch] | None = None,
        renewals: Callable[[], RenewalSweep] | None = None,
    ) -> None:
        self.renewals = renewals  # renewal reminders: the day's sweep, once a day
        self.clock_watch = clock_watch  # claim clocks: staff warned before one runs out
        self.surveys = surveys
        self.quotas = quotas
        self.queues = queues
        self.clock = clock
        self.handoffs = handoffs
        self.tickets = tickets
        self.ticket_desk = ticket_desk

    def run(self) -> dict[str, int]:
        counts = {"reminded": 0, "expired": 0}
        now = self.clock()
        for item in self.surveys.idle_open_surveys(before=now - sv.REMIND_AFTER_S):
            try:
                if now - item.last_activity > sv.SURVEY_TTL_S:
                    counts["expired"] += self._expire(item)
                elif not item.reminded:
                    counts["reminded"] += self._remind(item, now)
            except SurveyConflict:
                log_event("watchdog.survey_busy", claim=ref(item.claim_no))  # next run
        if self.handoffs is not None:
            counts.update(self.handoffs().escalate())
        if self.ticket_desk is not None:
            counts.update(self.ticket_desk().alert_due())
        if self.clock_watch is not None:
            counts.update(self.clock_watch().warn())
        if self.renewals is not None:
            counts.update(self.renewals().run())
        fields: dict[str, Any] = dict(counts)  # each count a field of the log line
        log_event("watchdog.ran", **fields)
        return counts

    def _expire(self, item: SurveyItem) -> int:
        item.state = str(sv.SurveyState.EXPIRED)
        self.surveys.save(item)
        if self.tickets is not None:  # staff call the customer: the claim is still open
            filled = len(item.slots or {})
            self.tickets.create(
                item.openid,
                kind="survey_expired",
                priority="normal",
                summary=f"自助查勘超过72小时未完成：{item.claim_no}，已收到 {filled}/5 张照片",
                ticket_no=f"TV{item.claim_no}",
                claim_no=item.claim_no,
            )
        log_event("survey.expired", filled=len(item.slots or {}), claim=ref(item.claim_no))
        return 1

    def _remind(self, item: SurveyItem, now: float) -> int:
        window_until = self.quotas.message_window_until(item.openid)
        if window_until - now < WINDOW_MARGIN_S:
            return 0
        hours_left = int((item.last_activity + sv.SURVEY_TTL_S - now) // 3600)
        view = view_of(item)
        missing = [s for s in sv.SLOTS if s not in view.filled]  # each named, in one message
        reply = dialog.reminder(item.claim_no, view.done, hours_left, missing)
        item.reminded = True
        self.surveys.save(item)  # first, so two overlapping runs cannot both remind
        message_id = f"survey-remind-{item.claim_no}"
        self.queues.outbox([custom(item.openid, reply, f"survey:{item.claim_no}", message_id,
                                   push=NOTICE)])  # fmt: skip
        log_event("survey.reminded", claim=ref(item.claim_no))
        return 1
