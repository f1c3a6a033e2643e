"""The miss log in DynamoDB: one item per question the knowledge base was not sure of.

Partitioned by day (China time), so a period is read day by day with queries, never a scan.
Items expire after Settings.kb_miss_ttl_s.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date

from pynamodb.exceptions import PutError, UpdateError

from chalicelib.domain.kb_misses import KbMiss, days_between
from chalicelib.store.models import KbMissItem, condition_failed


class KbMissLog:
    def __init__(self, ttl_s: int, clock: Callable[[], float] = time.time) -> None:
        self.ttl_s = ttl_s
        self.clock = clock

    def record(
        self, day: str, miss_id: str, question: str, outcome: str, offered: list[str], at: float
    ) -> None:
        item = KbMissItem(
            day=day,
            miss_id=miss_id,
            question=question,
            outcome=outcome,
            offered=list(offered),
            asked_at=at,
            expires_at=int(self.clock() + self.ttl_s),
        )
        try:
            item.save(condition=KbMissItem.miss_id.does_not_exist())
        except PutError as exc:
            if not condition_failed(exc):
                raise  # the same message recorded again: nothing to do

    def follow_up(self, day: str, miss_id: str, chose: str) -> None:
        item = KbMissItem(day=day, miss_id=miss_id)
        try:
            item.update(
                actions=[KbMissItem.chose.set(chose)],
                condition=KbMissItem.miss_id.exists() & KbMissItem.chose.does_not_exist(),
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise  # already noted, or the miss expired: the first step is what counts

    def between(self, first: date, last: date) -> Iterator[KbMiss]:
        for day in days_between(first, last):
            for item in KbMissItem.query(day):
                yield KbMiss(
                    day=item.day,
                    miss_id=item.miss_id,
                    question=item.question,
                    outcome=item.outcome,
                    offered=tuple(item.offered or ()),
                    chose=item.chose or "",
                )
