"""Parse a WeChat XML push into the project's InboundMessage, refusing hostile input.

defusedxml screens every document first (no DTDs, no entities, well-formed); only then does
wechatpy map it to its message classes, which we translate into InboundMessage.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from wechatpy import parse_message

from chalicelib.domain.messages import Event, InboundMessage, Kind

OPENID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_FIELD_CHARS = 4096
# What a customer writes is answered however long (a 400 makes WeChat show them an error);
# the body limit (WECHAT_MAX_BODY_BYTES) bounds it, this only the characters.
MAX_TEXT_CHARS = 20_000
MAX_KEY_PART_CHARS = 128  # of an EventKey in the dedupe key (a DynamoDB key: 2,048 bytes)

_EVENTS = {
    "subscribe": Event.SUBSCRIBE,
    "subscribe_scan": Event.SUBSCRIBE,
    "subscribe_scan_product": Event.SUBSCRIBE,  # followed through a product scan (扫一扫)
    "unsubscribe": Event.UNSUBSCRIBE,
    "scan": Event.SCAN,
    "location": Event.LOCATION,
    "click": Event.CLICK,
    "view": Event.VIEW,
    "templatesendjobfinish": Event.TEMPLATE_SEND_JOB_FINISH,
}


class BadMessage(ValueError):
    """The request body is not a message we accept. The text is short and safe to return."""


def screen_xml(text: str) -> None:
    """Refuse documents that are malformed or carry a DTD / entities (billion laughs, XXE)."""
    try:
        root = SafeET.fromstring(text, forbid_dtd=True, forbid_entities=True)
    except DefusedXmlException as exc:
        raise BadMessage("xml with dtd or entities is refused") from exc
    except (SafeET.ParseError, ValueError) as exc:
        raise BadMessage("malformed xml") from exc
    if root.tag != "xml":
        raise BadMessage("root element must be <xml>")


def parse_inbound(text: str) -> InboundMessage:
    """Plaintext message XML -> InboundMessage. Raises BadMessage."""
    screen_xml(text)
    try:
        wx = parse_message(text)
    except KeyError as exc:
        raise BadMessage(f"missing field {exc.args[0]}") from exc
    except Exception as exc:  # wechatpy raises assorted errors on odd input
        raise BadMessage("unparseable message") from exc
    data: dict[str, Any] = wx._data  # wechatpy keeps the raw fields here
    return _to_inbound(wx, data)


def text_field(
    data: dict[str, Any], name: str, required: bool = False, max_chars: int = MAX_FIELD_CHARS
) -> str:
    """A parsed XML field as bounded text; BadMessage when missing (if required) or odd."""
    value = data.get(name)
    if value is None:
        if required:
            raise BadMessage(f"missing field {name}")
        return ""
    if not isinstance(value, str):
        raise BadMessage(f"field {name} must be text")
    if len(value) > max_chars:
        raise BadMessage(f"field {name} too long")
    return value


def _to_inbound(wx: Any, data: dict[str, Any]) -> InboundMessage:
    openid = text_field(data, "FromUserName", required=True)
    if not OPENID_PATTERN.match(openid):
        raise BadMessage("invalid FromUserName")
    created = text_field(data, "CreateTime", required=True)
    if not _ascii_digits(created, 12):
        raise BadMessage("invalid CreateTime")
    raw_type = text_field(data, "MsgType", required=True).lower()
    common = {
        "openid": openid,
        "account": text_field(data, "ToUserName"),
        "created_at": int(created),
        "raw_type": raw_type,
    }
    if raw_type == "event":
        return _event(data, wx, common)
    return _message(data, raw_type, common)


def _message(data: dict[str, Any], raw_type: str, common: dict[str, Any]) -> InboundMessage:
    msg_id = text_field(data, "MsgId")
    if msg_id and not _ascii_digits(msg_id, 24):
        raise BadMessage("invalid MsgId")
    key_part = msg_id or f"{common['created_at']}:{raw_type}"
    try:
        kind = Kind(raw_type)
    except ValueError:
        kind = Kind.UNKNOWN
    fields: dict[str, Any] = {
        "kind": kind,
        "msg_id": msg_id,
        "dedupe_key": f"m:{common['openid']}:{key_part}",
        "text": text_field(data, "Content", max_chars=MAX_TEXT_CHARS),
        "media_id": text_field(data, "MediaId"),
        "pic_url": text_field(data, "PicUrl"),
        "media_format": text_field(data, "Format"),
        "recognition": text_field(data, "Recognition", max_chars=MAX_TEXT_CHARS),
        "label": text_field(data, "Label"),
        "url": text_field(data, "Url"),
        "title": text_field(data, "Title") or text_field(data, "FileName"),
    }
    if kind is Kind.LOCATION:
        fields.update(_location(data, "Location_X", "Location_Y"))
        fields["scale"] = _number(data, "Scale", int)
    return InboundMessage(**common, **fields)


def _event(data: dict[str, Any], wx: Any, common: dict[str, Any]) -> InboundMessage:
    raw_event = text_field(data, "Event", required=True).lower()
    event_key = text_field(data, "EventKey")
    event = _EVENTS.get(raw_event, Event.OTHER)
    key_part = event_key
    if len(key_part) > MAX_KEY_PART_CHARS:  # a long qrscene_ parameter: its digest
        key_part = "sha256-" + hashlib.sha256(event_key.encode()).hexdigest()
    dedupe = f"e:{common['openid']}:{common['created_at']}:{raw_event}:{key_part}"
    fields: dict[str, Any] = {
        "kind": Kind.EVENT,
        "event": event,
        "raw_event": raw_event,
        "event_key": event_key,
        "dedupe_key": dedupe,
    }
    if event is Event.LOCATION:
        fields.update(_location(data, "Latitude", "Longitude"))
    if event is Event.VIEW:
        fields["url"] = event_key
    if raw_event == "templatesendjobfinish":
        fields["extra"] = {
            "status": text_field(data, "Status"),
            "msg_id": text_field(data, "MsgID"),
        }
    if raw_event == "masssendjobfinish":  # 群发 finished (service/campaigns.py)
        fields["extra"] = {
            "status": text_field(data, "Status"),
            "msg_id": text_field(data, "MsgID"),
            **{key: str(_number(data, name, int) or 0) for key, name in (
                ("total", "TotalCount"), ("filter", "FilterCount"), ("sent", "SentCount"),
                ("error", "ErrorCount"))},
        }  # fmt: skip
    return InboundMessage(**common, **fields)


def _ascii_digits(value: str, max_len: int) -> bool:
    return 0 < len(value) <= max_len and value.isascii() and value.isdigit()


def _location(data: dict[str, Any], lat_name: str, lng_name: str) -> dict[str, float]:
    lat = _number(data, lat_name, float)
    lng = _number(data, lng_name, float)
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise BadMessage("invalid location")
    return {"latitude": lat, "longitude": lng}


def _number(data: dict[str, Any], name: str, cast: type) -> Any:
    raw = text_field(data, name)
    if not raw:
        return None
    try:
        return cast(raw)
    except ValueError as exc:
        raise BadMessage(f"invalid {name}") from exc
