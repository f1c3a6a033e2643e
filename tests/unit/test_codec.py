"""WeChatCodec: signatures, clock skew, limits and the three message modes."""

from __future__ import annotations

import base64
import hashlib

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto
from wechatpy.exceptions import InvalidSignatureException

from chalicelib.wechat.codec import Decoded, Rejected, WeChatCodec
from chalicelib.wechat.inbound import parse_inbound

# Tencent's official sample for Official Account safe mode.
TOKEN = "spamtest"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx2c2769f8efd9abc2"
SAMPLE_TIMESTAMP = "1409735669"
SAMPLE_NONCE = "1320562132"
SAMPLE_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8"
    "PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332ji"
    "sa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ"
    "6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uB"
    "l9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
SAMPLE_BODY = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
    f"<Encrypt><![CDATA[{SAMPLE_ENCRYPT}]]></Encrypt></xml>"
).encode()

# WeCom's official URL-verification sample (same AES scheme).
WECOM_TOKEN = "QDG6eK"
WECOM_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
WECOM_RECEIVER_ID = "wx5823bf96d3bd56c7"
WECOM_MSG_SIGNATURE = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
WECOM_TIMESTAMP = "1409659589"
WECOM_NONCE = "263014780"
WECOM_ECHOSTR = (
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
)

NOW = 1_700_000_000
NONCE = "987654321"

PLAIN_XML = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
    "<FromUserName><![CDATA[oUser_1]]></FromUserName>"
    f"<CreateTime>{NOW}</CreateTime>"
    "<MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[报价]]></Content>"
    "<MsgId>1234567890123456</MsgId></xml>"
)
REPLY_XML = (
    "<xml><ToUserName><![CDATA[oUser_1]]></ToUserName>"
    "<FromUserName><![CDATA[gh_10f6c3c3ac5a]]></FromUserName>"
    f"<CreateTime>{NOW}</CreateTime>"
    "<MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[您好]]></Content></xml>"
)


