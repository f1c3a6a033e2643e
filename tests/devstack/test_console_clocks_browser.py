"""Claim clocks in a real browser (headless Chromium through Playwright), against the whole local
stack with the watchdog running every second: a customer's claim waits 28½ days for a decision
(its timeline moved back in DynamoDB), so its decision clock is in its last three days; the
supervisor is warned in WeCom, once; the adjuster sorts the queue by what is due first and finds
it on top with its warning, opens it and reads the clocks panel, and rejects it with the reasons;
the customer receives the written refusal notice with those reasons in WeChat, and the refusal
clock is met.

Chromium is Debian's (`make browser`); Playwright's own browser download is not used.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import boto3
import pytest
import requests

from devstack.process import running_stack
from tests.devstack.test_console_browser import (  # noqa: F401 (browser, survey: fixtures)
    ROOT,
    Staff,
    _texts,
    _wait_for,
    browser,
    survey,
)

pytestmark = pytest.mark.devstack
REASON = "出险时驾驶人的驾驶证已过有效期，属于保险条款第二十四条列明的责任免除情形"
SUPERVISOR = "supervisor-chen"  # the demo staff's supervisor, a member of the emulated WeCom corp
SHOTS = {"queue": "workspace-clocks-queue.png", "claim": "workspace-clocks.png"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """`claimbot dev` with the watchdog every second; (proc, urls with demo logins, folder)."""
    folder = tmp_path_factory.mktemp("devstack-clocks")
    with running_stack(folder, {"CLAIMBOT_SCHEDULE_EVERY_S": "1"}) as running:
        assert {"webhook", "wechat-emulator", "wecom-emulator", "aws"} <= running.urls.keys()
        yield running.proc, {**running.urls, "demo logins": running.logins}, running.folder


def _move_back(stack, claim_no: str, days: float) -> None:
    """Move the claim's whole timeline `days` back, in the stack's DynamoDB (moto): as if the
    customer had sent the photos that long ago."""
    _, urls, folder = stack
    state = json.loads((folder / ".devstack" / "stack.json").read_text(encoding="utf-8"))
    dynamodb = boto3.client("dynamodb", endpoint_url=urls["aws"], region_name=state["region"],
                            aws_access_key_id="local", aws_secret_access_key="local")  # fmt: skip
    table = state["resources"]["ClaimsTable"]
    item = dynamodb.get_item(TableName=table, Key={"claim_no": {"S": claim_no}})["Item"]
    timeline = json.loads(item["timeline"]["S"])
    for entry in timeline:
        entry["at"] = (datetime.fromisoformat(entry["at"]) - timedelta(days=days)).isoformat()
    dynamodb.update_item(
        TableName=table,
        Key={"claim_no": {"S": claim_no}},
        UpdateExpression="SET #t = :t",
        ExpressionAttributeNames={"#t": "timeline"},
        ExpressionAttributeValues={":t": {"S": json.dumps(timeline)}},
    )


def _wecom_texts(urls, userid: str) -> list[str]:
    res = requests.get(f"{urls['wecom-emulator']}/_emulator/messages",
                       params={"touser": userid}, timeout=5)  # fmt: skip
    return [m["content"] for m in res.json()]


def _save(page, name: str, tmp_path: Path) -> None:
    """A test artefact; with CLAIMBOT_UPDATE_README_SCREENSHOT=1 also docs/<name>."""
    page.mouse.move(5, 300)
    shot = tmp_path / name
    page.screenshot(path=str(shot))
    targets = [ROOT / "test-artifacts" / name]
    if os.environ.get("CLAIMBOT_UPDATE_README_SCREENSHOT") == "1":
        targets.append(ROOT / "docs" / name)
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)


def test_a_deadline_warning_then_a_refusal_notice_with_reasons(stack, survey, browser,  # noqa: F811
                                                               tmp_path):  # fmt: skip
    _, urls, _ = stack
    openid, claim_no = survey
    _move_back(stack, claim_no, 28.5)  # photos in 28½ days ago: less than 72 h left

    # The watchdog warns the supervisor in WeCom, once.
    (warned,) = _wait_for(lambda: [x for x in _wecom_texts(urls, SUPERVISOR) if claim_no in x],
                          timeout_s=30)  # fmt: skip
    assert warned.startswith(f"【理赔时效提醒】赔案 {claim_no}：核定将于") and "第23条" in warned

    adjuster = Staff(browser, urls, "adjuster1")
    page = adjuster.page
    try:
        # The queue by what is due first: this claim on top, its warning shown.
        adjuster.by("queue-sort").select_option("due")
        assert "sort=due" in page.url
        row = page.locator(f"[data-testid=queue-row][data-claim-no='{claim_no}']")
        row.wait_for()
        first = page.locator("[data-testid=queue-row]").first
        assert first.get_attribute("data-claim-no") == claim_no
        badge = row.get_by_test_id("queue-clock")
        assert badge.get_attribute("data-state") == "warning"
        assert badge.inner_text().startswith("核定 剩")
        assert badge.evaluate("el => getComputedStyle(el).color") == "rgb(161, 92, 0)"  # --warn
        dues = [d for d in page.locator("[data-testid=queue-clock]").evaluate_all(
            "els => els.map(e => e.dataset.due)") if d]  # fmt: skip
        assert [datetime.fromisoformat(d) for d in dues] == sorted(
            datetime.fromisoformat(d) for d in dues)
        _save(page, SHOTS["queue"], tmp_path)

        # The claim page: its clocks, the decision's in warning, due at 24:00 of the 30th day.
        row.click()
        adjuster.by("claim-no").filter(has_text=claim_no).wait_for()
        panel = adjuster.by("claim-clocks")
        decide = panel.locator("[data-testid=claim-clock][data-kind=decide]")
        assert decide.get_attribute("data-state") == "warning"
        assert decide.get_by_test_id("claim-clock-state").inner_text() == "即将到期"
        words = decide.inner_text()
        assert "核定" in words and "24:00" in words and "第23条" in words and "剩" in words
        _save(page, SHOTS["claim"], tmp_path)

        # Rejected with the reasons: the customer is sent the written notice.
        adjuster.decide("reject", lambda p: p.get_by_test_id("reject-reason").fill(REASON),
                        confirming="拒赔通知书")  # fmt: skip
        adjuster.by("action-ok").wait_for()
    finally:
        adjuster.close()

    (notice,) = _wait_for(lambda: [x for x in _texts(urls, openid) if "拒赔通知书" in x],
                          timeout_s=30)  # fmt: skip
    assert claim_no in notice and REASON in notice and "复核" in notice

    # Sent: the refusal clock is met.
    adjuster = Staff(browser, urls, "adjuster1")
    try:
        adjuster.by("who").wait_for()  # signed in
        adjuster.open_claim(claim_no)
        clocks = adjuster.by("claim-clocks")

        def refusal_met() -> bool:
            adjuster.by("claim-reload").click()
            refusal = clocks.locator("[data-testid=claim-clock][data-kind=refusal]")
            return refusal.count() == 1 and refusal.get_attribute("data-state") == "met"

        _wait_for(refusal_met, timeout_s=20)
        decide = clocks.locator("[data-testid=claim-clock][data-kind=decide]")
        assert decide.get_attribute("data-state") == "met"
    finally:
        adjuster.close()
    # The watchdog ran every second all along: the supervisor was told once.
    assert [x for x in _wecom_texts(urls, SUPERVISOR) if claim_no in x] == [warned]
