"""Jobs from the jobs queue. An unknown or broken job raises: SQS retries, then dead-letters."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from chalicelib.service.logs import log_event, ref
from chalicelib.store.conversations import Entry
from chalicelib.wechat.api import WeChatApiError


class Worker:
    def __init__(
        self,
        api: Any,
        media: Any,
        conversations: Any,
        outbox: Any,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api = api
        self.media = media
        self.conversations = conversations
        self.outbox = outbox
        self.clock = clock
        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "media.fetch": self.fetch_media,
            "outbox.release": lambda p: self.outbox.release(p["openid"]),
        }

    def run(self, job: dict[str, Any]) -> Any:
        handler = self._handlers.get(job.get("kind", ""))
        if handler is None:
            raise ValueError(f"unknown job kind {job.get('kind')!r}")
        return handler(job.get("payload") or {})

    def fetch_media(self, payload: dict[str, Any]) -> str:
        """Save a customer's picture to S3 now: WeChat keeps temporary media for 3 days only."""
        openid, media_id = payload["openid"], payload["media_id"]
        try:
            data, content_type = self.api.download_media(media_id)
        except WeChatApiError as exc:
            if exc.errcode in (40007,):  # expired or unknown media: nothing to retry
                log_event("media.unavailable", errcode=exc.errcode, user=ref(openid))
                return ""
            raise
        day = time.strftime("%Y/%m/%d", time.gmtime(self.clock()))
        key = f"inbound/{day}/{ref(openid)}/{media_id}.{self.media.extension(content_type)}"
        self.media.put(key, data, content_type)
        self.conversations.log(
            [
                Entry(
                    openid=openid,
                    direction="in",
                    channel="media",
                    msg_type="image",
                    media_key=key,
                    dedupe_key=payload.get("dedupe_key", ""),
                )
            ]
        )
        log_event("media.saved", bytes=len(data), user=ref(openid))
        return key
