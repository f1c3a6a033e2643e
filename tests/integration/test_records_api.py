"""Conversation records for staff through the console API: each role's scope (refused with the
reason outside it), masking and the reason to unmask, the CSV export (BOM, neutralised cells),
finding a customer by policy, claim or plate, paging, and the audit of every search."""

from __future__ import annotations

import csv
import io
import time
import uuid
from urllib.parse import urlencode

import pytest

from chalicelib.store.audit import AuditLog
from chalicelib.store.conversations import Conversations, Entry
from tests.integration.test_console_api import _get, api  # noqa: F401 (api is a fixture)
from tests.integration.test_survey_desk import _bound_customer

pytestmark = pytest.mark.integration

ID_NUMBER = "11010519491231002X"
FORMULA = '=HYPERLINK("http://evil.example","点我")'


@pytest.fixture
def talked(container):
    """A bound customer who talked with agent1, and one who only ever talked with the bot."""
    with_person, bot_only = (f"o_rec_{uuid.uuid4().hex[:8]}" for _ in range(2))
    policy_no = _bound_customer(container, with_person)
    moments = iter(time.time() - 600 + n for n in range(10))  # a second apart, in order
    log = Conversations(3600, clock=lambda: next(moments))
    for entry in (
        Entry(with_person, "in", "webhook", "text", f"我的身份证是{ID_NUMBER}，车牌粤B12345"),
        Entry(with_person, "out", "passive", "text", "已为您转人工"),
        Entry(with_person, "out", "custom", "text", "您好，我是客服", staff_id="agent1"),
        Entry(with_person, "in", "webhook", "text", FORMULA),
        Entry(bot_only, "in", "webhook", "text", "保费多少"),
        Entry(bot_only, "out", "passive", "text", "请发送行驶证照片"),
    ):
        log.log([entry])
    return {"with_person": with_person, "bot_only": bot_only, "policy_no": policy_no}


def _search(api, user: str, **params: str):  # noqa: F811
    return _get(api, "/console/api/records?" + urlencode(params), user)


def test_an_adjuster_may_not_search_records(api, talked):  # noqa: F811
    res = _search(api, "adjuster1", by="openid", value=talked["with_person"])
    assert res.status_code == 403 and "agents, supervisors and auditors" in res.json_body["error"]


def test_an_agent_reads_a_conversation_they_handled_masked_with_names(api, talked):  # noqa: F811
    res = _search(api, "agent1", by="openid", value=talked["with_person"])
    assert res.status_code == 200
    body = res.json_body
    records = body["records"]
    assert body["masked"] and len(records) == 4
    assert [r["who"] for r in records] == ["客户", "公众号", "人工客服 赵客服", "客户"]
    assert ID_NUMBER not in records[0]["content"] and "粤B12345" not in records[0]["content"]
    assert records[0]["customer"] != talked["with_person"]  # a reference, not the openid


def test_outside_the_roles_scope_the_request_is_refused_with_the_reason(api, talked):  # noqa: F811
    res = _search(api, "agent1", by="openid", value=talked["bot_only"])
    assert res.status_code == 403 and "did not take part" in res.json_body["error"]
    res = _search(api, "supervisor1", by="openid", value=talked["bot_only"])
    assert res.status_code == 403 and "ask an auditor" in res.json_body["error"]
    assert _search(api, "supervisor1", by="openid", value=talked["with_person"]).status_code == 200


