"""A person, or a complaint, in the customer's own words (chalicelib/kb/intents.csv)."""

from __future__ import annotations

import pytest

from chalicelib.domain.intents import GAP, IntentError, parse_intents
from chalicelib.kb import load_intents

INTENTS = load_intents()


@pytest.mark.parametrize(
    "said",
    ["我要找真人说话", "别让机器人回复了 叫个人来", "有没有活人", "rengong", "wo yao zhao zhenren",
     "机器人听不懂我的意思", "能不能让你们的人打个电话给我"],
)  # fmt: skip
def test_asking_for_a_person_in_natural_words(said):
    assert INTENTS.wants_person(said)


@pytest.mark.parametrize("said", ["客服电话是多少", "修车的人工费怎么算", "找人代办年检多少钱"])
def test_questions_about_people_are_not_asking_for_one(said):
    assert not INTENTS.wants_person(said)


@pytest.mark.parametrize(
    "said",
    ["投拆你们", "我要去微博发帖", "我去找电视台", "去黑猫投诉平台", "走法律程序吧",
     "国家金融监督管理总局的电话我查好了", "再拖我就去你们总部拉横幅"],
)  # fmt: skip
def test_complaints_without_the_usual_words(said):
    assert INTENTS.complaint_words(said)


@pytest.mark.parametrize(
    "said",
    ["律师费能赔吗", "我看到媒体报道说你们理赔很快", "怎么举报酒驾", "对方说要起诉我 三者险能赔吗",
     "投诉电话是多少"],
)  # fmt: skip
def test_harmless_sentences_with_complaint_words_are_not_complaints(said):
    assert INTENTS.complaint_words(said) == ()


def test_a_staff_edit_with_mistakes_is_refused_with_row_numbers():
    rows = [
        {"intent": "person", "phrase": "真人", "kind": "cue"},
        {"intent": "people", "phrase": "人", "kind": "cue"},
        {"intent": "complaint", "phrase": "x", "kind": "cue"},
        {"intent": "complaint", "phrase": "投诉", "kind": "maybe"},
    ]
    with pytest.raises(IntentError) as raised:
        parse_intents(rows)
    assert [line for line, _ in raised.value.errors] == [3, 4, 5]


def test_a_gap_allows_a_few_characters_between_the_parts():
    intents = parse_intents([{"intent": "person", "phrase": "找…真人", "kind": "cue"}])
    assert intents.wants_person("找个真人") and intents.wants_person("找你们公司的真人")
    assert not intents.wants_person("找" + "到" * (GAP + 1) + "真人")  # too far apart


@pytest.mark.parametrize(
    ("said", "word"),
    [("寿险能退吗", "寿险"), ("wo xiang mai shouxian", "shouxian"), ("重疾险怎么买", "重疾"),
     ("我家房子被水淹了 家财险赔不赔", "家财险"), ("孩子的意外险怎么报销", "意外险"),
     ("住院医疗险一年多少钱", "医疗险")],
)  # fmt: skip
def test_another_line_of_insurance_is_named(said, word):
    assert word in INTENTS.other_line(said)


@pytest.mark.parametrize(
    "said",
    ["车险里的驾乘意外险保什么", "买了车险送的意外险怎么理赔",
     "撞车了 对方住院用了医保 交强险能赔多少", "座位险算不算意外险", "车险怎么退保"],
)  # fmt: skip
def test_a_motor_question_naming_another_line_is_still_motor(said):
    assert INTENTS.other_line(said) == ()


def test_no_faq_phrasing_or_keyword_is_taken_for_another_line():
    from chalicelib.kb import load_default

    said = [q for e in load_default().entries for q in (*e.questions, *e.keywords)]
    assert [q for q in said if INTENTS.other_line(q)] == []
