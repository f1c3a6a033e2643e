"""Faults on purpose, through the whole running stack (`claimbot dev`, as `make run` starts it).

Each test makes one dependency fail (the WeChat API answering 5xx, too slow, 40001 or 45015;
WeCom refusing to send; DynamoDB throttling; S3 failing; a worker dying half-way through a
job), drives customers and staff as they would, and ends with the audit: nothing lost, nothing
sent twice, what could not be done in a dead-letter queue or parked with the reason, the alarm
that would fire in AWS (judged from the template's own alarm definitions, devstack/alarms.py),
and `claimbot dlq redrive QUEUE` bringing it back once the dependency is healthy again.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from devstack import defaults
from devstack.alarms import firing
from devstack.process import claimbot_command, running_stack
from devstack.simulator.client import WeChatSimulatorClient
from tests.devstack.waiting import wait_for

pytestmark = pytest.mark.devstack

STAFF_PREFIX = "【人工客服"


class Faulty:
    """The running stack, and the means to break its dependencies and audit it."""

    def __init__(self, urls: dict[str, str], folder: Path) -> None:
        self.urls = urls
        self.folder = folder
        state = json.loads((folder / ".devstack" / "stack.json").read_text(encoding="utf-8"))
        self.resources: dict[str, str] = state["resources"]
        session = boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local",
                                        region_name=state["region"])  # fmt: skip
        self.sqs = session.client("sqs", endpoint_url=urls["aws"])
        self.dynamodb = session.client("dynamodb", endpoint_url=urls["aws"])
        self.s3 = session.client("s3", endpoint_url=urls["aws"])
        self.client = WeChatSimulatorClient(urls["webhook"], defaults.WECHAT_TOKEN,
                                            defaults.WECHAT_APP_ID,
                                            defaults.WECHAT_ENCODING_AES_KEY, mode="safe",
                                            timeout_s=5.0, tries=3)  # fmt: skip

    # --- breaking things ----------------------------------------------------------------------

    def wechat_fault(self, **spec: Any) -> None:
        self._post(f"{self.urls['wechat-emulator']}/_emulator/faults", spec)

    def wecom_fault(self, **spec: Any) -> None:
        self._post(f"{self.urls['wecom-emulator']}/_emulator/faults", spec)

    def aws_fault(self, **spec: Any) -> None:
        self._post(f"{self.urls['aws']}/_claimbot/faults", spec)

    def aws_faults(self) -> list[dict[str, Any]]:
        answer = requests.get(f"{self.urls['aws']}/_claimbot/faults", timeout=5)
        return list(answer.json()["faults"])

    def heal(self) -> None:
        for url in (f"{self.urls['wechat-emulator']}/_emulator/faults",
                    f"{self.urls['wecom-emulator']}/_emulator/faults",
                    f"{self.urls['aws']}/_claimbot/faults"):  # fmt: skip
            requests.delete(url, timeout=5).raise_for_status()

    @staticmethod
    def _post(url: str, spec: dict[str, Any]) -> None:
        answer = requests.post(url, json=spec, timeout=5)
        assert answer.status_code == 200, answer.text

    # --- what happened ------------------------------------------------------------------------

    def wechat_messages(self, openid: str) -> list[dict[str, Any]]:
        res = requests.get(f"{self.urls['wechat-emulator']}/_emulator/messages",
                           params={"touser": openid}, timeout=5)  # fmt: skip
        return list(res.json())

    def wechat_texts(self, openid: str) -> list[str]:
        return [m["payload"]["text"]["content"] for m in self.wechat_messages(openid)
                if m.get("msgtype") == "text"]  # fmt: skip

    def wecom_texts(self, userid: str) -> list[str]:
        res = requests.get(f"{self.urls['wecom-emulator']}/_emulator/messages",
                           params={"touser": userid}, timeout=5)  # fmt: skip
        return [m["content"] for m in res.json()]

    def waiting(self, logical_queue: str) -> int:
        url = self.sqs.get_queue_url(QueueName=self.resources[logical_queue])["QueueUrl"]
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                          "ApproximateNumberOfMessagesNotVisible"])  # fmt: skip
        values = attributes["Attributes"]
        return int(values["ApproximateNumberOfMessages"]) + int(
            values["ApproximateNumberOfMessagesNotVisible"]
        )

    def alarms(self) -> list[str]:
        queues = {logical: self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
                  for logical, name in self.resources.items()
                  if logical.endswith("Queue")}  # fmt: skip
        return firing(self.sqs, queues, self.log_text())

    def log_text(self) -> str:
        return "".join((self.folder / name).read_text(encoding="utf-8", errors="replace")
                       for name in ("stdout.log", "stderr.log")
                       if (self.folder / name).exists())  # fmt: skip

    def kept(self, openid: str) -> list[dict[str, Any]]:
        """What the outbox keeps for this customer (held or parked)."""
        return self._query("OutboxTable", openid)

    def _query(self, table: str, openid: str) -> list[dict[str, Any]]:
        answer = self.dynamodb.query(TableName=self.resources[table],
                                     KeyConditionExpression="openid = :o",
                                     ExpressionAttributeValues={":o": {"S": openid}})  # fmt: skip
        return list(answer["Items"])

    def parked(self, openid: str) -> list[dict[str, Any]]:
        return [i for i in self.kept(openid) if i["status"]["S"] == "parked"]

    def inbound_keys(self, openid: str) -> Counter[str]:
        items = self._query("ConversationsTable", openid)
        return Counter(i["dedupe_key"]["S"] for i in items
                       if i["direction"]["S"] == "in" and "dedupe_key" in i)  # fmt: skip

    def claimbot(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The operator's command, run where `claimbot dev` runs (it finds the stack there)."""
        env = {k: v for k, v in os.environ.items()
               if k != "PYTHONPATH" and not k.startswith("AWS_")}  # fmt: skip
        return subprocess.run([str(claimbot_command()), *args], cwd=self.folder, env=env,
                              capture_output=True, text=True, timeout=60)  # fmt: skip

    # --- customers and staff ------------------------------------------------------------------

    def customer_with_a_person(self) -> tuple[str, str]:
        """A customer who asked for a person after hours; (openid, the on-call's WeCom id)."""
        openid = f"o_fault_{uuid.uuid4().hex[:8]}"
        before = len(self.wecom_texts("oncall-li"))
        assert "值班同事" in (self.client.send_text(openid, "人工").content or "")
        wait_for(lambda: len(self.wecom_texts("oncall-li")) > before, 20)
        return openid, "oncall-li"

    def staff_says(self, userid: str, openid: str, text: str) -> None:
        """The on-call colleague answers this customer (addressed by code: several are open)."""
        from chalicelib.domain.handoff import short_code

        said = f"{short_code(openid)} {text}"
        answer = requests.post(f"{self.urls['wecom-emulator']}/_emulator/reply",
                               json={"userid": userid, "text": said}, timeout=10)  # fmt: skip
        assert answer.json()["status"] == 200

    def staff_texts(self, openid: str, said: str) -> list[str]:
        return [x for x in self.wechat_texts(openid) if x.startswith(STAFF_PREFIX) and said in x]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    env = {"CLAIMBOT_BUSINESS_HOURS": "none"}  # every request for a person goes to WeCom
    folder = tmp_path_factory.mktemp("devstack-faults")
    with running_stack(folder, env, simulator=False) as running:
        yield Faulty(running.urls, running.folder), running.logins


