"""The Assist log in DynamoDB: one item per answer a person sent from the knowledge base's
candidates (domain/assist.py), partitioned by day (China time) so a period is read with one
query a day, never a scan. Items expire after Settings.kb_miss_ttl_s, as the miss log's do.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date

from pynamodb.exceptions import PutError

from chalicelib.domain.assist import Choice
from chalicelib.domain.kb_misses import days_between
from chalicelib.store.models import AssistChoiceItem, condition_failed


class AssistLog:
    def __init__(self, ttl_s: int, clock: Callable[[], float] = time.time) -> None:
        self.ttl_s = ttl_s
        self.clock = clock

    def record(self, choice: Choice) -> bool:
        """Keep the choice once (the same message and entry again: nothing); True if new."""
        item = AssistChoiceItem(
            day=choice.day,
            choice_id=choice.choice_id,
            question=choice.question,
            entry_id=choice.entry_id,
            rank=choice.rank,
            offered=list(choice.offered),
            edited=choice.edited,
            staff_id=choice.staff_id,
            channel=choice.channel,
            at=choice.at or self.clock(),
            expires_at=int(self.clock() + self.ttl_s),
        )
        try:
            item.save(condition=AssistChoiceItem.choice_id.does_not_exist())
        except PutError as exc:
            if not condition_failed(exc):
                raise
            return False
        return True

    def between(self, first: date, last: date) -> Iterator[Choice]:
        for day in days_between(first, last):
            for item in AssistChoiceItem.query(day):
                yield Choice(
                    day=item.day,
                    choice_id=item.choice_id,
                    question=item.question,
                    entry_id=item.entry_id,
                    rank=int(item.rank),
                    offered=tuple(item.offered or ()),
                    edited=bool(item.edited),
                    staff_id=item.staff_id,
                    channel=item.channel,
                    at=float(item.at),
                )
