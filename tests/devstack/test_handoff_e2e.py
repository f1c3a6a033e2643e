"""After hours through the whole local stack: a customer asks for a person, the on-call
colleague's WeCom gets the context, nobody answers so the backup is asked (the scheduled
watchdog, run every second here), the backup answers from WeCom, the customer gets it in
WeChat, and the backup ends the handoff."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from devstack import defaults
from devstack.simulator.client import WeChatSimulatorClient

pytestmark = pytest.mark.devstack
ROOT = Path(__file__).resolve().parents[2]


def _wait_for(predicate, timeout_s: float = 20.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("devstack-handoff")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1",
           "CLAIMBOT_BUSINESS_HOURS": "none", "HANDOFF_ESCALATE_AFTER_S": "2",
           "CLAIMBOT_SCHEDULE_EVERY_S": "1"}  # fmt: skip
    for name in ("AWS_ENDPOINT_URL", "PHOTOS_BUCKET", "CLAIMBOT_PRIVACY_URL",
                 "CLAIMBOT_PUBLIC_URL"):  # fmt: skip
        env.pop(name, None)
    args = [sys.executable, "-m", "devstack", "dev", "--no-simulator", "--no-seed"]
    for name in defaults.PORTS:
        args += [f"--{name}-port", "0"]
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=open(cwd / "stderr.log", "w"), text=True)  # fmt: skip
    urls = {}
    for line in proc.stdout:
        line = line.strip()
        if line == "ready":
            break
        if ": " in line:
            name, url = line.split(": ", 1)
            urls[name] = url
    assert {"webhook", "wechat-emulator", "wecom-emulator"} <= urls.keys()
    yield urls
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0


def _wecom_texts(urls, userid: str) -> list[str]:
    res = requests.get(f"{urls['wecom-emulator']}/_emulator/messages", params={"touser": userid})
    return [m["content"] for m in res.json()]


def _wechat_texts(urls, openid: str) -> list[str]:
    res = requests.get(f"{urls['wechat-emulator']}/_emulator/messages", params={"touser": openid})
    return [m["payload"]["text"]["content"] for m in res.json() if m.get("msgtype") == "text"]


def test_after_hours_handoff_escalates_to_the_backup_who_answers_and_ends_it(stack):
    urls = stack
    client = WeChatSimulatorClient(urls["webhook"], defaults.WECHAT_TOKEN, defaults.WECHAT_APP_ID,
                                   defaults.WECHAT_ENCODING_AES_KEY, mode="safe")  # fmt: skip
    openid = f"o_e2e_{uuid.uuid4().hex[:8]}"
    assert "值班同事" in client.send_text(openid, "人工").content
    primary = _wait_for(lambda: _wecom_texts(urls, "oncall-li"))
    assert primary[0].startswith("【人工转接】") and "未绑定保单" in primary[0]
    assert client.send_text(openid, "车在高速上爆胎了") is None  # relayed, no bot answer

    backup = _wait_for(lambda: _wecom_texts(urls, "oncall-wang"))  # nobody answered
    assert backup[0].startswith("【人工转接】")
    # The backup sees the customer's words: in the context, or relayed after it.
    _wait_for(lambda: any("车在高速上爆胎了" in x for x in _wecom_texts(urls, "oncall-wang")))

    reply = {"userid": "oncall-wang", "text": "您好，请打开双闪，救援车20分钟到"}
    answer = requests.post(f"{urls['wecom-emulator']}/_emulator/reply", json=reply)
    assert answer.json()["status"] == 200
    relayed = _wait_for(lambda: [x for x in _wechat_texts(urls, openid) if "人工客服" in x])
    assert relayed == ["【人工客服 王备班】您好，请打开双闪，救援车20分钟到"]

    requests.post(f"{urls['wecom-emulator']}/_emulator/reply",
                  json={"userid": "oncall-wang", "text": "/结束"})  # fmt: skip
    _wait_for(lambda: [x for x in _wechat_texts(urls, openid) if "已结束" in x])
    assert "菜单" in client.send_text(openid, "菜单").content  # the bot has the customer back
