"""自助查勘: report a single-vehicle accident and send five photos.

Steps (SessionState.step): policy → q:injured → q:other_party → q:safe_and_drivable → time →
place → description → photos. Reporting opens the claim (REPORTED). Photos are not placed
here: each is recorded once (Surveys.receive_photo) and checked by the worker, which places
them in send order and sends one coalesced progress message (service/survey.py).
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.dialog import catalogue as t
from chalicelib.dialog.outcome import Job, Outcome, SessionState
from chalicelib.domain import survey as sv
from chalicelib.domain.accident_time import CHINA, check_accident_time, parse_accident_time
from chalicelib.domain.book import Customer, Policy
from chalicelib.domain.masking import mask_plate
from chalicelib.domain.messages import InboundMessage, Kind, NewsReply, Reply, TextReply
from chalicelib.domain.text import to_halfwidth

FLOW = "survey"
PHOTOS = "photos"
YES = ("是", "是的", "有", "对", "y", "yes", "1", "能", "可以", "嗯")
NO = ("否", "不是", "没有", "无", "没", "不", "n", "no", "2", "不能", "不可以")
MIN_PLACE_CHARS = 4
DESCRIPTION_CHARS = (4, 200)


def _state(step: str, data: dict) -> SessionState:
    return SessionState(flow=FLOW, step=step, data=data)


def survey_flow(msg: InboundMessage, state: SessionState, config) -> Outcome:
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
    as_typed = (msg.text or msg.recognition).strip()  # addresses and stories keep their 。，
    if state.step == "place":
        return _on_place(msg, as_typed, state)
    if state.step == "description":
        return _on_description(msg, as_typed, state, config)
    return start(msg, config)


def start(msg: InboundMessage, config, new: bool = False) -> Outcome:
    customer = config.book.customer_for(msg.openid)
    if customer is None:
        state = SessionState(flow="bind", step="identifier", data={"then": FLOW})
        return Outcome(reply=TextReply(t.BIND_INTRO), state=state)
    if not new:
        current = _open_survey(msg.openid, config)
        if current is not None and not current.expired_at(config.clock()):
            reply = t.SURVEY_OPEN_ELSEWHERE.format(claim_no=current.claim_no, done=current.done)
            return Outcome(reply=TextReply(reply), state=SessionState())
    return begin(customer, config, prefix=())


def begin(customer: Customer, config, prefix: tuple[str, ...]) -> Outcome:
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


def _active_policies(customer: Customer, config) -> list[Policy]:
    """One policy per car in force today: the one covering the car's own damage when the car
    has several (交强险 covers only third parties)."""
    today = config.today()
    by_plate: dict[str, Policy] = {}
    for p in config.book.policies_of(customer.customer_id):
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


def _on_policy(said: str, state: SessionState, config) -> Outcome:
    choices = state.data.get("choices", [])
    if not (said.isdigit() and 1 <= int(said) <= len(choices)):
        return Outcome(reply=TextReply(t.SURVEY_BAD_CHOICE), state=state)
    first = sv.ELIGIBILITY[0][0]
    data = {"policy_no": choices[int(said) - 1], "answered": []}
    return Outcome(
        reply=TextReply(t.SURVEY_QUESTIONS[first.value]), state=_state(f"q:{first.value}", data)
    )


def _yes_no(said: str) -> bool | None:
    word = said.strip("。.!！ ").lower()
    if word in YES:
        return True
    if word in NO:
        return False
    return None


def _on_answer(said: str, state: SessionState, config) -> Outcome:
    answer = _yes_no(said)
    question = sv.Question(state.step.removeprefix("q:"))
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


def hand_over(reason: str, config) -> Outcome:
    """Not a case for self-service: safety first, then a person takes it (by phone for now;
    the handoff to an agent is the "people behind the bot" work)."""
    reply = t.SURVEY_NOT_SELF_SERVICE.format(hotline=config.hotline)
    return Outcome(reply=TextReply(reply), state=SessionState(data={"handover": reason}))


def _on_time(said: str, state: SessionState, config) -> Outcome:
    now = datetime.fromtimestamp(config.clock(), CHINA)
    moment = parse_accident_time(said, now)
    if moment is None:
        return Outcome(reply=TextReply(t.SURVEY_BAD_TIME), state=state)
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
    return Outcome(reply=TextReply(t.SURVEY_ASK_PLACE), state=_state("place", data))


def _policy(policy_no: str, config) -> Policy | None:
    return config.book.policy(policy_no)


def _on_place(msg: InboundMessage, said: str, state: SessionState) -> Outcome:
    if msg.kind is Kind.LOCATION and msg.latitude is not None:
        place = {"lat": msg.latitude, "lon": msg.longitude, "label": msg.label}
    elif len(said) >= MIN_PLACE_CHARS and msg.kind in (Kind.TEXT, Kind.VOICE):
        place = {"text": said}
    else:
        return Outcome(reply=TextReply(t.SURVEY_BAD_PLACE), state=state)
    data = {**state.data, "place": place}
    return Outcome(reply=TextReply(t.SURVEY_ASK_DESCRIPTION), state=_state("description", data))


def _on_description(msg: InboundMessage, said: str, state: SessionState, config) -> Outcome:
    low, high = DESCRIPTION_CHARS
    if msg.kind not in (Kind.TEXT, Kind.VOICE) or not (low <= len(said) <= high):
        return Outcome(reply=TextReply(t.SURVEY_BAD_DESCRIPTION), state=state)
    policy = _policy(state.data["policy_no"], config)
    if policy is None:
        return Outcome(reply=TextReply(t.SURVEY_NO_ACTIVE_POLICY.format(hotline=config.hotline)))
    facts = {
        "accident_at": state.data["accident_at"],
        "place": state.data["place"],
        "description": said,
    }
    claim_no = sv.claim_number_for(msg.created_at, msg.dedupe_key)
    config.surveys.report(
        claim_no=claim_no, openid=msg.openid, policy=policy, facts=facts, at=config.clock()
    )
    shots = "\n".join(
        t.SURVEY_SHOT_LINE.format(n=n, title=t.SURVEY_SHOT_TITLES[n]) for n in sv.SLOTS
    )
    reply = TextReply(t.SURVEY_OPENED.format(claim_no=claim_no, shots=shots))
    state = _state(PHOTOS, {"claim_no": claim_no})
    return Outcome(reply=reply, sends=(shot_card(1, config),), state=state)


def shot_card(slot: int, config) -> Reply:
    """The instruction for one shot, with its example picture when the app's URL is known."""
    title = t.SURVEY_SHOT_CARD_TITLE.format(n=slot, title=t.SURVEY_SHOT_TITLES[slot])
    hint = t.SURVEY_SHOT_HINTS[slot]
    base = getattr(config, "public_url", "")
    if not base:
        return TextReply(f"{title}\n{hint}")
    picture = f"{base.rstrip('/')}/survey/examples/{slot}.jpg"
    return NewsReply(title=title, description=hint, url=picture, image_url=picture)


