"""Service paths (服务轨迹): one customer's contacts across channels as one timeline, and the
places where they got stuck.

The service (service/service_paths.py) reads the stores and turns what it finds into `Event`s;
everything here is pure: ordering, grouping chat messages into sessions, and the stuck markers.

Markers (each names the event it is on, so the console highlights it):
- ``bot_miss``: the bot failed twice and the customer was handed to a person (reason misses);
- ``long_wait``: a person answered only after `wait_s` (or never: ``no_answer``);
- ``quote_abandoned``: the customer started a quote (was asked for the licence photo) and no
  quote was given afterwards within the same session;
- ``survey_stalled``: a self-survey was reminded and still has photos missing (open or expired);
- ``low_rating``: a satisfaction score at or below satisfaction.LOW.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from chalicelib.domain.hours import CHINA
from chalicelib.domain.satisfaction import LOW

SESSION_GAP_S = 30 * 60  # chat messages further apart than this start a new session
SESSION_SHOWN = 20  # messages shown inside one session (the transcript has them all)

# channels
CHAT, NOTICE, HANDOFF, TICKET, CLAIM, QUOTE, SURVEY, RATING = (
    "chat", "notice", "handoff", "ticket", "claim", "quote", "survey", "rating")  # fmt: skip
CHANNELS = (CHAT, NOTICE, HANDOFF, TICKET, CLAIM, QUOTE, SURVEY, RATING)

MARKERS = {
    "bot_miss": "机器人未能回答，转人工",
    "long_wait": "等待人工过久",
    "no_answer": "无人接待",
    "quote_abandoned": "报价未完成",
    "survey_stalled": "催办后仍缺照片",
    "low_rating": "低分评价",
}


@dataclass(frozen=True)
class Event:
    at: float  # epoch seconds
    channel: str  # one of CHANNELS
    kind: str  # what happened (e.g. in, out, start, answered, given, status:<status>)
    text: str = ""  # short, already masked
    claim_no: str = ""  # the claim page it links to
    ref: str = ""  # a handoff id, quote or ticket number: ties events together
    detail: dict[str, Any] = field(default_factory=dict)  # numbers the markers read
    messages: tuple[dict[str, Any], ...] = ()  # a chat session's messages
    markers: tuple[str, ...] = ()

    def day(self) -> str:
        return datetime.fromtimestamp(self.at, CHINA).strftime("%Y-%m-%d")

    def to_json(self) -> dict[str, Any]:
        when = datetime.fromtimestamp(self.at, CHINA)
        return {
            "at": self.at,
            "time": when.strftime("%Y-%m-%d %H:%M:%S"),
            "day": when.strftime("%Y-%m-%d"),
            "channel": self.channel,
            "kind": self.kind,
            "text": self.text,
            "claim_no": self.claim_no,
            "ref": self.ref,
            "messages": list(self.messages),
            "markers": [{"code": m, "label": MARKERS[m]} for m in self.markers],
        }


def sessions(messages: Iterable[dict[str, Any]], gap_s: float = SESSION_GAP_S) -> list[Event]:
    """Chat messages ({"at", "direction", "text", "who", "quote_start"?}) as one event per
    session: a pause longer than `gap_s` starts a new one. The session's text is the customer's
    first words in it (or the bot's, when the customer said nothing)."""
    ordered = sorted(messages, key=lambda m: m["at"])
    groups: list[list[dict[str, Any]]] = []
    for message in ordered:
        if groups and message["at"] - groups[-1][-1]["at"] <= gap_s:
            groups[-1].append(message)
        else:
            groups.append([message])
    events = []
    for group in groups:
        said = [m for m in group if m["direction"] == "in"]
        first = (said or group)[0]
        events.append(Event(
            at=group[0]["at"], channel=CHAT, kind="session", text=str(first.get("text") or ""),
            detail={"in": len(said), "out": len(group) - len(said),
                    "until": group[-1]["at"],
                    "quote_started": any(m.get("quote_start") for m in group)},
            messages=tuple(group[:SESSION_SHOWN]),
        ))  # fmt: skip
    return events


def timeline(events: Iterable[Event]) -> list[Event]:
    """Oldest first; at the same moment, in the order the channels are listed."""
    return sorted(events, key=lambda e: (e.at, CHANNELS.index(e.channel), e.kind))


def mark(events: Sequence[Event], wait_s: float) -> list[Event]:
    """The timeline with stuck markers set on the events they concern."""
    ordered = timeline(events)
    quotes_given = [e.at for e in ordered if e.channel == QUOTE and e.kind == "given"]
    marked = []
    for event in ordered:
        found = _markers(event, wait_s, quotes_given)
        marked.append(replace(event, markers=found) if found else event)
    return marked


def _markers(event: Event, wait_s: float, quotes_given: list[float]) -> tuple[str, ...]:
    found: list[str] = []
    detail = event.detail
    if event.channel == HANDOFF and event.kind == "start":
        if detail.get("reason") == "misses":
            found.append("bot_miss")
        waited = detail.get("waited_s")
        if waited is None:
            if detail.get("ended"):
                found.append("no_answer")
            elif detail.get("open_for_s", 0) > wait_s:
                found.append("long_wait")
        elif waited > wait_s:
            found.append("long_wait")
    if event.channel == CHAT and detail.get("quote_started"):
        until = float(detail.get("until", event.at)) + SESSION_GAP_S
        if not any(event.at <= at <= until for at in quotes_given):
            found.append("quote_abandoned")
    if event.channel == SURVEY and event.kind == "started":
        if detail.get("reminded") and detail.get("missing"):
            found.append("survey_stalled")
    if event.channel == RATING and event.kind == "rated":
        score = detail.get("score")
        if isinstance(score, int | float) and score <= LOW:
            found.append("low_rating")
    return tuple(found)


def stuck_summary(events: Sequence[Event]) -> dict[str, int]:
    """How many times each marker occurs (for the page's header)."""
    counts: dict[str, int] = {}
    for event in events:
        for code in event.markers:
            counts[code] = counts.get(code, 0) + 1
    return counts
