"""Renewal reminders against moto and the WeChat emulator: policies ending in 30 and 7 days
found through the GSI by_end_date, one notice each per bound user however often the sweep
runs, none after a renewal or 不再提醒续保, delivered through the outbox as the emulator's
renewal template."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta

import pytest

from chalicelib.domain.hours import CHINA
from chalicelib.domain.identity import customer_id_for, id_check_for
from chalicelib.service.renewals import RenewalSweep
from chalicelib.store.book import BookStore
from chalicelib.store.inbox import Inbox
from chalicelib.store.models import CustomerItem, PolicyItem
from devstack import defaults

pytestmark = pytest.mark.integration
KEY = defaults.ID_PEPPER.encode()


class Captured:
    """The outbox queue, kept in the test: each message is then delivered by the sender."""

    def __init__(self) -> None:
        self.sent: list = []

    def outbox(self, messages) -> None:
        self.sent.extend(messages)


def _today() -> date:
    """A day of the test's own far ahead: no other test's policy ends near it (shared table)."""
    return date(2400 + random.randrange(7000), random.randrange(1, 13), random.randrange(1, 29))


def _policy(end: date, plate: str | None = None, customer: str | None = None,
            start: date | None = None) -> PolicyItem:  # fmt: skip
    id_number = f"110105{random.randrange(10**6):06d}31002X"
    item = PolicyItem(
        policy_no=f"PDAA{random.randrange(10**15, 10**16)}",
        customer_id=customer or customer_id_for(id_number, KEY),
        holder_name="上官婉儿", holder_id_masked="1****************X",
        holder_id_check=id_check_for(id_number[-6:], KEY),
        plate=plate or f"粤B{random.randrange(10000, 99999)}", product="机动车商业保险",
        start_date=(start or end - timedelta(days=364)).isoformat(), end_date=end.isoformat(),
        coverages=[{"name": "车损险", "limit": "100000", "unit": ""}], source_hash="test",
    )  # fmt: skip
    item.save()
    return item


def _bind(policy: PolicyItem) -> str:
    openid = f"o_renew_{uuid.uuid4().hex[:10]}"
    CustomerItem(openid=openid, customer_id=policy.customer_id, holder_name="上官婉儿",
                 bound_via=policy.policy_no, bound_at=0).save()  # fmt: skip
    return openid


def _sweep(container, today: date, queues: Captured, hour: int = 10) -> RenewalSweep:
    at = datetime.combine(today, time(hour, 0), CHINA)
    return RenewalSweep(BookStore(KEY), Inbox(3600), queues, defaults.RENEWAL_TEMPLATE,
                        "95500", now=lambda: at)  # fmt: skip


def test_one_notice_each_at_30_and_7_days_none_after_renewal_or_opt_out(container, emulator):
    today = _today()
    book = BookStore(KEY)
    month = _policy(today + timedelta(days=30))
    both, off = _bind(month), _bind(month)  # two WeChat users bound to the holder
    assert book.set_reminders(off, on=False) is True
    week = _policy(today + timedelta(days=7))
    week_user = _bind(week)
    renewed = _policy(today + timedelta(days=7))
    renewed_user = _bind(renewed)
    _policy(today + timedelta(days=372), plate=renewed.plate, customer=renewed.customer_id,
            start=today + timedelta(days=8))  # next year's policy, bought already  # fmt: skip
    missed = _policy(today + timedelta(days=29))  # yesterday's sweep did not run: caught up
    missed_user = _bind(missed)

    queues = Captured()
    assert _sweep(container, today, queues, hour=9).run() == {}  # not before 10:00 China time
    assert queues.sent == []
    counts = _sweep(container, today, queues).run()
    assert counts["renewal_notices"] == 3 and counts["renewal_renewed"] == 1
    assert counts["renewal_opted_out"] == 1
    assert sorted(m.openid for m in queues.sent) == sorted([both, week_user, missed_user])
    assert {m.push for m in queues.sent} == {"reminder"}
    for message in queues.sent:
        assert container.outbox.deliver(message.to_body()) == "sent"
    (notice,) = emulator.messages(both, kind="template")
    assert notice["template_id"] == defaults.RENEWAL_TEMPLATE
    assert notice["data"]["character_string1"]["value"] == month.policy_no
    assert notice["data"]["car_number2"]["value"] == month.plate
    assert "续保" in notice["data"]["thing4"]["value"]
    assert emulator.messages(off, kind="template") == []
    assert emulator.messages(renewed_user, kind="template") == []

    # The same day again (the watchdog every minute), and a sweep whose day mark was lost:
    # nothing is queued twice; the message ids would let the sender drop a double anyway.
    assert _sweep(container, today, queues).run() == {}
    again = Captured()
    assert _sweep(container, today, again).sweep(today)["notices"] == 0 and again.sent == []
    assert container.outbox.deliver(queues.sent[0].to_body()) == "duplicate"

    # 23 days later the 30-day policy is 7 days away (the missed one 6): their second notices,
    # once; not to `off`.
    later = Captured()
    _sweep(container, today + timedelta(days=23), later).run()
    assert sorted((m.openid, m.origin) for m in later.sent) == sorted(
        [(both, f"renewal:{month.policy_no}:7"), (missed_user, f"renewal:{missed.policy_no}:7")])


def test_opting_back_in_and_unbound_users(container):
    today = _today()
    book = BookStore(KEY)
    policy = _policy(today + timedelta(days=30))
    openid = _bind(policy)
    assert book.set_reminders(openid, on=False) and book.reminder_openids(policy.customer_id) == []
    assert book.set_reminders(openid, on=True)
    assert book.reminder_openids(policy.customer_id) == [openid]
    assert book.set_reminders(f"o_nobody_{uuid.uuid4().hex[:8]}", on=False) is False
    assert [p.policy_no for p in book.policies_ending(today + timedelta(days=30))] == [
        policy.policy_no]  # fmt: skip


def test_no_template_configured_means_no_sweep(container):
    queues = Captured()
    at = datetime.combine(_today(), time(12, 0), CHINA)
    sweep = RenewalSweep(BookStore(KEY), Inbox(3600), queues, "", "95500", now=lambda: at)
    assert sweep.run() == {} and queues.sent == []


# --- in the chat, through the webhook ----------------------------------------------------------


def _say(container, openid: str, said: str) -> str:
    from tests.integration.helpers import decrypt_reply, signed, text_xml

    query, body = signed(text_xml(openid, said))
    result = container.webhook.receive(query, body)
    assert result.status == 200
    return decrypt_reply(result.body, query).split("<Content><![CDATA[")[1].split("]]>")[0]


def test_a_renewal_quote_from_the_bound_policy_and_the_opt_out_in_the_chat(container):
    import re

    from chalicelib.store.models import QuoteItem

    today = date.today()
    policy = _policy(today + timedelta(days=30))
    policy.brand_model = "比亚迪牌BYD7152WT6HEVC2"
    policy.save()
    openid = _bind(policy)
    shown = _say(container, openid, "续保")
    assert policy.policy_no in shown and "注册日期" in shown
    assert policy.plate not in shown and "行驶证主页" not in shown  # masked; no photo asked
    for said in ("2019-06-01", "5", "15万", "0"):
        _say(container, openid, said)
    plans = _say(container, openid, "广东")
    quote_no = re.search(r"报价单 (Q\d{16})", plans).group(1)
    saved = QuoteItem.get(quote_no)
    assert saved.openid == openid and saved.quote_input["plate"] == policy.plate
    assert saved.quote_input["register_date"] == "2019-06-01"

    assert "不再给您发送续保提醒" in _say(container, openid, "不再提醒续保")
    assert BookStore(KEY).reminder_openids(policy.customer_id) == []
    queues = Captured()
    _sweep(container, today, queues).sweep(today)
    assert [m for m in queues.sent if m.openid == openid] == []
