"""Signed, AES-encrypted WeChat pushes (safe mode), each one a distinct delivery.

Built and signed by the simulator's client, the one place that knows how WeChat posts. Every
message gets a new MsgId and CreateTime and a sender from a rotating pool of openids, so the
inbox never answers from its dedupe record and sessions are read as in real use. For the kinds
in BOUND_KINDS the bench binds every openid of the stream's pool to a customer first.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

from devstack import defaults
from devstack.simulator.client import WeChatSimulatorClient, build_xml, new_msg_id

Push = tuple[dict[str, str], bytes]
ACCOUNT = "gh_claimbot"


def _header(openid: str, msg_type: str, created: int) -> list[tuple[str, Any]]:
    return [
        ("ToUserName", ACCOUNT),
        ("FromUserName", openid),
        ("CreateTime", created),
        ("MsgType", msg_type),
    ]


def text_xml(openid: str, content: str, created: int) -> str:
    return build_xml(
        _header(openid, "text", created) + [("Content", content), ("MsgId", new_msg_id())]
    )


def click_xml(openid: str, key: str, created: int) -> str:
    return build_xml(_header(openid, "event", created) + [("Event", "CLICK"), ("EventKey", key)])


# kind -> (xml builder(openid, created), text the decrypted reply must contain)
KINDS: dict[str, tuple[Callable[[str, int], str], str]] = {
    # A question the knowledge base answers (matching included in the measurement).
    "text": (lambda openid, created: text_xml(openid, "交强险多少钱", created), "950"),
    "menu click": (lambda openid, created: click_xml(openid, "HELP", created), "使用帮助"),
    # "3" (保单查询) by a bound customer: a number that routes, and leaves no state behind.
    "numbered choice": (lambda openid, created: text_xml(openid, "3", created), "您名下的保单"),
    "lookup": (lambda openid, created: text_xml(openid, "保单查询", created), "您名下的保单"),
}

# Kinds whose senders must be bound customers (bench/customers.py binds the stream's pool).
BOUND_KINDS = frozenset({"lookup", "numbered choice"})


class Pusher:
    """Signs pushes and reads replies exactly as WeChat does in safe mode."""

    def __init__(self) -> None:
        self.client = WeChatSimulatorClient(
            "http://127.0.0.1:9/unused",  # never posted to: the bench calls the service directly
            defaults.WECHAT_TOKEN,
            defaults.WECHAT_APP_ID,
            defaults.WECHAT_ENCODING_AES_KEY,
            "safe",
            account=ACCOUNT,
        )

    def push(self, openid: str, xml: str) -> Push:
        return self.client.sign_request(openid, xml)

    def reply_text(self, body: str, query: dict[str, str]) -> str:
        """The decrypted passive reply, its signature and addressing checked by the client."""
        reply = self.client.parse_reply(query["openid"], body.encode("utf-8"))
        return (reply.content or "") if reply else ""


class MessageStream:
    """Endless distinct deliveries of one kind; openids rotate over a pool per stream."""

    def __init__(self, pusher: Pusher, kind: str, pool: int = 50) -> None:
        self.pusher = pusher
        self.build = KINDS[kind][0]
        tag = secrets.token_hex(4)
        self.pool = [f"o_bench_{tag}_{i:03d}" for i in range(pool)]
        self.openids = itertools.cycle(self.pool)
        self.counter = itertools.count()
        self.now = int(time.time())

    def __iter__(self) -> Iterator[Push]:
        return self

    def __next__(self) -> Push:
        openid = next(self.openids)
        created = self.now - next(self.counter)  # distinct CreateTime: events have no MsgId
        return self.pusher.push(openid, self.build(openid, created))

    def take(self, count: int) -> list[Push]:
        return [next(self) for _ in range(count)]
