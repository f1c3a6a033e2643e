"""车险报价 through the router: photo → (worker reads it) → confirm/correct → answers → plans."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import quote, router
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import SessionState
from chalicelib.domain.licence import LicenceFields, validate
from chalicelib.domain.messages import InboundMessage, Kind
from tests.unit.dialog_driver import turn

TODAY = date(2026, 11, 22)
GOOD = validate(
    LicenceFields(
        plate_no="粤B67890",
        vehicle_type="小型轿车",
        owner="欧阳娜娜",
        address="广东省深圳市南山区科技园路1号",
        use_character="非营运",
        model="比亚迪牌BYD7152WT6HEVC2",
        vin="1M8GDM9AXKP042788",
        engine_no="BYD472QA123456",
        register_date="2019-06-01",
        issue_date="2019-06-01",
    ),
    today=TODAY,
)


@dataclass
class FakeQuotes:
    saved: list = field(default_factory=list)
    numbers: list = field(default_factory=list)

    def save(self, quote_no, openid, quote_input, plans, valid_until, at):
        self.saved.append((openid, quote_input, plans))
        self.numbers.append((quote_no, valid_until))


def config(quotes: FakeQuotes | None = None) -> DialogConfig:
    return DialogConfig(hotline="95500", quotes=quotes or FakeQuotes(), today=lambda: TODAY)


def msg(content: str = "", kind: Kind = Kind.TEXT, media_id: str = "") -> InboundMessage:
    return InboundMessage(
        openid="o1", account="gh", created_at=1, kind=kind, dedupe_key=f"m:o1:{content}{media_id}",
        text=content, media_id=media_id,
    )  # fmt: skip


def say(state: SessionState, content: str, cfg=None):
    outcome = turn(msg(content), state, cfg or config())
    return outcome, outcome.state if outcome.state is not None else state


def read(state: SessionState, fields: LicenceFields):
    outcome = quote.on_licence_read(fields, state, config())
    return outcome, outcome.state


def at_confirm(fields: LicenceFields = GOOD) -> SessionState:
    _, state = say(SessionState(), "报价")
    outcome = router.handle(msg(kind=Kind.IMAGE, media_id="MEDIA1"), state, config())
    return read(outcome.state, fields)[1]


def test_a_photo_is_read_in_the_worker_not_in_the_webhook():
    outcome, state = say(SessionState(), "1")
    assert outcome.reply.content == t.QUOTE_ASK_PHOTO and state.step == "photo"
    outcome = router.handle(msg(kind=Kind.IMAGE, media_id="MEDIA1"), state, config())
    assert outcome.reply.content == t.QUOTE_READING
    (job,) = outcome.jobs
    assert job.kind == "ocr.licence" and job.payload["media_id"] == "MEDIA1"
    assert outcome.state.step == "reading"
    still, _ = say(outcome.state, "好了吗")
    assert still.reply.content == t.QUOTE_STILL_READING


def test_what_was_read_is_shown_in_full_for_the_customer_to_check():
    """They must confirm what they just photographed: plate, VIN, engine number and dates in
    full. The owner's name, which a quote does not need, stays masked."""
    state = at_confirm()
    shown = quote.on_licence_read(GOOD, SessionState("quote", "reading", {}), config()).reply
    for read in ("粤B67890", "1M8GDM9AXKP042788", "BYD472QA123456", "2019-06-01"):
        assert read in shown.content
    assert "欧阳**" in shown.content and "欧阳娜娜" not in shown.content
    assert shown.content.endswith(t.QUOTE_CONFIRM)
    assert state.step == "confirm"


def test_a_blurred_photo_is_not_sharp_enough_not_not_a_licence():
    blurred = LicenceFields(warnings=("unreadable", "blurred"))
    outcome, state = read(SessionState("quote", "reading", {}), blurred)
    assert outcome.reply.content == t.QUOTE_BLURRED and state.step == "photo"
    assert "不够清晰" in t.QUOTE_BLURRED
    shaky = validate(LicenceFields(**{**GOOD.to_json(), "plate_no": "粤B6789", "warnings": []}))
    shaky = LicenceFields(**{**shaky.to_json(), "warnings": [*shaky.warnings, "blurred"]})
    outcome, _ = read(SessionState("quote", "reading", {}), shaky)
    assert t.QUOTE_BLURRED_HINT in outcome.reply.content


def test_a_commercial_use_licence_is_refused_in_chinese_before_the_questions():
    """营运 cannot be quoted online: said when the licence is confirmed, with what to do."""
    commercial = validate(LicenceFields(**{**GOOD.to_json(), "use_character": "营运"}))
    outcome, state = say(at_confirm(commercial), "确认")
    assert outcome.reply.content == t.QUOTE_REFUSALS["use_character"].format(hotline="95500")
    assert "回复 0" in outcome.reply.content and state == SessionState()
    assert not any(ch.isascii() and ch.isalpha() for ch in outcome.reply.content)


@pytest.mark.parametrize(
    ("warning", "reply"),
    [("not_a_licence", t.QUOTE_NOT_LICENCE), ("unreadable", t.QUOTE_UNREADABLE)],
)
def test_photos_that_cannot_be_used_get_advice_and_a_new_try(warning, reply):
    outcome, state = read(SessionState("quote", "reading", {}), LicenceFields(warnings=(warning,)))
    assert outcome.reply.content == reply and state.step == "photo"


