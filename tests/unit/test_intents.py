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
