"""parse_inbound / screen_xml: WeChat XML pushes -> InboundMessage, hostile input refused."""

from __future__ import annotations

import pytest

from chalicelib.domain.messages import Event, Kind
from chalicelib.wechat.inbound import (
    MAX_FIELD_CHARS,
    MAX_TEXT_CHARS,
    BadMessage,
    parse_inbound,
    screen_xml,
)

ACCOUNT = "gh_10f6c3c3ac5a"
OPENID = "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
CREATED = 1700000000


def wx(fields: str, openid: str = OPENID, created: str = str(CREATED)) -> str:
    """A WeChat push the way the server sends it: CDATA for strings, bare numbers."""
    return (
        "<xml>\n"
        f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>\n"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>\n"
        f"<CreateTime>{created}</CreateTime>\n"
        f"{fields}\n"
        "</xml>"
    )


def msg_xml(msg_type: str, body: str = "", msg_id: str = "6054768590064713728", **kw) -> str:
    return wx(f"<MsgType><![CDATA[{msg_type}]]></MsgType>\n{body}\n<MsgId>{msg_id}</MsgId>", **kw)


def event_xml(event: str, body: str = "", **kw) -> str:
    return wx(
        f"<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[{event}]]></Event>{body}", **kw
    )


# --- messages -------------------------------------------------------------------------------

MESSAGES = [
    pytest.param(
        msg_xml("text", "<Content><![CDATA[我要报价 <a>&amp;]]></Content>"),
        Kind.TEXT,
        {"text": "我要报价 <a>&amp;", "raw_type": "text"},
        id="text",
    ),
    pytest.param(
        msg_xml(
            "image",
            "<PicUrl><![CDATA[http://mmbiz.qpic.cn/mmbiz/abc/0]]></PicUrl>"
            "<MediaId><![CDATA[media_image_1]]></MediaId>",
        ),
        Kind.IMAGE,
        {"media_id": "media_image_1", "pic_url": "http://mmbiz.qpic.cn/mmbiz/abc/0"},
        id="image",
    ),
    pytest.param(
        msg_xml(
            "voice",
            "<MediaId><![CDATA[media_voice_1]]></MediaId><Format><![CDATA[amr]]></Format>",
        ),
        Kind.VOICE,
        {"media_id": "media_voice_1", "media_format": "amr", "recognition": ""},
        id="voice",
    ),
    pytest.param(
        msg_xml(
            "voice",
            "<MediaId><![CDATA[media_voice_2]]></MediaId><Format><![CDATA[amr]]></Format>"
            "<Recognition><![CDATA[理赔进度]]></Recognition>",
        ),
        Kind.VOICE,
        {"media_id": "media_voice_2", "recognition": "理赔进度"},
        id="voice-recognition",
    ),
    pytest.param(
        msg_xml(
            "video",
            "<MediaId><![CDATA[media_video_1]]></MediaId>"
            "<ThumbMediaId><![CDATA[thumb_1]]></ThumbMediaId>",
        ),
        Kind.VIDEO,
        {"media_id": "media_video_1"},
        id="video",
    ),
    pytest.param(
        msg_xml(
            "shortvideo",
            "<MediaId><![CDATA[media_short_1]]></MediaId>"
            "<ThumbMediaId><![CDATA[thumb_2]]></ThumbMediaId>",
        ),
        Kind.SHORT_VIDEO,
        {"media_id": "media_short_1", "raw_type": "shortvideo"},
        id="shortvideo",
    ),
    pytest.param(
        msg_xml(
            "location",
            "<Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y>"
            "<Scale>20</Scale><Label><![CDATA[广州市天河区]]></Label>",
        ),
        Kind.LOCATION,
        {"latitude": 23.134521, "longitude": 113.358803, "scale": 20, "label": "广州市天河区"},
        id="location",
    ),
    pytest.param(
        msg_xml(
            "link",
            "<Title><![CDATA[事故照片]]></Title><Description><![CDATA[说明]]></Description>"
            "<Url><![CDATA[https://example.com/a?b=1]]></Url>",
        ),
        Kind.LINK,
        {"title": "事故照片", "url": "https://example.com/a?b=1"},
        id="link",
    ),
    pytest.param(
        msg_xml(
            "file",
            "<Title><![CDATA[行驶证.pdf]]></Title><Description><![CDATA[]]></Description>"
            "<FileKey><![CDATA[key]]></FileKey><FileMd5><![CDATA[md5]]></FileMd5>"
            "<FileTotalLen><![CDATA[1024]]></FileTotalLen>",
        ),
        Kind.FILE,
        {"title": "行驶证.pdf", "raw_type": "file"},
        id="file",
    ),
    pytest.param(
        msg_xml(
            "file", "<FileName><![CDATA[保单.pdf]]></FileName><FileKey><![CDATA[k]]></FileKey>"
        ),
        Kind.FILE,
        {"title": "保单.pdf"},
        id="file-with-filename",
    ),
    pytest.param(
        msg_xml("miniprogrampage", "<Title><![CDATA[小程序]]></Title>"),
        Kind.UNKNOWN,
        {"raw_type": "miniprogrampage", "title": "小程序"},
        id="miniprogrampage",
    ),
    pytest.param(msg_xml("foo"), Kind.UNKNOWN, {"raw_type": "foo"}, id="foo"),
]


