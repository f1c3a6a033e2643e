"""The per-customer push budget (issue 18): every push — a notice, a reminder, a campaign —
counts against one budget per customer per week, so a customer is never over-pushed whatever
the source. Pure rules; the counters live in store/push_budget.py.

Kinds of push (OutboxMessage.push, jobs/messages.py):
- `notice`: a template notice about the customer's own policy or claim (claim status);
- `reminder`: a renewal reminder (the policy ends in 30 / 7 days);
- `campaign`: a 群发 campaign approved by staff.

What may be refused (docs/OUTREACH.md, "推送额度与退订"):
- a notice is never refused, but it is counted. It tells the customer something about their
  own claim or policy that they are waiting for (a decision, a payment, a request for photos);
  holding it back would hurt them and the insurer's duties (Insurance Law Arts. 22-24 run on
  what the customer is told). Notices happen only when the customer's own claim moves, so
  they are bounded by the claim, not by anybody's choice to push. Counting them is what makes
  the budget hold "whatever the source": a week of claim notices leaves no room for optional
  pushes in that week.
- a reminder is refused when the week's budget (all kinds together) is used up, or the week's
  reminders are.
- a campaign is refused when the customer replied 退订, or the week's budget is used up, or the
  week's campaigns are (default one a week, as the issue asks).
So the only pushes past the budget are notices about the customer's own business, and no
optional push is ever sent to a customer who already had the week's number of pushes.

The period is the calendar week in China time (Monday 00:00 to Sunday 24:00, UTC+8): one
counter item per customer and week, updated with a condition (atomic under concurrency).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

NOTICE = "notice"
REMINDER = "reminder"
CAMPAIGN = "campaign"
KINDS = (NOTICE, REMINDER, CAMPAIGN)
# Kinds a customer's 退订 stops: campaigns only. Notices and renewal reminders are service
# about their own policy and claims (the issue: "service notices ... continue").
OPT_OUT_STOPS = frozenset({CAMPAIGN})
# Kinds the budget may refuse (a notice is counted, never refused: see the module's notes).
REFUSABLE = frozenset({REMINDER, CAMPAIGN})

# Why a push was refused (recorded with the message, log event outbox.refused).
OVER_BUDGET = "over_budget"  # the week's pushes of all kinds are used up
OVER_KIND = "over_kind_cap"  # the week's pushes of this kind are used up
OPTED_OUT = "opted_out"  # the customer replied 退订 (campaigns)
REASONS = (OVER_BUDGET, OVER_KIND, OPTED_OUT)

CHINA = timedelta(hours=8)
WEEK_S = 7 * 24 * 3600


class BudgetError(ValueError):
    """Budget settings that make no sense (an operator's mistake)."""


@dataclass(frozen=True)
class BudgetRules:
    """PUSH_BUDGET_PER_WEEK, PUSH_CAMPAIGNS_PER_WEEK, PUSH_REMINDERS_PER_WEEK."""

    per_week: int = 4  # pushes of any kind a customer gets in a week (notices count)
    campaigns_per_week: int = 1
    reminders_per_week: int = 1

    def __post_init__(self) -> None:
        if self.per_week < 1:
            raise BudgetError("PUSH_BUDGET_PER_WEEK must be at least 1")
        for name, value in (("PUSH_CAMPAIGNS_PER_WEEK", self.campaigns_per_week),
                            ("PUSH_REMINDERS_PER_WEEK", self.reminders_per_week)):  # fmt: skip
            if value < 0 or value > self.per_week:
                raise BudgetError(f"{name} must be between 0 and PUSH_BUDGET_PER_WEEK")

    def kind_cap(self, kind: str) -> int | None:
        """The week's cap for this kind alone (None: only the overall budget)."""
        check_kind(kind)
        if kind == CAMPAIGN:
            return self.campaigns_per_week
        if kind == REMINDER:
            return self.reminders_per_week
        return None


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""  # one of REASONS when refused
    period: str = ""  # the week it was counted in (to give it back when the send fails)


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown push kind {kind!r}; known: {', '.join(KINDS)}")
    return kind


def period_of(now: float) -> str:
    """The ISO week (China time) holding `now`, e.g. "2026-W49"."""
    year, week, _ = (datetime.fromtimestamp(now, UTC) + CHINA).isocalendar()
    return f"{year}-W{week:02d}"


def period_end(now: float) -> float:
    """When the week holding `now` ends (Monday 00:00 China time), epoch seconds."""
    local = datetime.fromtimestamp(now, UTC) + CHINA
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0,
                                                               microsecond=0)  # fmt: skip
    return (monday + timedelta(days=7) - CHINA).timestamp()


def decide(rules: BudgetRules, kind: str, total: int, of_kind: int, opted_out: bool) -> Verdict:
    """The rule itself, on the week's counts so far (the store applies the same rule as one
    conditional update, so two senders at once never both take the last place)."""
    check_kind(kind)
    if kind not in REFUSABLE:
        return Verdict(True)
    if opted_out and kind in OPT_OUT_STOPS:
        return Verdict(False, OPTED_OUT)
    if total >= rules.per_week:
        return Verdict(False, OVER_BUDGET)
    cap = rules.kind_cap(kind)
    if cap is not None and of_kind >= cap:
        return Verdict(False, OVER_KIND)
    return Verdict(True)
