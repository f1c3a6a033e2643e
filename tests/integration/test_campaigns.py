"""Campaigns (群发) end to end through the console API, moto and the WeChat emulator: composed,
previewed on the author's own WeChat, submitted, approved by a second person, mass-sent within
WeChat's limits and the push budget (退订, one campaign a week), and WeChat's job-finished event
recorded as the campaign's results; a rejection; the author never approves their own."""

from __future__ import annotations

import base64
import json
import secrets
import time

import pytest
from chalice.test import Client

from chalicelib.console.auth import Forbidden, Staff
from chalicelib.console.service import BadRequest, Source
from chalicelib.domain import campaigns as rules
from chalicelib.store.campaigns import Audiences, CampaignStore, StaleCampaign
from chalicelib.store.models import AuditEntry, CustomerItem, PolicyItem, QuotaItem
from tests.integration.helpers import signed, text_xml

pytestmark = pytest.mark.integration

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200 + b"\xff\xd9"


@pytest.fixture
def api(container, monkeypatch):
    import app

    monkeypatch.setattr(app, "services", lambda: container)
    with Client(app.app) as client:
        yield client


def _call(api, method: str, path: str, user: str, body: dict | None = None):
    res = api.http.post("/console/api/dev-login", body=json.dumps({"user": user}),
                        headers={"Content-Type": "application/json"})  # fmt: skip
    headers = {"Authorization": f"Bearer {res.json_body['token']}",
               "Content-Type": "application/json"}  # fmt: skip
    data = json.dumps(body) if body is not None else None
    return getattr(api.http, method.lower())(path, headers=headers, body=data)


def _customers(n: int, ends: str) -> list[str]:
    """n bound customers, each with a policy ending on `ends` (a day no other test uses)."""
    openids = []
    for _ in range(n):
        tag = secrets.token_hex(6)
        customer_id = f"cust-{tag}"
        PolicyItem(policy_no=f"P{tag}", customer_id=customer_id, holder_name="张三",
                   holder_id_masked="1101**********1234", holder_id_check="x",
                   plate="粤B12345", product="auto", start_date="2030-01-01", end_date=ends,
                   source_hash="h").save()  # fmt: skip
        openid = f"o_camp_{tag}"
        CustomerItem(openid=openid, customer_id=customer_id, holder_name="张三",
                     bound_via=f"P{tag}", bound_at=time.time()).save()  # fmt: skip
        openids.append(openid)
    return openids


def _ending_day() -> str:
    return f"2031-{secrets.randbelow(12) + 1:02d}-{secrets.randbelow(28) + 1:02d}"


def _draft(ends: str, **extra) -> dict:
    return {"kind": "safety", "format": "text", "title": "",
            "text": "台风“海燕”明日登陆，请将车辆停放在地势较高处，勿涉水行驶。",
            "audience": {"kind": "ending", "ends_from": ends, "ends_to": ends},
            **extra}  # fmt: skip


