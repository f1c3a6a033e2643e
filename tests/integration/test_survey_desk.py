"""Self-survey through the webhook and the worker, against moto server and the WeChat emulator:
five photos sent at once (and retried) become one packet, in send order, with one answer."""

from __future__ import annotations

import hashlib
import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain import survey as sv
from chalicelib.domain.claims import ClaimStatus
from chalicelib.domain.import_rows import PolicyRow
from chalicelib.domain.policies import Coverage
from chalicelib.ocr.engine import OcrLine
from chalicelib.store.models import ClaimPhotoItem, CustomerItem, SessionItem, SurveyItem
from devstack import survey_photos
from tests.integration.helpers import image_xml, signed, text_xml

pytestmark = pytest.mark.integration

VIN = "LSVAM4187C2184847"
OTHER_VIN = "LSVAU218XN2183294"


class FakeVinEngine:
    """Stands in for RapidOCR: "reads" whatever VIN it is told the plate shows."""

    def __init__(self, vin: str | None) -> None:
        self.vin = vin
        self.calls = 0

    def read(self, image: bytes) -> list[OcrLine]:
        self.calls += 1
        box = ((0.0, 0.0), (400.0, 0.0), (400.0, 40.0), (0.0, 40.0))
        return [OcrLine(f"车辆识别代号 {self.vin}", box, 0.97)] if self.vin else []


@pytest.fixture
def vin_engine(container, monkeypatch):
    engine = FakeVinEngine(VIN)
    monkeypatch.setattr(container, "_ocr", engine, raising=False)
    return engine


def _bound_customer(container, openid: str) -> str:
    """A policy in force (with its VIN) and this WeChat user bound to its holder."""
    from chalicelib.store.book_writer import BookWriter

    policy_no = f"PSVY{random.randrange(10**16):016d}"
    today = date.today()
    row = PolicyRow(
        policy_no=policy_no,
        holder_name="欧阳娜娜",
        holder_id_number="11010519491231002X",
        holder_phone="13800138000",
        plate="粤B12345",
        vin=VIN,
        brand_model="比亚迪秦",
        product="机动车商业保险",
        start=today - timedelta(days=30),
        end=today + timedelta(days=300),
        cancelled=False,
        coverages=(Coverage("机动车损失保险", COVER, ""),),
    )
    writer = BookWriter(container.id_key)
    writer.write_policies([row])
    policy = container.book.policy(policy_no)
    CustomerItem(
        openid=openid,
        customer_id=policy.customer_id,
        holder_name="欧阳娜娜",
        holder_gender="F",
        bound_via=policy_no,
        bound_at=time.time(),
    ).save()
    return policy_no


COVER = Decimal("119900")  # the vehicle-damage cover: what an approval may reach at most


def _say(container, openid: str, text: str) -> None:
    container.webhook.receive(*signed(text_xml(openid, text)))


def _open_survey(container, openid: str) -> str:
    _bound_customer(container, openid)
    for said in ("自助查勘", "否", "否", "是", "刚刚", "广州市天河区天河路100号", "倒车撞到柱子",
                 "确认"):
        _say(container, openid, said)
    state = SessionItem.get(openid)
    assert (state.flow, state.step) == ("survey", "photos")
    return state.data["claim_no"]


def _drain(container, logical: str) -> list[dict]:
    sqs = container.client("sqs")
    url = container.queues.url(logical)
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return bodies
        for m in got:
            bodies.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def _photos_for_slots() -> list[bytes]:
    return [
        survey_photos.scene(101),
        survey_photos.scene(102, view="rear"),
        survey_photos.scene(103),
        survey_photos.scene(104, view="rear"),
        survey_photos.vin_photo(105, vin=VIN),
    ]


def _send_photos(container, emulator, openid: str, photos: list[bytes], copies: int = 1):
    """Post the photos as WeChat does when several are picked at once: one request each, in
    parallel, each possibly retried (same MsgId, new nonce)."""
    xmls = []
    for data in photos:
        media = emulator.add_media(data, "image/jpeg")
        xmls.append(image_xml(openid, media["media_id"], media["pic_url"]))
    requests = [signed(xml) for xml in xmls for _ in range(copies)]
    random.Random(5).shuffle(requests)
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        results = list(pool.map(lambda qb: container.webhook.receive(*qb), requests))
    assert all(r.status == 200 for r in results)
    return xmls


