"""Claim clocks through the console API and the watchdog, against moto and the emulators: the
queue shows each claim's nearest clock and sorts by what is due first, the claim shows all its
clocks, a rejection sends the customer the written refusal with the reasons (and meets the
refusal clock when it goes out), and staff are warned in WeCom once per clock."""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.dialog import catalogue as t
from chalicelib.domain.claim_clocks import ClockRules
from chalicelib.domain.hours import CHINA
from chalicelib.service.claim_clocks import ClockWatch
from chalicelib.service.container import Container
from chalicelib.service.watchdog import Watchdog
from chalicelib.store.models import ClaimItem, InboxItem
from chalicelib.store.staff import StaffMember
from devstack import wecom_defaults as wd
from devstack.wecom_emulator import WeComEmulator
from tests.integration.test_console_api import (  # noqa: F401 (fixtures)
    _decide,
    _get,
    api,
    submitted,
)
from tests.integration.test_survey_desk import _drain, vin_engine  # noqa: F401 (a fixture)

pytestmark = pytest.mark.integration

SUPERVISOR, ADJUSTER = "supervisor-chen", "oncall-li"
REASON = "出险时驾驶人未取得驾驶证，属于保险条款列明的责任免除情形"


def _claim(status: str, steps: list[tuple[str, datetime]], **extra) -> str:
    """A claim written as the importer or the console leaves it; its number."""
    claim_no = f"RCLK{random.randrange(10**16):016d}"
    timeline = [{"status": s, "at": at.isoformat(),
                 "amount": "1200.00" if s in ("approved", "paid") else None}
                for s, at in steps]  # fmt: skip
    ClaimItem(claim_no=claim_no, policy_no="PCLK0000000000000001", customer_id="c_clocks",
              accident_date=steps[0][1].date().isoformat(), status=status,
              timeline=timeline, **extra).save()  # fmt: skip
    return claim_no


def _ago(days: float) -> datetime:
    return datetime.now(CHINA) - timedelta(days=days)


def _received(days_ago: float) -> list[tuple[str, datetime]]:
    return [("reported", _ago(days_ago + 0.1)), ("survey_received", _ago(days_ago))]


# --- the console ------------------------------------------------------------------------------


def test_the_queue_shows_each_claims_nearest_clock_and_sorts_by_what_is_due_first(api):  # noqa: F811
    late = _claim("survey_received", _received(31))  # overdue
    soon = _claim("survey_received", _received(28.5))  # in its last 72 hours
    fresh = _claim("survey_received", _received(1))
    rows = _get(api, "/console/api/claims?sort=due").json_body["claims"]
    mine = [r for r in rows if r["claim_no"] in (late, soon, fresh)]
    assert [r["claim_no"] for r in mine] == [late, soon, fresh]
    assert [r["clock"]["state"] for r in mine] == ["overdue", "warning", "running"]
    assert all(r["clock"]["kind"] == "decide" and r["clock"]["article"] == "23" for r in mine)
    assert mine[0]["clock"]["seconds_left"] < 0 < mine[1]["clock"]["seconds_left"]
    assert mine[2]["clock"]["seconds_left"] > 27 * 86400

    due_first = [r["claim_no"] for r in rows if r["clock"]]
    dues = [datetime.fromisoformat(r["clock"]["due_at"]) for r in rows if r["clock"]]
    assert dues == sorted(dues) and rows[: len(due_first)] == [r for r in rows if r["clock"]]
    oldest = _get(api, "/console/api/claims").json_body["claims"]
    waits = [r["waiting_since"] for r in oldest]
    assert [datetime.fromisoformat(w) for w in waits] == sorted(map(datetime.fromisoformat, waits))
    bad = _get(api, "/console/api/claims?sort=cheapest")
    assert bad.status_code == 400 and "sort must be one of waiting, due" in bad.json_body["error"]


def test_a_reported_claim_has_no_clock_yet(api):  # noqa: F811
    reported = _claim("reported", [("reported", _ago(40))])
    rows = _get(api, "/console/api/claims?status=reported&sort=due").json_body["claims"]
    (row,) = [r for r in rows if r["claim_no"] == reported]
    assert row["clock"] is None


