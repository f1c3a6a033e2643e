"""Satisfaction questions and their answers (table `ratings`, infra/resources.yaml).

One item per question, keyed by what it is about (`chat:<handoff id>`, `claim:<claim no>`),
so a chat or a claim is asked about once whatever the retries. The question's fate (asked,
skipped and why, rated) and the answer live on it. Two indexes make the figures cheap: by flow
and by staff member, each ordered by when it was asked, so a period is one query per flow
(never a scan). No openid, name or number is kept: comments are masked before they are stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.domain.masking import mask_free_text
from chalicelib.domain.satisfaction import ASKED, ASKING, MAX_COMMENT, RATED, SKIPPED
from chalicelib.store.models import condition_failed


class _ByFlow(GlobalSecondaryIndex["RatingItem"]):
    class Meta:
        index_name = "by_flow"
        projection = AllProjection()

    flow = UnicodeAttribute(hash_key=True)
    asked_at = NumberAttribute(range_key=True)


class _ByRatedStaff(GlobalSecondaryIndex["RatingItem"]):
    """Sparse: questions about a staff member's chat or decision."""

    class Meta:
        index_name = "by_staff"
        projection = AllProjection()

    staff_id = UnicodeAttribute(hash_key=True)
    asked_at = NumberAttribute(range_key=True)


class RatingItem(Model):
    class Meta:
        table_name = "ratings"

    ask_id = UnicodeAttribute(hash_key=True)  # chat:<handoff id> | claim:<claim no>
    flow = UnicodeAttribute()  # chat | claim (domain/satisfaction.py FLOWS)
    subject = UnicodeAttribute()  # the handoff id or the claim number
    status = UnicodeAttribute()  # asking | asked | skipped | rated
    asked_at = NumberAttribute()
    staff_id = UnicodeAttribute(null=True)  # who answered the chat / decided the claim
    channel = UnicodeAttribute(null=True)  # console | wecom (chats)
    skip_reason = UnicodeAttribute(null=True)
    score = NumberAttribute(null=True)
    comment = UnicodeAttribute(null=True)  # masked: no plates, VINs or long numbers
    rated_at = NumberAttribute(null=True)
    expires_at = NumberAttribute()  # the table's TTL attribute
    by_flow = _ByFlow()
    by_staff = _ByRatedStaff()


class Ratings:
    def __init__(self, ttl_s: int, clock: Callable[[], float] = time.time) -> None:
        self.ttl_s = ttl_s
        self.clock = clock

    def open(
        self, ask_id: str, flow: str, subject: str, staff_id: str = "", channel: str = ""
    ) -> bool:
        """Record the question before it is asked; False when it was asked (or skipped)
        already. A question left `asking` by a job that died is taken up again."""
        now = self.clock()
        item = RatingItem(ask_id=ask_id, flow=flow, subject=subject, status=ASKING,
                          asked_at=now, expires_at=int(now + self.ttl_s),
                          staff_id=staff_id or None, channel=channel or None)  # fmt: skip
        fresh = RatingItem.ask_id.does_not_exist() | (RatingItem.status == ASKING)
        try:
            item.save(condition=fresh)
            return True
        except PutError as exc:
            if condition_failed(exc):
                return False
            raise

    def asked(self, ask_id: str) -> None:
        self._settle(ask_id, ASKED)

    def skipped(self, ask_id: str, reason: str) -> None:
        """Not sent (window closed, no quota, unfollowed, busy): kept with the reason."""
        self._settle(ask_id, SKIPPED, reason)

    def _settle(self, ask_id: str, status: str, reason: str = "") -> None:
        actions: list[Action] = [RatingItem.status.set(status)]
        if reason:
            actions.append(RatingItem.skip_reason.set(reason))
        try:
            RatingItem(ask_id=ask_id).update(
                actions=actions, condition=RatingItem.status.is_in(ASKING, ASKED)
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise  # rated meanwhile (or never recorded): the answer stays

    def rate(self, ask_id: str, score: int, comment: str, at: float) -> None:
        actions: list[Action] = [RatingItem.score.set(score), RatingItem.rated_at.set(at),
                                 RatingItem.status.set(RATED)]  # fmt: skip
        if comment:
            actions.append(RatingItem.comment.set(_kept(comment)))
        try:
            RatingItem(ask_id=ask_id).update(
                actions=actions,
                condition=RatingItem.ask_id.exists() & RatingItem.score.does_not_exist(),
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise  # answered already (the same message decided again), or expired

    def add_comment(self, ask_id: str, comment: str, at: float) -> None:
        try:
            RatingItem(ask_id=ask_id).update(
                actions=[RatingItem.comment.set(_kept(comment))],
                condition=RatingItem.score.exists() & RatingItem.comment.does_not_exist(),
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise

    def get(self, ask_id: str) -> RatingItem | None:
        try:
            return RatingItem.get(ask_id, consistent_read=True)
        except DoesNotExist:
            return None

    def between(self, flow: str, start: float, end: float) -> Iterator[RatingItem]:
        """The questions of one flow asked in [start, end), newest first."""
        condition = RatingItem.asked_at.between(start, end - 0.001)
        yield from RatingItem.by_flow.query(flow, condition, scan_index_forward=False)


def _kept(comment: str) -> str:
    return mask_free_text(comment.strip())[:MAX_COMMENT]
