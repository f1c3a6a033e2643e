"""The adjusters' console in a real browser (headless Chromium through Playwright), against the
whole local stack: a customer sends five photos over WeChat, an adjuster opens the claim from the
queue, looks at the photos, asks for a re-shoot, and the customer is told in WeChat. A decision
made on a claim someone else has just decided is refused on screen.

Chromium is Debian's (`make browser`); Playwright's own browser download is not used.
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
from tests.devstack.waiting import wait_for

pytestmark = pytest.mark.devstack
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_NAME = "console-claim.png"
VIEWPORT = {"width": 1440, "height": 900}
ALL_PHOTOS_LOADED = """() => [1, 2, 3, 4, 5]
  .map(n => document.querySelector(`[data-testid=photo-open-${n}] img`))
  .every(img => img && img.complete && img.naturalWidth > 0)"""


def _wait_for(predicate, timeout_s: float = 15.0):
    return wait_for(predicate, timeout_s)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """`claimbot dev` on free ports, as `make run` starts it."""
    with running_stack(tmp_path_factory.mktemp("devstack-console")) as running:
        assert {"webhook", "wechat-emulator", "simulator", "aws"} <= running.urls.keys()
        yield running.proc, {**running.urls, "demo logins": running.logins}, running.folder


def _texts(urls, openid):
    res = requests.get(
        f"{urls['wechat-emulator']}/_emulator/messages", params={"touser": openid}, timeout=5
    )
    return [m["payload"]["text"]["content"] for m in res.json() if m.get("msgtype") == "text"]


@pytest.fixture(scope="module")
def survey(stack):
    """A bound customer reports an accident and sends the five photos at once, as in
    test_self_survey_five_photos_at_once_through_the_whole_stack; (openid, claim_no)."""
    from devstack.scenarios import photo_messages, report_accident, send_at_once, survey_set

    _, urls, _ = stack
    client = WeChatSimulatorClient(
        urls["webhook"],
        defaults.WECHAT_TOKEN,
        defaults.WECHAT_APP_ID,
        defaults.WECHAT_ENCODING_AES_KEY,
        mode="safe",
    )
    _policy_no, plate, last6, _salutation = urls["demo logins"][0]
    openid = f"o_console_{uuid.uuid4().hex[:8]}"
    claim_no = report_accident(client, openid, plate, last6)
    send_at_once(client, openid, photo_messages(client, urls["wechat-emulator"], openid,
                                                survey_set(31)))  # fmt: skip

    (done,) = _wait_for(lambda: [x for x in _texts(urls, openid) if "全部收到" in x], timeout_s=60)
    assert claim_no in done
    return openid, claim_no


@pytest.fixture(scope="module")
def second_survey(stack):
    """Another customer's claim with its five photos in, for the sign-off test."""
    from devstack.scenarios import photo_messages, report_accident, send_at_once, survey_set

    _, urls, _ = stack
    client = WeChatSimulatorClient(urls["webhook"], defaults.WECHAT_TOKEN, defaults.WECHAT_APP_ID,
                                   defaults.WECHAT_ENCODING_AES_KEY, mode="safe")  # fmt: skip
    _policy_no, plate, last6, _salutation = urls["demo logins"][1]
    openid = f"o_console_{uuid.uuid4().hex[:8]}"
    claim_no = report_accident(client, openid, plate, last6)
    send_at_once(client, openid, photo_messages(client, urls["wechat-emulator"], openid,
                                                survey_set(32)))  # fmt: skip
    _wait_for(lambda: [x for x in _texts(urls, openid) if "全部收到" in x], timeout_s=60)
    return openid, claim_no


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("the console's browser test needs Chromium: run `make browser`")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


def _console_url(urls) -> str:
    webhook = urls["webhook"]
    assert webhook.endswith("/wechat")
    return webhook[: -len("/wechat")] + "/console"


