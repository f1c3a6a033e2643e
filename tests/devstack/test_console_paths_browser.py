"""Service paths (服务轨迹) in a real browser (headless Chromium through Playwright), against
the whole local stack: a customer binds through the WeChat simulator, starts a quote and gives
up (取消), asks for a person and is answered by an agent in the console. An auditor finds the
customer from the records page's link and sees one timeline by day: the chat session, the
handoff's start, answer and end, with the abandoned quote marked as a place the customer got
stuck, and personal data masked; an agent has no such page. Saves docs/records-paths.png with
CLAIMBOT_UPDATE_README_SCREENSHOT=1.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from chalicelib.dialog import catalogue as t
from chalicelib.domain.handoff import short_code
from devstack import defaults
from devstack.process import running_stack
from devstack.simulator.client import WeChatSimulatorClient
from tests.devstack.test_console_browser import Staff, _console_url, _texts, _wait_for, browser

pytestmark = pytest.mark.devstack
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_NAME = "records-paths.png"
__all__ = ["browser"]  # the fixture, shared with the claims console's test
ANSWER = "您好，我是客服，请问需要什么帮助"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """`claimbot dev` on free ports, people answering in the console at any hour."""
    env = {"CLAIMBOT_BUSINESS_HOURS": "always", "HANDOFF_IN_HOURS": "console"}
    folder = tmp_path_factory.mktemp("devstack-paths")
    with running_stack(folder, env, simulator=False) as running:
        yield {**running.urls, "demo logins": running.logins}


@pytest.fixture(scope="module")
def customer(stack):
    """A bound customer who gave up a quote and was answered by agent1; their openid, plate."""
    urls = stack
    client = WeChatSimulatorClient(urls["webhook"], defaults.WECHAT_TOKEN, defaults.WECHAT_APP_ID,
                                   defaults.WECHAT_ENCODING_AES_KEY, mode="safe")  # fmt: skip
    _policy_no, plate, last6, salutation = urls["demo logins"][0]
    openid = f"o_paths_{uuid.uuid4().hex[:8]}"
    client.send_text(openid, "理赔进度")
    client.send_text(openid, plate)
    assert client.send_text(openid, last6).content.startswith(f"{salutation}，绑定成功")
    assert client.send_text(openid, "报价").content == t.QUOTE_ASK_PHOTO
    client.send_text(openid, "取消")
    assert "人工客服" in client.send_text(openid, "人工").content
    assert client.send_text(openid, f"车牌{plate}怎么续保") is None  # relayed to a person

    api = _console_url(urls) + "/api"
    token = requests.post(f"{api}/dev-login", json={"user": "agent1"}, timeout=5).json()["token"]
    agent = {"Authorization": f"Bearer {token}"}
    (chat,) = [c for c in requests.get(f"{api}/chats", headers=agent, timeout=5).json()["chats"]
               if c["code"] == short_code(openid)]  # fmt: skip
    res = requests.post(f"{api}/chats/{chat['id']}/messages", json={"text": ANSWER},
                        headers=agent, timeout=5)  # fmt: skip
    assert res.ok, res.text
    _wait_for(lambda: [x for x in _texts(urls, openid) if x.startswith("【人工客服")])
    assert requests.post(f"{api}/chats/{chat['id']}/end", headers=agent, timeout=5).ok
    _wait_for(lambda: [x for x in _texts(urls, openid) if x == t.HANDOFF_ENDED_BY_STAFF])
    return {"openid": openid, "plate": plate}


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


def test_an_auditor_follows_a_customers_path_and_sees_where_they_got_stuck(
    stack, customer, browser, tmp_path
):
    urls = stack
    auditor = Staff(browser, urls, "auditor1")
    page = auditor.page
    auditor.by("nav-paths").wait_for()
    # From the records page's result, as an auditor reading a conversation would.
    page.goto(f"{_console_url(urls)}#/records?by=openid&value={quote(customer['openid'])}")
    auditor.by("records-transcript").wait_for()
    auditor.by("records-path-link").click()
    auditor.by("path-timeline").wait_for()
    assert "#/paths?" in page.url and customer["openid"] in page.url

    events = auditor.by("path-event")
    kinds = [(e.get_attribute("data-channel"), e.get_attribute("data-kind"))
             for e in events.all()]  # fmt: skip
    assert ("chat", "session") in kinds
    handoff = [k for c, k in kinds if c == "handoff"]
    assert handoff == ["start", "answered", "end"]
    assert auditor.by("path-day").count() >= 1
    # The quote begun and given up is where this customer got stuck, highlighted.
    marker = page.locator("[data-testid=path-marker][data-code=quote_abandoned]")
    assert marker.count() == 1 and "报价未完成" in marker.inner_text()
    stuck = page.locator("[data-testid=path-event][data-stuck='1']")
    assert stuck.count() == 1 and stuck.get_attribute("data-channel") == "chat"
    assert auditor.by("path-stuck").get_attribute("data-code") == "quote_abandoned"
    # The messages of the session, masked as the records are; the agent named.
    stuck.locator("summary").click()
    text = auditor.by("path-timeline").inner_text()
    assert "赵客服" in text and ANSWER in text
    assert customer["plate"] not in text
    link = stuck.get_by_test_id("path-transcript")
    assert "#/records?" in (link.get_attribute("href") or "")
    _save_screenshot(page, tmp_path)
    auditor.close()


def test_an_agent_has_no_service_paths(stack, customer, browser):
    agent = Staff(browser, stack, "agent1")
    agent.by("inbox-view").wait_for()
    assert agent.by("nav-paths").count() == 0
    agent.page.goto(f"{_console_url(stack)}#/paths?by=openid&value={customer['openid']}")
    assert agent.by("forbidden-view").get_attribute("data-denied") == "paths"
    assert "没有查看服务轨迹的权限" in agent.by("forbidden-view").inner_text()
    agent.close()
