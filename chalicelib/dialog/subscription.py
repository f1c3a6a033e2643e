"""退订 / 订阅: the customer stops (or restarts) campaigns (群发) with one word. Pure.

退订 stops campaigns only: notices about the customer's own claims and policies continue, and
so do renewal reminders (a service about their own policy, with its own 不再提醒续保); the
answer says so, so nobody thinks they will miss their claim's news. The write is an effect
(SetCampaigns) applied through the dialog's Subscriptions port (store/push_budget.py). Both
words work anywhere: at rest, in a form (the form waits), during a chat with a person.
"""

from __future__ import annotations

from chalicelib.dialog import catalogue as t
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import Outcome, SetCampaigns
from chalicelib.domain.messages import InboundMessage, TextReply

OPT_OUT = "campaigns_off"
OPT_IN = "campaigns_on"
ROUTES = (OPT_OUT, OPT_IN)

# Whole-message keywords (matched after removing spaces and punctuation, lower case). 退订 is
# not 退保 (cancelling the policy) nor 取消 (leaving a form): each is its own whole message.
KEYWORDS: tuple[tuple[str, str], ...] = (
    ("退订", OPT_OUT),
    ("退订活动", OPT_OUT),
    ("退订消息", OPT_OUT),
    ("退订推送", OPT_OUT),
    ("退订群发", OPT_OUT),
    ("取消订阅", OPT_OUT),
    ("td", OPT_OUT),
    ("不要再发了", OPT_OUT),
    ("别再发了", OPT_OUT),
    ("不要再推送了", OPT_OUT),
    ("别再推送了", OPT_OUT),
    ("不要推送", OPT_OUT),
    ("不要发活动", OPT_OUT),
    ("订阅", OPT_IN),
    ("重新订阅", OPT_IN),
    ("恢复订阅", OPT_IN),
    ("订阅活动", OPT_IN),
    ("订阅消息", OPT_IN),
)


def answer(route: str, msg: InboundMessage, config: DialogConfig) -> Outcome:
    """Stop or restart campaigns for this customer and say what that means."""
    if config.subscriptions is None:  # not wired (a test's config): nothing to change
        return Outcome(reply=TextReply(t.CAMPAIGNS_UNAVAILABLE.format(hotline=config.hotline)))
    on = route == OPT_IN
    text = t.CAMPAIGNS_ON if on else t.CAMPAIGNS_OFF
    return Outcome(reply=TextReply(text), effects=(SetCampaigns(msg.openid, on),))
