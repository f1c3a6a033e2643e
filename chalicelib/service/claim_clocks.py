"""The claim clocks (domain/claim_clocks.py) on stored claims: for the console's queue and claim
page, the scheduled warning to staff before a clock runs out, and the refusal clock met when
the refusal notice goes out.

Warnings: the watchdog (every 10 minutes) reads the claims whose clocks can be running — those
in the open statuses (the by_status index) and those rejected here whose refusal notice has not
gone out (the sparse by_refusal_pending index) — and for each clock in its warning time, or
already overdue, tells the claim's adjuster and the supervisors once in WeCom. "Once" is a
mark on the claim taken with a condition before sending (two overlapping runs cannot both
send), given back when nobody could be told, so the next run tries again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.domain.claim_clocks import (
    ARTICLE,
    Clock,
    ClockRules,
    ClockState,
    claim_clocks,
    nearest,
)
from chalicelib.domain.claims import ClaimStatus
from chalicelib.domain.hours import CHINA
from chalicelib.service.logs import log_event, ref
from chalicelib.store.book import timeline_from_json

if TYPE_CHECKING:
    from chalicelib.jobs.messages import OutboxMessage
    from chalicelib.staff.messenger import StaffMessenger
    from chalicelib.store.book import BookStore
    from chalicelib.store.models import ClaimItem
    from chalicelib.store.staff import StaffMember

_S = ClaimStatus
# Statuses in which a clock can be running (a rejected claim's refusal clock is found through
# by_refusal_pending instead: rejected claims pile up, pending refusals do not).
OPEN_STATUSES = (_S.SURVEY_RECEIVED, _S.UNDER_REVIEW, _S.PHOTOS_REQUESTED, _S.SURVEYOR_SENT,
                 _S.APPROVED, _S.REPAIRING)  # fmt: skip
REFUSAL_ORIGIN = "refusal:"  # the outbox origin of a refusal notice: "refusal:<claim_no>"
SUPERVISOR = "supervisor"


def clocks_of(item: ClaimItem, now: datetime, rules: ClockRules) -> tuple[Clock, ...]:
    """The stored claim's clocks at `now`."""
    sent = datetime.fromisoformat(item.refusal_sent_at) if item.refusal_sent_at else None
    ours = bool(item.refusal_pending or item.refusal_sent_at
                or any(d.get("action") == "reject" for d in item.decisions or []))  # fmt: skip
    return claim_clocks(timeline_from_json(item.timeline), now, rules,
                        refusal_ours=ours, refusal_sent_at=sent)  # fmt: skip


def clock_json(clock: Clock, now: datetime) -> dict[str, Any]:
    return {
        "kind": str(clock.kind),
        "state": str(clock.state),
        "started_at": clock.started_at.isoformat(),
        "due_at": clock.due_at.isoformat(),
        "warn_at": clock.warn_at.isoformat(),
        "met_at": clock.met_at.isoformat() if clock.met_at else None,
        "seconds_left": clock.seconds_left(now) if clock.open else None,
        "late": clock.late,
        "paused_s": clock.paused_s,
        "article": ARTICLE[clock.kind],
    }


def nearest_json(clocks: Iterable[Clock], now: datetime) -> dict[str, Any] | None:
    found = nearest(clocks)
    return clock_json(found, now) if found else None


def warning_key(clock: Clock) -> str:
    return f"{clock.kind}@{clock.started_at.isoformat()}"


