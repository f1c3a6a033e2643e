"""WeComCallback: WeCom's signed, AES-encrypted callback (URL verification and messages)."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto

from chalicelib.staff.wecom import BadMessage, Rejected, StaffMessage, WeComCallback
from devstack.wecom_emulator import encrypt_for_callback

TOKEN = "claimbot-local-wecom-token"
AES_KEY = "TMrhfHxqS5l6D0dv3xypA7lP2d9mx0u0ifr4SZl7vuU"
CORP_ID = "ww00000000c1a1b07d"
AGENT_ID = 1000002
NOW = 1_700_000_000
NONCE = "1357924680"

TEXT_XML = (
    f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
    "<FromUserName><![CDATA[oncall-li]]></FromUserName>"
    f"<CreateTime>{NOW}</CreateTime>"
    "<MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[已联系客户]]></Content>"
    "<MsgId>7300000000000000001</MsgId>"
    f"<AgentID>{AGENT_ID}</AgentID></xml>"
)

# TEXT_XML encrypted with the random prefix b"0123456789abcdef", and its msg_signature over
# TOKEN, NOW, NONCE: computed once by hand (below) and pinned, so a change of scheme shows.
VECTOR_ENCRYPT = (
    "CRHeC0SzfUTjqoczde1Yve7+5Kd+jDj9Ho+FToJcz22xDxX2HzAbVK10S2OmshZjSyWgNkGF94R8fcW7JSiSMwA1WG+u"
    "mjowcSr+oxGmh6uMghzcr0wq14/X2ZXK9S2SE8xBYJ9LxPXTUbJ9o1yYDk7GIDxdebU5bu4aILAPyOT3I1fkMpBrmTnl"
    "96uIKxSslIf2dur0lb6Dpq/3ogXj3An0fl2v3ZA5Ka0p5W1ltRHxvKcEVB9LST3yjGaDVPND+hIrA16mi3JoUOHwo0ec"
    "J/+a9qopHFyN8VfbrE5aKASR6fKf9Nvu7gXk5cjufX1Z6clpQ9MfrnJ0DO18SXme/+wBNi0DCpBcvSEsZeV77Lg+UFCb"
    "PcP2lX7kHdOR0OwScrbKKmIkBFzokjOm2bCzSNDn5pi0VNUx3Uf1LNRiEzo1TA+Eli/KkSbuiS03VQxK4LLUOCu7ISvk"
    "Lx2LMdmgyQ=="
)
VECTOR_SIGNATURE = "79477581f49cfe68e9830c6d03e80ee950d8f278"

# WeCom's official URL-verification sample.
SAMPLE_TOKEN = "QDG6eK"
SAMPLE_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
SAMPLE_CORP_ID = "wx5823bf96d3bd56c7"
SAMPLE_QUERY = {
    "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    "timestamp": "1409659589",
    "nonce": "263014780",
    "echostr": (
        "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
    ),
}


def sha1_sorted(*parts: str) -> str:
    """The msg_signature, computed independently of the code under test."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def hand_encrypt(plain: str, random16: bytes, corp_id: str = CORP_ID, key: str = AES_KEY) -> str:
    """WeCom's scheme written out: AES-256-CBC, IV = key[:16], PKCS#7 to 32-byte blocks."""
    raw_key = base64.b64decode(key + "=")
    body = plain.encode()
    data = random16 + struct.pack(">I", len(body)) + body + corp_id.encode()
    pad = 32 - len(data) % 32
    data += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(raw_key), modes.CBC(raw_key[:16])).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


def envelope(encrypt: str, agent: str = str(AGENT_ID)) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        f"<AgentID><![CDATA[{agent}]]></AgentID>"
        f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    ).encode()