@pytest.fixture
def faulty(stack):
    broken, _ = stack
    broken.heal()
    yield broken
    broken.heal()


def _settled(seconds: float) -> None:
    """Long enough for a retry or a second copy to have arrived (the pump's redelivery is 2 s)."""
    time.sleep(seconds)


# --- the WeChat API ----------------------------------------------------------------------------


def test_wechat_down_dead_letters_the_reply_then_redrive_delivers_it_once(faulty):
    openid, staff = faulty.customer_with_a_person()
    faulty.wechat_fault(path="message/custom/send", status=503, times=1000)
    faulty.staff_says(staff, openid, "您好，已为您登记，稍后回电")

    wait_for(lambda: faulty.waiting("OutboxDeadLetterQueue") == 1, 60)  # after 8 tries
    assert "claimbot-local-outbox-dlq-not-empty" in faulty.alarms()
    assert faulty.staff_texts(openid, "稍后回电") == []
    listing = faulty.claimbot("dlq", "list")
    assert "claimbot-local-outbox-dlq: 1 waiting" in listing.stdout, listing.stderr

    faulty.heal()
    redrive = faulty.claimbot("dlq", "redrive", "outbox")
    assert redrive.returncode == 0, redrive.stderr
    wait_for(lambda: faulty.staff_texts(openid, "稍后回电"), 20)
    _settled(3)
    assert len(faulty.staff_texts(openid, "稍后回电")) == 1
    assert faulty.waiting("OutboxDeadLetterQueue") == 0
    assert "claimbot-local-outbox-dlq-not-empty" not in faulty.alarms()


