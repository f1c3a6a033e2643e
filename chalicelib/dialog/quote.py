"""车险报价: a photo of the vehicle licence → what was read → a few questions → three plans.

Steps (SessionState.step): photo → reading (OCR runs in the worker) → confirm → seats → price
→ claims → region → done. The worker resumes the conversation with `on_licence_read`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from chalicelib.dialog import catalogue as t
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.lookup import messages
from chalicelib.dialog.outcome import Job, JobKind, Outcome, SaveQuote, SessionState
from chalicelib.domain import licence as lic
from chalicelib.domain.jsonable import plain
from chalicelib.domain.licence import LicenceFields
from chalicelib.domain.masking import mask_name
from chalicelib.domain.messages import InboundMessage, Kind, TextReply
from chalicelib.domain.quotes import quote_number, valid_until
from chalicelib.domain.text import to_halfwidth
from chalicelib.domain.vehicles import default_seats, reference_price

if TYPE_CHECKING:  # rating reads the tariffs: imported when a quote is made
    from chalicelib.domain.rating import QuoteInput

FLOW = "quote"
BLOCKING = (lic.VIN_CHECK_DIGIT, lic.VIN_MISSING, lic.PLATE_FORMAT, lic.PLATE_MISSING,
            lic.DATE_INVALID)  # fmt: skip
CORRECTABLE = {
    "车牌": "plate_no",
    "号牌号码": "plate_no",
    "车牌号": "plate_no",
    "车辆类型": "vehicle_type",
    "使用性质": "use_character",
    "品牌型号": "model",
    "车架号": "vin",
    "车辆识别代号": "vin",
    "vin": "vin",
    "发动机号": "engine_no",
    "发动机号码": "engine_no",
    "注册日期": "register_date",
    "所有人": "owner",
}
_DATE = re.compile(r"^(\d{4})\D+(\d{1,2})\D+(\d{1,2})\D*$")
_NO_CLAIMS = re.compile(r"^(没有?|未|无|一次都没|从来没|从没)(出过?险?|出险|理赔|报过?案|事故)")
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}  # fmt: skip
_CN_NUMBER = re.compile(r"[零一二两三四五六七八九十]+")
_PARTS = re.compile(r"[，,；;、\n]+")  # several corrections in one message
_LEAD = re.compile(r"^(我的|我家的|那个|这个|不对|错了|识别错了)[，,：:\s]*")
_LINK = re.compile(r"^[\s:：]*(应该是|其实是|改成|改为|更正为|是|为|=)?[\s:：]*")


def _state(step: str, data: dict) -> SessionState:
    return SessionState(flow=FLOW, step=step, data=data)


def quote_flow(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    if state.data.get("openid") != msg.openid:  # the quote is stored under its customer
        state = replace(state, data={**state.data, "openid": msg.openid})
    if msg.kind is Kind.IMAGE:
        return _photo_received(msg, state)
    step = state.step or "photo"
    if step == "photo" or not state.step:
        return Outcome(reply=TextReply(t.QUOTE_ASK_PHOTO), state=_state("photo", state.data))
    if step == "reading":
        return Outcome(reply=TextReply(t.QUOTE_STILL_READING), state=state)
    said = to_halfwidth(msg.text or msg.recognition).strip()
    handler = {
        "confirm": _on_confirm,
        "seats": _on_seats,
        "price": _on_price,
        "claims": _on_claims,
        "region": _on_region,
    }.get(step)
    if handler is None:
        return Outcome(reply=TextReply(t.QUOTE_ASK_PHOTO), state=_state("photo", state.data))
    return handler(msg, said, state, config)


def _photo_received(msg: InboundMessage, state: SessionState) -> Outcome:
    job = Job(
        kind=JobKind.OCR_LICENCE,
        payload={"openid": msg.openid, "media_id": msg.media_id, "dedupe_key": msg.dedupe_key},
    )
    data = {**state.data, "photo": msg.dedupe_key}
    return Outcome(reply=TextReply(t.QUOTE_READING), jobs=(job,), state=_state("reading", data))


def licence_read(
    photo: str, fields: LicenceFields | None, state: SessionState, config: DialogConfig
) -> Outcome | None:
    """The worker read the licence photo `photo` (None: it could not be opened). None when the
    customer is no longer waiting for that photo: they moved on, or sent a newer one."""
    waiting = state.flow == FLOW and state.step == "reading" and state.data.get("photo") == photo
    if not waiting:
        return None
    if fields is None:
        return on_photo_unusable(state)
    return on_licence_read(fields, state, config)


def on_licence_read(fields: LicenceFields, state: SessionState, config: DialogConfig) -> Outcome:
    """The worker read the photo (resumes the conversation; answers go through the outbox)."""
    if lic.BLURRED in fields.warnings and lic.UNREADABLE in fields.warnings:
        return Outcome(reply=TextReply(t.QUOTE_BLURRED), state=_state("photo", state.data))
    if lic.NOT_A_LICENCE in fields.warnings:
        return Outcome(reply=TextReply(t.QUOTE_NOT_LICENCE), state=_state("photo", state.data))
    if lic.UNREADABLE in fields.warnings:
        return Outcome(reply=TextReply(t.QUOTE_UNREADABLE), state=_state("photo", state.data))
    return _show(fields, {**state.data, "fields": fields.to_json()})


def on_photo_unusable(state: SessionState) -> Outcome:
    return Outcome(reply=TextReply(t.QUOTE_NOT_AN_IMAGE), state=_state("photo", state.data))


def _show(fields: LicenceFields, data: dict) -> Outcome:
    """What was read, in full: the customer must check what they just photographed (only the
    owner's name, which the quote does not need, stays masked)."""
    missing = t.QUOTE_FIELD_MISSING
    shown = t.QUOTE_FIELDS.format(
        plate=fields.plate_no or missing,
        vehicle_type=fields.vehicle_type or missing,
        use_character=fields.use_character or missing,
        model=fields.model or missing,
        vin=fields.vin or missing,
        engine_no=fields.engine_no or missing,
        register_date=fields.register_date or missing,
    )
    problems = [t.QUOTE_PROBLEMS[w] for w in fields.warnings if w in t.QUOTE_PROBLEMS]
    if problems:
        advice = t.QUOTE_FIX_FIRST.format(problems="\n".join(f"· {p}" for p in problems))
        if lic.BLURRED in fields.warnings:
            advice = t.QUOTE_BLURRED_HINT + "\n" + advice
    else:
        advice = t.QUOTE_CONFIRM
    if fields.owner:
        shown = shown.replace("识别结果：", f"识别结果（所有人 {mask_name(fields.owner)}）：", 1)
    return Outcome(reply=TextReply(f"{shown}\n\n{advice}"), state=_state("confirm", data))


def from_known(fields: LicenceFields, data: dict, config: DialogConfig) -> Outcome:
    """A quote for a vehicle the book already knows (a renewal, dialog/renewal.py): no licence
    photo; the usual questions from the seats on, the same refusals."""
    refusal = _refusal(fields, config)
    if refusal:
        return Outcome(reply=TextReply(refusal), state=SessionState())
    return _ask_seats(fields, {**data, "fields": fields.to_json()})


def _fields(state: SessionState) -> LicenceFields:
    return LicenceFields.from_json(state.data["fields"])


def _on_confirm(
    msg: InboundMessage, said: str, state: SessionState, config: DialogConfig
) -> Outcome:
    fields = _fields(state)
    if said.lower() in t.CONFIRM_WORDS:
        if any(w in BLOCKING for w in fields.warnings):
            return _show(fields, state.data)
        refusal = _refusal(fields, config)
        if refusal:
            return Outcome(reply=TextReply(refusal), state=SessionState())
        return _ask_seats(fields, state.data)
    corrections = [_correction(part) for part in _PARTS.split(said) if part.strip()]
    if not corrections or None in corrections:
        return Outcome(reply=TextReply(t.QUOTE_BAD_CORRECTION), state=state)
    for name, value in (c for c in corrections if c is not None):
        fields = fields.with_field(name, value)
    corrected = lic.validate(fields, today=config.today())
    return _show(corrected, {**state.data, "fields": corrected.to_json()})


def _correction(said: str) -> tuple[str, str] | None:
    """ "车牌 粤B12345", "车牌是粤B12345", "注册日期：2019-06-01", "我的车牌应该是粤B12345"
    → (field name, value)."""
    said = _LEAD.sub("", said.strip())
    for label in sorted(CORRECTABLE, key=len, reverse=True):
        if said.lower().startswith(label):
            value = _LINK.sub("", said[len(label) :]).strip(" :：\t，,。")
            if not value:
                return None
            name = CORRECTABLE[label]
            if name == "register_date":
                value = _iso_date(value) or value
            return name, value
    return None


def _iso_date(text: str) -> str | None:
    match = _DATE.match(text.replace(" ", ""))
    if not match:
        return None
    return f"{int(match[1]):04d}-{int(match[2]):02d}-{int(match[3]):02d}"


def _accepts(said: str) -> bool:
    return said.lower() in t.CONFIRM_WORDS


def _ask_seats(fields: LicenceFields, data: dict) -> Outcome:
    seats = default_seats(fields.vehicle_type)
    data = {**data, "seats_default": seats}
    return Outcome(
        reply=TextReply(t.QUOTE_ASK_SEATS.format(default=seats)), state=_state("seats", data)
    )


def _on_seats(msg: InboundMessage, said: str, state: SessionState, config: DialogConfig) -> Outcome:
    seats = state.data["seats_default"] if _accepts(said) else _whole_number(said)
    if seats is None or not 1 <= seats <= 60:
        return Outcome(reply=TextReply(t.QUOTE_BAD_NUMBER), state=state)
    price = reference_price(_fields(state).model)
    data = {**state.data, "seats": seats, "price_default": str(price) if price else None}
    if price is None:
        return Outcome(reply=TextReply(t.QUOTE_ASK_PRICE_NO_DEFAULT), state=_state("price", data))
    hint = t.QUOTE_PRICE_DEFAULT.format(default=_yuan(price))
    return Outcome(
        reply=TextReply(t.QUOTE_ASK_PRICE.format(hint=hint)), state=_state("price", data)
    )


def _on_price(msg: InboundMessage, said: str, state: SessionState, config: DialogConfig) -> Outcome:
    price: Decimal | None
    if _accepts(said):
        if not state.data.get("price_default"):
            return Outcome(reply=TextReply(t.QUOTE_PRICE_NEEDED), state=state)
        price = Decimal(state.data["price_default"])
    else:
        price = _money(said)
    if price is None or not Decimal(10000) <= price <= Decimal(20_000_000):
        return Outcome(reply=TextReply(t.QUOTE_PRICE_NEEDED), state=state)
    data = {**state.data, "price": str(price)}
    return Outcome(reply=TextReply(t.QUOTE_ASK_CLAIMS), state=_state("claims", data))


def _on_claims(
    msg: InboundMessage, said: str, state: SessionState, config: DialogConfig
) -> Outcome:
    claims = 0 if _accepts(said) or _NO_CLAIMS.search(said) else _whole_number(said)
    if claims is None or not 0 <= claims <= 20:
        return Outcome(reply=TextReply(t.QUOTE_BAD_NUMBER), state=state)
    from chalicelib.domain.rating import region_from_plate

    region = region_from_plate(_fields(state).plate_no or "")
    data = {**state.data, "claims": claims, "region_default": region}
    reply = t.QUOTE_ASK_REGION.format(default=region)
    return Outcome(reply=TextReply(reply), state=_state("region", data))


def _on_region(
    msg: InboundMessage, said: str, state: SessionState, config: DialogConfig
) -> Outcome:
    region = state.data["region_default"] if _accepts(said) else _province(said)
    if region is None:
        return Outcome(reply=TextReply(t.QUOTE_BAD_REGION), state=state)
    return _quote(msg, replace(state, data={**state.data, "region": region}), config)


def _province(said: str) -> str | None:
    from chalicelib.domain.rating import PROVINCES_BY_ABBREVIATION

    names = set(PROVINCES_BY_ABBREVIATION.values())
    cleaned = said.removesuffix("省").removesuffix("市")
    for name in names:
        if cleaned and (cleaned == name or cleaned.startswith(name) or name.startswith(cleaned)):
            return name
    return None


def _quote(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    from chalicelib.dialog.quote_render import plans_text
    from chalicelib.domain.rating import RatingError, load_tariff, rate

    fields = _fields(state)
    try:
        quote_input = _quote_input(fields, state.data, config.today())
        plans = rate(quote_input, load_tariff(quote_input.region, quote_input.quote_date))
    except RatingError as exc:
        return Outcome(reply=TextReply(_refusal_words(exc, config)), state=SessionState())
    quote_no = quote_number(config.today(), msg.dedupe_key)
    until = valid_until(config.today())
    saved = SaveQuote(quote_no, state_owner(state), until.isoformat(), plain(quote_input),
                      plain(plans), config.clock())  # fmt: skip
    shown = messages(plans_text(quote_no, until, quote_input, plans), state=SessionState())
    return replace(shown, effects=(saved,))


def _refusal(fields: LicenceFields, config: DialogConfig) -> str | None:
    """Why this car cannot be quoted online, found as soon as the licence is confirmed (a 营运
    licence is refused now, not after four more questions); None when it can be."""
    from chalicelib.domain.rating import RatingError, check_rateable, load_tariff, region_from_plate

    try:
        region = region_from_plate(fields.plate_no or "")
        draft = {"claims": 0, "seats": default_seats(fields.vehicle_type), "price": "100000",
                 "region": region}  # fmt: skip
        quote_input = _quote_input(fields, draft, config.today())
        check_rateable(quote_input, load_tariff(region, quote_input.quote_date))
    except RatingError as exc:
        return _refusal_words(exc, config)
    return None


def _refusal_words(error: Exception, config: DialogConfig) -> str:
    """A refusal in Chinese with what the customer can do next (never the English message)."""
    code = getattr(error, "code", "other")
    words = t.QUOTE_REFUSALS.get(code, t.QUOTE_REFUSALS["other"])
    return words.format(hotline=config.hotline)


def state_owner(state: SessionState) -> str:
    return state.data.get("openid", "")


def _quote_input(fields: LicenceFields, data: dict, today: date) -> QuoteInput:
    from chalicelib.domain.rating import QuoteInput, RatingError

    if not fields.register_date:
        raise RatingError("missing registration date")
    claims = int(data["claims"])
    return QuoteInput(
        plate=fields.plate_no or "",
        vehicle_type=fields.vehicle_type or "小型轿车",
        use_character=fields.use_character or "非营运",
        seats=int(data["seats"]),
        new_car_price=Decimal(data["price"]),
        register_date=date.fromisoformat(fields.register_date),
        region=data["region"],
        at_fault_claims_last_year=claims,
        claim_free_years=1 if claims == 0 else 0,
        quote_date=today,
    )


def _whole_number(said: str) -> int | None:
    """ "7", "7座", "两次", "十一人"."""
    digits = _CN_NUMBER.sub(lambda m: str(_cn_number(m.group(0))), said)
    digits = digits.removesuffix("人").removesuffix("次").removesuffix("座").removesuffix("个")
    digits = digits.strip()
    return int(digits) if digits.isascii() and digits.isdigit() else None


def _cn_number(chars: str) -> int:
    if "十" not in chars:
        return int("".join(str(_CN_DIGITS[c]) for c in chars))
    tens, _, ones = chars.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _money(said: str) -> Decimal | None:
    text = said.replace(",", "").replace("元", "").strip()
    factor = Decimal(1)
    if text.endswith("万"):
        text, factor = text[:-1], Decimal(10000)
    try:
        return (Decimal(text) * factor).quantize(Decimal(1))
    except InvalidOperation:
        return None


def _yuan(amount: Decimal) -> str:
    from chalicelib.dialog.render import yuan

    return yuan(amount)
