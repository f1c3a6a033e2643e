"""dialog.router (pure routing) and dialog.menu (the custom-menu file)."""

from __future__ import annotations

import copy
import re

import pytest

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import menu, privacy, router
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import Job, Outcome, SessionState, WithdrawConsent
from chalicelib.domain.messages import Event, InboundMessage, Kind, NewsReply, TextReply

OPENID = "oUser_1"
CONFIG = DialogConfig(hotline="4008-123-456")
PRIVACY_URL = "https://example.com/privacy"
IDLE = SessionState.empty()


@pytest.fixture(autouse=True)
def no_flows(monkeypatch):
    """Routing is tested against an empty registry; flows built later do not change it."""
    monkeypatch.setattr(router, "FLOWS", {})


def message(kind: Kind = Kind.TEXT, **fields) -> InboundMessage:
    return InboundMessage(
        openid=OPENID,
        account="gh_test",
        created_at=1700000000,
        kind=kind,
        dedupe_key=f"m:{OPENID}:1",
        raw_type=str(kind),
        **fields,
    )


def text(content: str) -> InboundMessage:
    return message(Kind.TEXT, text=content, msg_id="1")


def event(ev: Event, key: str = "", raw: str = "") -> InboundMessage:
    return InboundMessage(
        openid=OPENID,
        account="gh_test",
        created_at=1700000000,
        kind=Kind.EVENT,
        dedupe_key=f"e:{OPENID}:1700000000:{raw or ev}:{key}",
        event=ev,
        event_key=key,
        raw_type="event",
        raw_event=raw or str(ev),
    )


def coming_soon(service: str, hotline: str = CONFIG.hotline) -> str:
    return t.COMING_SOON.format(service=t.SERVICE_NAMES[service], hotline=hotline)


def reply_text(outcome: Outcome) -> str:
    assert isinstance(outcome.reply, TextReply)
    return outcome.reply.content


# --- follow / unfollow ----------------------------------------------------------------------


def test_follow_with_privacy_url_sends_welcome_and_privacy_notice():
    config = DialogConfig(hotline="95500", privacy_url=PRIVACY_URL)
    outcome = router.handle(event(Event.SUBSCRIBE), IDLE, config)

    welcome = reply_text(outcome)
    assert welcome == t.WELCOME.format(account=t.ACCOUNT_NAME)
    assert t.ACCOUNT_NAME in welcome
    assert t.NUMBERED_MENU in welcome
    assert len(outcome.sends) == 1
    notice = outcome.sends[0]
    assert isinstance(notice, NewsReply)
    assert notice.url == PRIVACY_URL
    assert notice.title == t.PRIVACY_NOTICE_TITLE
    assert notice.description == t.PRIVACY_NOTICE_DESCRIPTION
    assert outcome.state == SessionState.empty()
    assert outcome.jobs == ()


def test_follow_without_privacy_url_sends_nothing_else():
    outcome = router.handle(event(Event.SUBSCRIBE), IDLE, CONFIG)
    assert t.NUMBERED_MENU in reply_text(outcome)
    assert outcome.sends == ()


def test_follow_uses_configured_account_name():
    config = DialogConfig(hotline="95500", account_name="测试车险")
    assert "欢迎关注测试车险" in reply_text(router.handle(event(Event.SUBSCRIBE), IDLE, config))


def test_follow_by_qr_scene_is_a_welcome_too():
    msg = event(Event.SUBSCRIBE, key="123", raw="subscribe_scan")
    assert reply_text(router.handle(msg, IDLE, CONFIG)).startswith("您好，欢迎关注")


def test_follow_resets_a_stale_session():
    outcome = router.handle(event(Event.SUBSCRIBE), SessionState(flow="quote", step="x"), CONFIG)
    assert outcome.state == SessionState.empty()


def test_unsubscribe_no_reply_and_empty_state():
    outcome = router.handle(event(Event.UNSUBSCRIBE), SessionState(flow="quote"), CONFIG)
    assert outcome.reply is None
    assert outcome.state == SessionState.empty()
    assert outcome.sends == () and outcome.jobs == ()
    # Consent withdrawn: pushes stop and the binding goes (service/consent.py).
    assert outcome.effects == (WithdrawConsent(outcome_openid(), erase=False),)


def outcome_openid() -> str:
    return event(Event.UNSUBSCRIBE).openid


