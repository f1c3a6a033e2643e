"""智能推荐 and 快捷回复 in a real browser (headless Chromium), against the whole local stack
with people answering in the console: the knowledge base's candidates show beside the
customer's message, one click sends one (the customer gets it in WeChat), 编辑 puts one in the
reply box; a supervisor writes a canned reply with placeholders on 快捷回复, and an agent finds
it while typing "/" and sends it with the customer's name filled in. Saves the workspace guide's
pictures (docs/workspace-assist.png, docs/workspace-canned.png) with
CLAIMBOT_UPDATE_README_SCREENSHOT=1.

Started as tests/devstack/test_console_inbox_browser.py starts the stack; Debian's Chromium.
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
__all__ = ["browser"]  # the fixture, shared with the claims console's test


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """`claimbot dev` on free ports, people answering in the console at any hour."""
    env = {"CLAIMBOT_BUSINESS_HOURS": "always", "HANDOFF_IN_HOURS": "console"}
    folder = tmp_path_factory.mktemp("devstack-assist")
    with running_stack(folder, env, simulator=False) as running:
        assert {"webhook", "wechat-emulator"} <= running.urls.keys() and running.logins
        yield {**running.urls, "demo logins": running.logins}


@pytest.fixture(scope="module")
def client(stack):
    return WeChatSimulatorClient(stack["webhook"], defaults.WECHAT_TOKEN, defaults.WECHAT_APP_ID,
                                 defaults.WECHAT_ENCODING_AES_KEY, mode="safe")  # fmt: skip


def _save_screenshot(page, tmp_path: Path, name: str) -> None:
    """A test artefact; with CLAIMBOT_UPDATE_README_SCREENSHOT=1 also docs/<name>."""
    page.mouse.move(5, 300)  # no hover effects in the picture
    shot = tmp_path / name
    page.screenshot(path=str(shot))
    targets = [ROOT / "test-artifacts" / name]
    if os.environ.get("CLAIMBOT_UPDATE_README_SCREENSHOT") == "1":
        targets.append(ROOT / "docs" / name)
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)


def _bound(client, stack, openid: str) -> str:
    _policy_no, plate, last6, salutation = stack["demo logins"][1]
    client.send_text(openid, "理赔进度")
    client.send_text(openid, plate)
    assert client.send_text(openid, last6).content.startswith(f"{salutation}，绑定成功")
    return salutation


def _open_chat(agent: Staff, openid: str) -> None:
    item = agent.page.locator(f"[data-testid=chat-item][data-code='{short_code(openid)}']")
    item.click()
    agent.by("chat-pane").and_(agent.page.locator("[data-chat-id]")).wait_for()


def test_candidates_beside_the_customers_message_are_sent_with_one_click(
    stack, client, browser, tmp_path
):
    urls = stack
    openid = f"o_assist_{uuid.uuid4().hex[:8]}"
    assert "人工客服" in client.send_text(openid, "人工").content
    assert client.send_text(openid, "交强险多少钱") is None
    agent = Staff(browser, urls, "agent1")
    page = agent.page
    _open_chat(agent, openid)

    # The latest customer message is picked and its candidates listed, best first.
    panel = agent.by("assist-panel")
    first = page.locator("[data-testid=assist-candidate]").first
    first.wait_for()
    assert first.get_attribute("data-entry") == "jqx_price"
    assert "交强险多少钱" in agent.by("assist-message").inner_text()
    picked = page.locator("[data-testid=chat-message][data-picked=true]")
    assert picked.inner_text().endswith("交强险多少钱")
    assert 1 < page.locator("[data-testid=assist-candidate]").count() <= 10
    answer = first.locator(".assist-a").inner_text()
    _save_screenshot(page, tmp_path, "workspace-assist.png")

    first.get_by_test_id("assist-send").click()  # one click: sent as it is
    told = _wait_for(lambda: [x for x in _texts(urls, openid) if x.startswith("【人工客服")])
    assert told == [f"【人工客服 赵客服】{answer}"]
    page.locator("[data-testid=chat-message][data-staff=agent1]").wait_for()

    # A second question: the panel follows it; 编辑 puts an answer in the reply box to edit.
    assert client.send_text(openid, "退保怎么退") is None
    page.locator("[data-testid=chat-message][data-picked=true]", has_text="退保怎么退").wait_for(
        timeout=10_000)  # fmt: skip
    candidate = page.locator("[data-testid=assist-candidate][data-entry=cancel_policy]")
    candidate.wait_for()
    candidate.get_by_test_id("assist-edit").click()
    box = agent.by("chat-input")
    assert box.input_value() == candidate.locator(".assist-a").inner_text()
    box.press("End")
    box.press_sequentially("还有其他问题吗？")
    page.keyboard.press("Enter")
    edited = _wait_for(lambda: [x for x in _texts(urls, openid) if x.endswith("还有其他问题吗？")])
    assert edited[0].startswith("【人工客服 赵客服】")

    # Picking the earlier message shows its candidates again.
    page.locator("[data-testid=chat-message][data-direction=in]", has_text="交强险多少钱").click()
    assert "交强险多少钱" in agent.by("assist-message").inner_text()
    page.locator("[data-testid=assist-candidate]").first.wait_for()
    assert panel.get_attribute("data-message-id")
    agent.close()


def test_a_canned_reply_is_found_while_typing_and_sent_with_the_customers_name(
    stack, client, browser, tmp_path
):
    urls = stack
    supervisor = Staff(browser, urls, "supervisor1")
    page = supervisor.page
    supervisor.by("nav-canned").click()
    supervisor.by("canned-view").wait_for()
    supervisor.by("canned-new").click()
    supervisor.by("canned-title").fill("理赔材料提醒")
    supervisor.by("canned-shortcut").fill("clzl")
    supervisor.by("canned-category").fill("理赔")
    supervisor.by("canned-text").fill("您好，")
    page.locator("[data-testid=canned-placeholder]", has_text="{称呼}").click()
    supervisor.by("canned-text").press("End")
    supervisor.by("canned-text").press_sequentially("，我是坐席")
    page.locator("[data-testid=canned-placeholder]", has_text="{坐席}").click()
    supervisor.by("canned-text").press("End")
    supervisor.by("canned-text").press_sequentially("。请在微信里发送事故照片即可，无需到店。")
    assert supervisor.by("canned-text").input_value() == (
        "您好，{称呼}，我是坐席{坐席}。请在微信里发送事故照片即可，无需到店。")  # fmt: skip
    supervisor.by("canned-save").click()
    row = page.locator("[data-testid=canned-row]", has_text="理赔材料提醒")
    row.wait_for()
    # One with a placeholder the server cannot fill is flagged.
    supervisor.by("canned-new").click()
    supervisor.by("canned-title").fill("核对车牌")
    supervisor.by("canned-text").fill("请确认您的车牌是否为{车牌}")
    assert "{车牌}" in supervisor.by("canned-unknown").inner_text()
    supervisor.by("canned-save").click()
    page.locator("[data-testid=canned-row]", has_text="核对车牌").wait_for()
    assert "需坐席手动填写" in page.locator("[data-testid=canned-row]",
                                           has_text="核对车牌").inner_text()  # fmt: skip
    _save_screenshot(page, tmp_path, "workspace-canned.png")
    supervisor.close()

    openid = f"o_canned_{uuid.uuid4().hex[:8]}"
    salutation = _bound(client, stack, openid)
    assert "人工客服" in client.send_text(openid, "人工").content
    assert client.send_text(openid, "理赔要准备什么材料") is None
    agent = Staff(browser, urls, "agent1")
    page = agent.page
    _open_chat(agent, openid)
    box = agent.by("chat-input")
    box.press_sequentially("/clzl")  # typing "/" and the shortcut lists it
    option = page.locator("[data-testid=canned-option]").first
    option.wait_for()
    assert "理赔材料提醒" in option.inner_text()
    page.keyboard.press("Enter")  # the highlighted reply goes in the box, filled
    filled = f"您好，{salutation}，我是坐席赵客服。请在微信里发送事故照片即可，无需到店。"
    assert box.input_value() == filled
    assert not agent.by("canned-unfilled").is_visible()
    page.keyboard.press("Enter")
    told = _wait_for(lambda: [x for x in _texts(urls, openid) if x.startswith("【人工客服")])
    assert told == [f"【人工客服 赵客服】{filled}"]

    # The search box finds the other; its unknown placeholder blocks sending until replaced.
    agent.by("canned-open").click()
    agent.by("canned-search").press_sequentially("车牌")
    page.locator("[data-testid=canned-option]", has_text="核对车牌").click()
    assert box.input_value() == "请确认您的车牌是否为{车牌}"
    assert "{车牌}" in agent.by("canned-unfilled").inner_text()
    assert agent.by("chat-send").is_disabled()
    box.fill("请确认您的车牌是否为粤B·***45")
    assert not agent.by("canned-unfilled").is_visible() and agent.by("chat-send").is_enabled()
    agent.close()
