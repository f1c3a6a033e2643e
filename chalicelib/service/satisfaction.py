"""满意度: ask for a rating when a chat with a person ends or a claim is paid; the figures.

Asking (job satisfaction.ask, queued by the handoff desk and the claim notifier):
- once per chat and per claim: the question is recorded first (`chat:<handoff id>`,
  `claim:<claim no>`, a conditional put), so a retried job or a second bound WeChat user asks
  nothing more;
- only within WeChat's rules: the customer still follows (consent), their 48 h customer-service
  window is open with a place left; otherwise the question is recorded as skipped with the
  reason and nothing is sent. It goes out as a customer-service message that is never kept
  for later (`if_closed=SKIP`): should the window close before it is sent, the outbox drops it
  and `unsent` records it as skipped and closes the question in the session;
- only of a customer at rest: someone filling in a form or talking to a person is not
  interrupted (skipped, "busy");
- the session holds the open question (dialog/satisfaction.py), which reads the answer.

The figures (console page 满意度): per flow and per staff member over a period, the
distribution, and the latest comments (masked when stored).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.dialog import satisfaction as dialog
from chalicelib.domain import satisfaction as rules
from chalicelib.domain.hours import CHINA
from chalicelib.domain.messages import TextReply
from chalicelib.jobs.messages import SKIP, custom
from chalicelib.service.logs import log_event, ref

if TYPE_CHECKING:
    from chalicelib.console.auth import Staff
    from chalicelib.jobs.messages import OutboxMessage
    from chalicelib.jobs.queues import Queues
    from chalicelib.store.quotas import Quotas
    from chalicelib.store.ratings import RatingItem, Ratings
    from chalicelib.store.sessions import Sessions

WINDOW_MARGIN_S = 120  # a window closing sooner than this is as good as closed
MAX_READ = 5000  # questions read per flow for one page of figures
COMMENTS_SHOWN = 20
ORIGIN = "rating:"
UNSENT_REASONS = {45015: rules.WINDOW_CLOSED, 45047: rules.NO_QUOTA, 43004: rules.UNFOLLOWED}


class SatisfactionDesk:
    def __init__(
        self,
        ratings: Ratings,
        sessions: Sessions,
        quotas: Quotas,
        queues: Queues,
        staff_name: Callable[[str], str | None] = lambda staff_id: None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ratings = ratings
        self.sessions = sessions
        self.quotas = quotas
        self.queues = queues
        self.staff_name = staff_name
        self.clock = clock

    # --- asking ------------------------------------------------------------------------------

    def ask(self, payload: dict[str, Any]) -> str:
        """payload: flow (chat | claim), openid, and handoff_id, staff_id, channel (a chat)
        or claim_no, staff_id (who decided it, if anyone in the console did)."""
        flow, openid = str(payload["flow"]), str(payload["openid"])
        subject = str(payload["handoff_id"] if flow == rules.CHAT else payload["claim_no"])
        ask_id = f"{flow}:{subject}"
        staff_id, channel = str(payload.get("staff_id") or ""), str(payload.get("channel") or "")
        if not self.ratings.open(ask_id, flow, subject, staff_id, channel):
            return "already-asked"
        reason = self._why_not(openid)
        now = self.clock()
        if reason is None and not self.sessions.change(openid,
                                                       lambda s: dialog.asking(s, ask_id, now)):
            reason = rules.BUSY  # fmt: skip
        if reason is not None:
            self.ratings.skipped(ask_id, reason)
            log_event("satisfaction.skipped", flow=flow, reason=reason, user=ref(openid))
            return f"skipped:{reason}"
        words = dialog.question(flow, subject if flow == rules.CLAIM else "")
        self.queues.outbox([custom(openid, TextReply(words), ORIGIN + ask_id,
                                   f"rating-{ask_id}", if_closed=SKIP)])  # fmt: skip
        self.ratings.asked(ask_id)
        log_event("satisfaction.asked", flow=flow, user=ref(openid))
        return "asked"

    def _why_not(self, openid: str) -> str | None:
        if not self.quotas.pushed(openid):
            return rules.UNFOLLOWED
        until, left = self.quotas.message_room(openid)
        if until < self.clock() + WINDOW_MARGIN_S:
            return rules.WINDOW_CLOSED
        if left < 1:
            return rules.NO_QUOTA
        return None

    def unsent(self, message: OutboxMessage, errcode: int) -> None:
        """The outbox dropped a question (the window closed or filled meanwhile): skipped, and
        the question the session holds is closed, so a "5" later means what it always does."""
        if not message.origin.startswith(ORIGIN):
            return
        ask_id = message.origin.removeprefix(ORIGIN)
        reason = UNSENT_REASONS.get(errcode)
        if reason is None:
            until, _left = self.quotas.message_room(message.openid)
            reason = rules.NO_QUOTA if until > self.clock() else rules.WINDOW_CLOSED
        self.ratings.skipped(ask_id, reason)
        self.sessions.change(message.openid, dialog.withdrawn(ask_id))
        log_event("satisfaction.unsent", reason=reason, user=ref(message.openid))

    # --- the figures (console) ---------------------------------------------------------------

    def report(self, staff: Staff, params: Mapping[str, str]) -> dict[str, Any]:
        from chalicelib.console.auth import Permission
        from chalicelib.console.service import BadRequest

        staff.require(Permission.VIEW_RATINGS)
        try:
            first, last, start, end = rules.period(params.get("from"), params.get("to"),
                                                   self.clock())  # fmt: skip
        except rules.PeriodError as exc:
            raise BadRequest(str(exc)) from None
        items: list[RatingItem] = []
        truncated = False
        for flow in rules.FLOWS:
            read = 0
            for item in self.ratings.between(flow, start, end):
                if read >= MAX_READ:
                    truncated = True
                    break
                items.append(item)
                read += 1
        summary = rules.summarize(_rated(item) for item in items)
        return {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "truncated": truncated,
            "overall": summary.overall.to_json(),
            "flows": [{"flow": flow, **figures.to_json()}
                      for flow, figures in summary.by_flow.items()],  # fmt: skip
            "staff": sorted(
                ({"staff_id": sid, "name": self.staff_name(sid) or sid, **figures.to_json()}
                 for sid, figures in summary.by_staff.items()),
                key=lambda row: (-int(row["rated"]), str(row["name"])),
            ),  # fmt: skip
            "skip_reasons": summary.skip_reasons,
            "comments": self._comments(items),
        }

    def _comments(self, items: list[RatingItem]) -> list[dict[str, Any]]:
        with_words = sorted((i for i in items if i.comment and i.score),
                            key=lambda i: -(i.rated_at or 0))[:COMMENTS_SHOWN]  # fmt: skip
        return [
            {
                "at": _iso(item.rated_at),
                "flow": item.flow,
                "score": int(item.score or 0),
                "comment": item.comment,
                "staff_id": item.staff_id,
                "staff_name": (self.staff_name(item.staff_id) or item.staff_id)
                if item.staff_id else None,
            }
            for item in with_words
        ]


def _rated(item: RatingItem) -> rules.Rated:
    return rules.Rated(flow=item.flow, status=item.status, staff_id=item.staff_id or "",
                       score=int(item.score) if item.score else None,
                       skip_reason=item.skip_reason or "")  # fmt: skip


def _iso(epoch: float | None) -> str | None:
    from datetime import datetime

    return datetime.fromtimestamp(epoch, CHINA).isoformat() if epoch else None
