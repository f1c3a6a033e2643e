"""Service paths (domain/service_paths.py): chat messages grouped into sessions, one ordered
timeline, and the stuck markers."""

from __future__ import annotations

from chalicelib.domain import service_paths as sp

T0 = 1_765_000_000.0  # an instant; events are seconds after it
WAIT = 120


def _msg(at: float, direction: str = "in", text: str = "你好", **extra):
    return {"at": T0 + at, "direction": direction, "text": text, **extra}


def test_messages_closer_than_the_gap_are_one_session_and_a_pause_starts_another():
    events = sp.sessions([
        _msg(0, text="我要报案"), _msg(5, "out", "好的"), _msg(60, text="车牌多少"),
        _msg(60 + sp.SESSION_GAP_S + 1, "out", "【提醒】"),
    ])  # fmt: skip
    assert [(e.kind, e.text) for e in events] == [("session", "我要报案"), ("session", "【提醒】")]
    first, second = events
    assert first.detail["in"] == 2 and first.detail["out"] == 1 and len(first.messages) == 3
    assert first.detail["until"] == T0 + 60 and second.detail["in"] == 0


def test_the_session_names_the_customers_first_words_not_the_bots_greeting():
    (event,) = sp.sessions([_msg(0, "out", "欢迎关注"), _msg(3, text="怎么理赔")])
    assert event.text == "怎么理赔" and event.at == T0


def test_the_timeline_is_oldest_first_across_channels():
    events = [
        sp.Event(T0 + 30, sp.CLAIM, "status:reported", "报案"),
        sp.Event(T0, sp.HANDOFF, "start", "转人工"),
        sp.Event(T0, sp.CHAT, "session", "人工"),
        sp.Event(T0 + 10, sp.QUOTE, "given", "报价"),
    ]
    assert [e.channel for e in sp.timeline(events)] == [sp.CHAT, sp.HANDOFF, sp.QUOTE, sp.CLAIM]


def _start(**detail):
    base = {"reason": "asked", "ended": True, "waited_s": 30, "open_for_s": 600}
    return sp.Event(T0, sp.HANDOFF, "start", "转人工", detail={**base, **detail})


def _codes(events):
    return [list(e.markers) for e in sp.mark(events, WAIT)]


def test_a_bot_miss_handed_to_a_person_is_marked():
    assert _codes([_start(reason="misses")]) == [["bot_miss"]]
    assert _codes([_start(reason="asked")]) == [[]]


def test_a_long_wait_for_a_person_and_nobody_answering_are_marked():
    assert _codes([_start(waited_s=WAIT + 1)]) == [["long_wait"]]
    assert _codes([_start(waited_s=WAIT)]) == [[]]
    assert _codes([_start(waited_s=None, ended=True)]) == [["no_answer"]]
    # still waiting: stuck once it has waited longer than the target
    assert _codes([_start(waited_s=None, ended=False, open_for_s=WAIT + 5)]) == [["long_wait"]]
    assert _codes([_start(waited_s=None, ended=False, open_for_s=WAIT - 5)]) == [[]]
    both = _codes([_start(reason="misses", waited_s=WAIT * 10)])
    assert both == [["bot_miss", "long_wait"]]


def test_a_quote_started_without_a_quote_given_in_the_session_is_abandoned():
    (started,) = sp.sessions([_msg(0, text="报价"),
                              _msg(1, "out", "请拍摄行驶证", quote_start=True),
                              _msg(40, text="算了")])  # fmt: skip
    assert _codes([started]) == [["quote_abandoned"]]
    given = sp.Event(T0 + 300, sp.QUOTE, "given", "报价 Q1")
    assert _codes([started, given]) == [[], []]
    much_later = sp.Event(T0 + 40 + sp.SESSION_GAP_S + 60, sp.QUOTE, "given", "报价 Q2")
    assert _codes([started, much_later])[0] == ["quote_abandoned"]
    (plain,) = sp.sessions([_msg(0, text="你好")])
    assert _codes([plain]) == [[]]


def test_a_reminded_survey_still_missing_photos_is_stalled():
    def survey(reminded: bool, missing: int):
        return sp.Event(T0, sp.SURVEY, "started", "自助查勘",
                        detail={"reminded": reminded, "missing": missing})  # fmt: skip

    assert _codes([survey(True, 2)]) == [["survey_stalled"]]
    assert _codes([survey(True, 0)]) == [[]]
    assert _codes([survey(False, 3)]) == [[]]


def test_a_low_rating_is_marked():
    def rated(score: int):
        return sp.Event(T0, sp.RATING, "rated", "评分", detail={"score": score})

    assert _codes([rated(1), rated(2), rated(3), rated(5)]) == [["low_rating"], ["low_rating"],
                                                                [], []]  # fmt: skip


def test_the_summary_counts_markers_and_the_json_names_them():
    events = sp.mark([_start(reason="misses", waited_s=None, ended=True)], WAIT)
    assert sp.stuck_summary(events) == {"bot_miss": 1, "no_answer": 1}
    body = events[0].to_json()
    assert body["markers"] == [{"code": "bot_miss", "label": sp.MARKERS["bot_miss"]},
                               {"code": "no_answer", "label": sp.MARKERS["no_answer"]}]  # fmt: skip
    assert body["channel"] == "handoff" and body["time"][:10] == body["day"]
