"""Campaigns page (群发) in a real browser against the whole local stack: two customers have
written to the account; a supervisor sets the openid of their own WeChat, composes a safety
notice for all followers, previews it there and submits it; the approver (a second person)
approves it on the same page and it goes through the WeChat emulator's mass send; WeChat's
MASSSENDJOBFINISH event, posted to the webhook, turns it finished with 2 delivered. Saves
docs/outreach-campaigns.png with CLAIMBOT_UPDATE_README_SCREENSHOT=1.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
import requests

from devstack import defaults
from devstack.process import running_stack
from devstack.simulator.client import WeChatSimulatorClient
from tests.devstack.test_console_browser import (  # noqa: F401 (browser is a fixture)
    Staff,
    _wait_for,
    browser,
)

pytestmark = pytest.mark.devstack
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_NAME = "outreach-campaigns.png"
TEXT = "台风“海燕”明日登陆，请将车辆停放在地势较高处，切勿涉水行驶。出险请拨打客服电话。"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("devstack-campaigns")) as running:
        yield running.urls


def _client(urls) -> WeChatSimulatorClient:
    return WeChatSimulatorClient(urls["webhook"], defaults.WECHAT_TOKEN, defaults.WECHAT_APP_ID,
                                 defaults.WECHAT_ENCODING_AES_KEY, mode="safe")  # fmt: skip


def _mass_jobs(urls) -> list[dict]:
    return requests.get(f"{urls['wechat-emulator']}/_emulator/mass_jobs", timeout=5).json()


def _deliver_events(urls) -> int:
    """Post WeChat's job-finished events to the webhook, signed as WeChat signs them."""
    events = requests.post(f"{urls['wechat-emulator']}/_emulator/mass_events",
                           timeout=5).json()["events"]  # fmt: skip
    client = _client(urls)
    for xml in events:
        params, body = client.sign_request("o_mass_sender", xml)
        res = requests.post(urls["webhook"], params=params, data=body,
                            headers={"Content-Type": "text/xml"}, timeout=10)  # fmt: skip
        assert res.status_code == 200
    return len(events)


def test_a_campaign_is_composed_previewed_approved_by_another_and_delivered(
    stack, browser, tmp_path  # noqa: F811
):
    urls = stack
    customers = [f"o_camp_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    for openid in customers:
        _client(urls).send_text(openid, "你好")
    me = f"o_staff_{uuid.uuid4().hex[:8]}"

    supervisor = Staff(browser, urls, "supervisor1")
    page = supervisor.page
    try:
        supervisor.by("nav-campaigns").click()
        supervisor.by("campaigns-view").wait_for()
        supervisor.by("campaigns-openid").fill(me)
        supervisor.by("campaigns-openid-save").click()
        supervisor.by("campaigns-new").click()
        form = supervisor.by("campaign-form")
        form.get_by_test_id("campaign-kind").select_option("holiday")
        form.get_by_test_id("campaign-text").fill(TEXT)
        form.get_by_test_id("campaign-save").click()  # a holiday greeting needs a picture
        assert "图片" in form.get_by_test_id("campaign-form-error").inner_text()
        form.get_by_test_id("campaign-kind").select_option("safety")
        form.get_by_test_id("campaign-audience").select_option("all_followers")
        form.get_by_test_id("campaign-save").click()

        detail = supervisor.by("campaign-detail")
        detail.wait_for()
        assert detail.get_by_test_id("campaign-status").inner_text() == "草稿"
        detail.get_by_test_id("campaign-preview").click()
        _wait_for(lambda: [j for j in _mass_jobs(urls) if j["preview"] and j["touser"] == [me]])
        detail.get_by_test_id("campaign-submit").click()
        _wait_for(lambda: supervisor.by("campaign-status").inner_text() == "待审批" or None)
        assert supervisor.by("campaign-approve").count() == 0  # not an approver
        campaign_id = supervisor.by("campaign-detail").get_attribute("data-campaign-id")
        assert supervisor.errors == []
    finally:
        supervisor.context.close()
    assert not [j for j in _mass_jobs(urls) if not j["preview"]]  # nothing sent yet

    approver = Staff(browser, urls, "approver1")
    page = approver.page
    try:
        approver.by("campaigns-view").wait_for()  # an approver starts on this page
        assert approver.by("campaigns-waiting").inner_text() == "待审批 1 条"
        assert approver.by("campaigns-new").count() == 0
        page.locator(f"[data-testid=campaign-row][data-campaign-id='{campaign_id}']").click()
        approver.by("campaign-approve").click()
        assert "所有给公众号发过消息的用户" in approver.by("confirm-dialog").inner_text()
        approver.by("confirm-ok").click()
        _wait_for(lambda: approver.by("campaign-status").inner_text() in ("发送中", "已完成")
                  or None)  # fmt: skip
        assert approver.by("campaign-status").inner_text() == "发送中", approver.by(
            "campaign-detail").inner_text()
        (job,) = [j for j in _mass_jobs(urls) if not j["preview"]]
        assert set(customers) <= set(job["touser"])  # and whoever else wrote to the stack
        sent = len(job["touser"])
        assert approver.by("campaign-result-asked").inner_text().endswith(str(sent))

        assert _deliver_events(urls) == 1
        page.reload()
        _wait_for(lambda: approver.by("campaign-status").inner_text() == "已完成" or None)
        assert approver.by("campaign-result-sent").inner_text().endswith(str(sent))
        assert approver.errors == []
        _save_screenshot(page, tmp_path)
    finally:
        approver.context.close()


def _save_screenshot(page, tmp_path: Path) -> None:
    page.mouse.move(5, 300)
    shot = tmp_path / SCREENSHOT_NAME
    page.screenshot(path=str(shot), full_page=True)
    targets = [ROOT / "test-artifacts" / SCREENSHOT_NAME]
    if os.environ.get("CLAIMBOT_UPDATE_README_SCREENSHOT") == "1":
        targets.append(ROOT / "docs" / SCREENSHOT_NAME)
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)