@pytest.mark.parametrize("said", ["删除我的信息", "删除 我的信息。", "删除个人信息"])
def test_deleting_my_information_asks_once_then_deletes(said, monkeypatch):
    monkeypatch.setitem(router.FLOWS, "erase", privacy.erase_flow)
    asked = router.handle(text(said), SessionState(), CONFIG)
    assert asked.reply.content == t.ERASE_CONFIRM and not asked.effects
    assert "《保险法》" in asked.reply.content  # what is kept, and why, is said before
    done = router.handle(text("确认删除"), asked.state, CONFIG)
    assert done.effects == (WithdrawConsent(text("x").openid, erase=True),)
    assert done.reply.content.startswith(t.ERASED.format(hotline=CONFIG.hotline))
    (request,) = done.jobs  # staff check the copies elsewhere and answer, within the deadline
    assert request.payload["request"] == "erase" and request.payload["ticket_no"] in (
        done.reply.content)  # fmt: skip
    assert done.state == SessionState.empty()


def test_anything_but_the_confirmation_deletes_nothing(monkeypatch):
    monkeypatch.setitem(router.FLOWS, "erase", privacy.erase_flow)
    asked = router.handle(text("删除我的信息"), SessionState(), CONFIG)
    kept = router.handle(text("算了"), asked.state, CONFIG)
    assert not kept.effects and kept.state == SessionState.empty()
    kept = router.handle(text("不要删"), asked.state, CONFIG)
    assert kept.reply.content == t.ERASE_KEPT and not kept.effects


def test_scan_welcomes_back():
    assert reply_text(router.handle(event(Event.SCAN, "SCENE"), IDLE, CONFIG)) == t.WELCOME_BACK


# --- numbers and keywords -------------------------------------------------------------------

ROUTES = [
    ("1", "quote"),
    ("2", "survey"),
    ("3", "policy"),
    ("4", "claim"),
    ("0", "human"),
    ("报价", "quote"),
    ("车险报价", "quote"),
    ("自助查勘", "survey"),
    ("查勘", "survey"),
    ("报案", "survey"),
    ("保单查询", "policy"),
    ("保单", "policy"),
    ("理赔进度", "claim"),
    ("理赔", "claim"),
    ("人工", "human"),
    ("转人工", "human"),
    ("人工服务", "human"),
    ("客服", "human"),
    ("  报价！", "quote"),
    (" 1 ", "quote"),
    ("2。", "survey"),
    ("【保单查询】", "policy"),
    ("理赔进度？", "claim"),
    ("人工!!", "human"),
    ("“客服”", "human"),
    ("车险 报价", "quote"),
]


@pytest.mark.parametrize(("said", "service"), ROUTES)
def test_numbers_and_keywords_route_to_coming_soon(said, service):
    outcome = router.handle(text(said), IDLE, CONFIG)
    content = reply_text(outcome)
    assert content == coming_soon(service)
    assert t.SERVICE_NAMES[service] in content
    assert CONFIG.hotline in content
    assert outcome.state == SessionState.empty()


def test_voice_recognition_is_routed_like_text():
    msg = message(Kind.VOICE, recognition="理赔进度。", media_id="v1")
    assert reply_text(router.handle(msg, IDLE, CONFIG)) == coming_soon("claim")


def test_voice_without_recognition_gets_unknown_text():
    msg = message(Kind.VOICE, media_id="v1")
    assert reply_text(router.handle(msg, IDLE, CONFIG)) == t.UNKNOWN_TEXT


@pytest.mark.parametrize("said", ["help", "HELP", "帮助", " Help! "])
def test_help_keyword(said):
    assert reply_text(router.handle(text(said), IDLE, CONFIG)) == t.HELP


@pytest.mark.parametrize("said", ["菜单", "menu", "Menu", "菜单。"])
def test_menu_keyword(said):
    assert reply_text(router.handle(text(said), IDLE, CONFIG)) == t.NUMBERED_MENU


@pytest.mark.parametrize("said", ["我要报价", "报价报价", "", "   ", "1 2", "保单号123"])
def test_unknown_text_gets_numbered_menu(said):
    outcome = router.handle(text(said), IDLE, CONFIG)
    assert reply_text(outcome) == t.UNKNOWN_TEXT
    assert t.NUMBERED_MENU in t.UNKNOWN_TEXT
    assert outcome.jobs == () and outcome.sends == ()