def _run_jobs(container, shuffle_seed: int = 1) -> None:
    """Run the queued jobs like Lambda would: concurrently, in no particular order."""
    jobs = [j for j in _drain(container, "jobs") if j["kind"] == "survey.photo"]
    random.Random(shuffle_seed).shuffle(jobs)
    with ThreadPoolExecutor(max_workers=len(jobs) or 1) as pool:
        list(pool.map(container.worker.run, jobs))


def _words(message: dict) -> str:
    """What the customer reads in a text or an article card."""
    reply = message["reply"]
    if reply["type"] == "news":
        return reply["title"] + "\n" + reply["description"]
    return reply["content"]


def _survey_messages(container, openid: str) -> list[dict]:
    """Deliver the queued survey messages through the outbox sender; the ones it sent.

    Two jobs finishing together may both queue a batch's answer; it carries the same ids
    either way, and the sender sends each id once."""
    queued = [
        m
        for m in _drain(container, "outbox")
        if m["openid"] == openid and m.get("origin", "").startswith("survey:")
    ]
    sent = [
        m for m in sorted(queued, key=lambda m: m["id"]) if container.outbox.deliver(m) == "sent"
    ]
    return sent


def _s3_bytes(container, key: str) -> bytes:
    s3 = container.client("s3")
    return s3.get_object(Bucket=container.settings.photos_bucket, Key=key)["Body"].read()


def test_five_photos_at_once_and_retried_make_one_packet_in_send_order(
    container, emulator, openid, vin_engine
):
    _drain(container, "outbox")
    claim_no = _open_survey(container, openid)
    photos = _photos_for_slots()
    xmls = _send_photos(container, emulator, openid, photos, copies=2)
    assert ClaimPhotoItem.count(claim_no) == 5  # retries recorded nothing twice
    _run_jobs(container)

    survey = SurveyItem.get(claim_no)
    assert survey.state == "submitted" and survey.submissions == 1
    by_seq = {p.seq: p for p in ClaimPhotoItem.query(claim_no)}
    sent_order = sorted(by_seq)  # seq sorts as the customer sent them
    media_order = [x.split("<MediaId><![CDATA[")[1].split("]")[0] for x in xmls]
    assert [by_seq[s].media_id for s in sent_order] == media_order
    assert survey.slots == {str(n): seq for n, seq in zip(sv.SLOTS, sent_order, strict=True)}

    # One answer for the whole batch: the confirmation.
    [message] = _survey_messages(container, openid)
    assert "全部收到" in message["reply"]["content"] and claim_no in message["reply"]["content"]
    assert container.book.claim(claim_no).status is ClaimStatus.SURVEY_RECEIVED
    assert SessionItem.get(openid).flow == ""  # the conversation is back at the menu
    assert vin_engine.calls == 1  # only the VIN slot's photo was read

    manifest = json.loads(_s3_bytes(container, survey.packet_key))
    assert manifest["claim_no"] == claim_no and manifest["flags"] == []
    assert manifest["accident"]["description"] == "倒车撞到柱子"
    assert set(manifest["slots"]) == {"1", "2", "3", "4", "5"}
    assert manifest["slots"]["5"]["vin"]["matches_policy"] is True
    for n, entry in manifest["slots"].items():
        original = _s3_bytes(container, entry["files"]["original"]["key"])
        assert original == photos[int(n) - 1]  # kept untouched
        for stored in entry["files"].values():
            data = _s3_bytes(container, stored["key"])
            assert hashlib.sha256(data).hexdigest() == stored["sha256"]
    sheet = manifest["contact_sheet"]
    assert hashlib.sha256(_s3_bytes(container, sheet["key"])).hexdigest() == sheet["sha256"]
    listed = container.client("s3").list_objects_v2(
        Bucket=container.settings.photos_bucket, Prefix=f"claims/{claim_no}/packets/"
    )
    assert [o["Key"] for o in listed["Contents"] if o["Key"].endswith("manifest.json")] == [
        survey.packet_key
    ]


