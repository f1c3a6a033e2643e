"""Satisfaction ratings (满意度) in a real browser (headless Chromium through Playwright), against
the whole local stack with people answering in the console: a customer chats with agent1 in the
console inbox, the agent ends the chat, the customer is asked for a rating in WeChat and replies
4 with a comment; a supervisor sees it on the ratings page, per agent and per flow, with the
comment. An agent is shown the forbidden page. The page is screenshotted for docs/WORKSPACE.md
(docs/workspace-ratings.png with CLAIMBOT_UPDATE_README_SCREENSHOT=1).

Chromium is Debian's (`make browser`); Playwright's own browser download is not used.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from chalicelib.dialog import catalogue as t
from chalicelib.domain.handoff import short_code
from devstack import defaults
from devstack.process import running_stack
from devstack.simulator.client import WeChatSimulatorClient
from tests.devstack.test_console_browser import (  # noqa: F401 (browser is a fixture)
    Staff,
    _texts,
    _wait_for,
    browser,
)

pytestmark = pytest.mark.devstack
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_NAME = "workspace-ratings.png"
COMMENT = "回复很及时，谢谢赵客服"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """`claimbot dev` on free ports, people answering in the console at any hour."""
    env = {"CLAIMBOT_BUSINESS_HOURS": "always", "HANDOFF_IN_HOURS": "console"}
    folder = tmp_path_factory.mktemp("devstack-ratings")
    with running_stack(folder, env, simulator=False) as running:
        yield running.urls


@pytest.fixture(scope="module")
def client(stack):
    return WeChatSimulatorClient(stack["webhook"], defaults.WECHAT_TOKEN, defaults.WECHAT_APP_ID,
                                 defaults.WECHAT_ENCODING_AES_KEY, mode="safe")  # fmt: skip


def _save_screenshot(page, tmp_path: Path) -> None:
    page.mouse.move(5, 300)  # no hover effects in the picture
    shot = tmp_path / SCREENSHOT_NAME
    page.screenshot(path=str(shot), full_page=True)
    targets = [ROOT / "test-artifacts" / SCREENSHOT_NAME]
    if os.environ.get("CLAIMBOT_UPDATE_README_SCREENSHOT") == "1":
        targets.append(ROOT / "docs" / SCREENSHOT_NAME)
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)


def test_a_rating_stored_after_a_chat_ends(stack, client, browser, tmp_path):  # noqa: F811
    urls = stack
    openid = f"o_rate_{uuid.uuid4().hex[:8]}"
    assert "人工客服" in client.send_text(openid, "人工").content
    assert client.send_text(openid, "我的赔款什么时候到账？") is None  # for the agent
    code = short_code(openid)

    # agent1 answers in the console inbox and ends the chat.
    agent = Staff(browser, urls, "agent1")
    page = agent.page
    item = page.locator(f"[data-testid=chat-item][data-code='{code}']")
    item.click()
    agent.by("chat-input").fill("您好，赔款已审核通过，预计三个工作日内到账")
    page.keyboard.press("Enter")
    page.locator("[data-testid=chat-message][data-staff=agent1]").wait_for()
    _wait_for(lambda: [x for x in _texts(urls, openid) if x.startswith("【人工客服 赵客服】")])
    agent.by("chat-end").click()
    agent.by("confirm-dialog").wait_for()
    agent.by("confirm-ok").click()
    item.wait_for(state="detached")
    assert agent.by("nav-ratings").count() == 0  # agents do not see the figures
    agent.page.goto(f"{page.url.split('#')[0]}#/ratings")
    page.locator("[data-testid=forbidden-view][data-denied=ratings]").wait_for()
    agent.close()

    # The customer is asked in WeChat, once, and answers 4 with a comment.
    _wait_for(lambda: [x for x in _texts(urls, openid) if x == t.RATING_ASK_CHAT], timeout_s=30)
    thanked = client.send_text(openid, f"4 {COMMENT}")
    assert thanked is not None and thanked.content == t.RATING_THANKS_WITH_COMMENT
    assert [x for x in _texts(urls, openid) if x == t.RATING_ASK_CHAT] == [t.RATING_ASK_CHAT]

    # The supervisor sees it per agent and per flow, with the comment.
    supervisor = Staff(browser, urls, "supervisor1")
    page = supervisor.page
    supervisor.by("nav-ratings").click()
    row = page.locator("[data-testid=ratings-staff] [data-testid=ratings-row][data-key=agent1]")
    row.wait_for()
    assert "赵客服" in row.inner_text()
    assert row.get_by_test_id("ratings-average").inner_text() == "4.00"
    assert row.get_by_test_id("ratings-rated").inner_text() == "1"
    bar = row.locator("[data-testid=rating-distribution] [data-score='4']")
    assert bar.get_by_test_id("rating-count").inner_text() == "1"
    chats = page.locator("[data-testid=ratings-flows] [data-testid=ratings-row][data-key=chat]")
    assert "人工客服" in chats.inner_text()
    assert chats.get_by_test_id("ratings-average").inner_text() == "4.00"
    comment = page.get_by_test_id("rating-comment").filter(has_text=COMMENT)
    assert "4分" in comment.inner_text() and "赵客服" in comment.inner_text()
    assert supervisor.by("ratings-overall-average").inner_text() == "4.00"

    # Another period (before today) has nothing.
    supervisor.by("ratings-from").fill("2020-01-01")
    supervisor.by("ratings-to").fill("2020-01-31")
    supervisor.by("ratings-apply").click()
    supervisor.by("ratings-staff-empty").wait_for()
    assert "from=2020-01-01" in page.url
    page.go_back()
    row.wait_for()
    _save_screenshot(page, tmp_path)
    supervisor.close()
