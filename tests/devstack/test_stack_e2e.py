"""The whole local stack as `make run` starts it, driven like a person would drive it."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest
import requests

from chalicelib.dialog import catalogue as t
from chalicelib.dialog.menu import load_menu
from devstack import defaults
from devstack.process import claimbot_command, running_stack
from devstack.simulator.client import WeChatSimulatorClient, upload_image
from tests.devstack.waiting import wait_for
from tests.integration.helpers import signed, text_xml

pytestmark = pytest.mark.devstack


def _wait_for(predicate, timeout_s: float = 15.0):
    return wait_for(predicate, timeout_s)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("devstack")) as running:
        assert {"webhook", "wechat-emulator", "simulator", "aws"} <= running.urls.keys()
        yield running.proc, {**running.urls, "demo logins": running.logins}, running.folder


@pytest.fixture
def client(stack):
    _, urls, _ = stack
    return WeChatSimulatorClient(
        urls["webhook"],
        defaults.WECHAT_TOKEN,
        defaults.WECHAT_APP_ID,
        defaults.WECHAT_ENCODING_AES_KEY,
        mode="safe",
    )


def _user_env() -> dict[str, str]:
    """The installed `claimbot`, as a user runs it: nothing of the checkout on PYTHONPATH."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _pushed(urls, openid):
    res = requests.get(f"{urls['wechat-emulator']}/_emulator/messages", params={"touser": openid})
    return res.json()


def _aws(urls, service):
    return boto3.client(
        service,
        endpoint_url=urls["aws"],
        region_name="ap-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def test_url_verification(client):
    assert client.verify_url() is True


def test_follow_menu_and_reply_round_trip_with_an_async_outbox_message(stack, client):
    _, urls, _ = stack
    openid = f"o_e2e_{uuid.uuid4().hex[:8]}"
    welcome = client.follow(openid)
    assert "欢迎关注" in welcome.content and "1 车险报价" in welcome.content
    pushed = _wait_for(lambda: _pushed(urls, openid))
    assert pushed[0]["msgtype"] == "news"
    assert pushed[0]["payload"]["news"]["articles"][0]["title"] == t.PRIVACY_NOTICE_TITLE
    hello = client.send_text(openid, "你好").content
    assert hello == t.SMALL_GREETING + "\n\n" + t.NUMBERED_MENU  # a greeting, not a miss
    assert "行驶证" in client.send_text(openid, "1").content
    assert "验证身份" in client.click(openid, "SURVEY").content  # bind first, then survey
    assert "验证身份" in client.click(openid, "POLICY").content
    assert client.unfollow(openid) is None


def test_the_menu_was_pushed_to_wechat(stack):
    _, urls, _ = stack
    menu = requests.get(f"{urls['wechat-emulator']}/_emulator/menu").json()
    assert menu == load_menu() or menu.get("menu") == load_menu()


def test_pictures_outside_any_flow_are_saved_and_the_customer_told_once(stack, client):
    """An album of three, sent at once with nothing to send it for: every picture is kept in
    S3, and the customer is told once (not three times) what pictures are for here."""
    from devstack.scenarios import send_at_once

    _, urls, _ = stack
    openid = f"o_e2e_{uuid.uuid4().hex[:8]}"
    uploads = [upload_image(urls["wechat-emulator"], b"\xff\xd8\xff\xe0photo%d\xff\xd9" % n)
               for n in range(3)]  # fmt: skip
    xmls = [client.build_message(openid, "image", [("PicUrl", u), ("MediaId", m)])
            for m, u in uploads]  # fmt: skip
    send_at_once(client, openid, xmls)
    s3 = _aws(urls, "s3")
    bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"] if "photos" in b["Name"])

    def saved():
        found = s3.list_objects_v2(Bucket=bucket, Prefix="inbound/").get("Contents", [])
        mine = [o for o in found if any(m in o["Key"] for m, _ in uploads)]
        return mine if len(mine) == 3 else []

    for obj in _wait_for(saved):
        assert s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read().startswith(b"\xff\xd8")
    told = _wait_for(lambda: [m for m in _pushed(urls, openid) if m.get("msgtype") == "text"])
    time.sleep(1.0)  # a second telling would have arrived by now
    told = [m for m in _pushed(urls, openid) if m.get("msgtype") == "text"]
    assert [m["payload"]["text"]["content"] for m in told] == [t.IMAGE_OUTSIDE_FLOW]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<xml>",
        b"\x00\x01\x02",
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml>&e;</xml>',
        b"<xml>" + b"<a>" * 5000 + b"</xml>",
        b"x" * 200_000,
    ],
)
def test_hostile_posts_never_get_a_5xx_and_the_stack_keeps_serving(stack, client, body):
    _, urls, _ = stack
    query, _ = signed("<xml/>", encrypted=False)
    res = requests.post(urls["webhook"], params=query, data=body, timeout=10)
    assert 400 <= res.status_code < 500
    unsigned = requests.post(urls["webhook"], data=body, timeout=10)
    assert unsigned.status_code in (400, 403, 413)
    assert client.send_text(f"o_e2e_{uuid.uuid4().hex[:8]}", "菜单").content == t.NUMBERED_MENU