def test_the_claim_shows_every_clock_it_has(api):  # noqa: F811
    approved = _claim("approved", [*_received(10.5), ("under_review", _ago(10.4)),
                                   ("approved", _ago(9.5))])  # 0.5 to 1.5 days left  # fmt: skip
    clocks = _get(api, f"/console/api/claims/{approved}").json_body["claim"]["clocks"]
    assert [(c["kind"], c["state"]) for c in clocks] == [("decide", "met"), ("pay", "warning")]
    assert clocks[0]["met_at"] and not clocks[0]["late"] and clocks[0]["seconds_left"] is None
    due = datetime.fromisoformat(clocks[1]["due_at"]).astimezone(CHINA)
    assert (due.hour, due.minute) == (0, 0)  # 24:00 of the tenth day, China time


# --- the refusal notice -------------------------------------------------------------------------


def test_a_rejection_sends_the_written_refusal_with_its_reasons_and_meets_the_clock(
    api, container, openid, submitted  # noqa: F811
):
    _drain(container, "outbox")
    version = _get(api, f"/console/api/claims/{submitted}").json_body["claim"]["version"]
    decided = _decide(api, submitted, {"action": "reject", "reason": REASON, "version": version})
    assert decided.status_code == 200, decided.json_body
    clocks = {c["kind"]: c for c in decided.json_body["claim"]["clocks"]}
    assert clocks["decide"]["state"] == "met" and clocks["refusal"]["state"] == "running"
    assert ClaimItem.get(submitted).refusal_pending == "1"
    assert submitted in [i.claim_no for i in container.book.refusals_pending()]

    # One notice to each WeChat user bound to the holder (other tests bound the same holder).
    notices = [m for m in _drain(container, "outbox") if m["origin"] == f"refusal:{submitted}"]
    [notice] = [m for m in notices if m["openid"] == openid]
    text = notice["reply"]["content"]
    assert text.startswith("【拒赔通知书】") and submitted in text and REASON in text
    assert "95500" in text and "复核" in text and notice["openid"] == openid
    assert container.outbox.deliver(notice) == "sent"  # the customer just wrote: window open

    item = ClaimItem.get(submitted)
    assert item.refusal_sent_at and item.refusal_pending is None
    assert submitted not in [i.claim_no for i in container.book.refusals_pending()]
    refusal = {c["kind"]: c for c in
               _get(api, f"/console/api/claims/{submitted}").json_body["claim"]["clocks"]}
    assert refusal["refusal"]["state"] == "met" and not refusal["refusal"]["late"]
    assert container.outbox.deliver(notice) == "duplicate"  # sent once, met once

    # The status notice (a template: short fields) tells them where the reasons are.
    image = {k: {"S": v} for k, v in (("claim_no", submitted), ("customer_id", item.customer_id),
                                      ("status", "rejected"), ("refusal_pending", "1"),
                                      ("timeline", json.dumps(item.timeline)))}  # fmt: skip
    container.notifier.on_change("MODIFY", image, {**image, "status": {"S": "under_review"}})
    [status] = [m for m in _drain(container, "outbox")
                if m.get("template") and m["openid"] == openid]  # fmt: skip
    assert t.CLAIM_NEXT_SHORT_REFUSAL in json.dumps(status["template"]["data"], ensure_ascii=False)


def test_a_rejection_without_a_reason_is_refused(api, submitted):  # noqa: F811
    version = _get(api, f"/console/api/claims/{submitted}").json_body["claim"]["version"]
    refused = _decide(api, submitted, {"action": "reject", "reason": "  ", "version": version})
    assert refused.status_code == 400 and "a reason is required" in refused.json_body["error"]


# --- warnings in WeCom ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wecom() -> Iterator[WeComEmulator]:
    emu = WeComEmulator().start()
    emu.add_user(SUPERVISOR)
    yield emu
    emu.stop()


@pytest.fixture
def staff_container(settings, wecom) -> Container:
    """The app's services with WeCom (the emulator's corp knows oncall-li and
    supervisor-chen), each test with empty WeCom windows."""
    built = Container(dataclasses.replace(
        settings, wecom_corp_id=wd.WECOM_CORP_ID, wecom_corp_secret=wd.WECOM_CORP_SECRET,
        wecom_agent_id=str(wd.WECOM_AGENT_ID), wecom_api_base=wecom.url,
        public_url="https://claims.example.cn/prod"))  # fmt: skip
    for item in InboxItem.scan(InboxItem.dedupe_key.startswith("wecom-rate:")):
        item.delete()
    wecom.clear()
    return built


MEMBERS = [
    StaffMember(ADJUSTER, "李值班", ("adjuster",), team="理赔一组"),
    StaffMember(SUPERVISOR, "陈主管", ("supervisor",), team="理赔一组"),
    StaffMember("supervisor-far", "远主管", ("supervisor",), team="理赔二组"),
    StaffMember("supervisor-gone", "离职主管", ("supervisor",), disabled=True),
]