def sha1_sorted(*parts: str) -> str:
    """The WeChat signature, computed independently of the code under test."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def plain_query(token: str = TOKEN, timestamp: str = str(NOW), nonce: str = NONCE) -> dict:
    return {
        "signature": sha1_sorted(token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "openid": "oUser_1",
    }


def codec(**kwargs) -> WeChatCodec:
    """A codec with the account's key that still accepts plaintext (as while migrating), so
    that one codec reads every mode; the default refusal is tested on its own below."""
    options = {"token": TOKEN, "app_id": APP_ID, "encoding_aes_key": AES_KEY,
               "accept_plaintext": True}  # fmt: skip
    options.update(kwargs)
    options.setdefault("clock", lambda: NOW)
    return WeChatCodec(**options)


def encrypted_push(
    plain: str = PLAIN_XML,
    app_id: str = APP_ID,
    timestamp: str = str(NOW),
    nonce: str = NONCE,
    compatible: bool = False,
) -> tuple[dict, bytes]:
    """A safe-mode (or compatible-mode) push as WeChat sends it: query and body."""
    envelope = WeChatCrypto(TOKEN, AES_KEY, app_id).encrypt_message(plain, nonce, timestamp)
    fields = xmltodict.parse(envelope)["xml"]
    encrypt = fields["Encrypt"]
    if compatible:
        inner = plain.removeprefix("<xml>").removesuffix("</xml>")
        body = f"<xml>{inner}<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    else:
        body = (
            "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        )
    query = {
        **plain_query(timestamp=timestamp, nonce=nonce),
        "encrypt_type": "aes",
        "msg_signature": fields["MsgSignature"],
    }
    assert query["msg_signature"] == sha1_sorted(TOKEN, timestamp, nonce, encrypt)
    return query, body.encode()


def envelope_with(encrypt: str, timestamp: str = str(NOW), nonce: str = NONCE) -> tuple:
    """An envelope whose msg_signature is valid for whatever `encrypt` holds."""
    body = (
        "<xml><ToUserName><![CDATA[gh_x]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    )
    query = {
        **plain_query(timestamp=timestamp, nonce=nonce),
        "encrypt_type": "aes",
        "msg_signature": sha1_sorted(TOKEN, timestamp, nonce, encrypt),
    }
    return query, body.encode()


def decrypt_reply(envelope: str, app_id: str = APP_ID) -> tuple[str, dict]:
    fields = xmltodict.parse(envelope)["xml"]
    plain = WeChatCrypto(TOKEN, AES_KEY, app_id).decrypt_message(
        envelope, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]
    )
    return plain, fields


# --- Tencent's official sample ------------------------------------------------------------


def sample_query() -> dict:
    return {
        "signature": sha1_sorted(TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE),
        "timestamp": SAMPLE_TIMESTAMP,
        "nonce": SAMPLE_NONCE,
        "openid": "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
        "encrypt_type": "aes",
        "msg_signature": SAMPLE_MSG_SIGNATURE,
    }


def test_official_sample_msg_signature_is_sha1_of_sorted_parts():
    assert sha1_sorted(TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPT) == (
        SAMPLE_MSG_SIGNATURE
    )


def test_official_sample_decrypts_and_verifies():
    sample_codec = codec(clock=lambda: 1409735669)
    decoded = sample_codec.decode(sample_query(), SAMPLE_BODY)

    assert decoded.encrypted is True
    assert decoded.nonce == SAMPLE_NONCE
    assert decoded.timestamp == SAMPLE_TIMESTAMP
    msg = parse_inbound(decoded.xml)
    assert msg.openid == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert msg.account == "gh_10f6c3c3ac5a"
    assert msg.raw_type == "text"
    assert msg.text == "abcdteT"
    assert msg.msg_id == "6054768590064713728"


def test_official_sample_refused_by_real_clock_with_skew_check():
    real_clock = WeChatCodec(TOKEN, APP_ID, AES_KEY, max_clock_skew_s=300)
    with pytest.raises(Rejected) as info:
        real_clock.decode(sample_query(), SAMPLE_BODY)
    assert info.value.status == 403
    assert "clock skew" in info.value.reason


def test_official_sample_accepted_by_real_clock_when_skew_check_disabled():
    no_check = WeChatCodec(TOKEN, APP_ID, AES_KEY, max_clock_skew_s=0)
    decoded = no_check.decode(sample_query(), SAMPLE_BODY)
    assert "<Content><![CDATA[abcdteT]]></Content>" in decoded.xml


def test_official_sample_with_tampered_ciphertext_is_refused():
    tampered = SAMPLE_BODY.replace(b"hyzAe4", b"hyzAe5")
    with pytest.raises(Rejected) as info:
        codec(clock=lambda: 1409735669).decode(sample_query(), tampered)
    assert (info.value.status, info.value.reason) == (403, "bad msg_signature")


# --- URL verification ---------------------------------------------------------------------


def test_wecom_url_verification_vector_decrypts():
    crypto = WeComCrypto(WECOM_TOKEN, WECOM_AES_KEY, WECOM_RECEIVER_ID)
    echo = crypto.check_signature(WECOM_MSG_SIGNATURE, WECOM_TIMESTAMP, WECOM_NONCE, WECOM_ECHOSTR)
    assert echo == "1616140317555161061"


def test_wecom_url_verification_vector_with_wrong_signature_fails():
    crypto = WeComCrypto(WECOM_TOKEN, WECOM_AES_KEY, WECOM_RECEIVER_ID)
    with pytest.raises(InvalidSignatureException):
        crypto.check_signature("0" * 40, WECOM_TIMESTAMP, WECOM_NONCE, WECOM_ECHOSTR)


def test_verify_url_returns_echostr_when_signature_matches():
    query = {**plain_query(), "echostr": "1616140317555161061"}
    assert codec().verify_url(query) == "1616140317555161061"


def test_verify_url_works_without_aes_key():
    query = {**plain_query(), "echostr": "abc"}
    assert codec(encoding_aes_key="").verify_url(query) == "abc"


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"signature": "签名" * 20}, 403),  # non-ASCII must be refused, not crash
        ({"signature": "0" * 40}, 403),
        ({"signature": sha1_sorted("other-token", str(NOW), NONCE)}, 403),
        ({"signature": ""}, 403),
        ({"timestamp": ""}, 403),
        ({"nonce": ""}, 403),
        ({"echostr": None}, 400),
    ],
    ids=["non-ascii", "bad-signature", "other-token", "no-signature", "no-timestamp", "no-nonce",
         "no-echo"],  # fmt: skip
)
def test_verify_url_refusals(change, status):
    query = {**plain_query(), "echostr": "abc", **change}
    query = {k: v for k, v in query.items() if v is not None}
    with pytest.raises(Rejected) as info:
        codec().verify_url(query)
    assert info.value.status == status


# --- modes ---------------------------------------------------------------------------------


def test_plaintext_mode_decode_returns_body_and_reply_is_unchanged():
    c = codec()
    query = plain_query()
    decoded = c.decode(query, PLAIN_XML.encode())
    assert decoded == Decoded(xml=PLAIN_XML, encrypted=False, nonce=NONCE, timestamp=str(NOW),
                              signature=query["signature"])  # fmt: skip
    assert decoded.signed_only  # the body is not covered: the webhook refuses a replay
    assert c.encode_reply(REPLY_XML, decoded) == REPLY_XML


def test_with_an_aes_key_plaintext_is_refused_unless_migrating():
    """A customer's safe-mode URL re-posted as plaintext with their openid was a way in."""
    safe_only = WeChatCodec(TOKEN, APP_ID, AES_KEY, clock=lambda: NOW)
    for query in (plain_query(), {**plain_query(), "encrypt_type": "raw"}):
        with pytest.raises(Rejected) as info:
            safe_only.decode(query, PLAIN_XML.encode())
        assert (info.value.status, info.value.reason) == (
            403, "plaintext refused: safe mode is configured")  # fmt: skip
    query, body = encrypted_push()
    assert safe_only.decode(query, body).xml == PLAIN_XML  # safe mode itself is unchanged
    assert not safe_only.decode(query, body).signed_only
    migrating = WeChatCodec(TOKEN, APP_ID, AES_KEY, clock=lambda: NOW, accept_plaintext=True)
    assert migrating.decode(plain_query(), PLAIN_XML.encode()).xml == PLAIN_XML