@pytest.mark.parametrize(
    ("said", "first_line"),
    [("你好", t.SMALL_GREETING), ("谢谢！", t.SMALL_THANKS), ("好的", t.SMALL_ACK),
     ("👍", t.SMALL_EMOJI), ("5", t.NOT_ON_MENU), ("12", t.NOT_ON_MENU), ("拜拜", t.SMALL_BYE)],
)  # fmt: skip
def test_ordinary_words_get_a_friendly_line_and_the_menu(said, first_line):
    outcome = router.handle(text(said), IDLE, CONFIG)
    assert reply_text(outcome) == first_line + "\n\n" + t.NUMBERED_MENU
    assert outcome.jobs == () and outcome.effects == ()


@pytest.mark.parametrize("said", ["取消", "退出", "取消！"])
def test_cancel_returns_to_idle(said):
    outcome = router.handle(text(said), SessionState(flow="quote", step="photo"), CONFIG)
    assert reply_text(outcome) == t.CANCELLED
    assert outcome.state == SessionState.empty()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("  报价！", "报价"), ("Menu.", "menu"), ("【保单】", "保单"), ("a b\tc\n", "abc")],
)
def test_normalize_text(raw, expected):
    assert router.normalize_text(raw) == expected


# --- menu clicks ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(menu.click_keys(menu.load_menu())))
def test_every_menu_click_key_is_understood(key):
    outcome = router.handle(event(Event.CLICK, key), IDLE, CONFIG)
    content = reply_text(outcome)
    assert content
    assert content != t.UNKNOWN_TEXT
    assert content != t.NUMBERED_MENU  # the fallback for keys the router does not know
    assert key in router.MENU_KEYS


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("QUOTE", coming_soon("quote")),
        ("SURVEY", coming_soon("survey")),
        ("POLICY", coming_soon("policy")),
        ("CLAIM", coming_soon("claim")),
        ("HUMAN", coming_soon("human")),
        ("HELP", t.HELP),
        ("NO_SUCH_KEY", t.NUMBERED_MENU),
        ("", t.NUMBERED_MENU),
    ],
)
def test_menu_click_replies(key, expected):
    assert reply_text(router.handle(event(Event.CLICK, key), IDLE, CONFIG)) == expected


def test_menu_keys_cover_every_service():
    assert set(router.MENU_KEYS.values()) >= set(router.SERVICES)
    assert set(router.SERVICES) == set(t.SERVICE_NAMES)


# --- non-text messages outside a flow -------------------------------------------------------


def test_image_outside_flow_fetches_media():
    msg = message(Kind.IMAGE, media_id="MEDIA_1", pic_url="http://mmbiz/1", msg_id="9")
    outcome = router.handle(msg, IDLE, CONFIG)
    assert outcome.reply is None  # an album is several messages: the worker answers once
    assert outcome.jobs == (
        Job(
            kind="media.fetch",
            payload={"openid": OPENID, "media_id": "MEDIA_1", "dedupe_key": msg.dedupe_key,
                     "tell": t.IMAGE_OUTSIDE_FLOW, "sent_at": msg.created_at},
        ),
    )  # fmt: skip
    assert outcome.state is None


def test_location_outside_flow():
    msg = message(Kind.LOCATION, latitude=23.1, longitude=113.3, label="广州")
    outcome = router.handle(msg, IDLE, CONFIG)
    assert reply_text(outcome) == t.LOCATION_OUTSIDE_FLOW
    assert outcome.jobs == ()


@pytest.mark.parametrize("kind", [Kind.VIDEO, Kind.SHORT_VIDEO, Kind.FILE, Kind.LINK, Kind.UNKNOWN])
def test_unsupported_kinds_get_polite_reply(kind):
    outcome = router.handle(message(kind, media_id="m", url="https://x"), IDLE, CONFIG)
    assert reply_text(outcome) == t.UNSUPPORTED_MESSAGE
    assert outcome.jobs == ()


@pytest.mark.parametrize(
    "msg",
    [
        event(Event.VIEW, "https://example.com/"),
        event(Event.LOCATION),
        event(Event.TEMPLATE_SEND_JOB_FINISH, raw="templatesendjobfinish"),
        event(Event.OTHER, raw="kf_create_session"),
    ],
    ids=["view", "location", "templatesendjobfinish", "other"],
)
def test_silent_events(msg):
    outcome = router.handle(msg, SessionState(flow="quote"), CONFIG)
    assert outcome.reply is None
    assert outcome.sends == () and outcome.jobs == ()
    assert outcome.state is None