@pytest.mark.parametrize(("xml", "kind", "fields"), MESSAGES)
def test_message_types(xml, kind, fields):
    msg = parse_inbound(xml)
    assert msg.kind is kind
    assert msg.openid == OPENID
    assert msg.account == ACCOUNT
    assert msg.created_at == CREATED
    assert msg.msg_id == "6054768590064713728"
    assert msg.dedupe_key == f"m:{OPENID}:6054768590064713728"
    assert msg.event is None
    assert not msg.is_event
    for name, value in fields.items():
        assert getattr(msg, name) == value, name


def test_text_message_other_fields_empty():
    msg = parse_inbound(msg_xml("text", "<Content><![CDATA[你好]]></Content>"))
    assert (msg.media_id, msg.pic_url, msg.url, msg.title) == ("", "", "", "")
    assert msg.latitude is None and msg.longitude is None and msg.scale is None
    assert msg.opens_message_window


def test_msgtype_is_case_insensitive():
    msg = parse_inbound(msg_xml("TEXT", "<Content><![CDATA[hi]]></Content>"))
    assert msg.kind is Kind.TEXT
    assert msg.raw_type == "text"


def test_xml_declaration_and_whitespace_are_accepted():
    xml = '<?xml version="1.0" encoding="utf-8"?>\n  ' + msg_xml("text", "<Content>a</Content>")
    assert parse_inbound(xml).text == "a"


def test_location_without_scale():
    xml = msg_xml("location", "<Location_X>-33.5</Location_X><Location_Y>-70.25</Location_Y>")
    msg = parse_inbound(xml)
    assert (msg.latitude, msg.longitude, msg.scale) == (-33.5, -70.25, None)


# --- events ---------------------------------------------------------------------------------

EVENTS = [
    pytest.param(event_xml("subscribe"), Event.SUBSCRIBE, "subscribe", "", {}, id="subscribe"),
    pytest.param(
        event_xml(
            "subscribe",
            "<EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>",
        ),
        Event.SUBSCRIBE,
        # wechatpy names this subscribe_scan and strips the qrscene_ prefix from the key
        "subscribe_scan",
        "123123",
        {},
        id="subscribe-qrscene",
    ),
    pytest.param(
        event_xml("unsubscribe"), Event.UNSUBSCRIBE, "unsubscribe", "", {}, id="unsubscribe"
    ),
    pytest.param(
        event_xml(
            "SCAN", "<EventKey><![CDATA[SCENE_VALUE]]></EventKey><Ticket><![CDATA[T]]></Ticket>"
        ),
        Event.SCAN,
        "scan",
        "SCENE_VALUE",
        {},
        id="scan",
    ),
    pytest.param(
        event_xml(
            "LOCATION",
            "<Latitude>23.137466</Latitude><Longitude>113.352425</Longitude>"
            "<Precision>119.385040</Precision>",
        ),
        Event.LOCATION,
        "location",
        "",
        {"latitude": 23.137466, "longitude": 113.352425},
        id="location",
    ),
    pytest.param(
        event_xml("CLICK", "<EventKey><![CDATA[QUOTE]]></EventKey>"),
        Event.CLICK,
        "click",
        "QUOTE",
        {},
        id="click",
    ),
    pytest.param(
        event_xml(
            "VIEW", "<EventKey><![CDATA[https://example.com/x]]></EventKey><MenuId>7</MenuId>"
        ),
        Event.VIEW,
        "view",
        "https://example.com/x",
        {"url": "https://example.com/x"},
        id="view",
    ),
    pytest.param(
        event_xml(
            "TEMPLATESENDJOBFINISH",
            "<MsgID>200163836</MsgID><Status><![CDATA[failed:user block]]></Status>",
        ),
        Event.TEMPLATE_SEND_JOB_FINISH,
        "templatesendjobfinish",
        "",
        {"extra": {"status": "failed:user block", "msg_id": "200163836"}},
        id="templatesendjobfinish",
    ),
    pytest.param(
        event_xml("kf_create_session", "<KfAccount><![CDATA[test1@test]]></KfAccount>"),
        Event.OTHER,
        "kf_create_session",
        "",
        {},
        id="kf_create_session",
    ),
]