def test_a_blurred_photo_is_asked_again_and_its_retake_completes_the_survey(
    container, emulator, openid, vin_engine
):
    _drain(container, "outbox")
    claim_no = _open_survey(container, openid)
    photos = _photos_for_slots()
    photos[1] = survey_photos.blurred(102)
    _send_photos(container, emulator, openid, photos)
    _run_jobs(container)
    [progress] = _survey_messages(container, openid)  # one message for the batch
    text = _words(progress)
    assert text.startswith("已收到 4/5，下一张：第2张 车尾45°") and "第2张 车尾45° 需要重拍" in text
    survey = SurveyItem.get(claim_no)
    assert survey.state == "open" and set(survey.slots) == {"1", "3", "4", "5"}
    photo_two = survey.placements[survey.last_batch[1]]
    assert photo_two == {"slot": 2, "accepted": False, "reasons": ["blurred"], "flags": []}

    _send_photos(container, emulator, openid, [survey_photos.scene(202, view="rear")])
    _run_jobs(container)
    [done] = _survey_messages(container, openid)
    assert "全部收到" in done["reply"]["content"]
    survey = SurveyItem.get(claim_no)
    manifest = json.loads(_s3_bytes(container, survey.packet_key))
    assert "reshoots" in manifest["flags"]
    assert [o["placement"]["reasons"] for o in manifest["others"]] == [["blurred"]]


def test_a_vin_that_is_not_the_policys_is_flagged_for_the_adjuster_only(
    container, emulator, openid, vin_engine
):
    _drain(container, "outbox")
    vin_engine.vin = OTHER_VIN
    claim_no = _open_survey(container, openid)
    _send_photos(container, emulator, openid, _photos_for_slots())
    _run_jobs(container)
    [done] = _survey_messages(container, openid)
    assert "全部收到" in done["reply"]["content"] and "车架号" not in done["reply"]["content"]
    manifest = json.loads(_s3_bytes(container, SurveyItem.get(claim_no).packet_key))
    assert manifest["flags"] == ["vin_mismatch"]
    assert manifest["slots"]["5"]["vin"]["read"] == OTHER_VIN


def test_photos_with_a_capture_time_before_the_accident_are_flagged(
    container, emulator, openid, vin_engine
):
    _drain(container, "outbox")
    claim_no = _open_survey(container, openid)
    photos = _photos_for_slots()
    photos[2] = survey_photos.scene(103, exif=survey_photos.Camera())  # taken in 2024
    _send_photos(container, emulator, openid, photos)
    _run_jobs(container)
    manifest = json.loads(_s3_bytes(container, SurveyItem.get(claim_no).packet_key))
    assert manifest["flags"] == ["taken_before_accident"]
    exif = manifest["slots"]["3"]["exif"]
    assert exif["device"] == "HUAWEI ELS-AN00"
    # The place was typed, not sent as a location: the photo's position has no use, and is
    # not kept (sensitive personal information).
    assert "gps" not in exif and "km_from_place" not in exif
    assert "31.23" not in json.dumps(manifest)


def test_a_photo_taken_far_from_the_place_sent_is_flagged_by_distance_only(
    container, emulator, openid, vin_engine
):
    """The customer sent the place as a WeChat location (Guangzhou); one photo's EXIF puts it in
    Shanghai: the adjuster sees the distance and a flag that needs a written reason, and
    claimbot keeps no coordinates of the photo."""
    from tests.integration.helpers import location_xml

    _drain(container, "outbox")
    _bound_customer(container, openid)
    for said in ("自助查勘", "否", "否", "是", "刚刚"):
        _say(container, openid, said)
    container.webhook.receive(*signed(location_xml(openid, 23.1291, 113.2644, "天河路")))
    for said in ("倒车撞到柱子", "确认"):
        _say(container, openid, said)
    claim_no = SessionItem.get(openid).data["claim_no"]
    photos = _photos_for_slots()
    from datetime import datetime, timedelta, timezone

    now_in_china = datetime.now(timezone(timedelta(hours=8))).replace(tzinfo=None)
    near = survey_photos.Camera(captured_at=now_in_china, gps=(23.1300, 113.2650))
    shanghai = survey_photos.Camera(captured_at=now_in_china)  # People's Square
    photos[0] = survey_photos.scene(111, exif=near)
    photos[2] = survey_photos.scene(113, exif=shanghai)
    _send_photos(container, emulator, openid, photos)
    _run_jobs(container)
    manifest = json.loads(_s3_bytes(container, SurveyItem.get(claim_no).packet_key))
    assert manifest["flags"] == ["taken_far_from_place"]
    assert manifest["slots"]["1"]["exif"]["km_from_place"] == 0.1
    assert 1100 < manifest["slots"]["3"]["exif"]["km_from_place"] < 1300
    assert "31.23" not in json.dumps(manifest) and "gps" not in json.dumps(manifest)


