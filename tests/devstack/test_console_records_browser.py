"""The conversation records pages (聊天记录) in a real browser (headless Chromium through
Playwright), against the whole local stack: a bound customer sends a photo and talks with an
agent in the console, another only with the bot. The agent finds and reads the conversation
they handled as a chat transcript (their reply named, where they joined and left, the photo as
a thumbnail, the customer's words as text), downloads it as CSV (BOM, masked) and opens the
printable transcript; the other customer's records are refused on screen with the server's
reason; an adjuster gets the forbidden page; an auditor sees personal data unmasked only with a
reason. Saves the README's picture of the transcript view (docs/console-records.png with
CLAIMBOT_UPDATE_README_SCREENSHOT=1).

Started as tests/devstack/test_console_inbox_browser.py starts the stack; Debian's Chromium.
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
from devstack.simulator.client import WeChatSimulatorClient, upload_image
from tests.devstack.test_console_browser import Staff, _console_url, _texts, _wait_for, browser

pytestmark = pytest.mark.devstack
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_NAME = "console-records.png"
__all__ = ["browser"]  # the fixture, shared with the claims console's test
MARKUP = "<b>请尽快</b><img src=x onerror=alert(1)>"
PHONE = "13800138000"
ANSWER = "您好，照片已收到，理赔员会尽快联系您"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """`claimbot dev` on free ports, people answering in the console at any hour."""
    env = {"CLAIMBOT_BUSINESS_HOURS": "always", "HANDOFF_IN_HOURS": "console"}
    folder = tmp_path_factory.mktemp("devstack-records")
    with running_stack(folder, env, simulator=False) as running:
        assert {"webhook", "wechat-emulator"} <= running.urls.keys() and running.logins
        yield {**running.urls, "demo logins": running.logins}


def _api(urls, user: str) -> tuple[str, dict[str, str]]:
    api = _console_url(urls) + "/api"
    token = requests.post(f"{api}/dev-login", json={"user": user}, timeout=5).json()["token"]
    return api, {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def talked(stack):
    """A bound customer who sent a photo, asked for a person and was answered by agent1 (who
    then ended the chat); another who only talked with the bot. Their openids and the plate."""
    from devstack import survey_photos

    urls = stack
    client = WeChatSimulatorClient(urls["webhook"], defaults.WECHAT_TOKEN, defaults.WECHAT_APP_ID,
                                   defaults.WECHAT_ENCODING_AES_KEY, mode="safe")  # fmt: skip
    _policy_no, plate, last6, salutation = urls["demo logins"][0]
    handled, bot_only = (f"o_records_{uuid.uuid4().hex[:8]}" for _ in range(2))

    client.send_text(handled, "理赔进度")
    client.send_text(handled, plate)
    assert client.send_text(handled, last6).content.startswith(f"{salutation}，绑定成功")
    media_id, pic_url = upload_image(urls["wechat-emulator"], survey_photos.scene(41))
    client.send_image(handled, media_id, pic_url)
    _wait_for(lambda: [x for x in _texts(urls, handled) if x == t.IMAGE_OUTSIDE_FLOW], 60)
    assert "人工客服" in client.send_text(handled, "人工").content
    assert client.send_text(handled, f"车牌{plate}的车被刮了，电话{PHONE}") is None
    assert client.send_text(handled, MARKUP) is None

    api, agent = _api(urls, "agent1")
    (chat,) = [c for c in requests.get(f"{api}/chats", headers=agent, timeout=5).json()["chats"]
               if c["code"] == short_code(handled)]  # fmt: skip
    res = requests.post(f"{api}/chats/{chat['id']}/messages", json={"text": ANSWER},
                        headers=agent, timeout=5)  # fmt: skip
    assert res.ok, res.text
    _wait_for(lambda: [x for x in _texts(urls, handled) if x.startswith("【人工客服")])
    assert requests.post(f"{api}/chats/{chat['id']}/end", headers=agent, timeout=5).ok
    _wait_for(lambda: [x for x in _texts(urls, handled) if x == t.HANDOFF_ENDED_BY_STAFF])

    client.send_text(bot_only, "保费多少钱")
    return {"handled": handled, "bot_only": bot_only, "plate": plate}


def _records(staff: Staff, urls, **query: str) -> None:
    """Open the records page with a search in its hash (as a link or a reload does)."""
    params = "&".join(f"{k}={quote(v)}" for k, v in query.items())
    staff.page.goto(f"{_console_url(urls)}#/records?{params}")


def _search(staff: Staff, by: str, value: str) -> None:
    """Search through the form, as staff do."""
    staff.by("records-by").select_option(by)
    staff.by("records-value").fill(value)
    staff.by("records-submit").click()


def _save_screenshot(page, tmp_path: Path) -> Path:
    """The transcript view as a test artefact; with CLAIMBOT_UPDATE_README_SCREENSHOT=1 also
    the README's docs/console-records.png."""
    page.mouse.move(5, 300)  # no hover effects in the picture
    shot = tmp_path / SCREENSHOT_NAME
    page.screenshot(path=str(shot), full_page=True)
    targets = [ROOT / "test-artifacts" / SCREENSHOT_NAME]
    if os.environ.get("CLAIMBOT_UPDATE_README_SCREENSHOT") == "1":
        targets.append(ROOT / "docs" / SCREENSHOT_NAME)
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)
    return shot


