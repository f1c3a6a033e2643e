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
        UpdateItem per counter and day. Returns how many were written."""
        for (metric, day), adds in updates.items():
            MetricItem(metric, day).update(
                actions=[getattr(MetricItem, attr).add(amount) for attr, amount in adds.items()]
            )
        return len(updates)

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

def figures(item: MetricItem) -> tuple[int, list[int], list[int]]:
    """(total, by hour, duration buckets) of one day's counter."""
    hours = [int(getattr(item, rules.hour_attr(h)) or 0) for h in range(rules.HOURS)]
    buckets = [int(getattr(item, rules.bucket_attr(i)) or 0) for i in range(len(rules.BUCKETS))]
    return int(item.n or 0), hours, buckets