def test_a_bad_vin_must_be_corrected_before_going_on():
    bad = validate(LicenceFields(**{**GOOD.to_json(), "vin": "1M8GDM9AXKP042789", "warnings": []}))
    state = at_confirm(bad)
    outcome, state = say(state, "确认")
    assert "车架号校验未通过" in outcome.reply.content and state.step == "confirm"
    outcome, state = say(state, "车架号 1m8gdm9axkp042788")
    assert outcome.reply.content.endswith(t.QUOTE_CONFIRM)
    assert state.data["fields"]["vin"] == "1M8GDM9AXKP042788"


@pytest.mark.parametrize(
    ("said", "name", "value"),
    [
        ("车牌 粤B54321", "plate_no", "粤B54321"),
        ("注册日期 2018年3月5日", "register_date", "2018-03-05"),
        ("注册日期：2018-03-05", "register_date", "2018-03-05"),
        ("使用性质 营运", "use_character", "营运"),
        ("车牌是粤B12345", "plate_no", "粤B12345"),
        ("车牌：粤B12345", "plate_no", "粤B12345"),
        ("我的车牌应该是 粤B12345", "plate_no", "粤B12345"),
        ("车牌号改成粤B12345", "plate_no", "粤B12345"),
        ("注册日期是2018.3.5", "register_date", "2018-03-05"),
    ],
)
def test_corrections_in_words(said, name, value):
    _, state = say(at_confirm(), said)
    assert state.data["fields"][name] == value and state.step == "confirm"


def test_an_unclear_correction_is_explained():
    outcome, state = say(at_confirm(), "这个好像不太对")
    assert outcome.reply.content == t.QUOTE_BAD_CORRECTION and state.step == "confirm"


def test_defaults_accepted_with_one_reply_each_give_three_plans():
    quotes = FakeQuotes()
    cfg = config(quotes)
    state = at_confirm()
    outcome, state = say(state, "确认", cfg)
    assert outcome.reply.content == t.QUOTE_ASK_SEATS.format(default=5)
    outcome, state = say(state, "好", cfg)
    assert "参考价 15万元" in outcome.reply.content  # BYD's reference price
    outcome, state = say(state, "好", cfg)
    assert outcome.reply.content == t.QUOTE_ASK_CLAIMS
    outcome, state = say(state, "好", cfg)
    assert outcome.reply.content == t.QUOTE_ASK_REGION.format(default="广东")
    outcome, state = say(state, "好", cfg)
    text = "\n".join(m.content for m in (outcome.reply, *outcome.sends))
    ((quote_no, valid_until),) = quotes.numbers
    assert re.fullmatch(r"Q20261122\d{8}", quote_no) and valid_until == "2026-12-22"
    assert f"报价单 {quote_no}" in text and "有效期至 2026-12-22" in text
    for plan in ("【基础】", "【标准】", "【全面】"):
        assert plan in text
    for item in ("交强险", "车船税", "车损险", "三者险", "车上人员(司机)", "车上人员(乘客)"):
        assert item in text
    assert "浮动 -10%" in text and t.QUOTE_FOOTER in text
    assert state == SessionState()
    ((openid, quote_input, plans),) = quotes.saved
    assert openid == "o1" and quote_input["region"] == "广东" and len(plans) == 3
    totals = [Decimal(p["total"]) for p in plans]
    assert totals == sorted(totals)


def test_answers_can_be_typed_instead_of_defaults():
    quotes = FakeQuotes()
    cfg = config(quotes)
    state = at_confirm()
    for said in ("确认", "7", "18万", "2", "北京"):
        outcome, state = say(state, said, cfg)
    ((_, quote_input, _),) = quotes.saved
    assert quote_input["seats"] == 7 and quote_input["new_car_price"] == "180000"
    assert quote_input["at_fault_claims_last_year"] == 2 and quote_input["region"] == "北京"


@pytest.mark.parametrize(("step_answers", "bad"), [(["确认"], "很多"), (["确认", "好"], "贵")])
def test_bad_answers_are_asked_again(step_answers, bad):
    state = at_confirm()
    for said in step_answers:
        _, state = say(state, said)
    step = state.step
    outcome, state = say(state, bad)
    assert state.step == step
    assert outcome.reply.content in (t.QUOTE_BAD_NUMBER, t.QUOTE_PRICE_NEEDED)


def test_cancel_leaves_the_quote():
    outcome, state = say(at_confirm(), "取消")
    assert outcome.reply.content == t.CANCELLED and state == SessionState()


def test_several_corrections_in_one_message_and_the_owner_too():
    _, state = say(at_confirm(), "车辆类型是小型轿车，注册日期是2019年6月1日；所有人 张三")
    fields = state.data["fields"]
    assert (fields["vehicle_type"], fields["register_date"], fields["owner"]) == (
        "小型轿车", "2019-06-01", "张三")  # fmt: skip


def test_everyday_answers_to_the_questions():
    state = at_confirm()
    for said in ("对的", "7座", "15万", "没出过险"):
        outcome, state = say(state, said)
    assert state.step == "region" and state.data["seats"] == 7 and state.data["claims"] == 0
