"""The adjusters' console API through Chalice's own test client, against moto server: roles,
the queue, a claim's packet, each decision, stale versions, and the audit log."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from chalice.test import Client

from chalicelib.dialog import render
from chalicelib.domain.claims import ClaimStatus
from chalicelib.store.audit import AuditLog
from chalicelib.store.models import AuditEntry, SessionItem, SurveyItem
from devstack import survey_photos
from tests.integration.test_survey_desk import (  # noqa: F401 (vin_engine is a fixture)
    _drain,
    _open_survey,
    _photos_for_slots,
    _run_jobs,
    _send_photos,
    _survey_messages,
    _words,
    vin_engine,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def api(container, monkeypatch):
    import app

    monkeypatch.setattr(app, "services", lambda: container)
    with Client(app.app) as client:
        yield client


def _token(api, user: str) -> dict[str, str]:
    res = api.http.post(
        "/console/api/dev-login",
        body=json.dumps({"user": user}),
        headers={"Content-Type": "application/json"},
    )
    assert res.status_code == 200
    return {"Authorization": f"Bearer {res.json_body['token']}"}


def _get(api, path: str, user: str = "adjuster1"):
    return api.http.get(path, headers=_token(api, user))


def _post(api, path: str, body: dict, user: str):
    headers = {**_token(api, user), "Content-Type": "application/json"}
    return api.http.post(path, body=json.dumps(body), headers=headers)


def _decide(api, claim_no: str, body: dict, user: str = "adjuster1"):
    return _post(api, f"/console/api/claims/{claim_no}/decisions", body, user)


@pytest.fixture
def submitted(container, emulator, openid, vin_engine):  # noqa: F811
    """A claim whose five photos are in: waiting for an adjuster."""
    _drain(container, "outbox")
    claim_no = _open_survey(container, openid)
    _send_photos(container, emulator, openid, _photos_for_slots())
    _run_jobs(container)
    _survey_messages(container, openid)
    assert container.book.claim(claim_no).status is ClaimStatus.SURVEY_RECEIVED
    return claim_no


def test_without_a_token_it_is_401_and_with_a_forged_one_too(api):
    assert api.http.get("/console/api/me").status_code == 401
    forged = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad"}
    assert api.http.get("/console/api/claims", headers=forged).status_code == 401
    me = _get(api, "/console/api/me").json_body
    assert me == {"id": "adjuster1", "name": "李理赔", "roles": ["adjuster"],
                  "permissions": ["decide", "view_claims"], "records_scope": None,
                  "records_unmask": False, "data_requests": False,
                  "tickets": ["survey_expired", "signoff"]}  # fmt: skip
    auditor = _get(api, "/console/api/me", "auditor1").json_body
    assert auditor["records_scope"] == "all" and auditor["records_unmask"] is True
    assert auditor["data_requests"] is True and "decide" not in auditor["permissions"]


def test_each_role_sees_what_it_may(api, submitted):
    assert _get(api, "/console/api/claims", "agent1").status_code == 403
    assert _get(api, f"/console/api/claims/{submitted}", "agent1").status_code == 403
    assert _get(api, "/console/api/claims", "auditor1").status_code == 200
    assert _get(api, "/console/api/audit", "adjuster1").status_code == 403
    assert _get(api, "/console/api/audit", "auditor1").status_code == 200
    detail = _get(api, f"/console/api/claims/{submitted}", "auditor1").json_body
    assert detail["actions"] == []  # read-only
    refused = _decide(api, submitted, {"action": "approve", "amount": "1", "version": 1},
                      "auditor1")  # fmt: skip
    assert refused.status_code == 403


def test_the_queue_lists_waiting_claims_oldest_first_with_flags(api, submitted):
    rows = _get(api, "/console/api/claims").json_body["claims"]
    mine = next(r for r in rows if r["claim_no"] == submitted)
    assert mine["status"] == "survey_received" and mine["photos"] == 5
    assert mine["plate_masked"] == "粤B·***45"
    assert [r["waiting_since"] for r in rows] == sorted(r["waiting_since"] for r in rows)
    flagged = _get(api, "/console/api/claims?flag=vin_mismatch").json_body["claims"]
    assert submitted not in {r["claim_no"] for r in flagged}
    assert _get(api, "/console/api/claims?status=nope").status_code == 400


def test_a_claim_shows_its_packet_through_short_lived_links(api, submitted):
    detail = _get(api, f"/console/api/claims/{submitted}").json_body
    assert [p["slot"] for p in detail["photos"]] == [1, 2, 3, 4, 5]
    assert detail["photos"][0]["label"] == "车头45°"
    assert detail["photos"][4]["vin"]["matches_policy"] is True
    assert (
        detail["policy"]["holder"] == "欧阳女士" and "粤B·***45" == detail["policy"]["plate_masked"]
    )
    assert detail["accident"]["description"] == "倒车撞到柱子"
    assert any(c["content"] == "倒车撞到柱子" for c in detail["conversation"])
    assert detail["actions"] == ["approve", "reshoot", "surveyor", "reject"]
    for photo in detail["photos"]:
        for url in (photo["thumb_url"], photo["full_url"]):
            query = parse_qs(urlparse(url).query)
            assert int(query["X-Amz-Expires"][0]) <= 300
            assert "粤B" not in url and "欧阳" not in url
        assert requests.get(photo["thumb_url"], timeout=5).content[:2] == b"\xff\xd8"
    assert detail["contact_sheet_url"]


def test_approving_moves_the_claim_records_the_amount_and_audits(api, container, submitted):
    version = _get(api, f"/console/api/claims/{submitted}").json_body["claim"]["version"]
    assert _decide(api, submitted, {"action": "approve", "version": version}).status_code == 400
    res = _decide(api, submitted, {"action": "approve", "amount": "2350", "version": version,
                                   "reason": "损失清晰"})  # fmt: skip
    assert res.status_code == 200, res.json_body
    claim = res.json_body["claim"]
    assert [e["status"] for e in claim["timeline"]] == [
        "reported", "survey_received", "under_review", "approved"]  # fmt: skip
    assert claim["timeline"][-1]["amount"] == "2350.00"
    assert claim["timeline"][-1]["by"] == "李理赔"
    entries = _get(api, f"/console/api/audit?claim_no={submitted}", "supervisor1").json_body
    actions = [(e["who"], e["action"]) for e in entries["entries"]]
    assert ("adjuster1", "decide:approve") in actions and ("adjuster1", "view_claim") in actions
    again = _decide(
        api, submitted, {"action": "reject", "reason": "x", "version": claim["version"]}
    )
    assert again.status_code == 400  # decided already: not waiting for review


def test_a_second_decision_on_a_changed_claim_is_refused(api, submitted):
    version = _get(api, f"/console/api/claims/{submitted}").json_body["claim"]["version"]
    first = _decide(
        api, submitted, {"action": "surveyor", "reason": "需现场确认", "version": version}
    )
    assert first.status_code == 200
    second = _decide(api, submitted, {"action": "reject", "reason": "不符", "version": version},
                     "adjuster2")  # fmt: skip
    assert second.status_code == 409
    assert "changed since you opened it" in second.json_body["error"]


def test_a_reshoot_tells_the_customer_which_and_why_and_reopens_only_those_slots(
    api, container, emulator, openid, submitted
):
    version = _get(api, f"/console/api/claims/{submitted}").json_body["claim"]["version"]
    body = {"action": "reshoot", "version": version,
            "reshoots": [{"slot": 2, "reason": "plate_unreadable"}]}  # fmt: skip
    assert _decide(api, submitted, body).status_code == 200
    claim = container.book.claim(submitted)
    assert claim.status is ClaimStatus.PHOTOS_REQUESTED  # a change of its own: notified
    assert [str(e.status) for e in claim.timeline][-2:] == ["under_review", "photos_requested"]
    survey = SurveyItem.get(submitted)
    assert survey.state == "open" and set(survey.slots) == {"1", "3", "4", "5"}
    [message] = [m for m in _drain(container, "outbox") if m["openid"] == openid]
    text = message["reply"]["content"]
    assert "第2张 车尾45°：车牌看不清" in text and submitted in text
    assert SessionItem.get(openid).step == "photos"  # the next photo counts straight away
    progress = render.claim_entry(claim, claim.timeline[-1].at.date(), "95500")
    assert "当前：需要补拍照片" in progress and "第2张 车尾45°：车牌看不清" in progress

    # The very photo sent back is not accepted again.
    _send_photos(container, emulator, openid, [_photos_for_slots()[1]])
    _run_jobs(container)
    [again] = _survey_messages(container, openid)
    assert "第2张 车尾45° 需要重拍：和之前的照片重复了" in _words(again)
    assert container.book.claim(submitted).status is ClaimStatus.PHOTOS_REQUESTED

    _send_photos(container, emulator, openid, [survey_photos.scene(402, view="rear")])
    _run_jobs(container)
    [done] = _survey_messages(container, openid)
    assert "全部收到" in done["reply"]["content"]
    survey = SurveyItem.get(submitted)
    assert survey.submissions == 2 and "/packets/2/" in survey.packet_key
    again = container.book.claim(submitted)
    assert again.status is ClaimStatus.SURVEY_RECEIVED and not again.reshoots


def test_the_audit_log_chains_and_tampering_shows(api, container, submitted):
    log = AuditLog()
    _get(api, f"/console/api/claims/{submitted}")
    assert log.verify() is None
    newest = next(iter(AuditEntry.query("console", scan_index_forward=False, limit=1)))
    newest.update(actions=[AuditEntry.who.set("someone-else")])
    assert log.verify() == newest.seq
    newest.update(actions=[AuditEntry.who.set("adjuster1")])  # put it back for other tests
    assert log.verify() is None


def test_the_console_page_and_its_built_assets_are_served(api):
    import re

    page = api.http.get("/console")
    html = page.body.decode()
    assert page.status_code == 200
    (script,) = re.findall(r'<script type="module" src="console/assets/([^"]+)"', html)
    (style,) = re.findall(r'<link rel="stylesheet" href="console/assets/([^"]+)"', html)
    assert re.fullmatch(r"console-[A-Z0-9]{8}\.js", script), script  # named by its content
    served = api.http.get(f"/console/assets/{script}")
    assert served.headers["Content-Type"].startswith("text/javascript")
    assert "immutable" in served.headers["Cache-Control"] and len(served.body) > 10_000
    assert api.http.get(f"/console/assets/{style}").headers["Content-Type"].startswith("text/css")
    assert page.headers["Cache-Control"] == "no-store"  # the page itself names the newest build
    assert api.http.get("/console/assets/..%2Fmanifest.json").status_code == 404
    assert api.http.get("/console/assets/nope.js").status_code == 404
    assert api.http.get("/console/static/console.js").status_code in (403, 404)  # no such route
    assert 'location.pathname.endsWith("/")' in page.body.decode()  # /console/ → /console
    config = api.http.get("/console/api/config").json_body
    assert config["dev_login"] is True


def test_with_a_cdn_the_page_loads_its_assets_there_and_its_csp_admits_that_origin(
    container, monkeypatch
):
    """CONSOLE_ASSETS_URL (CloudFront, infra/console-assets.yaml): the page names the same
    built files under that URL, and only that origin is added to script-src and style-src."""
    import dataclasses
    import re

    import app

    cdn = "https://static.claims.example.com/console/assets"
    settings = dataclasses.replace(container.settings, console_assets_url=cdn)

    class WithCdn:
        def __getattr__(self, name: str):
            return settings if name == "settings" else getattr(container, name)

    monkeypatch.setattr(app, "services", lambda: WithCdn())
    with Client(app.app) as client:
        page = client.http.get("/console")
    html = page.body.decode()
    assert page.status_code == 200
    (script,) = re.findall(r'<script type="module" src="([^"]+)"', html)
    (style,) = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert re.fullmatch(re.escape(cdn) + r"/console-[A-Z0-9]{8}\.js", script), script
    assert re.fullmatch(re.escape(cdn) + r"/console-[A-Z0-9]{8}\.css", style), style
    assert "console/assets/" not in html.replace(cdn, "")  # nothing left pointing at the API
    policy = dict(
        part.strip().split(" ", 1) for part in page.headers["Content-Security-Policy"].split(";")
    )
    origin = "https://static.claims.example.com"
    assert policy["script-src"].startswith(f"'self' {origin} 'sha256-")
    assert policy["style-src"] == f"'self' {origin}"
    loading = [d for d in policy if d.startswith(("script-src", "style-src"))]  # -elem too
    assert all(policy[d].startswith(f"'self' {origin}") for d in loading), policy
    assert origin not in policy["connect-src"] and origin not in policy["img-src"]
    assert policy["default-src"] == "'none'"
    assert page.headers["Cache-Control"] == "no-store"


# --- claim authority (核赔权限) -------------------------------------------------------------


def _sign_off(api, claim_no: str, body: dict, user: str = "supervisor1"):
    return _post(api, f"/console/api/claims/{claim_no}/signoff", body, user)


def _version(api, claim_no: str, user: str = "adjuster1") -> int:
    return _get(api, f"/console/api/claims/{claim_no}", user).json_body["claim"]["version"]


def test_above_an_adjusters_authority_an_approval_waits_for_a_supervisors_sign_off(
    api, submitted
):
    """Never above the cover (119,900 less no deductible), and above the adjuster's 10,000 the
    claim is not approved until a supervisor signs it off."""
    detail = _get(api, f"/console/api/claims/{submitted}").json_body
    assert detail["authority"] == {"own_limit": "10000", "covered": True, "cover": "119900",
                                   "may_sign_off": False}  # fmt: skip
    version = detail["claim"]["version"]
    over = _decide(api, submitted, {"action": "approve", "amount": "999999.99",
                                    "version": version}, "supervisor1")  # fmt: skip
    assert over.status_code == 400 and "exceeds what the policy covers" in over.json_body["error"]

    asked = _decide(api, submitted, {"action": "approve", "amount": "23500", "version": version,
                                     "reason": "前杠及大灯更换"})  # fmt: skip
    assert asked.status_code == 200, asked.json_body
    claim = asked.json_body["claim"]
    assert claim["status"] == "under_review"  # into review; not approved
    assert claim["pending_signoff"]["amount"] == "23500.00"
    assert claim["pending_signoff"]["by_name"] == "李理赔"
    waiting = _get(api, "/console/api/claims?flag=signoff_pending", "supervisor1").json_body
    assert submitted in [c["claim_no"] for c in waiting["claims"]]
    other = _decide(api, submitted, {"action": "reject", "reason": "x",
                                     "version": claim["version"]}, "adjuster2")  # fmt: skip
    assert other.status_code == 409 and "sign-off" in other.json_body["error"]
    assert _sign_off(api, submitted, {"decision": "approve", "version": claim["version"]},
                     "adjuster2").status_code == 403  # fmt: skip

    signed = _sign_off(api, submitted, {"decision": "approve", "version": claim["version"]})
    assert signed.status_code == 200, signed.json_body
    done = signed.json_body["claim"]
    assert done["status"] == "approved" and done["pending_signoff"] is None
    assert done["timeline"][-1]["amount"] == "23500.00"
    entries = _get(api, f"/console/api/audit?claim_no={submitted}", "supervisor1").json_body
    actions = [(e["who"], e["action"]) for e in entries["entries"]]
    assert ("adjuster1", "decide:approve_requested") in actions
    assert ("supervisor1", "sign_off:approve") in actions


def test_a_supervisor_sends_back_an_approval_and_cannot_sign_off_their_own(api, submitted):
    version = _version(api, submitted, "supervisor1")
    asked = _decide(api, submitted, {"action": "approve", "amount": "100000.01",
                                     "version": version}, "supervisor1")  # fmt: skip
    assert asked.status_code == 200 and asked.json_body["claim"]["pending_signoff"]
    version = asked.json_body["claim"]["version"]
    own = _sign_off(api, submitted, {"decision": "approve", "version": version})
    assert own.status_code == 400 and "another supervisor" in own.json_body["error"]
    withdrawn = _sign_off(api, submitted, {"decision": "decline", "version": version,
                                           "reason": "超出本人权限，转总公司"})  # fmt: skip
    assert withdrawn.status_code == 200

    version = withdrawn.json_body["claim"]["version"]
    asked = _decide(api, submitted, {"action": "approve", "amount": "23500", "version": version})
    version = asked.json_body["claim"]["version"]
    no_reason = _sign_off(api, submitted, {"decision": "decline", "version": version})
    assert no_reason.status_code == 400 and "reason" in no_reason.json_body["error"]
    back = _sign_off(api, submitted, {"decision": "decline", "version": version,
                                      "reason": "金额偏高，请复核配件价格"})  # fmt: skip
    assert back.status_code == 200
    claim = back.json_body["claim"]
    assert claim["status"] == "under_review" and claim["pending_signoff"] is None
    again = _decide(api, submitted, {"action": "approve", "amount": "8800",
                                     "version": claim["version"]})  # fmt: skip
    assert again.status_code == 200 and again.json_body["claim"]["status"] == "approved"


def test_a_flagged_claim_is_approved_only_with_a_written_reason(api, submitted):
    survey = SurveyItem.get(submitted)
    survey.flags = ["vin_mismatch"]
    survey.save()
    version = _version(api, submitted)
    silent = _decide(api, submitted, {"action": "approve", "amount": "2350", "version": version})
    assert silent.status_code == 400 and "flagged (vin_mismatch)" in silent.json_body["error"]
    reasoned = _decide(api, submitted, {"action": "approve", "amount": "2350", "version": version,
                                        "reason": "车架号照片反光，已电话核实行驶证"})  # fmt: skip
    assert reasoned.status_code == 200
    entries = _get(api, f"/console/api/audit?claim_no={submitted}", "supervisor1").json_body
    approve = next(e for e in entries["entries"] if e["action"] == "decide:approve")
    assert "已电话核实行驶证" in json.dumps(approve, ensure_ascii=False)
