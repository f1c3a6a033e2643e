"""Campaigns (群发, issue 18) in the console: compose, preview on one's own WeChat, submit; a
second person with the approver role approves or rejects; approved, it is sent through WeChat's
mass send by openid list, within WeChat's limits and the per-customer push budget; WeChat's
MASSSENDJOBFINISH events give the delivery results per campaign. Every step is audited.

Who receives it (the audience, domain/campaigns.py), resolved when it is sent:
* bound: every WeChat user bound to a policy (the customers table);
* region: bound customers with a policy whose plate starts with the region (粤, 粤B);
* ending: bound customers with a policy ending in the period (policies' end dates);
* all followers: every WeChat user who ever wrote to the account (the sessions table) -- not
  WeChat's follower list (user/get): sending by openid list is what lets claimbot leave out who
  replied 退订 and who had their campaign this week; followers who never wrote are not reached.
Then, for each: the push budget (store/push_budget.py: 退订, the week's campaigns -- one by
default -- and the week's pushes of every kind), and WeChat's own 4 mass messages a calendar
month per follower (counted here; WeChat would filter the fifth).

Sending runs in the approver's request (batches of up to 10,000 openids, clientmsgid per batch
so a retried batch is not sent twice); a campaign whose send failed stays approved and can be
sent again (POST …/send).
"""

from __future__ import annotations

import base64
import binascii
import html
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.console.auth import Permission
from chalicelib.domain import campaigns as rules
from chalicelib.service.logs import log_event

if TYPE_CHECKING:
    from chalicelib.console.auth import Staff
    from chalicelib.console.service import Source
    from chalicelib.store.audit import AuditLog
    from chalicelib.store.campaigns import Campaign, CampaignStore
    from chalicelib.store.push_budget import PushBudget
    from chalicelib.wechat.api import WeChatApi

Resolver = Callable[[rules.Audience], list[str]]
COUNTS = ("total", "filter", "sent", "error")


