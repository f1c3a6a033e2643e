"""Campaigns (群发) in DynamoDB (table `campaigns`, infra/resources.yaml). Items by `pk`/`sk`:

* pk "campaign", sk <id>: a campaign (all in one partition: a list is one query), versioned:
  a write names the version it read and loses to a newer one.
* pk "msg:<WeChat msg_id>", sk "job": which campaign and batch a mass-send job belongs to, so
  the MASSSENDJOBFINISH event finds its campaign; counted once (`counted`).
* pk "wx:<openid>", sk <month>: mass messages WeChat delivered to this follower this calendar
  month (a service account's follower receives at most 4), taken with a conditional update.
* pk "staff:<id>", sk "preview": the WeChat openid a staff member previews campaigns on.

No customer's name, number or message is kept here: openids only in the two counter items.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.domain import campaigns as rules

CAMPAIGNS = "campaign"
MONTH_KEEP_S = 40 * 24 * 3600


def _condition_failed(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


class CampaignItem(Model):
    class Meta:
        table_name = "campaigns"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    # a campaign
    kind = UnicodeAttribute(null=True)
    format = UnicodeAttribute(null=True)
    title = UnicodeAttribute(null=True)
    text = UnicodeAttribute(null=True)
    picture = UnicodeAttribute(null=True)  # the cover, base64 JPEG (at most 64 KB)
    audience = JSONAttribute(null=True)
    status = UnicodeAttribute(null=True)
    version = NumberAttribute(null=True)
    author = UnicodeAttribute(null=True)
    author_name = UnicodeAttribute(null=True)
    created_at = NumberAttribute(null=True)
    updated_at = NumberAttribute(null=True)
    submitted_at = NumberAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    decided_by_name = UnicodeAttribute(null=True)
    decided_at = NumberAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    sent_at = NumberAttribute(null=True)
    finished_at = NumberAttribute(null=True)
    results = JSONAttribute(null=True)  # resolution and WeChat's counts (service/campaigns.py)
    # a job / a counter / a preference
    campaign_id = UnicodeAttribute(null=True)
    batch = NumberAttribute(null=True)
    counted = NumberAttribute(null=True)
    tally = NumberAttribute(null=True)  # a month counter; a job's openids asked
    openid = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # TTL (month counters)


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    kind: str
    format: str
    title: str
    text: str
    picture: str
    audience: dict[str, Any]
    status: str
    version: int
    author: str
    author_name: str
    created_at: float
    updated_at: float
    submitted_at: float | None = None
    decided_by: str = ""
    decided_by_name: str = ""
    decided_at: float | None = None
    reason: str = ""
    sent_at: float | None = None
    finished_at: float | None = None
    results: dict[str, Any] = field(default_factory=dict)


class StaleCampaign(Exception):
    """The campaign changed (or is not in the state the step needs) since it was read."""


class CampaignStore:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    # campaigns ------------------------------------------------------------------------

    def all(self) -> list[Campaign]:
        found = [_campaign(i) for i in CampaignItem.query(CAMPAIGNS)]
        return sorted(found, key=lambda c: c.updated_at, reverse=True)

    def get(self, campaign_id: str) -> Campaign | None:
        try:
            return _campaign(CampaignItem.get(CAMPAIGNS, campaign_id, consistent_read=True))
        except CampaignItem.DoesNotExist:
            return None

    def create(self, content: rules.Content, picture: str, author: str, name: str) -> Campaign:
        now = self.clock()
        item = CampaignItem(
            pk=CAMPAIGNS, sk=f"C{secrets.token_hex(5).upper()}", kind=content.kind,
            format=content.format, title=content.title, text=content.text,
            picture=picture or None, audience=content.audience.to_json(), status=rules.DRAFT,
            version=1, author=author, author_name=name, created_at=now, updated_at=now,
            results={},
        )  # fmt: skip
        try:
            item.save(condition=CampaignItem.sk.does_not_exist())
        except PutError as exc:
            if _condition_failed(exc):
                raise StaleCampaign(item.sk) from exc
            raise
        return _campaign(item)

    def edit(self, campaign_id: str, version: int, content: rules.Content,
             picture: str) -> Campaign:  # fmt: skip
        return self._update(campaign_id, version, tuple(rules.EDITABLE), [
            CampaignItem.kind.set(content.kind), CampaignItem.format.set(content.format),
            CampaignItem.title.set(content.title), CampaignItem.text.set(content.text),
            CampaignItem.picture.set(picture) if picture else CampaignItem.picture.remove(),
            CampaignItem.audience.set(content.audience.to_json()),
            CampaignItem.status.set(rules.DRAFT),
        ])  # fmt: skip

    def submit(self, campaign_id: str, version: int) -> Campaign:
        return self._update(campaign_id, version, tuple(rules.EDITABLE), [
            CampaignItem.status.set(rules.SUBMITTED),
            CampaignItem.submitted_at.set(self.clock()),
            CampaignItem.reason.remove(), CampaignItem.decided_by.remove(),
        ])  # fmt: skip

    def decide(self, campaign_id: str, version: int, approve: bool, staff_id: str, name: str,
               reason: str) -> Campaign:  # fmt: skip
        actions = [
            CampaignItem.status.set(rules.APPROVED if approve else rules.REJECTED),
            CampaignItem.decided_by.set(staff_id), CampaignItem.decided_by_name.set(name),
            CampaignItem.decided_at.set(self.clock()),
            CampaignItem.reason.set(reason) if reason else CampaignItem.reason.remove(),
        ]  # fmt: skip
        return self._update(campaign_id, version, (rules.SUBMITTED,), actions,
                            author_not=staff_id)  # fmt: skip

    def start_sending(self, campaign_id: str, version: int) -> Campaign:
        return self._update(campaign_id, version, (rules.APPROVED,), [
            CampaignItem.status.set(rules.SENDING), CampaignItem.sent_at.set(self.clock()),
        ])  # fmt: skip

    def set_results(self, campaign_id: str, results: dict[str, Any], finished: bool,
                    expect_updated_at: float | None = None) -> Campaign | None:  # fmt: skip
        """Record the send's resolution and counts (not versioned against staff: only the
        sender and WeChat's events write them). With `expect_updated_at` (an event adding its
        batch to what it read): None when another wrote in between (read again, add again)."""
        item = CampaignItem(pk=CAMPAIGNS, sk=campaign_id)
        now = max(self.clock(), (expect_updated_at or 0) + 0.001)
        actions: list[Action] = [CampaignItem.results.set(results),
                                 CampaignItem.updated_at.set(now)]
        if finished:
            actions += [CampaignItem.status.set(rules.FINISHED),
                        CampaignItem.finished_at.set(now)]  # fmt: skip
        condition = CampaignItem.sk.exists()
        if expect_updated_at is not None:
            condition = condition & (CampaignItem.updated_at == expect_updated_at)
        try:
            item.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if expect_updated_at is not None and _condition_failed(exc):
                return None
            raise
        return _campaign(item)

    def _update(self, campaign_id: str, version: int, statuses: tuple[str, ...],
                actions: list[Any], author_not: str = "") -> Campaign:  # fmt: skip
        item = CampaignItem(pk=CAMPAIGNS, sk=campaign_id)
        condition = (CampaignItem.version == version) & CampaignItem.status.is_in(*statuses)
        if author_not:
            condition = condition & (CampaignItem.author != author_not)
        try:
            item.update(actions=[*actions, CampaignItem.version.set(version + 1),
                                 CampaignItem.updated_at.set(self.clock())],
                        condition=condition)  # fmt: skip
        except UpdateError as exc:
            if _condition_failed(exc):
                raise StaleCampaign(campaign_id) from exc
            raise
        return _campaign(item)

    # jobs -----------------------------------------------------------------------------

    def note_job(self, msg_id: str, campaign_id: str, batch: int, asked: int) -> None:
        CampaignItem(pk=f"msg:{msg_id}", sk="job", campaign_id=campaign_id, batch=batch,
                     tally=asked, created_at=self.clock()).save()  # fmt: skip

    def count_job(self, msg_id: str) -> str | None:
        """The campaign a finished job belongs to, once (None: not ours, or counted already)."""
        item = CampaignItem(pk=f"msg:{msg_id}", sk="job")
        try:
            item.update(actions=[CampaignItem.counted.set(self.clock())],
                        condition=CampaignItem.sk.exists() & CampaignItem.counted.does_not_exist())
        except UpdateError as exc:
            if _condition_failed(exc):
                return None
            raise
        return item.campaign_id

    # WeChat's monthly limit per follower ----------------------------------------------

    def take_month(self, openid: str, now: float) -> bool:
        """One of the follower's mass messages this calendar month (WeChat delivers 4)."""
        item = CampaignItem(pk=f"wx:{openid}", sk=rules.month_of(now))
        try:
            item.update(
                actions=[CampaignItem.tally.add(1),
                         CampaignItem.expires_at.set(int(now + MONTH_KEEP_S))],
                condition=CampaignItem.tally.does_not_exist()
                | (CampaignItem.tally < rules.WECHAT_PER_FOLLOWER_MONTH),
            )  # fmt: skip
        except UpdateError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def give_back_month(self, openid: str, now: float) -> None:
        item = CampaignItem(pk=f"wx:{openid}", sk=rules.month_of(now))
        try:
            item.update(actions=[CampaignItem.tally.add(-1)],
                        condition=CampaignItem.tally > 0)  # fmt: skip
        except UpdateError as exc:
            if not _condition_failed(exc):
                raise

    # staff preview openids ------------------------------------------------------------

    def preview_openid(self, staff_id: str) -> str:
        try:
            item = CampaignItem.get(f"staff:{staff_id}", "preview")
        except CampaignItem.DoesNotExist:
            return ""
        return item.openid or ""

    def set_preview_openid(self, staff_id: str, openid: str) -> None:
        CampaignItem(pk=f"staff:{staff_id}", sk="preview", openid=openid,
                     updated_at=self.clock()).save()  # fmt: skip


