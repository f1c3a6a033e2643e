"""The dashboard (看板) in a real browser (headless Chromium through Playwright), against the
whole local stack: ten days of counters with known answers are written into the stack's
metrics table as the aggregator writes them (devstack/metrics_data.py); a supervisor opens the
dashboard for that period and reads the figures (10,000 messages, 93.0% answered by the bot,
chats by hour with median times, the self-survey funnel, the top unanswered questions),
downloads a chart as CSV (BOM, one row a day); a customer's message today is counted through
the conversations stream and the event pump. An agent is shown the forbidden page. The page is
screenshotted for docs/DASHBOARD.md (docs/dashboard.png with CLAIMBOT_UPDATE_README_SCREENSHOT=1).

Chromium is Debian's (`make browser`); Playwright's own browser download is not used.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import date, datetime
from pathlib import Path

import boto3
import pytest

from chalicelib.domain.hours import CHINA
from devstack import defaults, metrics_data
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
SCREENSHOT_NAME = "dashboard.png"
FIRST = date(2019, 1, 1)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("devstack-dashboard")
    with running_stack(folder, simulator=False) as running:
        _seed(running.urls, folder)
        yield running.urls


def _seed(urls, folder: Path) -> None:
    """Ten days at 1,000 messages a day, written with ADD as the aggregator writes them."""
    state = json.loads((folder / ".devstack" / "stack.json").read_text(encoding="utf-8"))
    dynamodb = boto3.client("dynamodb", endpoint_url=urls["aws"], region_name=state["region"],
                            aws_access_key_id="local", aws_secret_access_key="local")  # fmt: skip
    table = state["resources"]["MetricsTable"]
    misses = state["resources"]["KbMissesTable"]  # the period's last week: the top questions
    for i, question in enumerate(["玻璃单独破碎能赔吗", "玻璃单独破碎能赔吗", "代步车怎么申请"]):
        dynamodb.put_item(TableName=misses, Item={
            "day": {"S": "2019-01-08"}, "miss_id": {"S": f"m{i}"}, "question": {"S": question},
            "outcome": {"S": "nothing"}, "offered": {"S": "[]"}, "asked_at": {"N": "0"},
            "expires_at": {"N": "4102444800"}})  # fmt: skip
    for day in metrics_data.updates(FIRST, days=10, per_day=1000):
        for (metric, iso), adds in day.items():
            if not any(adds.values()):
                continue  # nothing to add (as store/metrics.py skips it)
            dynamodb.update_item(
                TableName=table,
                Key={"metric": {"S": metric}, "day": {"S": iso}},
                UpdateExpression="ADD " + ", ".join(f"{a} :{a}" for a in adds),
                ExpressionAttributeValues={f":{a}": {"N": str(n)} for a, n in adds.items()},
            )


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


def test_the_dashboard_shows_the_known_figures_and_downloads_a_chart(
    stack, browser, tmp_path  # noqa: F811
):
    urls = stack
    supervisor = Staff(browser, urls, "supervisor1")
    page = supervisor.page
    try:
        supervisor.by("nav-dashboard").click()
        supervisor.by("dash-span").wait_for()  # the last 30 days first (the form is redrawn)
        supervisor.by("dash-from").fill("2019-01-01")
        supervisor.by("dash-to").fill("2019-01-10")
        supervisor.by("dash-apply").click()
        span = supervisor.by("dash-span")
        span.filter(has_text="2019-01-01 至 2019-01-10").wait_for()
        messages = supervisor.by("dash-chart-messages")
        assert messages.get_by_test_id("dash-total-messages.in").inner_text() == "10,000"
        answered = supervisor.by("dash-chart-answered")
        assert answered.get_by_test_id("dash-share-replies.bot").inner_text() == "93.0%"
        assert answered.get_by_test_id("dash-total-replies.people").inner_text() == "700"
        pushes = supervisor.by("dash-chart-pushes")
        assert pushes.get_by_test_id("dash-total-notices.sent").inner_text() == "500"
        assert messages.locator("rect.dash-bar").count() == 10  # a bar a day
        top = supervisor.by("dash-misses").locator("li").all_inner_texts()
        assert top == ["玻璃单独破碎能赔吗\n2", "代步车怎么申请\n1"]
        handoffs = supervisor.by("dash-chart-handoffs")
        assert handoffs.get_by_test_id("dash-total-handoffs.opened").inner_text() == "200"
        median = handoffs.get_by_test_id("dash-median-handoffs.first_response").inner_text()
        assert median == "中位数 ≤ 2 分钟"
        binding = supervisor.by("dash-chart-binding")
        assert binding.get_by_test_id("dash-total-binding.locks").inner_text() == "10"
        ratings = supervisor.by("dash-chart-ratings")
        assert ratings.get_by_test_id("dash-total-ratings.rated").inner_text() == "50"
        assert "直接命中" in supervisor.by("dash-missing-kb").inner_text()  # not counted yet
        funnel = supervisor.by("dash-chart-survey")
        assert funnel.get_by_test_id("dash-median-survey.photos").inner_text() == "中位数 ≤ 10 分钟"
        assert "80 (80%)" in funnel.inner_text()  # five photos: 80 of the 100 opened
        assert "通过" in funnel.get_by_test_id("dash-missing-survey").inner_text()  # not kept yet
        quote = supervisor.by("dash-chart-quote")
        assert "70 (70%)" in quote.inner_text()  # plans shown for 70 of 100 licence photos
        assert "要求投保" in quote.get_by_test_id("dash-missing-quote").inner_text()
        assert supervisor.by("dash-unwired").count() == 0  # every chart has a counter now

        with page.expect_download() as download:
            supervisor.by("dash-csv-messages").click()
        saved = tmp_path / "messages.csv"
        download.value.save_as(saved)
        text = saved.read_bytes().decode("utf-8")
        assert text.startswith("\ufeff日期,客户消息\r\n")
        rows = text.strip().split("\r\n")[1:]
        assert rows[0] == "2019-01-01,1000" and len(rows) == 10
        assert download.value.suggested_filename == "看板-messages-2019-01-01-2019-01-10.csv"
        _save_screenshot(page, tmp_path)
        assert supervisor.errors == []
    finally:
        supervisor.context.close()


def test_a_message_and_a_handoff_today_are_counted_through_the_streams(stack):
    urls = stack
    client = WeChatSimulatorClient(urls["webhook"], defaults.WECHAT_TOKEN, defaults.WECHAT_APP_ID,
                                   defaults.WECHAT_ENCODING_AES_KEY, mode="safe")  # fmt: skip
    today = datetime.now(CHINA).date().isoformat()

    def counted(key: str) -> int:
        figures = _api(urls, f"/dashboard?from={today}&to={today}", "supervisor1")
        [chart] = [c for c in figures["charts"] if c["key"] == key]
        return int(chart["series"][0]["total"])  # the first series: messages, chats opened

    before = counted("messages"), counted("handoffs")
    openid = f"o_dash_{uuid.uuid4().hex[:8]}"
    assert client.send_text(openid, "菜单") is not None
    assert _wait_for(lambda: counted("messages") > before[0], timeout_s=30)
    client.send_text(openid, "人工")  # a handoff opened: through the handoffs stream
    assert _wait_for(lambda: counted("handoffs") > before[1], timeout_s=30)


def test_an_agent_is_shown_the_forbidden_page(stack, browser):  # noqa: F811
    agent = Staff(browser, stack, "agent1")
    try:
        agent.page.goto(f"{agent.page.url.split('#')[0]}#/dashboard")
        view = agent.by("forbidden-view")
        view.wait_for()
        assert view.get_attribute("data-denied") == "dashboard"
        assert agent.by("nav-dashboard").count() == 0
    finally:
        agent.context.close()
