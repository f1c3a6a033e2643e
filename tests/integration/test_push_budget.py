"""The per-customer push budget and 退订 (issue 18), against moto and the WeChat emulator: every
push counts against one weekly budget, optional pushes are refused past it (recorded, not sent),
claim notices are counted but never refused, and 退订 stops campaigns only."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from chalicelib.domain.push_budget import (
    CAMPAIGN,
    NOTICE,
    OPTED_OUT,
    OVER_BUDGET,
    OVER_KIND,
    REMINDER,
    BudgetRules,
    period_of,
)
from chalicelib.jobs.messages import OutboxMessage
from chalicelib.store.models import HeldMessage
from chalicelib.store.push_budget import PushBudget, PushBudgetItem

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("container")]

NOTICE_DATA = {
    "character_string1": {"value": "RSVY202612060001"},
    "thing2": {"value": "审核中"},
    "time3": {"value": "2026年12月06日 10:30"},
    "thing4": {"value": "通常1个工作日内出结果"},
    "phone_number5": {"value": "95500"},
}


def _push(openid: str, push: str = "") -> dict:
    from devstack import defaults

    body = {
        "id": uuid.uuid4().hex,
        "kind": "template",
        "openid": openid,
        "origin": f"test:{push or 'notice'}",
        "template": {"id": defaults.CLAIM_STATUS_TEMPLATE, "data": NOTICE_DATA},
    }
    if push:
        body["push"] = push
    return body


def test_every_kind_counts_against_one_budget(openid):
    budget = PushBudget(BudgetRules(per_week=3, campaigns_per_week=1, reminders_per_week=1))
    now = time.time()
    assert budget.try_spend(openid, NOTICE, now)
    assert budget.try_spend(openid, REMINDER, now)
    assert budget.try_spend(openid, CAMPAIGN, now)
    assert budget.week(openid, now) == {"total": 3, NOTICE: 1, REMINDER: 1, CAMPAIGN: 1,
                                        "refused": 0}  # fmt: skip
    # Over the week's budget: optional pushes are refused, a notice still goes (counted).
    assert budget.spend(openid, REMINDER, now).reason in (OVER_BUDGET, OVER_KIND)
    assert budget.try_spend(openid, NOTICE, now)
    assert budget.week(openid, now)["total"] == 4
    # The next week starts afresh.
    assert budget.try_spend(openid, CAMPAIGN, now + 7 * 86400)


def test_a_kind_has_its_own_cap_within_the_budget(openid):
    budget = PushBudget(BudgetRules(per_week=4, campaigns_per_week=1, reminders_per_week=2))
    assert budget.try_spend(openid, CAMPAIGN)
    verdict = budget.spend(openid, CAMPAIGN)
    assert (verdict.allowed, verdict.reason) == (False, OVER_KIND)
    assert budget.try_spend(openid, REMINDER) and budget.try_spend(openid, REMINDER)
    assert not budget.try_spend(openid, REMINDER)
    assert budget.week(openid)["refused"] == 2


def test_notices_fill_the_week_and_leave_no_room_for_a_campaign(openid):
    budget = PushBudget(BudgetRules(per_week=2))
    assert budget.try_spend(openid, NOTICE) and budget.try_spend(openid, NOTICE)
    assert budget.spend(openid, CAMPAIGN).reason == OVER_BUDGET


def test_concurrent_senders_never_exceed_the_budget(openid):
    budget = PushBudget(BudgetRules(per_week=3, campaigns_per_week=3, reminders_per_week=3))
    results: list[bool] = []
    lock = threading.Lock()

    def send() -> None:
        ok = budget.try_spend(openid, REMINDER)
        with lock:
            results.append(ok)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True] * 3
    assert budget.week(openid)["total"] == 3


def test_week_items_expire_and_hold_no_text(openid):
    budget = PushBudget()
    now = time.time()
    verdict = budget.spend(openid, NOTICE, now)
    item = PushBudgetItem.get(openid, period_of(now))
    assert verdict.period == period_of(now)
    assert item.expires_at and item.expires_at > now + 28 * 86400


def test_opt_out_stops_campaigns_only_and_opt_in_restores_them(openid):
    budget = PushBudget()
    assert not budget.opted_out(openid)
    assert budget.opt_out(openid) is True
    assert budget.opt_out(openid) is False  # already
    assert budget.opted_out(openid)
    assert budget.spend(openid, CAMPAIGN).reason == OPTED_OUT
    assert budget.try_spend(openid, NOTICE)
    assert budget.try_spend(openid, REMINDER)
    assert budget.opt_in(openid) is True
    assert budget.opt_in(openid) is False
    assert budget.try_spend(openid, CAMPAIGN)


def test_admit_splits_a_mass_send(openid):
    budget = PushBudget()
    other = openid + "_b"
    budget.opt_out(other)
    admitted, refused = budget.admit([openid, other], CAMPAIGN)
    assert admitted == [openid] and refused == {other: OPTED_OUT}


# --- the outbox asks the budget before a push -------------------------------------------------


def test_outbox_refuses_a_campaign_over_the_budget_and_records_why(container, emulator, openid):
    assert container.outbox.deliver(_push(openid, CAMPAIGN)) == "sent"
    assert container.outbox.deliver(_push(openid, CAMPAIGN)) == "refused"  # one a week
    assert len(emulator.messages(openid, kind="template")) == 1
    (kept,) = [h for h in HeldMessage.query(openid) if h.status == "refused"]
    assert kept.reason == f"push budget: {OVER_KIND}"
    assert kept.payload["push"] == CAMPAIGN
    assert container.push_budget.week(openid)["refused"] == 1


def test_claim_notices_are_counted_never_refused(container, emulator, openid):
    per_week = container.push_budget.rules.per_week
    results = [container.outbox.deliver(_push(openid)) for _ in range(per_week + 2)]
    assert results == ["sent"] * (per_week + 2)
    assert container.push_budget.week(openid)[NOTICE] == per_week + 2
    # ... and a reminder finds no room left in that week.
    assert container.outbox.deliver(_push(openid, REMINDER)) == "refused"
    assert len(emulator.messages(openid, kind="template")) == per_week + 2


def test_opt_out_stops_campaigns_but_not_claim_notices(container, emulator, openid):
    container.push_budget.opt_out(openid)
    assert container.outbox.deliver(_push(openid, CAMPAIGN)) == "refused"
    assert container.outbox.deliver(_push(openid)) == "sent"
    assert container.outbox.deliver(_push(openid, REMINDER)) == "sent"
    assert len(emulator.messages(openid, kind="template")) == 2


def test_answers_to_the_customer_are_no_pushes(container, openid):
    container.quotas.opened_by_message(openid)
    answer = {"id": uuid.uuid4().hex, "kind": "custom", "openid": openid, "origin": "msg:1",
              "reply": {"type": "text", "content": "您好"}}  # fmt: skip
    assert container.outbox.deliver(answer) == "sent"
    assert container.push_budget.week(openid)["total"] == 0


def test_a_push_wechat_did_not_take_gives_its_place_back(container, emulator, openid):
    emulator.add_fault("message/template/send", errcode=-1)
    from chalicelib.service.outbox import RetryLater

    with pytest.raises(RetryLater):
        container.outbox.deliver(_push(openid, CAMPAIGN))
    assert container.push_budget.week(openid)["total"] == 0
    assert container.outbox.deliver(_push(openid, CAMPAIGN)) == "sent"


def test_a_claim_notice_is_marked_notice():
    message = OutboxMessage.from_body(_push("o_x"))
    assert message.push_kind == NOTICE
    assert OutboxMessage.from_body(_push("o_x", CAMPAIGN)).push_kind == CAMPAIGN
    with pytest.raises(ValueError):
        OutboxMessage.from_body(_push("o_x", "advert"))


# --- 退订 / 订阅 through the webhook ---------------------------------------------------------


def _say(container, openid: str, words: str, msg_id: int) -> str:
    from tests.integration.helpers import decrypt_reply, signed, text_xml

    query, body = signed(text_xml(openid, words, msg_id=msg_id))
    result = container.webhook.receive(query, body)
    xml = decrypt_reply(result.body, query)
    return xml.split("<Content><![CDATA[")[1].split("]]>")[0]


def test_replying_tuiding_stops_campaigns_but_not_claim_notices(container, emulator, openid):
    from chalicelib.dialog import catalogue as t

    base = int(time.time() * 1000) % 10**9
    assert _say(container, openid, "退订", base) == t.CAMPAIGNS_OFF
    assert container.push_budget.opted_out(openid)
    assert container.outbox.deliver(_push(openid, CAMPAIGN)) == "refused"
    assert container.outbox.deliver(_push(openid)) == "sent"  # the claim notice still goes
    (kept,) = [h for h in HeldMessage.query(openid) if h.status == "refused"]
    assert kept.reason == f"push budget: {OPTED_OUT}"
    assert _say(container, openid, "订阅", base + 1) == t.CAMPAIGNS_ON
    assert not container.push_budget.opted_out(openid)
    assert container.outbox.deliver(_push(openid, CAMPAIGN)) == "sent"
    assert len(emulator.messages(openid, kind="template")) == 2


def test_a_message_about_the_customers_own_claim_sent_unasked_is_a_counted_notice(
    container, openid
):
    """A re-shoot request, a written refusal, a survey reminder, a data request's outcome:
    customer-service messages claimbot sends on its own initiative are notices (counted,
    never refused), unlike answers."""
    from chalicelib.domain.messages import TextReply
    from chalicelib.jobs.messages import custom

    container.quotas.opened_by_message(openid)
    per_week = container.push_budget.rules.per_week
    for i in range(per_week + 1):
        body = custom(openid, TextReply(f"第{i}条"), "survey:RSVY1", push=NOTICE).to_body()
        assert container.outbox.deliver(body) in ("sent", "held")  # 5 a window: never refused
    week = container.push_budget.week(openid)
    assert week[NOTICE] == per_week + 1 and week["refused"] == 0
