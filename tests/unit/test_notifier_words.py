"""The claim notice says "需要补拍照片" when an adjuster sends a claim back for photos."""

from __future__ import annotations

import json

from chalicelib.dialog import catalogue as t
from chalicelib.service.notifier import ClaimNotifier
from chalicelib.store.inbox import Claim


class Inbox:
    def claim(self, key):
        return Claim("new")

    def complete(self, key, reply):
        pass


class Book:
    def openids_of(self, customer_id):
        return ["o_1"]


class Queues:
    def __init__(self):
        self.sent = []
        self.jobs_sent = []

    def outbox(self, messages):
        self.sent += [m.to_body() for m in messages]

    def jobs(self, jobs):
        self.jobs_sent += list(jobs)


def image(status: str, statuses: list[str]) -> dict:
    timeline = [{"status": s, "at": f"2026-11-22T1{i}:00:00+08:00", "amount": None}
                for i, s in enumerate(statuses)]  # fmt: skip
    return {
        "claim_no": {"S": "RSVY1"},
        "customer_id": {"S": "c_1"},
        "status": {"S": status},
        "timeline": {"S": json.dumps(timeline)},
    }


def words(old: str, new: str, statuses: list[str]) -> tuple[str, str]:
    queues = Queues()
    notifier = ClaimNotifier(Book(), Inbox(), queues, "tpl", "95500")
    notifier.on_change("MODIFY", image(new, statuses), image(old, statuses[:-1]))
    data = queues.sent[0]["template"]["data"]
    return data["thing2"]["value"], data["thing4"]["value"]


def test_sent_back_for_photos_is_a_status_change_of_its_own():
    """A re-shoot moves the claim to photos_requested: the notice says 需要补拍照片 (it used to
    go back to survey_received, and the notifier saw no change)."""
    history = ["reported", "survey_received", "under_review", "photos_requested"]
    status, next_step = words("survey_received", "photos_requested", history)
    assert status == t.CLAIM_STATUS["photos_requested"] == "需要补拍照片"
    assert next_step == t.CLAIM_NEXT_SHORT["photos_requested"]


def test_photos_arriving_is_the_usual_notice():
    status, _ = words("reported", "survey_received", ["reported", "survey_received"])
    assert status == t.CLAIM_STATUS["survey_received"]


def test_a_claim_reported_in_the_chat_is_not_announced_again():
    """The customer just read the claim number in the chat; a notice would land between the
    photo instructions."""
    queues = Queues()
    notifier = ClaimNotifier(Book(), Inbox(), queues, "tpl", "95500")
    in_chat = {**image("reported", ["reported"]), "reported_via": {"S": "self_survey"}}
    assert notifier.on_change("INSERT", in_chat, None) == 0
    assert notifier.on_change("INSERT", image("reported", ["reported"]), None) == 1


class Record:
    def __init__(self, seq, event, new, old=None):
        self.sequence_number, self.event_name, self.new_image, self.old_image = seq, event, new, old


def test_of_several_changes_to_a_claim_in_one_batch_only_the_newest_is_told():
    """Notices queued together can arrive in either order: the customer hears where the
    claim is now, with the timeline's length to order it against a notice already sent."""
    queues = Queues()
    notifier = ClaimNotifier(Book(), Inbox(), queues, "tpl", "95500")
    reported = image("reported", ["reported"])
    received = image("survey_received", ["reported", "survey_received"])
    other = {**image("reported", ["reported"]), "claim_no": {"S": "RSVY2"}}
    failed = notifier.on_batch([Record("1", "INSERT", reported), Record("2", "INSERT", other),
                                Record("3", "MODIFY", received, reported)])  # fmt: skip
    assert failed is None
    told = [(m["template"]["data"]["character_string1"]["value"],
             m["template"]["data"]["thing2"]["value"], m["template"]["sequence"])
            for m in queues.sent]  # fmt: skip
    assert told == [("RSVY2", "已报案", 1), ("RSVY1", "已收到查勘照片", 2)]


def test_a_failed_record_is_reported_with_those_after_it_left_for_the_retry():
    class Failing(Queues):
        def outbox(self, messages):
            raise RuntimeError("SQS down")

    notifier = ClaimNotifier(Book(), Inbox(), Failing(), "tpl", "95500")
    records = [Record("7", "INSERT", image("reported", ["reported"]))]
    assert notifier.on_batch(records) == "7"


def test_every_status_makes_a_notice_wechat_accepts_in_every_field():
    """Category templates: each value fits its field's type (checked as the emulator, WeChat's
    stand-in, checks it), with no first or remark."""
    from chalicelib.domain.claims import ClaimStatus
    from devstack.wechat_emulator import field_value_ok

    for status in ClaimStatus:
        queues = Queues()
        notifier = ClaimNotifier(Book(), Inbox(), queues, "tpl", "400-888-8888")
        history = ["reported", str(status)] if str(status) != "reported" else ["reported"]
        before = "under_review" if status != ClaimStatus.UNDER_REVIEW else "reported"
        notifier.on_change("MODIFY", image(str(status), history), image(before, ["x"]))
        (sent,) = queues.sent
        data = sent["template"]["data"]
        assert set(data) == {"character_string1", "thing2", "time3", "thing4", "phone_number5"}
        assert all(field_value_ok(k, v["value"]) for k, v in data.items()), (status, data)


def test_the_mapping_and_the_link_are_configuration():
    from chalicelib.domain.claim_notice import parse_fields

    queues = Queues()
    fields = parse_fields("character_string3=claim_no,phrase1=status_phrase,amount2=amount")
    notifier = ClaimNotifier(Book(), Inbox(), queues, "tpl", "95500", fields=fields,
                             progress_url="https://m.example.com/claims?no={claim_no}")  # fmt: skip
    paid = image("paid", ["reported", "paid"])
    timeline = json.loads(paid["timeline"]["S"])
    timeline[-1]["amount"] = "3000"
    paid["timeline"]["S"] = json.dumps(timeline)
    notifier.on_change("MODIFY", paid, image("reported", ["reported"]))
    (sent,) = queues.sent
    assert sent["template"]["data"] == {"character_string3": {"value": "RSVY1"},
                                        "phrase1": {"value": "已赔付"},
                                        "amount2": {"value": "¥3000.00"}}  # fmt: skip
    assert sent["template"]["url"] == "https://m.example.com/claims?no=RSVY1"
