"""Assist in the console's inbox: the knowledge base's candidates for a customer's message, and
an answer sent from them, recorded (domain/assist.py).

Candidates are computed when asked, for the one message the agent has selected (by default the
chat's latest customer message), not attached to the chat list: the list is polled every 3 s
for every open chat, and ranking one message costs 10-120 ms of the knowledge base's time
(measured on the shipped one, 46 entries, on the 2-core devstack; long run-on messages cost
most), which a poll would pay for every chat every time.

The WeCom relay offers the same candidates as numbered titles (service/handoff.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.console.auth import Permission
from chalicelib.domain import assist as rules
from chalicelib.domain.kb_misses import day_of
from chalicelib.domain.masking import mask_free_text
from chalicelib.service.logs import log_event, ref

if TYPE_CHECKING:
    from chalicelib.console.auth import Staff
    from chalicelib.console.service import ConsoleService, Source
    from chalicelib.domain.kb import KnowledgeBase
    from chalicelib.service.handoff import HandoffDesk
    from chalicelib.store.assist import AssistLog
    from chalicelib.store.conversations import Conversations
    from chalicelib.store.models import ConversationRecord

LATEST = 30  # the messages the inbox shows (ConsoleService._chat_json)


class Assistant:
    """The knowledge base's candidates and the log of what was sent from them; used by the
    console (AssistDesk) and the WeCom relay (HandoffDesk)."""

    def __init__(
        self,
        kb: Callable[[], KnowledgeBase],
        log: AssistLog,
        values: Mapping[str, str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.kb = kb  # the knowledge base staff imported (Container.knowledge_base)
        self.log = log
        self.values = dict(values)  # {hotline}, {privacy_url}
        self.clock = clock

    def candidates(self, text: str) -> list[rules.Candidate]:
        return rules.candidates(self.kb(), text, self.values)

    def answer_of(self, entry_id: str) -> rules.Candidate | None:
        entry = self.kb().entry(entry_id)
        return rules.candidate_of(entry, 0.0, self.values) if entry is not None else None

    def record(
        self, message_ref: str, question: str, entry_id: str, offered: list[str], edited: bool,
        staff_id: str, channel: str, at: float | None = None,
    ) -> bool:  # fmt: skip
        now = self.clock()
        choice = rules.Choice(
            day=day_of(at or now),
            choice_id=rules.choice_id(message_ref, entry_id),
            question=mask_free_text(" ".join(question.split()))[: rules.MAX_QUESTION],
            entry_id=entry_id,
            rank=offered.index(entry_id) + 1 if entry_id in offered else 0,
            offered=tuple(offered),
            edited=edited,
            staff_id=staff_id,
            channel=channel,
            at=now,
        )
        new = self.log.record(choice)
        log_event("assist.sent", channel=channel, rank=choice.rank, edited=edited, new=new)
        return new


class AssistDesk:
    def __init__(
        self,
        assistant: Assistant,
        conversations: Conversations,
        desk: Callable[[], HandoffDesk],
        console: Callable[[], ConsoleService],
    ) -> None:
        self.assistant = assistant
        self.conversations = conversations
        self.desk = desk
        self.console = console

    def candidates(self, staff: Staff, chat_id: str, message: str) -> dict[str, Any]:
        """GET /console/api/chats/{chat}/candidates?message=<record id>: the message (default:
        the latest the customer wrote) and up to ten entries, best first."""
        staff.require(Permission.HANDLE_CHATS)
        record = self._message(chat_id, message)
        if record is None:
            return {"message": None, "candidates": []}
        found = self.assistant.candidates(record.content or "")
        return {"message": {"id": record.record_id, "content": record.content or ""},
                "candidates": [c.to_json() for c in found]}  # fmt: skip

    def send(
        self, staff: Staff, chat_id: str, body: Mapping[str, Any], source: Source
    ) -> dict[str, Any]:
        """POST /console/api/chats/{chat}/assist {message, entry, text}: the reply goes as any
        reply does (ConsoleService.chat_reply), and the choice is recorded, edited or not."""
        from chalicelib.console.service import BadRequest, NotFound

        staff.require(Permission.HANDLE_CHATS)
        message, entry_id = str(body.get("message") or ""), str(body.get("entry") or "")
        if not message or not entry_id:
            raise BadRequest("message and entry are required")
        record = self._message(chat_id, message)
        if record is None or record.record_id != message:
            raise NotFound(f"no customer message {message} in chat {chat_id}")
        answer = self.assistant.answer_of(entry_id)
        if answer is None:
            raise NotFound(f"no knowledge-base entry {entry_id}")
        text = str(body.get("text") or answer.answer).strip()
        result = self.console().chat_reply(staff, chat_id, {"text": text}, source)
        offered = [c.entry_id for c in self.assistant.candidates(record.content or "")]
        self.assistant.record(record.record_id, record.content or "", entry_id, offered,
                              rules.is_edited(text, answer.answer), staff.id,
                              rules.CONSOLE)  # fmt: skip
        return {**result, "edited": rules.is_edited(text, answer.answer)}

    def _message(self, chat_id: str, message: str) -> ConversationRecord | None:
        """A customer's text in the chat's latest messages: the one named, else the newest."""
        from chalicelib.console.service import NotFound

        item = self.desk().console_chat(chat_id)
        if item is None:
            raise NotFound(f"no open chat {chat_id}")
        said = [r for r in self.conversations.latest(item.openid, LATEST)
                if r.direction == "in" and r.msg_type in ("text", "voice")
                and (r.content or "").strip() and r.content != r.msg_type]  # fmt: skip
        if message:
            return next((r for r in said if r.record_id == message), None)
        if not said:
            log_event("assist.nothing_to_rank", user=ref(item.openid))
        return said[-1] if said else None