@pytest.mark.parametrize(("xml", "event", "raw_event", "event_key", "fields"), EVENTS)
def test_event_types(xml, event, raw_event, event_key, fields):
    msg = parse_inbound(xml)
    assert msg.kind is Kind.EVENT
    assert msg.is_event
    assert msg.event is event
    assert msg.raw_event == raw_event
    assert msg.raw_type == "event"
    assert msg.event_key == event_key
    assert msg.openid == OPENID
    assert msg.created_at == CREATED
    assert msg.dedupe_key == f"e:{OPENID}:{CREATED}:{raw_event}:{event_key}"
    assert not msg.opens_message_window
    for name, value in fields.items():
        assert getattr(msg, name) == value, name


@pytest.mark.parametrize(
    ("event", "opens"),
    [("subscribe", True), ("SCAN", True), ("CLICK", True), ("VIEW", False), ("unsubscribe", False)],
)
def test_click_window_events(event, opens):
    assert parse_inbound(event_xml(event)).opens_click_window is opens


# --- dedupe keys ----------------------------------------------------------------------------


def test_retry_of_same_message_has_same_key():
    xml = msg_xml("text", "<Content>a</Content>", msg_id="42")
    assert parse_inbound(xml).dedupe_key == parse_inbound(xml).dedupe_key


def test_same_msgid_from_two_users_gives_different_keys():
    a = parse_inbound(msg_xml("text", "<Content>a</Content>", msg_id="42", openid="oUserA"))
    b = parse_inbound(msg_xml("text", "<Content>a</Content>", msg_id="42", openid="oUserB"))
    assert a.dedupe_key == "m:oUserA:42"
    assert b.dedupe_key == "m:oUserB:42"


def test_message_key_ignores_create_time():
    a = parse_inbound(msg_xml("text", "<Content>a</Content>", msg_id="42", created="1"))
    b = parse_inbound(msg_xml("text", "<Content>a</Content>", msg_id="42", created="2"))
    assert a.dedupe_key == b.dedupe_key


def test_message_without_msgid_keys_on_time_and_type():
    xml = wx("<MsgType><![CDATA[text]]></MsgType><Content>a</Content>")
    msg = parse_inbound(xml)
    assert msg.msg_id == ""
    assert msg.dedupe_key == f"m:{OPENID}:{CREATED}:text"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            event_xml("CLICK", "<EventKey>QUOTE</EventKey>"),
            event_xml("CLICK", "<EventKey>SURVEY</EventKey>"),
        ),
        (
            event_xml("CLICK", "<EventKey>QUOTE</EventKey>"),
            event_xml("CLICK", "<EventKey>QUOTE</EventKey>", created="1700000001"),
        ),
        (
            event_xml("CLICK", "<EventKey>QUOTE</EventKey>"),
            event_xml("CLICK", "<EventKey>QUOTE</EventKey>", openid="oOther"),
        ),
        (event_xml("subscribe"), event_xml("unsubscribe")),
    ],
    ids=["event-key", "create-time", "user", "event"],
)
def test_event_keys_differ_on_each_component(a, b):
    assert parse_inbound(a).dedupe_key != parse_inbound(b).dedupe_key


def test_event_retry_has_same_key():
    xml = event_xml("CLICK", "<EventKey>QUOTE</EventKey>")
    assert parse_inbound(xml).dedupe_key == f"e:{OPENID}:{CREATED}:click:QUOTE"


