"""The knowledge base: parsing the staff's CSV files, the operator's error messages, the text
normalisation, synonyms, word order, typos and the answer / candidates / none decision."""

from __future__ import annotations

import csv
import io

import pytest

from chalicelib.domain import kb as kbmod
from chalicelib.domain.kb import (
    Article,
    KbError,
    KnowledgeBase,
    csv_rows,
    fill,
    normalise_question,
    parse_kb,
    parse_synonyms,
)
from chalicelib.kb import load_default, pinyin_table

HEADER = list(kbmod.COLUMNS)


def row(entry_id="a", questions="问题", answer="答案", **more) -> dict[str, str]:
    values = {
        "id": entry_id,
        "category": "",
        "questions": questions,
        "keywords": "",
        "answer": answer,
        "article_title": "",
        "article_description": "",
        "article_url": "",
    }
    values.update(more)
    return values


def errors_of(rows, synonyms=()) -> list[tuple[int, str]]:
    with pytest.raises(KbError) as caught:
        parse_kb(rows, synonyms)
    return caught.value.errors


def to_csv(rows: list[dict[str, str]], header=HEADER, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


# A small knowledge base of its own, so these tests do not move with the shipped files.
ROWS = [
    row(
        "jqx_price",
        "交强险多少钱|交强险一年多少钱",
        "交强险基础保费 950 元起。",
        keywords="交强险价格",
        category="交强险",
    ),
    row("report_how", "怎么报案\n在哪里报案", "请拨打 {hotline} 报案。", keywords="报案电话"),
    row(
        "report_deadline",
        "出险后多久要报案｜报案有时间限制吗",
        "请在48小时内报案。",
        keywords="48小时|报案时限",
    ),
    row("policy_lookup", "怎么查询保单|保单号在哪里看", "回复 3 查询保单。", keywords="保单查询"),
    row(
        "claim_materials",
        "理赔需要什么材料|索赔要准备哪些资料",
        "身份证、驾驶证、行驶证……",
        keywords="理赔材料",
    ),
    row("vin_where", "车架号在哪里看", "行驶证上和前挡风玻璃左下角。", keywords="车架号"),
    row(
        "privacy",
        "个人信息安全吗",
        "",
        article_title="个人信息保护政策",
        article_description="我们如何保护您的信息",
        article_url="{privacy_url}",
    ),
]
SYNONYMS = [
    {"word": "交强险", "synonyms": "强制险|交强"},
    {"word": "报案", "synonyms": "报险，出险报告"},
    {"word": "车架号", "synonyms": "VIN码|vin|车辆识别代号"},
    {"word": "材料", "synonyms": "资料"},
]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return parse_kb(ROWS, SYNONYMS, pinyin_table())


def best(kb: KnowledgeBase, question: str) -> str | None:
    result = kb.ask(question)
    return result.matches[0].entry.id if result.matches else None


# --- parsing -----------------------------------------------------------------------------


def test_parses_entries_with_every_separator(kb):
    price = kb.entry("jqx_price")
    assert price.questions == ("交强险多少钱", "交强险一年多少钱")
    assert price.keywords == ("交强险价格",)
    assert price.category == "交强险"
    assert kb.entry("report_how").questions == ("怎么报案", "在哪里报案")  # line break
    assert kb.entry("report_deadline").questions == ("出险后多久要报案", "报案有时间限制吗")  # ｜
    assert kb.entry("report_deadline").keywords == ("48小时", "报案时限")
    assert kb.entry("privacy").article == Article(
        "个人信息保护政策", "我们如何保护您的信息", "{privacy_url}"
    )
    assert kb.entry("privacy").answer == ""
    assert kb.entry("nope") is None
    assert [e.id for e in kb.entries][:2] == ["jqx_price", "report_how"]


def test_header_with_bom_spaces_and_capitals_and_blank_rows():
    rows = [
        {"\ufeffID ": "a", " Questions": "问题一 | 问题二 |", "ANSWER": "答案"},
        {"\ufeffID ": "", " Questions": "", "ANSWER": ""},
    ]
    kb = parse_kb(rows)
    assert kb.entry("a").questions == ("问题一", "问题二")
    assert len(kb.entries) == 1


def test_csv_rows_reads_utf8_with_bom_gbk_and_cells_with_line_breaks():
    rows = [row("a", "第一个问题\n第二个问题", "第一行\n第二行")]
    for encoding in ("utf-8-sig", "utf-8", "gbk"):
        parsed = parse_kb(csv_rows(to_csv(rows, encoding=encoding)))
        assert parsed.entry("a").questions == ("第一个问题", "第二个问题")
        assert parsed.entry("a").answer == "第一行\n第二行"


def test_csv_rows_drops_blank_cells_past_the_header_and_refuses_written_ones():
    header = "id,questions,answer\r\n"
    trailing = (header + "a,问题,答案,,\r\n").encode()  # a spreadsheet's empty cells
    assert parse_kb(csv_rows(trailing)).entry("a").answer == "答案"
    stray = (header + "a,问题,答案\r\nb,问题二,答案,多写的\r\n").encode()
    with pytest.raises(KbError, match="row 3: more cells than the header"):
        csv_rows(stray)


def test_csv_rows_refuses_a_workbook_and_binary():
    with pytest.raises(KbError, match="Excel workbook"):
        csv_rows(b"PK\x03\x04rest of an xlsx")
    with pytest.raises(KbError, match="neither UTF-8 nor GBK"):
        csv_rows(b"\xff\xfe\x00\x00\x81\x30\xff")


def test_cells_a_spreadsheet_would_run_as_formulas_are_refused():
    rows = [row("ok"), row("formula", answer="=HYPERLINK(\"http://evil.example\",\"点击\")"),
            row("at", questions="@SUM(1+1)|正常问题")]  # fmt: skip
    errors = errors_of(rows)
    assert (3, "answer starts with '=': a spreadsheet would run it as a formula; remove the "
               "sign or put text before it") in errors  # fmt: skip
    assert any(line == 4 and "questions starts with '@'" in reason for line, reason in errors)


def test_every_row_problem_is_reported_with_its_row():
    rows = [
        row("ok"),
        row(""),  # row 3
        row("no_questions", questions=" | "),  # row 4
        row("nothing", answer=""),  # row 5
        row("ok", questions="另一个问题"),  # row 6
        row("bad url", article_title="标题", article_url="ftp://example.com/x"),  # row 7
        row("half_article", answer="", article_url="https://example.com/a"),  # row 8
        row("braces", answer="请拨打 {phone} 或 {hotline"),  # row 9
        row("too_long", answer="长" * 601),  # row 10
        row("clash", questions="问题？"),  # row 11: the same question as "ok" once normalised
        {k: "" for k in HEADER},  # blank: skipped
    ]
    errors = errors_of(rows)
    assert errors == [
        (3, "missing id"),
        (4, "no questions"),
        (5, "neither answer nor article (article_title and article_url)"),
        (6, "duplicate id 'ok' (first on row 2)"),
        (7, "id 'bad url' must be letters, digits, '_', '-' or '.' (at most 64, no spaces)"),
        (
            7,
            "bad article_url 'ftp://example.com/x': use an https:// or http:// address, "
            "or {privacy_url}",
        ),
        (8, "article without article_title"),
        (9, "answer has an unknown placeholder {phone} (allowed: {hotline}, {privacy_url})"),
        (9, "answer has a stray '{' or '}' (only {hotline}-style placeholders)"),
        (10, "answer is 601 characters; keep it under 600"),
        (11, "question '问题？' is also a question of 'ok'"),
    ]
    assert "row 3: missing id" in str(KbError(errors))


@pytest.mark.parametrize(
    "url, good",
    [
        ("https://example.com/privacy", True),
        ("http://example.com", True),
        ("{privacy_url}", True),
        ("{hotline}", False),
        ("example.com/privacy", False),
        ("https://", False),
        ("https://exa mple.com", False),
        ("javascript:alert(1)", False),
    ],
)
def test_article_urls(url, good):
    rows = [row("a", answer="", article_title="标题", article_url=url)]
    if good:
        assert parse_kb(rows).entry("a").article.url == url
    else:
        assert any("bad article_url" in reason for _, reason in errors_of(rows))


def test_missing_columns_and_empty_file():
    assert errors_of([{"id": "a", "answer": "x"}]) == [(1, "missing column(s): questions")]
    assert errors_of([]) == [(1, "the file has no entries")]
    assert errors_of([{k: "" for k in HEADER}]) == [(1, "the file has no entries")]


def test_synonym_problems():
    with pytest.raises(KbError) as caught:
        parse_synonyms(
            [
                {"word": "交强险", "synonyms": "强制险|交强"},
                {"word": "", "synonyms": "x"},
                {"word": "空", "synonyms": " | "},
                {"word": "强险", "synonyms": "强制险"},
                {"word": "交强险", "synonyms": "交通强制险"},  # the same word again: fine
            ]
        )
    assert caught.value.errors == [
        (3, "missing word"),
        (4, "no synonyms for '空'"),
        (5, "'强制险' already belongs to '交强险' (row 2)"),
    ]
    with pytest.raises(KbError) as caught:
        parse_kb([row()], [{"word": "a"}])
    assert caught.value.errors == [(1, "synonyms: missing column(s): synonyms")]


def test_synonyms_are_normalised_and_split_on_chinese_commas():
    pairs = parse_synonyms([{"word": "ＶＩＮ", "synonyms": "车架号，车辆识别代号、大架号"}])
    assert pairs == (("vin", ("车架号", "车辆识别代号", "大架号")),)


def test_fill_puts_in_known_placeholders_only():
    values = {"hotline": "95500", "privacy_url": "https://example.com/p"}
    assert (
        fill("请拨打 {hotline}，见 {privacy_url}", values)
        == "请拨打 95500，见 https://example.com/p"
    )
    assert fill("{other}", values) == "{other}"


def test_data_round_trip_answers_the_same(kb):
    entries, synonyms = kb.to_data()
    again = KnowledgeBase.from_data(entries, synonyms, pinyin_table())
    assert again.entries == kb.entries
    for question in ("强制险多少钱", "vin在哪", "今天天气怎么样"):
        assert again.ask(question) == kb.ask(question)


# --- normalisation and matching -------------------------------------------------------------


def test_normalisation():
    assert normalise_question("ＮＣＤ　是什么？！") == "ncd是什么"
    assert normalise_question("你好，请问交强险多少钱呀～😊") == "交强险多少钱"
    assert normalise_question("麻烦问一下 车险 多少钱吗") == "车险多少钱"
    assert normalise_question("吗") == "吗"  # nothing but a particle: kept


def test_full_width_case_and_punctuation_do_not_matter(kb):
    plain = kb.ask("交强险多少钱")
    for variant in ("交强险多少钱？", "  交强险，多少钱!!", "请问交强险多少钱呢", "交强险多少钱😊"):
        assert kb.ask(variant) == plain
    assert best(kb, "ＶＩＮ码在哪看") == "vin_where"


def test_synonyms_match_other_words(kb):
    assert kb.ask("强制险多少钱").kind == "answer"
    assert best(kb, "强制险多少钱") == "jqx_price"
    assert best(kb, "车辆识别代号在哪里看") == "vin_where"
    assert best(kb, "理赔要什么资料") == "claim_materials"
    assert best(kb, "出险报告有时间限制吗") == "report_deadline"


def test_word_order_does_not_matter_much(kb):
    assert best(kb, "保单查询怎么弄") == "policy_lookup"
    assert best(kb, "多少钱交强险") == "jqx_price"
    assert best(kb, "报案要多久出险后") == "report_deadline"


def test_pinyin_typos_are_fixed_when_the_neighbour_agrees(kb):
    assert best(kb, "怎么抱案") == "report_how"  # 抱 for 报
    assert best(kb, "车驾号在哪里看") == "vin_where"  # 驾 for 架
    assert best(kb, "理陪需要什么材料") == "claim_materials"  # 陪 for 赔
    assert kb._fix_sounds("怎么抱案") == "怎么报案"
    assert kb._fix_sounds("抱案") == "抱案"  # a lone pair is not evidence enough


def test_without_a_pinyin_table_typos_stay(kb):
    plain = parse_kb(ROWS, SYNONYMS)
    assert plain.ask("怎么抱案").confidence < kb.ask("怎么抱案").confidence


def test_keywords_answer_short_questions(kb):
    assert kb.ask("报案电话").kind == "answer"
    assert best(kb, "报案电话") == "report_how"
    assert best(kb, "48小时") == "report_deadline"


def test_off_topic_gets_nothing(kb):
    for question in ("今天天气怎么样", "推荐一家餐厅", "你是机器人吗", "", "？？？", "😊"):
        result = kb.ask(question)
        assert result.kind == "none"
        assert result.matches == ()
        assert result.confidence < kbmod.CANDIDATE_MIN


def test_answer_has_one_match_and_its_confidence(kb):
    result = kb.ask("交强险一年多少钱")
    assert result.kind == "answer"
    assert [m.entry.id for m in result.matches] == ["jqx_price"]
    assert result.confidence == result.matches[0].score
    assert 0 < result.confidence <= 1


def test_unsure_gives_two_or_three_candidates_best_first(kb):
    # Asks about both the time limit and the telephone: either entry may be meant.
    result = kb.ask("报案时间和电话")
    assert result.kind == "candidates"
    assert 2 <= len(result.matches) <= kbmod.MAX_CANDIDATES
    assert {m.entry.id for m in result.matches} >= {"report_how", "report_deadline"}
    scores = [m.score for m in result.matches]
    assert scores == sorted(scores, reverse=True)
    assert result.confidence == scores[0]


def test_thresholds_decide_the_kind(kb, monkeypatch):
    question = "交强险一年大概要多少钱"  # not one of the entry's own phrasings
    score = kb.ask(question).confidence
    monkeypatch.setattr(kbmod, "ANSWER_SURE", score + 0.01)
    monkeypatch.setattr(kbmod, "ANSWER_MIN", score + 0.01)
    assert kb.ask(question).kind == "candidates"
    monkeypatch.setattr(kbmod, "CANDIDATE_MIN", score + 0.01)
    assert kb.ask(question) == kbmod.KbResult("none", (), score)


def test_an_entrys_own_phrasing_is_answered_whatever_the_thresholds(kb, monkeypatch):
    monkeypatch.setattr(kbmod, "ANSWER_SURE", 1.01)
    monkeypatch.setattr(kbmod, "ANSWER_MIN", 1.01)
    result = kb.ask("交强险一年多少钱啊")
    assert result.kind == "answer"
    assert result.matches[0].entry.id == "jqx_price"
    assert kb.ask("交强险一年大概要多少钱").kind == "candidates"


def test_result_as_json(kb):
    data = kb.ask("强制险多少钱").to_json()
    assert data["kind"] == "answer"
    assert data["matches"][0]["id"] == "jqx_price"
    assert data["matches"][0]["question"] == "交强险多少钱"
    assert data["confidence"] == data["matches"][0]["score"]


# --- the shipped knowledge base -------------------------------------------------------------


def test_the_shipped_files_parse_and_every_entry_answers_its_own_questions():
    shipped = load_default()
    assert len(shipped.entries) >= 40
    for entry in shipped.entries:
        for question in entry.questions + entry.keywords:
            result = shipped.ask(question)
            assert result.kind == "answer", (entry.id, question, result)
            assert result.matches[0].entry.id == entry.id, (entry.id, question, result)


def test_the_shipped_answers_use_only_known_placeholders_in_the_insurers_own_voice():
    shipped = load_default()
    values = {"hotline": "95500", "privacy_url": "https://example.com/privacy"}
    for entry in shipped.entries:
        assert "{" not in fill(entry.answer, values), entry.id
    price = shipped.entry("jqx_price").answer
    assert "950" in price and "1100" in price
    # The insurer speaks for itself: no "as the insurance company rules" disclaimer appended.
    assert not any("以保险公司规定为准" in (e.answer or "") for e in shipped.entries)
    assert "48小时" in shipped.entry("report_deadline").answer
    assert "{hotline}" in shipped.entry("hotline").answer
    assert shipped.entry("privacy").article.url == "{privacy_url}"


def test_matching_works_without_rapidfuzz(kb, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "rapidfuzz", None)  # import fails: a package left out
    plain = parse_kb(ROWS, SYNONYMS, pinyin_table())
    assert plain._edit is None
    assert best(plain, "强制险多少钱") == "jqx_price"
    assert plain.ask("交强险一年多少钱").kind == "answer"
    assert plain.ask("今天天气怎么样").kind == "none"