def test_a_supervisor_sees_their_teams_conversations_only(api, container):  # noqa: F811
    """supervisor1 leads 理赔一组 (agent1 and the staff table's members of that team): a
    customer answered by someone of another team is refused until that person joins it."""
    from chalicelib.store.audit import AuditLog as Log
    from chalicelib.store.staff import StaffDirectory

    staff = StaffDirectory(Log())
    other = f"wecom-{uuid.uuid4().hex[:6]}"
    staff.add(other, "钱坐席", ["agent"], by="ops", team="理赔二组")
    openid = f"o_rec_{uuid.uuid4().hex[:8]}"
    Conversations(3600).log([
        Entry(openid, "in", "webhook", "text", "人工"),
        Entry(openid, "out", "custom", "text", "您好，我是钱坐席", staff_id=other),
    ])  # fmt: skip

    refused = _search(api, "supervisor1", by="openid", value=openid)
    assert refused.status_code == 403 and "no one in your team" in refused.json_body["error"]
    assert _search(api, "auditor1", by="openid", value=openid).status_code == 200

    staff.set_team(other, "理赔一组", by="ops")
    found = _search(api, "supervisor1", by="openid", value=openid)
    assert found.status_code == 200
    assert [r["who"] for r in found.json_body["records"]] == ["客户", "人工客服 钱坐席"]
    (entry,) = [e for e in Log().entries(limit=10) if e.action == "staff:set_team"][:1]
    assert entry.detail == {"userid": other, "team": "理赔一组", "before": "理赔二组"}


def test_only_an_auditor_with_a_reason_sees_personal_data_unmasked(api, talked):  # noqa: F811
    res = _search(api, "auditor1", by="openid", value=talked["bot_only"])
    assert res.status_code == 200 and res.json_body["masked"]
    res = _search(api, "auditor1", by="openid", value=talked["with_person"],
                  reason="投诉调查 TS-2026-118")  # fmt: skip
    assert res.status_code == 200 and not res.json_body["masked"]
    assert ID_NUMBER in res.json_body["records"][0]["content"]
    res = _search(api, "supervisor1", by="openid", value=talked["with_person"], reason="想看看")
    assert res.status_code == 403 and "only an auditor" in res.json_body["error"]
    (entry,) = [e for e in AuditLog().entries(limit=5) if e.detail.get("reason")][:1]
    assert entry.action == "records.search" and entry.who == "auditor1"
    assert entry.detail["unmasked"] and entry.detail["count"] == 4
    assert talked["with_person"] not in str(entry.detail)  # the query is kept as a reference


def test_find_by_policy_and_plate_keyword_and_pages(api, talked):  # noqa: F811
    from chalicelib.service.logs import ref

    # The demo holder has bound several WeChat users (one per test): all of theirs are found,
    # so an agent who did not take part in all of them is refused; an auditor reads them all.
    by_policy = _search(api, "auditor1", by="policy", value=talked["policy_no"], limit="200")
    assert by_policy.status_code == 200
    customer = ref(talked["with_person"])
    mine = [r for r in by_policy.json_body["records"] if r["customer"] == customer]
    assert len(mine) == 4
    by_plate = _search(api, "auditor1", by="plate", value="粤b 12345")
    assert by_plate.status_code == 200 and by_plate.json_body["customers"] >= 1
    keyword = _search(api, "agent1", by="openid", value=talked["with_person"], q="客服")
    assert [r["who"] for r in keyword.json_body["records"]] == ["人工客服 赵客服"]
    first = _search(api, "agent1", by="openid", value=talked["with_person"], limit="3")
    assert len(first.json_body["records"]) == 3 and first.json_body["next"]
    rest = _search(api, "agent1", by="openid", value=talked["with_person"], limit="3",
                   after=first.json_body["next"])  # fmt: skip
    assert [r["id"] for r in rest.json_body["records"]] == [
        r["id"] for r in _search(api, "agent1", by="openid",
                                 value=talked["with_person"]).json_body["records"][3:]
    ]  # fmt: skip
    by_phone = _search(api, "auditor1", by="phone", value="+86 138-0013-8000", limit="200")
    assert by_phone.status_code == 200  # the holder's phone, typed any way, by its keyed hash
    assert [r for r in by_phone.json_body["records"] if r["customer"] == customer]
    nobody = _search(api, "auditor1", by="phone", value="13911112222")
    assert nobody.status_code == 200 and nobody.json_body["records"] == []


