"""Canned replies in the console: the library (supervisors edit, agents use; every change
audited) and a chat's replies with the placeholders filled from its customer (domain/canned.py).

Placeholders are filled here, on the server, from what the inbox already shows staff about the
customer: the bound policy holder's salutation (masked: a surname and an honorific), their
latest claim and policy; never from anything the browser sends.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.console.auth import Permission
from chalicelib.dialog import render
from chalicelib.domain import canned as rules
from chalicelib.service.logs import log_event

if TYPE_CHECKING:
    from chalicelib.console.auth import Staff
    from chalicelib.console.service import Source
    from chalicelib.service.handoff import HandoffDesk
    from chalicelib.store.audit import AuditLog
    from chalicelib.store.book import BookStore
    from chalicelib.store.canned import CannedLibrary, CannedReply


class CannedDesk:
    def __init__(
        self,
        library: CannedLibrary,
        audit: AuditLog,
        book: BookStore,
        desk: Callable[[], HandoffDesk],
        hotline: str,
    ) -> None:
        self.library = library
        self.audit = audit
        self.book = book
        self.desk = desk
        self.hotline = hotline

    # --- reading ---------------------------------------------------------------------------

    def listing(self, staff: Staff, query: str = "") -> dict[str, Any]:
        """GET /console/api/canned?q=: the library as written, placeholders flagged."""
        if not staff.may(Permission.EDIT_CANNED):
            staff.require(Permission.HANDLE_CHATS)
        replies = [r for r in self.library.all() if _found(r, query)]
        return {
            "replies": [_json(r) | {"unknown": rules.unknown_placeholders(r.text)}
                        for r in replies],  # fmt: skip
            "placeholders": rules.PLACEHOLDERS,
            "may_edit": staff.may(Permission.EDIT_CANNED),
            "limits": {"title": rules.MAX_TITLE_CHARS, "text": rules.MAX_TEXT_CHARS,
                       "shortcut": rules.MAX_SHORTCUT_CHARS, "replies": rules.MAX_REPLIES},
        }  # fmt: skip

    def for_chat(self, staff: Staff, chat_id: str, query: str = "") -> dict[str, Any]:
        """GET /console/api/chats/{chat}/canned?q=: the library with this customer's values in
        (`text`), and the placeholders that stay as written (`unfilled`)."""
        from chalicelib.console.service import NotFound

        staff.require(Permission.HANDLE_CHATS)
        item = self.desk().console_chat(chat_id)
        if item is None:
            raise NotFound(f"no open chat {chat_id}")
        values = self.values_for(item.openid, staff.name)
        replies = []
        for reply in self.library.all():
            if not _found(reply, query):
                continue
            filled = rules.fill(reply.text, values)
            replies.append(_json(reply) | {"text": filled.text, "unfilled": list(filled.unfilled)})
        return {"replies": replies}

    def values_for(self, openid: str, agent: str) -> dict[str, str]:
        customer = self.book.customer_for(openid)
        salutation = surname = claim_no = policy_no = None
        if customer is not None:
            salutation = render.customer_salutation(customer)
            surname = rules.surname_of(salutation) or None
            claims = self.book.claims_of(customer.customer_id)
            claim_no = claims[0].claim_no if claims else None
            policies = self.book.policies_of(customer.customer_id)
            policy_no = policies[0].policy_no if policies else None
        return rules.values_for(salutation, surname, claim_no, policy_no, agent, self.hotline)

    # --- editing (supervisors) -------------------------------------------------------------

    def create(self, staff: Staff, body: Mapping[str, Any], source: Source) -> dict[str, Any]:
        from chalicelib.console.service import BadRequest

        staff.require(Permission.EDIT_CANNED)
        draft = self._draft(body)
        if self.library.count() >= rules.MAX_REPLIES:
            raise BadRequest(f"快捷回复最多 {rules.MAX_REPLIES} 条，请先删除不用的")
        reply = self.library.create(draft, staff.id)
        self._audit(staff, "chat_canned_create", reply, source)
        return self._saved(reply)

    def update(
        self, staff: Staff, reply_id: str, body: Mapping[str, Any], source: Source
    ) -> dict[str, Any]:
        from chalicelib.console.service import Conflict
        from chalicelib.store.canned import StaleReply

        staff.require(Permission.EDIT_CANNED)
        draft = self._draft(body)
        self._existing(reply_id)
        try:
            reply = self.library.update(reply_id, _version(body), draft, staff.id)
        except StaleReply as exc:
            raise Conflict("这条快捷回复已被他人修改，请刷新后再改") from exc
        self._audit(staff, "chat_canned_update", reply, source)
        return self._saved(reply)

    def delete(
        self, staff: Staff, reply_id: str, body: Mapping[str, Any], source: Source
    ) -> dict[str, Any]:
        from chalicelib.console.service import Conflict
        from chalicelib.store.canned import StaleReply

        staff.require(Permission.EDIT_CANNED)
        reply = self._existing(reply_id)
        try:
            self.library.delete(reply_id, _version(body))
        except StaleReply as exc:
            raise Conflict("这条快捷回复已被他人修改，请刷新后再删") from exc
        self._audit(staff, "chat_canned_delete", reply, source)
        return {"ok": True}

    def _existing(self, reply_id: str) -> CannedReply:
        from chalicelib.console.service import NotFound

        reply = self.library.get(reply_id)
        if reply is None:
            raise NotFound(f"no canned reply {reply_id}")
        return reply

    def _draft(self, body: Mapping[str, Any]) -> rules.Draft:
        from chalicelib.console.service import BadRequest

        try:
            return rules.check(body)
        except rules.CannedError as exc:
            raise BadRequest(str(exc)) from exc

    def _saved(self, reply: CannedReply) -> dict[str, Any]:
        return {"reply": _json(reply), "unknown": rules.unknown_placeholders(reply.text)}

    def _audit(self, staff: Staff, action: str, reply: CannedReply, source: Source) -> None:
        self.audit.append(staff.id, staff.role, action, None,
                          {"reply": reply.reply_id, "title": reply.title, "name": staff.name,
                           "version": reply.version}, source.ip, source.user_agent)  # fmt: skip
        log_event("canned.changed", action=action)


def _version(body: Mapping[str, Any]) -> int:
    from chalicelib.console.service import BadRequest

    try:
        return int(body.get("version"))  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise BadRequest("version is required (the one read)") from exc


def _found(reply: CannedReply, query: str) -> bool:
    return rules.matches(query, (reply.title, reply.shortcut, reply.text, reply.category))


def _json(reply: CannedReply) -> dict[str, Any]:
    return {"id": reply.reply_id, "title": reply.title, "text": reply.text,
            "shortcut": reply.shortcut, "category": reply.category, "version": reply.version,
            "updated_at": reply.updated_at, "updated_by": reply.updated_by}  # fmt: skip
