"""Tickets page (工单) in a real browser (headless Chromium through Playwright), against the whole
local stack: a customer complains in WeChat and, asked for a number to call back on, gives one;
the supervisor on call is alerted in WeCom before the complaint's deadline (the alert's lead is
set longer than the 15-day deadline here, so it comes at once); a supervisor finds the ticket
with the callback number (masked, then in full on request), assigns it to an agent, adds a
note and closes it with what was done; every step is in the audit log. An adjuster sees no
complaints. With CLAIMBOT_UPDATE_README_SCREENSHOT=1 the test also saves the ticket as
docs/workspace-tickets.png.

Chromium is Debian's (`make browser`); Playwright's own browser download is not used.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

import pytest
import requests

from devstack import defaults
from devstack.process import running_stack
from devstack.simulator.client import WeChatSimulatorClient
from tests.devstack.test_console_audit_browser import _api
from tests.devstack.test_console_browser import (  # noqa: F401 (browser is a fixture)
    Staff,
    _wait_for,
    browser,
)

pytestmark = pytest.mark.devstack
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_NAME = "workspace-tickets.png"
PHONE = "13912345678"
NOTE = "已致电客户，解释定损标准，约定复核后再回电"
RESULT = "复核后补赔配件差价 300 元，客户表示满意"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    env = {"TICKET_ALERT_BEFORE_H": "400", "CLAIMBOT_SCHEDULE_EVERY_S": "2"}
    with running_stack(tmp_path_factory.mktemp("devstack-tickets"), env) as running:
        yield running.urls


def _wecom_texts(urls, userid: str) -> list[str]:
    res = requests.get(f"{urls['wecom-emulator']}/_emulator/messages", params={"touser": userid},
                       timeout=5)  # fmt: skip
    return [m["content"] for m in res.json()]


@pytest.fixture(scope="module")
def complaint(stack):
    """A customer complains in WeChat and leaves a callback number when asked; the ticket's
    number."""
    client = WeChatSimulatorClient(stack["webhook"], defaults.WECHAT_TOKEN, defaults.WECHAT_APP_ID,
                                   defaults.WECHAT_ENCODING_AES_KEY, mode="safe")  # fmt: skip
    openid = f"o_complain_{uuid.uuid4().hex[:8]}"
    asked = client.send_text(openid, "定损金额太低了，拖了半个月也不赔，我要投诉你们")
    words = asked.content or ""
    assert "非常抱歉" in words and "手机号" in words and "不用" in words
    ticket_no = re.search(r"编号 (TS\d+)", words).group(1)
    kept = client.send_text(openid, f"我的电话 {PHONE}")
    assert "139****5678" in kept.content and PHONE not in kept.content
    _wait_for(lambda: [t for t in _api(stack, "/tickets", "supervisor1")["tickets"]
                       if t["ticket_no"] == ticket_no and t["phone"]["masked"]],
              timeout_s=30)  # fmt: skip
    return ticket_no


def _save_screenshot(page, tmp_path: Path) -> None:
    """The ticket as a test artefact; with CLAIMBOT_UPDATE_README_SCREENSHOT=1 also the
    workspace guide's picture."""
    page.mouse.move(5, 300)  # no hover effects in the picture
    shot = tmp_path / SCREENSHOT_NAME
    page.screenshot(path=str(shot), full_page=True)
    targets = [ROOT / "test-artifacts" / SCREENSHOT_NAME]
    if os.environ.get("CLAIMBOT_UPDATE_README_SCREENSHOT") == "1":
        targets.append(ROOT / "docs" / SCREENSHOT_NAME)
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)