def test_an_unreadable_vin_is_asked_again(container, emulator, openid, vin_engine):
    _drain(container, "outbox")
    vin_engine.vin = None
    claim_no = _open_survey(container, openid)
    _send_photos(container, emulator, openid, _photos_for_slots())
    _run_jobs(container)
    [progress] = _survey_messages(container, openid)
    assert "第5张 车架号（VIN） 需要重拍" in _words(progress)
    assert SurveyItem.get(claim_no).state == "open"


def test_a_screenshot_and_a_repeated_photo_are_refused_with_their_reasons(
    container, emulator, openid, vin_engine
):
    _drain(container, "outbox")
    _open_survey(container, openid)
    first = survey_photos.scene(301)
    _send_photos(container, emulator, openid, [first])
    _run_jobs(container)
    _survey_messages(container, openid)
    _send_photos(container, emulator, openid, [survey_photos.recompressed(first)])
    _run_jobs(container)
    [progress] = _survey_messages(container, openid)
    assert "第2张 车尾45° 需要重拍：和之前的照片重复了" in _words(progress)
    _send_photos(container, emulator, openid, [survey_photos.screenshot(302)])
    _run_jobs(container)
    [progress] = _survey_messages(container, openid)
    assert "截图" in _words(progress)


def test_expired_media_is_kept_as_unreadable_not_retried_forever(
    container, emulator, openid, vin_engine
):
    _drain(container, "outbox")
    claim_no = _open_survey(container, openid)
    container.webhook.receive(*signed(image_xml(openid, "gone-media", "http://x/y.jpg")))
    _run_jobs(container)
    [photo] = ClaimPhotoItem.query(claim_no)
    assert photo.status == "checked" and photo.reasons == ["unreadable"]
    [progress] = _survey_messages(container, openid)
    assert "第1张 车头45° 需要重拍：图片无法打开" in _words(progress)


def test_a_redelivered_job_after_submission_sends_and_writes_nothing_new(
    container, emulator, openid, vin_engine
):
    _drain(container, "outbox")
    claim_no = _open_survey(container, openid)
    _send_photos(container, emulator, openid, _photos_for_slots())
    jobs = [j for j in _drain(container, "jobs") if j["kind"] == "survey.photo"]
    for job in jobs:
        container.worker.run(job)
    before = SurveyItem.get(claim_no)
    assert container.worker.run(jobs[0]) == "duplicate-job"
    after = SurveyItem.get(claim_no)
    assert (after.batches, after.packet_key) == (before.batches, before.packet_key)
    assert len(_survey_messages(container, openid)) == 1


def test_the_watchdog_reminds_once_while_the_window_is_open_then_expires(
    container, emulator, openid, vin_engine
):
    from chalicelib.service.watchdog import Watchdog

    _drain(container, "outbox")
    claim_no = _open_survey(container, openid)
    start = SurveyItem.get(claim_no).last_activity
    clock = {"now": start + sv.REMIND_AFTER_S + 60}
    watchdog = Watchdog(container.surveys, container.quotas, container.queues, lambda: clock["now"])
    assert watchdog.run()["reminded"] >= 1
    [reminder] = _survey_messages(container, openid)
    assert claim_no in reminder["reply"]["content"] and "还差 5 张" in reminder["reply"]["content"]
    watchdog.run()
    assert _survey_messages(container, openid) == []  # once only
    clock["now"] = start + sv.SURVEY_TTL_S + 60
    from chalicelib.store.handoffs import Tickets
    from chalicelib.store.models import TicketItem

    watchdog.tickets = Tickets()
    watchdog.run()
    assert SurveyItem.get(claim_no).state == "expired"
    ticket = TicketItem.get(f"TV{claim_no}")
    assert ticket.kind == "survey_expired" and claim_no in ticket.summary
    assert ticket.claim_no == claim_no and ticket.queue == "ticket:open" and ticket.due_at
    _say(container, openid, "继续查勘")
    assert SessionItem.get(openid).flow == ""


def test_no_reminder_when_the_customer_window_has_closed(container, emulator, openid, vin_engine):
    from chalicelib.service.watchdog import Watchdog
    from chalicelib.store.models import QuotaItem

    _drain(container, "outbox")
    claim_no = _open_survey(container, openid)
    QuotaItem(openid=openid).update(actions=[QuotaItem.message_window_until.set(1)])
    start = SurveyItem.get(claim_no).last_activity
    watchdog = Watchdog(
        container.surveys, container.quotas, container.queues, lambda: start + sv.REMIND_AFTER_S + 1
    )
    watchdog.run()
    assert _survey_messages(container, openid) == []
    assert SurveyItem.get(claim_no).reminded is False
