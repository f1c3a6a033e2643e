"""退订 / 订阅 in the dialog (dialog/subscription.py through dialog/router.py): campaigns stop
or restart with one word, the customer is told what continues, and nothing clashes with 退保
or 取消."""

from __future__ import annotations

import pytest

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import effects, router
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import (
    RelayToStaff,
    SessionState,
    SetCampaigns,
    effect_from_json,
    effect_to_json,
)
from chalicelib.domain.messages import InboundMessage, Kind, TextReply

OPENID = "oUser_td"


class FakeSubscriptions:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def opt_out(self, openid: str) -> bool:
        self.calls.append(("out", openid))
        return True

    def opt_in(self, openid: str) -> bool:
        self.calls.append(("in", openid))
        return True


CONFIG = DialogConfig(hotline="95500", subscriptions=FakeSubscriptions())


def text(content: str) -> InboundMessage:
    return InboundMessage(openid=OPENID, account="gh_test", created_at=1700000000,
                          kind=Kind.TEXT, dedupe_key=f"m:{OPENID}:1", raw_type="text",
                          text=content, msg_id="1")  # fmt: skip


def reply_text(outcome) -> str:
    assert isinstance(outcome.reply, TextReply)
    return outcome.reply.content


@pytest.mark.parametrize(
    "said", ["退订", "退 订", "退订。", "取消订阅", "TD", "td", "Ｔ Ｄ", "不要再发了",
             "不要再发了！", "别再发了", "退订活动"],
)  # fmt: skip
def test_unsubscribe_words_stop_campaigns_and_say_what_continues(said):
    outcome = router.handle(text(said), SessionState.empty(), CONFIG)
    assert outcome.effects == (SetCampaigns(OPENID, on=False),)
    said_back = reply_text(outcome)
    assert said_back == t.CAMPAIGNS_OFF
    assert "理赔进度" in said_back and "照常" in said_back and "订阅" in said_back


@pytest.mark.parametrize("said", ["订阅", "重新订阅", "恢复订阅"])
def test_subscribe_words_restart_campaigns(said):
    outcome = router.handle(text(said), SessionState.empty(), CONFIG)
    assert outcome.effects == (SetCampaigns(OPENID, on=True),)
    assert reply_text(outcome) == t.CAMPAIGNS_ON


@pytest.mark.parametrize("said", ["退保", "我要退保", "取消", "退订单", "订单", "退款"])
def test_no_clash_with_neighbouring_words(said):
    outcome = router.handle(text(said), SessionState.empty(), CONFIG)
    assert not any(isinstance(e, SetCampaigns) for e in outcome.effects)


def test_in_the_middle_of_a_form_the_form_waits():
    state = SessionState(flow="quote", step="licence")
    outcome = router.handle(text("退订"), state, CONFIG)
    assert SetCampaigns(OPENID, on=False) in outcome.effects
    assert outcome.state is not None and outcome.state.flow == "quote"
    assert t.CAMPAIGNS_OFF in reply_text(outcome)


def test_during_a_chat_with_a_person_the_bot_answers_and_the_person_is_told():
    state = SessionState(flow="handoff", step="open")
    outcome = router.handle(text("退订"), state, CONFIG)
    assert SetCampaigns(OPENID, on=False) in outcome.effects
    relays = [e for e in outcome.effects if isinstance(e, RelayToStaff)]
    assert relays and relays[0].said["action"] == "campaigns_off"
    assert outcome.state is not None and outcome.state.flow == "handoff"


def test_without_the_port_nothing_is_promised():
    outcome = router.handle(text("退订"), SessionState.empty(), DialogConfig(hotline="95500"))
    assert outcome.effects == ()
    assert reply_text(outcome) == t.CAMPAIGNS_UNAVAILABLE.format(hotline="95500")


def test_the_effect_goes_through_the_port_and_survives_json():
    port = FakeSubscriptions()
    config = DialogConfig(hotline="95500", subscriptions=port)
    for effect in (SetCampaigns(OPENID, on=False), SetCampaigns(OPENID, on=True)):
        effects.apply(effect_from_json(effect_to_json(effect)), config)
    assert port.calls == [("out", OPENID), ("in", OPENID)]
