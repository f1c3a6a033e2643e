"""Service paths (服务轨迹) through the console API: a customer's chat, handoff, claim and
quote as one ordered timeline with the stuck markers, found by openid or by claim number;
auditors only (403 otherwise); every look-up audited as a records search is."""

from __future__ import annotations

import random
import time
import uuid
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

import pytest

from chalicelib.domain.hours import CHINA
from chalicelib.store.audit import AuditLog
from chalicelib.store.conversations import Conversations, Entry
from chalicelib.store.models import ClaimItem, CustomerItem, HandoffItem
from chalicelib.store.quotes import QuoteStore
from tests.integration.test_console_api import _get, api  # noqa: F401 (api is a fixture)

pytestmark = pytest.mark.integration


@pytest.fixture
def customer(container):
    """A bound customer who chatted, was handed to a person after two misses (answered ten
    minutes later), reported a claim and got a quote, an hour ago and since."""
    openid = f"o_path_{uuid.uuid4().hex[:8]}"
    customer_id = f"c_path_{uuid.uuid4().hex[:8]}"
    claim_no = f"RPTH{random.randrange(10**16):016d}"
    quote_no = f"Q{random.randrange(10**12):012d}"
    t0 = time.time() - 3600
    CustomerItem(openid=openid, customer_id=customer_id, holder_name="欧阳娜娜",
                 bound_via="PPTH0000000000000001", bound_at=t0).save()  # fmt: skip
    moments = iter([t0, t0 + 1, t0 + 2, t0 + 3, t0 + 605, t0 + 606])
    log = Conversations(3600, clock=lambda: next(moments))
    for entry in (
        Entry(openid, "in", "webhook", "text", "我的车牌粤B12345怎么理赔"),
        Entry(openid, "out", "passive", "text", "抱歉，没能理解"),
        Entry(openid, "in", "webhook", "text", "还是不懂"),
        Entry(openid, "out", "passive", "text", "已为您转人工"),
        Entry(openid, "out", "custom", "text", "您好，我是客服", staff_id="agent1"),
        Entry(openid, "in", "webhook", "text", "谢谢"),
    ):
        log.log([entry])
    HandoffItem(openid=openid, handoff_id="H" + uuid.uuid4().hex[:10], state="ended",
                channel="console", reason="misses", started_at=t0 + 4,
                answered_at=t0 + 604, staff_id="agent1", assignee_name="赵客服",
                ended_at=t0 + 1800, ended_by="staff").save()  # fmt: skip
    reported = datetime.fromtimestamp(t0 + 2000, CHINA)
    ClaimItem(claim_no=claim_no, policy_no="PPTH0000000000000001", customer_id=customer_id,
              accident_date=reported.date().isoformat(), status="reported",
              timeline=[{"status": "reported", "at": reported.isoformat(), "amount": None}],
              ).save()  # fmt: skip
    quotes = QuoteStore(keeper=container.keeper)
    quotes.save(quote_no, openid, {}, [{"plan": "基础"}, {"plan": "全面"}],
                (date.today() + timedelta(days=30)).isoformat(), t0 + 2500)  # fmt: skip
    return {"openid": openid, "claim_no": claim_no, "quote_no": quote_no}


def _path(api, user: str, **params: str):  # noqa: F811
    return _get(api, "/console/api/paths?" + urlencode(params), user)


def test_one_ordered_timeline_across_chat_handoff_claim_and_quote(api, customer):  # noqa: F811
    res = _path(api, "auditor1", by="openid", value=customer["openid"])
    assert res.status_code == 200, res.json_body
    events = res.json_body["events"]
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    assert [(e["channel"], e["kind"]) for e in events] == [
        ("chat", "session"), ("handoff", "start"), ("handoff", "answered"),
        ("handoff", "end"), ("claim", "status:reported"), ("quote", "given"),
    ]  # fmt: skip
    first_session, start = events[0], events[1]
    assert "粤B12345" not in first_session["text"] and "理赔" in first_session["text"]
    assert [m["who"] for m in first_session["messages"]] == [
        "客户", "公众号", "客户", "公众号", "人工客服 赵客服", "客户"]  # fmt: skip
    assert [m["code"] for m in start["markers"]] == ["bot_miss", "long_wait"]
    assert "赵客服" in events[2]["text"] and "10 分钟" in events[2]["text"]
    assert events[4]["claim_no"] == customer["claim_no"] and "已报案" in events[4]["text"]
    assert customer["quote_no"] in events[5]["text"] and "2 个方案" in events[5]["text"]
    assert res.json_body["stuck"] == {"bot_miss": 1, "long_wait": 1}


def test_found_by_claim_number_as_a_records_search_finds_it(api, customer):  # noqa: F811
    res = _path(api, "auditor1", by="claim", value=customer["claim_no"])
    assert res.status_code == 200 and res.json_body["customers"] == 1
    assert len(res.json_body["events"]) == 6