class Staff:
    """One member of staff in their own browser context (own sessionStorage, own token)."""

    def __init__(self, browser, urls, user_id: str) -> None:
        self.context = browser.new_context(
            viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        # The page's Content-Security-Policy must not block anything it needs (photos, API).
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if "Content Security Policy" in m.text else None)  # fmt: skip
        self.page.goto(_console_url(urls))
        self.page.locator(f"[data-testid=dev-user][data-user-id='{user_id}']").click()

    def by(self, testid: str):
        return self.page.get_by_test_id(testid)

    def open_claim(self, claim_no: str) -> None:
        self.page.goto(f"{self.page.url.split('#')[0]}#/claim/{claim_no}")
        self.by("claim-no").filter(has_text=claim_no).wait_for()

    def version(self) -> int:
        return int(self.by("claim-view").get_attribute("data-version"))

    def decide(self, action: str, fill, confirming: str = "") -> None:
        """Pick an action tab, fill its form, send and confirm."""
        self.by(f"action-tab-{action}").click()
        fill(self.page)
        self.by("action-submit").click()
        self.by("confirm-dialog").wait_for()
        assert confirming in self.by("confirm-body").inner_text()
        self.by("confirm-ok").click()

    def close(self) -> None:
        assert self.errors == [], self.errors
        self.context.close()


def _save_screenshot(page, tmp_path: Path) -> Path:
    """The claim page, full length, as a test artefact (test-artifacts/); with
    CLAIMBOT_UPDATE_README_SCREENSHOT=1 also the README's docs/console.png."""
    page.mouse.move(5, 300)  # no hover effects in the picture
    shot = tmp_path / SCREENSHOT_NAME
    page.screenshot(path=str(shot), full_page=True)
    targets = [ROOT / "test-artifacts" / SCREENSHOT_NAME]
    if os.environ.get("CLAIMBOT_UPDATE_README_SCREENSHOT") == "1":
        targets.append(ROOT / "docs" / "console.png")
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)
    return shot


def test_an_adjuster_reviews_the_photos_and_asks_for_a_reshoot(stack, survey, browser, tmp_path):
    _, urls, _ = stack
    openid, claim_no = survey
    adjuster = Staff(browser, urls, "adjuster1")
    page = adjuster.page

    # The queue, oldest first: the customer's claim is there with its five photos.
    row = page.locator(f"[data-testid=queue-row][data-claim-no='{claim_no}']")
    row.wait_for()
    assert "5/5" in row.inner_text()
    artefacts = ROOT / "test-artifacts"
    artefacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artefacts / "console-queue.png"))
    assert adjuster.by("who").inner_text().startswith("李理赔")
    row.click()

    # The claim: five labelled photos, every image actually loaded from its pre-signed link.
    adjuster.by("claim-no").filter(has_text=claim_no).wait_for()
    page.wait_for_function(ALL_PHOTOS_LOADED, timeout=30_000)
    for slot in range(1, 6):
        card = adjuster.by(f"photo-slot-{slot}")
        assert card.is_visible()
        assert card.locator("img").evaluate("img => img.naturalWidth") > 0
    assert "车尾45°" in adjuster.by("photo-slot-2").inner_text()
    assert "清晰度" in adjuster.by("photo-qc-1").inner_text()
    assert adjuster.by("vin").is_visible()  # the VIN photo's read
    assert "深圳市南山区科技园南路" in adjuster.by("accident-place").inner_text()
    assert adjuster.by("policy").is_visible() and adjuster.by("timeline").is_visible()
    assert "全部收到" in adjuster.by("conversation").inner_text()

    # The viewer: full size, zoom, ←/→ between photos, Esc closes.
    adjuster.by("photo-open-1").click()
    viewer = adjuster.by("viewer")
    viewer.wait_for()
    page.wait_for_function("() => document.querySelector('#viewer-img').naturalWidth > 0")
    assert adjuster.by("viewer-title").inner_text().startswith("1 车头45°")
    before = adjuster.by("viewer-zoom").inner_text()
    adjuster.by("viewer-zoom-in").click()
    assert adjuster.by("viewer-zoom").inner_text() != before
    page.keyboard.press("ArrowRight")
    assert adjuster.by("viewer-title").inner_text().startswith("2 车尾45°")
    page.keyboard.press("Escape")
    viewer.wait_for(state="hidden")

    shot = _save_screenshot(page, tmp_path)
    assert shot.stat().st_size > 10_000

    # Re-shoot photo 2, blurred: confirmed, sent, the claim reloaded with a new version.
    version = adjuster.version()

    def photo_two_blurred(p):
        p.get_by_test_id("reshoot-check-2").check()
        p.get_by_test_id("reshoot-reason-2").select_option("blurred")

    adjuster.decide("reshoot", photo_two_blurred, confirming="第2张 车尾45°：照片模糊")
    adjuster.by("action-ok").wait_for()
    page.wait_for_function(
        f"() => Number(document.querySelector('[data-testid=claim-view]')"
        f".dataset.version) > {version}"
    )

    # The customer is told in WeChat which photo to take again and why.
    def reshoot_asked():
        return [x for x in _texts(urls, openid) if "第2张" in x and ("补拍" in x or "重拍" in x)]

    (asked,) = _wait_for(reshoot_asked, timeout_s=30)
    assert claim_no in asked and "模糊" in asked
    page.wait_for_function(
        "() => document.querySelector('[data-testid=claim-view] [data-testid=status]')"
        "?.dataset.status === 'photos_requested'"
    )
    adjuster.close()

    # The customer sends the rear photo again; the claim is back in the queue for review.
    from devstack import survey_photos
    from devstack.scenarios import photo_messages, send_at_once

    client = WeChatSimulatorClient(urls["webhook"], defaults.WECHAT_TOKEN, defaults.WECHAT_APP_ID,
                                   defaults.WECHAT_ENCODING_AES_KEY, mode="safe")  # fmt: skip
    retake = photo_messages(client, urls["wechat-emulator"], openid,
                            [survey_photos.scene(402, view="rear")])  # fmt: skip
    send_at_once(client, openid, retake)
    _wait_for(lambda: len([x for x in _texts(urls, openid) if "全部收到" in x]) == 2,
              timeout_s=60)  # fmt: skip