class ClockWatch:
    def __init__(
        self,
        book: BookStore,
        rules: ClockRules,
        staff: Callable[[], list[StaffMember]],
        messenger: Callable[[], StaffMessenger] | None,
        console_url: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`staff`: the staff table's members (WeCom userids); `messenger`: WeCom, or None
        when no WeCom app is configured (the console still shows the clocks)."""
        self.book = book
        self.rules = rules
        self.staff = staff
        self.messenger = messenger
        self.console_url = console_url
        self.clock = clock

    # --- the refusal notice went out ---------------------------------------------------------

    def on_sent(self, message: OutboxMessage) -> None:
        """The outbox sent a message: a refusal notice meets its claim's refusal clock."""
        if not message.origin.startswith(REFUSAL_ORIGIN):
            return
        claim_no = message.origin.removeprefix(REFUSAL_ORIGIN)
        if self.book.refusal_sent(claim_no, datetime.fromtimestamp(self.clock(), UTC)):
            log_event("claim.refusal_notice_sent", claim=ref(claim_no))

    # --- warnings --------------------------------------------------------------------------

    def warn(self) -> dict[str, int]:
        """Tell staff of each clock in its warning time or overdue, once per clock."""
        now = datetime.fromtimestamp(self.clock(), UTC)
        items = {i.claim_no: i for i in self.book.claims_in(OPEN_STATUSES)}
        items.update({i.claim_no: i for i in self.book.refusals_pending()})
        counts = {"clock_warnings": 0, "clock_warnings_failed": 0}
        members: list[StaffMember] | None = None
        for item in items.values():
            due = [c for c in clocks_of(item, now, self.rules)
                   if c.state in (ClockState.WARNING, ClockState.OVERDUE)
                   and warning_key(c) not in (item.clock_warned or set())]  # fmt: skip
            for found in due:
                if members is None:
                    members = [m for m in self.staff() if not m.disabled]
                told = self._warn(item, found, now, members)
                counts["clock_warnings" if told else "clock_warnings_failed"] += 1
        return counts

    def _warn(self, item: ClaimItem, clock: Clock, now: datetime,
              members: list[StaffMember]) -> bool:  # fmt: skip
        key = warning_key(clock)
        if not self.book.take_clock_warning(item.claim_no, key):
            return True  # another run has told them
        recipients = recipients_of(item, members)
        if self.messenger is None or not recipients:
            log_event("claim.clock_warning", logging.WARNING, clock=str(clock.kind),
                      state=str(clock.state), recipients=0, claim=ref(item.claim_no))  # fmt: skip
            return True  # shown in the console; there is nobody to message
        text = warning_text(item.claim_no, clock, now, self.console_url)
        sent = 0
        for userid in recipients:
            try:
                self.messenger().send_text(userid, text)
                sent += 1
            except Exception:  # one member's failure does not keep the others uninformed
                log_event("claim.clock_warning_failed", logging.WARNING, exc_info=True,
                          staff=ref(userid), claim=ref(item.claim_no))  # fmt: skip
        if not sent:
            self.book.give_back_clock_warning(item.claim_no, key)
            return False
        log_event("claim.clock_warning", clock=str(clock.kind), state=str(clock.state),
                  recipients=sent, claim=ref(item.claim_no))  # fmt: skip
        return True


def recipients_of(item: ClaimItem, members: list[StaffMember]) -> list[str]:
    """The adjuster who last decided on the claim (when they are staff here), and the
    supervisors — of the adjuster's team when they have one, else all of them."""
    by = next((str(d.get("by")) for d in reversed(item.decisions or []) if d.get("by")), "")
    adjuster = next((m for m in members if m.userid == by), None)
    supervisors = [m for m in members if SUPERVISOR in m.roles]
    if adjuster is not None and adjuster.team:
        supervisors = [m for m in supervisors if m.team == adjuster.team] or supervisors
    chosen = ([adjuster.userid] if adjuster else []) + [m.userid for m in supervisors]
    return list(dict.fromkeys(chosen))


def warning_text(claim_no: str, clock: Clock, now: datetime, console_url: str = "") -> str:
    """The WeCom message (staff words; no customer's personal data)."""
    from chalicelib.console.labels import CLOCK_KINDS

    when, what = due_words(clock.due_at), CLOCK_KINDS[str(clock.kind)]
    if clock.state is ClockState.OVERDUE:
        late = span(-clock.seconds_left(now))
        head = f"【理赔时效已超时】赔案 {claim_no}：{what}的期限 {when} 已过（超时 {late}）。"
    else:
        left = span(clock.seconds_left(now))
        head = f"【理赔时效提醒】赔案 {claim_no}：{what}将于 {when} 到期（剩余 {left}）。"
    lines = [head, f"依据《保险法》第{ARTICLE[clock.kind]}条，请及时处理。"]
    if console_url:
        lines.append(f"{console_url}#/claims/{claim_no}")
    return "\n".join(lines)


def due_words(due: datetime) -> str:
    """"3月31日 24:00": a due time at midnight is the end of the day before, as the law counts."""
    local = due.astimezone(CHINA)
    if (local.hour, local.minute) == (0, 0):
        day = (local - timedelta(minutes=1)).date()
        return f"{day.month}月{day.day}日 24:00"
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def span(seconds: int) -> str:
    """3天4小时, 5小时, 20分钟."""
    seconds = max(0, seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时"
    return f"{max(1, rest // 60)}分钟"