def test_only_auditors_may_read_a_service_path_and_each_look_up_is_audited(api, customer):  # noqa: F811
    for user in ("supervisor1", "agent1", "adjuster1"):
        res = _path(api, user, by="openid", value=customer["openid"])
        assert res.status_code == 403 and "auditors may" in res.json_body["error"], user
    assert _path(api, "auditor1", by="openid", value=customer["openid"]).status_code == 200
    (entry,) = [e for e in AuditLog().entries(limit=10) if e.action == "records.path"][:1]
    assert entry.who == "auditor1" and entry.detail["by"] == "openid"
    assert entry.detail["count"] == 6 and customer["openid"] not in str(entry.detail)


def test_a_bad_request_says_why(api, customer):  # noqa: F811
    res = _path(api, "auditor1", by="name", value="欧阳")
    assert res.status_code == 400 and "find by one of" in res.json_body["error"]


def test_a_stalled_survey_a_ticket_and_a_low_rating_join_the_path(api, container):  # noqa: F811
    from chalicelib.store.models import ClaimPhotoItem, SurveyItem, TicketItem
    from chalicelib.store.ratings import RatingItem

    openid = f"o_path_{uuid.uuid4().hex[:8]}"
    customer_id = f"c_path_{uuid.uuid4().hex[:8]}"
    claim_no = f"RPTH{random.randrange(10**16):016d}"
    t0 = time.time() - 7200
    CustomerItem(openid=openid, customer_id=customer_id, holder_name="欧阳娜娜",
                 bound_via="PPTH0000000000000001", bound_at=t0).save()  # fmt: skip
    reported = datetime.fromtimestamp(t0, CHINA)
    ClaimItem(claim_no=claim_no, policy_no="PPTH0000000000000001", customer_id=customer_id,
              accident_date=reported.date().isoformat(), status="paid",
              timeline=[{"status": "reported", "at": reported.isoformat(), "amount": None},
                        {"status": "paid", "at": datetime.fromtimestamp(t0 + 3000, CHINA)
                         .isoformat(), "amount": "1200.00"}],
              decisions=[{"by": "adjuster1", "action": "approve", "reason": "",
                          "at": datetime.fromtimestamp(t0 + 2000, CHINA).isoformat()}],
              ).save()  # fmt: skip
    SurveyItem(claim_no=claim_no, openid=openid, policy_no="PPTH0000000000000001",
               customer_id=customer_id, state="expired", slots={"1": "a", "2": "b"},
               started_at=t0 + 10, last_activity=t0 + 100, reminded=True).save()  # fmt: skip
    ClaimPhotoItem(claim_no=claim_no, seq="0001", openid=openid, media_id="m1",
                   dedupe_key="d1", received_at=t0 + 60).save()  # fmt: skip
    TicketItem(ticket_no=f"TS{uuid.uuid4().hex[:8]}", openid=openid, kind="survey_expired",
               priority="normal", created_at=t0 + 1000, due_at=t0 + 90000,
               queue="ticket:open", summary="自助查勘超时", claim_no=claim_no).save()  # fmt: skip
    RatingItem(ask_id=f"claim:{claim_no}", flow="claim", subject=claim_no, status="rated",
               asked_at=t0 + 3100, score=1, comment="太慢了，车牌粤B12345", rated_at=t0 + 3200,
               expires_at=int(t0 + 86400)).save()  # fmt: skip

    res = _path(api, "auditor1", by="claim", value=claim_no)
    assert res.status_code == 200, res.json_body
    events = res.json_body["events"]
    assert [(e["channel"], e["kind"]) for e in events] == [
        ("claim", "status:reported"), ("survey", "started"), ("survey", "photo"),
        ("ticket", "opened"), ("claim", "decision:approve"), ("claim", "status:paid"),
        ("rating", "asked"), ("rating", "rated"),
    ]  # fmt: skip
    assert res.json_body["stuck"] == {"survey_stalled": 1, "low_rating": 1}
    assert "李理赔" in events[4]["text"] and "通过" in events[4]["text"]
    assert "1 分" in events[7]["text"] and "粤B12345" not in events[7]["text"]
    assert all(e["claim_no"] == claim_no for e in events)


def test_the_wait_is_counted_in_business_hours_when_the_handoff_kept_it(api, customer):  # noqa: F811
    """Ten minutes on the clock, 30 business seconds (the rest outside the hours): not stuck."""
    HandoffItem(openid=customer["openid"]).update(
        actions=[HandoffItem.first_response_s.set(30)], add_version_condition=False)
    res = _path(api, "auditor1", by="openid", value=customer["openid"])
    assert res.json_body["stuck"] == {"bot_miss": 1}