def test_plaintext_mode_without_aes_key():
    c = codec(encoding_aes_key="")
    decoded = c.decode({**plain_query(), "encrypt_type": "raw"}, PLAIN_XML.encode())
    assert decoded.xml == PLAIN_XML
    assert decoded.encrypted is False
    assert c.encode_reply(REPLY_XML, decoded) == REPLY_XML


@pytest.mark.parametrize("compatible", [False, True], ids=["safe", "compatible"])
@pytest.mark.parametrize("encrypt_type", ["aes", "AES"])
def test_encrypted_round_trip(compatible, encrypt_type):
    c = codec()
    query, body = encrypted_push(compatible=compatible)
    query["encrypt_type"] = encrypt_type

    decoded = c.decode(query, body)
    assert decoded.encrypted is True
    assert decoded.xml == PLAIN_XML
    assert parse_inbound(decoded.xml).text == "报价"

    envelope = c.encode_reply(REPLY_XML, decoded)
    assert "您好" not in envelope
    plain, fields = decrypt_reply(envelope)
    assert plain == REPLY_XML
    assert fields["Nonce"] == NONCE
    assert fields["TimeStamp"] == str(NOW)


def test_compatible_envelope_is_decrypted_not_read_in_clear():
    """In compatible mode the clear fields are ignored: the ciphertext is what counts."""
    query, body = encrypted_push(compatible=True)
    forged = body.replace("<![CDATA[报价]]>".encode(), "<![CDATA[人工]]>".encode())
    assert forged != body
    decoded = codec().decode(query, forged)
    assert parse_inbound(decoded.xml).text == "报价"


def test_encrypted_reply_timestamp_comes_from_clock():
    c = codec(clock=lambda: NOW + 2.7)
    query, body = encrypted_push()
    decoded = c.decode(query, body)
    _, fields = decrypt_reply(c.encode_reply(REPLY_XML, decoded))
    assert fields["TimeStamp"] == str(NOW + 2)


# --- refusals ------------------------------------------------------------------------------


def _without(query: dict, *names: str) -> dict:
    return {k: v for k, v in query.items() if k not in names}


def _case_bad_signature():
    query, body = encrypted_push()
    return codec(), {**query, "signature": "f" * 40}, body


def _case_bad_msg_signature():
    query, body = encrypted_push()
    return codec(), {**query, "msg_signature": "f" * 40}, body


def _case_missing(name):
    def build():
        query, body = encrypted_push()
        return codec(), _without(query, name), body

    return build


def _case_timestamp(timestamp):
    def build():
        return codec(), plain_query(timestamp=timestamp), PLAIN_XML.encode()

    return build


def _case_skew(offset):
    def build():
        return codec(), plain_query(timestamp=str(NOW + offset)), PLAIN_XML.encode()

    return build


def _case_skew_setting(offset, skew):
    def build():
        c = codec(max_clock_skew_s=skew)
        return c, plain_query(timestamp=str(NOW + offset)), PLAIN_XML.encode()

    return build


def _case_body_too_large():
    c = codec(max_body_bytes=100)
    return c, plain_query(), b"<xml>" + b"a" * 100 + b"</xml>"


def _case_body_too_large_unsigned():
    c = codec(max_body_bytes=10)
    return c, {}, b"x" * 11


def _case_not_utf8():
    return codec(), plain_query(), "<xml><Content>报价</Content></xml>".encode("gbk")


def _case_not_utf8_binary():
    return codec(), plain_query(), b"\xff\xfe\x00<\x00x\x00m\x00l"