def test_the_csv_export_opens_in_excel_and_cannot_run_a_formula(api, talked):  # noqa: F811
    query = urlencode({"by": "openid", "value": talked["with_person"]})
    res = _get(api, f"/console/api/records/export.csv?{query}", "agent1")
    assert res.status_code == 200 and res.headers["Content-Type"].startswith("text/csv")
    raw = res.body
    assert raw.startswith("\ufeff".encode()) and "客户".encode() in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["time", "customer", "direction", "who", "type", "content"]
    formula = [r for r in rows[1:] if "HYPERLINK" in r[5]]
    assert formula and formula[0][5].startswith("'=")
    assert AuditLog().entries(limit=1)[0].action == "records.export"
    refused = _get(api, f"/console/api/records/export.csv?{query}", "adjuster1")
    assert refused.status_code == 403


def test_a_printable_transcript_marks_the_person_escapes_everything_and_is_audited(
    api, container, talked  # noqa: F811
):
    Conversations(3600).log([Entry(talked["with_person"], "in", "webhook", "image", "[图片]",
                                   media_key="inbound/o/photo.jpg"),
                             Entry(talked["with_person"], "in", "webhook", "text",
                                   "<script>alert(1)</script>")])  # fmt: skip
    query = urlencode({"by": "openid", "value": talked["with_person"]})
    res = _get(api, f"/console/api/records/transcript.html?{query}", "agent1")
    assert res.status_code == 200 and res.headers["Content-Type"].startswith("text/html")
    page = res.body.decode()
    assert "人工客服加入" in page and "人工客服 赵客服" in page
    assert ID_NUMBER not in page and "<script>" not in page and "&lt;script&gt;" in page
    assert "[查看照片]" in page and "X-Amz-Expires=300" in page  # a short-lived link
    assert "default-src 'none'" in res.headers["Content-Security-Policy"]
    assert AuditLog().entries(limit=1)[0].action == "records.print"
    refused = _get(api, f"/console/api/records/transcript.html?{query}", "adjuster1")
    assert refused.status_code == 403


def test_a_photo_is_linked_once_by_its_saved_copy_and_rows_name_their_message(
    api, talked  # noqa: F811
):
    """WeChat's temporary media id (the webhook's record) opens nothing: only the copy claimbot
    saved in S3 (the worker's record) gets a short-lived link; both name the same message, so
    the console can show the photo once, where the customer sent it."""
    Conversations(3600).log([
        Entry(talked["with_person"], "in", "webhook", "image", "image", media_key="WxMediaId_9",
              dedupe_key="msg-777"),
        Entry(talked["with_person"], "in", "media", "image", media_key="inbound/o/777.jpg",
              dedupe_key="msg-777"),
    ])  # fmt: skip
    records = _search(api, "agent1", by="openid", value=talked["with_person"]).json_body["records"]
    # Both were logged in the same millisecond: tell them apart by channel, not by order.
    images = {r["channel"]: r for r in records if r["type"] == "image"}
    sent, saved = images["webhook"], images["media"]
    assert sent["photo"] == ""
    assert "inbound/o/777.jpg" in saved["photo"] and "X-Amz-Expires=300" in saved["photo"]
    assert sent["message"] == saved["message"] != "" and "msg-777" not in sent["message"]
    assert [r["message"] for r in records if r["type"] == "text"][0] == ""  # no dedupe key


def test_the_console_page_lets_the_printable_transcript_it_opens_keep_its_stylesheet(api):  # noqa: F811
    """The console opens the printable transcript from a blob URL, whose document keeps the
    console page's policy: that policy admits the transcript's stylesheet by its hash, and only
    in <style> elements (style-src-elem), no other inline style."""
    import base64
    import hashlib

    from chalicelib.console.transcript import STYLE

    page = api.http.get("/console")
    policy = dict(
        part.strip().split(" ", 1) for part in page.headers["Content-Security-Policy"].split(";")
    )
    digest = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
    assert policy["style-src-elem"] == f"'self' 'sha256-{digest}'"
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
