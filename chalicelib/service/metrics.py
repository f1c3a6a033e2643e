"""The dashboard (看板): counting (the conversations stream and counted log events into the
`metrics` table) and reading a period back for the console.

Counting is batched: a stream batch's records become one ADD per counter and day. Reading is
bounded whatever the traffic: one Query per counter for the period (at most 366 small items
each), run side by side.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.domain import metrics as rules
from chalicelib.domain import satisfaction as periods
from chalicelib.service.logs import collecting, log_event

if TYPE_CHECKING:
    from chalicelib.console.auth import Staff
    from chalicelib.store.kb_misses import KbMissLog
    from chalicelib.store.metrics import Metrics

TOP_MISSES = 10
MISS_DAYS = 7  # the top unanswered questions: the period's last week
MISS_READ = 5000  # at most this many misses read for them


class MetricsDesk:
    def __init__(
        self,
        metrics: Metrics,
        kb_misses: KbMissLog | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.metrics = metrics
        self.kb_misses = kb_misses
        self.clock = clock

    def on_stream(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Conversation records from the table's stream (Chalice DynamoDBRecord-like: event_name,
        new_image): counted, one write per counter and day. Returns the writes."""
        increments: list[rules.Increment] = []
        for record in records:
            increments += rules.conversation_increments(
                str(record.get("event_name", "")), record.get("new_image") or {}
            )
        writes = self.metrics.add(rules.merge(increments))
        log_event("metrics.counted", records=len(increments), writes=writes)
        return writes

    def on_handoffs(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Handoff items from the table's stream (event_name, old_image, new_image): chats
        opened, first responses and resolutions with their durations. Returns the writes."""
        increments: list[rules.Increment] = []
        for record in records:
            increments += rules.handoff_increments(
                record.get("old_image") or {}, record.get("new_image") or {}
            )
        return self.metrics.add(rules.merge(increments))

    def on_surveys(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Self-survey items from the table's stream (old_image, new_image): the funnel's
        steps kept on the survey. Returns the writes."""
        increments: list[rules.Increment] = []
        for record in records:
            increments += rules.survey_increments(
                record.get("old_image") or {}, record.get("new_image") or {}
            )
        return self.metrics.add(rules.merge(increments))

    def on_lockouts(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Lockout items from the table's stream (old_image, new_image): failed binding
        attempts and locks. Returns the writes."""
        increments: list[rules.Increment] = []
        for record in records:
            increments += rules.lockout_increments(
                record.get("old_image") or {}, record.get("new_image") or {}
            )
        return self.metrics.add(rules.merge(increments))

    def on_changes(self, rule: str, records: Iterable[Mapping[str, Any]]) -> int:
        """Items of another table's stream (old_image, new_image) counted by the domain's
        `<rule>_increments`: kb_miss, rating, quote. Returns the writes."""
        count = {"kb_miss": rules.kb_miss_increments, "rating": rules.rating_increments,
                 "quote": rules.quote_increments}[rule]  # fmt: skip
        increments: list[rules.Increment] = []
        for record in records:
            increments += count(record.get("old_image") or {}, record.get("new_image") or {})
        return self.metrics.add(rules.merge(increments))

    @contextmanager
    def counting(self) -> Iterator[None]:
        """Count the counted log events (domain EVENT_METRICS) of an asynchronous invocation
        when it ends well: nothing written when none was logged (a retried invocation that
        failed counts once, when it succeeds)."""
        with collecting() as logged:
            yield
        increments = [inc for name, at in logged for inc in rules.event_increments(name, at)]
        if increments:
            self.metrics.add(rules.merge(increments))

    def report(self, staff: Staff, params: Mapping[str, str]) -> dict[str, Any]:
        from chalicelib.console.auth import Permission
        from chalicelib.console.labels import DASHBOARD_CHARTS
        from chalicelib.console.service import BadRequest

        staff.require(Permission.VIEW_RATINGS)  # the service's figures: supervisors, auditors
        try:
            first, last, _, _ = periods.period(params.get("from"), params.get("to"), self.clock())
        except periods.PeriodError as exc:
            raise BadRequest(str(exc)) from None
        day_list = rules.days(first, last)
        # By hour only where a chart is by hour; durations are read as buckets (medians).
        by_hour = {metric for chart in DASHBOARD_CHARTS if chart["kind"] == "hours"
                   for metric, _ in chart["series"]} - rules.DURATIONS  # fmt: skip
        with ThreadPoolExecutor(max_workers=8) as pool:
            read = dict(zip(rules.METRICS, pool.map(
                lambda metric: self._series(metric, first, last, day_list, metric in by_hour),
                rules.METRICS,
            ), strict=True))  # fmt: skip
        charts = []
        for chart in DASHBOARD_CHARTS:
            series = [{"metric": metric, "label": label, **read[metric]}
                      for metric, label in chart["series"] if metric in read]  # fmt: skip
            missing = [label for metric, label in chart["series"] if metric not in read]
            charts.append({**chart, "series": series, "missing": missing,
                           "wired": not missing})  # fmt: skip
        return {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "days": day_list,
            "charts": charts,
            "top_misses": self._top_misses(first, last),
        }

    def _series(
        self, metric: str, first: Any, last: Any, day_list: list[str], hourly: bool
    ) -> dict[str, Any]:
        from chalicelib.store.metrics import figures, month_hours

        by_day = dict.fromkeys(day_list, 0)
        buckets = [0] * len(rules.BUCKETS)
        durations = metric in rules.DURATIONS
        for item in self.metrics.between(metric, first, last, False, durations):
            total, _, by_bucket = figures(item)
            by_day[item.day] = total
            buckets = [a + b for a, b in zip(buckets, by_bucket, strict=True)]
        hours = [0] * rules.HOURS
        if hourly:  # whole months from their own items, the days around them one by one
            months, rest = rules.whole_months(first, last)
            hours = month_hours(self.metrics, metric, months)
            for start, end in rest:
                for item in self.metrics.between(metric, start, end, hours=True):
                    _, by_hour, _ = figures(item)
                    hours = [a + b for a, b in zip(hours, by_hour, strict=True)]
        return {
            "daily": [by_day[d] for d in day_list],
            "hours": hours if hourly else None,
            "total": sum(by_day.values()),
            "median_s": rules.median(buckets) if durations else None,
        }

    def _top_misses(self, first: Any, last: Any) -> list[dict[str, Any]]:
        if self.kb_misses is None:
            return []
        start = max(first, last - timedelta(MISS_DAYS - 1))
        counted: Counter[str] = Counter()
        for read, miss in enumerate(self.kb_misses.between(start, last)):
            if read >= MISS_READ:
                break
            counted[miss.question] += 1
        return [{"question": q, "count": n} for q, n in counted.most_common(TOP_MISSES)]