class Audiences:
    """Who a campaign reaches (domain/campaigns.py Audience): WeChat openids. Reads whole tables
    (a scan, filtered) when a campaign is sent -- once per campaign, not per message."""

    def __call__(self, audience: rules.Audience) -> list[str]:
        from chalicelib.store.models import CustomerItem, PolicyItem, QuotaItem, SessionItem

        bound: dict[str, list[str]] = {}
        for customer in CustomerItem.scan(attributes_to_get=["openid", "customer_id"]):
            bound.setdefault(customer.customer_id, []).append(customer.openid)
        if audience.kind == rules.ALL_FOLLOWERS:
            # Everyone claimbot knows: bound, with a conversation state, or who wrote in the
            # last days (their customer-service window); not who unfollowed.
            known = [o for openids in bound.values() for o in openids]
            known += [i.openid for i in SessionItem.scan(attributes_to_get=["openid"])]
            left: set[str] = set()
            for item in QuotaItem.scan(attributes_to_get=["openid", "unsubscribed_at"]):
                if item.unsubscribed_at:
                    left.add(item.openid)
                else:
                    known.append(item.openid)
            return [o for o in dict.fromkeys(known) if o not in left]
        if audience.kind == rules.BOUND:
            return [o for openids in bound.values() for o in openids]
        if audience.kind == rules.REGION:
            wanted = {p.customer_id for p in PolicyItem.scan(
                PolicyItem.plate.startswith(audience.region),
                attributes_to_get=["customer_id", "plate", "cancelled"]) if not p.cancelled}
        else:
            wanted = {p.customer_id for p in PolicyItem.scan(
                PolicyItem.end_date.between(audience.ends_from, audience.ends_to),
                attributes_to_get=["customer_id", "end_date", "cancelled"]) if not p.cancelled}
        return [o for cid in sorted(wanted) for o in bound.get(cid, [])]


def _campaign(item: CampaignItem) -> Campaign:
    return Campaign(
        campaign_id=item.sk, kind=item.kind or "", format=item.format or "",
        title=item.title or "", text=item.text or "", picture=item.picture or "",
        audience=dict(item.audience or {}), status=item.status or "",
        version=int(item.version or 0), author=item.author or "",
        author_name=item.author_name or "", created_at=float(item.created_at or 0),
        updated_at=float(item.updated_at or 0),
        submitted_at=float(item.submitted_at) if item.submitted_at else None,
        decided_by=item.decided_by or "", decided_by_name=item.decided_by_name or "",
        decided_at=float(item.decided_at) if item.decided_at else None,
        reason=item.reason or "", sent_at=float(item.sent_at) if item.sent_at else None,
        finished_at=float(item.finished_at) if item.finished_at else None,
        results=dict(item.results or {}),
    )  # fmt: skip
