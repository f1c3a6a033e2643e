"""Satisfaction ratings (满意度): reading a customer's 1-5 answer, and the figures staff see.

Pure: what a reply means (`parse_rating`), whether a later message is a comment
(`is_comment`), and the per-agent / per-flow summary of stored ratings (`summarize`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from chalicelib.domain.hours import CHINA
from chalicelib.domain.text import to_halfwidth

SCORES = (1, 2, 3, 4, 5)
LOW = 2  # a rating at or below this offers a person
MAX_COMMENT = 300  # characters of a comment kept

# What a rating is asked after (the "flow" figures are kept by).
CHAT = "chat"  # a chat with a person ended
CLAIM = "claim"  # a claim was paid (settled)
FLOWS = (CHAT, CLAIM)

# What became of a question.
ASKING = "asking"  # recorded, not yet queued (a retried job finishes it)
ASKED = "asked"
RATED = "rated"
SKIPPED = "skipped"
# Why a question was not sent.
WINDOW_CLOSED = "window_closed"  # WeChat's 48 h customer-service window is closed
NO_QUOTA = "no_quota"  # the window's messages are used up
UNFOLLOWED = "unfollowed"  # consent withdrawn: nothing is sent
BUSY = "busy"  # the customer is in the middle of something (a form, a chat)
NOT_ANSWERED = "not_answered"  # nobody from staff answered the chat: nothing to rate
SKIP_REASONS = (WINDOW_CLOSED, NO_QUOTA, UNFOLLOWED, BUSY)

_CIRCLED = {"①": 1, "②": 2, "③": 3, "④": 4, "⑤": 5, "❶": 1, "❷": 2, "❸": 3, "❹": 4, "❺": 5,
            "➀": 1, "➁": 2, "➂": 3, "➃": 4, "➄": 5}  # fmt: skip
_HANZI = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
# Words that are a rating on their own, longest first so 非常不满意 is not read as 满意.
_WORDS: tuple[tuple[str, int], ...] = tuple(sorted(
    {
        "非常满意": 5, "很满意": 5, "特别满意": 5, "十分满意": 5, "超级满意": 5, "太满意了": 5,
        "满意": 4, "比较满意": 4, "挺满意": 4, "还算满意": 4, "基本满意": 4,
        "一般": 3, "一般般": 3, "还行": 3, "还可以": 3, "凑合": 3, "马马虎虎": 3,
        "不满意": 2, "不太满意": 2, "不大满意": 2, "不怎么满意": 2,
        "非常不满意": 1, "很不满意": 1, "特别不满意": 1, "十分不满意": 1, "极不满意": 1,
        "太差了": 1, "很差": 1, "非常差": 1,
    }.items(), key=lambda kv: -len(kv[0])))  # fmt: skip
# A digit followed by one of these is a quantity or a date, not a rating ("3月5日", "2个").
_UNITS = set("月日号点年天个次元块万千百十岁辆台份张位遍周小钟秒米公里%0123456789")
_NUMBER_GOES_ON = re.compile(r"^(?:[.:/\-]\d|分钟)")  # "2.5", "4:30", "3/5", "5分钟"
_SCORE = re.compile(r"^(?P<n>[1-5])(?P<unit>\s*(?:分|星|颗星|顆星))?")
_HANZI_SCORE = re.compile(r"^(?P<n>[一二两三四五])\s*(?:分|星|颗星)")
_STARS = re.compile(r"^(?P<stars>[⭐★☆🌟]{1,5})")
_LEAD = re.compile(r"^[\s,.!?;:，。！？；：、~～—\-]+")  # between the rating and the comment
_QUESTION = re.compile(r"[?？]|^(?:请问|怎么|如何|为什么|为啥|能不能|可不可以|可以|是否|多久|"
                       r"什么时候|哪里|在哪|有没有|我想|我要|帮我)")  # fmt: skip


@dataclass(frozen=True)
class Answer:
    score: int
    comment: str = ""


def parse_rating(text: str) -> Answer | None:
    """A reply to "please rate 1-5": "5", "５", "⑤", "5分", "五星", "⭐⭐⭐⭐", "非常满意", with
    anything after it as the comment ("4 服务很好", "不满意，等了很久"). None when the text does
    not start with a rating (a question, a menu word, "3月5日", "10")."""
    visible = "".join(c for c in text or "" if to_halfwidth(c)).strip()
    said = to_halfwidth(visible)  # character for character: the comment keeps what they typed
    if not said:
        return None
    score, rest = _leading_score(said)
    if score is None:
        return None
    return Answer(score, _comment(visible[len(said) - len(rest):] if rest else ""))


def _leading_score(said: str) -> tuple[int | None, str]:
    if said[0] in _CIRCLED:
        return _CIRCLED[said[0]], said[1:]
    stars = _STARS.match(said)
    if stars:
        count = sum(1 for c in stars.group("stars") if c != "☆")
        return (count or None), said[stars.end():]
    hanzi = _HANZI_SCORE.match(said)
    if hanzi:
        return _HANZI[hanzi.group("n")], said[hanzi.end():]
    digit = _SCORE.match(said)
    if digit:
        after = said[1:].lstrip()
        if _NUMBER_GOES_ON.match(after) or (not digit.group("unit") and after[:1] in _UNITS):
            return None, said  # "10", "3月", "2个", "2.5", "4:30", "5分钟"
        return int(digit.group("n")), said[digit.end():]
    for word, score in _WORDS:
        if said.startswith(word):
            return score, said[len(word):]
    return None, said


def _comment(rest: str) -> str:
    rest = _LEAD.sub("", rest).strip()
    return rest[:MAX_COMMENT]


def is_comment(text: str) -> bool:
    """Whether a message right after a rating reads as a comment on the service rather than a
    new question or request: not empty, not a question ("请问…", "…吗？")."""
    said = to_halfwidth(text or "").strip()
    if not said or len(said) > MAX_COMMENT * 2:
        return False
    return not _QUESTION.search(said)


# --- figures for staff ----------------------------------------------------------------------


@dataclass(frozen=True)
class Rated:
    """One stored question, as the summary reads it."""

    flow: str
    status: str
    staff_id: str = ""
    score: int | None = None
    skip_reason: str = ""


@dataclass
class Figures:
    """Counts and average of one group (an agent, a flow, or everything)."""

    asked: int = 0  # questions sent
    skipped: int = 0  # not sent (window closed, no quota...)
    rated: int = 0
    total: int = 0  # sum of the scores
    distribution: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCORES, 0))

    def add(self, item: Rated) -> None:
        if item.status == SKIPPED:
            self.skipped += 1
            return
        self.asked += 1
        if item.status == RATED and item.score in SCORES:
            assert item.score is not None
            self.rated += 1
            self.total += item.score
            self.distribution[item.score] += 1

    @property
    def average(self) -> float | None:
        return round(self.total / self.rated, 2) if self.rated else None

    @property
    def response_rate(self) -> float | None:
        return round(self.rated / self.asked, 3) if self.asked else None

    @property
    def low(self) -> int:
        return sum(n for score, n in self.distribution.items() if score <= LOW)

    def to_json(self) -> dict[str, object]:
        return {
            "asked": self.asked,
            "skipped": self.skipped,
            "rated": self.rated,
            "average": self.average,
            "response_rate": self.response_rate,
            "low": self.low,
            "distribution": {str(k): v for k, v in self.distribution.items()},
        }


@dataclass
class Summary:
    overall: Figures = field(default_factory=Figures)
    by_flow: dict[str, Figures] = field(default_factory=dict)
    by_staff: dict[str, Figures] = field(default_factory=dict)
    skip_reasons: dict[str, int] = field(default_factory=dict)


def summarize(items: Iterable[Rated]) -> Summary:
    """Per flow (every flow present, even with nothing rated), per staff member (questions
    about their chats or their decisions), and overall."""
    summary = Summary(by_flow={flow: Figures() for flow in FLOWS})
    for item in items:
        summary.overall.add(item)
        summary.by_flow.setdefault(item.flow, Figures()).add(item)
        if item.staff_id:
            summary.by_staff.setdefault(item.staff_id, Figures()).add(item)
        if item.status == SKIPPED:
            reason = item.skip_reason or "unknown"
            summary.skip_reasons[reason] = summary.skip_reasons.get(reason, 0) + 1
    return summary


# --- the period a page asks about -----------------------------------------------------------

DEFAULT_DAYS = 30
MAX_DAYS = 366


class PeriodError(ValueError):
    """A period the page cannot ask for (English, for the API's 400)."""


def period(first: str | None, last: str | None, now: float) -> tuple[date, date, float, float]:
    """China dates `first`..`last` (YYYY-MM-DD, both included; default the last 30 days up to
    today) as (first, last, start epoch, end epoch)."""
    today = datetime.fromtimestamp(now, CHINA).date()
    try:
        end_day = date.fromisoformat(last) if last else today
        start_day = date.fromisoformat(first) if first else end_day - timedelta(DEFAULT_DAYS - 1)
    except ValueError:
        raise PeriodError("from and to are dates, YYYY-MM-DD") from None
    if start_day > end_day:
        raise PeriodError("from is after to")
    if (end_day - start_day).days >= MAX_DAYS:
        raise PeriodError(f"a period is at most {MAX_DAYS} days")
    start = datetime.combine(start_day, time.min, CHINA).timestamp()
    end = datetime.combine(end_day + timedelta(1), time.min, CHINA).timestamp()
    return start_day, end_day, start, end
