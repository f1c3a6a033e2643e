"""续保: which policies are due a reminder, renewed or not, the notice's typed fields, and the
renewal quote from the bound policy through the router (no licence photo)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest

from chalicelib.dialog import catalogue as t
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import SessionState, SetReminders
from chalicelib.domain import renewal as rn
from chalicelib.domain.book import Customer, Policy
from chalicelib.domain.messages import InboundMessage, Kind
from chalicelib.domain.notice_fields import FieldError, problems
from chalicelib.domain.people import Gender
from chalicelib.domain.policies import Coverage
from tests.unit.dialog_driver import turn
from tests.unit.test_lookup_flow import FakeBook

TODAY = date(2026, 11, 22)
OUYANG = Customer("c_ouyang", "欧阳娜娜", Gender.FEMALE)


def policy(no: str, end: date, plate: str = "粤B67890", **kw) -> Policy:
    return Policy(
        policy_no=no, customer_id=kw.get("customer_id", OUYANG.customer_id),
        holder_name=OUYANG.name, holder_gender=OUYANG.gender,
        holder_id_masked="4****************X", holder_phone_masked="138****5678", plate=plate,
        vin_masked="LSV**********4847", brand_model=kw.get("model", "比亚迪牌BYD7152WT6HEVC2"),
        product=kw.get("product", "机动车商业保险"),
        start=kw.get("start", end - timedelta(days=364)), end=end,
        cancelled=kw.get("cancelled", False),
        coverages=(Coverage("车损险", Decimal("128500")),),
    )  # fmt: skip


# --- the rules -------------------------------------------------------------------------------


def test_the_sweep_looks_at_30_and_7_days_ahead_and_catches_up_two_missed_days():
    due = rn.end_dates_due(TODAY)
    assert due[0] == (30, date(2026, 12, 22)) and (7, date(2026, 11, 29)) in due
    assert rn.stage_due(date(2026, 12, 21), TODAY) == 30  # yesterday's sweep did not run
    assert rn.stage_due(date(2026, 12, 19), TODAY) is None
    assert rn.stage_due(date(2026, 11, 27), TODAY) == 7
    assert rn.stage_due(date(2026, 12, 10), TODAY) is None


def test_renewed_means_a_newer_policy_of_the_vehicle_from_30_days_before_the_end():
    old = policy("P1", date(2026, 12, 22))
    next_year = policy("P2", date(2027, 12, 22), start=date(2026, 12, 23))
    early = policy("P3", date(2027, 11, 1), start=date(2026, 11, 1))  # bought 51 days early
    assert rn.renewed(old, [old, next_year])
    assert not rn.renewed(old, [old]) and not rn.renewed(old, [old, early])
    cancelled = policy("P4", date(2027, 12, 22), start=date(2026, 12, 23), cancelled=True)
    assert not rn.renewed(old, [old, cancelled])
    older = policy("P0", date(2025, 12, 22), start=date(2024, 12, 23))
    assert not rn.renewed(old, [older, old])


def test_the_notice_fits_its_category_template_and_bad_configuration_is_refused():
    fields = rn.parse_fields("")
    facts = rn.facts(policy("PDAA2026440100000001", date(2026, 12, 22)), TODAY,
                     t.RENEWAL_NEXT_STEP, "95500")  # fmt: skip
    data = rn.notice_data(fields, facts)
    assert data == {
        "character_string1": {"value": "PDAA2026440100000001"},
        "car_number2": {"value": "粤B67890"},
        "date3": {"value": "2026年12月22日"},
        "thing4": {"value": "回复“续保”获取续保报价"},
        "phone_number5": {"value": "95500"},
    }
    assert problems(data) == []
    assert rn.notice_data(rn.parse_fields("number9=days_left"), facts) == {
        "number9": {"value": "30"}}  # fmt: skip
    for bad in ("thing1=colour", "foo1=plate", "thing1=plate,thing1=product"):
        with pytest.raises(FieldError):
            rn.parse_fields(bad)


# --- the renewal quote in the chat -----------------------------------------------------------


@dataclass
class Book(FakeBook):
    reminders: dict[str, bool] = field(default_factory=dict)

    def policy(self, policy_no):
        return next((p for p in self.policies if p.policy_no == policy_no), None)

    def set_reminders(self, openid, on):
        self.reminders[openid] = on
        return openid in self.customers


@dataclass
class FakeQuotes:
    saved: list = field(default_factory=list)

    def save(self, quote_no, openid, quote_input, plans, valid_until, at):
        self.saved.append((openid, quote_input, plans))


def config(book: Book, quotes: FakeQuotes | None = None) -> DialogConfig:
    return DialogConfig(hotline="95500", book=book, quotes=quotes or FakeQuotes(),
                        today=lambda: TODAY)  # fmt: skip


def say(state: SessionState, content: str, cfg: DialogConfig):
    msg = InboundMessage(openid="o1", account="gh", created_at=1, kind=Kind.TEXT,
                         dedupe_key=f"m:o1:{content}", text=content)  # fmt: skip
    outcome = turn(msg, state, cfg)
    return outcome, outcome.state if outcome.state is not None else state


def test_a_bound_customer_gets_a_renewal_quote_without_photographing_the_licence():
    book = Book(customers={"o1": OUYANG},
                policies=[policy("PDAA2025440100000009", date(2025, 12, 22)),
                          policy("PDAA2026440100000001", date(2026, 12, 22))])  # fmt: skip
    quotes = FakeQuotes()
    cfg = config(book, quotes)
    outcome, state = say(SessionState(), "续保", cfg)
    assert "PDAA2026440100000001" in outcome.reply.content  # the latest policy of the car
    assert "粤B·***90" in outcome.reply.content and "2026年12月22日" in outcome.reply.content
    assert state.flow == "renewal" and state.step == "register_date"
    outcome, state = say(state, "2019年6月31日", cfg)
    assert outcome.reply.content == t.RENEWAL_BAD_DATE and state.step == "register_date"
    outcome, state = say(state, "2019-06-01", cfg)
    assert outcome.reply.content == t.QUOTE_ASK_SEATS.format(default=5)
    assert state.flow == "quote" and state.data["renewal"] == "PDAA2026440100000001"
    for said in ("好", "好", "好"):  # seats, the model's reference price, no claims
        outcome, state = say(state, said, cfg)
    assert outcome.reply.content == t.QUOTE_ASK_REGION.format(default="广东")  # from the plate
    outcome, state = say(state, "好", cfg)
    text = "\n".join(m.content for m in (outcome.reply, *outcome.sends))
    assert re.search(r"报价单 Q20261122\d{8}", text) and "【标准】" in text
    ((openid, quote_input, plans),) = quotes.saved
    assert openid == "o1" and quote_input["plate"] == "粤B67890"
    assert quote_input["register_date"] == "2019-06-01" and len(plans) == 3


def test_several_vehicles_are_offered_to_pick_and_a_commercial_policy_is_refused():
    book = Book(customers={"o1": OUYANG},
                policies=[policy("PDAA2026440100000001", date(2026, 12, 22)),
                          policy("PDAA2026440100000002", date(2027, 1, 5), plate="粤B11111",
                                 product="营运客车保险")])  # fmt: skip
    cfg = config(book)
    outcome, state = say(SessionState(), "续保", cfg)
    assert outcome.reply.content.startswith("您名下有几辆车") and state.step == "pick"
    assert "1 粤B·***90" in outcome.reply.content and "2 粤B·***11" in outcome.reply.content
    outcome, state = say(state, "3", cfg)
    assert outcome.reply.content == t.RENEWAL_BAD_PICK
    outcome, state = say(state, "2", cfg)
    assert "PDAA2026440100000002" in outcome.reply.content
    outcome, state = say(state, "2018-03-01", cfg)
    assert outcome.reply.content == t.QUOTE_REFUSALS["use_character"].format(hotline="95500")


def test_not_bound_binds_first_and_nothing_to_renew_says_what_to_do():
    book = Book(policies=[policy("PDAA2026440100000001", date(2026, 12, 22))])
    outcome, state = say(SessionState(), "续保", config(book))
    assert outcome.reply.content == t.BIND_INTRO and state.data == {"then": "renewal"}
    gone = [policy("PDAA2025440100000001", date(2025, 8, 1)),
            policy("PDAA2026440100000003", date(2027, 8, 1), cancelled=True)]
    ended = Book(customers={"o1": OUYANG}, policies=gone)
    outcome, _ = say(SessionState(), "续保", config(ended))
    assert outcome.reply.content == t.RENEWAL_NONE.format(hotline="95500")


def test_reminders_can_be_turned_off_and_on_by_the_customer():
    book = Book(customers={"o1": OUYANG})
    outcome, _ = say(SessionState(), "不再提醒续保", config(book))
    assert outcome.reply.content == t.RENEWAL_REMINDERS_OFF
    assert outcome.effects == (SetReminders("o1", False),) and book.reminders == {"o1": False}
    outcome, _ = say(SessionState(), "恢复续保提醒！", config(book))
    assert outcome.reply.content == t.RENEWAL_REMINDERS_ON and book.reminders == {"o1": True}
    stranger = Book()
    outcome, _ = say(SessionState(), "不再提醒续保", config(stranger))
    assert outcome.reply.content == t.RENEWAL_REMINDERS_NOT_BOUND and not outcome.effects


def test_turning_reminders_off_in_the_middle_of_a_quote_keeps_the_quote_open():
    book = Book(customers={"o1": OUYANG})
    state = SessionState(flow="quote", step="photo", data={"openid": "o1"})
    outcome, after = say(state, "不再提醒续保", config(book))
    assert outcome.reply.content.startswith(t.RENEWAL_REMINDERS_OFF)
    assert after.flow == "quote" and book.reminders == {"o1": False}
