"""Build signed (and encrypted) WeChat pushes for in-process webhook tests."""

from __future__ import annotations

import hashlib
import random
import time

from wechatpy.crypto import WeChatCrypto

from devstack import defaults


def text_xml(openid: str, content: str, msg_id: int | None = None, created: int | None = None):
    msg_id = msg_id or random.randrange(10**18, 10**19)
    created = created or int(time.time())
    return (
        f"<xml><ToUserName><![CDATA[gh_claimbot]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{created}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(openid: str, event: str, key: str = "", created: int | None = None) -> str:
    created = created or int(time.time())
    return (
        f"<xml><ToUserName><![CDATA[gh_claimbot]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{created}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
        f"<EventKey><![CDATA[{key}]]></EventKey></xml>"
    )


def image_xml(openid: str, media_id: str, pic_url: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_claimbot]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{int(time.time())}"
        f"</CreateTime><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[{pic_url}]]></PicUrl>"
        f"<MediaId><![CDATA[{media_id}]]></MediaId>"
        f"<MsgId>{random.randrange(10**18, 10**19)}</MsgId></xml>"
    )


def _sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signed(xml: str, encrypted: bool = True, token: str = defaults.WECHAT_TOKEN):
    """(query, body) exactly as WeChat posts them."""
    timestamp, nonce = str(int(time.time())), str(random.randrange(10**9, 10**10))
    query = {"signature": _sha1(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    if not encrypted:
        return query, xml.encode()
    crypto = WeChatCrypto(token, defaults.WECHAT_ENCODING_AES_KEY, defaults.WECHAT_APP_ID)
    envelope = crypto.encrypt_message(xml, nonce, timestamp)
    encrypt = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    query.update(encrypt_type="aes", msg_signature=_sha1(token, timestamp, nonce, encrypt))
    body = (
        "<xml><ToUserName><![CDATA[gh_claimbot]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    )
    return query, body.encode()


def decrypt_reply(body: str, query: dict) -> str:
    crypto = WeChatCrypto(
        defaults.WECHAT_TOKEN, defaults.WECHAT_ENCODING_AES_KEY, defaults.WECHAT_APP_ID
    )
    signature = body.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    timestamp = body.split("<TimeStamp>")[1].split("</TimeStamp>")[0]
    return crypto.decrypt_message(body, signature, timestamp, query["nonce"])