def test_fifty_concurrent_copies_are_processed_once_over_http(stack):
    _, urls, _ = stack
    openid = f"o_e2e_{uuid.uuid4().hex[:8]}"
    xml = text_xml(openid, "2")
    posts = [signed(xml) for _ in range(50)]
    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(
            pool.map(
                lambda qb: requests.post(urls["webhook"], params=qb[0], data=qb[1], timeout=30),
                posts,
            )
        )
    assert {r.status_code for r in statuses} == {200}
    dynamodb = _aws(urls, "dynamodb")

    def records():
        return dynamodb.query(
            TableName="claimbot-local-conversations",
            KeyConditionExpression="openid = :o",
            ExpressionAttributeValues={":o": {"S": openid}},
            ConsistentRead=True,
        )["Items"]

    def answered():
        # Passively, or -- when copies arrived while the first was still working -- through
        # the outbox, which the pump delivers a moment later.
        passive = [r for r in records() if r["channel"]["S"] == "passive"]
        return passive + _pushed(urls, openid)

    answers = _wait_for(answered)
    time.sleep(1.0)  # anything else would have arrived by now
    assert len(answered()) == len(answers) == 1
    assert len([r for r in records() if r["direction"]["S"] == "in"]) == 1


def test_the_simulator_page_is_served(stack):
    _, urls, _ = stack
    page = requests.get(urls["simulator"], timeout=5)
    assert page.status_code == 200 and "claimbot 模拟器" in page.text