def test_a_send_wechat_took_but_did_not_answer_is_parked_never_sent_twice(faulty):
    openid, staff = faulty.customer_with_a_person()
    faulty.wechat_fault(path="message/custom/send", delay_s=6, times=1)  # the client waits 5 s
    faulty.staff_says(staff, openid, "请把行驶证拍给我")

    wait_for(lambda: faulty.parked(openid), 30)
    wait_for(lambda: faulty.staff_texts(openid, "行驶证"), 10)  # WeChat did deliver it
    _settled(5)
    assert len(faulty.staff_texts(openid, "行驶证")) == 1
    (parked,) = faulty.parked(openid)
    assert "may have been delivered" in parked["reason"]["S"]
    assert "claimbot-local-outbox-parked" in faulty.alarms()
    faulty.client.send_text(openid, "收到了吗")  # writing again releases held messages, not this
    _settled(3)
    assert len(faulty.staff_texts(openid, "行驶证")) == 1


def test_a_token_rejected_mid_run_is_renewed_and_the_message_sent_once(faulty):
    openid, staff = faulty.customer_with_a_person()
    faulty.wechat_fault(path="message/custom/send", errcode=40001, times=1)
    faulty.staff_says(staff, openid, "已经帮您催办")
    wait_for(lambda: faulty.staff_texts(openid, "催办"), 20)
    _settled(3)
    assert len(faulty.staff_texts(openid, "催办")) == 1
    assert faulty.waiting("OutboxDeadLetterQueue") == 0


@pytest.mark.parametrize("errcode", [45015, 45047])
def test_a_refused_reply_is_kept_with_the_reason_and_sent_once_when_the_customer_writes(
    faulty, errcode
):
    openid, staff = faulty.customer_with_a_person()
    faulty.wechat_fault(path="message/custom/send", errcode=errcode, times=1)
    faulty.staff_says(staff, openid, f"回复编号{errcode}")
    held = wait_for(lambda: faulty.kept(openid), 20)
    assert [int(h["errcode"]["N"]) for h in held] == [errcode]
    assert held[0]["reason"]["S"]
    assert faulty.staff_texts(openid, f"回复编号{errcode}") == []

    faulty.client.send_text(openid, "在吗")
    wait_for(lambda: faulty.staff_texts(openid, f"回复编号{errcode}"), 20)
    _settled(3)
    assert len(faulty.staff_texts(openid, f"回复编号{errcode}")) == 1


# --- WeCom ---------------------------------------------------------------------------------------


