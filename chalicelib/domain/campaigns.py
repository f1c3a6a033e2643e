"""Campaigns (群发, issue 18): what staff may push to many customers at once, to whom, and the
steps before it goes. Pure rules; the store is store/campaigns.py, the orchestration
service/campaigns.py.

The life of a campaign (versioned: every change names the version it read):
draft -> submitted (the author asks) -> approved | rejected (a second person with the approver
role decides; never the author) -> sending -> finished (WeChat's MASSSENDJOBFINISH events
counted). A rejected campaign goes back to its author as a draft to edit and submit again.

What the insurer's own contact-centre head asked: don't push too often (the per-customer push
budget, domain/push_budget.py, caps campaigns at PUSH_CAMPAIGNS_PER_WEEK, default one a week;
WeChat itself lets a service account's follower receive 4 mass messages a calendar month),
don't push ads (no kind is an advertisement, and marketing words are refused in every kind),
push what customers find worth reading (each kind has its own content rule).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

# Kinds of campaign and their content rules.
ANNOUNCEMENT = "announcement"  # 服务公告: a change in service (hours, hotline, outlets)
SAFETY = "safety"  # 安全提示: weather, driving season, fraud warnings
HOLIDAY = "holiday"  # 节日问候: must be an article with a picture
KINDS = (ANNOUNCEMENT, SAFETY, HOLIDAY)

TEXT = "text"  # a text message
ARTICLE = "article"  # an article with a picture (WeChat mpnews)
FORMATS = (TEXT, ARTICLE)

# Audiences.
ALL_FOLLOWERS = "all_followers"  # everyone who ever wrote to the account (see audience notes)
BOUND = "bound"  # customers bound to a policy
REGION = "region"  # customers with a policy whose plate is registered in a region (粤B, 京…)
ENDING = "ending"  # customers with a policy ending in a period
AUDIENCES = (ALL_FOLLOWERS, BOUND, REGION, ENDING)
MAX_ENDING_DAYS = 92

DRAFT, SUBMITTED, APPROVED, REJECTED, SENDING, FINISHED = (
    "draft", "submitted", "approved", "rejected", "sending", "finished")  # fmt: skip
STATUSES = (DRAFT, SUBMITTED, APPROVED, REJECTED, SENDING, FINISHED)
EDITABLE = frozenset({DRAFT, REJECTED})

MAX_TITLE_CHARS = 64  # an article's title (WeChat's limit is 64 characters)
MAX_TEXT_CHARS = 600  # a text message or an article's body kept short enough to read
MIN_TEXT_CHARS = 10
MAX_PICTURE_BYTES = 64 * 1024  # an article's cover is uploaded as a thumb: JPEG, at most 64 KB
MIN_REASON_CHARS = 4
BATCH_SIZE = 10_000  # WeChat's most openids in one message/mass/send
WECHAT_PER_FOLLOWER_MONTH = 4  # a service account's follower receives at most 4 a month

# Words that make a message an advertisement (不推广告): refused in every kind.
MARKETING_WORDS = ("优惠", "折扣", "打折", "促销", "特价", "抢购", "限时", "秒杀", "返现", "红包",
                   "免费领", "立减", "大酬宾", "推荐购买", "买一送一")  # fmt: skip
_PLATE_REGION = re.compile(r"^[\u4e00-\u9fff]([A-Z])?$")


class CampaignError(ValueError):
    """A campaign that breaks a rule: the message is for staff (Chinese)."""


@dataclass(frozen=True)
class Audience:
    kind: str
    region: str = ""  # REGION: a province's character, optionally its city letter (粤, 粤B)
    ends_from: str = ""  # ENDING: ISO dates, both included
    ends_to: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == REGION:
            out["region"] = self.region
        if self.kind == ENDING:
            out |= {"ends_from": self.ends_from, "ends_to": self.ends_to}
        return out

    def matches_plate(self, plate: str) -> bool:
        return self.kind == REGION and plate.upper().startswith(self.region)

    def days(self) -> list[str]:
        start, end = dt.date.fromisoformat(self.ends_from), dt.date.fromisoformat(self.ends_to)
        return [(start + dt.timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


@dataclass(frozen=True)
class Content:
    kind: str
    format: str
    title: str
    text: str
    picture: bool  # an article's cover is attached
    audience: Audience = field(default_factory=lambda: Audience(BOUND))


def audience_from(raw: Any) -> Audience:
    if not isinstance(raw, dict) or raw.get("kind") not in AUDIENCES:
        raise CampaignError("请选择发送对象")
    kind = str(raw["kind"])
    if kind == REGION:
        region = str(raw.get("region") or "").strip().upper()
        if not _PLATE_REGION.match(region):
            raise CampaignError("地区请写车牌的省份简称，可加城市字母，如 粤 或 粤B")
        return Audience(kind, region=region)
    if kind == ENDING:
        try:
            start = dt.date.fromisoformat(str(raw.get("ends_from") or ""))
            end = dt.date.fromisoformat(str(raw.get("ends_to") or ""))
        except ValueError as exc:
            raise CampaignError("请写保单到期的起止日期") from exc
        if end < start or (end - start).days + 1 > MAX_ENDING_DAYS:
            raise CampaignError(f"到期区间须从早到晚，最多 {MAX_ENDING_DAYS} 天")
        return Audience(kind, ends_from=start.isoformat(), ends_to=end.isoformat())
    return Audience(kind)


def check_content(content: Content) -> Content:
    """The content rules per kind; CampaignError says what to change."""
    if content.kind not in KINDS:
        raise CampaignError("请选择群发类型")
    if content.format not in FORMATS:
        raise CampaignError("请选择文字或图文")
    text = content.text.strip()
    if not MIN_TEXT_CHARS <= len(text) <= MAX_TEXT_CHARS:
        raise CampaignError(f"正文须 {MIN_TEXT_CHARS}–{MAX_TEXT_CHARS} 字")
    if content.format == ARTICLE:
        if not content.title.strip() or len(content.title) > MAX_TITLE_CHARS:
            raise CampaignError(f"图文须有标题，最多 {MAX_TITLE_CHARS} 字")
        if not content.picture:
            raise CampaignError("图文须有一张封面图片")
    if content.kind == HOLIDAY and not (content.format == ARTICLE and content.picture):
        raise CampaignError("节日问候须是带图片的图文")
    found = [w for w in MARKETING_WORDS if w in text or w in content.title]
    if found:
        raise CampaignError(f"群发不推广告：请去掉「{'、'.join(found)}」")
    return content


def check_picture(data: bytes) -> bytes:
    if not data:
        raise CampaignError("请选择封面图片")
    if len(data) > MAX_PICTURE_BYTES:
        raise CampaignError(f"封面图片须是 {MAX_PICTURE_BYTES // 1024} KB 以内的 JPEG")
    if not data.startswith(b"\xff\xd8"):
        raise CampaignError("封面图片须是 JPEG")
    return data


def may_edit(status: str) -> bool:
    return status in EDITABLE


def check_decision(author: str, approver: str, status: str) -> None:
    """Only a submitted campaign is decided, and never by its author (the second person)."""
    if status != SUBMITTED:
        raise CampaignError("这条群发不在待审批状态")
    if author == approver:
        raise CampaignError("群发须由另一位审批人审批，作者不能审批自己的群发")


def check_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < MIN_REASON_CHARS:
        raise CampaignError(f"驳回须写明原因（至少 {MIN_REASON_CHARS} 字）")
    return reason


def batches(openids: list[str], size: int = BATCH_SIZE) -> list[list[str]]:
    """WeChat's openid-list send takes 2 to 10,000 openids: batches of at most `size`, the
    last one never a single openid (one lone openid joins the batch before it, or is sent
    with a previous batch's last member moved over)."""
    unique = list(dict.fromkeys(openids))
    if len(unique) < 2:
        return [unique] if unique else []
    out = [unique[i:i + size] for i in range(0, len(unique), size)]
    if len(out) > 1 and len(out[-1]) == 1:
        out[-1].insert(0, out[-2].pop())
    return out


def month_of(now: float) -> str:
    """WeChat's calendar month (China time), e.g. "2026-12"."""
    local = dt.datetime.fromtimestamp(now, dt.UTC) + dt.timedelta(hours=8)
    return f"{local.year}-{local.month:02d}"
