"""What a message means (domain/understanding.py, what the router and `claimbot kb eval` share),
and how the evaluation scores it (devstack/kb_eval)."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import faq
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import SessionState
from chalicelib.domain.messages import InboundMessage, Kind, TextReply
from chalicelib.domain.understanding import Meaning, Understanding, understand
from chalicelib.kb import load_default, load_intents
from devstack.kb_eval import TARGETS, Case, evaluate, is_right, load_part

KB = load_default()
INTENTS = load_intents()


@pytest.mark.parametrize(
    ("said", "meaning"),
    [("撞了人 人在流血", Meaning.EMERGENCY), ("你们这是欺诈 我要去黑猫投诉", Meaning.COMPLAINT),
     ("别让机器人回复了 叫个人来", Meaning.PERSON), ("谢谢", Meaning.SMALL_TALK),
     ("怎么退保", Meaning.ANSWER), ("明天上海下雨吗", Meaning.NONE)],
)  # fmt: skip
def test_what_comes_first(said, meaning):
    assert understand(said, KB, INTENTS).meaning is meaning


def test_two_questions_in_one_message_answer_one_and_offer_the_other():
    got = understand("交强险多少钱？还有车船税多少钱", KB, INTENTS)
    assert got.meaning is Meaning.ANSWER and set(got.entries) == {"jqx_price", "vehicle_tax"}
    config = DialogConfig(hotline="95500", kb=KB, today=lambda: date(2026, 12, 5))
    msg = InboundMessage("o_1", "gh", 1, Kind.TEXT, "m:1", text="交强险多少钱？还有车船税多少钱")
    out = faq.ask(msg, SessionState(), config)
    [offer] = out.sends
    assert isinstance(offer, TextReply) and offer.content.startswith("您还问到：\n1 ")
    assert out.state.flow == faq.FLOW and out.state.data["candidates"] == [got.entries[1]]
    picked = faq.faq_flow(InboundMessage("o_1", "gh", 2, Kind.TEXT, "m:2", text="1"), out.state,
                          config)  # fmt: skip
    assert isinstance(picked.reply, TextReply) and picked.reply.content.endswith(
        t.KB_ANSWER_FOOTER)  # fmt: skip


def test_another_line_of_insurance_is_out_of_scope_whatever_it_scores():
    """寿险能退吗 shares its words with cancel_policy: without the guard a low bar answers it."""
    assert KB.ask("寿险能退吗").matches[0].entry.id == "cancel_policy"
    assert understand("寿险能退吗", KB, INTENTS).meaning is Meaning.NONE
    assert understand("车险能退吗", KB, INTENTS).entries[:1] == ("cancel_policy",)
    said = "撞车了 对方住院用了医保 交强险能赔多少"
    assert understand(said, KB, INTENTS) == Understanding(Meaning.ANSWER, ("jqx_limits",))


def test_the_bot_says_it_cannot_answer_another_line_and_records_the_miss():
    config = DialogConfig(hotline="95500", kb=KB, intents=INTENTS, today=lambda: date(2026, 12, 5))
    msg = InboundMessage("o_1", "gh", 1, Kind.TEXT, "m:1", text="寿险能退吗")
    out = faq.ask(msg, SessionState(), config)
    assert out.reply == TextReply(t.KB_NOTHING)
    [record] = out.effects
    assert record.outcome == "nothing" and record.offered == []


@pytest.mark.parametrize(
    ("expected", "got", "right"),
    [("answer:glass", Understanding(Meaning.ANSWER, ("glass",)), True),
     ("answer:glass+repair", Understanding(Meaning.ANSWER, ("repair",)), False),
     ("answer:glass", Understanding(Meaning.CANDIDATES, ("glass",)), False),
     ("answer:accident_steps", Understanding(Meaning.EMERGENCY, ("accident_steps",)), True),
     ("none", Understanding(Meaning.CANDIDATES, ("glass",)), True),
     ("none", Understanding(Meaning.ANSWER, ("glass",)), False),
     ("harmless:hotline", Understanding(Meaning.COMPLAINT), False),
     ("harmless:none", Understanding(Meaning.NONE), True),
     ("person", Understanding(Meaning.PERSON), True),
     ("complaint", Understanding(Meaning.PERSON), False)],
)  # fmt: skip
def test_how_the_evaluation_scores_an_answer(expected, got, right):
    assert is_right(expected, got) is right


def test_the_evaluation_set_is_split_and_covers_every_entry():
    tune, report = load_part("tune"), load_part("report")
    assert len(tune) + len(report) >= 600
    assert not {c.text for c in tune} & {c.text for c in report}  # nothing in both
    entries = {e.id for e in KB.entries}
    covered = {c.expected.split(":")[1].split("+")[0] for c in tune + report
               if c.expected.startswith("answer:")}  # fmt: skip
    assert covered == entries
    kinds = {c.expected.split(":")[0] for c in report}
    assert {"answer", "person", "complaint", "emergency", "none", "harmless"} <= kinds


def test_the_calibrate_part_is_its_own_and_covers_every_entry():
    """Thresholds are chosen on messages the content was never written from (nor reported on)."""
    calibrate = load_part("calibrate")
    others = {c.text for c in load_part("tune") + load_part("report")}
    assert len(calibrate) >= 200
    assert not {c.text for c in calibrate} & others
    covered = {c.expected.split(":")[1].split("+")[0] for c in calibrate
               if c.expected.startswith("answer:")}  # fmt: skip
    assert covered == {e.id for e in KB.entries}
    kinds = {c.expected.split(":")[0] for c in calibrate}
    assert {"answer", "person", "complaint", "emergency", "none", "harmless"} <= kinds


def test_the_sweep_tries_thresholds_and_puts_the_shipped_ones_back():
    from chalicelib.domain import kb as kbmod
    from devstack.kb_eval.sweep import sweep

    shipped = (kbmod.ANSWER_MIN, kbmod.ANSWER_MARGIN)
    cases = [Case("车险宝单在哪查", "answer:policy_lookup"), Case("高速收费标准是多少", "none")]
    grid = {"ANSWER_MIN": (0.40, 0.95), "ANSWER_MARGIN": (0.0,)}
    loose, strict = sweep(cases, grid)
    assert loose.out_of_scope_kept < strict.out_of_scope_kept  # a low bar answers off-topic too
    assert strict.in_scope_right == 0.0
    assert (kbmod.ANSWER_MIN, kbmod.ANSWER_MARGIN) == shipped


def test_the_figures_are_measured_against_their_targets():
    cases = [Case("怎么退保", "answer:cancel_policy"), Case("找个真人", "person"),
             Case("明天下雨吗", "none"), Case("律师费能赔吗", "harmless:none")]  # fmt: skip
    report = evaluate(cases, KB, INTENTS)
    figures = report.figures()
    assert set(figures) == set(TARGETS)
    assert figures["person_routed"] == 1.0 and figures["harmless_as_complaint_max"] == 0


def test_under_the_120_line_the_answer_to_what_was_asked():
    """Someone hurt and a question the knowledge base is sure of: 120 / 122 first, then the
    answer (not only the generic advice)."""
    from chalicelib.dialog import router

    config = DialogConfig(hotline="95500", kb=KB, intents=INTENTS)
    msg = InboundMessage("o_1", "gh", 1, Kind.TEXT, "m:3", text="撞伤了人交强险赔多少")
    reply = router.handle(msg, SessionState(), config).reply
    first, rest = reply.content.split("\n", 1)
    assert first == t.EMERGENCY_FIRST.format(hotline="95500")
    assert rest.startswith(KB.entry("jqx_limits").answer.split("\n")[0][:10])
    other = InboundMessage("o_1", "gh", 1, Kind.TEXT, "m:4", text="撞了人 人在流血 怎么办")
    assert router.handle(other, SessionState(), config).reply.content.endswith(
        t.EMERGENCY_ADVICE)  # fmt: skip


@pytest.mark.parametrize(
    ("said", "entry"),
    [("wo xiang mai chexian", "quote"),  # pinyin typed in letters
     ("jiaoqiangxian duoshao qian", "jqx_price"),
     ("理陪要多久", "claim_time")],  # a homophone of the input method
)  # fmt: skip
def test_customers_own_spellings_are_answered(said, entry):
    got = understand(said, KB, INTENTS)
    assert got.meaning is Meaning.ANSWER and got.entries[0] == entry


def test_the_question_at_the_end_of_a_run_on_is_offered_first():
    said = ("前两天下班回家的路上在小区门口停车的时候没注意后面有个柱子倒车就撞上去了"
            "后保险杠裂了一条缝我想知道出险后多久要报案")  # fmt: skip
    # Read clause by clause, the question ranks first; the whole message, diluted by the story,
    # ranks another entry first, so the bot offers rather than answers.
    got = understand(said, KB, INTENTS)
    assert got.meaning is Meaning.CANDIDATES and got.entries[0] == "report_deadline"
    assert KB.scores(said)[0].entry.id == "report_deadline"


def test_when_the_first_of_two_questions_is_unsure_both_are_offered_first_one_first():
    got = understand("那个玻璃的事？交强险多少钱", KB, INTENTS)
    assert got.meaning is Meaning.CANDIDATES
    assert got.entries[:2] == ("glass", "jqx_price")