class CampaignDesk:
    def __init__(self, store: CampaignStore, budget: PushBudget, api: WeChatApi,
                 audit: AuditLog, resolve: Resolver,
                 clock: Callable[[], float] = time.time) -> None:  # fmt: skip
        self.store = store
        self.budget = budget
        self.api = api
        self.audit = audit
        self.resolve = resolve
        self.clock = clock

    # --- reading ---------------------------------------------------------------------------

    def listing(self, staff: Staff) -> dict[str, Any]:
        """GET /console/api/campaigns: every campaign (newest first) and what this member may do."""
        _require_any(staff)
        return {
            "campaigns": [_json(c, full=False) for c in self.store.all()],
            "preview_openid": self.store.preview_openid(staff.id),
            "may_compose": staff.may(Permission.COMPOSE_CAMPAIGNS),
            "may_approve": staff.may(Permission.APPROVE_CAMPAIGNS),
            "limits": {"text": rules.MAX_TEXT_CHARS, "min_text": rules.MIN_TEXT_CHARS,
                       "title": rules.MAX_TITLE_CHARS, "picture_bytes": rules.MAX_PICTURE_BYTES,
                       "reason": rules.MIN_REASON_CHARS, "ending_days": rules.MAX_ENDING_DAYS},
        }  # fmt: skip

    def one(self, staff: Staff, campaign_id: str) -> dict[str, Any]:
        _require_any(staff)
        return _json(self._existing(campaign_id), full=True)

    # --- composing -------------------------------------------------------------------------

    def create(self, staff: Staff, body: Mapping[str, Any], source: Source) -> dict[str, Any]:
        staff.require(Permission.COMPOSE_CAMPAIGNS)
        content, picture = self._content(body, keep="")
        campaign = self.store.create(content, picture, staff.id, staff.name)
        self._audit(staff, "campaign.create", campaign, source)
        return _json(campaign, full=True)

    def edit(self, staff: Staff, campaign_id: str, body: Mapping[str, Any],
             source: Source) -> dict[str, Any]:  # fmt: skip
        from chalicelib.console.service import Conflict
        from chalicelib.store.campaigns import StaleCampaign

        staff.require(Permission.COMPOSE_CAMPAIGNS)
        old = self._existing(campaign_id)
        content, picture = self._content(body, keep=old.picture)
        try:
            campaign = self.store.edit(campaign_id, _version(body), content, picture)
        except StaleCampaign as exc:
            raise Conflict("这条群发已被他人修改或已提交，请刷新后再改") from exc
        self._audit(staff, "campaign.edit", campaign, source)
        return _json(campaign, full=True)

    def set_preview_openid(self, staff: Staff, body: Mapping[str, Any],
                           source: Source) -> dict[str, Any]:  # fmt: skip
        """The staff member's own WeChat openid (of this account) that previews go to. Kept
        per member, audited; a preview goes nowhere else."""
        from chalicelib.console.service import BadRequest

        _require_any(staff)
        openid = str(body.get("openid") or "").strip()
        if not 6 <= len(openid) <= 64 or not openid.replace("-", "").replace("_", "").isalnum():
            raise BadRequest("请填写本公众号下您本人微信的 openid")
        self.store.set_preview_openid(staff.id, openid)
        self.audit.append(staff.id, staff.role, "campaign.preview_openid", None,
                          {"name": staff.name}, source.ip, source.user_agent)  # fmt: skip
        return {"preview_openid": openid}

    def preview(self, staff: Staff, campaign_id: str, source: Source) -> dict[str, Any]:
        """message/mass/preview to the member's own WeChat (composers and approvers alike)."""
        from chalicelib.console.service import BadRequest, Conflict
        from chalicelib.wechat.api import WeChatApiError

        _require_any(staff)
        campaign = self._existing(campaign_id)
        openid = self.store.preview_openid(staff.id)
        if not openid:
            raise BadRequest("请先设置您本人用于预览的微信 openid")
        try:
            self.api.mass_preview(openid, self._message(campaign))
        except WeChatApiError as exc:
            log_event("campaign.preview_failed", logging.WARNING, errcode=exc.errcode)
            raise Conflict(f"微信未能发送预览（{exc.errcode}）：{exc.errmsg}") from exc
        self._audit(staff, "campaign.preview", campaign, source)
        return {"previewed": True}

    def submit(self, staff: Staff, campaign_id: str, body: Mapping[str, Any],
               source: Source) -> dict[str, Any]:  # fmt: skip
        from chalicelib.console.service import Conflict
        from chalicelib.store.campaigns import StaleCampaign

        staff.require(Permission.COMPOSE_CAMPAIGNS)
        self._existing(campaign_id)
        try:
            campaign = self.store.submit(campaign_id, _version(body))
        except StaleCampaign as exc:
            raise Conflict("这条群发已被修改或已提交，请刷新") from exc
        self._audit(staff, "campaign.submit", campaign, source)
        return _json(campaign, full=True)

    # --- deciding (the second person) ------------------------------------------------------

    def decide(self, staff: Staff, campaign_id: str, body: Mapping[str, Any],
               source: Source) -> dict[str, Any]:  # fmt: skip
        """POST …/decision {approve: bool, reason, version}: approved, it is sent at once."""
        from chalicelib.console.service import BadRequest, Conflict
        from chalicelib.store.campaigns import StaleCampaign

        staff.require(Permission.APPROVE_CAMPAIGNS)
        old = self._existing(campaign_id)
        approve = body.get("approve") is True
        try:
            rules.check_decision(old.author, staff.id, old.status)
            reason = str(body.get("reason") or "").strip()
            if not approve:
                reason = rules.check_reason(reason)
        except rules.CampaignError as exc:
            raise BadRequest(str(exc)) from exc
        try:
            campaign = self.store.decide(campaign_id, _version(body), approve, staff.id,
                                         staff.name, reason)  # fmt: skip
        except StaleCampaign as exc:
            raise Conflict("这条群发已被修改或已有人审批，请刷新") from exc
        self._audit(staff, "campaign.approve" if approve else "campaign.reject", campaign,
                    source, reason=reason)  # fmt: skip
        if approve:
            campaign = self._send(staff, campaign, source)
        return _json(campaign, full=True)

    def send_again(self, staff: Staff, campaign_id: str, source: Source) -> dict[str, Any]:
        """POST …/send: an approved campaign whose send did not start (WeChat unavailable)."""
        from chalicelib.console.service import Conflict

        staff.require(Permission.APPROVE_CAMPAIGNS)
        campaign = self._existing(campaign_id)
        if campaign.status != rules.APPROVED:
            raise Conflict("只有已批准、尚未发送的群发可以发送")
        return _json(self._send(staff, campaign, source), full=True)

    # --- sending ---------------------------------------------------------------------------

    def _send(self, staff: Staff, campaign: Campaign, source: Source) -> Campaign:
        from chalicelib.console.service import Conflict
        from chalicelib.store.campaigns import StaleCampaign
        from chalicelib.wechat.api import WeChatApiError

        try:
            message = self._message(campaign)  # the cover uploaded before anything is counted
        except WeChatApiError as exc:
            log_event("campaign.send_failed", logging.ERROR, errcode=exc.errcode)
            return campaign  # stays approved: 发送 again later
        try:
            campaign = self.store.start_sending(campaign.campaign_id, campaign.version)
        except StaleCampaign as exc:
            raise Conflict("这条群发已在发送") from exc
        results = self.deliver(campaign, message)
        self._audit(staff, "campaign.send", campaign, source, sent=results["asked"])
        done = self.store.set_results(campaign.campaign_id, results,
                                      finished=results["jobs_pending"] == 0)  # fmt: skip
        assert done is not None  # written without a condition on what was read
        return done

    def deliver(self, campaign: Campaign, message: dict[str, Any]) -> dict[str, Any]:
        """Resolve the audience, leave out whom the budget or WeChat's month refuses, send in
        batches; what happened, counted (no openid in it)."""
        from chalicelib.wechat.api import MassSentAlready, WeChatApiError

        now = self.clock()
        audience = rules.audience_from(campaign.audience)
        openids = list(dict.fromkeys(self.resolve(audience)))
        results: dict[str, Any] = {"audience": len(openids), "opted_out": 0, "capped": 0,
                                   "over_budget": 0, "wechat_month": 0, "too_few": 0,
                                   "failed": 0, "asked": 0, "batches": [], "jobs_pending": 0,
                                   **dict.fromkeys(COUNTS, 0)}  # fmt: skip
        taken: list[tuple[str, str]] = []  # (openid, the budget's week)
        for openid in openids:
            verdict = self.budget.spend(openid, "campaign", now)
            if not verdict.allowed:
                key = {"opted_out": "opted_out", "over_kind_cap": "capped"}.get(verdict.reason,
                                                                                "over_budget")
                results[key] += 1
                continue
            if not self.store.take_month(openid, now):
                self.budget.give_back(openid, "campaign", verdict.period)
                results["wechat_month"] += 1
                continue
            taken.append((openid, verdict.period))
        if len(taken) == 1:  # WeChat's openid list takes at least two
            self._give_back(taken, now)
            results["too_few"] = 1
            taken = []
        period = dict(taken)
        for number, batch in enumerate(rules.batches([o for o, _ in taken]), start=1):
            entry: dict[str, Any] = {"n": number, "asked": len(batch)}
            try:
                msg_id = self.api.mass_send(batch, message, f"{campaign.campaign_id}-{number}")
            except MassSentAlready:
                entry["status"] = "sent_before"  # an earlier try sent it: its event counts
                results["asked"] += len(batch)
            except WeChatApiError as exc:
                entry |= {"status": "failed", "errcode": exc.errcode}
                results["failed"] += len(batch)
                self._give_back([(o, period[o]) for o in batch], now)
                log_event("campaign.batch_failed", logging.ERROR, errcode=exc.errcode,
                          campaign=campaign.campaign_id, batch=number)  # fmt: skip
            else:
                self.store.note_job(msg_id, campaign.campaign_id, number, len(batch))
                entry |= {"status": "submitted", "msg_id": msg_id}
                results["asked"] += len(batch)
                results["jobs_pending"] += 1
            results["batches"].append(entry)
        log_event("campaign.sent", campaign=campaign.campaign_id, audience=results["audience"],
                  asked=results["asked"], opted_out=results["opted_out"],
                  capped=results["capped"], over_budget=results["over_budget"])  # fmt: skip
        return results

    def _give_back(self, taken: Iterable[tuple[str, str]], now: float) -> None:
        for openid, week in taken:
            self.budget.give_back(openid, "campaign", week)
            self.store.give_back_month(openid, now)

    def job_finished(self, event: Mapping[str, Any]) -> bool:
        """WeChat's MASSSENDJOBFINISH (webhook): the batch's counts into its campaign, once."""
        msg_id = str(event.get("msg_id") or "")
        campaign_id = self.store.count_job(msg_id) if msg_id else None
        if campaign_id is None:
            log_event("campaign.job_unknown", logging.WARNING)
            return False
        for _ in range(5):
            campaign = self.store.get(campaign_id)
            if campaign is None:
                return False
            results = dict(campaign.results)
            for key in COUNTS:
                results[key] = int(results.get(key, 0)) + _int(event.get(key))
            pending = max(0, int(results.get("jobs_pending", 1)) - 1)
            results["jobs_pending"] = pending
            for entry in results.get("batches", []):
                if str(entry.get("msg_id")) == msg_id:
                    entry["status"] = str(event.get("status") or "")
                    entry |= {k: _int(event.get(k)) for k in COUNTS}
            if self.store.set_results(campaign_id, results, finished=pending == 0,
                                      expect_updated_at=campaign.updated_at):  # fmt: skip
                log_event("campaign.job_finished", campaign=campaign_id,
                          sent=_int(event.get("sent")), error=_int(event.get("error")))  # fmt: skip
                return True
        return False

    # --- helpers ---------------------------------------------------------------------------

    def _message(self, campaign: Campaign) -> dict[str, Any]:
        if campaign.format == rules.TEXT:
            return {"msgtype": "text", "text": {"content": campaign.text}}
        thumb = self.api.upload_thumb(base64.b64decode(campaign.picture))
        body = "".join(f"<p>{html.escape(line)}</p>" for line in campaign.text.splitlines())
        article = {"thumb_media_id": thumb, "title": campaign.title, "content": body,
                   "digest": campaign.text[:54], "show_cover_pic": 1,
                   "need_open_comment": 0}  # fmt: skip
        return {"msgtype": "mpnews", "mpnews": {"media_id": self.api.upload_news([article])}}

    def _content(self, body: Mapping[str, Any], keep: str) -> tuple[rules.Content, str]:
        from chalicelib.console.service import BadRequest

        picture = keep
        try:
            raw = body.get("picture")
            if isinstance(raw, str) and raw:
                try:
                    data = base64.b64decode(raw.split(",")[-1], validate=True)
                except (binascii.Error, ValueError) as exc:
                    raise rules.CampaignError("封面图片无法读取") from exc
                picture = base64.b64encode(rules.check_picture(data)).decode()
            fmt = str(body.get("format") or "")
            if fmt == rules.TEXT:
                picture = ""
            content = rules.Content(
                kind=str(body.get("kind") or ""), format=fmt,
                title=str(body.get("title") or "").strip(), text=str(body.get("text") or ""),
                picture=bool(picture), audience=rules.audience_from(body.get("audience")),
            )  # fmt: skip
            return rules.check_content(content), picture
        except rules.CampaignError as exc:
            raise BadRequest(str(exc)) from exc

    def _existing(self, campaign_id: str) -> Campaign:
        from chalicelib.console.service import NotFound

        campaign = self.store.get(campaign_id)
        if campaign is None:
            raise NotFound(f"no campaign {campaign_id}")
        return campaign

    def _audit(self, staff: Staff, action: str, campaign: Campaign, source: Source,
               **extra: Any) -> None:  # fmt: skip
        detail = {"campaign": campaign.campaign_id, "kind": campaign.kind, "name": staff.name,
                  "version": campaign.version, **extra}  # fmt: skip
        self.audit.append(staff.id, staff.role, action, None, detail, source.ip,
                          source.user_agent)  # fmt: skip
        log_event("campaign.changed", action=action, campaign=campaign.campaign_id)


def _require_any(staff: Staff) -> None:
    if not staff.may(Permission.APPROVE_CAMPAIGNS):
        staff.require(Permission.COMPOSE_CAMPAIGNS)


def _version(body: Mapping[str, Any]) -> int:
    from chalicelib.console.service import BadRequest

    try:
        return int(body.get("version"))  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise BadRequest("version is required (the one read)") from exc


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _json(campaign: Campaign, full: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": campaign.campaign_id, "kind": campaign.kind, "format": campaign.format,
        "title": campaign.title, "text": campaign.text, "audience": campaign.audience,
        "status": campaign.status, "version": campaign.version, "author": campaign.author,
        "author_name": campaign.author_name, "created_at": campaign.created_at,
        "updated_at": campaign.updated_at, "submitted_at": campaign.submitted_at,
        "decided_by": campaign.decided_by, "decided_by_name": campaign.decided_by_name,
        "decided_at": campaign.decided_at, "reason": campaign.reason,
        "sent_at": campaign.sent_at, "finished_at": campaign.finished_at,
        "results": campaign.results, "has_picture": bool(campaign.picture),
    }  # fmt: skip
    if full and campaign.picture:
        out["picture"] = campaign.picture
    return out
