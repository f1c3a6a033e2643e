"""The dashboard's counters (table `metrics`, infra/resources.yaml; domain/metrics.py).

One item per counter and China day: `n` and `h00`..`h23` by hour, and for durations the
buckets `b00`..; written with ADD only (no read first, no conflicts between writers), read a
period at a time with one Query per counter.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.domain import metrics as rules


class MetricItem(Model):
    class Meta:
        table_name = "metrics"

    metric = UnicodeAttribute(hash_key=True)  # domain/metrics.py METRICS
    day = UnicodeAttribute(range_key=True)  # YYYY-MM-DD, China time
    n = NumberAttribute(null=True)
    for _hour in range(rules.HOURS):
        locals()[rules.hour_attr(_hour)] = NumberAttribute(null=True)
    for _index in range(len(rules.BUCKETS)):
        locals()[rules.bucket_attr(_index)] = NumberAttribute(null=True)
    del _hour, _index


class Metrics:
    def add(self, updates: dict[tuple[str, str], dict[str, int]]) -> int:
        """Each (metric, day)'s attributes increased by their amounts (domain merge): one
        UpdateItem per counter and day or month. Returns how many were written."""
        written = 0
        for (metric, day), adds in updates.items():
            actions = [getattr(MetricItem, attr).add(n) for attr, n in adds.items() if n]
            if actions:  # nothing to add: nothing written
                MetricItem(metric, day).update(actions=actions)
                written += 1
        return written

    def between(
        self, metric: str, first: date, last: date, hours: bool = False, buckets: bool = False
    ) -> Iterator[MetricItem]:
        """The period's days; only the totals unless `hours` / `buckets` are asked for (a
        projection: reading 24 hours of every counter would be 10x the bytes)."""
        wanted = ["metric", "day", "n"]
        if hours:
            wanted += [rules.hour_attr(h) for h in range(rules.HOURS)]
        if buckets:
            wanted += [rules.bucket_attr(i) for i in range(len(rules.BUCKETS))]
        yield from MetricItem.query(
            metric,
            MetricItem.day.between(first.isoformat(), last.isoformat()),
            attributes_to_get=wanted,
        )

def month_hours(metrics: Metrics, metric: str, months: list[str]) -> list[int]:
    """The hours of whole months (their items beside the days': domain month_key)."""
    hours = [0] * rules.HOURS
    if not months:
        return hours
    wanted = ["metric", "day"] + [rules.hour_attr(h) for h in range(rules.HOURS)]
    for item in MetricItem.query(
        metric, MetricItem.day.between(months[0], months[-1]), attributes_to_get=wanted
    ):
        hours = [a + int(getattr(item, rules.hour_attr(h)) or 0) for h, a in enumerate(hours)]
    return hours


def figures(item: MetricItem) -> tuple[int, list[int], list[int]]:
    """(total, by hour, duration buckets) of one day's counter."""
    hours = [int(getattr(item, rules.hour_attr(h)) or 0) for h in range(rules.HOURS)]
    buckets = [int(getattr(item, rules.bucket_attr(i)) or 0) for i in range(len(rules.BUCKETS))]
    return int(item.n or 0), hours, buckets