def test_wecom_down_dead_letters_the_relay_then_redrive_reaches_the_on_call_once(faulty):
    openid = f"o_fault_{uuid.uuid4().hex[:8]}"
    said = f"我的车在高速上抛锚了{uuid.uuid4().hex[:4]}"
    faulty.wecom_fault(path="message/send", status=503, times=1000)
    assert "值班同事" in (faulty.client.send_text(openid, "人工").content or "")
    time.sleep(1)  # reads the answer, types the next message
    faulty.client.send_text(openid, said)

    wait_for(lambda: faulty.waiting("JobsDeadLetterQueue") >= 1, 60)  # after 5 tries
    assert "claimbot-local-jobs-dlq-not-empty" in faulty.alarms()
    assert not any(said in x for x in faulty.wecom_texts("oncall-li"))
    # The operator redrives as soon as the alarm fires: the relay of the second message may
    # still be retrying, or dead-lettered after the redrive; either way it reaches staff once.

    faulty.heal()
    redrive = faulty.claimbot("dlq", "redrive", "jobs")
    assert redrive.returncode == 0, redrive.stderr
    wait_for(lambda: any(said in x for x in faulty.wecom_texts("oncall-li")), 30)
    _settled(12)  # a job dead-lettered after the redrive has arrived by now
    if faulty.waiting("JobsDeadLetterQueue"):  # the alarm still fires: redrive again
        assert faulty.claimbot("dlq", "redrive", "jobs").returncode == 0
        _settled(4)
    staff_saw = faulty.wecom_texts("oncall-li")
    assert sum(said in x for x in staff_saw) == 1, staff_saw
    assert faulty.waiting("JobsDeadLetterQueue") == 0
    assert "claimbot-local-jobs-dlq-not-empty" not in faulty.alarms()


# --- AWS -----------------------------------------------------------------------------------------


def test_dynamodb_throttling_loses_and_doubles_no_message(faulty):
    """Twelve customers write at once while DynamoDB throttles: WeChat's retries and the
    webhook's own fallbacks carry every message through, each recorded once, each answered."""
    faulty.aws_fault(service="dynamodb", operation="*",
                     error="ProvisionedThroughputExceededException", times=30)  # fmt: skip
    openids = [f"o_fault_{uuid.uuid4().hex[:8]}" for _ in range(12)]
    xmls = {o: faulty.client.build_message(o, "text", [("Content", "你好")]) for o in openids}

    def deliver(openid: str) -> Any:
        return faulty.client.deliver(openid, xmls[openid])

    with ThreadPoolExecutor(max_workers=12) as pool:
        deliveries = list(pool.map(deliver, openids))
    assert sum(f["struck"] for f in faulty.aws_faults()) == 30  # the throttling did happen

    def answered(openid: str, delivery: Any) -> bool:
        passive = delivery.reply is not None and bool(delivery.reply.content)
        return passive or bool(faulty.wechat_texts(openid))

    wait_for(lambda: all(answered(o, d) for o, d in zip(openids, deliveries, strict=True)), 30)
    _settled(3)
    for openid in openids:
        keys = faulty.inbound_keys(openid)
        assert list(keys.values()) == [1], (openid, keys)  # recorded, once
        assert len(faulty.wechat_texts(openid)) <= 1  # never answered twice through the outbox


def test_conditional_writes_that_lose_a_race_lose_and_double_nothing(faulty):
    """One customer's two messages at once, each posted twice more at the same moment (WeChat's
    retries racing): the inbox claims and the session's versioned save lose conditional checks
    (ConditionalCheckFailed), and still each message is recorded once and answered once."""
    openid = f"o_fault_{uuid.uuid4().hex[:8]}"
    xmls = [faulty.client.build_message(openid, "text", [("Content", said)])
            for said in ("你好", "理赔要多久")]  # fmt: skip
    before = faulty.log_text().count("webhook.retry_")
    with ThreadPoolExecutor(max_workers=6) as pool:
        deliveries = list(pool.map(lambda x: faulty.client.deliver(openid, x), xmls * 3))
    _settled(3)
    keys = faulty.inbound_keys(openid)
    assert sorted(keys.values()) == [1, 1], keys
    passive = [d.reply.content for d in deliveries if d.reply is not None and d.reply.content]
    answers = len(set(passive)) + len(faulty.wechat_messages(openid))
    assert answers == 2, (passive, faulty.wechat_messages(openid))
    assert faulty.log_text().count("webhook.retry_") > before  # the copies lost the race