def signed(
    plain: str, corp_id: str = CORP_ID, token: str = TOKEN, timestamp: int = NOW
) -> tuple[dict[str, str], bytes]:
    """A callback POST as WeCom would make it (encrypted by wechatpy's enterprise crypto)."""
    crypto = WeComCrypto(TOKEN, AES_KEY, corp_id)
    reply = crypto.encrypt_message(plain, NONCE, str(timestamp))
    encrypt = reply.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    query = {
        "msg_signature": sha1_sorted(token, str(timestamp), NONCE, encrypt),
        "timestamp": str(timestamp),
        "nonce": NONCE,
    }
    return query, envelope(encrypt)


def callback(**kwargs) -> WeComCallback:
    return WeComCallback(TOKEN, AES_KEY, CORP_ID, clock=lambda: NOW, **kwargs)


def message(**fields: str | int) -> str:
    base: dict[str, str | int] = {
        "ToUserName": CORP_ID,
        "FromUserName": "oncall-li",
        "CreateTime": NOW,
        "MsgType": "text",
        "Content": "好的",
        "MsgId": "7300000000000000002",
        "AgentID": AGENT_ID,
    }
    base.update(fields)
    parts = "".join(f"<{k}>{v}</{k}>" for k, v in base.items() if v is not None and v != "-")
    return f"<xml>{parts}</xml>"


# ------------------------------------------------------------- URL verification


def test_official_sample_url_verification():
    cb = WeComCallback(
        SAMPLE_TOKEN, SAMPLE_AES_KEY, SAMPLE_CORP_ID, clock=lambda: int(SAMPLE_QUERY["timestamp"])
    )
    assert cb.verify_url(SAMPLE_QUERY) == "1616140317555161061"


def test_url_verification_round_trip():
    echostr = hand_encrypt("8207349017", b"r" * 16)
    query = {
        "msg_signature": sha1_sorted(TOKEN, str(NOW), NONCE, echostr),
        "timestamp": str(NOW),
        "nonce": NONCE,
        "echostr": echostr,
    }
    assert callback().verify_url(query) == "8207349017"


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"msg_signature": "0" * 40}, 403),
        ({"msg_signature": ""}, 403),
        ({"msg_signature": "签名"}, 403),
        ({"timestamp": ""}, 403),
        ({"nonce": ""}, 403),
        ({"timestamp": "1409659590"}, 403),  # within the clock skew, but not what was signed
        ({"echostr": ""}, 400),
    ],
    ids=[
        "bad-signature",
        "no-signature",
        "non-ascii",
        "no-timestamp",
        "no-nonce",
        "other-time",
        "no-echo",
    ],
)
def test_url_verification_refusals(change, status):
    cb = WeComCallback(
        SAMPLE_TOKEN, SAMPLE_AES_KEY, SAMPLE_CORP_ID, clock=lambda: int(SAMPLE_QUERY["timestamp"])
    )
    with pytest.raises(Rejected) as info:
        cb.verify_url({**SAMPLE_QUERY, **change})
    assert info.value.status == status


def test_url_verification_outside_clock_skew():
    cb = WeComCallback(SAMPLE_TOKEN, SAMPLE_AES_KEY, SAMPLE_CORP_ID, clock=lambda: NOW)
    with pytest.raises(Rejected, match="clock skew"):
        cb.verify_url(SAMPLE_QUERY)


def test_url_verification_for_another_corp():
    cb = WeComCallback(
        SAMPLE_TOKEN, SAMPLE_AES_KEY, "ww_other_corp", clock=lambda: int(SAMPLE_QUERY["timestamp"])
    )
    with pytest.raises(Rejected) as info:
        cb.verify_url(SAMPLE_QUERY)
    assert info.value.status == 403


# --------------------------------------------------------------------- messages


