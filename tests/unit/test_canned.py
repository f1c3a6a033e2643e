"""Canned replies (domain/canned.py): placeholders filled from the customer, unknown ones left
visible and flagged, never an empty gap; what a supervisor may save."""

from __future__ import annotations

import pytest

from chalicelib.domain import canned
from chalicelib.domain.canned import CannedError, check, fill, surname_of, values_for


def test_placeholders_are_filled_from_the_customer():
    values = values_for("欧阳女士", "欧阳", "CL2026120600001", "PDAA2026", "赵客服", "95500")
    text = "{称呼}您好，我是{坐席}。您的赔案 {赔案号} 已受理，{姓}女士请留意；热线{热线}"
    filled = fill(text, values)
    assert filled.text == ("欧阳女士您好，我是赵客服。您的赔案 CL2026120600001 已受理，"
                           "欧阳女士请留意；热线95500")  # fmt: skip
    assert filled.unfilled == ()


def test_an_unknown_placeholder_or_one_without_a_value_stays_visible_and_is_flagged():
    values = values_for(None, None, None, None, "赵客服", "95500")  # not bound: no name, no claim
    filled = fill("{称呼}您好，赔案{赔案号}，车牌{车牌}，{坐席}为您服务", values)
    assert filled.text == "{称呼}您好，赔案{赔案号}，车牌{车牌}，赵客服为您服务"
    assert filled.unfilled == ("称呼", "赔案号", "车牌")
    assert canned.unknown_placeholders("车牌{车牌}，{称呼}") == ["车牌"]
    assert canned.unfilled_in(filled.text) == ["称呼", "赔案号", "车牌"]
    assert canned.unfilled_in("普通的回复 {不是 占位}") == []


def test_the_surname_comes_from_the_masked_salutation():
    assert [surname_of(s) for s in ("张先生", "欧阳女士", "李先生/女士", "尊敬的客户", "")] == [
        "张", "欧阳", "李", "", ""]  # fmt: skip


def test_a_supervisor_saves_a_titled_reply_within_the_limits():
    draft = check({"title": " 补充材料 ", "text": "请补充{赔案号}的材料", "shortcut": "bc",
                   "category": "理赔"})  # fmt: skip
    assert (draft.title, draft.shortcut, draft.category) == ("补充材料", "bc", "理赔")
    for body, why in (
        ({"title": "", "text": "x"}, "标题"),
        ({"title": "t", "text": " "}, "内容"),
        ({"title": "t" * 31, "text": "x"}, "标题最多"),
        ({"title": "t", "text": "x" * 1001}, "内容最多"),
        ({"title": "t", "text": "x", "shortcut": "a b"}, "快捷词"),
    ):
        with pytest.raises(CannedError, match=why):
            check(body)


def test_search_finds_every_word_in_any_field():
    fields = ("补充材料", "bc", "请补充{赔案号}的材料", "理赔")
    assert canned.matches("补充", fields) and canned.matches("BC 理赔", fields)
    assert canned.matches("", fields) and not canned.matches("退保", fields)
