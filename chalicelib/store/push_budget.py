"""The per-customer push budget and 退订 (table `push_budget`, infra/resources.yaml).

One item per customer and week (`period` = "2026-W49", China time) counts the pushes sent to
them that week, overall and per kind; each push takes its place with one conditional update,
so two senders at once never both take the last place (domain/push_budget.py has the rules).
Week items expire (TTL) five weeks after their week ends. One more item per customer
(`period` = "prefs") holds their 退订 (campaigns stopped), kept until they send 订阅.
No name, number or text is kept: the openid, counters and times only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.domain.push_budget import (
    CAMPAIGN,
    NOTICE,
    OPT_OUT_STOPS,
    REFUSABLE,
    REMINDER,
    BudgetRules,
    Verdict,
    check_kind,
    decide,
    period_end,
    period_of,
)
from chalicelib.store.models import condition_failed

PREFS = "prefs"  # the item holding the customer's 退订
KEEP_AFTER_WEEK_S = 35 * 24 * 3600  # a week's counters outlive it a month (the dashboard)


class PushBudgetItem(Model):
    class Meta:
        table_name = "push_budget"

    openid = UnicodeAttribute(hash_key=True)
    period = UnicodeAttribute(range_key=True)  # "2026-W49" | "prefs"
    total = NumberAttribute(null=True)  # pushes of every kind this week
    notice = NumberAttribute(null=True)
    reminder = NumberAttribute(null=True)
    campaign = NumberAttribute(null=True)
    refused = NumberAttribute(null=True)  # pushes refused this week (any reason)
    opted_out_at = NumberAttribute(null=True)  # prefs: 退订 (campaigns stopped) since
    opted_in_at = NumberAttribute(null=True)  # prefs: the latest 订阅
    expires_at = NumberAttribute(null=True)  # TTL (week items only)


def _counter(kind: str) -> NumberAttribute:
    return {NOTICE: PushBudgetItem.notice, REMINDER: PushBudgetItem.reminder,
            CAMPAIGN: PushBudgetItem.campaign}[check_kind(kind)]  # fmt: skip


class PushBudget:
    def __init__(self, rules: BudgetRules | None = None,
                 clock: Callable[[], float] = time.time) -> None:  # fmt: skip
        self.rules = rules or BudgetRules()
        self.clock = clock

    # The budget -------------------------------------------------------------------------

    def try_spend(self, openid: str, kind: str, now: float | None = None) -> bool:
        """Take one place of this customer's week for a push of `kind`; False when refused."""
        return self.spend(openid, kind, now).allowed

    def spend(self, openid: str, kind: str, now: float | None = None) -> Verdict:
        """Like try_spend, with why it was refused and the week it was counted in."""
        check_kind(kind)
        now = self.clock() if now is None else now
        period = period_of(now)
        if kind in OPT_OUT_STOPS and self.opted_out(openid):
            self._note_refused(openid, period, now)
            return decide(self.rules, kind, 0, 0, opted_out=True)
        counter = _counter(kind)
        expires = int(period_end(now) + KEEP_AFTER_WEEK_S)
        actions: list[Action] = [PushBudgetItem.total.add(1), counter.add(1),
                                 PushBudgetItem.expires_at.set(expires)]  # fmt: skip
        condition: Condition | None = None
        if kind in REFUSABLE:
            total = PushBudgetItem.total
            condition = total.does_not_exist() | (total < self.rules.per_week)
            cap = self.rules.kind_cap(kind)
            if cap is not None:
                condition &= counter.does_not_exist() | (counter < cap)
        for _ in range(3):
            try:
                item = PushBudgetItem(openid=openid, period=period)
                item.update(actions=actions, condition=condition)
                return Verdict(True, period=period)
            except UpdateError as exc:
                if not condition_failed(exc):
                    raise
            total_now, of_kind = self._counts(openid, period, kind)
            verdict = decide(self.rules, kind, total_now, of_kind, opted_out=False)
            if not verdict.allowed:
                self._note_refused(openid, period, now)
                return verdict
            # a place was given back between the update and the read: try again
        return decide(self.rules, kind, self.rules.per_week, 0, opted_out=False)

    def give_back(self, openid: str, kind: str, period: str) -> None:
        """Return a place taken for a push that was not delivered (WeChat unavailable, or the
        message kept for later): the retry or the release takes it again."""
        counter = _counter(kind)
        try:
            PushBudgetItem(openid=openid, period=period).update(
                actions=[PushBudgetItem.total.add(-1), counter.add(-1)],
                condition=(PushBudgetItem.total > 0) & (counter > 0),
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise

    def admit(self, openids: Iterable[str], kind: str,
              now: float | None = None) -> tuple[list[str], dict[str, str]]:  # fmt: skip
        """For a mass send: take a place for each customer; (admitted, refused with reason)."""
        admitted: list[str] = []
        refused: dict[str, str] = {}
        for openid in openids:
            verdict = self.spend(openid, kind, now)
            if verdict.allowed:
                admitted.append(openid)
            else:
                refused[openid] = verdict.reason
        return admitted, refused

    def week(self, openid: str, now: float | None = None) -> dict[str, int]:
        """This week's counts for one customer: total, notice, reminder, campaign, refused."""
        period = period_of(self.clock() if now is None else now)
        try:
            item = PushBudgetItem.get(openid, period, consistent_read=True)
        except PushBudgetItem.DoesNotExist:
            item = PushBudgetItem(openid=openid, period=period)
        return {name: int(getattr(item, name) or 0)
                for name in ("total", NOTICE, REMINDER, CAMPAIGN, "refused")}  # fmt: skip

    def _counts(self, openid: str, period: str, kind: str) -> tuple[int, int]:
        try:
            item = PushBudgetItem.get(openid, period, consistent_read=True)
        except PushBudgetItem.DoesNotExist:
            return 0, 0
        return int(item.total or 0), int(getattr(item, kind) or 0)

    def _note_refused(self, openid: str, period: str, now: float) -> None:
        PushBudgetItem(openid=openid, period=period).update(actions=[
            PushBudgetItem.refused.add(1),
            PushBudgetItem.expires_at.set(int(period_end(now) + KEEP_AFTER_WEEK_S))])  # fmt: skip

    # 退订 / 订阅 ---------------------------------------------------------------------------

    def opted_out(self, openid: str) -> bool:
        """The customer replied 退订: campaigns are not sent to them (notices and reminders
        about their own policy and claims still are)."""
        try:
            item = PushBudgetItem.get(openid, PREFS, consistent_read=True)
        except PushBudgetItem.DoesNotExist:
            return False
        return item.opted_out_at is not None

    def opt_out(self, openid: str) -> bool:
        """退订; True when they were subscribed until now."""
        now = self.clock()
        try:
            PushBudgetItem(openid=openid, period=PREFS).update(
                actions=[PushBudgetItem.opted_out_at.set(now)],
                condition=PushBudgetItem.opted_out_at.does_not_exist(),
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            return False
        return True

    def opt_in(self, openid: str) -> bool:
        """订阅 again; True when they had opted out."""
        now = self.clock()
        try:
            PushBudgetItem(openid=openid, period=PREFS).update(
                actions=[PushBudgetItem.opted_out_at.remove(),
                         PushBudgetItem.opted_in_at.set(now)],  # fmt: skip
                condition=PushBudgetItem.opted_out_at.exists(),
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            return False
        return True