def test_a_campaign_from_draft_through_approval_to_delivery(api, container, emulator):
    ends = _ending_day()
    a, b, opted_out, had_one, wechat_full = _customers(5, ends)
    query, raw = signed(text_xml(opted_out, "退订"))  # the customer replies 退订 in WeChat
    assert container.webhook.receive(query, raw).status == 200
    assert container.push_budget.opted_out(opted_out)
    assert container.push_budget.try_spend(had_one, "campaign")  # this week's campaign: had it
    emulator.set_mass_received(wechat_full, 4)  # 4 from the platform's own page this month

    # Holiday greetings must have a picture; advertisements are refused in every kind.
    bad = _call(api, "POST", "/console/api/campaigns", "supervisor1",
                _draft(ends, kind="holiday"))  # fmt: skip
    assert bad.status_code == 400 and "图片" in bad.json_body["error"]
    ad = _call(api, "POST", "/console/api/campaigns", "supervisor1",
                _draft(ends, text="限时优惠！续保立减，快来抢购吧，名额有限。"))  # fmt: skip
    assert ad.status_code == 400 and "广告" in ad.json_body["error"]
    assert _call(api, "POST", "/console/api/campaigns", "agent1", _draft(ends)).status_code == 403

    made = _call(api, "POST", "/console/api/campaigns", "supervisor1", _draft(ends))
    assert made.status_code == 200, made.json_body
    cid, version = made.json_body["id"], made.json_body["version"]
    assert made.json_body["status"] == "draft"

    # Preview on the author's own WeChat (the openid each member sets for it).
    no_openid = _call(api, "POST", f"/console/api/campaigns/{cid}/preview", "supervisor1")
    assert no_openid.status_code in (200, 400)
    me = f"o_staff_{secrets.token_hex(4)}"
    assert _call(api, "PUT", "/console/api/campaigns/preview-openid", "supervisor1",
                 {"openid": me}).status_code == 200  # fmt: skip
    previewed = _call(api, "POST", f"/console/api/campaigns/{cid}/preview", "supervisor1")
    assert previewed.status_code == 200, previewed.json_body
    job = emulator.mass_jobs()[-1]
    assert job["preview"] and job["touser"] == [me]
    assert job["content"]["text"].startswith("台风")

    # Nothing goes out before a second person approves.
    assert not [j for j in emulator.mass_jobs() if not j["preview"] and a in j["touser"]]
    early = _call(api, "POST", f"/console/api/campaigns/{cid}/decision", "approver1",
                  {"approve": True, "version": version})  # fmt: skip
    assert early.status_code == 400  # a draft: not submitted yet
    sub = _call(api, "POST", f"/console/api/campaigns/{cid}/submit", "supervisor1",
                {"version": version})  # fmt: skip
    assert sub.status_code == 200 and sub.json_body["status"] == "submitted"
    assert _call(api, "POST", f"/console/api/campaigns/{cid}/decision", "supervisor1",
                 {"approve": True, "version": sub.json_body["version"]}).status_code == 403

    queue = _call(api, "GET", "/console/api/campaigns", "approver1").json_body
    assert queue["may_approve"] and not queue["may_compose"]
    assert cid in [c["id"] for c in queue["campaigns"] if c["status"] == "submitted"]

    approved = _call(api, "POST", f"/console/api/campaigns/{cid}/decision", "approver1",
                     {"approve": True, "version": sub.json_body["version"]})  # fmt: skip
    assert approved.status_code == 200, approved.json_body
    body = approved.json_body
    assert body["status"] == "sending" and body["decided_by"] == "approver1"
    results = body["results"]
    assert results["audience"] == 5
    assert (results["opted_out"], results["capped"], results["asked"]) == (1, 1, 3)
    assert results["jobs_pending"] == 1

    sent = [j for j in emulator.mass_jobs() if not j["preview"] and a in j["touser"]]
    assert len(sent) == 1
    assert sorted(sent[0]["touser"]) == sorted([a, b])  # WeChat filtered the fifth this month
    assert sent[0]["filtered"] == [wechat_full]
    assert opted_out not in sent[0]["touser"] and had_one not in sent[0]["touser"]

    # WeChat's MASSSENDJOBFINISH reaches the webhook: the campaign's results, once.
    events = [e for e in emulator.take_mass_events() if f"<MsgID>{sent[0]['msg_id']}<" in e]
    assert len(events) == 1
    for _ in range(2):  # WeChat retries: counted once
        query, raw = signed(events[0])
        assert container.webhook.receive(query, raw).status == 200
    done = _call(api, "GET", f"/console/api/campaigns/{cid}", "supervisor1").json_body
    assert done["status"] == "finished"
    assert (done["results"]["total"], done["results"]["filter"], done["results"]["sent"],
            done["results"]["error"]) == (3, 2, 2, 0)  # fmt: skip

    # The budget was spent for those sent: a second campaign this week reaches nobody of them.
    assert not container.push_budget.try_spend(a, "campaign")
    actions = [e.action for e in AuditEntry.query("console", scan_index_forward=False, limit=40)
               if e.detail.get("campaign") == cid]  # fmt: skip
    assert {"campaign.create", "campaign.preview", "campaign.submit", "campaign.approve",
            "campaign.send"} <= set(actions)  # fmt: skip


