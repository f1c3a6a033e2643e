"""Satisfaction ratings: reading a customer's answer (domain/satisfaction.py), the question as a
dialog state beside the menu (dialog/satisfaction.py through the router), and the figures."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import router
from chalicelib.dialog import satisfaction as dialog
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import (
    AddRatingComment,
    JobKind,
    RecordRating,
    SessionState,
)
from chalicelib.domain import satisfaction as rules
from chalicelib.domain.messages import Event, InboundMessage, Kind, TextReply
from chalicelib.domain.satisfaction import Answer, Rated, is_comment, parse_rating, summarize
from tests.unit.dialog_driver import turn

NOW = 1_800_000_000.0
OPENID = "o_rate"


@dataclass
class FakeRatings:
    rated: list[tuple[str, int, str]] = field(default_factory=list)
    comments: list[tuple[str, str]] = field(default_factory=list)

    def rate(self, ask_id: str, score: int, comment: str, at: float) -> None:
        self.rated.append((ask_id, score, comment))

    def add_comment(self, ask_id: str, comment: str, at: float) -> None:
        self.comments.append((ask_id, comment))


def config(ratings: FakeRatings | None = None, now: float = NOW) -> DialogConfig:
    return DialogConfig(hotline="95500", ratings=ratings or FakeRatings(), clock=lambda: now)


def text(said: str, n: int = 1) -> InboundMessage:
    return InboundMessage(openid=OPENID, account="gh", created_at=int(NOW), kind=Kind.TEXT,
                          dedupe_key=f"m:{OPENID}:{n}", raw_type="text", text=said,
                          msg_id=str(n))  # fmt: skip


def click(key: str) -> InboundMessage:
    return InboundMessage(openid=OPENID, account="gh", created_at=int(NOW), kind=Kind.EVENT,
                          dedupe_key=f"e:{OPENID}:{key}", raw_type="event", event=Event.CLICK,
                          event_key=key, raw_event="CLICK")  # fmt: skip


def asked(ask_id: str = "chat:H1") -> SessionState:
    state = dialog.asking(SessionState(), ask_id, NOW - 60)
    assert state is not None
    return state


def words(outcome) -> str:
    assert isinstance(outcome.reply, TextReply)
    return outcome.reply.content


# --- reading an answer ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "said, expected",
    [
        ("5", Answer(5)),
        ("１", Answer(1)),
        ("⑤", Answer(5)),
        ("④ 还不错", Answer(4, "还不错")),
        ("5分", Answer(5)),
        ("3 分", Answer(3)),
        ("五分", Answer(5)),
        ("四星", Answer(4)),
        ("⭐⭐⭐⭐", Answer(4)),
        ("非常满意", Answer(5)),
        ("满意", Answer(4)),
        ("一般", Answer(3)),
        ("不满意，等了很久", Answer(2, "等了很久")),
        ("非常不满意", Answer(1)),
        ("4 服务很耐心", Answer(4, "服务很耐心")),
        ("4，服务很耐心！", Answer(4, "服务很耐心！")),
        ("5分 谢谢小王", Answer(5, "谢谢小王")),
        ("  2  回复太慢  ", Answer(2, "回复太慢")),
    ],
)
def test_a_rating_is_read_in_the_ways_customers_write_it(said, expected):
    assert parse_rating(said) == expected


@pytest.mark.parametrize(
    "said", ["0", "6", "10", "45", "3月5日出的险", "2个问题", "2.5", "4:30", "5分钟后再说",
             "报价", "菜单", "请问赔款什么时候到", "", "   ", "👍"],
)  # fmt: skip
def test_what_is_not_a_rating(said):
    assert parse_rating(said) is None


def test_a_comment_is_words_about_the_service_not_a_new_question():
    assert is_comment("客服很耐心，点赞")
    assert is_comment("等太久了")
    assert not is_comment("请问我的赔款什么时候到？")
    assert not is_comment("怎么查保单")
    assert not is_comment("")


def test_the_comment_is_cut_to_its_limit():
    answer = parse_rating("5 " + "好" * 1000)
    assert answer is not None and len(answer.comment) == rules.MAX_COMMENT


# --- the open question and the menu ---------------------------------------------------------


def test_a_bare_number_is_a_rating_while_the_question_is_open():
    ratings = FakeRatings()
    outcome = turn(text("1"), asked(), config(ratings))
    assert ratings.rated == [("chat:H1", 1, "")]
    assert words(outcome) == t.RATING_LOW  # a low rating offers a person
    assert "回复 0 转人工" in words(outcome)
    assert outcome.state is not None and outcome.state.step == dialog.COMMENT


def test_a_bare_number_means_the_menu_again_once_the_question_closed():
    """Without the question "1" is the quote service and "5" is not on the menu, as before."""
    assert router.handle(text("5"), SessionState(), config()).reply == TextReply(
        t.NOT_ON_MENU + "\n\n" + t.NUMBERED_MENU)  # fmt: skip
    late = config(now=NOW + dialog.OPEN_S + 1)  # not answered in time: closed by itself
    ratings = late.ratings
    outcome = turn(text("5"), asked(), late)
    assert isinstance(ratings, FakeRatings) and ratings.rated == []
    assert words(outcome) == t.NOT_ON_MENU + "\n\n" + t.NUMBERED_MENU
    assert outcome.state == SessionState()


def test_a_rating_with_words_is_kept_whole_and_thanked():
    ratings = FakeRatings()
    outcome = turn(text("4 服务很耐心"), asked(), config(ratings))
    assert ratings.rated == [("chat:H1", 4, "服务很耐心")]
    assert words(outcome) == t.RATING_THANKS_WITH_COMMENT
    assert outcome.state == SessionState()


def test_a_comment_may_follow_in_the_next_message():
    ratings = FakeRatings()
    first = turn(text("5"), asked(), config(ratings))
    assert words(first) == t.RATING_THANKS and first.state is not None
    second = turn(text("小王很专业，谢谢", 2), first.state, config(ratings))
    assert ratings.comments == [("chat:H1", "小王很专业，谢谢")]
    assert words(second) == t.RATING_COMMENT_THANKS
    assert second.state == SessionState()


def test_after_a_low_rating_0_reaches_a_person_not_the_comment():
    ratings = FakeRatings()
    first = turn(text("2"), asked(), config(ratings))
    assert first.state is not None
    person = router.handle(text("0", 2), first.state, config(ratings))
    assert ratings.comments == []
    assert any(job.kind is JobKind.HANDOFF_START for job in person.jobs)
    assert person.state is not None and person.state.flow == "handoff"


def test_a_question_after_a_rating_is_answered_as_a_question():
    ratings = FakeRatings()
    first = turn(text("5"), asked(), config(ratings))
    assert first.state is not None
    later = router.handle(text("请问怎么查保单？", 2), first.state, config(ratings))
    assert not any(isinstance(e, AddRatingComment) for e in later.effects)
    assert later.state is not None and later.state.flow != dialog.FLOW


def test_a_menu_word_or_click_closes_the_question_and_does_what_it_always_did():
    menu = router.handle(text("菜单"), asked(), config())
    assert words(menu) == t.NUMBERED_MENU
    assert menu.state == SessionState()  # the next "1" is the quote service
    clicked = router.handle(click("HELP"), asked(), config())
    assert words(clicked) == t.HELP and clicked.state == SessionState()


def test_a_complaint_in_the_rating_is_kept_and_handled_as_a_complaint():
    ratings = FakeRatings()
    outcome = turn(text("1 我要投诉你们"), asked(), config(ratings))
    assert ratings.rated == [("chat:H1", 1, "我要投诉你们")]
    assert any(job.kind is JobKind.TICKET_SENSITIVE for job in outcome.jobs)
    assert "优先处理" in words(outcome)


def test_someone_hurt_comes_before_the_rating():
    ratings = FakeRatings()
    outcome = router.handle(text("1 撞了人了 在流血"), asked(), config(ratings))
    assert not any(isinstance(e, RecordRating) for e in outcome.effects)
    assert "120" in words(outcome)


def test_the_question_is_asked_only_of_a_customer_at_rest():
    assert dialog.asking(SessionState(), "chat:H1", NOW) is not None
    assert dialog.asking(SessionState(flow="faq", step="pick"), "chat:H1", NOW) is not None
    assert dialog.asking(SessionState(flow="quote", step="photo"), "chat:H1", NOW) is None
    assert dialog.asking(SessionState(flow="handoff", step="open"), "chat:H1", NOW) is None


def test_a_question_never_delivered_is_withdrawn_only_if_it_is_still_the_open_one():
    assert dialog.withdrawn("chat:H1")(asked("chat:H1")) == SessionState()
    assert dialog.withdrawn("chat:H1")(asked("claim:C9")) is None
    assert dialog.withdrawn("chat:H1")(SessionState(flow="quote")) is None


def test_the_claim_question_names_the_claim():
    assert "RC2026001" in dialog.question("claim", "RC2026001")
    assert "1–5" in dialog.question("chat")


# --- the figures ----------------------------------------------------------------------------


def test_figures_per_flow_and_per_agent():
    items = [
        Rated("chat", rules.RATED, "agent1", 5),
        Rated("chat", rules.RATED, "agent1", 4),
        Rated("chat", rules.RATED, "agent2", 1),
        Rated("chat", rules.ASKED, "agent2"),
        Rated("chat", rules.SKIPPED, "agent2", skip_reason=rules.WINDOW_CLOSED),
        Rated("claim", rules.RATED, "", 3),
    ]
    summary = summarize(items)
    assert summary.overall.rated == 4 and summary.overall.asked == 5
    assert summary.overall.skipped == 1 and summary.skip_reasons == {rules.WINDOW_CLOSED: 1}
    assert summary.by_staff["agent1"].average == 4.5
    agent2 = summary.by_staff["agent2"].to_json()
    assert agent2["average"] == 1.0 and agent2["low"] == 1 and agent2["response_rate"] == 0.5
    assert summary.by_flow["claim"].distribution == {1: 0, 2: 0, 3: 1, 4: 0, 5: 0}
    assert set(summary.by_staff) == {"agent1", "agent2"}  # a claim nobody decided in the console


def test_a_period_is_china_dates_and_bounded():
    first, last, start, end = rules.period("2027-01-01", "2027-01-31", NOW)
    assert (first.isoformat(), last.isoformat()) == ("2027-01-01", "2027-01-31")
    assert end - start == 31 * 86400
    _first, last, _start, end = rules.period(None, None, NOW)
    assert end > NOW and (last - _first).days == rules.DEFAULT_DAYS - 1
    for bad in (("2027-02-01", "2027-01-01"), ("yesterday", None), ("2025-01-01", "2027-01-01")):
        with pytest.raises(rules.PeriodError):
            rules.period(*bad, NOW)