def test_an_agent_reads_exports_and_prints_a_conversation_they_handled(
    stack, talked, browser, tmp_path
):
    urls = stack
    agent = Staff(browser, urls, "agent1")
    page = agent.page
    agent.by("inbox-view").wait_for()
    agent.by("nav-records").click()
    agent.by("records-view").wait_for()
    scope = agent.by("records-scope")
    assert scope.get_attribute("data-scope") == "handled" and "您本人接待过" in scope.inner_text()
    assert agent.by("records-unmask-toggle").count() == 0  # an agent never unmasks

    _search(agent, "openid", talked["handled"])
    transcript = agent.by("records-transcript")
    transcript.wait_for()
    assert "by=openid" in page.url and talked["handled"] in page.url  # the query is in the hash

    # The conversation as it was: the customer's words, the bot's, the agent's named reply
    # between where a person joined and where the bot took over again; the photo once.
    mine = page.locator("[data-testid=record-message][data-staff='1']")
    assert mine.count() == 1 and ANSWER in mine.inner_text()
    assert "人工客服 赵客服" in mine.inner_text()
    marks = agent.by("records-boundary").all_inner_texts()
    assert marks == ["—— 人工客服加入 ——", "—— 回到自助服务 ——"]
    text = transcript.inner_text()
    joined, left = (text.index(mark) for mark in marks)
    assert joined < text.index(ANSWER) < left < text.index(t.HANDOFF_ENDED_BY_STAFF)
    assert agent.by("record-photo").count() == 1
    page.wait_for_function(
        "() => document.querySelector('[data-testid=record-photo] img')?.naturalWidth > 0"
    )
    # Masked: no plate, no phone; the customer as a reference.
    assert talked["plate"] not in text and PHONE not in text
    assert talked["handled"] not in agent.by("records-customer").inner_text()
    # What the customer typed is text, never markup.
    said = page.locator("[data-testid=record-message][data-direction=in]").filter(
        has_text="<b>请尽快</b>"
    )
    assert said.count() == 1 and transcript.locator("b, img[src=x]").count() == 0
    assert agent.by("records-unmasked").count() == 0

    # A reload (or the link) shows the same search again.
    shown = agent.by("record-message").count()
    page.reload()
    agent.by("records-transcript").wait_for()
    assert agent.by("records-value").input_value() == talked["handled"]
    assert agent.by("record-message").count() == shown
    _save_screenshot(page, tmp_path)

    # CSV: UTF-8 with a BOM, masked, a name that says what it is (and not who).
    with page.expect_download() as started:
        agent.by("records-export-csv").click()
    download = started.value
    assert download.suggested_filename.startswith("聊天记录_")
    assert download.suggested_filename.endswith(".csv")
    raw = Path(download.path()).read_bytes()
    assert raw.startswith("\ufeff".encode())
    csv_text = raw.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "time,customer,direction,who,type,content"
    assert ANSWER in csv_text and "人工客服 赵客服" in csv_text
    assert talked["plate"] not in csv_text and PHONE not in csv_text
    assert talked["handled"] not in csv_text

    # The printable transcript opens in a new tab from the blob the API made.
    with page.context.expect_page() as opened:
        agent.by("records-print").click()
    printable = opened.value
    printable.wait_for_load_state()
    assert printable.url.startswith("blob:")
    body = printable.locator("body").inner_text()
    assert "会话记录" in body and "人工客服加入" in body and ANSWER in body
    assert talked["plate"] not in body and "个人信息已遮盖" in body
    # Its own print styles apply (the console's policy does not follow it into the new tab).
    assert printable.evaluate("() => getComputedStyle(document.querySelector('td.t'))"
                              ".whiteSpace") == "nowrap"  # fmt: skip
    printable.close()

    # A keyword narrows the search; the day's whole conversation is one click away.
    agent.by("records-keyword").fill("刮")
    agent.by("records-submit").click()
    page.wait_for_function("() => location.hash.includes('keyword=')")
    page.locator("[data-testid=record-message]").first.wait_for()
    assert agent.by("record-message").count() == 1
    assert agent.by("records-transcript").locator("mark").inner_text() == "刮"
    agent.by("record-context").click()
    page.wait_for_function("() => !location.hash.includes('keyword=')")
    page.locator("[data-testid=record-message][data-staff='1']").wait_for()

    # Paged as the API pages (five at a time here): the rest comes on demand, in order.
    page.route("**/console/api/records?*",
               lambda route: route.continue_(url=route.request.url + "&limit=5"))  # fmt: skip
    _records(agent, urls, by="openid", value=talked["handled"])
    agent.by("records-more").wait_for()
    assert agent.by("record-message").count() == 5
    assert "还有更多" in agent.by("records-count").inner_text()
    while agent.by("records-more").count():
        before = agent.by("record-message").count()
        agent.by("records-more").click()
        page.wait_for_function(
            "n => document.querySelectorAll('[data-testid=record-message]').length > n"
            " || !document.querySelector('[data-testid=records-more]')", arg=before
        )
    assert agent.by("record-message").count() == shown
    assert agent.by("records-boundary").all_inner_texts() == marks
    page.unroute("**/console/api/records?*")
    agent.close()


