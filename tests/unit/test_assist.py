"""Assist (domain/assist.py): the knowledge base's candidates offered to staff, the numbered
reply in WeCom, and what the choices give the evaluation."""

from __future__ import annotations

from chalicelib.domain import assist
from chalicelib.domain.assist import Choice, candidates, eval_rows, grouped, parse_pick
from chalicelib.kb import load_default
from chalicelib.staff.messenger import MAX_TEXT_BYTES

KB = load_default()
VALUES = {"hotline": "95500", "privacy_url": "https://example.invalid/privacy"}


def test_candidates_are_the_knowledge_bases_ranking_best_first_at_most_ten():
    found = candidates(KB, "交强险多少钱", VALUES)
    assert found[0].entry_id == "jqx_price"
    assert 1 < len(found) <= assist.MAX_CANDIDATES
    assert [c.entry_id for c in found] == [m.entry.id for m in KB.scores("交强险多少钱")][
        : len(found)
    ]
    assert all(c.score >= assist.MIN_SCORE for c in found)
    assert all(c.answer and "{" not in c.answer for c in found)  # the bot's values filled in


def test_nothing_is_offered_for_small_talk_or_an_empty_message():
    assert candidates(KB, "你好", VALUES) == []
    assert candidates(KB, "   ", VALUES) == []


def test_a_staff_reply_picks_a_candidate_by_its_number():
    assert [parse_pick(x) for x in ("3", " 3 ", "３", "#3", "第3条", "3号", "10")] == [
        3, 3, 3, 3, 3, 3, 10,
    ]  # fmt: skip
    assert [parse_pick(x) for x in ("0", "11", "3天", "三", "3 好的", "", "#K7Q")] == [None] * 7


def test_the_numbered_block_names_titles_only_and_fits_a_wecom_message():
    found = candidates(KB, "我的车被撞了怎么报案啊现在还来得及吗", VALUES, limit=10)
    block = assist.numbered_block(found, "#K7Q")
    lines = block.split("\n")
    assert lines[0].startswith(assist.OFFER_HEAD) and "#K7Q 1" in lines[0]
    assert lines[1].startswith("1. ") and len(lines) == len(found) + 1
    assert all(len(line) <= assist.TITLE_CHARS + 4 for line in lines[1:])
    assert len(block.encode()) < MAX_TEXT_BYTES // 2  # room for the customer's words
    assert assist.numbered_block([], "#K7Q") == ""


def test_an_answer_sent_as_offered_is_not_edited_whatever_the_spacing():
    assert not assist.is_edited(" 交强险 保费\n950元 ", "交强险保费950元")
    assert assist.is_edited("交强险保费950元，您看可以吗", "交强险保费950元")


def _choice(question: str, entry: str, edited: bool = False, rank: int = 1) -> Choice:
    return Choice("2026-12-06", f"{question}{entry}{edited}", question, entry, rank,
                  ("a", "b"), edited, "agent1", assist.CONSOLE)  # fmt: skip


def test_choices_become_rows_for_the_tune_part_only_when_staff_agreed_and_it_is_new():
    groups = grouped([
        _choice("保费能分期吗", "pay_premium"),
        _choice("保费能分期吗？", "pay_premium"),  # the same question
        _choice("车贷还完了保单怎么改", "change_owner", edited=True),  # edited: not a phrasing
        _choice("玻璃碎了咋办", "glass"),
        _choice("玻璃碎了咋办", "scratch_unknown"),  # staff disagreed
        _choice("交强险多少钱啊", "jqx_price"),  # already in an evaluation part
    ])  # fmt: skip
    assert groups[0].question in ("保费能分期吗", "保费能分期吗？") and groups[0].count == 2
    rows = eval_rows(groups, known=["交强险多少钱", "别的问题"])
    assert rows == [{"text": groups[0].question, "expected": "answer:pay_premium",
                     "style": "assisted", "note": "staff sent it x2"}]  # fmt: skip


def test_one_choice_per_message_and_entry():
    assert assist.choice_id("m1", "glass") == assist.choice_id("m1", "glass")
    assert assist.choice_id("m1", "glass") != assist.choice_id("m1", "theft")
    assert assist.choice_id("m1", "glass") != assist.choice_id("m2", "glass")