# --- hostile and malformed input ------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<xml><ToUserName><![CDATA[gh_a]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName>
<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>
<Content>&lol4;</Content><MsgId>1</MsgId></xml>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName><![CDATA[gh_a]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName>
<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>
<Content>&xxe;</Content><MsgId>1</MsgId></xml>"""

PLAIN_DOCTYPE = "<!DOCTYPE xml>" + msg_xml("text", "<Content>a</Content>")

INTERNAL_ENTITY = '<!DOCTYPE xml [<!ENTITY name "报价">]>' + msg_xml(
    "text", "<Content>&name;</Content>"
)

DTD_REFUSED = "xml with dtd or entities is refused"

HOSTILE = [
    pytest.param(
        wx("<Content>a</Content><MsgId>1</MsgId>"), "missing field MsgType", id="no-msgtype"
    ),
    pytest.param(
        f"<xml><ToUserName>{ACCOUNT}</ToUserName><CreateTime>1</CreateTime>"
        "<MsgType>text</MsgType><Content>a</Content></xml>",
        "FromUserName",
        id="no-fromusername",
    ),
    pytest.param(
        f"<xml><FromUserName>{OPENID}</FromUserName><MsgType>text</MsgType></xml>",
        "CreateTime",
        id="no-createtime",
    ),
    pytest.param(event_xml("").replace("<Event><![CDATA[]]></Event>", ""), "Event", id="no-event"),
    pytest.param(BILLION_LAUGHS, DTD_REFUSED, id="billion-laughs"),
    pytest.param(XXE, DTD_REFUSED, id="xxe"),
    pytest.param(PLAIN_DOCTYPE, DTD_REFUSED, id="doctype"),
    pytest.param(INTERNAL_ENTITY, DTD_REFUSED, id="internal-entity"),
    pytest.param("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "malformed xml", id="garbage-bytes"),
    pytest.param("", "malformed xml", id="empty"),
    pytest.param("   \n", "malformed xml", id="whitespace"),
    pytest.param("<xml><FromUserName>oUser</FromUserName>", "malformed xml", id="unclosed"),
    pytest.param('{"MsgType": "text"}', "malformed xml", id="json"),
    pytest.param(
        msg_xml("text", "<Content>a</Content>")
        .replace("<xml>", "<root>")
        .replace("</xml>", "</root>"),
        "root element must be <xml>",
        id="root-not-xml",
    ),
    pytest.param(
        "<xml xmlns='urn:x'><FromUserName>a</FromUserName></xml>",
        "root element must be <xml>",
        id="namespaced-root",
    ),
    pytest.param(
        msg_xml("text", "<Content>a</Content>", created="yesterday"),
        "invalid CreateTime",
        id="createtime-word",
    ),
    pytest.param(
        msg_xml("text", "<Content>a</Content>", created="-1"),
        "invalid CreateTime",
        id="createtime-neg",
    ),
    pytest.param(
        msg_xml("text", "<Content>a</Content>", created="1.5"),
        "invalid CreateTime",
        id="createtime-float",
    ),
    pytest.param(
        msg_xml("text", "<Content>a</Content>", openid="o User"),
        "invalid FromUserName",
        id="openid-space",
    ),
    pytest.param(
        msg_xml("text", "<Content>a</Content>", openid="oUser<script>"),
        "invalid FromUserName",
        id="openid-markup",
    ),
    pytest.param(
        msg_xml("text", "<Content>a</Content>", openid="../../etc/passwd"),
        "invalid FromUserName",
        id="openid-path",
    ),
    pytest.param(
        msg_xml("text", "<Content>a</Content>", openid="o" * 65),
        "invalid FromUserName",
        id="openid-too-long",
    ),
    pytest.param(
        msg_xml("text", "<Content>a</Content>", openid="用户"),
        "invalid FromUserName",
        id="openid-non-ascii",
    ),
    pytest.param(
        msg_xml("text", f"<Content>{'长' * (MAX_TEXT_CHARS + 1)}</Content>"),
        "field Content too long",
        id="content-too-long",
    ),
    pytest.param(
        msg_xml("image", f"<MediaId>{'m' * (MAX_FIELD_CHARS + 1)}</MediaId>"),
        "field MediaId too long",
        id="mediaid-too-long",
    ),
    pytest.param(
        event_xml("CLICK", f"<EventKey>{'K' * (MAX_FIELD_CHARS + 1)}</EventKey>"),
        "field EventKey too long",
        id="eventkey-too-long",
    ),
    pytest.param(
        msg_xml("text", "<Content>a</Content><Content>b</Content>"),
        "field Content must be text",
        id="repeated-field",
    ),
    pytest.param(
        msg_xml("text", "<Content><b>a</b></Content>"),
        "field Content must be text",
        id="nested-field",
    ),
    pytest.param(
        msg_xml("text", "<Content>a</Content>", msg_id="12abc"), "invalid MsgId", id="msgid"
    ),
    pytest.param(
        msg_xml("location", "<Location_X>90.5</Location_X><Location_Y>113.3</Location_Y>"),
        "invalid location",
        id="latitude-over-90",
    ),
    pytest.param(
        msg_xml("location", "<Location_X>-91</Location_X><Location_Y>113.3</Location_Y>"),
        "invalid location",
        id="latitude-under-minus-90",
    ),
    pytest.param(
        msg_xml("location", "<Location_X>23.1</Location_X><Location_Y>180.01</Location_Y>"),
        "invalid location",
        id="longitude-over-180",
    ),
    pytest.param(
        msg_xml("location", "<Location_X>nan</Location_X><Location_Y>1</Location_Y>"),
        "invalid location",
        id="latitude-nan",
    ),
    pytest.param(
        msg_xml("location", "<Location_X>inf</Location_X><Location_Y>1</Location_Y>"),
        "invalid location",
        id="latitude-inf",
    ),
    pytest.param(
        msg_xml("location", "<Location_X>north</Location_X><Location_Y>1</Location_Y>"),
        "invalid Location_X",
        id="latitude-word",
    ),
    pytest.param(
        msg_xml("location", "<Location_Y>113.3</Location_Y>"),
        "invalid location",
        id="latitude-missing",
    ),
    pytest.param(
        msg_xml(
            "location",
            "<Location_X>23.1</Location_X><Location_Y>113.3</Location_Y><Scale>1.5</Scale>",
        ),
        "invalid Scale",
        id="scale-float",
    ),
    pytest.param(
        event_xml("LOCATION", "<Latitude>123.1</Latitude><Longitude>113.3</Longitude>"),
        "invalid location",
        id="event-latitude-out-of-range",
    ),
]


@pytest.mark.parametrize(("xml", "message"), HOSTILE)
def test_hostile_and_malformed_input_is_refused(xml, message):
    with pytest.raises(BadMessage) as info:
        parse_inbound(xml)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "openid",
    ["o" * 64, "oyORnuP8q7ou2gfYjqLzSIWZf0rs", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "a-b_C9"],
)
def test_valid_openids_are_accepted(openid):
    assert parse_inbound(msg_xml("text", "<Content>a</Content>", openid=openid)).openid == openid


def test_field_at_max_length_is_accepted():
    key = "K" * MAX_FIELD_CHARS
    assert parse_inbound(event_xml("CLICK", f"<EventKey>{key}</EventKey>")).event_key == key


def test_a_text_longer_than_other_fields_is_accepted_whole():
    """WeChat lets customers send long texts; a 400 would show them an error instead."""
    content = "我想问一下理赔的事情，" * 1000
    assert len(content) > MAX_FIELD_CHARS
    assert parse_inbound(msg_xml("text", f"<Content>{content}</Content>")).text == content


def test_a_long_qr_scene_keeps_the_dedupe_key_short_and_stable():
    """A 4,000-character qrscene_ parameter overflowed the inbox's DynamoDB key."""
    scene = "qrscene_" + "x" * 4000
    first = parse_inbound(event_xml("subscribe", f"<EventKey>{scene}</EventKey>"))
    again = parse_inbound(event_xml("subscribe", f"<EventKey>{scene}</EventKey>"))
    other = parse_inbound(event_xml("subscribe", f"<EventKey>{scene}y</EventKey>"))
    assert first.event_key.endswith("x" * 4000) and len(first.dedupe_key) < 200
    assert first.dedupe_key == again.dedupe_key != other.dedupe_key


def test_a_follow_through_a_product_scan_is_a_follow():
    msg = parse_inbound(event_xml("subscribe_scan_product", "<EventKey>p_1</EventKey>"))
    assert msg.event is Event.SUBSCRIBE and msg.raw_event == "subscribe_scan_product"


@pytest.mark.parametrize(("lat", "lng"), [("90", "180"), ("-90", "-180"), ("0", "0")])
def test_location_range_boundaries_are_accepted(lat, lng):
    xml = msg_xml("location", f"<Location_X>{lat}</Location_X><Location_Y>{lng}</Location_Y>")
    msg = parse_inbound(xml)
    assert (msg.latitude, msg.longitude) == (float(lat), float(lng))


def test_bad_message_is_a_value_error_with_short_text():
    with pytest.raises(ValueError, match="^malformed xml$"):
        parse_inbound("<<<")


def test_non_ascii_digit_create_time_is_bad_message():
    with pytest.raises(BadMessage):
        parse_inbound(msg_xml("text", "<Content>a</Content>", created="²"))


# --- screen_xml -----------------------------------------------------------------------------


def test_screen_xml_accepts_wechat_push():
    assert screen_xml(msg_xml("text", "<Content><![CDATA[a]]></Content>")) is None


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (BILLION_LAUGHS, DTD_REFUSED),
        (XXE, DTD_REFUSED),
        ("<!DOCTYPE xml><xml/>", DTD_REFUSED),
        ("<root/>", "root element must be <xml>"),
        ("", "malformed xml"),
        ("<xml>", "malformed xml"),
    ],
    ids=["billion-laughs", "xxe", "doctype", "root", "empty", "unclosed"],
)
def test_screen_xml_refuses(xml, message):
    with pytest.raises(BadMessage, match=message):
        screen_xml(xml)
