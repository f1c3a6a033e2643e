"""查询我的信息 / 更正我的信息 (PIPL Arts. 44-46): what is held, masked; a correction request."""

from __future__ import annotations

from datetime import date

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import router
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import JobKind, SessionState
from chalicelib.domain.book import Claim
from chalicelib.domain.claims import ClaimStatus
from chalicelib.domain.messages import InboundMessage, Kind
from tests.unit.test_lookup_flow import OUYANG, FakeBook, policy

HOTLINE = "95500"


def _text(said: str, n: int = 1) -> InboundMessage:
    return InboundMessage("o_me", "gh", 1795000000 + n, Kind.TEXT, f"m:o_me:{n}:{said}",
                          msg_id=str(n), text=said)  # fmt: skip


def _config(book: FakeBook) -> DialogConfig:
    return DialogConfig(hotline=HOTLINE, book=book)


def test_an_unbound_customer_is_told_only_the_chat_is_kept():
    config = DialogConfig(hotline=HOTLINE, book=FakeBook(), chat_days=400)
    out = router.handle(_text("查询我的信息"), SessionState(), config)
    assert t.MY_DATA_UNBOUND in out.reply.content and "400 天" in out.reply.content


def test_a_bound_customer_sees_policies_and_claims_masked():
    book = FakeBook(customers={"o_me": OUYANG},
                    policies=[policy(OUYANG, "PDAA202644010000000123", date(2027, 3, 1))])
    book.claims = [Claim("RDAA2026000000000001", "PDAA202644010000000123", OUYANG.customer_id,
                         "粤B12345", date(2026, 11, 1), ClaimStatus.UNDER_REVIEW, ())]
    said = router.handle(_text("我的信息"), SessionState(), _config(book)).reply.content
    assert "欧阳女士" in said and "粤B12345" not in said and "粤B·***45" in said
    assert "PDAA202644010000000123" not in said and "PDAA" in said and "0123" in said
    assert "RDAA2026000000000001" in said and t.CLAIM_STATUS["under_review"] in said
    assert "更正我的信息" in said and "删除我的信息" in said


def test_a_correction_becomes_a_request_with_a_number_and_a_deadline():
    config = _config(FakeBook())
    asked = router.handle(_text("更正我的信息"), SessionState(), config)
    assert asked.reply.content == t.CORRECT_ASK
    done = router.handle(_text("手机号已更换为13900001111", 2), asked.state, config)
    (job,) = done.jobs
    assert job.kind == JobKind.TICKET_DATA_REQUEST and job.payload["request"] == "correct"
    assert job.payload["ticket_no"] in done.reply.content and "15 天" in done.reply.content
    assert done.state == SessionState.empty()
    again = router.handle(_text("手机号已更换为13900001111", 2), asked.state, config)
    assert again.jobs[0].payload["ticket_no"] == job.payload["ticket_no"]  # the same message


def test_cancelling_a_correction_makes_no_request():
    config = _config(FakeBook())
    asked = router.handle(_text("更正我的信息"), SessionState(), config)
    out = router.handle(_text("取消", 2), asked.state, config)
    assert not out.jobs and out.state.flow == ""
