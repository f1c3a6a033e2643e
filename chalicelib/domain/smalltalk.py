"""Ordinary words that are not questions: greetings, thanks, acknowledgements, goodbyes, emoji
and stickers. They get a short friendly answer, never a "didn't understand", and never count
as a question the bot failed to answer."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from chalicelib.domain.text import to_halfwidth


class Small(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    ACK = "ack"
    BYE = "bye"
    EMOJI = "emoji"  # emoji, WeChat's [微笑] codes, stickers WeChat cannot show


GREETINGS = ("你好", "您好", "你们好", "hi", "hello", "嗨", "哈喽", "在吗", "在不在", "在么",
             "早上好", "上午好", "中午好", "下午好", "晚上好", "早", "有人吗", "hey")  # fmt: skip
THANKS = ("谢谢", "谢谢你", "谢谢您", "多谢", "感谢", "谢了", "thx", "thanks", "thankyou",
          "辛苦了", "辛苦", "麻烦了", "谢谢啦", "感谢感谢", "谢谢谢谢", "好的谢谢", "好的谢谢你",
          "ok谢谢", "明白了谢谢", "知道了谢谢", "收到谢谢")  # fmt: skip
ACKS = ("好", "好的", "好滴", "好哒", "嗯", "嗯嗯", "恩", "恩恩", "哦", "噢", "喔", "ok", "okay",
        "收到", "知道了", "明白", "明白了", "了解", "行", "可以", "没问题", "对", "是的",
        "好吧", "哦哦", "嗯呢", "okk", "k", "好好")  # fmt: skip
BYES = ("再见", "拜拜", "bye", "byebye", "88", "886", "没事了", "没有了", "不用了", "暂时没有",
        "没别的了", "就这样")  # fmt: skip
LAUGHS = ("哈哈", "呵呵", "嘿嘿", "嘻嘻", "哈", "呵", "haha", "hh", "hhh", "233")
# What WeChat puts in a text message for a sticker or message type it cannot pass on.
UNSUPPORTED_MARKERS = ("【收到不支持的消息类型，暂无法显示】", "[收到不支持的消息类型，暂无法显示]")

_WECHAT_EMOJI = re.compile(r"\[[\u4e00-\u9fffA-Za-z]{1,6}\]|/:[^\s]{1,8}")
_FILLER = re.compile(r"[\s,.!?~～…。，！？、:：;；'\"“”‘’()（）\-—_]+")
_REPEATS = re.compile(r"(.)\1{2,}")


def classify(text: str) -> Small | None:
    """What kind of ordinary words `text` is, or None when it may be a question or a request."""
    raw = to_halfwidth(text).strip()
    if not raw:
        return None
    if any(to_halfwidth(marker) in raw for marker in UNSUPPORTED_MARKERS):
        return Small.EMOJI
    without_emoji = _WECHAT_EMOJI.sub("", raw)
    if not without_emoji.strip() or _only_symbols(without_emoji):
        return Small.EMOJI
    said = _FILLER.sub("", _strip_symbols(without_emoji)).lower()
    said = _REPEATS.sub(r"\1\1", said)  # 谢谢谢谢谢 → 谢谢, 好好好 → 好好
    if said in LAUGHS:
        return Small.ACK
    said = _strip_particles(said)
    for words, kind in ((THANKS, Small.THANKS), (GREETINGS, Small.GREETING),
                        (BYES, Small.BYE), (ACKS, Small.ACK)):  # fmt: skip
        if said in words:
            return kind
    return None


def _only_symbols(text: str) -> bool:
    return all(not ch.isalnum() and not _is_cjk(ch) for ch in text if not ch.isspace())


def _strip_symbols(text: str) -> str:
    """Drop emoji and pictographs (👍 🙏 ❤️) around words: 谢谢🙏 is thanks."""
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("S")
                   and ch not in "\ufe0f\u200d")  # fmt: skip


def _strip_particles(said: str) -> str:
    """Trailing modal particles do not change what was meant: 好的呀, 谢谢啦, 你好呀."""
    while len(said) > 1 and said[-1] in "呀啊哈呢吧哦喔啦嘛哇~":
        said = said[:-1]
    return said


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"