# --- registered flows -----------------------------------------------------------------------


class RecordingFlow:
    def __init__(self) -> None:
        self.calls: list[tuple[InboundMessage, SessionState, DialogConfig]] = []

    def __call__(self, msg, state, config) -> Outcome:
        self.calls.append((msg, state, config))
        return Outcome(reply=TextReply("流程的回答"), state=SessionState("quote", "next"))


@pytest.fixture
def quote_flow(monkeypatch) -> RecordingFlow:
    flow = RecordingFlow()
    monkeypatch.setitem(router.FLOWS, "quote", flow)
    return flow


def test_entering_a_registered_flow_by_number(quote_flow):
    outcome = router.handle(text("1"), IDLE, CONFIG)
    assert reply_text(outcome) == "流程的回答"
    assert len(quote_flow.calls) == 1
    msg, state, config = quote_flow.calls[0]
    assert state == SessionState(flow="quote")
    assert config is CONFIG
    assert msg.text == "1"


def test_entering_a_registered_flow_by_click(quote_flow):
    router.handle(event(Event.CLICK, "QUOTE"), IDLE, CONFIG)
    assert quote_flow.calls[0][1] == SessionState(flow="quote")


@pytest.mark.parametrize(
    "msg",
    [
        text("京A12345"),
        message(Kind.IMAGE, media_id="M1"),
        message(Kind.LOCATION, latitude=1.0, longitude=2.0),
        message(Kind.VIDEO, media_id="V1"),
    ],
    ids=["text", "image", "location", "video"],
)
def test_session_in_flow_receives_messages(quote_flow, msg):
    state = SessionState(flow="quote", step="plate", data={"a": 1})
    outcome = router.handle(msg, state, CONFIG)
    assert reply_text(outcome) == "流程的回答"
    assert quote_flow.calls == [(msg, state, CONFIG)]


def test_the_menu_in_a_flow_keeps_the_flow_and_its_numbers_choose(quote_flow):
    state = SessionState(flow="quote", step="seats")
    outcome = router.handle(text("菜单"), state, CONFIG)
    footer = t.FLOW_STILL_OPEN.format(flow="车险报价")
    assert reply_text(outcome) == t.NUMBERED_MENU + "\n\n" + footer
    assert outcome.state.flow == "quote" and outcome.state.data["menu_shown"]
    chose = router.handle(text("3"), outcome.state, CONFIG)  # a menu choice, not 3 seats
    assert reply_text(chose).startswith(coming_soon("policy"))
    assert quote_flow.calls == []
    router.handle(text("5"), SessionState(flow="quote", step="seats"), CONFIG)
    assert [m.text for m, _, _ in quote_flow.calls] == ["5"]  # without the menu: an answer


def test_cancel_escapes_from_flow(quote_flow):
    outcome = router.handle(text("取消"), SessionState(flow="quote", step="plate"), CONFIG)
    assert reply_text(outcome) == t.CANCELLED
    assert outcome.state == SessionState.empty()
    assert quote_flow.calls == []


def test_a_lookup_in_a_flow_is_answered_and_the_flow_waits(quote_flow):
    state = SessionState(flow="quote", step="plate")
    outcome = router.handle(text("保单查询"), state, CONFIG)
    footer = t.FLOW_STILL_OPEN.format(flow="车险报价")
    assert reply_text(outcome) == coming_soon("policy") + "\n\n" + footer
    assert outcome.state == state
    assert quote_flow.calls == []


def test_another_service_in_a_flow_leaves_it_and_says_so(quote_flow):
    outcome = router.handle(text("人工"), SessionState(flow="quote", step="seats"), CONFIG)
    assert reply_text(outcome).startswith(t.FLOW_LEFT.format(flow="车险报价") + "\n")
    assert quote_flow.calls == []


def test_a_number_inside_a_flow_is_an_answer_not_a_menu_choice(quote_flow):
    router.handle(text("3"), SessionState(flow="quote", step="seats"), CONFIG)
    assert [m.text for m, _, _ in quote_flow.calls] == ["3"]


