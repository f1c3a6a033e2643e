"""自助查勘 in the dialog: bind first, pick the car, safety questions, facts, photos, resume."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import pytest

from chalicelib.dialog import catalogue as t
from chalicelib.dialog import survey as flow
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import SessionState
from chalicelib.domain import survey as sv
from chalicelib.domain.accident_time import CHINA
from chalicelib.domain.messages import InboundMessage, Kind, NewsReply, TextReply
from tests.unit.dialog_driver import FakeHandoffs, turn
from tests.unit.test_lookup_flow import OUYANG, FakeBook, policy

NOW = datetime(2026, 11, 22, 16, 0, tzinfo=CHINA)
TODAY = NOW.date()


@dataclass
class FakeSurveys:
    surveys: dict[str, sv.SurveyView] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    reports: list[dict] = field(default_factory=list)
    photos: list[dict] = field(default_factory=list)
    touched: list[str] = field(default_factory=list)

    def report(self, *, claim_no, openid, policy, facts, at):
        self.reports.append({"claim_no": claim_no, "policy": policy.policy_no, "facts": facts})
        view = sv.SurveyView(claim_no, policy.policy_no, sv.SurveyState.OPEN, frozenset(), at, at)
        self.surveys.setdefault(claim_no, view)
        self.owners[claim_no] = openid
        return view

    def view(self, claim_no):
        return self.surveys.get(claim_no)

    def open_survey_of(self, openid):
        mine = [
            v
            for c, v in self.surveys.items()
            if self.owners[c] == openid and v.state is not sv.SurveyState.SUBMITTED
        ]
        return mine[-1] if mine else None

    def receive_photo(self, **photo):
        self.photos.append(photo)

    def touch(self, claim_no, at):
        self.touched.append(claim_no)


class Book(FakeBook):
    def policy(self, policy_no):
        return next((p for p in self.policies if p.policy_no == policy_no), None)


def make_config(book=None, surveys=None, public_url="https://bot.example.com/prod", now=NOW):
    return DialogConfig(
        hotline="95500",
        book=book or Book(),
        surveys=surveys or FakeSurveys(),
        public_url=public_url,
        today=lambda: now.date(),
        clock=lambda: now.timestamp(),
    )


_ids = iter(range(10_000, 1_000_000))


def text(said: str, openid: str = "o_1") -> InboundMessage:
    n = next(_ids)
    return InboundMessage(openid, "gh", int(NOW.timestamp()), Kind.TEXT, f"m:{openid}:{n}",
                          msg_id=str(n), text=said)  # fmt: skip


def image(openid: str = "o_1", n: int | None = None) -> InboundMessage:
    n = n or next(_ids)
    return InboundMessage(openid, "gh", int(NOW.timestamp()), Kind.IMAGE, f"m:{openid}:{n}",
                          msg_id=str(n), media_id=f"media{n}")  # fmt: skip


def location() -> InboundMessage:
    n = next(_ids)
    return InboundMessage(
        "o_1", "gh", int(NOW.timestamp()), Kind.LOCATION, f"m:o_1:{n}", msg_id=str(n),
        latitude=23.13, longitude=113.32, label="广州市天河路",
    )  # fmt: skip


class Chat:
    def __init__(self, config):
        self.config = config
        self.state = SessionState()
        self.last = None

    def say(self, msg: InboundMessage):
        self.last = turn(msg, self.state, self.config)
        if self.last.state is not None:
            self.state = self.last.state
        return self.last

    def reply_text(self) -> str:
        assert isinstance(self.last.reply, TextReply)
        return self.last.reply.content


def bound_book(*policies_) -> Book:
    book = Book(customers={"o_1": OUYANG})
    book.policies = list(policies_) or [
        policy(OUYANG, "PDAA202600000000000001", TODAY + timedelta(days=200))
    ]
    return book


def through_questions(chat: Chat) -> None:
    chat.say(text("2"))
    for answer in ("否", "否", "是"):
        chat.say(text(answer))


def test_unbound_customers_bind_first_and_then_the_survey_starts():
    book = Book(answers={("粤B12345", "12345X"): OUYANG})
    book.policies = [policy(OUYANG, "PDAA202600000000000001", TODAY + timedelta(days=100))]
    chat = Chat(make_config(book))
    chat.say(text("自助查勘"))
    assert chat.state.flow == "bind" and chat.reply_text() == t.BIND_INTRO
    chat.say(text("粤B12345"))
    chat.say(text("12345X"))
    assert chat.state.flow == "survey" and chat.state.step == "q:injured"
    assert t.SURVEY_QUESTIONS["injured"] in chat.reply_text()
    assert "欧阳女士" in chat.reply_text()


def test_a_customer_with_two_cars_picks_one_by_number():
    a = policy(OUYANG, "PDAA202600000000000001", TODAY + timedelta(days=100), plate="粤B12345")
    b = policy(OUYANG, "PDAA202600000000000002", TODAY + timedelta(days=100), plate="粤A99999")
    expired = policy(OUYANG, "PDAA202500000000000003", TODAY - timedelta(days=1), plate="粤C11111")
    chat = Chat(make_config(bound_book(a, b, expired)))
    chat.say(text("2"))
    assert chat.state.step == "policy"
    assert "粤B·***45" in chat.reply_text() and "粤A·***99" in chat.reply_text()
    assert "粤C" not in chat.reply_text()  # not in force: cannot report on it
    chat.say(text("3"))
    assert chat.reply_text() == t.SURVEY_BAD_CHOICE
    chat.say(text("2"))
    assert chat.state.data["policy_no"] == b.policy_no and chat.state.step == "q:injured"


def test_no_policy_in_force_means_no_online_report():
    old = policy(OUYANG, "PDAA202500000000000003", TODAY - timedelta(days=1))
    chat = Chat(make_config(bound_book(old)))
    chat.say(text("2"))
    assert chat.reply_text() == t.SURVEY_NO_ACTIVE_POLICY.format(hotline="95500")
    assert chat.state.idle


@pytest.mark.parametrize(
    "answers", [("是",), ("否", "有"), ("否", "否", "不能")], ids=["injured", "other", "undrivable"]
)
def test_any_unsafe_answer_hands_over_with_emergency_numbers(answers):
    chat = Chat(make_config(bound_book()))
    chat.say(text("2"))
    for answer in answers:
        chat.say(text(answer))
    assert "120" in chat.reply_text() and "122" in chat.reply_text()
    assert "95500" in chat.reply_text()
    assert chat.state.flow == ""  # never continues self-service


def test_an_unclear_answer_repeats_the_question():
    chat = Chat(make_config(bound_book()))
    chat.say(text("2"))
    chat.say(text("不清楚"))
    assert t.SURVEY_YES_NO in chat.reply_text() and chat.state.step == "q:injured"


def test_the_facts_are_taken_and_the_claim_is_opened_with_the_first_shot():
    surveys = FakeSurveys()
    chat = Chat(make_config(bound_book(), surveys))
    through_questions(chat)
    assert chat.reply_text() == t.SURVEY_ASK_TIME
    chat.say(text("不知道"))
    assert chat.reply_text() == t.SURVEY_BAD_TIME
    chat.say(text("明天上午"))
    assert chat.reply_text() == t.SURVEY_FUTURE_TIME
    chat.say(text("今天17:30"))
    assert chat.reply_text() == t.SURVEY_FUTURE_TIME
    chat.say(text("昨晚"))
    assert chat.reply_text() == t.SURVEY_NEED_HOUR
    chat.say(text("今天下午3点"))
    assert chat.reply_text() == t.SURVEY_ASK_PLACE
    chat.say(text("路边"))
    assert chat.reply_text() == t.SURVEY_BAD_PLACE
    chat.say(location())
    assert chat.reply_text() == t.SURVEY_ASK_DESCRIPTION
    chat.say(text("撞"))
    assert chat.reply_text() == t.SURVEY_BAD_DESCRIPTION
    chat.say(text("倒车时车尾撞到柱子，后保险杠凹陷"))
    summary = chat.reply_text()
    assert "出险时间：2026年11月22日（今天） 15:00" in summary  # a date and an hour
    assert "广州市天河路" in summary and "后保险杠凹陷" in summary and "粤B·***45" in summary
    assert chat.state.step == "confirm" and surveys.reports == []  # nothing opened yet
    chat.say(text("嗯？"))
    assert chat.reply_text() == t.SURVEY_CONFIRM_HOW and surveys.reports == []
    out = chat.say(text("确认"))
    [report] = surveys.reports
    assert report["facts"] == {
        "accident_at": "2026-11-22T15:00:00+08:00",
        "place": {"lat": 23.13, "lon": 113.32, "label": "广州市天河路"},
        "description": "倒车时车尾撞到柱子，后保险杠凹陷",
    }
    assert report["claim_no"] in chat.reply_text() and "1 车头45°" in chat.reply_text()
    assert chat.state == SessionState("survey", "photos", {"claim_no": report["claim_no"]})
    [card] = out.sends
    assert isinstance(card, NewsReply) and card.title == "第1张：车头45°"
    assert card.image_url == "https://bot.example.com/prod/survey/examples/1.jpg"


def test_the_summary_can_be_corrected_before_the_claim_is_opened():
    surveys = FakeSurveys()
    chat = Chat(make_config(bound_book(), surveys))
    through_questions(chat)
    chat.say(text("半小时前"))
    chat.say(text("昨天下午3点"))  # a time typed at the place prompt is a time
    noted = t.SURVEY_TIME_NOTED.format(when="2026年11月21日（昨天） 15:00")
    assert chat.reply_text().startswith(noted)
    assert chat.state.step == "place" and chat.state.data["accident_at"].startswith("2026-11-21T15")
    chat.say(text("广州市天河区天河路100号"))
    chat.say(text("撞到路边石墩，前保险杠裂了"))
    chat.say(text("修改地点"))
    assert chat.reply_text() == t.SURVEY_ASK_PLACE
    chat.say(text("广州市越秀区环市东路1号"))
    assert "环市东路1号" in chat.reply_text() and chat.state.step == "confirm"
    chat.say(text("修改时间"))
    chat.say(text("三天前"))
    assert chat.reply_text() == t.SURVEY_TOO_LATE.format(hotline="95500") and chat.state.idle
    assert surveys.reports == []


def test_a_time_can_be_fixed_from_the_summary():
    surveys = FakeSurveys()
    chat = Chat(make_config(bound_book(), surveys))
    through_questions(chat)
    chat.say(text("刚刚"))
    chat.say(text("广州市天河区天河路100号"))
    chat.say(text("撞到路边石墩"))
    chat.say(text("今天14:30"))  # typed straight at the summary
    assert "2026年11月22日（今天） 14:30" in chat.reply_text() and chat.state.step == "confirm"
    chat.say(text("修改时间"))
    chat.say(text("乱写的"))
    assert chat.reply_text() == t.SURVEY_BAD_TIME and chat.state.step == "time_fix"
    chat.say(text("今天上午10点"))
    assert "2026年11月22日（今天） 10:00" in chat.reply_text()
    chat.say(text("对"))
    assert surveys.reports[0]["facts"]["accident_at"] == "2026-11-22T10:00:00+08:00"


@pytest.mark.parametrize(
    ("said", "answer"),
    [("没有人受伤", False), ("没有", False), ("不涉及", False), ("能正常开", True), ("可以", True),
     ("不清楚", None), ("不知道", None), ("还能开", True)],
)  # fmt: skip
def test_yes_and_no_in_the_customers_own_words(said, answer):
    assert flow._yes_no(said) is answer


def test_a_typed_address_is_a_place_and_without_a_public_url_the_shot_is_text():
    surveys = FakeSurveys()
    chat = Chat(make_config(bound_book(), surveys, public_url=""))
    through_questions(chat)
    chat.say(text("刚刚"))
    chat.say(text("广州市天河区天河路100号"))
    chat.say(text("撞到路边石墩"))
    out = chat.say(text("确认"))
    assert surveys.reports[0]["facts"]["place"] == {"text": "广州市天河区天河路100号"}
    assert isinstance(out.sends[0], TextReply) and "车头45°" in out.sends[0].content


def test_reports_older_than_48_hours_go_to_the_claims_line():
    chat = Chat(make_config(bound_book()))
    through_questions(chat)
    chat.say(text("11月19日 10:00"))
    assert chat.reply_text() == t.SURVEY_TOO_LATE.format(hotline="95500")
    assert chat.state.idle


def test_an_accident_before_the_policy_started_is_refused():
    start = TODAY
    fresh = policy(OUYANG, "PDAA202600000000000009", TODAY + timedelta(days=364), start=start)
    chat = Chat(make_config(bound_book(fresh)))
    through_questions(chat)
    chat.say(text("昨天下午3点"))
    assert "不在这张保单的保险期间内" in chat.reply_text() and chat.state.step == "time"


def opened(surveys: FakeSurveys) -> Chat:
    chat = Chat(make_config(bound_book(), surveys))
    through_questions(chat)
    chat.say(text("刚刚"))
    chat.say(text("广州市天河区天河路100号"))
    chat.say(text("撞到路边石墩"))
    chat.say(text("确认"))
    return chat


def test_photos_are_recorded_and_queued_without_a_passive_reply():
    surveys = FakeSurveys()
    chat = opened(surveys)
    claim_no = chat.state.data["claim_no"]
    msg = image(n=777)
    out = chat.say(msg)
    assert out.reply is None and out.state is None
    [job] = out.jobs
    assert job.kind == "survey.photo"
    assert job.payload == {
        "claim_no": claim_no,
        "seq": sv.survey_seq(msg.created_at, "777"),
        "openid": "o_1",
        "media_id": "media777",
        "dedupe_key": msg.dedupe_key,
    }
    assert surveys.photos[0]["seq"] == job.payload["seq"]


def test_text_during_the_photos_says_which_shot_is_needed():
    surveys = FakeSurveys()
    chat = opened(surveys)
    claim_no = chat.state.data["claim_no"]
    surveys.surveys[claim_no] = sv.SurveyView(claim_no, "P", sv.SurveyState.OPEN,
                                              frozenset({1, 2}), 0, NOW.timestamp())  # fmt: skip
    chat.say(text("好的"))
    assert "第3张 受损部位全景" in chat.reply_text()


def test_cancel_during_photos_leaves_the_survey_resumable_and_resume_comes_back():
    surveys = FakeSurveys()
    chat = opened(surveys)
    claim_no = chat.state.data["claim_no"]
    chat.say(text("取消"))
    assert chat.reply_text().startswith(t.SURVEY_LEFT.split("\n")[0]) and chat.state.idle
    out = chat.say(text("继续查勘"))
    assert chat.state == SessionState("survey", "photos", {"claim_no": claim_no})
    assert surveys.touched == [claim_no] and not out.sends  # one message
    assert out.reply.title == "继续查勘：已收到 0/5，请拍第1张 车头45°"
    assert claim_no in out.reply.description and t.SURVEY_SHOT_HINTS[1] in out.reply.description


def test_starting_again_with_a_survey_open_offers_to_continue_or_report_anew():
    surveys = FakeSurveys()
    chat = opened(surveys)
    claim_no = chat.state.data["claim_no"]
    chat.say(text("取消"))
    chat.say(text("2"))
    assert claim_no in chat.reply_text() and "新报案" in chat.reply_text()
    chat.say(text("新报案"))
    assert chat.state.step == "q:injured"


def test_resume_after_72_hours_tells_the_customer_staff_will_follow_up():
    surveys = FakeSurveys()
    chat = opened(surveys)
    chat.say(text("取消"))
    later = make_config(chat.config.book, surveys, now=NOW + timedelta(hours=73))
    chat.config = later
    chat.say(text("继续查勘"))
    assert "超过72小时" in chat.reply_text() and chat.state.idle
    assert Chat(make_config(Book(), FakeSurveys())).say(text("继续查勘")).reply.content == (
        t.SURVEY_NOTHING_TO_RESUME
    )


def test_photos_after_submission_are_not_asked_for():
    surveys = FakeSurveys()
    chat = opened(surveys)
    claim_no = chat.state.data["claim_no"]
    surveys.surveys[claim_no] = sv.SurveyView(claim_no, "P", sv.SurveyState.SUBMITTED,
                                              frozenset(sv.SLOTS), 0, NOW.timestamp())  # fmt: skip
    out = chat.say(image())
    assert out.reply.content == t.SURVEY_PHOTOS_ALREADY_DONE and not out.jobs


def test_progress_is_one_message_and_the_next_shot_with_its_example():
    config = make_config()
    batch = [
        sv.Placement("a", 1, True),
        sv.Placement("b", 2, False, ("blurred",)),
        sv.Placement("c", 3, True),
        sv.Placement("d", None, False, (sv.SURPLUS,)),
    ]
    [card] = flow.progress_replies(batch, frozenset({1, 3}), "RSVY1", config)
    assert card.title == "已收到 2/5，下一张：第2张 车尾45°"
    lines = card.description.splitlines()
    assert lines[0] == "第1张 车头45° ✅"
    assert lines[1] == "第2张 车尾45° 需要重拍：" + t.SURVEY_REASONS["blurred"]
    assert "多出的1张" in card.description
    assert lines[-1] == t.SURVEY_SHOT_HINTS[2]  # the hint once, not in two messages
    assert card.image_url.endswith("/survey/examples/2.jpg")
    plain = make_config(public_url="")
    [text_only] = flow.progress_replies(batch, frozenset({1, 3}), "RSVY1", plain)
    assert text_only.content.startswith("已收到 2/5，下一张：第2张 车尾45°\n第1张 车头45° ✅")
    [done] = flow.progress_replies(batch, frozenset(sv.SLOTS), "RSVY1", config)
    assert "RSVY1" in done.content and "全部收到" in done.content


def test_every_reason_code_has_customer_words():
    from chalicelib.photos.quality import REASONS

    assert set(REASONS) <= set(t.SURVEY_REASONS)


def test_a_car_with_compulsory_and_commercial_policies_is_one_choice_the_commercial_one():
    from chalicelib.domain.policies import Coverage

    compulsory = replace(
        policy(OUYANG, "PDZA202600000000000001", TODAY + timedelta(days=100),
               product="机动车交通事故责任强制保险"),
        coverages=(Coverage("财产损失赔偿", None),),
    )  # fmt: skip
    commercial = policy(OUYANG, "PDAA202600000000000002", TODAY + timedelta(days=100))
    for order in ((compulsory, commercial), (commercial, compulsory)):
        chat = Chat(make_config(bound_book(*order)))
        chat.say(text("2"))
        assert chat.state.data["policy_no"] == commercial.policy_no
    chat = Chat(make_config(bound_book(compulsory, commercial)))
    chat.say(text("2"))
    assert chat.state.step == "q:injured"
    assert chat.state.data["policy_no"] == commercial.policy_no


def test_the_menu_in_the_middle_of_the_questions_keeps_the_survey():
    """A customer taps 保单查询 at question 2/3: the policies are shown, the survey waits and
    says so; 继续查勘 asks the question again; another service leaves it, saying so."""
    from chalicelib.domain.messages import Event

    chat = Chat(make_config(bound_book()))
    chat.say(text("2"))
    chat.say(text("否"))
    click = InboundMessage("o_1", "gh", int(NOW.timestamp()), Kind.EVENT, "c:POLICY",
                           event=Event.CLICK, event_key="POLICY")  # fmt: skip
    chat.say(click)
    assert "您名下的保单" in chat.reply_text()
    assert chat.reply_text().endswith(t.FLOW_STILL_OPEN.format(flow="自助查勘"))
    assert chat.state.step == "q:other_party"
    chat.say(text("继续查勘"))
    assert chat.reply_text() == t.SURVEY_QUESTIONS["other_party"]
    chat.say(text("否"))
    assert chat.state.step == "q:safe_and_drivable"
    chat.say(text("报价"))
    assert chat.reply_text().startswith(t.FLOW_LEFT.format(flow="自助查勘"))
    assert chat.state.flow == "quote"


def test_asking_for_a_person_in_words_at_the_photos_reaches_one():
    from chalicelib.dialog.outcome import JobKind
    from chalicelib.kb import load_intents

    surveys = FakeSurveys()
    chat = opened(surveys)
    chat.config = replace(chat.config, intents=load_intents(), handoffs=FakeHandoffs())
    out = chat.say(text("我不会拍，找个真人帮我"))
    assert [j.kind for j in out.jobs] == [JobKind.HANDOFF_START]
    assert chat.state.flow == "handoff"


@pytest.mark.parametrize(
    ("said", "step_after"),
    [(("人都没事", "就我一辆车", "停好了"), "time"),
     (("都没事", "就撞了墙", "车没事 能开"), "time"),
     (("没人受伤", "追尾了前车", None), "")],
)  # fmt: skip
def test_the_safety_questions_answered_in_everyday_words(said, step_after):
    chat = Chat(make_config(bound_book()))
    chat.say(text("2"))
    for answer in said:
        if answer is not None:
            chat.say(text(answer))
    assert chat.state.step == step_after


def test_a_customer_who_gives_up_leaves_with_everyday_words():
    chat = Chat(make_config(bound_book()))
    chat.say(text("2"))
    chat.say(text("不办了"))
    assert chat.state.idle and chat.reply_text() == t.CANCELLED