def test_a_decision_on_a_claim_someone_else_just_decided_is_refused(stack, survey, browser):
    _, urls, _ = stack
    _, claim_no = survey
    first = Staff(browser, urls, "adjuster1")
    second = Staff(browser, urls, "adjuster2")
    first.open_claim(claim_no)
    second.open_claim(claim_no)
    assert first.version() == second.version()

    why = "损失较大，需现场核损"
    first.decide("surveyor", lambda p: p.get_by_test_id("surveyor-reason").fill(why), why)
    first.by("action-ok").wait_for()
    assert (
        first.by("claim-view").locator("[data-testid=status]").first.get_attribute("data-status")
        == "surveyor_sent"
    )

    second.decide("approve", lambda p: p.get_by_test_id("approve-amount").fill("2350"))
    conflict = second.by("action-conflict")
    conflict.wait_for()
    text = conflict.inner_text()
    assert "已被他人处理" in text and "changed since you opened it" in text
    second.by("conflict-reload").click()
    second.page.wait_for_function(
        "() => document.querySelector('[data-testid=claim-view] [data-testid=status]')"
        "?.dataset.status === 'surveyor_sent'"
    )
    assert second.by("action-tab-approve").is_disabled()
    assert second.by("readonly-note").is_visible()
    first.close()
    second.close()