def _case_no_aes_key():
    query, body = encrypted_push()
    return codec(encoding_aes_key=""), query, body


def _case_garbage(encrypt):
    def build():
        query, body = envelope_with(encrypt)
        return codec(), query, body

    return build


def _case_other_app():
    query, body = encrypted_push(app_id="wx0000000000000000")
    return codec(), query, body


def _case_no_encrypt_element():
    query, _ = encrypted_push()
    return codec(), query, PLAIN_XML.encode()


def _case_envelope_with_dtd():
    query, body = encrypted_push()
    return codec(), query, b'<!DOCTYPE xml [<!ENTITY a "b">]>' + body


def _case_envelope_not_xml():
    query, _ = encrypted_push()
    return codec(), query, b"not xml at all"


REFUSALS = [
    ("bad-signature", _case_bad_signature, 403, "bad signature"),
    ("bad-msg-signature", _case_bad_msg_signature, 403, "bad msg_signature"),
    ("missing-signature", _case_missing("signature"), 403, "missing signature"),
    ("missing-timestamp", _case_missing("timestamp"), 403, "missing signature"),
    ("missing-nonce", _case_missing("nonce"), 403, "missing signature"),
    ("missing-msg-signature", _case_missing("msg_signature"), 403, "missing msg_signature"),
    ("timestamp-letters", _case_timestamp("abc"), 403, "bad timestamp"),
    ("timestamp-negative", _case_timestamp("-1"), 403, "bad timestamp"),
    ("timestamp-fraction", _case_timestamp(f"{NOW}.5"), 403, "bad timestamp"),
    ("timestamp-spaces", _case_timestamp(f" {NOW}"), 403, "bad timestamp"),
    ("skew-past", _case_skew(-301), 403, "clock skew"),
    ("skew-future", _case_skew(301), 403, "clock skew"),
    ("skew-far-past", _case_skew(-NOW), 403, "clock skew"),
    ("skew-setting-past", _case_skew_setting(-11, 10), 403, "clock skew"),
    ("skew-setting-future", _case_skew_setting(11, 10), 403, "clock skew"),
    ("body-too-large", _case_body_too_large, 413, "too large"),
    ("body-too-large-before-signature", _case_body_too_large_unsigned, 413, "too large"),
    ("body-gbk", _case_not_utf8, 400, "utf-8"),
    ("body-binary", _case_not_utf8_binary, 400, "utf-8"),
    ("no-aes-key", _case_no_aes_key, 400, "EncodingAESKey"),
    ("garbage-not-base64", _case_garbage("!!!not base64!!!"), 400, "cannot decrypt"),
    (
        "garbage-short",
        _case_garbage(base64.b64encode(b"short").decode()),
        400,
        "cannot decrypt",
    ),
    (
        "garbage-not-block-multiple",
        _case_garbage(base64.b64encode(b"x" * 33).decode()),
        400,
        "cannot decrypt",
    ),
    ("other-app-id", _case_other_app, 403, "another app id"),
    ("no-encrypt-element", _case_no_encrypt_element, 400, "cannot decrypt"),
    ("envelope-with-dtd", _case_envelope_with_dtd, 400, "dtd"),
    ("envelope-not-xml", _case_envelope_not_xml, 400, "malformed"),
]


@pytest.mark.parametrize(
    ("build", "status", "reason"),
    [pytest.param(b, s, r, id=i) for i, b, s, r in REFUSALS],
)
def test_decode_refusals(build, status, reason):
    c, query, body = build()
    with pytest.raises(Rejected) as info:
        c.decode(query, body)
    assert info.value.status == status
    assert reason in info.value.reason
    assert str(info.value) == info.value.reason


@pytest.mark.parametrize("offset", [-300, 0, 300])
def test_clock_skew_boundary_is_accepted(offset):
    decoded = codec().decode(plain_query(timestamp=str(NOW + offset)), PLAIN_XML.encode())
    assert decoded.timestamp == str(NOW + offset)


def test_skew_zero_disables_clock_check():
    c = codec(max_clock_skew_s=0)
    decoded = c.decode(plain_query(timestamp="1"), PLAIN_XML.encode())
    assert decoded.xml == PLAIN_XML


def test_body_exactly_max_bytes_is_accepted():
    body = PLAIN_XML.encode()
    decoded = codec(max_body_bytes=len(body)).decode(plain_query(), body)
    assert decoded.xml == PLAIN_XML


def test_non_ascii_digit_timestamp_is_rejected_not_crash():
    with pytest.raises(Rejected) as info:
        codec().decode(plain_query(timestamp="²"), PLAIN_XML.encode())
    assert info.value.status == 403
