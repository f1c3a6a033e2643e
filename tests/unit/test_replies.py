"""wechat.replies: passive-reply XML and the JSON form used on queues."""

from __future__ import annotations

import pytest
import xmltodict

from chalicelib.domain.messages import ImageReply, InboundMessage, Kind, NewsReply, TextReply
from chalicelib.wechat.inbound import screen_xml
from chalicelib.wechat.replies import (
    render_passive,
    reply_from_json,
    reply_to_json,
    summarize,
)

OPENID = "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
ACCOUNT = "gh_10f6c3c3ac5a"
NOW = 1700000000
MSG = InboundMessage(
    openid=OPENID, account=ACCOUNT, created_at=NOW - 1, kind=Kind.TEXT, dedupe_key="k"
)


def parsed(xml: str) -> dict:
    screen_xml(xml)  # well-formed, <xml> root, no DTD
    return xmltodict.parse(xml)["xml"]


def check_envelope(data: dict, msg_type: str, now: int = NOW) -> None:
    assert data["ToUserName"] == OPENID
    assert data["FromUserName"] == ACCOUNT
    assert data["MsgType"] == msg_type
    assert data["CreateTime"] == str(now)


@pytest.mark.parametrize(
    "content",
    [
        "您好，欢迎关注！\n1 车险报价",
        "a < b & c > d",
        "tricky ]]> cdata end",
        "<xml><Content>nested</Content></xml>",
    ],
)
def test_render_text(content):
    data = parsed(render_passive(TextReply(content), MSG, now=NOW))
    check_envelope(data, "text")
    assert data["Content"] == content


def test_render_image():
    data = parsed(render_passive(ImageReply("MEDIA_ID_1"), MSG, now=NOW))
    check_envelope(data, "image")
    assert data["Image"]["MediaId"] == "MEDIA_ID_1"


def test_render_news():
    reply = NewsReply(
        title="个人信息保护告知",
        description="点击查看",
        url="https://example.com/privacy?a=1&b=2",
        image_url="https://example.com/cover.png",
    )
    data = parsed(render_passive(reply, MSG, now=NOW))
    check_envelope(data, "news")
    assert data["ArticleCount"] == "1"
    item = data["Articles"]["item"]
    assert item["Title"] == reply.title
    assert item["Description"] == reply.description
    assert item["Url"] == reply.url
    assert item["PicUrl"] == reply.image_url


@pytest.mark.parametrize("field", ["title", "description", "url"])
def test_render_news_with_cdata_terminator(field):
    values = {"title": "T", "description": "D", "url": "https://example.com/"}
    values[field] = "x]]>y"
    data = parsed(render_passive(NewsReply(**values), MSG, now=NOW))
    item = data["Articles"]["item"]
    assert item[{"title": "Title", "description": "Description", "url": "Url"}[field]] == "x]]>y"


def test_render_uses_clock_when_now_not_given(monkeypatch):
    monkeypatch.setattr("chalicelib.wechat.replies.time.time", lambda: 1234.9)
    data = parsed(render_passive(TextReply("hi"), MSG))
    assert data["CreateTime"] == "1234"


def test_render_truncates_fractional_now():
    data = parsed(render_passive(TextReply("hi"), MSG, now=NOW + 0.99))
    assert data["CreateTime"] == str(NOW)


def test_render_unknown_reply_type():
    with pytest.raises(TypeError):
        render_passive("just a string", MSG, now=NOW)  # type: ignore[arg-type]


ROUND_TRIP = [
    pytest.param(TextReply("您好"), {"type": "text", "content": "您好"}, id="text"),
    pytest.param(ImageReply("M1"), {"type": "image", "media_id": "M1"}, id="image"),
    pytest.param(
        NewsReply("T", "D", "https://u", "https://i"),
        {
            "type": "news",
            "title": "T",
            "description": "D",
            "url": "https://u",
            "image": "https://i",
        },
        id="news",
    ),
    pytest.param(
        NewsReply("T", "", "https://u"),
        {"type": "news", "title": "T", "description": "", "url": "https://u", "image": ""},
        id="news-minimal",
    ),
]


@pytest.mark.parametrize(("reply", "json_form"), ROUND_TRIP)
def test_json_round_trip(reply, json_form):
    assert reply_to_json(reply) == json_form
    assert reply_from_json(json_form) == reply
    assert reply_from_json(reply_to_json(reply)) == reply


def test_news_from_json_defaults_optional_fields():
    assert reply_from_json({"type": "news", "title": "T"}) == NewsReply("T", "", "", "")


@pytest.mark.parametrize(
    "data",
    [{"type": "video", "media_id": "x"}, {"content": "no type"}, {"type": None}, {}],
    ids=["video", "no-type", "none", "empty"],
)
def test_from_json_unknown_type(data):
    with pytest.raises(ValueError, match="unknown reply type"):
        reply_from_json(data)


def test_to_json_unknown_type():
    with pytest.raises(TypeError):
        reply_to_json(object())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("reply", "summary"),
    [
        (TextReply("你好"), "你好"),
        (NewsReply("标题", "d", "https://u"), "标题 https://u"),
        (NewsReply("标题", "d", ""), "标题"),
        (ImageReply("M1"), "image:M1"),
    ],
)
def test_summarize(reply, summary):
    assert summarize(reply) == summary
