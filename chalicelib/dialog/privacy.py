"""A customer's own information: "删除我的信息" asks once, then deletes what the law lets go.

The deletion itself is the effect WithdrawConsent(erase=True) (service/consent.py): binding,
conversation records, messages waiting. Unfollowing withdraws consent without a question
(router: the unsubscribe event).
"""

from __future__ import annotations

from chalicelib.dialog import catalogue as t
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import Outcome, SessionState, WithdrawConsent
from chalicelib.domain.messages import InboundMessage, TextReply
from chalicelib.domain.text import remove_whitespace

FLOW = "erase"
CONFIRM = "confirm"
CONFIRM_WORDS = ("确认删除", "确定删除")


def erase_flow(msg: InboundMessage, state: SessionState, config: DialogConfig) -> Outcome:
    if state.step != CONFIRM:
        asking = SessionState(flow=FLOW, step=CONFIRM)
        return Outcome(reply=TextReply(t.ERASE_CONFIRM), state=asking)
    said = remove_whitespace(msg.text or msg.recognition).rstrip("。.!！")
    if said in CONFIRM_WORDS:
        return Outcome(reply=TextReply(t.ERASED.format(hotline=config.hotline)),
                       effects=(WithdrawConsent(msg.openid, erase=True),),
                       state=SessionState.empty())  # fmt: skip
    return Outcome(reply=TextReply(t.ERASE_KEPT), state=SessionState.empty())
