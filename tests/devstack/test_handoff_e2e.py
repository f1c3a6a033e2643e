"""After hours through the whole local stack: a customer asks for a person, the on-call
colleague's WeCom gets the context, nobody answers so the backup is asked (the scheduled
watchdog, run every second here), the backup answers from WeCom, the customer gets it in
WeChat, and the backup ends the handoff."""

from __future__ import annotations

import uuid

import pytest
import requests

from devstack import defaults
from devstack.process import running_stack
from devstack.simulator.client import WeChatSimulatorClient
from tests.devstack.waiting import wait_for

pytestmark = pytest.mark.devstack


def _wait_for(predicate, timeout_s: float = 20.0):
    return wait_for(predicate, timeout_s)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    env = {"CLAIMBOT_BUSINESS_HOURS": "none", "HANDOFF_ESCALATE_AFTER_S": "2",
           "CLAIMBOT_SCHEDULE_EVERY_S": "1"}  # fmt: skip
    folder = tmp_path_factory.mktemp("devstack-handoff")
    with running_stack(folder, env, simulator=False, seed=False) as running:
        assert {"webhook", "wechat-emulator", "wecom-emulator"} <= running.urls.keys()
        yield running.urls


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
