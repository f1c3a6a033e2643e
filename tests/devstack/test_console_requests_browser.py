"""Customers' requests page in a real browser (headless Chromium through Playwright), against the
whole local stack: a customer asks 删除我的信息 in WeChat and confirms; a supervisor finds the
request on the page with its deadline and a link to the customer's records, closes it as done in
part with the reason, confirms, and sees it among the closed ones; the customer reads the answer
in WeChat; the closing is in the audit log. An agent is shown the forbidden page.

Chromium is Debian's (`make browser`); Playwright's own browser download is not used.
"""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from devstack import defaults
from devstack.process import running_stack
from devstack.simulator.client import WeChatSimulatorClient
from tests.devstack.test_console_audit_browser import _api
from tests.devstack.test_console_browser import (  # noqa: F401 (browser is a fixture)
    Staff,
    _console_url,
    _texts,
    _wait_for,
    browser,
)

pytestmark = pytest.mark.devstack
REASON = "保单和理赔资料依《保险法》须保存至合同终止后五年"
NOTE = "核心系统和备份中的聊天记录已删除；已电话告知客户"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("devstack-requests")) as running:
        yield running.urls


@pytest.fixture(scope="module")
def erase_request(stack):
    """A customer asks to delete their information and confirms; (openid, ticket number)."""
    urls = stack
    client = WeChatSimulatorClient(urls["webhook"], defaults.WECHAT_TOKEN, defaults.WECHAT_APP_ID,
                                   defaults.WECHAT_ENCODING_AES_KEY, mode="safe")  # fmt: skip
    openid = f"o_erase_{uuid.uuid4().hex[:8]}"
    asked = client.send_text(openid, "删除我的信息")
    assert asked is not None and "确认删除" in (asked.content or "")
    confirmed = client.send_text(openid, "确认删除")
    words = (confirmed.content if confirmed else "") or ""
    if "受理编号" not in words:  # answered through the outbox instead
        (words,) = _wait_for(lambda: [x for x in _texts(urls, openid) if "受理编号" in x])
    ticket_no = re.search(r"受理编号 (TD\d+)", words).group(1)
    _wait_for(lambda: [r for r in _api(urls, "/requests", "supervisor1")["requests"]
                       if r["ticket_no"] == ticket_no], timeout_s=30)  # fmt: skip
    return openid, ticket_no


def test_a_supervisor_closes_a_deletion_request_in_part_and_the_customer_is_told(
    stack, browser, erase_request  # noqa: F811
):
    urls = stack
    openid, ticket_no = erase_request
    supervisor = Staff(browser, urls, "supervisor1")
    page = supervisor.page
    try:
        supervisor.by("nav-requests").click()
        item = page.locator(f"[data-testid=request-item][data-ticket='{ticket_no}']")
        item.wait_for()
        assert "删除我的信息" in item.inner_text()
        assert item.get_attribute("data-overdue") == "false"
        assert "办理期限" in item.get_by_test_id("request-due").inner_text()
        link = item.get_by_test_id("request-records").get_attribute("href")
        assert link == f"#/records?by=openid&value={openid}"

        item.get_by_test_id("request-close").click()
        form = item.get_by_test_id("close-form")
        assert "发送给客户" in form.get_by_test_id("close-reason-hint").inner_text()
        form.get_by_test_id("close-outcome-partly").check()
        form.get_by_test_id("close-submit").click()  # a partial outcome needs its reason
        assert "原因" in form.get_by_test_id("close-error").inner_text()
        form.get_by_test_id("close-reason").fill(REASON)
        form.get_by_test_id("close-note").fill(NOTE)
        form.get_by_test_id("close-submit").click()

        dialog = supervisor.by("confirm-dialog")
        dialog.wait_for()
        summary = dialog.inner_text()
        assert "部分办理" in summary and REASON in summary and ticket_no in summary
        supervisor.by("confirm-ok").click()

        closed = page.locator(f"[data-testid=closed-item][data-ticket='{ticket_no}']")
        closed.wait_for()
        assert closed.get_by_test_id("closed-outcome").inner_text() == "部分办理"
        assert REASON in closed.get_by_test_id("closed-reason").inner_text()
        assert "陈主管" in closed.inner_text()
        assert item.count() == 0
        assert "已结案" in supervisor.by("banner").inner_text()
        assert supervisor.errors == []
    finally:
        supervisor.context.close()

    (told,) = _wait_for(lambda: [x for x in _texts(urls, openid) if "已部分办理" in x])
    assert REASON in told and ticket_no in told
    closings = [e for e in _api(urls, "/audit?kind=data_requests", "auditor1")["entries"]
                if e["target"].get("id") == ticket_no]  # fmt: skip
    assert [e["action"] for e in closings] == ["data_request.close:partly"]
    assert closings[0]["detail"]["reason"] == REASON and closings[0]["who"] == "supervisor1"


def test_an_agent_is_shown_the_forbidden_page(stack, browser):  # noqa: F811
    agent = Staff(browser, stack, "agent1")
    try:
        agent.by("nav-inbox").wait_for()
        assert agent.by("nav-requests").count() == 0
        agent.page.goto(f"{agent.page.url.split('#')[0]}#/requests")
        denied = agent.page.locator("[data-testid=forbidden-view][data-denied=requests]")
        denied.wait_for()
        assert "客户信息请求" in denied.inner_text()
    finally:
        agent.context.close()
    base = _console_url(stack) + "/api"
    token = requests.post(f"{base}/dev-login", json={"user": "agent1"}, timeout=10).json()["token"]
    res = requests.get(f"{base}/requests", headers={"Authorization": f"Bearer {token}"},
                       timeout=10)  # fmt: skip
    assert res.status_code == 403 and "supervisors and auditors may" in res.json()["error"]
