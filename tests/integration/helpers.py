"""WeChat pushes for in-process webhook tests, built and signed by the simulator's client
(the one place that knows how WeChat posts)."""

from __future__ import annotations

import random
import re
import time

from wechatpy.crypto import WeChatCrypto

from devstack import defaults
from devstack.simulator.client import WeChatSimulatorClient, build_xml, new_msg_id

ACCOUNT = "gh_claimbot"


def _client(mode: str) -> WeChatSimulatorClient:
    aes_key = defaults.WECHAT_ENCODING_AES_KEY if mode != "plain" else None
    return WeChatSimulatorClient(
        "http://127.0.0.1:9/unused", defaults.WECHAT_TOKEN, defaults.WECHAT_APP_ID, aes_key, mode
    )


def _header(openid: str, msg_type: str, created: int | None) -> list:
    created = created or int(time.time())
    return [
        ("ToUserName", ACCOUNT),
        ("FromUserName", openid),
        ("CreateTime", created),
        ("MsgType", msg_type),
    ]


def text_xml(openid: str, content: str, msg_id: int | None = None, created: int | None = None):
    fields = [("Content", content), ("MsgId", msg_id or new_msg_id())]
    return build_xml(_header(openid, "text", created) + fields)


def event_xml(openid: str, event: str, key: str = "", created: int | None = None) -> str:
    return build_xml(_header(openid, "event", created) + [("Event", event), ("EventKey", key)])


def location_xml(openid: str, latitude: float, longitude: float, label: str = "") -> str:
    """A location message (the customer picked 位置 and sent where they are)."""
    fields = [("Location_X", latitude), ("Location_Y", longitude), ("Scale", 15),
              ("Label", label), ("MsgId", new_msg_id())]  # fmt: skip
    return build_xml(_header(openid, "location", None) + fields)


def image_xml(openid: str, media_id: str, pic_url: str) -> str:
    fields = [("PicUrl", pic_url), ("MediaId", media_id), ("MsgId", new_msg_id())]
    return build_xml(_header(openid, "image", None) + fields)


def signed(xml: str, encrypted: bool = True) -> tuple[dict[str, str], bytes]:
    """(query, body) exactly as WeChat posts them; a new nonce each call, like each retry."""
    found = re.search(r"<FromUserName><!\[CDATA\[(.*?)\]\]>", xml)
    openid = found.group(1) if found else f"o_{random.randrange(10**6)}"
    return _client("safe" if encrypted else "plain").sign_request(openid, xml)


def decrypt_reply(body: str, query: dict) -> str:
    crypto = WeChatCrypto(
        defaults.WECHAT_TOKEN, defaults.WECHAT_ENCODING_AES_KEY, defaults.WECHAT_APP_ID
    )
    signature = body.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    timestamp = body.split("<TimeStamp>")[1].split("</TimeStamp>")[0]
    return crypto.decrypt_message(body, signature, timestamp, query["nonce"])
