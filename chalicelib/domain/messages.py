"""The project's own shape of what a customer sends, independent of WeChat's XML."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    VOICE = "voice"
    VIDEO = "video"
    SHORT_VIDEO = "shortvideo"
    LOCATION = "location"
    LINK = "link"
    FILE = "file"
    EVENT = "event"
    UNKNOWN = "unknown"


class Event(StrEnum):
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    SCAN = "scan"
    LOCATION = "location"
    CLICK = "click"
    VIEW = "view"
    TEMPLATE_SEND_JOB_FINISH = "templatesendjobfinish"
    OTHER = "other"


@dataclass(frozen=True)
class InboundMessage:
    """One message or event from a customer, parsed and validated.

    `dedupe_key` identifies the delivery: WeChat retries carry the same key.
    """

    openid: str
    account: str
    created_at: int
    kind: Kind
    dedupe_key: str
    msg_id: str = ""
    text: str = ""
    media_id: str = ""
    pic_url: str = ""
    media_format: str = ""
    recognition: str = ""
    latitude: float | None = None
    longitude: float | None = None
    scale: int | None = None
    label: str = ""
    url: str = ""
    title: str = ""
    event: Event | None = None
    event_key: str = ""
    raw_type: str = ""
    raw_event: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_event(self) -> bool:
        return self.kind is Kind.EVENT

    @property
    def opens_message_window(self) -> bool:
        """A message from the user opens the 48 h customer-service window."""
        return self.kind not in (Kind.EVENT, Kind.UNKNOWN)

    @property
    def opens_click_window(self) -> bool:
        """A click, follow or scan opens a short 1-minute window (3 messages)."""
        return self.event in (Event.CLICK, Event.SUBSCRIBE, Event.SCAN)

    def summary(self) -> str:
        """What the conversation record stores as content (text, or what was sent)."""
        if self.kind is Kind.TEXT:
            return self.text
        if self.kind is Kind.LOCATION:
            return f"{self.latitude},{self.longitude} {self.label}".strip()
        if self.kind is Kind.LINK:
            return f"{self.title} {self.url}".strip()
        if self.kind is Kind.EVENT:
            return f"{self.raw_event}:{self.event_key}" if self.event_key else self.raw_event
        if self.kind is Kind.VOICE and self.recognition:
            return self.recognition
        return self.raw_type


@dataclass(frozen=True)
class TextReply:
    content: str


@dataclass(frozen=True)
class NewsReply:
    """A single article card (a passive reply may carry one at most)."""

    title: str
    description: str
    url: str
    image_url: str = ""


@dataclass(frozen=True)
class ImageReply:
    media_id: str


@dataclass(frozen=True)
class TransferReply:
    """Hand the conversation to WeChat's own customer-service console (passive only)."""


Reply = TextReply | NewsReply | ImageReply | TransferReply
