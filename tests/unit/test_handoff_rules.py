"""Business hours (holidays, make-up workdays, midnight, 18:00 sharp), the roster, sensitive
words, and how the dialog hands a conversation to a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import handoff, router
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import JobKind, SessionState
from chalicelib.domain import handoff as rules
from chalicelib.domain.hours import CHINA, BusinessHours, HoursError, is_workday, known_year
from chalicelib.domain.messages import InboundMessage, Kind, TextReply, TransferReply

HOURS = BusinessHours.parse("09:00-18:00")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHINA)


@pytest.mark.parametrize(
    "moment, open_",
    [
        ("2026-11-23 09:00", True),  # Monday, opening minute
        ("2026-11-23 08:59", False),
        ("2026-11-23 17:59", True),
        ("2026-11-23 18:00", False),  # 18:00 sharp is after hours
        ("2026-11-23 00:00", False),  # midnight
        ("2026-11-22 10:00", False),  # Sunday
        ("2026-10-01 10:00", False),  # National Day, a Thursday
        ("2026-10-08 10:00", True),  # back to work
        ("2026-02-14 10:00", True),  # a Saturday made a workday (调休)
        ("2026-02-17 10:00", False),  # Spring Festival, a Tuesday
    ],
)
def test_business_hours(moment, open_):
    assert HOURS.is_open(at(moment)) is open_


def test_when_people_are_next_at_work():
    assert HOURS.next_open(at("2026-11-23 18:00")) == at("2026-11-24 09:00")
    assert HOURS.next_open(at("2026-11-21 23:00")) == at("2026-11-23 09:00")  # Sat → Mon
    assert HOURS.next_open(at("2026-09-30 19:00")) == at("2026-10-08 09:00")  # National Day
    assert HOURS.next_open(at("2026-11-23 08:00")) == at("2026-11-23 09:00")
    moment = at("2026-11-23 10:00")
    assert HOURS.next_open(moment) == moment


def test_hours_settings():
    always = BusinessHours.parse("always")
    assert always.is_open(at("2026-10-01 03:00")) and always.next_open(at("2026-10-01 03:00"))
    assert BusinessHours.parse("none").is_open(at("2026-11-23 10:00")) is False
    assert BusinessHours.parse("none").next_open(at("2026-11-23 10:00")) is None
    for bad in ("9-18", "18:00-09:00", "25:00-26:00", ""):
        with pytest.raises(HoursError):
            BusinessHours.parse(bad)


def test_a_year_without_a_schedule_falls_back_to_weekdays():
    from datetime import date

    assert known_year(date(2026, 6, 1))
    if not known_year(date(2031, 1, 6)):
        assert is_workday(date(2031, 1, 6)) and not is_workday(date(2031, 1, 5))


def shift(role: rules.Role, start: float, end: float, who: str = "a") -> rules.Shift:
    return rules.Shift(f"s-{who}", who, who, f"wx-{who}", start, end, role)


def test_who_is_on_call():
    shifts = [
        shift(rules.Role.PRIMARY, 0, 100, "p1"),
        shift(rules.Role.PRIMARY, 100, 200, "p2"),
        shift(rules.Role.BACKUP, 0, 200, "b"),
        shift(rules.Role.SUPERVISOR, 50, 60, "s"),
    ]
    now = rules.on_call(shifts, 100)  # end is exclusive: p2's turn
    assert [s.staff_id for s in now.primary] == ["p2"]
    assert [s.staff_id for s in now.at_level(1)] == ["b"] and now.at_level(2) == ()
    assert [s.staff_id for s in rules.on_call(shifts, 55).supervisor] == ["s"]
    assert rules.on_call(shifts, 300) == rules.OnCall((), (), ())


@pytest.mark.parametrize("said", ["我要投诉你们", "再不赔我就找媒体曝光", "我会请律师起诉",
                                  "向银保监会反映", "打12378"])  # fmt: skip
def test_sensitive_words(said):
    assert rules.sensitive_words_in(said)


def test_ordinary_words_are_not_sensitive():
    assert rules.sensitive_words_in("理赔需要什么材料") == ()


def test_short_codes_are_stable_and_short():
    code = rules.short_code("o_customer_1")
    assert code == rules.short_code("o_customer_1") and code.startswith("#") and len(code) == 4
    assert code != rules.short_code("o_customer_2")


# --- the dialog --------------------------------------------------------------------------


@dataclass
class Match:
    entry: object
    score: float


@dataclass
class Entry:
    id: str
    questions: tuple[str, ...]
    answer: str = ""
    article: object = None


@dataclass
class Result:
    kind: str
    matches: tuple = ()
    confidence: float = 0.0


class FakeKb:
    entries = {
        "jqx": Entry("jqx", ("交强险多少钱",), "家庭自用6座以下950元。热线 {hotline}"),
        "report": Entry("report", ("出险后多久要报案",), "48小时内。"),
    }

    def ask(self, question):
        if "交强险" in question:
            return Result("answer", (Match(self.entries["jqx"], 0.9),), 0.9)
        if "报" in question:
            pair = tuple(Match(e, 0.5) for e in self.entries.values())
            return Result("candidates", pair, 0.5)
        return Result("none")

    def entry(self, entry_id):
        return self.entries.get(entry_id)


def config(moment: str = "2026-11-23 20:00", **kw) -> DialogConfig:
    return DialogConfig(hotline="95500", kb=FakeKb(), hours=HOURS,
                               clock=lambda: at(moment).timestamp(), **kw)  # fmt: skip


def text(said: str) -> InboundMessage:
    return InboundMessage("o_1", "gh", 1795000000, Kind.TEXT, f"m:o_1:{hash(said)}",
                          msg_id="1", text=said)  # fmt: skip


def test_in_business_hours_the_conversation_goes_to_the_consoles_agents_by_default():
    """Every word is kept (complaints and traceable sales need it): the console's inbox."""
    from chalicelib.dialog.outcome import OpenHandoff

    out = router.handle(text("人工"), SessionState(), config("2026-11-23 10:00"))
    assert any(isinstance(e, OpenHandoff) and e.channel == "console" for e in out.effects)
    assert not isinstance(out.reply, TransferReply)


