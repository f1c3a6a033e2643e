"""When did it happen? Reads the way people type an accident time in Chinese.

"刚刚", "14:30", "今天下午3点", "昨天晚上8点半", "前天 9:05", "11月20日14:30", "11-20 14:30",
"2026-11-20 14:30". Days that settle the question without an hour are read too: "三天前",
"上周" (too long ago for self-service), "明天上午" (not yet). Times are China time (UTC+8).
Returns None when the text says no time.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from chalicelib.domain.hours import CHINA
from chalicelib.domain.text import to_halfwidth

_NOW_WORDS = ("刚刚", "刚才", "现在", "刚")
_DAY_WORDS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "昨晚": 1, "前天": 2}
_AFTERNOON = ("下午", "晚上", "傍晚", "今晚", "昨晚", "夜里", "夜间")
_NOON = ("中午",)
_MORNING = ("凌晨", "早上", "上午", "清晨", "早晨")

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9, "十": 10}  # fmt: skip

# Days far enough back (or ahead) that the hour does not matter for the 48-hour rule.
_DAYS_AGO = re.compile(r"(\d{1,2}|几|好几)(天|日)(之?前|以前)")
_FAR_BACK = {"大前天": 3, "上周": 7, "上星期": 7, "上个星期": 7, "上礼拜": 7, "上个礼拜": 7,
             "上个月": 30, "上月": 30, "去年": 365}  # fmt: skip
_AHEAD = {"明天": 1, "明日": 1, "明早": 1, "明晚": 1, "后天": 2, "下周": 7}
_DAYS_AHEAD = re.compile(r"(\d{1,2})(天|日)(之?后|以后)")
_AGO = re.compile(r"(\d{1,2})?(个)?(半)?个?(小时|钟头|分钟)(之?前|以前)")
_VAGUE = re.compile(r"^(大概|大约|差不多|约|就在|可能|应该是|估计)|(左右|吧|啊|了|的样子)$")
_FULL_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_MONTH_DAY = re.compile(r"(\d{1,2})[-/.月](\d{1,2})[日号]?")
_CLOCK = re.compile(r"(\d{1,2})[:：](\d{2})")
_HOUR = re.compile(r"(\d{1,2})[点时](半|(\d{1,2})分?)?")


def parse_accident_time(text: str, now: datetime) -> datetime | None:
    """The moment `text` names, relative to `now` (timezone-aware), or None."""
    said = _arabic(to_halfwidth(text).strip())
    local_now = now.astimezone(CHINA)
    if any(said == w or said.startswith(w + "出") for w in _NOW_WORDS):
        return local_now.replace(second=0, microsecond=0)
    if ago := _ago(said):
        return (local_now - ago).replace(second=0, microsecond=0)
    if (shift := _far_day(said)) is not None:
        moment = local_now + timedelta(days=shift)
        clock = _clock(said)
        if clock is not None and 0 <= _with_period(clock[0], said) <= 23 and clock[1] <= 59:
            moment = moment.replace(hour=_with_period(clock[0], said), minute=clock[1])
        return moment.replace(second=0, microsecond=0)
    day, rest = _day(said, local_now.date())
    clock = _clock(rest)
    if day is None or clock is None:
        return None
    hour, minute = clock
    hour = _with_period(hour, rest)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)


def _far_day(said: str) -> int | None:
    """Days from today for a day that is at least 3 back or any day ahead, else None."""
    for word, ahead in _AHEAD.items():
        if word in said:
            return ahead
    if match := _DAYS_AHEAD.search(said):
        return int(match.group(1))
    for word, back in _FAR_BACK.items():
        if word in said:
            return -back
    if match := _DAYS_AGO.search(said):
        amount = match.group(1)
        back = 3 if not amount.isdigit() else int(amount)
        return -back if back >= 3 else None
    return None


def names_a_day(text: str) -> bool:
    """The text names a day or a part of it but no hour (昨天, 昨晚, 今天早上, 两天前): the
    customer should be asked for the hour rather than told the time was not understood."""
    said = _arabic(to_halfwidth(text).strip())
    day_words = (*_DAY_WORDS, *_AFTERNOON, *_MORNING, *_NOON)
    return _clock(said) is None and (any(w in said for w in day_words) or "天前" in said)


def _ago(said: str) -> timedelta | None:
    """ "半小时前", "2小时前", "20分钟前", "一个半小时前", "大概一个小时以前吧"."""
    said = said.replace("一个", "1个")
    while (cut := _VAGUE.sub("", said)) != said:
        said = cut
    match = _AGO.fullmatch(said)
    if not match or not (match.group(1) or match.group(3)):
        return None
    amount = float(match.group(1) or 0) + (0.5 if match.group(3) else 0.0)
    unit = match.group(4)
    return timedelta(minutes=amount) if unit == "分钟" else timedelta(hours=amount)


def _day(said: str, today: date) -> tuple[date | None, str]:
    for word, back in _DAY_WORDS.items():
        if word in said:
            return today - timedelta(days=back), said.replace(word, " ", 1)
    if match := _FULL_DATE.search(said):
        year, month, day = (int(g) for g in match.groups())
        return _safe_date(year, month, day), said[match.end() :]
    if (match := _MONTH_DAY.search(said)) and not _CLOCK.fullmatch(match.group(0)):
        month, day = (int(g) for g in match.groups())
        candidate = _safe_date(today.year, month, day)
        if candidate and candidate > today:  # "12月31日" typed on 1 January means last year
            candidate = _safe_date(today.year - 1, month, day)
        return candidate, said[match.end() :]
    return today, said


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _clock(said: str) -> tuple[int, int] | None:
    if match := _CLOCK.search(said):
        return int(match.group(1)), int(match.group(2))
    if match := _HOUR.search(said):
        minute = 30 if match.group(2) == "半" else int(match.group(3) or 0)
        return int(match.group(1)), minute
    return None


def _with_period(hour: int, said: str) -> int:
    if any(w in said for w in _AFTERNOON) and hour < 12:
        return hour + 12
    if any(w in said for w in _NOON) and hour < 6:
        return hour + 12
    if any(w in said for w in _MORNING) and hour == 12:
        return 0
    return hour


def _arabic(said: str) -> str:
    """ "八点半" -> "8点半", "十一点二十" -> "11点20": Chinese numerals before 点/时/分/月/日."""

    def number(match: re.Match[str]) -> str:
        chars = match.group(0)
        if "十" not in chars:
            return "".join(str(_CN_DIGITS[c]) for c in chars)
        tens, _, ones = chars.partition("十")
        value = (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
        return str(value)

    said = re.sub(r"[零〇一二两三四五六七八九十]+(?=[点时分月日号个小天])", number, _minutes(said))
    return said


def _minutes(said: str) -> str:
    # "8点二十" (minutes without 分) -> "8点二十分"; "一刻" is a quarter of an hour
    said = said.replace("一刻", "15分").replace("三刻", "45分")
    return re.sub(r"([点时])([零〇一二三四五六七八九十]+)$", r"\1\2分", said)


def check_accident_time(
    moment: datetime, now: datetime, max_delay_s: int, tolerance_s: int = 600
) -> str | None:
    """Why this time cannot be used for self-service, or None: "future" or "too_late"."""
    if moment.timestamp() > now.timestamp() + tolerance_s:
        return "future"
    if now.timestamp() - moment.timestamp() > max_delay_s:
        return "too_late"
    return None
