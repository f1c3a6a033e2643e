"""Render the project's Reply values as WeChat passive-reply XML or API payloads."""

from __future__ import annotations

import time
from typing import Any

from wechatpy.replies import ArticlesReply, TransferCustomerServiceReply
from wechatpy.replies import ImageReply as WxImageReply
from wechatpy.replies import TextReply as WxTextReply

from chalicelib.domain.messages import (
    ImageReply,
    InboundMessage,
    NewsReply,
    Reply,
    TextReply,
    TransferReply,
)


def render_passive(reply: Reply, msg: InboundMessage, now: float | None = None) -> str:
    """Passive reply XML: from the account to the customer who wrote."""
    common: dict[str, Any] = {
        "source": msg.account,
        "target": msg.openid,
        "time": int(now if now is not None else time.time()),
    }
    if isinstance(reply, TextReply):
        return WxTextReply(content=_cdata_safe(reply.content), **common).render()
    if isinstance(reply, ImageReply):
        return WxImageReply(media_id=reply.media_id, **common).render()
    if isinstance(reply, NewsReply):
        articles = ArticlesReply(**common)
        articles.add_article(_article(reply))
        return articles.render()
    if isinstance(reply, TransferReply):
        return TransferCustomerServiceReply(**common).render()
    raise TypeError(f"cannot render {type(reply).__name__}")


def _cdata_safe(text: str) -> str:
    """wechatpy wraps text in CDATA without escaping; split any "]]>" the text contains."""
    return text.replace("]]>", "]]]]><![CDATA[>")


def _article(reply: NewsReply) -> dict[str, str]:
    return {
        "title": _cdata_safe(reply.title),
        "description": _cdata_safe(reply.description),
        "url": _cdata_safe(reply.url),
        "image": _cdata_safe(reply.image_url),
    }


def reply_to_json(reply: Reply) -> dict[str, Any]:
    """A Reply as plain JSON, for queue messages and conversation records."""
    if isinstance(reply, TextReply):
        return {"type": "text", "content": reply.content}
    if isinstance(reply, ImageReply):
        return {"type": "image", "media_id": reply.media_id}
    if isinstance(reply, NewsReply):
        return {
            "type": "news",
            "title": reply.title,
            "description": reply.description,
            "url": reply.url,
            "image": reply.image_url,
        }
    if isinstance(reply, TransferReply):
        return {"type": "transfer_customer_service"}
    raise TypeError(f"cannot serialise {type(reply).__name__}")


def reply_from_json(data: dict[str, Any]) -> Reply:
    kind = data.get("type")
    if kind == "text":
        return TextReply(content=data["content"])
    if kind == "image":
        return ImageReply(media_id=data["media_id"])
    if kind == "news":
        return NewsReply(
            title=data["title"],
            description=data.get("description", ""),
            url=data.get("url", ""),
            image_url=data.get("image", ""),
        )
    raise ValueError(f"unknown reply type {kind!r}")


def summarize(reply: Reply) -> str:
    """Short content for the conversation record."""
    if isinstance(reply, TextReply):
        return reply.content
    if isinstance(reply, NewsReply):
        return f"{reply.title} {reply.url}".strip()
    if isinstance(reply, TransferReply):
        return "transfer_customer_service"
    return f"image:{reply.media_id}"