def test_in_business_hours_wechats_customer_service_is_an_option():
    out = router.handle(text("人工"), SessionState(),
                        config("2026-11-23 10:00", handoff_in_hours="wechat_kf"))  # fmt: skip
    assert isinstance(out.reply, TransferReply) and out.state == SessionState()
    [queue] = out.jobs  # the worker tells the customer how long WeChat's queue is
    assert queue.kind == JobKind.HANDOFF_QUEUE and queue.payload["openid"] == "o_1"


def test_a_late_transfer_transfers_the_customers_next_message():
    """The passive transfer was missed (the reply was late): the customer was asked to write
    their question, and that message goes to WeChat's console."""
    pending = handoff.transfer_missed(SessionState())
    out = router.handle(text("我想问一下续保的事"), pending,
                        config("2026-11-23 10:00", handoff_in_hours="wechat_kf"))  # fmt: skip
    assert isinstance(out.reply, TransferReply) and out.state == SessionState()
    assert [j.kind for j in out.jobs] == [JobKind.HANDOFF_QUEUE]


def test_after_hours_the_customer_is_told_honestly_and_the_on_call_person_is_asked():
    out = router.handle(text("转人工"), SessionState(), config("2026-11-23 20:00"))
    assert "非工作时间" in out.reply.content and "明天 09:00" in out.reply.content
    [job] = out.jobs
    assert job.kind == "handoff.start" and job.payload["reason"] == "asked"
    assert out.state.flow == handoff.FLOW


def test_during_a_handoff_what_the_customer_says_is_relayed_and_leaving_is_possible():
    state = SessionState(flow=handoff.FLOW, step="open")
    out = router.handle(text("我的车在高速上抛锚了"), state, config())
    assert out.reply is None and out.jobs[0].kind == "handoff.relay"
    [relay] = out.effects  # kept on the handoff with the message, in the order said
    assert relay.said == {"kind": "text", "text": "我的车在高速上抛锚了"}
    assert relay.seq == f"{1795000000:010d}-{1:020d}"
    again = router.handle(text("人工"), state, config())
    assert again.reply.content == t.HANDOFF_ALREADY
    ended = router.handle(text("结束人工"), state, config())
    assert ended.jobs[0].kind == "handoff.end" and ended.state == SessionState()


def test_sensitive_words_get_an_apology_a_ticket_and_no_automatic_answer():
    out = router.handle(text("你们再拖着不赔我就去投诉"), SessionState(), config())
    assert "非常抱歉" in out.reply.content and "TS" in out.reply.content
    [job] = out.jobs
    assert job.kind == "ticket.sensitive" and job.payload["words"] == ["投诉"]
    same = router.handle(text("你们再拖着不赔我就去投诉"), SessionState(), config())
    assert same.jobs[0].payload["ticket_no"] == job.payload["ticket_no"]  # one ticket per message


def test_questions_are_answered_from_the_knowledge_base():
    out = router.handle(text("交强险要多少钱"), SessionState(), config())
    assert isinstance(out.reply, TextReply) and "950" in out.reply.content
    assert "95500" in out.reply.content  # the hotline placeholder is filled


def test_unsure_answers_offer_numbered_candidates():
    chat_state = SessionState()
    out = router.handle(text("报险时间"), chat_state, config())
    assert "1 交强险多少钱" in out.reply.content and "2 出险后多久要报案" in out.reply.content
    picked = router.handle(text("2"), out.state, config())
    assert picked.reply.content.startswith("48小时内")


def test_two_misses_in_a_row_offer_a_person_and_0_reaches_one():
    first = router.handle(text("火星上能理赔吗"), SessionState(), config())
    assert first.reply.content == t.KB_NOTHING
    second = router.handle(text("月球呢"), first.state, config())
    assert second.reply.content == t.KB_OFFER_PERSON.format(hotline="95500")
    assert "回复 0 转人工" in second.reply.content
    assert not second.jobs  # offered, not transferred
    assert not [e for e in second.effects if type(e).__name__ == "OpenHandoff"]
    person = router.handle(text("0"), second.state, config())
    assert person.jobs[0].kind == JobKind.HANDOFF_START and person.state.flow == handoff.FLOW


ORDINARY = ["你好", "谢谢", "好的", "嗯", "👍", "[微笑]", "谢谢🙏", "5", "88", "在吗？"]


@pytest.mark.parametrize("said", ORDINARY)
def test_ordinary_words_are_never_misses(said):
    """Greetings, thanks, acknowledgements, emoji and numbers off the menu, however many in a
    row, get a friendly line and the menu, and never a person on their own."""
    state = SessionState()
    for _ in range(4):
        out = router.handle(text(said), state, config())
        assert t.NUMBERED_MENU in out.reply.content and t.KB_NOTHING not in out.reply.content
        assert not out.jobs and not out.effects
        state = out.state if out.state is not None else state
    miss = router.handle(text("火星上能理赔吗"), state, config())
    assert miss.reply.content == t.KB_NOTHING  # still the first real miss
