"""Jobs from the jobs queue. An unknown or broken job raises: SQS retries, then dead-letters."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.dialog.outcome import JobKind
from chalicelib.domain.messages import TextReply
from chalicelib.domain.retention import CHAT, QUOTE
from chalicelib.jobs.messages import custom, job_from_body
from chalicelib.service.logs import log_event, ref
from chalicelib.store.conversations import Entry
from chalicelib.wechat.api import WeChatApiError

if TYPE_CHECKING:
    from chalicelib.dialog.config import DialogConfig
    from chalicelib.dialog.outcome import Outcome, SessionState
    from chalicelib.domain.licence import LicenceFields
    from chalicelib.media.store import MediaStore
    from chalicelib.ocr.engine import OcrEngine
    from chalicelib.service.handoff import HandoffDesk
    from chalicelib.service.outbox import OutboxSender
    from chalicelib.service.resume import Resumer
    from chalicelib.service.satisfaction import SatisfactionDesk
    from chalicelib.service.survey import SurveyDesk
    from chalicelib.service.tickets import TicketDesk
    from chalicelib.service.webhook import WebhookService
    from chalicelib.store.conversations import Conversations
    from chalicelib.wechat.api import WeChatApi


TELL_WINDOW_S = 120  # pictures sent within this are one album: the customer is told once


class Worker:
    def __init__(
        self,
        api: WeChatApi,
        media: MediaStore,
        conversations: Conversations,
        outbox: OutboxSender,
        *,
        resumer: Resumer,
        dialog_config: DialogConfig,
        ocr_engine: Callable[[], OcrEngine],
        survey: Callable[[], SurveyDesk],
        handoffs: Callable[[], HandoffDesk],
        webhook: Callable[[], WebhookService] | None = None,
        satisfaction: Callable[[], SatisfactionDesk] | None = None,
        tickets: Callable[[], TicketDesk] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api = api
        self.media = media
        self.conversations = conversations
        self.outbox = outbox
        self.clock = clock
        self.resumer = resumer
        self.dialog_config = dialog_config
        self.ocr_engine = ocr_engine
        self._handlers: dict[JobKind, Callable[[dict[str, Any]], Any]] = {
            JobKind.MEDIA_FETCH: self.fetch_media,
            JobKind.OUTBOX_RELEASE: lambda p: self.outbox.release(p["openid"]),
            JobKind.OCR_LICENCE: self.read_licence,
            JobKind.SURVEY_PHOTO: lambda p: survey().check_photo(p),
            JobKind.HANDOFF_START: lambda p: handoffs().start(p),
            JobKind.HANDOFF_RELAY: lambda p: handoffs().relay_to_staff(p),
            JobKind.HANDOFF_END: lambda p: handoffs().end_by_customer(p),
            JobKind.HANDOFF_QUEUE: lambda p: handoffs().tell_queue(p),
            JobKind.TICKET_SENSITIVE: lambda p: handoffs().sensitive(p),
            JobKind.TICKET_DATA_REQUEST: lambda p: handoffs().data_request(p),
        }
        if tickets is not None:
            self._handlers[JobKind.TICKET_PHONE] = lambda p: tickets().keep_phone(p)
        if webhook is not None:
            self._handlers[JobKind.WEBHOOK_REDO] = lambda p: webhook().redo(p)
        if satisfaction is not None:
            self._handlers[JobKind.SATISFACTION_ASK] = lambda p: satisfaction().ask(p)

    def run(self, body: dict[str, Any]) -> Any:
        """One jobs-queue message; an unknown kind raises ValueError (it dead-letters)."""
        job = job_from_body(body)
        return self._handlers[job.kind](job.payload)

    def fetch_media(self, payload: dict[str, Any]) -> str:
        """Save a customer's picture to S3 now: WeChat keeps temporary media for 3 days only.
        With `tell`, say what pictures are for here: once for an album sent at once (the
        message id is the customer's and the 2-minute window's, and the outbox sends an id
        once)."""
        saved = self._download_and_keep(payload, CHAT)
        if payload.get("tell"):
            window = int(payload.get("sent_at") or self.clock()) // TELL_WINDOW_S
            message_id = f"image-hint-{ref(payload['openid'])}-{window}"
            said = custom(payload["openid"], TextReply(str(payload["tell"])),
                          payload.get("dedupe_key", "media"), message_id)  # fmt: skip
            self.outbox.queues.outbox([said])
        return saved[0] if saved else ""

    def read_licence(self, payload: dict[str, Any]) -> bool:
        """OCR a vehicle licence photo and continue the quote conversation with the result."""
        from chalicelib.dialog import quote

        log_event("licence.photo")  # the dashboard's quote funnel counts it (domain/metrics.py)
        saved = self._download_and_keep(payload, QUOTE)  # short-lived unless bought
        fields = self._read(saved[1]) if saved else None
        photo = payload.get("dedupe_key", "")

        def decide(state: SessionState) -> Outcome | None:
            return quote.licence_read(photo, fields, state, self.dialog_config)

        return self.resumer.resume(payload["openid"], decide, origin=photo or "ocr",
                                   message_id=f"licence-{photo}" if photo else None)  # fmt: skip

    def _read(self, image: bytes) -> LicenceFields | None:
        """The licence's fields, or None when the picture cannot be opened."""
        from chalicelib.ocr.images import NotAnImage
        from chalicelib.ocr.licence import read_licence

        try:
            fields = read_licence(image, self.ocr_engine())
        except NotAnImage:
            return None
        log_event("licence.read", warnings=list(fields.warnings))
        return fields

    def _download_and_keep(
        self, payload: dict[str, Any], retention: str
    ) -> tuple[str, bytes] | None:
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
        self.media.put(key, data, content_type, retention=retention)
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
