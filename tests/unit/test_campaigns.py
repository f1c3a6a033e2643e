"""Campaign rules (domain/campaigns.py) and the WeChat emulator's mass-send limits
(devstack/wechat_mass.py), without AWS."""

from __future__ import annotations

import pytest

from chalicelib.domain import campaigns as rules
from devstack.wechat_mass import MassError, MassSend, MassState

TEXT = "台风明日登陆，请将车辆停放在地势较高处，勿涉水行驶。"


def _content(**changes) -> rules.Content:
    base = {"kind": rules.SAFETY, "format": rules.TEXT, "title": "", "text": TEXT,
            "picture": False}  # fmt: skip
    return rules.Content(**(base | changes))


def test_holiday_greetings_must_be_an_article_with_a_picture():
    with pytest.raises(rules.CampaignError, match="图片"):
        rules.check_content(_content(kind=rules.HOLIDAY))
    with pytest.raises(rules.CampaignError, match="封面"):
        rules.check_content(_content(kind=rules.HOLIDAY, format=rules.ARTICLE, title="新春"))
    ok = _content(kind=rules.HOLIDAY, format=rules.ARTICLE, title="新春", picture=True)
    assert rules.check_content(ok) is ok


@pytest.mark.parametrize("words", ["限时优惠", "续保打折", "抢购"])
def test_no_kind_may_be_an_advertisement(words):
    with pytest.raises(rules.CampaignError, match="广告"):
        rules.check_content(_content(kind=rules.ANNOUNCEMENT, text=f"{words}，{TEXT}"))


def test_text_length_and_article_title_are_bounded():
    with pytest.raises(rules.CampaignError):
        rules.check_content(_content(text="太短"))
    with pytest.raises(rules.CampaignError):
        rules.check_content(_content(text="长" * (rules.MAX_TEXT_CHARS + 1)))
    with pytest.raises(rules.CampaignError, match="标题"):
        rules.check_content(_content(format=rules.ARTICLE, picture=True, title=""))


def test_audiences_are_checked():
    assert rules.audience_from({"kind": "region", "region": "粤b"}).region == "粤B"
    assert rules.audience_from({"kind": "region", "region": "粤B"}).matches_plate("粤B12345")
    with pytest.raises(rules.CampaignError):
        rules.audience_from({"kind": "region", "region": "Guangdong"})
    ending = rules.audience_from({"kind": "ending", "ends_from": "2026-12-01",
                                  "ends_to": "2026-12-03"})  # fmt: skip
    assert ending.days() == ["2026-12-01", "2026-12-02", "2026-12-03"]
    with pytest.raises(rules.CampaignError):
        rules.audience_from({"kind": "ending", "ends_from": "2026-12-03", "ends_to": "2026-12-01"})
    with pytest.raises(rules.CampaignError):
        rules.audience_from({"kind": "ending", "ends_from": "2026-01-01", "ends_to": "2026-12-31"})
    with pytest.raises(rules.CampaignError):
        rules.audience_from({"kind": "everyone"})


def test_a_second_person_decides_only_a_submitted_campaign():
    rules.check_decision("s1", "a1", rules.SUBMITTED)
    with pytest.raises(rules.CampaignError, match="另一位"):
        rules.check_decision("s1", "s1", rules.SUBMITTED)
    with pytest.raises(rules.CampaignError):
        rules.check_decision("s1", "a1", rules.DRAFT)
    with pytest.raises(rules.CampaignError):
        rules.check_reason("不行")


def test_batches_hold_two_to_ten_thousand_openids():
    assert rules.batches([]) == []
    assert rules.batches(["a"]) == [["a"]]
    assert rules.batches(["a", "b", "a"]) == [["a", "b"]]
    split = rules.batches([f"o{i}" for i in range(7)], size=3)
    assert [len(b) for b in split] == [3, 2, 2]  # never a lone openid at the end
    assert sum(split, []) == [f"o{i}" for i in range(7)]


# --- the emulator's mass send ---------------------------------------------------------------

NOW = 1_796_000_000.0  # 2026-11 (China time)


def _send(state: MassState, touser, now=NOW, **extra):
    body = {"touser": touser, "msgtype": "text", "text": {"content": "你好"}, **extra}
    return MassSend().send(state, body, lambda *_: False, now)


def test_send_by_openid_list_needs_two_and_a_service_account():
    state = MassState()
    with pytest.raises(MassError) as err:
        _send(state, ["o1"])
    assert err.value.errcode == 40130
    with pytest.raises(MassError) as err:
        _send(MassState(account_type="subscription"), ["o1", "o2"])
    assert err.value.errcode == 48001


def test_a_follower_receives_four_a_calendar_month_the_fifth_is_filtered():
    state, mass = MassState(), MassSend()
    for n in range(4):
        _send(state, ["o1", "o2"], now=NOW + n)
    _send(state, ["o1", "o3"], now=NOW + 10)
    job = state.jobs[-1]
    assert (job["total"], job["filter"], job["sent"]) == (2, 1, 1)
    assert job["filtered"] == ["o1"]
    event = mass.take_events(state)[-1]
    assert "<Event><![CDATA[MASSSENDJOBFINISH]]></Event>" in event
    assert "<TotalCount>2</TotalCount>" in event and "<FilterCount>1</FilterCount>" in event
    assert mass.take_events(state) == []
    _send(state, ["o1", "o3"], now=NOW + 40 * 86400)  # next month: received again
    assert state.jobs[-1]["filter"] == 2


def test_a_clientmsgid_is_sent_once_a_day_and_calls_are_limited():
    state = MassState()
    first = _send(state, ["o1", "o2"], clientmsgid="C1-1")
    with pytest.raises(MassError) as err:
        _send(state, ["o1", "o2"], clientmsgid="C1-1")
    assert err.value.errcode == 45065 and err.value.extra["msg_id"] == first["msg_id"]
    state = MassState()
    for n in range(100):
        _send(state, ["o1", "o2"], now=NOW + n * 61)
    with pytest.raises(MassError) as err:
        _send(state, ["o1", "o2"], now=NOW + 100 * 61)
    assert err.value.errcode == 45009


def test_previews_go_to_one_openid_a_hundred_a_day():
    state, mass = MassState(), MassSend()
    body = {"touser": "o_me", "msgtype": "text", "text": {"content": "预览"}}
    for _ in range(100):
        mass.preview(state, body, lambda *_: False, NOW)
    with pytest.raises(MassError) as err:
        mass.preview(state, body, lambda *_: False, NOW)
    assert err.value.errcode == 45009
    assert state.received == {}  # a preview is not one of the month's four
