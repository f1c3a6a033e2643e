"""The two kinds of queue message, each defined once: a job (jobs queue) and an outbound
message to a customer (outbox queue). Everything that queues or reads them uses these."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from chalicelib.dialog.outcome import Job, JobKind
from chalicelib.domain.messages import Reply
from chalicelib.domain.push_budget import NOTICE, check_kind
from chalicelib.wechat.replies import reply_from_json, reply_to_json

CUSTOM = "custom"  # a customer-service message (within the customer's 48 h window and quota)
SKIP = "skip"  # OutboxMessage.if_closed: not kept for later when the window is closed
TEMPLATE = "template"  # a template message (service notice; no window)


def new_message_id() -> str:
    return uuid.uuid4().hex


def job_body(job: Job, message_id: str | None = None) -> dict[str, Any]:
    return {"id": message_id or new_message_id(), "kind": str(job.kind), "payload": job.payload}


def job_from_body(body: dict[str, Any]) -> Job:
    """Raises ValueError for a kind nobody handles (the message then dead-letters)."""
    try:
        kind = JobKind(body.get("kind", ""))
    except ValueError:
        raise ValueError(f"unknown job kind {body.get('kind')!r}") from None
    return Job(kind, body.get("payload") or {})


@dataclass(frozen=True)
class TemplateNotice:
    template_id: str
    data: dict[str, dict[str, str]]
    url: str = ""
    # Notices of one origin (a claim) in the order they must be read: the sender drops one
    # whose origin already had a newer notice sent (0: no order).
    sequence: int = 0


@dataclass(frozen=True)
class OutboxMessage:
    """One message to one customer. `id` is what the sender claims to send it at most once:
    give the same id to what must not go twice (a retried job's answer)."""

    openid: str
    origin: str  # what caused it: a message's dedupe key, "handoff", "claim:<no>"...
    reply: Reply | None = None
    template: TemplateNotice | None = None
    id: str = field(default_factory=new_message_id)
    created_at: float = field(default_factory=time.time)
    staff_id: str = ""  # a person's answer: who said it (conversation records)
    released_from: str = ""  # kept by the sender, sent again under a new id
    # SKIP: a message that only makes sense now (a satisfaction question): with no window or
    # quota it is dropped, and the sender says so (OutboxSender.on_skipped), never kept.
    if_closed: str = ""
    # What kind of push this is, for the per-customer push budget (domain/push_budget.py):
    # notice | reminder | campaign; "" = not a push (an answer to what the customer said, a
    # person's reply): never counted. A template message is a push: "" there means notice.
    push: str = ""

    @property
    def kind(self) -> str:
        return TEMPLATE if self.template is not None else CUSTOM

    @property
    def push_kind(self) -> str:
        """The push budget's kind of this message ("" when it is no push)."""
        if self.push:
            return self.push
        return NOTICE if self.template is not None else ""

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "openid": self.openid,
            "origin": self.origin,
            "created_at": self.created_at,
        }
        if self.reply is not None:
            body["reply"] = reply_to_json(self.reply)
        if self.template is not None:
            body["template"] = {"id": self.template.template_id, "data": self.template.data}
            if self.template.url:
                body["template"]["url"] = self.template.url
            if self.template.sequence:
                body["template"]["sequence"] = self.template.sequence
        if self.staff_id:
            body["staff_id"] = self.staff_id
        if self.released_from:
            body["released_from"] = self.released_from
        if self.if_closed:
            body["if_closed"] = self.if_closed
        if self.push:
            body["push"] = self.push
        return body

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> OutboxMessage:
        kind = body.get("kind")
        if kind not in (CUSTOM, TEMPLATE):
            raise ValueError(f"unknown outbox kind {kind!r}")
        if body.get("push"):
            check_kind(body["push"])
        template = None
        if kind == TEMPLATE:
            raw = body["template"]
            template = TemplateNotice(raw["id"], raw["data"], raw.get("url", ""),
                                      int(raw.get("sequence") or 0))  # fmt: skip
        return cls(
            openid=body["openid"],
            origin=body.get("origin", ""),
            reply=reply_from_json(body["reply"]) if kind == CUSTOM else None,
            template=template,
            id=body["id"],
            created_at=float(body.get("created_at") or 0),
            staff_id=body.get("staff_id", ""),
            released_from=body.get("released_from", ""),
            if_closed=body.get("if_closed", ""),
            push=body.get("push", ""),
        )


def custom(openid: str, reply: Reply, origin: str, message_id: str | None = None,
           staff_id: str = "", if_closed: str = "", push: str = "") -> OutboxMessage:  # fmt: skip
    """A customer-service message; `message_id` fixed when it must go at most once. `push`:
    sent on claimbot's own initiative (not an answer), counted by the push budget."""
    return OutboxMessage(openid, origin, reply=reply, id=message_id or new_message_id(),
                         staff_id=staff_id, if_closed=if_closed, push=push)  # fmt: skip