def test_hand_built_vector():
    assert hand_encrypt(TEXT_XML, b"0123456789abcdef") == VECTOR_ENCRYPT
    assert sha1_sorted(TOKEN, str(NOW), NONCE, VECTOR_ENCRYPT) == VECTOR_SIGNATURE
    query = {"msg_signature": VECTOR_SIGNATURE, "timestamp": str(NOW), "nonce": NONCE}
    msg = callback().decode(query, envelope(VECTOR_ENCRYPT))
    assert msg == StaffMessage(
        userid="oncall-li",
        text="已联系客户",
        msg_id="7300000000000000001",
        created_at=NOW,
        agent_id=AGENT_ID,
        kind="text",
    )
    assert msg.dedupe_key == "w:oncall-li:7300000000000000001"


def test_emulator_encrypts_the_same_way():
    assert encrypt_for_callback(TEXT_XML, AES_KEY, CORP_ID, b"0123456789abcdef") == VECTOR_ENCRYPT


def test_round_trip_with_wechatpy_enterprise_crypto():
    query, body = signed(message(Content="&lt;b&gt;客户已到现场&lt;/b&gt; &amp; 拖车"))
    msg = callback(agent_id=AGENT_ID).decode(query, body)
    assert (msg.userid, msg.kind, msg.agent_id) == ("oncall-li", "text", AGENT_ID)
    assert (msg.text, msg.msg_id, msg.created_at) == (
        "<b>客户已到现场</b> & 拖车",
        "7300000000000000002",
        NOW,
    )


def test_round_trip_keeps_cdata_text_exactly():
    plain = message(Content="<![CDATA[车牌 粤B·12345 <ok> & 完毕]]>")
    msg = callback().decode(*signed(plain))
    assert msg.text == "车牌 粤B·12345 <ok> & 完毕"


def test_image_and_event_messages_keep_their_kind():
    image = message(MsgType="image", Content="-", PicUrl="http://example.invalid/p.jpg")
    msg = callback().decode(*signed(image))
    assert (msg.kind, msg.text, msg.msg_id) == ("image", "", "7300000000000000002")
    event = message(MsgType="event", Content="-", MsgId="-", Event="enter_agent", EventKey="")
    msg = callback().decode(*signed(event))
    assert (msg.kind, msg.event, msg.msg_id, msg.text) == ("event", "enter_agent", "", "")
    assert msg.dedupe_key == f"w:oncall-li:{NOW}:event:enter_agent"


@pytest.mark.parametrize(
    "change",
    [
        {"token": "other-token"},
        {"timestamp": NOW + 1},
    ],
    ids=["other-token", "signed-other-timestamp"],
)
def test_bad_signature_is_rejected(change):
    query, body = signed(message(), token=change.get("token", TOKEN))
    if "timestamp" in change:
        query["timestamp"] = str(change["timestamp"])
    with pytest.raises(Rejected) as info:
        callback().decode(query, body)
    assert info.value.status == 403


def test_tampered_ciphertext_is_rejected():
    query, body = signed(message())
    tampered = body.replace(b"<Encrypt><![CDATA[", b"<Encrypt><![CDATA[A")
    with pytest.raises(Rejected) as info:
        callback().decode(query, tampered)
    assert info.value.status == 403


@pytest.mark.parametrize("missing", ["msg_signature", "timestamp", "nonce"])
def test_missing_query_parameter_is_rejected(missing):
    query, body = signed(message())
    del query[missing]
    with pytest.raises(Rejected) as info:
        callback().decode(query, body)
    assert info.value.status == 403


def test_old_timestamp_is_rejected():
    query, body = signed(message(), timestamp=NOW - 3600)
    with pytest.raises(Rejected, match="clock skew"):
        callback().decode(query, body)


def test_message_for_another_corp_is_rejected():
    query, body = signed(message(), corp_id="ww_other_corp")
    with pytest.raises(Rejected, match="another corp") as info:
        callback().decode(query, body)
    assert info.value.status == 403


def test_undecryptable_ciphertext_is_rejected():
    garbage = base64.b64encode(b"x" * 40).decode()
    query = {
        "msg_signature": sha1_sorted(TOKEN, str(NOW), NONCE, garbage),
        "timestamp": str(NOW),
        "nonce": NONCE,
    }
    with pytest.raises(Rejected) as info:
        callback().decode(query, envelope(garbage))
    assert info.value.status == 400


