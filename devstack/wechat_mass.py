"""Mass send (群发) in the WeChat emulator: the rules claimbot relies on, as WeChat states them.

Facts (looked up December 2026; WeChat's own pages first):

* ``POST message/mass/send`` sends to a list of openids: verified service accounts only
  (subscription accounts cannot), ``touser`` holds at least 2 and at most 10,000 openids
  (fewer: 40130 "invalid openid list size, at least two openid"). msgtype text, mpnews, image…
  -- developers.weixin.qq.com/doc/service/api/notify/message/api_masssend.html ("OpenID最少2个,
  最多10000个"); the 40130 answer quoted in developers.weixin.qq.com/community (2023).
* ``POST message/mass/sendall`` sends to a tag or to every follower (``filter.is_to_all``);
  subscription accounts may mass-send once a day, service accounts' followers receive at most 4
  mass messages a calendar month (自然月), "whether from the platform or the API: more than 4 fail
  for that follower"; a service account may call the mass-send API 100 times a day (60 a
  minute) -- the mass-send guide (doc/service/guide/product/message/Batch_Sends.html), as quoted
  by blog.csdn.net/weixin_35067976/article/details/114052729 and others.
* ``POST message/mass/preview`` sends one message to one openid (``touser``) for checking its
  look; limited to 100 a day -- doc/service/api/notify/message/api_preview.html and the guide.
* ``clientmsgid``: the same id within 24 hours is refused with 45065 and the earlier job's
  msg_id, so a retried batch is not sent twice (the guide's "避免重复推送").
* ``POST media/uploadnews`` turns articles (title, content, thumb_media_id of an uploaded
  thumb/image) into the ``media_id`` an ``mpnews`` mass send names.
* When a job ends WeChat posts the event ``MASSSENDJOBFINISH`` to the account's server with
  MsgID, Status ("send success", "send fail", "err(num)"), TotalCount (the openids asked),
  FilterCount (those left after filtering, e.g. followers who already had their 4 this month),
  SentCount and ErrorCount -- the guide's "事件推送群发结果"; a real event quoted in
  developers.weixin.qq.com/community/develop/doc/0000c2636d03881b96f38f7ce6b800.

The emulator finishes a job at once and keeps its event for the test or the stack to deliver
(`MassSend.take_events`); nothing is delivered to anyone's phone.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

MIN_OPENIDS = 2
MAX_OPENIDS = 10_000
SERVICE_PER_FOLLOWER_MONTH = 4
SUBSCRIPTION_PER_DAY = 1
MASS_CALLS_PER_DAY = 100
MASS_CALLS_PER_MINUTE = 60
PREVIEWS_PER_DAY = 100
CLIENTMSGID_KEEP_S = 24 * 3600
MAX_ARTICLES = 8
MAX_TEXT_BYTES = 2048 * 3  # generous: WeChat's text limit is of the same order
MASS_MSGTYPES = frozenset({"text", "mpnews", "image"})
ACCOUNT_TYPES = ("service", "subscription")

ERRMSGS: dict[int, str] = {
    40130: "invalid openid list size, at least two openid",
    45028: "has no masssend quota",
    45065: "clientmsgid exist",
    48001: "api unauthorized",
}


class MassError(Exception):
    def __init__(self, errcode: int, errmsg: str | None = None, **extra: Any) -> None:
        super().__init__(errcode)
        self.errcode = errcode
        self.errmsg = errmsg or ERRMSGS.get(errcode)
        self.extra = extra


def china_day(at: float) -> int:
    return int((at + 8 * 3600) // 86400)


def china_month(at: float) -> tuple[int, int]:
    import datetime as dt

    day = dt.datetime.fromtimestamp(at + 8 * 3600, dt.UTC)
    return day.year, day.month


@dataclass
class MassState:
    account_type: str = "service"
    received: dict[str, list[float]] = field(default_factory=dict)  # openid -> when
    unfollowed: set[str] = field(default_factory=set)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    calls_at: list[float] = field(default_factory=list)
    sendall_days: list[int] = field(default_factory=list)
    previews_at: list[float] = field(default_factory=list)
    client_ids: dict[str, tuple[int, float]] = field(default_factory=dict)
    news: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    next_msg_id: int = 3_000_000_001


class MassSend:
    """The mass-send endpoints over a `MassState`; `media_ok(media_id, types)` tells whether the
    account holds that (unexpired) media."""

    def __init__(self, account_id: str = "gh_claimbot") -> None:
        self.account_id = account_id

    # -- endpoints (body already decoded; raise MassError)

    def upload_news(self, state: MassState, body: dict[str, Any], media_ok: Any,
                    now: float) -> dict[str, Any]:  # fmt: skip
        articles = body.get("articles")
        if not isinstance(articles, list) or not 1 <= len(articles) <= MAX_ARTICLES:
            raise MassError(47001, "data format error")
        for article in articles:
            if not isinstance(article, dict):
                raise MassError(47001, "data format error")
            if not article.get("title") or not article.get("content"):
                raise MassError(47001, "data format error")
            if not media_ok(str(article.get("thumb_media_id") or ""), ("thumb", "image")):
                raise MassError(40007, "invalid media_id")
        media_id = "news-" + secrets.token_urlsafe(24)
        state.news[media_id] = [dict(a) for a in articles]
        return {"type": "news", "media_id": media_id, "created_at": int(now)}

    def preview(self, state: MassState, body: dict[str, Any], media_ok: Any,
                now: float) -> dict[str, Any]:  # fmt: skip
        touser = body.get("touser")
        if not isinstance(touser, str) or not touser:
            raise MassError(40003, "invalid openid")
        content = self._content(state, body, media_ok)
        today = china_day(now)
        if sum(1 for at in state.previews_at if china_day(at) == today) >= PREVIEWS_PER_DAY:
            raise MassError(45009, "reach max api daily quota limit")
        state.previews_at.append(now)
        msg_id = self._next_id(state)
        state.jobs.append({"msg_id": msg_id, "preview": True, "touser": [touser],
                           "content": content, "at": now, "total": 1, "filter": 1,
                           "sent": 1, "error": 0})  # fmt: skip
        return {"errcode": 0, "errmsg": "preview success", "msg_id": msg_id}

    def send(self, state: MassState, body: dict[str, Any], media_ok: Any,
             now: float) -> dict[str, Any]:  # fmt: skip
        if state.account_type != "service":
            raise MassError(48001)  # by openid list: service accounts only
        touser = body.get("touser")
        if not isinstance(touser, list) or not all(isinstance(o, str) and o for o in touser):
            raise MassError(40003, "invalid openid")
        if len(set(touser)) < MIN_OPENIDS or len(touser) > MAX_OPENIDS:
            raise MassError(40130)
        content = self._content(state, body, media_ok)
        known = self._known_job(state, body, now)
        if known is not None:
            raise MassError(45065, msg_id=known)
        self._count_call(state, now)
        return self._run(state, list(dict.fromkeys(touser)), content, body, now)

    def sendall(self, state: MassState, body: dict[str, Any], followers: list[str],
                media_ok: Any, now: float) -> dict[str, Any]:  # fmt: skip
        filt = body.get("filter")
        if not isinstance(filt, dict):
            raise MassError(47001, "data format error")
        content = self._content(state, body, media_ok)
        if not filt.get("is_to_all"):
            followers = []  # tags are not emulated: no follower carries one
        if state.account_type == "subscription":
            if china_day(now) in state.sendall_days:
                raise MassError(45028)
            state.sendall_days.append(china_day(now))
        known = self._known_job(state, body, now)
        if known is not None:
            raise MassError(45065, msg_id=known)
        self._count_call(state, now)
        return self._run(state, followers, content, body, now)

    def take_events(self, state: MassState) -> list[str]:
        events, state.events = state.events, []
        return events

    # -- rules

    def _content(self, state: MassState, body: dict[str, Any], media_ok: Any) -> dict[str, Any]:
        msgtype = body.get("msgtype")
        if msgtype not in MASS_MSGTYPES:
            raise MassError(40008, "invalid message type")
        part = body.get(msgtype)
        if not isinstance(part, dict):
            raise MassError(47001, "data format error")
        if msgtype == "text":
            text = part.get("content")
            if not isinstance(text, str) or not text.strip():
                raise MassError(47001, "data format error")
            if len(text.encode()) > MAX_TEXT_BYTES:
                raise MassError(45002, "content size out of limit")
            return {"msgtype": "text", "text": text}
        media_id = str(part.get("media_id") or "")
        if msgtype == "mpnews":
            if media_id not in state.news:
                raise MassError(40007, "invalid media_id")
            return {"msgtype": "mpnews", "articles": state.news[media_id]}
        if not media_ok(media_id, ("image",)):
            raise MassError(40007, "invalid media_id")
        return {"msgtype": "image", "media_id": media_id}

    def _known_job(self, state: MassState, body: dict[str, Any], now: float) -> int | None:
        client_id = body.get("clientmsgid")
        if not client_id:
            return None
        if len(str(client_id)) > 64:
            raise MassError(45067, "clientmsgid size out of limit")
        known = state.client_ids.get(str(client_id))
        if known is not None and now - known[1] < CLIENTMSGID_KEEP_S:
            return known[0]
        return None

    def _count_call(self, state: MassState, now: float) -> None:
        today = china_day(now)
        if sum(1 for at in state.calls_at if china_day(at) == today) >= MASS_CALLS_PER_DAY:
            raise MassError(45009, "reach max api daily quota limit")
        if sum(1 for at in state.calls_at if now - at < 60) >= MASS_CALLS_PER_MINUTE:
            raise MassError(45011, "api minute-quota reach limit")
        state.calls_at.append(now)

    def _run(self, state: MassState, touser: list[str], content: dict[str, Any],
             body: dict[str, Any], now: float) -> dict[str, Any]:  # fmt: skip
        month = china_month(now)
        limit = SERVICE_PER_FOLLOWER_MONTH if state.account_type == "service" else None
        delivered: list[str] = []
        filtered: list[str] = []
        for openid in touser:
            this_month = [at for at in state.received.get(openid, []) if china_month(at) == month]
            if openid in state.unfollowed or (limit is not None and len(this_month) >= limit):
                filtered.append(openid)
                continue
            state.received.setdefault(openid, []).append(now)
            delivered.append(openid)
        msg_id = self._next_id(state)
        if body.get("clientmsgid"):
            state.client_ids[str(body["clientmsgid"])] = (msg_id, now)
        job = {"msg_id": msg_id, "preview": False, "touser": delivered, "filtered": filtered,
               "content": content, "at": now, "total": len(touser), "filter": len(delivered),
               "sent": len(delivered), "error": 0}  # fmt: skip
        state.jobs.append(job)
        state.events.append(self.finished_xml(job))
        return {"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id,
                "msg_data_id": msg_id * 10}  # fmt: skip

    def finished_xml(self, job: dict[str, Any]) -> str:
        status = "send success" if job["sent"] else "send fail"
        fields = [
            ("ToUserName", self.account_id), ("FromUserName", "o_mass_sender"),
            ("CreateTime", int(job["at"])), ("MsgType", "event"),
            ("Event", "MASSSENDJOBFINISH"), ("MsgID", job["msg_id"]), ("Status", status),
            ("TotalCount", job["total"]), ("FilterCount", job["filter"]),
            ("SentCount", job["sent"]), ("ErrorCount", job["error"]),
        ]  # fmt: skip
        inner = "".join(
            f"<{k}>{v}</{k}>" if isinstance(v, int) else f"<{k}><![CDATA[{v}]]></{k}>"
            for k, v in fields
        )
        return f"<xml>{inner}</xml>"

    @staticmethod
    def _next_id(state: MassState) -> int:
        msg_id = state.next_msg_id
        state.next_msg_id += 1
        return msg_id


def jobs_json(state: MassState) -> str:
    return json.dumps(state.jobs, ensure_ascii=False)
