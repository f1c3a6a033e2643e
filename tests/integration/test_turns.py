"""Every write the dialog causes happens once per message, even when the webhook must decide a
message again because another message of the same customer changed the session first (a
session conflict), and even when the request dies between saving the state and writing.

The race is forced: just before the webhook saves, a rival write changes the stored session,
exactly as a second request of the same customer would."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from chalicelib.dialog.outcome import ReportClaim, SessionState
from chalicelib.domain.licence import LicenceFields, validate
from chalicelib.service.webhook import WebhookService
from chalicelib.store.models import ClaimItem, LockoutItem, QuoteItem, SessionItem
from chalicelib.store.sessions import SessionConflict, Sessions
from tests.integration.helpers import signed, text_xml
from tests.integration.test_survey_desk import _bound_customer

pytestmark = pytest.mark.integration

LICENCE = validate(
    LicenceFields(plate_no="粤B67890", vehicle_type="小型轿车", owner="欧阳娜娜",
                  use_character="非营运", model="比亚迪牌BYD7152WT6HEVC2",
                  vin="1M8GDM9AXKP042788", engine_no="BYD472QA123456",
                  register_date="2019-06-01", issue_date="2019-06-01")
)  # fmt: skip


class RacingSessions(Sessions):
    """Sessions whose first `races` saves lose to a rival write made just before them."""

    def __init__(self, real: Sessions, rival: Callable[[SessionState], SessionState],
                 races: int = 1) -> None:  # fmt: skip
        super().__init__(real.ttl_s, real.clock)
        self.rival = rival
        self.races = races
        self.lost = 0

    def save(self, item, state, pending=()):
        if self.races:
            self.races -= 1
            rival_state, rival_item = self.load(item.openid)
            Sessions.save(self, rival_item, self.rival(rival_state))
            try:
                super().save(item, state, pending)
            except SessionConflict:
                self.lost += 1
                raise
            raise AssertionError("the rival write should have won")
        super().save(item, state, pending)


def _webhook(container, sessions: Sessions) -> WebhookService:
    return WebhookService(
        codec=container.codec,
        inbox=container.inbox,
        sessions=sessions,
        conversations=container.conversations,
        quotas=container.quotas,
        queues=container.queues,
        dialog_config=container.dialog_config,
    )


def _say(webhook: WebhookService, openid: str, said: str) -> None:
    result = webhook.receive(*signed(text_xml(openid, said)))
    assert result.status == 200


def _nudged(state: SessionState) -> SessionState:
    """A rival that changes the session but not where the customer is."""
    return SessionState(state.flow, state.step, {**state.data, "nudge": 1})


def test_a_wrong_answer_decided_twice_counts_one_failure(container, openid):
    plain = _webhook(container, container.sessions)
    _say(plain, openid, "保单查询")
    _say(plain, openid, "粤B12345")
    racing = RacingSessions(container.sessions, _nudged)
    _say(_webhook(container, racing), openid, "000000")
    assert racing.lost == 1  # the message was decided twice
    assert LockoutItem.get(f"user:{openid}").failures == 1


def test_a_quote_decided_again_after_the_customer_cancelled_stores_nothing(container, openid):
    """The customer's 取消 won the race: the quote decision is dropped, and no orphan quote
    is left behind (it used to be stored by the first, discarded, decision)."""
    _at_the_last_quote_question(container, openid)
    racing = RacingSessions(container.sessions, lambda state: SessionState())
    _say(_webhook(container, racing), openid, "好")
    assert racing.lost == 1
    assert [q for q in QuoteItem.scan() if q.openid == openid] == []


def test_a_quote_decided_twice_is_stored_once(container, openid):
    _at_the_last_quote_question(container, openid)
    racing = RacingSessions(container.sessions, _nudged)
    _say(_webhook(container, racing), openid, "好")
    assert racing.lost == 1
    [quote] = [q for q in QuoteItem.scan() if q.openid == openid]
    assert quote.quote_input["region"] == "广东" and len(quote.plans) == 3
    assert SessionItem.get(openid).flow == ""


def test_effects_left_by_a_request_that_died_are_applied_by_the_next_message(container, openid):
    """The state was saved with its effects, then the request died: the customer's next
    message finds them pending, applies them once and clears them."""
    policy_no = _bound_customer(container, openid)
    claim_no = "RSVY202611220930150001"
    sessions = container.sessions
    state, item = sessions.load(openid)
    facts = {"accident_at": "2026-11-22T09:00:00+08:00", "place": {"text": "广州市天河路1号"},
             "description": "倒车撞到柱子"}  # fmt: skip
    report = ReportClaim(claim_no, openid, policy_no, facts, 1_795_000_000.0)
    sessions.save(item, SessionState("survey", "photos", {"claim_no": claim_no}), [report])
    assert SessionItem.get(openid).pending  # what the dead request left
    _say(_webhook(container, sessions), openid, "好的")
    assert ClaimItem.get(claim_no).status == "reported"
    assert not SessionItem.get(openid).pending


def _at_the_last_quote_question(container, openid: str) -> None:
    """The customer has confirmed the licence and answered all but the region."""
    state, item = container.sessions.load(openid)
    data = {"openid": openid, "fields": LICENCE.to_json(), "photo": "m:1", "seats_default": 5,
            "seats": 5, "price_default": "150000", "price": "150000", "claims": 0,
            "region_default": "广东"}  # fmt: skip
    container.sessions.save(item, SessionState("quote", "region", data))
