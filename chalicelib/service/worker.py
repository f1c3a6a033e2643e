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
        resumer: Any = None,
        dialog_config: Any = None,
        ocr_engine: Callable[[], Any] | None = None,
        survey: Callable[[], Any] | None = None,
        handoffs: Callable[[], Any] | None = None,
    ) -> None:
        self.api = api
        self.media = media
        self.conversations = conversations
        self.outbox = outbox
        self.clock = clock
        self.resumer = resumer
        self.dialog_config = dialog_config
        self.ocr_engine = ocr_engine
        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "media.fetch": self.fetch_media,
            "outbox.release": lambda p: self.outbox.release(p["openid"]),
            "ocr.licence": self.read_licence,
            "survey.photo": lambda p: survey().check_photo(p),
            "handoff.start": lambda p: handoffs().start(p),
            "handoff.relay": lambda p: handoffs().relay_to_staff(p),
            "handoff.end": lambda p: handoffs().end_by_customer(p),
            "ticket.sensitive": lambda p: handoffs().sensitive(p),
        }

    def run(self, job: dict[str, Any]) -> Any:
        handler = self._handlers.get(job.get("kind", ""))
        if handler is None:
            raise ValueError(f"unknown job kind {job.get('kind')!r}")
        return handler(job.get("payload") or {})

    def fetch_media(self, payload: dict[str, Any]) -> str:
        """Save a customer's picture to S3 now: WeChat keeps temporary media for 3 days only."""
        saved = self._download_and_keep(payload)
        return saved[0] if saved else ""

    def read_licence(self, payload: dict[str, Any]) -> bool:
        """OCR a vehicle licence photo and continue the quote conversation with the result."""
        from chalicelib.dialog import quote

        saved = self._download_and_keep(payload)
        outcome_for = self._licence_outcome(saved[1] if saved else None)
        photo = payload.get("dedupe_key")

        def still_waiting(state: Any) -> bool:
            return (
                state.flow == quote.FLOW
                and state.step == "reading"
                and (state.data.get("photo") == photo)
            )

        return self.resumer.resume(
            payload["openid"], still_waiting, outcome_for, origin=photo or "ocr"
        )

    def _licence_outcome(self, image: bytes | None) -> Callable[[Any], Any]:
        from chalicelib.dialog import quote

        if image is None:
            return quote.on_photo_unusable
        from chalicelib.ocr.images import NotAnImage
        from chalicelib.ocr.licence import read_licence

        try:
            fields = read_licence(image, self.ocr_engine())
        except NotAnImage:
            return quote.on_photo_unusable
        log_event("licence.read", warnings=list(fields.warnings))
        return lambda state: quote.on_licence_read(fields, state, self.dialog_config)

    def _download_and_keep(self, payload: dict[str, Any]) -> tuple[str, bytes] | None:
        openid, media_id = payload["openid"], payload["media_id"]
        try:
            data, content_type = self.api.download_media(media_id)
        except WeChatApiError as exc:
            if exc.errcode in (40007,):  # expired or unknown media: nothing to retry
                log_event("media.unavailable", errcode=exc.errcode, user=ref(openid))
                return None
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
        return key, data
