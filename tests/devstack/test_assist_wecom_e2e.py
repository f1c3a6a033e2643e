"""Assist in WeCom through the whole local stack: after hours, a customer's question is relayed
to the on-call person's WeCom with the knowledge base's candidates numbered under it (the WeCom
emulator lists them), the person replies just "1", and the customer gets that answer in WeChat
as the person's reply; "#CODE 2" sends the second."""

from __future__ import annotations

import uuid

import pytest
import requests

from chalicelib.domain.handoff import short_code
from chalicelib.kb import load_default
from devstack import defaults
from devstack.process import running_stack
from devstack.simulator.client import WeChatSimulatorClient
from tests.devstack.waiting import wait_for

pytestmark = pytest.mark.devstack
ON_CALL = "oncall-li"


@pytest.fixture(scope="module")
def urls(tmp_path_factory):
    env = {"CLAIMBOT_BUSINESS_HOURS": "none"}
    folder = tmp_path_factory.mktemp("devstack-assist-wecom")
    with running_stack(folder, env, simulator=False, seed=False) as running:
        yield running.urls


def _wechat_texts(urls, openid: str) -> list[str]:
    res = requests.get(f"{urls['wechat-emulator']}/_emulator/messages", params={"touser": openid},
                       timeout=5)  # fmt: skip
    return [m["payload"]["text"]["content"] for m in res.json() if m.get("msgtype") == "text"]


def _options(urls) -> list[dict]:
    return requests.get(f"{urls['wecom-emulator']}/_emulator/options",
                        params={"touser": ON_CALL}, timeout=5).json()  # fmt: skip


def _reply(urls, text: str) -> None:
    answer = requests.post(f"{urls['wecom-emulator']}/_emulator/reply",
                           json={"userid": ON_CALL, "text": text}, timeout=10)  # fmt: skip
    assert answer.json()["status"] == 200


def test_the_on_call_person_answers_with_a_candidates_number(urls):
    client = WeChatSimulatorClient(urls["webhook"], defaults.WECHAT_TOKEN, defaults.WECHAT_APP_ID,
                                   defaults.WECHAT_ENCODING_AES_KEY, mode="safe")  # fmt: skip
    openid = f"o_assist_{uuid.uuid4().hex[:8]}"
    assert "值班同事" in client.send_text(openid, "人工").content
    assert client.send_text(openid, "交强险多少钱") is None  # relayed, no bot answer
    options = wait_for(lambda: _options(urls), 20.0)
    kb = load_default()
    assert options[0] == {"n": 1, "title": kb.entry("jqx_price").questions[0]}
    assert 1 < len(options) <= 10

    _reply(urls, "1")  # the only chat of this person: the number alone
    first = wait_for(lambda: [x for x in _wechat_texts(urls, openid) if "人工客服" in x], 20.0)
    assert first[0].startswith("【人工客服 ") and kb.entry("jqx_price").answer[:20] in first[0]

    _reply(urls, f"{short_code(openid)} 2")
    second = wait_for(lambda: [x for x in _wechat_texts(urls, openid) if "人工客服" in x][1:],
                      20.0)  # fmt: skip
    second_entry = next(e for e in kb.entries if e.questions[0] == options[1]["title"])
    assert second_entry.answer[:20] in second[0]
