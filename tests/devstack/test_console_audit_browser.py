"""The audit page in a real browser (headless Chromium through Playwright), against the whole
local stack: an adjuster's decision and an auditor's records search with its reason are in the
log; the auditor narrows the log by kind, staff member and day and sees both; the chain check
says the log is intact, and after one entry is edited in DynamoDB behind the app's back it names
that entry's number. An adjuster is shown the forbidden page.

Chromium is Debian's (`make browser`); Playwright's own browser download is not used.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path

import boto3
import pytest
import requests

from chalicelib.domain.hours import CHINA
from devstack.process import running_stack
from tests.devstack.test_console_browser import (  # noqa: F401 (browser is a fixture)
    Staff,
    _console_url,
    browser,
)

pytestmark = pytest.mark.devstack
SEARCH_REASON = "客户投诉核查对话"
DECISION_REASON = "损失较大，需查勘员到现场核定"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("devstack-audit")) as running:
        yield running.urls, running.folder


def _api(urls, path: str, user: str, body: dict | None = None) -> dict:
    base = _console_url(urls) + "/api"
    login = requests.post(f"{base}/dev-login", json={"user": user}, timeout=10)
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    if body is None:
        res = requests.get(base + path, headers=headers, timeout=30)
    else:
        res = requests.post(base + path, json=body, headers=headers, timeout=30)
    assert res.status_code == 200, (path, res.text)
    return res.json()


@pytest.fixture(scope="module")
def logged(stack):
    """An adjuster sends a seeded claim to a surveyor; an auditor searches a customer's records
    unmasked, with a reason (through the API: the pages that do it have their own tests)."""
    urls, _ = stack
    waiting = _api(urls, "/claims?status=waiting", "adjuster1")["claims"]
    claim_no = waiting[0]["claim_no"]
    version = _api(urls, f"/claims/{claim_no}", "adjuster1")["claim"]["version"]
    _api(urls, f"/claims/{claim_no}/decisions", "adjuster1",
         {"action": "surveyor", "reason": DECISION_REASON, "version": version})  # fmt: skip
    customer = f"o_audit_{uuid.uuid4().hex[:8]}"
    _api(urls, f"/records?by=openid&value={customer}&reason={SEARCH_REASON}", "auditor1")
    return claim_no


def _rows(staff: Staff, action: str):
    return staff.page.locator(f"[data-testid=audit-row][data-action='{action}']")


def _tamper(folder: Path, urls, seq: int, who: str) -> None:
    """Edit one entry's `who` in the stack's DynamoDB (moto), as someone with table access
    could, behind the app's back."""
    state = json.loads((folder / ".devstack" / "stack.json").read_text(encoding="utf-8"))
    dynamodb = boto3.client("dynamodb", endpoint_url=urls["aws"], region_name=state["region"],
                            aws_access_key_id="local", aws_secret_access_key="local")  # fmt: skip
    dynamodb.update_item(
        TableName=state["resources"]["AuditTable"],
        Key={"chain": {"S": "console"}, "seq": {"N": str(seq)}},
        UpdateExpression="SET #who = :who",
        ExpressionAttributeNames={"#who": "who"},
        ExpressionAttributeValues={":who": {"S": who}},
    )


def test_an_auditor_filters_the_log_and_checks_its_chain(stack, browser, logged):  # noqa: F811
    urls, folder = stack
    auditor = Staff(browser, urls, "auditor1")
    page = auditor.page
    try:
        auditor.by("nav-audit").click()
        auditor.by("audit-view").wait_for()

        # decisions only: the adjuster's, with the claim it is about and the reason
        auditor.by("audit-kind").select_option("decisions")
        auditor.by("audit-apply").click()
        decision = _rows(auditor, "decide:surveyor").filter(has_text=logged)
        decision.first.wait_for()
        assert "kind=decisions" in page.url
        assert "派查勘员" in decision.first.get_by_test_id("audit-action").inner_text()
        assert DECISION_REASON in decision.first.get_by_test_id("audit-detail").inner_text()
        assert "李理赔" in decision.first.inner_text()  # who, by name
        assert _rows(auditor, "records.search").count() == 0
        seq = int(decision.first.get_attribute("data-seq"))

        # records searches by auditor1 today: the search, unmasked, with its reason
        today = datetime.now(CHINA).date().isoformat()
        auditor.by("audit-kind").select_option("records")
        auditor.by("audit-who-input").fill("auditor1")
        auditor.by("audit-from").fill(today)
        auditor.by("audit-to").fill(today)
        auditor.by("audit-apply").click()
        search = _rows(auditor, "records.search").filter(has_text=SEARCH_REASON)
        search.first.wait_for()
        detail = search.first.get_by_test_id("audit-detail").inner_text()
        assert "查询聊天记录" in search.first.get_by_test_id("audit-action").inner_text()
        assert "原因" in detail and "条数" in detail
        assert search.first.get_by_test_id("audit-target").get_attribute("data-type") == "customer"
        assert _rows(auditor, "decide:surveyor").count() == 0
        assert f"from={today}" in page.url and "who=auditor1" in page.url

        # the chain check: intact
        auditor.by("audit-verify-run").click()
        result = auditor.by("audit-verify-result")
        result.wait_for()
        assert result.get_attribute("data-ok") == "true", result.inner_text()
        assert "日志完整" in result.inner_text()

        # one entry edited behind the app's back: the check names it
        _tamper(folder, urls, seq, "someone-else")
        try:
            auditor.by("audit-verify-run").click()
            page.wait_for_selector("[data-testid=audit-verify-result][data-ok=false]")
            assert auditor.by("audit-broken-seq").inner_text() == str(seq)
        finally:
            _tamper(folder, urls, seq, "adjuster1")
        auditor.by("audit-verify-run").click()
        page.wait_for_selector("[data-testid=audit-verify-result][data-ok=true]")
        assert auditor.errors == []
    finally:
        auditor.context.close()


def test_an_adjuster_is_shown_the_forbidden_page(stack, browser):  # noqa: F811
    urls, _ = stack
    adjuster = Staff(browser, urls, "adjuster1")
    try:
        adjuster.by("nav-queue").wait_for()
        assert adjuster.by("nav-audit").count() == 0
        adjuster.page.goto(f"{adjuster.page.url.split('#')[0]}#/audit")
        adjuster.page.wait_for_selector("[data-testid=forbidden-view][data-denied=audit]")
    finally:
        adjuster.context.close()