def test_an_approval_above_an_adjusters_authority_waits_for_a_supervisor(stack, second_survey,
                                                                         browser):  # fmt: skip
    _, urls, _ = stack
    _, claim_no = second_survey
    adjuster = Staff(browser, urls, "adjuster1")
    adjuster.open_claim(claim_no)
    adjuster.by("action-tab-approve").click()
    hint = adjuster.by("authority-hint").inner_text()
    assert "您可单独核赔至 ¥10,000.00" in hint and "车损险保额扣除免赔" in hint
    adjuster.by("approve-amount").fill("12000")
    adjuster.by("action-submit").click()
    adjuster.by("confirm-ok").click()
    # The photos' VIN is not the policy's: the server wants a written reason, and says so.
    refused = adjuster.by("server-message")
    refused.wait_for()
    assert "flagged (vin_mismatch)" in refused.inner_text()
    assert "必填" in adjuster.by("approve-note").get_attribute("placeholder")
    adjuster.by("approve-note").fill("车架号照片反光，已电话核实行驶证")
    adjuster.by("action-submit").click()
    adjuster.by("confirm-ok").click()
    adjuster.by("signoff").wait_for()
    assert "待主管签批：核定金额 ¥12,000.00" in adjuster.by("signoff").inner_text()
    assert adjuster.by("action-tab-approve").is_disabled()  # nothing else until it is signed
    adjuster.close()

    supervisor = Staff(browser, urls, "supervisor1")
    supervisor.open_claim(claim_no)
    supervisor.by("signoff-approve").click()
    supervisor.page.wait_for_function(
        "() => document.querySelector('[data-testid=claim-view] [data-testid=status]')"
        "?.dataset.status === 'approved'"
    )
    assert supervisor.by("signoff").count() == 0
    supervisor.close()


def test_an_auditor_reads_the_audit_log_and_cannot_decide(stack, survey, browser):
    _, urls, _ = stack
    _, claim_no = survey
    auditor = Staff(browser, urls, "auditor1")
    auditor.open_claim(claim_no)
    for action in ("approve", "reshoot", "surveyor", "reject"):
        assert auditor.by(f"action-tab-{action}").is_disabled()
    auditor.by("audit").locator("summary").click()
    table = auditor.by("audit-table")
    table.wait_for()
    assert "查看赔案" in table.inner_text()
    # Drawing the claim again (a route, a reload after a conflict) keeps the log open and loads it.
    auditor.page.evaluate("window.dispatchEvent(new HashChangeEvent('hashchange'))")
    auditor.page.wait_for_function(
        "() => document.querySelector('[data-testid=audit]')?.open"
        " && document.querySelector('[data-testid=audit-table]')"
    )
    assert auditor.by("claim-view").count() == 1
    assert auditor.errors == []
    auditor.close()


TOKEN_KEY = "claimbot.console.token"


def _dev_token(urls, user: str) -> str:
    res = requests.post(_console_url(urls) + "/api/dev-login", json={"user": user}, timeout=5)
    return res.json()["token"]


def test_a_token_in_a_link_is_taken_only_from_the_sign_in_this_tab_started(stack, browser):
    """A link carrying "#access_token=…" (a planted session) signs nobody in; the hosted
    sign-in's answer, with the state this tab sent, does."""
    _, urls, _ = stack
    token = _dev_token(urls, "supervisor1")
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{_console_url(urls)}#access_token={token}&token_type=Bearer")
    page.get_by_test_id("signin-message").filter(has_text="登录链接无效").wait_for()
    assert page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") is None
    assert "access_token" not in page.url

    page.evaluate("sessionStorage.setItem('claimbot.console.signin_state', 'abc123')")
    page.goto(f"{_console_url(urls)}#access_token={token}&state=abc123")
    page.get_by_test_id("who").filter(has_text="陈主管").wait_for()
    assert page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") == token
    context.close()


def test_an_agent_has_no_claims_access(stack, browser):
    _, urls, _ = stack
    agent = Staff(browser, urls, "agent1")
    agent.by("inbox-view").wait_for()  # an agent starts in the inbox (人工客服)
    agent.page.goto(f"{_console_url(urls)}#/claim/RDAA0000000000000000")
    agent.by("forbidden-view").wait_for()
    assert "没有权限" in agent.by("forbidden-view").inner_text()
    agent.close()


def test_signing_out_returns_to_the_demo_users(stack, browser):
    _, urls, _ = stack
    adjuster = Staff(browser, urls, "adjuster1")
    adjuster.by("queue-view").wait_for()
    adjuster.by("signout").click()
    adjuster.by("dev-users").wait_for()
    assert adjuster.page.evaluate("() => sessionStorage.length") == 0
    adjuster.close()