def test_a_supervisor_assigns_notes_and_closes_a_complaint_with_its_callback_number(
    stack, browser, complaint, tmp_path  # noqa: F811
):
    ticket_no = complaint
    # The on-call supervisor was told once, in WeCom, that the deadline is near.
    (alert,) = _wait_for(lambda: [x for x in _wecom_texts(stack, "supervisor-chen")
                                  if "【投诉即将到期】" in x and ticket_no in x],
                         timeout_s=30)  # fmt: skip
    assert PHONE not in alert  # masked when it is there (the alert may come before it, here)

    supervisor = Staff(browser, stack, "supervisor1")
    page = supervisor.page
    try:
        supervisor.by("nav-tickets").click()
        supervisor.by("ticket-filter-kind").select_option("sensitive")
        card = page.locator(f"[data-testid=ticket-item][data-ticket='{ticket_no}']")
        card.wait_for()
        assert card.get_by_test_id("ticket-kind").inner_text() == "投诉/敏感"
        assert "期限" in card.get_by_test_id("ticket-due").inner_text()
        assert card.get_attribute("data-due-soon") == "true"
        assert "已提醒主管" in card.get_by_test_id("ticket-alerted").inner_text()
        assert "投诉" in card.get_by_test_id("ticket-summary").inner_text()
        assert card.get_by_test_id("ticket-phone-masked").inner_text() == "139****5678"

        card.get_by_test_id("ticket-assignee").select_option("agent1")
        card.get_by_test_id("ticket-assign").click()
        _wait_for(lambda: "赵客服" in card.get_by_test_id("ticket-assignee-name").inner_text())
        card.get_by_test_id("ticket-note-text").fill(NOTE)
        card.get_by_test_id("ticket-note-add").click()
        card.get_by_test_id("ticket-note").filter(has_text=NOTE).wait_for()
        assert "陈主管" in card.get_by_test_id("ticket-note").first.inner_text()
        _save_screenshot(page, tmp_path)
        card.get_by_test_id("ticket-phone-reveal").click()  # audited
        assert card.get_by_test_id("ticket-phone-full").inner_text() == PHONE

        card.get_by_test_id("ticket-close").click()
        card.get_by_test_id("ticket-outcome-resolved").check()
        card.get_by_test_id("ticket-close-submit").click()  # a complaint says what was done
        assert "至少" in card.get_by_test_id("ticket-close-error").inner_text()
        card.get_by_test_id("ticket-reason").fill(RESULT)
        card.get_by_test_id("ticket-close-submit").click()
        supervisor.by("confirm-dialog").wait_for()
        summary = supervisor.by("confirm-body").inner_text()
        assert ticket_no in summary and "已处理" in summary and RESULT in summary
        supervisor.by("confirm-ok").click()
        card.get_by_test_id("ticket-closed").wait_for()
        assert card.get_by_test_id("ticket-outcome").inner_text() == "已处理"
        assert RESULT in card.get_by_test_id("ticket-closed-reason").inner_text()
        assert "已结案" in supervisor.by("banner").inner_text()
    finally:
        supervisor.close()

    entries = [e for e in _api(stack, "/audit?kind=tickets", "auditor1")["entries"]
               if e["target"].get("id") == ticket_no]  # fmt: skip
    assert sorted(e["action"] for e in entries) == sorted(
        ["ticket.phone", "ticket.assign", "ticket.note", "ticket.close:resolved"])
    assert {e["who"] for e in entries} == {"supervisor1"}
    alerts = [x for x in _wecom_texts(stack, "supervisor-chen")
              if ticket_no in x and "【投诉即将到期】" in x]  # fmt: skip
    assert len(alerts) == 1  # once a ticket, however often the watchdog runs


def test_an_adjuster_sees_no_complaints_and_an_agent_finds_theirs(
    stack, browser, complaint  # noqa: F811
):
    adjuster = Staff(browser, stack, "adjuster1")
    try:
        adjuster.by("nav-tickets").click()
        adjuster.by("tickets-view").wait_for()
        kinds = adjuster.by("ticket-filter-kind").locator("option").all_inner_texts()
        assert "投诉/敏感" not in kinds and "查勘超时" in kinds
        assert adjuster.page.locator("[data-testid=ticket-item][data-kind=sensitive]").count() == 0
    finally:
        adjuster.close()
    agent = Staff(browser, stack, "agent1")
    try:
        agent.by("nav-tickets").click()
        agent.by("ticket-filter-status").select_option("all")
        agent.by("ticket-filter-assignee").select_option("me")
        card = agent.page.locator(f"[data-testid=ticket-item][data-ticket='{complaint}']")
        card.wait_for()
        assert "assignee=me" in agent.page.url and "status=all" in agent.page.url
        assert card.get_attribute("data-status") == "closed"  # closed by the supervisor
    finally:
        agent.close()