def test_idle_session_does_not_call_flow(quote_flow):
    outcome = router.handle(text("这是什么"), IDLE, CONFIG)
    assert reply_text(outcome) == t.UNKNOWN_TEXT
    assert quote_flow.calls == []


def test_session_in_unregistered_flow_falls_back():
    outcome = router.handle(text("这是什么"), SessionState(flow="no-such-flow"), CONFIG)
    assert reply_text(outcome) == t.UNKNOWN_TEXT


# --- menu.py --------------------------------------------------------------------------------


def test_load_real_menu():
    data = menu.load_menu()
    assert 1 <= len(data["button"]) <= menu.MAX_TOP_BUTTONS
    keys = list(menu.click_keys(data))
    assert keys == ["QUOTE", "SURVEY", "POLICY", "CLAIM", "HUMAN", "HELP"]


def test_load_menu_missing_file(tmp_path):
    with pytest.raises(menu.MenuError, match="cannot read menu file"):
        menu.load_menu(tmp_path / "nope.json")


def test_load_menu_bad_json(tmp_path):
    path = tmp_path / "menu.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(menu.MenuError, match="cannot read menu file"):
        menu.load_menu(path)


def test_load_menu_validates(tmp_path):
    path = tmp_path / "menu.json"
    path.write_text('{"button": []}', encoding="utf-8")
    with pytest.raises(menu.MenuError, match="non-empty 'button' list"):
        menu.load_menu(path)


def _click(name: str = "报价", key: str = "QUOTE") -> dict:
    return {"type": "click", "name": name, "key": key}


def _with_first_leaf(**changes) -> dict:
    data = copy.deepcopy(menu.load_menu())
    leaf = data["button"][0]["sub_button"][0]
    for name, value in changes.items():
        if value is None:
            leaf.pop(name, None)
        else:
            leaf[name] = value
    return data


INVALID_MENUS = [
    pytest.param({}, "non-empty 'button' list", id="no-buttons"),
    pytest.param({"button": []}, "non-empty 'button' list", id="empty-buttons"),
    pytest.param({"button": "x"}, "non-empty 'button' list", id="buttons-not-list"),
    pytest.param(
        {"button": [_click(f"b{i}", f"K{i}") for i in range(4)]},
        "at most 3 top-level buttons, got 4",
        id="four-top",
    ),
    pytest.param(
        {"button": [{"name": "服务", "sub_button": [_click(f"s{i}", f"K{i}") for i in range(6)]}]},
        "'服务' has more than 5 sub-buttons",
        id="six-sub",
    ),
    pytest.param(
        _with_first_leaf(key=None), "click button '拍证报价' needs a key", id="click-no-key"
    ),
    pytest.param(_with_first_leaf(key=""), "needs a key", id="click-empty-key"),
    pytest.param(
        {"button": [{"type": "view", "name": "官网"}]},
        "view button '官网' needs a url",
        id="view-no-url",
    ),
    pytest.param(_with_first_leaf(name=None), "every button needs a name", id="leaf-no-name"),
    pytest.param({"button": [{"type": "click", "key": "K"}]}, "needs a name", id="top-no-name"),
]


@pytest.mark.parametrize(("data", "message"), INVALID_MENUS)
def test_validate_menu_refuses(data, message):
    with pytest.raises(menu.MenuError) as info:
        menu.validate_menu(data)
    assert message in str(info.value)
    assert re.sub(r"'[^']*'", "", str(info.value)).isascii()  # English; only names quoted


@pytest.mark.parametrize(
    "data",
    [
        {"button": [_click()]},
        {"button": [_click(f"b{i}", f"K{i}") for i in range(3)]},
        {"button": [{"name": "服务", "sub_button": [_click(f"s{i}", f"K{i}") for i in range(5)]}]},
        {"button": [{"type": "view", "name": "官网", "url": "https://example.com"}]},
    ],
    ids=["one", "three-top", "five-sub", "view"],
)
def test_validate_menu_accepts(data):
    assert menu.validate_menu(data) is None


@pytest.mark.parametrize(
    ("said", "expected"),
    [("３", "policy"), ("保单\u200b查询", "policy"), ("\ufeff菜单", "menu"),
     ("菜\u200d单", "menu")],  # fmt: skip
)
def test_full_width_digits_and_invisible_characters_still_choose(said, expected):
    """What a customer pastes or types on a full-width keyboard reaches the same service."""
    assert router._text_route(text(said)) == expected