def test_a_rejection_goes_back_to_its_author_with_the_reason(api, container):
    ends = _ending_day()
    _customers(2, ends)
    made = _call(api, "POST", "/console/api/campaigns", "supervisor1", _draft(ends)).json_body
    sub = _call(api, "POST", f"/console/api/campaigns/{made['id']}/submit", "supervisor1",
                {"version": made["version"]}).json_body  # fmt: skip
    path = f"/console/api/campaigns/{made['id']}/decision"
    no_reason = _call(api, "POST", path, "approver1", {"approve": False, "version": sub["version"]})
    assert no_reason.status_code == 400
    rejected = _call(api, "POST", path, "approver1",
                     {"approve": False, "reason": "措辞需更温和，请改后再提交",
                      "version": sub["version"]})  # fmt: skip
    assert rejected.status_code == 200
    assert rejected.json_body["status"] == "rejected"
    assert rejected.json_body["reason"] == "措辞需更温和，请改后再提交"
    assert rejected.json_body["results"] == {}  # nothing sent
    edited = _call(api, "PUT", f"/console/api/campaigns/{made['id']}", "supervisor1",
                   _draft(ends, version=rejected.json_body["version"]))  # fmt: skip
    assert edited.status_code == 200 and edited.json_body["status"] == "draft"


def test_the_author_cannot_approve_their_own_campaign_even_as_an_approver(container):
    desk, where = container.campaign_desk, Source("127.0.0.1", "pytest")
    both = Staff("both1", "两全", ("supervisor", "approver"))
    ends = _ending_day()
    made = desk.create(both, _draft(ends), where)
    sub = desk.submit(both, made["id"], {"version": made["version"]}, where)
    with pytest.raises(BadRequest, match="另一位"):
        desk.decide(both, made["id"], {"approve": True, "version": sub["version"]}, where)
    with pytest.raises(StaleCampaign):  # the store holds the rule too
        CampaignStore().decide(made["id"], sub["version"], True, "both1", "两全", "")
    with pytest.raises(Forbidden):
        desk.decide(Staff("sup", "主管", ("supervisor",)), made["id"],
                    {"approve": True, "version": sub["version"]}, where)  # fmt: skip


def test_an_article_with_a_picture_goes_as_mpnews(container, emulator):
    desk, where = container.campaign_desk, Source("127.0.0.1", "pytest")
    author, approver = Staff("s1", "陈", ("supervisor",)), Staff("ap", "孙", ("approver",))
    ends = _ending_day()
    openids = _customers(2, ends)
    picture = base64.b64encode(JPEG).decode()
    made = desk.create(author, _draft(ends, kind="holiday", format="article", title="新春快乐",
                                      picture=picture), where)  # fmt: skip
    assert made["has_picture"]
    sub = desk.submit(author, made["id"], {"version": made["version"]}, where)
    done = desk.decide(approver, made["id"], {"approve": True, "version": sub["version"]}, where)
    assert done["results"]["asked"] == 2
    job = next(j for j in emulator.mass_jobs() if openids[0] in j["touser"])
    assert job["content"]["msgtype"] == "mpnews"
    assert job["content"]["articles"][0]["title"] == "新春快乐"


def test_all_followers_are_everyone_known_but_who_unfollowed(container):
    (bound,) = _customers(1, _ending_day())
    wrote, left = f"o_wrote_{secrets.token_hex(4)}", f"o_left_{secrets.token_hex(4)}"
    QuotaItem(openid=wrote, message_window_until=time.time() + 3600).save()
    QuotaItem(openid=left, unsubscribed_at=time.time()).save()
    everyone = Audiences()(rules.Audience(rules.ALL_FOLLOWERS))
    assert bound in everyone and wrote in everyone and left not in everyone
    assert bound in Audiences()(rules.Audience(rules.BOUND))
    assert bound in Audiences()(rules.Audience(rules.REGION, region="粤B"))
    assert bound not in Audiences()(rules.Audience(rules.REGION, region="京"))


def test_a_batch_wechat_refuses_gives_each_customer_their_place_back(container, emulator):
    desk, where = container.campaign_desk, Source("127.0.0.1", "pytest")
    author, approver = Staff("s1", "陈", ("supervisor",)), Staff("ap", "孙", ("approver",))
    ends = _ending_day()
    a, b = _customers(2, ends)
    made = desk.create(author, _draft(ends), where)
    sub = desk.submit(author, made["id"], {"version": made["version"]}, where)
    emulator.add_fault("message/mass/send", errcode=45009)  # the day's mass sends are used up
    done = desk.decide(approver, made["id"], {"approve": True, "version": sub["version"]}, where)
    assert done["results"]["failed"] == 2 and done["results"]["asked"] == 0
    assert done["results"]["batches"][0]["errcode"] == 45009
    assert done["status"] == "finished"  # nothing to wait for: the results say what failed
    # Neither the week's campaign nor WeChat's month was spent on them.
    assert container.push_budget.try_spend(a, "campaign")
    assert CampaignStore().take_month(b, time.time())
