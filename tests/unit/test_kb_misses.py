"""The miss log: every question the knowledge base was not sure of is recorded, masked, once,
with what was offered and what the customer did next; `kb misses` groups a period's records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import faq
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import NoteKbFollowUp, RecordKbMiss, SessionState
from chalicelib.domain import kb_misses as misses
from chalicelib.domain.kb_misses import KbMiss, days_between, most_frequent, question_key
from chalicelib.domain.masking import mask_free_text
from chalicelib.domain.messages import Event, InboundMessage, Kind
from chalicelib.kb import load_default, load_intents
from tests.unit.dialog_driver import FakeHandoffs, turn

KB = load_default()
INTENTS = load_intents()
CREATED = 1_796_000_000  # 2026-11-30 09:33 China time


@dataclass
class FakeMissLog:
    """The KbMisses port as DynamoDB keeps it: a record once per id, the first next step."""

    records: dict[str, dict] = field(default_factory=dict)

    def record(self, day, miss_id, question, outcome, offered, at):
        self.records.setdefault(miss_id, {"day": day, "question": question, "outcome": outcome,
                                          "offered": list(offered), "chose": ""})  # fmt: skip

    def follow_up(self, day, miss_id, chose):
        if miss_id in self.records and not self.records[miss_id]["chose"]:
            self.records[miss_id]["chose"] = chose


@pytest.fixture
def log() -> FakeMissLog:
    return FakeMissLog()


@pytest.fixture
def config(log) -> DialogConfig:
    return DialogConfig(hotline="95500", kb=KB, intents=INTENTS, kb_misses=log,
                        handoffs=FakeHandoffs())  # fmt: skip


def text(said: str, n: int = 1) -> InboundMessage:
    return InboundMessage("o_miss", "gh", CREATED + n, Kind.TEXT, f"m:o_miss:{n}",
                          msg_id=str(n), text=said)  # fmt: skip


def click(key: str, n: int) -> InboundMessage:
    return InboundMessage("o_miss", "gh", CREATED + n, Kind.EVENT, f"e:o_miss:{n}",
                          event=Event.CLICK, event_key=key, raw_event="CLICK")  # fmt: skip


def view(n: int) -> InboundMessage:
    return InboundMessage("o_miss", "gh", CREATED + n, Kind.EVENT, f"e:o_miss:{n}",
                          event=Event.VIEW, raw_event="VIEW")  # fmt: skip


def recorded(outcome) -> list[RecordKbMiss]:
    return [e for e in outcome.effects if isinstance(e, RecordKbMiss)]


def notes(outcome) -> list[NoteKbFollowUp]:
    return [e for e in outcome.effects if isinstance(e, NoteKbFollowUp)]


def test_a_question_with_no_answer_is_recorded_masked_by_day_once(config, log):
    said = "我的车粤B12345停在火星上 能理赔吗 电话13800138000"
    out = turn(text(said), SessionState(), config)
    assert out.reply.content == t.KB_NOTHING
    [record] = recorded(out)
    assert record.outcome == misses.NOTHING and record.offered == []
    assert record.day == "2026-11-30"
    assert "12345" not in record.question and "13800138000" not in record.question
    assert record.question == mask_free_text(said)
    again = turn(text(said), SessionState(), config)  # WeChat's retry, decided again
    assert recorded(again) == [record] and len(log.records) == 1


def test_picking_an_offered_candidate_is_noted_on_the_miss(config, log):
    out = turn(text("退保能分期吗"), SessionState(), config)
    [record] = recorded(out)
    assert record.outcome == misses.CANDIDATES
    assert record.offered == ["pay_premium", "cancel_policy", "change_owner"]
    picked = turn(text("1", n=2), out.state, config)
    assert notes(picked) == [NoteKbFollowUp(record.day, record.miss_id, "picked:pay_premium")]
    assert faq.KB_MISS not in picked.state.data
    assert log.records[record.miss_id]["chose"] == "picked:pay_premium"
    thanks = turn(text("谢谢", n=3), picked.state, config)
    assert not notes(thanks)  # only the first step after a miss is noted


@pytest.mark.parametrize(
    ("next_message", "chose"),
    [
        (text("0", n=2), misses.NEXT_PERSON),
        (text("别让机器人回复了 叫个人来", n=2), misses.NEXT_PERSON),
        (text("交强险一年多少钱啊", n=2), misses.NEXT_ANSWERED),
        (text("月球上呢", n=2), misses.NEXT_MISSED),
        (text("谢谢", n=2), misses.NEXT_OTHER),
        (text("菜单", n=2), "menu:menu"),
        (click("HELP", n=2), "menu:help"),
        (text("再不给答复我就去微博发帖曝光你们", n=2), misses.NEXT_COMPLAINT),
    ],
)
def test_what_the_customer_did_next_is_noted(config, log, next_message, chose):
    first = turn(text("火星上的车能理赔吗"), SessionState(), config)
    [record] = recorded(first)
    out = turn(next_message, first.state, config)
    assert notes(out) == [NoteKbFollowUp(record.day, record.miss_id, chose)]
    assert log.records[record.miss_id]["chose"] == chose
    assert out.state is None or faq.KB_MISS not in out.state.data or recorded(out)


def test_a_second_miss_is_recorded_and_noted_as_rephrased(config, log):
    first = turn(text("火星上的车能理赔吗"), SessionState(), config)
    second = turn(text("月球上呢", n=2), first.state, config)
    assert second.reply.content == t.KB_OFFER_PERSON.format(hotline="95500")
    assert len(log.records) == 2
    [new] = recorded(second)
    assert second.state.data[faq.KB_MISS] == [new.day, new.miss_id]  # its own next step next


def test_events_that_are_not_choices_leave_the_miss_waiting(config, log):
    first = turn(text("火星上的车能理赔吗"), SessionState(), config)
    viewed = turn(view(2), first.state, config)
    assert not notes(viewed)
    state = viewed.state or first.state
    assert faq.KB_MISS in state.data


def test_answers_and_ordinary_words_are_not_misses(config, log):
    for said in ("交强险一年多少钱啊", "谢谢", "你好", "好的"):
        assert not recorded(turn(text(said), SessionState(), config))
    assert log.records == {}


def test_without_a_miss_log_configured_nothing_breaks():
    config = DialogConfig(hotline="95500", kb=KB, intents=INTENTS)
    out = turn(text("火星上的车能理赔吗"), SessionState(), config)
    assert out.reply.content == t.KB_NOTHING and recorded(out)


def test_free_text_is_masked_before_it_is_kept():
    said = "粤b·d12345的车 车架号LSVAB2BM5GN123456 身份证44010619900101123X 电话13800138000"
    masked = mask_free_text(said)
    for secret in ("D12345", "d12345", "LSVAB2BM5GN123456", "44010619900101123X", "13800138000"):
        assert secret not in masked
    assert masked.startswith("粤B·") and "的车" in masked
    assert mask_free_text("退保怎么退") == "退保怎么退"


def test_questions_are_counted_together_whatever_the_punctuation_and_particles():
    assert question_key("退保 怎么退啊？？") == question_key("退保怎么退") == "退保怎么退"
    assert question_key("Wo Xiang Mai Chexian!") == "woxiangmaichexian"
    assert question_key("吗") == "吗"  # a particle alone stays


def test_most_frequent_groups_a_periods_records():
    records = [
        KbMiss("2026-11-30", "1", "能分期吗", misses.CANDIDATES, ("pay_premium", "cancel_policy"),
               "picked:pay_premium"),
        KbMiss("2026-11-30", "2", "能分期吗？", misses.CANDIDATES, ("pay_premium",),
               "picked:pay_premium"),
        KbMiss("2026-12-01", "3", "能 分期吗", misses.CANDIDATES, ("pay_premium",), "person"),
        KbMiss("2026-12-01", "4", "火星上能赔吗", misses.NOTHING),
        KbMiss("2026-12-01", "5", "火星上能赔吗", misses.NOTHING, (), "rephrased:missed"),
        KbMiss("2026-12-02", "6", "怎么开发票", misses.NOTHING),
    ]  # fmt: skip
    first, second, third = most_frequent(records)
    assert (first.question, first.count, first.nothing) == ("能分期吗", 3, 0)
    assert first.offered["pay_premium"] == 3
    assert first.picked == {"pay_premium": 2} and first.chose["person"] == 1
    assert (second.question, second.count, second.nothing) == ("火星上能赔吗", 2, 2)
    assert third.question == "怎么开发票"
    assert len(most_frequent(records, top=1)) == 1


def test_a_period_is_read_day_by_day():
    assert days_between(date(2026, 11, 29), date(2026, 12, 1)) == [
        "2026-11-29", "2026-11-30", "2026-12-01"]  # fmt: skip
    assert days_between(date(2026, 12, 1), date(2026, 12, 1)) == ["2026-12-01"]