def test_claimbot_chat_talks_to_the_running_stack(stack):
    _, urls, _ = stack
    proc = subprocess.run(
        [
            str(claimbot_command()),
            "chat",
            "--webhook",
            urls["webhook"],
            "--emulator",
            urls["wechat-emulator"],
            "--openid",
            f"o_cli_{uuid.uuid4().hex[:6]}",
        ],
        input="/follow\n1\n/quit\n",
        env=_user_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "欢迎关注" in proc.stdout
    assert "行驶证" in proc.stdout


def test_stack_state_file_lists_the_urls(stack, tmp_path_factory):
    proc, urls, _ = stack
    state_files = list(Path(tmp_path_factory.getbasetemp()).glob("devstack*/.devstack/stack.json"))
    assert state_files
    assert json.loads(state_files[0].read_text())["urls"]["webhook"] == urls["webhook"]


def test_menu_push_uses_the_running_stack(stack):
    _, urls, cwd = stack
    requests.post(f"{urls['wechat-emulator']}/_emulator/reset", json={"keep_tokens": True})
    assert requests.get(f"{urls['wechat-emulator']}/_emulator/menu", timeout=5).json() is None
    env = _user_env()
    for name in ("WECHAT_API_BASE", "AWS_ENDPOINT_URL", "WECHAT_SSM_PATH"):
        env.pop(name, None)
    proc = subprocess.run(
        [str(claimbot_command()), "menu", "push"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    menu = requests.get(f"{urls['wechat-emulator']}/_emulator/menu", timeout=5).json()
    assert menu == load_menu() or menu.get("menu") == load_menu()


def test_bind_a_demo_customer_and_get_a_notice_when_a_claim_moves(stack, client):
    _, urls, _ = stack
    policy_no, plate, last6, salutation = urls["demo logins"][1]
    openid = f"o_e2e_{uuid.uuid4().hex[:8]}"
    assert "验证身份" in client.send_text(openid, "理赔进度").content
    assert "后 6 位" in client.send_text(openid, plate).content
    answer = client.send_text(openid, last6).content
    assert answer.startswith(f"{salutation}，绑定成功") and "赔案号 R" in answer

    dynamodb = _aws(urls, "dynamodb")
    policy = dynamodb.get_item(
        TableName="claimbot-local-policies", Key={"policy_no": {"S": policy_no}}
    )["Item"]
    claim_no = f"RDAA{uuid.uuid4().int % 10**16:016d}"
    reported = {"status": "reported", "at": "2026-11-20T09:00:00+08:00", "amount": None}
    item = {
        "claim_no": {"S": claim_no},
        "policy_no": {"S": policy_no},
        "customer_id": policy["customer_id"],
        "plate": policy["plate"],
        "accident_date": {"S": "2026-11-20"},
        "status": {"S": "reported"},
        "timeline": {"S": json.dumps([reported])},
        "version": {"N": "1"},
    }
    dynamodb.put_item(TableName="claimbot-local-claims", Item=item)  # an adjuster's system
    received = {"status": "survey_received", "at": "2026-11-20T09:30:00+08:00", "amount": None}
    dynamodb.update_item(
        TableName="claimbot-local-claims",
        Key={"claim_no": {"S": claim_no}},
        UpdateExpression="SET #s = :s, timeline = :t, version = :v",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={
            ":s": {"S": "survey_received"},
            ":t": {"S": json.dumps([reported, received])},
            ":v": {"N": "2"},
        },
    )

    def notices():
        return [m for m in _pushed(urls, openid) if m["kind"] == "template"]

    def said():
        return [m["data"]["thing2"]["value"] for m in notices()]  # as the customer sees it

    _wait_for(lambda: "已收到查勘照片" in said())
    time.sleep(1.5)  # a duplicate, or an older notice out of order, would have arrived by now
    # Both changes within milliseconds: "已报案" is told too when the stream delivered the two
    # changes in separate batches, but never after the newer notice.
    assert said() in (["已报案", "已收到查勘照片"], ["已收到查勘照片"])
    assert {m["data"]["character_string1"]["value"] for m in notices()} == {claim_no}


def test_quote_from_a_licence_photo_through_the_whole_stack(stack, client):
    """The customer sends a licence photo; the worker reads it (OCR) and the conversation
    continues through the outbox; a few replies later the three plans arrive."""
    import random

    from devstack.licence_photos import random_truth, render_licence

    _, urls, _ = stack
    rng = random.Random(7)
    truth = random_truth(rng)
    photo = render_licence(truth, rng)  # an easy, straight photo
    openid = f"o_e2e_{uuid.uuid4().hex[:8]}"
    assert "行驶证" in client.send_text(openid, "报价").content
    media_id, pic_url = upload_image(urls["wechat-emulator"], photo)
    assert "正在识别" in client.send_image(openid, media_id, pic_url).content

    def read_back():
        texts = [m["payload"]["text"]["content"] for m in _pushed(urls, openid)
                 if m.get("msgtype") == "text"]  # fmt: skip
        return [x for x in texts if x.startswith("识别结果")]

    (shown,) = _wait_for(read_back, timeout_s=60)
    assert truth.vin in shown and truth.plate_no in shown  # their own photo, in full
    answers = []
    for said in ("确认", "好", "150000", "好", "好"):
        reply = client.send_text(openid, said)
        answers.append(reply.content)
    assert "报价单 Q" in answers[-1] and "【基础】" in answers[-1] + "".join(
        m["payload"]["text"]["content"] for m in _pushed(urls, openid) if m.get("msgtype") == "text"
    )


def test_self_survey_five_photos_at_once_through_the_whole_stack(stack, client):
    """A bound customer reports an accident and picks five photos at once; WeChat posts them
    in parallel, each twice. The worker (real OCR on the VIN photo) answers once, the claim
    moves on, and the packet is in S3 with a manifest whose hashes match the files."""
    import hashlib

    from devstack.scenarios import photo_messages, report_accident, send_at_once, survey_set

    _, urls, _ = stack
    _policy_no, plate, last6, _salutation = urls["demo logins"][0]
    openid = f"o_e2e_{uuid.uuid4().hex[:8]}"
    claim_no = report_accident(client, openid, plate, last6)
    photos = survey_set(31)
    xmls = photo_messages(client, urls["wechat-emulator"], openid, photos)
    send_at_once(client, openid, xmls + xmls)  # each one retried too

    def confirmation():
        texts = [m["payload"]["text"]["content"] for m in _pushed(urls, openid)
                 if m.get("msgtype") == "text"]  # fmt: skip
        return [x for x in texts if "全部收到" in x]

    (done,) = _wait_for(confirmation, timeout_s=60)
    assert claim_no in done
    time.sleep(1.0)  # a second answer would have arrived by now
    texts = [m for m in _pushed(urls, openid) if m.get("msgtype") == "text"]
    assert not any(x["payload"]["text"]["content"].startswith("已收到") for x in texts)

    dynamodb = _aws(urls, "dynamodb")
    claim = dynamodb.get_item(TableName="claimbot-local-claims", Key={"claim_no": {"S": claim_no}})
    assert claim["Item"]["status"]["S"] == "survey_received"
    survey = dynamodb.get_item(
        TableName="claimbot-local-surveys", Key={"claim_no": {"S": claim_no}}
    )["Item"]
    s3 = _aws(urls, "s3")
    bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"] if "photos" in b["Name"])
    manifest = json.loads(
        s3.get_object(Bucket=bucket, Key=survey["packet_key"]["S"])["Body"].read()
    )
    for n, entry in manifest["slots"].items():
        original = s3.get_object(Bucket=bucket, Key=entry["files"]["original"]["key"])
        data = original["Body"].read()
        assert data == photos[int(n) - 1]
        assert hashlib.sha256(data).hexdigest() == entry["files"]["original"]["sha256"]
    assert manifest["slots"]["5"]["vin"]["read"] is not None  # the real OCR read it