def test_oversize_body_is_rejected_before_anything_else():
    with pytest.raises(Rejected) as info:
        callback().decode({}, b"<xml>" + b"a" * (64 * 1024) + b"</xml>")
    assert info.value.status == 413


def test_body_at_the_limit_is_read():
    query, body = signed(message())
    padded = body.replace(b"</xml>", b" " * (64 * 1024 - len(body)) + b"</xml>")
    assert len(padded) == 64 * 1024
    assert callback().decode(query, padded).text == "好的"


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    "<xml><Encrypt>&lol2;</Encrypt></xml>"
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<xml><Encrypt>&xxe;</Encrypt></xml>"
)


@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS.encode(),
        XXE.encode(),
        b"not xml at all",
        b"<xml><Encrypt>abc</Encrypt>",
        b"<other><Encrypt>abc</Encrypt></other>",
        b"<xml><ToUserName>x</ToUserName></xml>",
        b"\xff\xfe<xml/>",
    ],
    ids=["billion-laughs", "xxe", "not-xml", "unclosed", "wrong-root", "no-encrypt", "not-utf8"],
)
def test_hostile_or_broken_envelope_is_a_bad_message(body):
    query = {"msg_signature": "0" * 40, "timestamp": str(NOW), "nonce": NONCE}
    with pytest.raises(BadMessage):
        callback().decode(query, body)


def test_hostile_xml_inside_the_ciphertext_is_a_bad_message():
    inner = BILLION_LAUGHS.replace("<Encrypt>&lol2;</Encrypt>", "<Content>&lol2;</Content>")
    with pytest.raises(BadMessage, match="dtd or entities"):
        callback().decode(*signed(inner))


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"FromUserName": "-"}, "missing field FromUserName"),
        ({"FromUserName": "li lei"}, "invalid FromUserName"),
        ({"FromUserName": "x" * 65}, "invalid FromUserName"),
        ({"ToUserName": "ww_other_corp"}, "another corp"),
        ({"CreateTime": "yesterday"}, "invalid CreateTime"),
        ({"AgentID": "-"}, "missing field AgentID"),
        ({"AgentID": "1000003"}, "another agent"),
        ({"MsgType": "-"}, "missing field MsgType"),
        ({"Content": "-"}, "missing field Content"),
        ({"MsgId": "-"}, "missing field MsgId"),
        ({"MsgId": "12a"}, "invalid MsgId"),
        ({"Content": "<b>x</b>"}, "must be text"),
        ({"Content": "字" * 4097}, "too long"),
        ({"MsgType": "event", "Content": "-"}, "missing field Event"),
    ],
)
def test_malformed_message_is_a_bad_message(fields, reason):
    with pytest.raises(BadMessage, match=reason):
        callback(agent_id=AGENT_ID).decode(*signed(message(**fields)))


def test_agent_is_only_checked_when_configured():
    msg = callback().decode(*signed(message(AgentID="1000003")))
    assert msg.agent_id == 1000003


def test_the_aes_key_must_have_43_characters():
    with pytest.raises(ValueError, match="43"):
        WeComCallback(TOKEN, AES_KEY[:-1], CORP_ID)


@pytest.mark.parametrize(
    "config", [("", "", ""), (TOKEN, "", CORP_ID), ("", AES_KEY, CORP_ID), (TOKEN, AES_KEY, "")]
)
def test_an_unconfigured_callback_refuses_everything(config):
    cb = WeComCallback(*config, clock=lambda: NOW)
    query, body = signed(message())
    for call in (lambda: cb.decode(query, body), lambda: cb.verify_url(SAMPLE_QUERY)):
        with pytest.raises(Rejected) as info:
            call()
        assert info.value.status == 404
