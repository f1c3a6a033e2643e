"""Signed, AES-encrypted WeChat pushes (safe mode), each one a distinct delivery.

Every message gets a new MsgId and CreateTime and a recipient from a rotating pool of openids,
so the inbox never answers from its dedupe cache and sessions are read and written as in use.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import secrets
import time
from collections.abc import Callable, Iterator

from wechatpy.crypto import WeChatCrypto

from devstack import defaults

Push = tuple[dict[str, str], bytes]
ACCOUNT = "gh_claimbot"


def text_xml(openid: str, content: str, created: int, msg_id: int) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{created}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def click_xml(openid: str, key: str, created: int) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{created}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event>"
        f"<EventKey><![CDATA[{key}]]></EventKey></xml>"
    )


# kind -> (xml builder, what the decrypted reply must contain)
KINDS: dict[str, tuple[Callable[[str, int, int], str], str]] = {
    "text": (lambda o, c, m: text_xml(o, "随便问问", c, m), "没有理解"),
    "menu click": (lambda o, c, m: click_xml(o, "HELP", c), "使用帮助"),
    "numbered choice": (lambda o, c, m: text_xml(o, "1", c, m), "即将上线"),
}


def _sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


class Pusher:
    """Builds pushes exactly as WeChat posts them in safe mode."""

    def __init__(
        self,
        token: str = defaults.WECHAT_TOKEN,
        aes_key: str = defaults.WECHAT_ENCODING_AES_KEY,
        app_id: str = defaults.WECHAT_APP_ID,
    ) -> None:
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, app_id)

    def push(self, xml: str) -> Push:
        timestamp, nonce = str(int(time.time())), str(random.randrange(10**9, 10**10))
        envelope = self.crypto.encrypt_message(xml, nonce, timestamp)
        encrypt = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
        query = {
            "signature": _sha1(self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "encrypt_type": "aes",
            "msg_signature": _sha1(self.token, timestamp, nonce, encrypt),
        }
        body = (
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        )
        return query, body.encode()

    def reply_text(self, body: str, query: dict[str, str]) -> str:
        """Decrypt a passive reply (to check that the benchmark got the answer it expects)."""
        signature = body.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
        timestamp = body.split("<TimeStamp>")[1].split("</TimeStamp>")[0]
        return self.crypto.decrypt_message(body, signature, timestamp, query["nonce"])


class MessageStream:
    """Endless distinct deliveries of one kind; openids rotate over a pool per run."""

    def __init__(self, pusher: Pusher, kind: str, pool: int = 50) -> None:
        self.pusher = pusher
        self.build = KINDS[kind][0]
        tag = secrets.token_hex(4)
        self.openids = itertools.cycle([f"o_bench_{tag}_{i:03d}" for i in range(pool)])
        self.counter = itertools.count()
        self.first_id = random.randrange(10**18, 9 * 10**18)
        self.now = int(time.time())

    def __iter__(self) -> Iterator[Push]:
        return self

    def __next__(self) -> Push:
        n = next(self.counter)
        xml = self.build(next(self.openids), self.now - n, self.first_id + n)
        return self.pusher.push(xml)

    def take(self, count: int) -> list[Push]:
        return [next(self) for _ in range(count)]
