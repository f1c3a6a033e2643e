"""自助查勘: report a single-vehicle accident and send five photos.

Steps (SessionState.step): policy → q:injured → q:other_party → q:safe_and_drivable → time →
place → description → confirm → photos. The customer confirms a summary (the time as a date
and hour) before the claim is opened (REPORTED). Photos are not placed
here: each is recorded once (Surveys.receive_photo) and checked by the worker, which places
them in send order and sends one coalesced progress message (service/survey.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from chalicelib.dialog import catalogue as t
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import (
    Job,
    JobKind,
    Outcome,
    RecordPhoto,
    ReportClaim,
    SessionState,
    TouchSurvey,
)
from chalicelib.domain import survey as sv
from chalicelib.domain.accident_time import (
    CHINA,
    check_accident_time,
    names_a_day,
    parse_accident_time,
)
from chalicelib.domain.book import Customer, Policy
from chalicelib.domain.masking import mask_plate
from chalicelib.domain.messages import InboundMessage, Kind, NewsReply, Reply, TextReply
from chalicelib.domain.text import to_halfwidth

FLOW = "survey"
PHOTOS = "photos"
CONFIRM = "confirm"
AGAIN = "again"  # the step's own prompt again, after a correction typed there
YES = ("是", "是的", "有", "对", "y", "yes", "1", "能", "可以", "嗯", "有的", "对的", "能的",
       "可以的")  # fmt: skip
NO = ("否", "不是", "没有", "无", "没", "不", "n", "no", "2", "不能", "不可以", "没有的", "不行")
_NO_START = re.compile(r"^(没有|没|无|否|未|并没有|并无|不(是|能|可以|行|涉及|会|用|需要))")
_YES_START = re.compile(r"^(有|是|对|能|可以|涉及|还能|还可以)")
CHANGE_WORDS = {"时间": "time", "地点": "place", "位置": "place", "经过": "description",
                "描述": "description", "情况": "description"}  # fmt: skip
MIN_PLACE_CHARS = 4
DESCRIPTION_CHARS = (4, 200)


def _state(step: str, data: dict) -> SessionState:
    return SessionState(flow=FLOW, step=step, data=data)


def survey_flow(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    if not state.step:
        return start(msg, config)
    if state.step == PHOTOS:
        return _on_photos_step(msg, state, config)
    said = to_halfwidth(msg.text or msg.recognition).strip()
    if state.step == "policy":
        return _on_policy(said, state, config)
    if state.step.startswith("q:"):
        return _on_answer(said, state, config)
    if state.step == "time":
        return _on_time(said, state, config)
    if state.step == "time_fix":
        return _on_time(said, state, config, then=CONFIRM)
    as_typed = (msg.text or msg.recognition).strip()  # addresses and stories keep their 。，
    if state.step == "place":
        return _on_place(msg, as_typed, state, config)
    if state.step == "description":
        return _on_description(msg, as_typed, state, config)
    if state.step == CONFIRM:
        return _on_confirm(msg, said, state, config)
    return start(msg, config)


def start(msg: InboundMessage, config: DialogConfig, new: bool = False) -> Outcome:
    customer = config.the_book().customer_for(msg.openid)
    if customer is None:
        state = SessionState(flow="bind", step="identifier", data={"then": FLOW})
        return Outcome(reply=TextReply(t.BIND_INTRO), state=state)
    if not new:
        current = _open_survey(msg.openid, config)
        if current is not None and not current.expired_at(config.clock()):
            reply = t.SURVEY_OPEN_ELSEWHERE.format(claim_no=current.claim_no, done=current.done)
            return Outcome(reply=TextReply(reply), state=SessionState())
    return begin(customer, config, prefix=())


def begin(customer: Customer, config: DialogConfig, prefix: tuple[str, ...]) -> Outcome:
    """After binding (or at once when bound): pick the vehicle, then the safety questions."""
    policies = _active_policies(customer, config)
    if not policies:
        reply = "\n\n".join((*prefix, t.SURVEY_NO_ACTIVE_POLICY.format(hotline=config.hotline)))
        return Outcome(reply=TextReply(reply), state=SessionState())
    if len(policies) == 1:
        return _ask_questions(policies[0].policy_no, prefix)
    choices = "\n".join(
        t.SURVEY_POLICY_CHOICE.format(n=i, plate=mask_plate(p.plate), product=p.product)
        for i, p in enumerate(policies, start=1)
    )
    reply = "\n\n".join((*prefix, t.SURVEY_INTRO, t.SURVEY_PICK_POLICY.format(choices=choices)))
    data = {"choices": [p.policy_no for p in policies]}
    return Outcome(reply=TextReply(reply), state=_state("policy", data))


def _active_policies(customer: Customer, config: DialogConfig) -> list[Policy]:
    """One policy per car in force today: the one covering the car's own damage when the car
    has several (交强险 covers only third parties)."""
    today = config.today()
    by_plate: dict[str, Policy] = {}
    for p in config.the_book().policies_of(customer.customer_id):
        if p.cancelled or not (p.start <= today <= p.end):
            continue
        if p.plate not in by_plate or _covers_own_damage(p):
            by_plate[p.plate] = p
    return list(by_plate.values())


OWN_DAMAGE_WORDS = ("车损", "车辆损失", "机动车损失")


def _covers_own_damage(policy: Policy) -> bool:
    """车损险 (the car's own damage); 交强险's 财产损失 is a third party's property."""
    if "强制" in policy.product:
        return False
    return "商业" in policy.product or any(
        w in c.name for c in policy.coverages for w in OWN_DAMAGE_WORDS
    )


def _ask_questions(policy_no: str, prefix: tuple[str, ...]) -> Outcome:
    first = sv.ELIGIBILITY[0][0]
    reply = "\n\n".join((*prefix, t.SURVEY_INTRO, t.SURVEY_QUESTIONS[first.value]))
    data = {"policy_no": policy_no, "answered": []}
    return Outcome(reply=TextReply(reply), state=_state(f"q:{first.value}", data))


def _on_policy(said: str, state: SessionState, config: DialogConfig) -> Outcome:
    choices = state.data.get("choices", [])
    if not (said.isdigit() and 1 <= int(said) <= len(choices)):
        return Outcome(reply=TextReply(t.SURVEY_BAD_CHOICE), state=state)
    first = sv.ELIGIBILITY[0][0]
    data = {"policy_no": choices[int(said) - 1], "answered": []}
    return Outcome(
        reply=TextReply(t.SURVEY_QUESTIONS[first.value]), state=_state(f"q:{first.value}", data)
    )


def _yes_no(said: str) -> bool | None:
    """是/否, and the sentences people answer with: 没有人受伤 (no), 能正常开 (yes)."""
    word = said.strip("。.!！~～ ").lower()
    if word in YES:
        return True
    if word in NO:
        return False
    if _NO_START.match(word):
        return False
    if _YES_START.match(word):
        return True
    return None


# How people answer each question in words (checked before 是/否): "没事" says nobody is hurt,
# but that the car is fine; "就我一辆车" says nobody else is involved.
ANSWERS_IN_WORDS: dict[str, tuple[tuple[bool, tuple[str, ...]], ...]] = {
    "injured": (
        (False, ("没事", "没受伤", "都好", "平安", "没人受伤", "人没", "都没")),
    ),
    "other_party": (
        (True, ("对方", "别人的车", "两车", "另一辆", "追尾", "撞了人", "行人")),
        (False, ("只有我", "就我", "我自己", "单车", "就撞了", "自己撞", "没别人", "没有别人",
                 "没有其他", "没其他", "撞墙", "撞到墙", "柱子", "护栏", "马路牙")),
    ),  # fmt: skip
    "safe_and_drivable": (
        (False, ("开不了", "动不了", "不能开", "熄火", "打不着", "走不了", "不安全")),
        (True, ("行", "停好", "能开", "可以开", "能走", "靠边", "安全", "没问题", "路边",
                "挪到", "车没事", "没事")),
    ),  # fmt: skip
}


def _answer_in_words(question: str, said: str) -> bool | None:
    for answer, phrases in ANSWERS_IN_WORDS.get(question, ()):
        if any(p in said for p in phrases):
            return answer
    return None


def _on_answer(said: str, state: SessionState, config: DialogConfig) -> Outcome:
    question = sv.Question(state.step.removeprefix("q:"))
    answer = _answer_in_words(question.value, said)
    if answer is None:
        answer = _yes_no(said)
    if answer is None:
        prompt = t.SURVEY_YES_NO + "\n" + t.SURVEY_QUESTIONS[question.value]
        return Outcome(reply=TextReply(prompt), state=state)
    if not sv.keeps_self_service(question, answer):
        return hand_over(question.value, config)
    answered = [*state.data.get("answered", []), question.value]
    data = {**state.data, "answered": answered}
    following = sv.next_question(answered)
    if following is not None:
        reply = TextReply(t.SURVEY_QUESTIONS[following.value])
        return Outcome(reply=reply, state=_state(f"q:{following.value}", data))
    return Outcome(reply=TextReply(t.SURVEY_ASK_TIME), state=_state("time", data))


def hand_over(reason: str, config: DialogConfig) -> Outcome:
    """Not a case for self-service: safety first (120 / 122 on the first line), then a person
    takes it: the claims line, or 0 for a person in the chat."""
    reply = t.SURVEY_NOT_SELF_SERVICE.format(hotline=config.hotline)
    return Outcome(reply=TextReply(reply), state=SessionState(data={"handover": reason}))


def _on_time(said: str, state: SessionState, config: DialogConfig, then: str = "place") -> Outcome:
    now = datetime.fromtimestamp(config.clock(), CHINA)
    moment = parse_accident_time(said, now)
    if moment is None:
        text = t.SURVEY_NEED_HOUR if names_a_day(said) else t.SURVEY_BAD_TIME
        return Outcome(reply=TextReply(text), state=state)
    problem = check_accident_time(moment, now, sv.MAX_REPORT_DELAY_S)
    if problem == "future":
        return Outcome(reply=TextReply(t.SURVEY_FUTURE_TIME), state=state)
    if problem == "too_late":
        reply = t.SURVEY_TOO_LATE.format(hotline=config.hotline)
        return Outcome(reply=TextReply(reply), state=SessionState())
    policy = _policy(state.data["policy_no"], config)
    if policy is None or not (policy.start <= moment.date() <= policy.end):
        start, end = (policy.start, policy.end) if policy else ("-", "-")
        reply = t.SURVEY_OUTSIDE_POLICY.format(start=start, end=end, hotline=config.hotline)
        return Outcome(reply=TextReply(reply), state=state)
    data = {**state.data, "accident_at": moment.isoformat()}
    if then == CONFIRM:
        return _summary(data, config)
    ask = t.SURVEY_ASK_PLACE
    if then == AGAIN:  # a time typed at the place prompt: noted, and the place asked again
        ask = t.SURVEY_TIME_NOTED.format(when=when_words(moment, now)) + "\n" + ask
    return Outcome(reply=TextReply(ask), state=_state("place", data))


def _policy(policy_no: str, config: DialogConfig) -> Policy | None:
    return config.the_book().policy(policy_no)


def _on_place(msg: InboundMessage, said: str, state: SessionState, config: DialogConfig) -> Outcome:
    if msg.kind is Kind.LOCATION and msg.latitude is not None:
        place = {"lat": msg.latitude, "lon": msg.longitude, "label": msg.label}
    elif msg.kind in (Kind.TEXT, Kind.VOICE) and _is_a_time(said, config):
        return _on_time(said, state, config, then=AGAIN)
    elif len(said) >= MIN_PLACE_CHARS and msg.kind in (Kind.TEXT, Kind.VOICE):
        place = {"text": said}
    else:
        return Outcome(reply=TextReply(t.SURVEY_BAD_PLACE), state=state)
    data = {**state.data, "place": place}
    if state.data.get("description"):  # changing the place from the summary
        return _summary(data, config)
    return Outcome(reply=TextReply(t.SURVEY_ASK_DESCRIPTION), state=_state("description", data))


def _is_a_time(said: str, config: DialogConfig) -> bool:
    """"昨天下午3点" typed where the place was asked: the customer is correcting the time."""
    now = datetime.fromtimestamp(config.clock(), CHINA)
    return len(said) <= 20 and parse_accident_time(said, now) is not None


def _on_description(
    msg: InboundMessage, said: str, state: SessionState, config: DialogConfig
) -> Outcome:
    low, high = DESCRIPTION_CHARS
    if msg.kind not in (Kind.TEXT, Kind.VOICE) or not (low <= len(said) <= high):
        return Outcome(reply=TextReply(t.SURVEY_BAD_DESCRIPTION), state=state)
    return _summary({**state.data, "description": said}, config)


def _summary(data: dict, config: DialogConfig) -> Outcome:
    """Everything the claim will say, the time as a date and hour, for the customer to check."""
    now = datetime.fromtimestamp(config.clock(), CHINA)
    moment = datetime.fromisoformat(data["accident_at"])
    policy = _policy(data["policy_no"], config)
    reply = t.SURVEY_SUMMARY.format(
        when=when_words(moment, now),
        place=_place_words(data["place"]),
        description=data["description"],
        plate=mask_plate(policy.plate) if policy else "-",
    )
    return Outcome(reply=TextReply(reply), state=_state(CONFIRM, data))


def when_words(moment: datetime, now: datetime) -> str:
    """2026年12月5日（今天）15:30 — the date and the hour, never only "半小时前"."""
    days = (now.date() - moment.date()).days
    relative = {0: "（今天）", 1: "（昨天）", 2: "（前天）"}.get(days, "")
    return f"{moment.year}年{moment.month}月{moment.day}日{relative} {moment:%H:%M}"


def _place_words(place: dict) -> str:
    if "text" in place:
        return str(place["text"])
    label = place.get("label") or ""
    return f"{label}（已发送位置）" if label else t.SURVEY_PLACE_SENT


def _on_confirm(
    msg: InboundMessage, said: str, state: SessionState, config: DialogConfig
) -> Outcome:
    if _yes_no(said) is True or said in t.CONFIRM_WORDS:
        return _report(msg, state, config)
    change = next((step for word, step in CHANGE_WORDS.items() if word in said), None)
    if change == "time":
        return Outcome(reply=TextReply(t.SURVEY_ASK_TIME), state=_state("time_fix", state.data))
    if change == "place":
        return Outcome(reply=TextReply(t.SURVEY_ASK_PLACE), state=_state("place", state.data))
    if change == "description":
        return Outcome(reply=TextReply(t.SURVEY_ASK_DESCRIPTION),
                       state=_state("description", state.data))  # fmt: skip
    if _is_a_time(said, config):
        return _on_time(said, state, config, then=CONFIRM)
    return Outcome(reply=TextReply(t.SURVEY_CONFIRM_HOW), state=state)


def _report(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    policy = _policy(state.data["policy_no"], config)
    if policy is None:
        return Outcome(reply=TextReply(t.SURVEY_NO_ACTIVE_POLICY.format(hotline=config.hotline)))
    facts = {
        "accident_at": state.data["accident_at"],
        "place": state.data["place"],
        "description": state.data["description"],
    }
    claim_no = sv.claim_number_for(msg.created_at, msg.dedupe_key)
    report = ReportClaim(claim_no, msg.openid, policy.policy_no, facts, config.clock())
    shots = "\n".join(
        t.SURVEY_SHOT_LINE.format(n=n, title=t.SURVEY_SHOT_TITLES[n]) for n in sv.SLOTS
    )
    reply = TextReply(t.SURVEY_OPENED.format(claim_no=claim_no, shots=shots))
    state = _state(PHOTOS, {"claim_no": claim_no})
    return Outcome(reply=reply, sends=(shot_card(1, config),), effects=(report,), state=state)


def shot_card(
    slot: int, config: DialogConfig, title: str = "", lines: tuple[str, ...] = ()
) -> Reply:
    """One message for one shot: what to photograph (with its example picture when the app's
    URL is known), after any `lines` about the photos just received."""
    title = title or t.SURVEY_SHOT_CARD_TITLE.format(n=slot, title=t.SURVEY_SHOT_TITLES[slot])
    body = "\n".join((*lines, t.SURVEY_SHOT_HINTS[slot]))
    base = config.public_url
    if not base:
        return TextReply(f"{title}\n{body}")
    picture = f"{base.rstrip('/')}/survey/examples/{slot}.jpg"
    return NewsReply(title=title, description=body, url=picture, image_url=picture)


# --- the photos step -------------------------------------------------------------------------


def _on_photos_step(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    claim_no = state.data.get("claim_no", "")
    current = config.the_surveys().view(claim_no)
    if current is None:
        return Outcome(reply=TextReply(t.SURVEY_NOTHING_TO_RESUME), state=SessionState())
    if current.expired_at(config.clock()):
        return _expired(current, config)
    if current.state is sv.SurveyState.SUBMITTED and not current.next_slot:
        return Outcome(reply=TextReply(t.SURVEY_PHOTOS_ALREADY_DONE), state=SessionState())
    if msg.kind is Kind.IMAGE:
        return _photo(msg, claim_no, config)
    return Outcome(reply=TextReply(_waiting_text(current)), state=state)


def prompt_for(state: SessionState, config: DialogConfig) -> str:
    """What the survey is waiting for at this step, asked again (继续查勘 before the photos,
    or after the customer looked something up in between)."""
    step = state.step
    if step.startswith("q:"):
        return t.SURVEY_QUESTIONS[step.removeprefix("q:")]
    if step in ("time", "time_fix"):
        return t.SURVEY_ASK_TIME
    if step == "place":
        return t.SURVEY_ASK_PLACE
    if step == "description":
        return t.SURVEY_ASK_DESCRIPTION
    if step == CONFIRM:
        reply = _summary(state.data, config).reply
        return reply.content if isinstance(reply, TextReply) else t.SURVEY_CONFIRM_HOW
    if step == PHOTOS:
        current = config.the_surveys().view(state.data.get("claim_no", ""))
        return _waiting_text(current) if current is not None else t.SURVEY_NOTHING_TO_RESUME
    return t.SURVEY_BAD_CHOICE


def _photo(msg: InboundMessage, claim_no: str, config: DialogConfig) -> Outcome:
    seq = sv.survey_seq(msg.created_at, msg.msg_id or msg.dedupe_key)
    received = RecordPhoto(claim_no, seq, msg.openid, msg.media_id, msg.dedupe_key, config.clock())
    job = Job(
        kind=JobKind.SURVEY_PHOTO,
        payload={
            "claim_no": claim_no,
            "seq": seq,
            "openid": msg.openid,
            "media_id": msg.media_id,
            "dedupe_key": msg.dedupe_key,
        },
    )
    # No passive reply: photos often come five at once, and the worker answers them together.
    return Outcome(reply=None, jobs=(job,), effects=(received,))


def _waiting_text(current: sv.SurveyView) -> str:
    slot = current.next_slot or sv.SLOTS[-1]
    return t.SURVEY_WAITING_PHOTO.format(
        n=slot, title=t.SURVEY_SHOT_TITLES[slot], hint=t.SURVEY_SHOT_HINTS[slot]
    )


def _expired(current: sv.SurveyView, config: DialogConfig) -> Outcome:
    reply = t.SURVEY_EXPIRED.format(claim_no=current.claim_no, hotline=config.hotline)
    return Outcome(reply=TextReply(reply), state=SessionState())


def _open_survey(openid: str, config: DialogConfig) -> sv.SurveyView | None:
    return config.the_surveys().open_survey_of(openid)


def photo_for_open_survey(msg: InboundMessage, config: DialogConfig) -> Outcome | None:
    """A photo sent outside the photos step (during a chat with a person, or after leaving the
    survey) while the customer's survey waits for photos: it counts for the survey."""
    current = _open_survey(msg.openid, config)
    if current is None or current.expired_at(config.clock()) or not current.next_slot:
        return None
    return _photo(msg, current.claim_no, config)


def photo_back_in_survey(msg: InboundMessage, config: DialogConfig) -> Outcome | None:
    """At rest, a photo for the open survey brings the customer back to its photos."""
    taken = photo_for_open_survey(msg, config)
    if taken is None:
        return None
    claim_no = taken.jobs[0].payload["claim_no"]
    touched = TouchSurvey(claim_no, config.clock())
    return Outcome(reply=None, jobs=taken.jobs, effects=(*taken.effects, touched),
                   state=_state(PHOTOS, {"claim_no": claim_no}))  # fmt: skip


def resume(msg: InboundMessage, config: DialogConfig) -> Outcome:
    """“继续查勘”: back to the photos of the customer's open survey, in one message."""
    current = _open_survey(msg.openid, config)
    if current is None:
        return Outcome(reply=TextReply(t.SURVEY_NOTHING_TO_RESUME), state=SessionState())
    if current.expired_at(config.clock()):
        return _expired(current, config)
    slot = current.next_slot or sv.SLOTS[-1]
    title = t.SURVEY_RESUMED.format(done=current.done, n=slot, title=t.SURVEY_SHOT_TITLES[slot])
    card = shot_card(slot, config, title=title,
                     lines=(t.SURVEY_CLAIM_LINE.format(claim_no=current.claim_no),))  # fmt: skip
    state = _state(PHOTOS, {"claim_no": current.claim_no})
    touched = TouchSurvey(current.claim_no, config.clock())
    return Outcome(reply=card, effects=(touched,), state=state)


def after_submission(claim_no: str, state: SessionState) -> Outcome | None:
    """All five photos are in (the worker's confirmation says so): a customer still in this
    survey's photos is back at rest; anyone elsewhere stays where they are."""
    if state.flow == FLOW and state.data.get("claim_no") == claim_no:
        return Outcome(state=SessionState())
    return None


def after_reshoot_asked(claim_no: str, state: SessionState) -> SessionState | None:
    """An adjuster asked for photos again: a customer at rest goes straight to the photos, so
    the re-shot photos count without a word. One busy elsewhere stays (the message tells them
    to reply 继续查勘; in a chat with a person, photos reach the survey anyway)."""
    if state.flow in ("", "faq"):
        return _state(PHOTOS, {"claim_no": claim_no})
    return None


def leave(state: SessionState) -> Outcome:
    """“取消” during the photos: the survey stays open and can be resumed."""
    return Outcome(reply=TextReply(t.SURVEY_LEFT), state=SessionState())


# --- what the worker says after placing photos (pure; service/survey.py sends it) ----------


def progress_replies(
    placements: list[sv.Placement], filled: frozenset[int], claim_no: str, config: DialogConfig
) -> tuple[Reply, ...]:
    """One coalesced message for a batch of photos: what was accepted, what to re-shoot and
    why, and the next shot with its example; or the confirmation once all five are in."""
    if filled == frozenset(sv.SLOTS):
        return (TextReply(t.SURVEY_DONE.format(claim_no=claim_no)),)
    lines = []
    surplus = 0
    for placement in placements:
        if placement.slot is None:
            surplus += 1
            continue
        title = t.SURVEY_SHOT_TITLES[placement.slot]
        if placement.accepted:
            lines.append(t.SURVEY_PROGRESS_ACCEPTED.format(n=placement.slot, title=title))
        else:
            reason = t.SURVEY_REASONS.get(placement.reasons[0], t.SURVEY_REASONS["unreadable"])
            lines.append(
                t.SURVEY_PROGRESS_RESHOOT.format(n=placement.slot, title=title, reason=reason)
            )
    if surplus:
        lines.append(t.SURVEY_PROGRESS_SURPLUS.format(count=surplus))
    following = sv.open_slots(sorted(filled))[0]
    heading = t.SURVEY_PROGRESS.format(
        done=len(filled), n=following, title=t.SURVEY_SHOT_TITLES[following]
    )
    return (shot_card(following, config, title=heading, lines=tuple(lines)),)


def reminder(
    claim_no: str, filled: int, hours_left: int, missing: Sequence[int] = ()
) -> TextReply:
    """`missing`: the shots not received, each named (everything missing in one message)."""
    text = t.SURVEY_REMINDER.format(
        claim_no=claim_no, missing=len(sv.SLOTS) - filled, done=filled, hours=hours_left
    )
    if missing:
        names = "、".join(f"第{n}张 {t.SURVEY_SHOT_TITLES[n]}" for n in missing)
        text += "\n" + t.SURVEY_REMINDER_MISSING.format(shots=names)
    return TextReply(text)