def _reported(faulty: Faulty, login: list[str]) -> tuple[str, str]:
    """A new customer who bound as this demo policy holder and reported an accident."""
    from devstack.scenarios import report_accident

    _policy, plate, last6, _ = login
    openid = f"o_fault_{uuid.uuid4().hex[:8]}"
    return openid, report_accident(faulty.client, openid, plate, last6)


def _photos_in_s3(faulty: Faulty, claim_no: str) -> Counter[str]:
    listing = faulty.s3.list_objects_v2(Bucket=faulty.resources["PhotosBucket"], Prefix="")
    keys = [o["Key"] for o in listing.get("Contents", []) if claim_no in o["Key"]]
    return Counter(k.rsplit("/", 1)[-1] for k in keys)


def test_s3_down_dead_letters_the_photo_checks_then_redrive_completes_the_packet_once(
    stack, faulty
):
    from devstack.scenarios import photo_messages, send_at_once, survey_set

    openid, claim_no = _reported(faulty, stack[1][1])
    faulty.aws_fault(service="s3", operation="PutObject", error="InternalError",
                     bucket=faulty.resources["PhotosBucket"], times=100_000)  # fmt: skip
    xmls = photo_messages(faulty.client, faulty.urls["wechat-emulator"], openid, survey_set(61))
    send_at_once(faulty.client, openid, xmls)

    wait_for(lambda: faulty.waiting("JobsDeadLetterQueue") == 5, 90)
    assert "claimbot-local-jobs-dlq-not-empty" in faulty.alarms()
    assert not any("全部收到" in x for x in faulty.wechat_texts(openid))

    faulty.heal()
    assert faulty.claimbot("dlq", "redrive", "jobs").returncode == 0
    wait_for(lambda: [x for x in faulty.wechat_texts(openid) if "全部收到" in x], 90)
    _settled(3)
    assert len([x for x in faulty.wechat_texts(openid) if "全部收到" in x]) == 1
    survey = faulty.dynamodb.get_item(TableName=faulty.resources["SurveysTable"],
                                      Key={"claim_no": {"S": claim_no}})["Item"]  # fmt: skip
    assert sorted(json.loads(survey["slots"]["S"])) == ["1", "2", "3", "4", "5"]
    assert faulty.waiting("JobsDeadLetterQueue") == 0


def test_a_worker_that_dies_half_way_through_a_photo_is_run_again_and_counts_it_once(
    stack, faulty
):
    """The photo job stores the files, then dies before recording the check (DynamoDB fails
    every try of that one call): SQS delivers the job again, which finishes it."""
    from devstack import survey_photos
    from devstack.scenarios import photo_messages

    openid, claim_no = _reported(faulty, stack[1][2])
    faulty.aws_fault(service="dynamodb", operation="UpdateItem", error="InternalServerError",
                     table=faulty.resources["ClaimPhotosTable"], times=4)  # fmt: skip
    (xml,) = photo_messages(faulty.client, faulty.urls["wechat-emulator"], openid,
                            [survey_photos.scene(71)])  # fmt: skip
    before = len(faulty.wechat_messages(openid))
    faulty.client.deliver(openid, xml)

    wait_for(lambda: len(faulty.wechat_messages(openid)) > before, 40)  # the progress
    assert [f["struck"] for f in faulty.aws_faults()] == [4]  # it did die once
    _settled(4)
    files = _photos_in_s3(faulty, claim_no)
    assert files and set(files.values()) == {1}, files  # each file once, written twice over
    assert len(faulty.wechat_messages(openid)) == before + 1  # one progress message
    photos = faulty.dynamodb.query(TableName=faulty.resources["ClaimPhotosTable"],
                                   KeyConditionExpression="claim_no = :c",
                                   ExpressionAttributeValues={":c": {"S": claim_no}})  # fmt: skip
    assert [p["status"]["S"] for p in photos["Items"]] == ["checked"]
    assert faulty.waiting("JobsDeadLetterQueue") == 0