def _watch(container: Container, members=MEMBERS, now: datetime | None = None) -> ClockWatch:
    at = (now or datetime.now(UTC)).timestamp()
    return ClockWatch(container.book, ClockRules.from_law(), lambda: list(members),
                      lambda: container.staff_messenger,
                      console_url="https://claims.example.cn/prod/console",
                      clock=lambda: at)  # fmt: skip


def _texts(wecom, userid: str, claim_no: str) -> list[str]:
    return [x for x in wecom.texts(userid) if claim_no in x]


def test_staff_are_warned_once_before_a_clock_runs_out(staff_container, wecom):
    decision = {"by": ADJUSTER, "by_name": "李值班", "action": "surveyor", "reason": "现场查看",
                "at": _ago(27).isoformat()}  # fmt: skip
    claim_no = _claim("surveyor_sent", [*_received(28.5), ("under_review", _ago(28)),
                                         ("surveyor_sent", _ago(27))],
                      decisions=[decision])  # fmt: skip
    watchdog = Watchdog(staff_container.surveys, staff_container.quotas, staff_container.queues,
                        clock_watch=lambda: _watch(staff_container))  # fmt: skip
    counts = watchdog.run()
    assert counts["clock_warnings"] >= 1
    (told,) = _texts(wecom, SUPERVISOR, claim_no)
    assert told.startswith(f"【理赔时效提醒】赔案 {claim_no}：核定将于")
    assert "《保险法》第23条" in told and f"/console#/claims/{claim_no}" in told
    assert _texts(wecom, ADJUSTER, claim_no) == [told]  # who decided on it last
    assert _texts(wecom, "supervisor-far", claim_no) == []  # another team's supervisor

    watchdog.run()
    _watch(staff_container).warn()
    assert len(_texts(wecom, SUPERVISOR, claim_no)) == 1  # once per clock
    assert ClaimItem.get(claim_no).clock_warned == {
        f"decide@{datetime.fromisoformat(ClaimItem.get(claim_no).timeline[1]['at']).isoformat()}"}


def test_an_overdue_clock_says_so_and_a_clock_not_yet_in_its_warning_time_says_nothing(
    staff_container, wecom
):
    overdue = _claim("under_review", [*_received(33), ("under_review", _ago(32))])
    running = _claim("under_review", [*_received(3), ("under_review", _ago(2))])
    _watch(staff_container).warn()
    (told,) = _texts(wecom, SUPERVISOR, overdue)
    assert told.startswith(f"【理赔时效已超时】赔案 {overdue}：核定的期限") and "超时 " in told
    assert _texts(wecom, SUPERVISOR, running) == []


def test_when_nobody_can_be_told_the_next_run_tries_again(staff_container, wecom):
    claim_no = _claim("under_review", [*_received(29), ("under_review", _ago(28))])
    nobody = [StaffMember("not-in-wecom", "查无此人", ("supervisor",))]
    counts = _watch(staff_container, nobody).warn()
    assert counts["clock_warnings_failed"] >= 1
    assert not ClaimItem.get(claim_no).clock_warned  # given back
    _watch(staff_container).warn()
    assert len(_texts(wecom, SUPERVISOR, claim_no)) == 1


def test_a_refusal_notice_that_has_not_gone_out_is_warned_of(staff_container, wecom):
    claim_no = _claim("rejected", [*_received(4), ("under_review", _ago(3.5)),
                                   ("rejected", _ago(3))], refusal_pending="1")  # fmt: skip
    _watch(staff_container).warn()
    (told,) = _texts(wecom, SUPERVISOR, claim_no)
    assert "拒赔通知" in told and "第24条" in told
    staff_container.book.refusal_sent(claim_no, datetime.now(UTC))
    assert claim_no not in [i.claim_no for i in staff_container.book.refusals_pending()]


def test_two_runs_at_once_take_a_clock_once():
    claim_no = _claim("under_review", [*_received(29), ("under_review", _ago(28))])
    from chalicelib.store.book import BookStore

    book = BookStore(b"k" * 32)
    assert book.take_clock_warning(claim_no, "decide@x") is True
    assert book.take_clock_warning(claim_no, "decide@x") is False
    assert book.take_clock_warning(claim_no, "pay@y") is True
    version = ClaimItem.get(claim_no).version
    book.give_back_clock_warning(claim_no, "decide@x")
    item = ClaimItem.get(claim_no)
    assert item.clock_warned == {"pay@y"} and item.version == version  # decisions unaffected
