"""No customer ever reads English, an internal error or a template placeholder.

Runs last (tests/conftest.py orders it): it reads every reply and push the whole test run
showed to customers (devstack/transcript.py's file, written by the simulator's client and the
WeChat emulator in this process and in `claimbot dev` children, and what the dialog and the
webhook answered in this process), adds messy conversations of its own through every flow and
every answer of the knowledge base, and checks each word."""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta

import pytest

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import quote
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import SessionState
from chalicelib.domain.kb import fill
from chalicelib.domain.licence import LicenceFields, validate
from chalicelib.domain.messages import Event, InboundMessage, Kind
from chalicelib.kb import load_default
from devstack import transcript
from tests import conftest
from tests.unit.dialog_driver import FakeHandoffs, turn
from tests.unit.test_lookup_flow import OUYANG, claim, policy
from tests.unit.test_survey_flow import NOW, TODAY, Book, FakeSurveys

# Words customers may read in Latin letters: product and WeChat terms, units.
ALLOWED_WORDS = {"VIN", "ETC", "SUV", "MPV", "APP", "App", "app", "OK", "ok", "WiFi", "GPS", "PDF",
                 "km", "kg", "NCD"}  # fmt: skip
INTERNAL = re.compile(
    r"Traceback|Exception|Error\b|error\b|\bNone\b|\bnull\b|undefined|\bNaN\b|\bTrue\b|\bFalse\b"
    r"|object at 0x|\{[a-z_]+\}|\{\}|\\n|KeyError|ValueError|\bexpected\b"
)
URL = re.compile(r"https?://\S+")
TOKEN = re.compile(r"[A-Za-z0-9_\-.·/#@*]+")


def problems_in(text: str) -> list[str]:
    """What in `text` a customer must never read (empty when all is well)."""
    found = [m.group(0) for m in INTERNAL.finditer(text)]
    for token in TOKEN.findall(URL.sub(" ", text)):
        letters = re.sub(r"[^A-Za-z]", "", token)
        if token.isalpha() and len(letters) >= 3 and token not in ALLOWED_WORDS:
            found.append(token)
    return found


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("暂时无法为这辆车报价：unknown use character '营运': expected one of 非营运", True),
        ("请拨打 {hotline}", True),
        ("Traceback (most recent call last)", True),
        ("报案号 RSVY202611220930150001，车牌 粤B·***45，VIN 已核对", False),
        ("点击查看 https://example.com/privacy?x=1", False),
        ("您的保单 PDAA20264401000000001 有效", False),
    ],
)
def test_the_check_itself_tells_english_from_references(text, bad):
    assert bool(problems_in(text)) is bad


def test_no_customer_reads_english_or_an_internal_error():
    shown = _shown_elsewhere() + _messy_conversations() + _every_knowledge_base_answer()
    assert len(shown) >= 100, "too little was shown to check"
    bad = {(where, text): problems_in(text) for where, text in shown if problems_in(text)}
    listed = [f"[{w}] {p}: {x}" for (w, x), p in list(bad.items())[:30]]
    assert not bad, f"{len(bad)} texts customers read are not right:\n\n" + "\n\n".join(listed)


def _shown_elsewhere() -> list[tuple[str, str]]:
    shown = list(conftest.SHOWN)
    path = os.environ.get(transcript.ENV)
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                entry = json.loads(line)
                shown += [(entry["via"], text) for text in entry["texts"]]
    return shown


def _every_knowledge_base_answer() -> list[tuple[str, str]]:
    values = {"hotline": "95500", "privacy_url": "https://bot.example.com/privacy"}
    shown = []
    for entry in load_default().entries:  # as the dialog fills them in
        shown.append(("kb", fill(entry.answer or "", values)))
        if entry.article is not None:
            article = entry.article
            shown.append(("kb", fill(f"{article.title}\n{article.description}", values)))
    return shown


def _messy_conversations() -> list[tuple[str, str]]:
    """Every flow, walked by someone who does not read the instructions."""
    mine = policy(OUYANG, "PDAA202600000000000001", TODAY + timedelta(days=200))
    book = Book(customers={}, answers={("粤B12345", "12345X"): OUYANG}, policies=[mine],
                claims=[claim(OUYANG, "RSVY202611200930150001", s) for s in _statuses()])
    config = DialogConfig(hotline="95500", book=book, surveys=FakeSurveys(), kb=load_default(),
                          handoffs=FakeHandoffs(),
                          public_url="https://bot.example.com", today=lambda: TODAY,
                          clock=lambda: NOW.timestamp())  # fmt: skip
    said = ["你好", "谢谢", "👍", "9", "在吗", "我想问问我的车险", "火星上能理赔吗", "月球呢", "0",
            "理赔进度", "菜单", "1", "结束人工", "3", "粤B12345", "1234", "12345X", "3", "4",
            "我的案子RSVY202611200930150001现在怎么样了", "2", "不清楚", "没有人受伤", "不涉及",
            "还能开", "三天前", "明天上午", "昨晚", "半小时前", "路边", "昨天下午3点",
            "广州市天河区天河路100号", "撞", "倒车时撞到柱子", "嗯？", "修改时间", "乱写", "刚刚",
            "确认", "好的", "取消", "继续查勘", "撞了人 人在流血 怎么办", "解绑", "解绑", "取消",
            "帮助", "人工", "保单查询", "报价", "车牌是粤B54321", "嗯嗯", "确认", "7", "贵",
            "18万", "2", "火星", "广东"]  # fmt: skip
    shown: list[tuple[str, str]] = []
    state = SessionState()
    for n, words in enumerate(said):
        if words == "报价":
            state = _at_the_licence_read_back(config, state)
            continue
        msg = InboundMessage("o_words", "gh", int(NOW.timestamp()), Kind.TEXT, f"m:words:{n}",
                             msg_id=str(n), text=words)  # fmt: skip
        outcome = turn(msg, state, config)
        shown += [("messy", conftest._words(r)) for r in (outcome.reply, *outcome.sends) if r]
        state = outcome.state if outcome.state is not None else state
    for key in ("QUOTE", "SURVEY", "POLICY", "CLAIM", "HUMAN", "HELP", "NOPE"):
        click = InboundMessage("o_words", "gh", int(NOW.timestamp()), Kind.EVENT, f"c:{key}",
                               event=Event.CLICK, event_key=key)  # fmt: skip
        outcome = turn(click, SessionState(flow="handoff", step="open"), config)
        shown += [("click", conftest._words(r)) for r in (outcome.reply, *outcome.sends) if r]
    for code in t.QUOTE_REFUSALS:
        shown.append(("refusal", t.QUOTE_REFUSALS[code].format(hotline="95500")))
    return shown


def _at_the_licence_read_back(config: DialogConfig, state: SessionState) -> SessionState:
    commercial = validate(LicenceFields(plate_no="粤B67890", vehicle_type="小型轿车",
                                        use_character="营运", vin="1M8GDM9AXKP042788",
                                        register_date="2019-06-01"))  # fmt: skip
    reading = SessionState("quote", "reading", {"photo": "p1", "openid": "o_words"})
    outcome = quote.licence_read("p1", commercial, reading, config)
    assert outcome is not None and outcome.state is not None
    return outcome.state


def _statuses():
    from chalicelib.domain.claims import ClaimStatus

    return [ClaimStatus.UNDER_REVIEW]
