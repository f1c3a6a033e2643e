"""The agents' inbox (人工客服) in a real browser (headless Chromium through Playwright), against
the whole local stack with people answering in the console (HANDOFF_IN_HOURS=console, business
hours around the clock): a bound customer asks for a person over WeChat, the agent sees the chat
in the list, opens it, answers, and the customer gets the answer in WeChat; new messages arrive
without a reload and leave the agent's draft alone; the agent ends the chat and the customer is
told. A chat a colleague ended meanwhile is refused on screen.

Started as tests/devstack/test_console_browser.py starts the stack; Debian's Chromium.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
import requests

from chalicelib.domain.handoff import short_code
from devstack import defaults
from devstack.process import running_stack
from devstack.simulator.client import WeChatSimulatorClient
from tests.devstack.test_console_browser import Staff, _console_url, _texts, _wait_for, browser

pytestmark = pytest.mark.devstack
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_NAME = "console-inbox.png"
__all__ = ["browser"]  # the fixture, shared with the claims console's test


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """`claimbot dev` on free ports, people answering in the console at any hour."""
    env = {"CLAIMBOT_BUSINESS_HOURS": "always", "HANDOFF_IN_HOURS": "console"}
    folder = tmp_path_factory.mktemp("devstack-inbox")
    with running_stack(folder, env, simulator=False) as running:
        assert {"webhook", "wechat-emulator"} <= running.urls.keys() and running.logins
        yield {**running.urls, "demo logins": running.logins}


@pytest.fixture(scope="module")
def client(stack):
    return WeChatSimulatorClient(stack["webhook"], defaults.WECHAT_TOKEN, defaults.WECHAT_APP_ID,
                                 defaults.WECHAT_ENCODING_AES_KEY, mode="safe")  # fmt: skip


def _ask_for_a_person(client, openid: str, question: str) -> None:
    assert "人工客服" in client.send_text(openid, "人工").content
    assert client.send_text(openid, question) is None  # for the agent, no bot answer


def _save_screenshot(page, tmp_path: Path) -> Path:
    page.mouse.move(5, 300)  # no hover effects in the picture
    shot = tmp_path / SCREENSHOT_NAME
    page.screenshot(path=str(shot))
    target = ROOT / "test-artifacts" / SCREENSHOT_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, target)
    return shot


def test_an_agent_answers_a_customer_and_ends_the_chat(stack, client, browser, tmp_path):
    urls = stack
    _policy_no, plate, last6, salutation = urls["demo logins"][1]
    openid = f"o_inbox_{uuid.uuid4().hex[:8]}"
    client.send_text(openid, "理赔进度")
    client.send_text(openid, plate)
    assert client.send_text(openid, last6).content.startswith(f"{salutation}，绑定成功")
    question = "我的车修好了吗？什么时候能拿到赔款"
    _ask_for_a_person(client, openid, question)
    code = short_code(openid)

    # Signed in, an agent lands in the inbox: the customer waits there, with the masked facts.
    agent = Staff(browser, urls, "agent1")
    page = agent.page
    agent.by("inbox-view").wait_for()
    assert agent.by("who").inner_text().startswith("赵客服")
    assert agent.by("nav-inbox").is_visible() and not agent.by("nav-queue").is_visible()
    item = page.locator(f"[data-testid=chat-item][data-code='{code}']")
    item.wait_for()
    assert item.get_attribute("data-state") == "waiting"
    assert salutation in item.inner_text() and "等待中" in item.inner_text()
    assert question in agent.by("chat-preview").first.inner_text()
    item.click()
    assert agent.by("chat-name").inner_text() == salutation
    assert "保单" in agent.by("chat-context").inner_text()
    assert plate not in agent.by("chat-context").inner_text()  # masked
    customer = page.locator("[data-testid=chat-message][data-direction=in]")
    assert customer.last.inner_text().endswith(question)

    # Two lines (Shift+Enter), sent with Enter; the customer gets them in WeChat.
    box = agent.by("chat-input")
    assert box.evaluate("el => el === document.activeElement")  # opening the chat focused it
    box.press_sequentially("您好，欧阳女士")
    page.keyboard.press("Shift+Enter")
    box.press_sequentially("车辆还在维修中，修好后会通知您")
    answer = "您好，欧阳女士\n车辆还在维修中，修好后会通知您"
    assert agent.by("chat-counter").inner_text() == f"{len(answer)}/1000"
    page.keyboard.press("Enter")
    mine = page.locator("[data-testid=chat-message][data-staff=agent1]")
    mine.wait_for()
    assert answer in mine.inner_text() and "agent1" in mine.inner_text()
    assert box.input_value() == "" and agent.by("chat-counter").inner_text() == "0/1000"
    page.locator("[data-testid=chat-state][data-state=active]").first.wait_for()
    told = _wait_for(lambda: [x for x in _texts(urls, openid) if x.startswith("【人工客服")])
    assert told == [f"【人工客服 赵客服】{answer}"]

    # The customer writes back: it shows up by itself, and what the agent is typing stays.
    box.fill("稍等，我帮您查一下")
    assert client.send_text(openid, "好的，大概还要几天？") is None
    customer.filter(has_text="大概还要几天").wait_for(timeout=10_000)
    assert box.input_value() == "稍等，我帮您查一下"
    assert page.locator("[data-testid=chat-message][data-staff=agent1]").count() == 1  # once
    _save_screenshot(page, tmp_path)

    # Ending asks first (and says the draft will not be sent); the customer is told.
    agent.by("chat-end").click()
    agent.by("confirm-dialog").wait_for()
    assert code in agent.by("confirm-body").inner_text()
    assert agent.by("confirm-unsent").is_visible()
    agent.by("confirm-ok").click()
    agent.by("chat-pane-notice").wait_for()
    item.wait_for(state="detached")
    agent.by("inbox-empty").wait_for()
    assert "暂无等待的客户" in agent.by("inbox-empty").inner_text()
    _wait_for(lambda: [x for x in _texts(urls, openid) if "已结束" in x])
    agent.close()


def test_a_chat_a_colleague_ended_meanwhile_is_refused_on_screen(stack, client, browser):
    urls = stack
    openid = f"o_inbox_{uuid.uuid4().hex[:8]}"
    _ask_for_a_person(client, openid, "我想改一下联系电话")
    code = short_code(openid)
    agent = Staff(browser, urls, "agent1")
    page = agent.page
    page.locator(f"[data-testid=chat-item][data-code='{code}']").click()
    assert agent.by("chat-name").inner_text() == "客户"  # not bound: no name to show
    assert "未绑定保单" in agent.by("chat-context").inner_text()

    # A supervisor ends it while the agent's list is out of date (its refreshes held back).
    page.route("**/console/api/chats", lambda route: route.abort())
    api = _console_url(urls) + "/api"
    token = requests.post(f"{api}/dev-login", json={"user": "supervisor1"}, timeout=5).json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    (chat,) = [c for c in requests.get(f"{api}/chats", headers=headers, timeout=5).json()["chats"]
               if c["code"] == code]  # fmt: skip
    assert requests.post(f"{api}/chats/{chat['id']}/end", headers=headers, timeout=5).ok

    agent.by("chat-input").fill("请问新的号码是？")
    agent.by("chat-send").click()
    notice = agent.by("chat-notice")
    notice.wait_for()
    assert "该会话已结束" in notice.inner_text()
    assert agent.by("chat-input").is_disabled() and agent.by("chat-end").is_disabled()
    page.unroute("**/console/api/chats")
    page.locator(f"[data-testid=chat-item][data-code='{code}']").wait_for(state="detached")
    assert not [x for x in _texts(urls, openid) if "新的号码" in x]
    agent.close()


def test_the_inbox_is_for_agents_and_supervisors(stack, browser):
    urls = stack
    supervisor = Staff(browser, urls, "supervisor1")
    supervisor.by("queue-view").wait_for()
    supervisor.by("nav-inbox").click()
    supervisor.by("inbox-view").wait_for()
    supervisor.by("nav-queue").click()
    supervisor.by("queue-view").wait_for()
    supervisor.close()

    adjuster = Staff(browser, urls, "adjuster1")
    adjuster.by("queue-view").wait_for()
    assert not adjuster.by("nav-inbox").is_visible()
    adjuster.page.goto(f"{_console_url(urls)}#/inbox")
    adjuster.by("forbidden-view").wait_for()
    adjuster.close()

    agent = Staff(browser, urls, "agent1")  # a claim's link: no access, and the way back
    agent.by("inbox-view").wait_for()
    agent.page.goto(f"{_console_url(urls)}#/claim/RDAA0000000000000000")
    agent.by("forbidden-view").wait_for()
    assert "没有查看赔案的权限" in agent.by("forbidden-view").inner_text()
    agent.by("forbidden-to-inbox").click()
    agent.by("inbox-view").wait_for()
    agent.close()
