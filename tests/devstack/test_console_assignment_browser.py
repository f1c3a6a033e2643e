"""Assignment and timers in the agents' inbox, in a real browser (headless Chromium through
Playwright) against the whole local stack (people answering in the console at any hour, a
first-response target of TARGET_S): two agents signed in, in two browser contexts, each get one
of two customers who ask for a person at once (round-robin), shown as theirs and first; the
other's chat is read-only until one takes it over (接手), after which the first may no longer
answer it; a chat nobody answers shows its timer overdue and goes to the other agent.

Started as tests/devstack/test_console_browser.py starts the stack; Debian's Chromium. With
CLAIMBOT_UPDATE_README_SCREENSHOT=1 the screenshot is also saved as docs/workspace-assignment.png.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from chalicelib.domain.handoff import short_code
from devstack import defaults
from devstack.process import running_stack
from devstack.simulator.client import WeChatSimulatorClient
from tests.devstack.test_console_browser import Staff, _texts, _wait_for, browser

pytestmark = pytest.mark.devstack
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_NAME = "workspace-assignment.png"
TARGET_S = 40  # long enough for the take-over to come first on a busy machine
__all__ = ["browser"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    env = {"CLAIMBOT_BUSINESS_HOURS": "always", "HANDOFF_IN_HOURS": "console",
           "HANDOFF_FIRST_RESPONSE_S": str(TARGET_S)}  # fmt: skip
    folder = tmp_path_factory.mktemp("devstack-assignment")
    with running_stack(folder, env, simulator=False) as running:
        yield {**running.urls, "demo logins": running.logins}


@pytest.fixture(scope="module")
def client(stack):
    return WeChatSimulatorClient(stack["webhook"], defaults.WECHAT_TOKEN, defaults.WECHAT_APP_ID,
                                 defaults.WECHAT_ENCODING_AES_KEY, mode="safe")  # fmt: skip


def _save_screenshot(page, tmp_path: Path) -> None:
    page.mouse.move(5, 300)  # no hover effects in the picture
    shot = tmp_path / SCREENSHOT_NAME
    page.screenshot(path=str(shot))
    targets = [ROOT / "test-artifacts" / SCREENSHOT_NAME]
    if os.environ.get("CLAIMBOT_UPDATE_README_SCREENSHOT") == "1":
        targets.append(ROOT / "docs" / SCREENSHOT_NAME)
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)


def _item(agent: Staff, code: str):
    return agent.page.locator(f"[data-testid=chat-item][data-code='{code}']")


def test_two_agents_each_get_a_chat_one_takes_over_and_the_timer_runs_out(
    stack, client, browser, tmp_path
):
    zhao, qian = Staff(browser, stack, "agent1"), Staff(browser, stack, "agent2")
    for agent in (zhao, qian):  # both signed in (their inbox polls) before anyone asks
        agent.by("inbox-view").wait_for()
        agent.by("presence-toggle").filter(has_text="接待中").wait_for()
    zhao.by("presence-online").filter(has_text="在线坐席 2").wait_for()

    asked = {}
    for n, question in enumerate(("我想改一下联系电话", "请问保单什么时候到期")):
        openid = f"o_assign_{n}_{uuid.uuid4().hex[:8]}"
        assert "人工客服" in client.send_text(openid, "人工").content
        assert client.send_text(openid, question) is None
        asked[short_code(openid)] = openid

    # Round-robin: each agent has one of them, as theirs and first in the list.
    owners = {}
    for agent in (zhao, qian):
        mine = agent.page.locator("[data-testid=chat-item][data-mine=true]")
        mine.first.wait_for()
        _wait_for(lambda a=agent: a.page.locator(
            "[data-testid=chat-item][data-assignee]").count() == 2 or None)  # fmt: skip
        assert mine.count() == 1
        owners[mine.get_attribute("data-code")] = agent
        first = agent.page.locator("[data-testid=chat-item]").first
        assert first.get_attribute("data-mine") == "true"
        assert "我的" in first.inner_text()
    assert set(owners) == set(asked) and set(owners.values()) == {zhao, qian}
    zhaos = next(code for code, a in owners.items() if a is zhao)
    qians = next(code for code, a in owners.items() if a is qian)

    # 钱客服 opens 赵客服's chat: read-only, with 接手; taking it over makes it theirs.
    _item(qian, zhaos).click()
    assert "赵客服" in qian.by("chat-owner-bar").inner_text()
    assert qian.by("chat-input").is_disabled() and qian.by("chat-end").is_disabled()
    qian.by("chat-take-over").click()
    qian.page.locator("[data-testid=chat-owner-bar][data-mine=true]").wait_for()
    assert "您已接手" in qian.by("chat-owner-bar").inner_text()
    box = qian.by("chat-input")
    assert not box.is_disabled()
    box.fill("您好，我是钱客服，请提供新的联系电话")
    qian.page.keyboard.press("Enter")
    qian.page.locator("[data-testid=chat-message][data-staff=agent2]").wait_for()
    told = _wait_for(lambda: [x for x in _texts(stack, asked[zhaos]) if x.startswith("【人工客服")])
    assert told == ["【人工客服 钱客服】您好，我是钱客服，请提供新的联系电话"]

    # 赵客服 sees it is 钱客服's now, and may no longer answer it.
    taken = _item(zhao, zhaos)
    zhao.page.locator(f"[data-testid=chat-item][data-code='{zhaos}'][data-mine=false]").wait_for()
    assert "钱客服" in taken.inner_text()
    taken.click()
    assert zhao.by("chat-input").is_disabled()
    assert zhao.by("chat-take-over").is_visible()

    # 钱客服's own first chat, unanswered, runs out of time: overdue, then 赵客服's (escalated).
    timer = _item(qian, qians).get_by_test_id("chat-timer")
    assert timer.get_attribute("data-clock") == "first_response"
    _item(qian, qians).click()
    head_timer = qian.page.locator("[data-testid=chat-head] [data-testid=chat-timer]")
    head_timer.and_(qian.page.locator("[data-overdue=true]")).wait_for(
        timeout=(TARGET_S + 30) * 1000)  # fmt: skip
    assert "超时" in head_timer.inner_text()
    escalated = zhao.page.locator(f"[data-testid=chat-item][data-code='{qians}'][data-mine=true]")
    escalated.wait_for(timeout=20_000)
    assert escalated.get_by_test_id("chat-timer").get_attribute("data-overdue") == "true"
    assert escalated.get_attribute("data-urgency") == "late"
    answered = _item(zhao, zhaos).get_by_test_id("chat-timer")
    assert answered.get_attribute("data-clock") == "resolution"
    assert answered.get_attribute("data-overdue") == "false"
    zhao.page.locator(f"[data-testid=chat-item][data-code='{qians}']").click()
    zhao.by("chat-input").wait_for()
    assert not zhao.by("chat-input").is_disabled()
    _save_screenshot(zhao.page, tmp_path)
    zhao.close()
    qian.close()
