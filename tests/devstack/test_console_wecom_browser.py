"""Staff sign in to the console the way they will in production: the console sends the browser
to WeCom's login page (here the WeCom emulator's, a trusted domain away), the member confirms,
WeCom sends the browser back with a single-use code, and the console shows them signed in with
the roles the staff table gives them. Members not on the list, or disabled by an operator with
`claimbot staff disable`, are told why; a planted link signs nobody in.

Chromium is Debian's (`make browser`), as in test_console_browser.py.
"""

from __future__ import annotations

import os
import subprocess

import pytest
import requests

from devstack.process import claimbot_command, running_stack
from tests.devstack.test_console_browser import browser

__all__ = ["browser"]  # the fixture, shared with the claims console's test

pytestmark = pytest.mark.devstack
VIEWPORT = {"width": 1280, "height": 800}
TOKEN_KEY = "claimbot.console.token"
# What would point `claimbot staff` at something other than the running stack.
OTHER_STACK = ("WECHAT_API_BASE", "AWS_ENDPOINT_URL", "CLAIMBOT_RESOURCE_PREFIX", "PYTHONPATH")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """`claimbot dev` on free ports, as `make run` starts it."""
    with running_stack(tmp_path_factory.mktemp("devstack-wecom-sign-in"), simulator=False,
                       seed=False) as running:  # fmt: skip
        yield running


def _console(stack) -> str:
    return stack.urls["webhook"].removesuffix("/wechat") + "/console"


def _exchanges(stack) -> int:
    calls = requests.get(f"{stack.urls['wecom-emulator']}/_emulator/calls",
                         params={"path": "auth/getuserinfo"}, timeout=5).json()  # fmt: skip
    return len(calls)


def _sign_in_through_wecom(browser, stack, userid: str):
    """A fresh browser: console → WeCom's login page → pick the member → back. The page."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.goto(_console(stack))
    page.get_by_test_id("wecom-sign-in").click()
    page.wait_for_url(f"{stack.urls['wecom-emulator']}/wwlogin/sso/login?*")
    assert "login_type=CorpApp" in page.url and "agentid=1000002" in page.url
    page.locator(f"[data-testid=wecom-user][data-userid='{userid}']").click()
    page.wait_for_url(f"{_console(stack)}*")
    return page


def _claimbot(stack, *args: str) -> subprocess.CompletedProcess[str]:
    """The operator's command against the running stack (found through its folder)."""
    env = {k: v for k, v in os.environ.items() if k not in OTHER_STACK}
    return subprocess.run([str(claimbot_command()), *args], cwd=stack.folder, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_a_supervisor_signs_in_through_wecom_and_lands_with_their_roles(stack, browser):
    errors: list[str] = []
    page = _sign_in_through_wecom(browser, stack, "supervisor-chen")
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.get_by_test_id("who").filter(has_text="陈主管 · 主管").wait_for()
    page.get_by_test_id("queue-view").wait_for()
    assert page.get_by_test_id("nav-inbox").is_visible()  # supervisors answer chats too
    assert "code=" not in page.url and "state=" not in page.url
    assert page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')")
    page.reload()  # the session outlives a reload
    page.get_by_test_id("who").filter(has_text="陈主管").wait_for()
    assert errors == []
    page.context.close()


def test_an_agent_signs_in_to_the_inbox(stack, browser):
    page = _sign_in_through_wecom(browser, stack, "oncall-wang")
    page.get_by_test_id("who").filter(has_text="王备班 · 坐席").wait_for()
    page.get_by_test_id("inbox-view").wait_for()
    assert not page.get_by_test_id("nav-queue").is_visible()
    page.context.close()


def test_a_member_not_on_the_staff_list_is_told_to_ask_for_access(stack, browser):
    added = requests.post(f"{stack.urls['wecom-emulator']}/_emulator/users",
                          json={"userid": "newcomer-zhao"}, timeout=5)  # fmt: skip
    assert added.status_code == 200
    page = _sign_in_through_wecom(browser, stack, "newcomer-zhao")
    page.get_by_test_id("signin-message").filter(has_text="还没有开通").wait_for()
    assert page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") is None
    page.context.close()


def test_an_operator_disables_a_member_and_they_can_no_longer_sign_in(stack, browser):
    done = _claimbot(stack, "staff", "disable", "oncall-li", "--reason", "moved to another team")
    assert done.returncode == 0, done.stderr
    assert "disabled" in done.stdout
    try:
        page = _sign_in_through_wecom(browser, stack, "oncall-li")
        page.get_by_test_id("signin-message").filter(has_text="已停用").wait_for()
        assert page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") is None
        page.context.close()
    finally:
        assert _claimbot(stack, "staff", "enable", "oncall-li").returncode == 0
    listed = _claimbot(stack, "staff", "list")
    assert "oncall-li" in listed.stdout and "enabled" in listed.stdout


def test_a_planted_code_signs_nobody_in_and_is_never_exchanged(stack, browser):
    before = _exchanges(stack)
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{_console(stack)}?code=planted-code&state=abc123")
    page.get_by_test_id("signin-message").filter(has_text="登录链接无效").wait_for()
    assert "code=" not in page.url
    assert page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") is None
    assert _exchanges(stack) == before
    context.close()