# --- the photos step -------------------------------------------------------------------------


def _on_photos_step(msg: InboundMessage, state: SessionState, config) -> Outcome:
    claim_no = state.data.get("claim_no", "")
    current = config.surveys.view(claim_no)
    if current is None:
        return Outcome(reply=TextReply(t.SURVEY_NOTHING_TO_RESUME), state=SessionState())
    if current.expired_at(config.clock()):
        return _expired(current, config)
    if current.state is sv.SurveyState.SUBMITTED and not current.next_slot:
        return Outcome(reply=TextReply(t.SURVEY_PHOTOS_ALREADY_DONE), state=SessionState())
    if msg.kind is Kind.IMAGE:
        return _photo(msg, claim_no, config)
    return Outcome(reply=TextReply(_waiting_text(current)), state=state)


def _photo(msg: InboundMessage, claim_no: str, config) -> Outcome:
    seq = sv.survey_seq(msg.created_at, msg.msg_id or msg.dedupe_key)
    config.surveys.receive_photo(
        claim_no=claim_no,
        seq=seq,
        openid=msg.openid,
        media_id=msg.media_id,
        dedupe_key=msg.dedupe_key,
        at=config.clock(),
    )
    job = Job(
        kind="survey.photo",
        payload={
            "claim_no": claim_no,
            "seq": seq,
            "openid": msg.openid,
            "media_id": msg.media_id,
            "dedupe_key": msg.dedupe_key,
        },
    )
    # No passive reply: photos often come five at once, and the worker answers them together.
    return Outcome(reply=None, jobs=(job,))


def _waiting_text(current: sv.SurveyView) -> str:
    slot = current.next_slot or sv.SLOTS[-1]
    return t.SURVEY_WAITING_PHOTO.format(
        n=slot, title=t.SURVEY_SHOT_TITLES[slot], hint=t.SURVEY_SHOT_HINTS[slot]
    )


def _expired(current: sv.SurveyView, config) -> Outcome:
    reply = t.SURVEY_EXPIRED.format(claim_no=current.claim_no, hotline=config.hotline)
    return Outcome(reply=TextReply(reply), state=SessionState())


def _open_survey(openid: str, config) -> sv.SurveyView | None:
    return config.surveys.open_survey_of(openid)


def resume(msg: InboundMessage, config) -> Outcome:
    """“继续查勘”: back to the photos of the customer's open survey."""
    current = _open_survey(msg.openid, config)
    if current is None:
        return Outcome(reply=TextReply(t.SURVEY_NOTHING_TO_RESUME), state=SessionState())
    if current.expired_at(config.clock()):
        return _expired(current, config)
    config.surveys.touch(current.claim_no, config.clock())
    slot = current.next_slot or sv.SLOTS[-1]
    reply = TextReply(t.SURVEY_RESUMED.format(claim_no=current.claim_no, done=current.done))
    state = _state(PHOTOS, {"claim_no": current.claim_no})
    return Outcome(reply=reply, sends=(shot_card(slot, config),), state=state)


def leave(state: SessionState) -> Outcome:
    """“取消” during the photos: the survey stays open and can be resumed."""
    return Outcome(reply=TextReply(t.SURVEY_LEFT), state=SessionState())


# --- what the worker says after placing photos (pure; service/survey.py sends it) ----------


def progress_replies(
    placements: list[sv.Placement], filled: frozenset[int], claim_no: str, config
) -> tuple[Reply, ...]:
    """One coalesced answer for a batch of photos: the count, what to re-shoot and why, and
    the next shot with its example; or the confirmation once all five are in."""
    if filled == frozenset(sv.SLOTS):
        return (TextReply(t.SURVEY_DONE.format(claim_no=claim_no)),)
    lines = [t.SURVEY_PROGRESS.format(done=len(filled))]
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
    lines.append(
        t.SURVEY_NEXT.format(
            n=following,
            title=t.SURVEY_SHOT_TITLES[following],
            hint=t.SURVEY_SHOT_HINTS[following],
        )
    )
    return (TextReply("\n".join(lines)), shot_card(following, config))


def reminder(claim_no: str, filled: int, hours_left: int) -> TextReply:
    return TextReply(
        t.SURVEY_REMINDER.format(
            claim_no=claim_no, missing=len(sv.SLOTS) - filled, done=filled, hours=hours_left
        )
    )
