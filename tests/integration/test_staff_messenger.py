"""Messages to staff within WeCom's limits, against the WeCom emulator (which enforces them as
WeCom does: silently) and moto (the windows)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

import pytest

from chalicelib.staff.messenger import MAX_TEXT_BYTES, StaffBusy, StaffMessenger, split_text
from chalicelib.staff.wecom import WeComApi
from chalicelib.store.inbox import Inbox
from chalicelib.store.tokens import SharedToken
from devstack import wecom_defaults as d
from devstack.wecom_emulator import WeComEmulator

pytestmark = pytest.mark.integration

STAFF = "oncall-li"


@pytest.fixture
def wecom() -> Iterator[WeComEmulator]:
    emu = WeComEmulator().start()
    yield emu
    emu.stop()


@pytest.fixture
def api(container, wecom) -> WeComApi:
    tokens = SharedToken(f"wecom:test:{uuid.uuid4().hex[:8]}",
                         lambda force: app.fetch_token(force), can_force=False)  # fmt: skip
    app = WeComApi(d.WECOM_CORP_ID, d.WECOM_CORP_SECRET, d.WECOM_AGENT_ID, wecom.url, tokens)
    return app


class Clock:
    """A fresh hour for each test: the windows it fills stay in moto's table."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0 + random.randrange(10**6) * 3600

    def __call__(self) -> float:
        return self.now


def _messenger(api: WeComApi) -> StaffMessenger:
    clock = Clock()
    return StaffMessenger(api, Inbox(3600, clock=clock), clock=clock)


def test_sending_straight_past_30_a_minute_loses_messages_without_a_word(api, wecom):
    """What claimbot did before: WeCom answers ok to each, and drops the 31st on."""
    for n in range(35):
        api.send_text(STAFF, f"第{n}条")
    assert len(wecom.messages(STAFF)) == 30
    assert [x["why"] for x in wecom.dropped(STAFF)] == ["over 30 a minute"] * 5


def test_the_messenger_stops_at_30_a_minute_and_says_so(api, wecom):
    clock = Clock()
    messenger = StaffMessenger(api, Inbox(3600, clock=clock), clock=clock)
    for n in range(30):
        messenger.send_text(STAFF, f"第{n}条")
    with pytest.raises(StaffBusy):
        messenger.send_text(STAFF, "第30条")
    assert len(wecom.messages(STAFF)) == 30 and wecom.dropped(STAFF) == []
    messenger.send_text("oncall-wang", "别人不受影响")  # windows are per member
    clock.now += 60  # the next minute (the emulator's own window passes in real time)
    wecom.clear()
    messenger.send_text(STAFF, "下一分钟")
    assert [m["content"] for m in wecom.messages(STAFF)] == ["下一分钟"]


def test_a_long_text_is_split_not_cut_and_takes_its_places_all_or_none(api, wecom):
    clock = Clock()
    messenger = StaffMessenger(api, Inbox(3600, clock=clock), clock=clock)
    long = "\n".join(f"第{n}行：" + "客户的话" * 40 for n in range(30))  # about 15 KB
    messenger.send_text(STAFF, long)
    parts = [m["content"] for m in wecom.messages(STAFF)]
    assert len(parts) > 1 and "\n".join(parts) == long
    assert all(len(p.encode()) <= MAX_TEXT_BYTES and not m["truncated"]
               for p, m in zip(parts, wecom.messages(STAFF), strict=True))  # fmt: skip
    for n in range(30 - len(parts)):
        messenger.send_text(STAFF, f"填满{n}")
    sent = len(wecom.messages(STAFF))
    with pytest.raises(StaffBusy):
        messenger.send_text(STAFF, long)  # no room for all its parts: none is sent
    assert len(wecom.messages(STAFF)) == sent


def test_a_retried_send_is_dropped_by_wecoms_duplicate_check(api, wecom):
    """SQS delivered the job again after its message went out: WeCom drops the copy."""
    messenger = _messenger(api)
    messenger.send_text(STAFF, "#K7Q 王先生 10:32:05：在吗")
    messenger.send_text(STAFF, "#K7Q 王先生 10:32:05：在吗")
    assert [m["content"] for m in wecom.messages(STAFF)] == ["#K7Q 王先生 10:32:05：在吗"]
    assert [x["why"] for x in wecom.dropped(STAFF)] == ["duplicate"]
    (sent,) = wecom.messages(STAFF)
    assert sent["payload"]["enable_duplicate_check"] == 1


def test_split_text_keeps_lines_whole_and_cuts_only_a_line_too_long():
    assert split_text("短") == ["短"]
    lines = ["一" * 600, "二" * 600, "三" * 600]  # 1,800 bytes each
    assert split_text("\n".join(lines)) == lines
    (single,) = ["四" * 1000]  # 3,000 bytes: cut between characters, never inside one
    parts = split_text(single)
    assert "".join(parts) == single and all(len(p.encode()) <= MAX_TEXT_BYTES for p in parts)
    huge = split_text("\n".join("五" * 680 for _ in range(40)))
    assert len(huge) == 10 and "其余请在控制台查看" in huge[-1]