def test_a_search_outside_the_agents_scope_is_refused_on_screen(stack, talked, browser):
    urls = stack
    agent = Staff(browser, urls, "agent1")
    agent.by("inbox-view").wait_for()
    _records(agent, urls, by="openid", value=talked["bot_only"])
    refused = agent.by("records-refused")
    refused.wait_for()
    assert "查询被拒绝" in refused.inner_text()
    assert "did not take part" in agent.by("records-refused-reason").inner_text()
    assert agent.by("records-transcript").count() == 0 and agent.by("records-empty").count() == 0
    assert agent.by("records-export-csv").count() == 0
    agent.close()


def test_an_adjuster_may_not_open_the_records(stack, browser):
    urls = stack
    adjuster = Staff(browser, urls, "adjuster1")
    adjuster.by("queue-view").wait_for()
    assert adjuster.by("nav-records").count() == 0
    adjuster.page.goto(f"{_console_url(urls)}#/records")
    forbidden = adjuster.by("forbidden-view")
    forbidden.wait_for()
    assert forbidden.get_attribute("data-denied") == "records"
    assert "没有查询聊天记录的权限" in forbidden.inner_text()
    adjuster.close()


def test_an_auditor_sees_personal_data_unmasked_only_with_a_reason(stack, talked, browser):
    urls = stack
    auditor = Staff(browser, urls, "auditor1")
    page = auditor.page
    auditor.by("nav-records").click()
    assert auditor.by("records-scope").get_attribute("data-scope") == "all"

    # By the plate, masked first: it finds the holder's WeChat user, plate and phone hidden.
    _search(auditor, "plate", talked["plate"])
    auditor.by("records-transcript").wait_for()
    assert talked["plate"] not in auditor.by("records-transcript").inner_text()
    assert auditor.by("records-view").get_attribute("data-unmasked") == "0"

    # Unmasking without a reason of four characters is not sent.
    auditor.by("records-unmask-toggle").check()
    auditor.by("records-reason").fill("看看")
    auditor.by("records-submit").click()
    assert "至少 4 个字" in auditor.by("records-form-problem").inner_text()
    assert auditor.by("records-view").get_attribute("data-unmasked") == "0"

    reason = "投诉调查 TS-2026-118"
    auditor.by("records-reason").fill(reason)
    auditor.by("records-submit").click()
    notice = auditor.by("records-unmasked")
    notice.wait_for()
    assert "未遮盖视图" in notice.inner_text() and reason in notice.inner_text()
    assert "审计" in notice.inner_text()
    text = auditor.by("records-transcript").inner_text()
    assert talked["plate"] in text and PHONE in text
    assert talked["handled"] in auditor.by("records-view").inner_text()  # the openid itself
    assert reason not in page.url  # the reason is never in the link

    # The search and its reason are in the audit log.
    api, headers = _api(urls, "auditor1")
    entries = requests.get(f"{api}/audit", headers=headers, timeout=5).json()["entries"]
    searched = [e for e in entries if e["action"] == "records.search"
                and (e.get("detail") or {}).get("reason") == reason]  # fmt: skip
    assert searched and searched[0]["detail"]["unmasked"] is True

    # Masked again at a click; a reload never brings the unmasked view back by itself.
    auditor.by("records-mask").click()
    auditor.by("records-unmasked").wait_for(state="detached")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=records-view]')?.dataset.unmasked === '0'"
        " && document.querySelector('[data-testid=records-transcript]')"
    )
    assert talked["plate"] not in auditor.by("records-transcript").inner_text()
    auditor.close()
