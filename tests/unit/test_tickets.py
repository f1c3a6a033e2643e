"""Tickets: who handles which kind, what a closing needs, when a complaint's supervisor is
alerted, the sealed callback number; and the complaint's conversation, which asks for a number
to call back on (or says honestly how else to follow it up)."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import complaint, router
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import JobKind, SessionState
from chalicelib.domain import sealed
from chalicelib.domain import tickets as rules
from chalicelib.domain.messages import InboundMessage, Kind
from tests.unit.test_lookup_flow import OUYANG, FakeBook, policy

PEPPER = b"pepper-for-tests"


def config(book=None) -> DialogConfig:
    return DialogConfig(hotline="95500", book=book, clock=lambda: 1795000000.0)


def text(said: str, n: int = 1, openid: str = "o_1") -> InboundMessage:
    return InboundMessage(openid, "gh", 1795000000 + n, Kind.TEXT, f"m:{openid}:{n}",
                          msg_id=str(n), text=said)  # fmt: skip


def complain(cfg: DialogConfig, said: str = "你们拖着不赔，我要投诉", openid: str = "o_1"):
    return router.handle(text(said, 1, openid), SessionState(), cfg)


# --- rules ---------------------------------------------------------------------------------


def test_who_handles_which_kind():
    assert rules.kinds_for(["agent"]) == ("sensitive", "callback")
    assert rules.kinds_for(["adjuster"]) == ("survey_expired", "signoff")
    assert rules.kinds_for(["supervisor"]) == rules.KINDS
    assert rules.kinds_for(["auditor"]) == ("data_request",)
    assert rules.may_handle(["supervisor"], "data_request:erase")
    assert not rules.may_handle(["agent"], "survey_expired")
    assert rules.may_assign_others(["supervisor"]) and not rules.may_assign_others(["agent"])
    assert "agents and supervisors may" in rules.refusal("adjuster", "sensitive")


@pytest.mark.parametrize(
    ("kind", "body", "words"),
    [
        ("callback", {"outcome": "maybe"}, "outcome must be one of"),
        ("callback", {"outcome": "unreachable"}, "needs a reason"),
        ("sensitive", {"outcome": "resolved", "reason": "好"}, "a complaint's closing needs"),
        ("callback", {"outcome": "resolved", "reason": "x" * 501}, "longer than 500"),
        ("data_request:erase", {"outcome": "resolved"}, "not closed as a ticket"),
    ],
)
def test_a_closing_that_cannot_be_accepted_says_why(kind, body, words):
    with pytest.raises(rules.TicketRequestError, match=words):
        rules.Closing.parse(kind, body)


def test_closings_that_are_accepted():
    assert rules.Closing.parse("callback", {"outcome": "resolved"}).reason == ""
    done = rules.Closing.parse("sensitive", {"outcome": "resolved", "reason": " 已退还保费差额 "})
    assert (done.outcome, done.reason) == ("resolved", "已退还保费差额")


def test_notes_have_text_and_a_limit():
    assert rules.parse_note({"text": " 已致电，客户不在 "}) == "已致电，客户不在"
    for body in ({}, {"text": "  "}, {"text": "x" * 1001}):
        with pytest.raises(rules.TicketRequestError):
            rules.parse_note(body)


def test_a_complaint_is_due_in_15_days_and_alerted_the_day_before():
    due = rules.complaint_due(1000.0)
    assert due == 1000.0 + 15 * 86400
    assert not rules.alert_due(due, due - 25 * 3600)
    assert rules.alert_due(due, due - 23 * 3600)
    assert rules.alert_due(due, due + 60)  # past it: still told (once)
    assert rules.alert_due(due, due - 5 * 3600, before_h=4) is False
    assert not rules.alert_due(None, 0)


@pytest.mark.parametrize(
    ("said", "number"),
    [
        ("13800138000", "13800138000"),
        ("我的电话是 138 0013 8000，下午都在", "13800138000"),
        ("+86 139-0000-1111", "13900001111"),
        ("１３８００１３８０００", "13800138000"),  # full-width digits
        ("电话12345", None),
        ("保单号 P2026123456789012", None),
        ("13800138000 或 13900001111", None),  # two numbers: not guessed between
        ("10086", None),
    ],
)
def test_a_mobile_number_in_what_the_customer_wrote(said, number):
    assert rules.find_mobile(said) == number


def test_declining_words():
    assert rules.declines("不用了") and rules.declines("不方便留") and rules.declines("算了")
    assert not rules.declines("好的")


def test_a_sealed_number_opens_only_with_its_key_for_its_ticket():
    box = sealed.seal("13800138000", PEPPER, "ticket-callback-phone", "TS1")
    assert "13800138000" not in box and box.startswith("v1:")
    assert sealed.unseal(box, PEPPER, "ticket-callback-phone", "TS1") == "13800138000"
    with pytest.raises(sealed.Unreadable):
        sealed.unseal(box, PEPPER, "ticket-callback-phone", "TS2")
    with pytest.raises(sealed.Unreadable):
        sealed.unseal(box, b"another", "ticket-callback-phone", "TS1")
    assert sealed.seal("13800138000", PEPPER, "p", "TS1") != sealed.seal("13800138000", PEPPER,
                                                                             "p", "TS1")


# --- the complaint's conversation ----------------------------------------------------------


def test_an_unbound_customer_is_asked_for_a_number_and_it_reaches_the_ticket():
    out = complain(config())
    [ticket] = out.jobs
    ticket_no = ticket.payload["ticket_no"]
    assert ticket.kind == JobKind.TICKET_SENSITIVE and ticket.payload["words"] == ["投诉"]
    assert ticket_no in out.reply.content and "非常抱歉" in out.reply.content
    assert "手机号" in out.reply.content and "不用" in out.reply.content
    assert (out.state.flow, out.state.step) == (complaint.FLOW, complaint.PHONE)

    given = router.handle(text("139 0000 1111", 2), out.state, config())
    [job] = given.jobs
    assert job.kind == JobKind.TICKET_PHONE
    assert job.payload == {"openid": "o_1", "ticket_no": ticket_no, "phone": "13900001111"}
    assert "139****1111" in given.reply.content and "13900001111" not in given.reply.content
    assert given.state == SessionState()


def test_a_bound_customer_is_reminded_of_the_number_on_their_policy_masked():
    book = FakeBook(customers={"o_1": OUYANG}, policies=[policy(OUYANG, "P1", date(2027, 1, 1))])
    out = complain(config(book))
    assert "138****5678" in out.reply.content and "完整输入" in out.reply.content


def test_a_number_in_the_complaint_itself_is_taken_at_once():
    out = complain(config(), "再不赔我就找媒体曝光，电话13900001111")
    kinds = [j.kind for j in out.jobs]
    assert kinds == [JobKind.TICKET_SENSITIVE, JobKind.TICKET_PHONE]
    assert out.jobs[1].payload["phone"] == "13900001111" and out.state == SessionState()
    assert "139****1111" in out.reply.content


def test_declining_is_answered_honestly_with_the_hotline_and_the_regulator():
    out = complain(config())
    ticket_no = out.jobs[0].payload["ticket_no"]
    for answer in ("不用了", "算了", "取消"):
        declined = router.handle(text(answer, 2), out.state, config())
        assert declined.reply.content == t.COMPLAINT_NO_PHONE.format(ticket_no=ticket_no,
                                                                    hotline="95500")  # fmt: skip
        assert "12378" in declined.reply.content and "95500" in declined.reply.content
        [job] = declined.jobs
        assert job.kind == JobKind.TICKET_PHONE and job.payload["declined"] is True
        assert declined.state == SessionState()


def test_something_else_is_asked_again_once_then_the_alternatives():
    out = complain(config())
    again = router.handle(text("你们太过分了", 2), out.state, config())
    assert again.reply.content == t.COMPLAINT_PHONE_AGAIN and not again.jobs
    assert again.state.flow == complaint.FLOW
    given_up = router.handle(text("就是不赔", 3), again.state, config())
    assert "12378" in given_up.reply.content and given_up.state == SessionState()
    # a second complaint while asked for a number makes no second ticket
    assert [j.kind for j in again.jobs + given_up.jobs] == [JobKind.TICKET_PHONE]


def test_another_service_asked_for_leaves_the_question():
    out = complain(config())
    menu = router.handle(text("菜单", 2), out.state, config())
    assert not any(j.kind == JobKind.TICKET_PHONE for j in menu.jobs)
    assert "报价" in menu.reply.content


def test_someone_hurt_comes_first_even_when_asked_for_a_number():
    out = complain(config())
    hurt = router.handle(text("撞了人，流血了", 2), out.state, config())
    assert "120" in hurt.reply.content
