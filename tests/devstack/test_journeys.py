"""Customers and staff as they really are, through the whole stack as `make run` starts it
(the installed `claimbot dev`, after hours, the on-call roster in the WeCom emulator):
greetings and thanks, numbers off the menu, the menu tapped in the middle of a chat with a
person, staff answering after the customer left, someone hurt, a self-survey by someone who
does not read instructions (times in everyday words, a time typed where the place was asked,
five photos at once, one blurred), a re-shoot asked while the customer talks to a person, a
licence for a commercial vehicle, two messages at once."""

from __future__ import annotations

import json
import os
import random
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
import requests

from chalicelib.dialog import catalogue as t
from chalicelib.domain.assist import OFFER_HEAD
from chalicelib.domain.handoff import short_code
from devstack import defaults
from devstack.process import claimbot_command, running_stack
from devstack.simulator.client import WeChatSimulatorClient, upload_image
from tests.devstack.waiting import wait_for

pytestmark = pytest.mark.devstack

PRIMARY = "oncall-li"
HOTLINE = "95500"  # the stack's default (CLAIMBOT_HOTLINE)


def _wait_for(predicate, timeout_s: float = 30.0):
    return wait_for(predicate, timeout_s)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("devstack-journeys")
    with running_stack(folder, {"CLAIMBOT_BUSINESS_HOURS": "none"}, simulator=False) as running:
        yield running


@pytest.fixture
def client(stack):
    return WeChatSimulatorClient(stack.urls["webhook"], defaults.WECHAT_TOKEN,
                                 defaults.WECHAT_APP_ID, defaults.WECHAT_ENCODING_AES_KEY,
                                 mode="safe")  # fmt: skip


@pytest.fixture
def openid() -> str:
    return f"o_j_{uuid.uuid4().hex[:10]}"


def _pushed(stack, openid: str) -> list[str]:
    """What reached the customer besides passive replies, as they read it."""
    res = requests.get(f"{stack.urls['wechat-emulator']}/_emulator/messages",
                       params={"touser": openid}, timeout=5)  # fmt: skip
    shown = []
    for m in res.json():
        payload = m["payload"]
        if m["kind"] == "template":
            shown.append("【通知】" + " ".join(v["value"] for v in payload["data"].values()))
        elif m.get("msgtype") == "text":
            shown.append(payload["text"]["content"])
        elif m.get("msgtype") == "news":
            article = payload["news"]["articles"][0]
            shown.append(f"{article['title']}\n{article['description']}")
    return shown


def _staff(stack, userid: str = PRIMARY) -> list[str]:
    res = requests.get(f"{stack.urls['wecom-emulator']}/_emulator/messages",
                       params={"touser": userid}, timeout=5)  # fmt: skip
    return [m["content"] for m in res.json()]


def _staff_says(stack, text: str, userid: str = PRIMARY) -> None:
    answer = requests.post(f"{stack.urls['wecom-emulator']}/_emulator/reply",
                           json={"userid": userid, "text": text}, timeout=10)  # fmt: skip
    assert answer.json()["status"] == 200


def _words(reply) -> str:
    if reply is None:
        return ""
    if reply.msg_type == "news":
        article = reply.fields["Articles"][0]
        return f"{article['Title']}\n{article['Description']}"
    return reply.content or ""


def _bind(client, stack, openid: str, login: int = 0) -> None:
    _policy_no, plate, last6, salutation = stack.logins[login]
    client.send_text(openid, "保单查询")
    client.send_text(openid, plate)
    assert client.send_text(openid, last6).content.startswith(f"{salutation}，绑定成功")


def test_ordinary_words_get_a_friendly_menu_and_never_page_anyone(stack, client, openid):
    paged_before = len(_staff(stack))
    for said, first in (("你好", t.SMALL_GREETING), ("谢谢！", t.SMALL_THANKS),
                        ("好的", t.SMALL_ACK), ("嗯", t.SMALL_ACK), ("👍", t.SMALL_EMOJI),
                        ("[微笑]", t.SMALL_EMOJI), ("5", t.NOT_ON_MENU), ("在吗", t.SMALL_GREETING),
                        ("谢谢🙏", t.SMALL_THANKS)):  # fmt: skip
        assert client.send_text(openid, said).content == first + "\n\n" + t.NUMBERED_MENU
    assert client.send_text(openid, "火星上的车能理赔吗").content == t.KB_NOTHING
    assert client.send_text(openid, "谢谢").content.startswith(t.SMALL_THANKS)
    offer = client.send_text(openid, "月球上呢").content
    assert offer == t.KB_OFFER_PERSON.format(hotline=HOTLINE)  # offered, not sent
    time.sleep(1.0)
    assert len(_staff(stack)) == paged_before  # nobody was paged for any of it
    assert "值班同事" in client.send_text(openid, "0").content
    _wait_for(lambda: any(short_code(openid) in x for x in _staff(stack)))


def test_a_handoff_never_traps_the_customer(stack, client, openid):
    _bind(client, stack, openid)
    assert "值班同事" in client.send_text(openid, "人工").content
    assert client.send_text(openid, "车在高速上抛锚了") is None  # to the person, at once
    code = short_code(openid)
    mine = lambda: [x for x in _staff(stack) if code in x]  # noqa: E731
    _wait_for(lambda: len(mine()) >= 2)
    # The relayed words, then the knowledge base's numbered candidates (domain/assist.py).
    words = mine()[1].split(f"\n{OFFER_HEAD}", 1)[0]
    assert mine()[0].startswith(f"【人工转接】{code}") and words.endswith("车在高速上抛锚了")

    policies = _words(client.click(openid, "POLICY"))
    later = _wait_for(lambda: [x for x in _pushed(stack, openid) if t.HANDOFF_STILL_OPEN in x]
                      or ([policies] if t.HANDOFF_STILL_OPEN in policies else []))  # fmt: skip
    assert "您名下的保单" in policies and later
    _wait_for(lambda: any("客户查看了保单信息" in x for x in mine()))
    progress = _words(client.send_text(openid, "理赔进度"))
    assert "理赔进度" in progress or "赔案号" in progress
    assert "请回复数字选择服务" in _words(client.send_text(openid, "菜单"))

    survey = _words(client.click(openid, "SURVEY"))  # another service: the chat ends, said so
    assert survey.startswith("已结束本次人工服务，为您办理“自助查勘”")
    assert t.SURVEY_QUESTIONS["injured"] in survey
    _wait_for(lambda: any("去办理“自助查勘”" in x for x in mine()))
    _staff_says(stack, f"{code} 您的车在哪个位置？我帮您叫拖车")
    late = _wait_for(lambda: [x for x in _pushed(stack, openid) if "的人工咨询）" in x])
    assert late[0].startswith("【人工客服 李值班】（回复您 ") and late[0].endswith("我帮您叫拖车")
    assert "事故中有人受伤吗" in _words(client.send_text(openid, "好的"))  # still the survey


def test_someone_hurt_hears_120_first_wherever_they_are(stack, client, openid):
    first = t.EMERGENCY_FIRST.format(hotline=HOTLINE)
    assert client.send_text(openid, "撞了人 人在流血 怎么办").content.startswith(first)
    client.send_text(openid, "报价")
    assert client.send_text(openid, "刚才撞到一个行人").content.startswith(first)
    _bind(client, stack, openid)
    client.send_text(openid, "自助查勘")
    handed = client.send_text(openid, "有人受伤").content
    assert handed.startswith(first) and "不适合自助查勘" in handed


def test_a_self_survey_for_someone_who_does_not_read_instructions(stack, client, openid):
    from devstack import survey_photos
    from devstack.scenarios import photo_messages, send_at_once, survey_set

    _policy_no, plate, last6, _ = stack.logins[0]
    client.send_text(openid, "自助查勘")
    client.send_text(openid, plate)
    assert "事故中有人受伤吗" in client.send_text(openid, last6).content
    for said in ("没有人受伤", "不涉及", "还能开"):
        reply = client.send_text(openid, said).content
    assert reply == t.SURVEY_ASK_TIME
    assert client.send_text(openid, "明天上午").content == t.SURVEY_FUTURE_TIME
    assert client.send_text(openid, "三天前").content == t.SURVEY_TOO_LATE.format(
        hotline=HOTLINE)  # fmt: skip
    client.send_text(openid, "2")
    for said in ("否", "否", "是"):
        client.send_text(openid, said)
    assert client.send_text(openid, "半小时前").content == t.SURVEY_ASK_PLACE
    noted = client.send_text(openid, "不对，是昨天下午3点").content  # a time, typed at the place
    assert noted.startswith("好的，出险时间改为") and "（昨天） 15:00" in noted
    client.send_text(openid, "深圳市南山区科技园南路")
    summary = client.send_text(openid, "倒车时撞到路边石墩，后保险杠裂开").content
    assert "出险时间：" in summary and "（昨天） 15:00" in summary
    opened = client.send_text(openid, "确认").content
    claim_no = opened.split("报案号：")[1].split("\n")[0]
    _wait_for(lambda: any(x.startswith("第1张：车头45°") for x in _pushed(stack, openid)))

    photos = survey_set(41)
    photos[1] = survey_photos.blurred(142)
    send_at_once(client, openid, photo_messages(client, stack.urls["wechat-emulator"], openid,
                                                photos))  # fmt: skip
    progress = _wait_for(lambda: [x for x in _pushed(stack, openid) if x.startswith("已收到")],
                         timeout_s=60)  # fmt: skip
    time.sleep(1.5)  # a second message for the batch would have arrived by now
    [progress] = [x for x in _pushed(stack, openid) if x.startswith("已收到")]
    assert progress.startswith("已收到 4/5，下一张：第2张 车尾45°")
    assert "第2张 车尾45° 需要重拍：" + t.SURVEY_REASONS["blurred"] in progress
    assert progress.count(t.SURVEY_SHOT_HINTS[2]) == 1  # the hint once, in one message
    assert not any("已报案" in x for x in _pushed(stack, openid))  # no notice mid-instructions

    retake = photo_messages(client, stack.urls["wechat-emulator"], openid,
                            [survey_photos.scene(242, view="rear")])  # fmt: skip
    send_at_once(client, openid, retake)
    _wait_for(lambda: any("全部收到" in x for x in _pushed(stack, openid)), timeout_s=60)
    asked = client.send_text(openid, f"请问我的案子{claim_no}现在到哪一步了？").content
    assert f"赔案号 {claim_no}" in asked and "已收到查勘照片" in asked

    # An adjuster asks for the rear shot again while the customer is talking to a person.
    assert "值班同事" in client.send_text(openid, "人工").content
    _reshoot(stack, claim_no, slot=2)
    _wait_for(lambda: any("还需要补拍以下照片" in x for x in _pushed(stack, openid)))
    _wait_for(lambda: any(x.startswith("【通知】") and "需要补拍照片" in x
                          for x in _pushed(stack, openid)))  # fmt: skip
    progress = client.send_text(openid, "理赔进度").content or ""
    assert "当前：需要补拍照片" in progress and "第2张 车尾45°：车牌看不清" in progress
    again = photo_messages(client, stack.urls["wechat-emulator"], openid,
                           [survey_photos.scene(343, view="rear")])  # fmt: skip
    send_at_once(client, openid, again)
    done = _wait_for(lambda: [x for x in _pushed(stack, openid) if "全部收到" in x][1:],
                     timeout_s=60)  # fmt: skip
    assert claim_no in done[0]
    code = short_code(openid)
    staff = [x for x in _staff(stack) if code in x]
    assert any("客户发送了一张查勘照片" in x for x in staff)
    assert not any("[图片]" in x for x in staff)  # the photo went to the survey, not to WeCom


def _reshoot(stack, claim_no: str, slot: int) -> None:
    api = stack.urls["webhook"].removesuffix("/wechat") + "/console/api"
    token = requests.post(f"{api}/dev-login", json={"user": "adjuster1"}, timeout=10).json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    claim = requests.get(f"{api}/claims/{claim_no}", headers=headers, timeout=10).json()
    body = {"action": "reshoot", "version": claim["claim"]["version"],
            "reshoots": [{"slot": slot, "reason": "plate_unreadable"}]}  # fmt: skip
    decided = requests.post(f"{api}/claims/{claim_no}/decisions", data=json.dumps(body),
                            headers={**headers, "Content-Type": "application/json"},
                            timeout=10)  # fmt: skip
    assert decided.status_code == 200, decided.text


def test_a_commercial_licence_is_refused_in_chinese_and_corrections_are_understood(
    stack, client, openid
):
    from devstack.licence_photos import random_truth, render_licence

    rng = random.Random(11)
    truth = replace(random_truth(rng), use_character="营运")
    photo = render_licence(truth, rng)
    client.send_text(openid, "报价")
    media_id, pic_url = upload_image(stack.urls["wechat-emulator"], photo)
    client.send_image(openid, media_id, pic_url)
    read_back = _wait_for(lambda: [x for x in _pushed(stack, openid) if x.startswith("识别结果")],
                          timeout_s=90)  # fmt: skip
    assert truth.plate_no in read_back[0] and truth.vin in read_back[0]
    fixed = client.send_text(openid, "车牌是粤B12345").content
    assert "车牌 粤B12345" in fixed
    refused = client.send_text(openid, "确认").content
    assert refused == t.QUOTE_REFUSALS["use_character"].format(hotline=HOTLINE)

    blurred = render_licence(random_truth(random.Random(12)), random.Random(12), blur=12)
    client.send_text(openid, "报价")
    media_id, pic_url = upload_image(stack.urls["wechat-emulator"], blurred)
    client.send_image(openid, media_id, pic_url)
    _wait_for(lambda: t.QUOTE_BLURRED in _pushed(stack, openid), timeout_s=90)


def test_two_messages_at_once_are_both_answered(stack, client, openid):
    _bind(client, stack, openid, login=1)
    with ThreadPoolExecutor(2) as pool:
        policies, claims = pool.map(lambda said: client.send_text(openid, said), ("3", "4"))
    assert "您名下的保单" in _words(policies)
    assert "理赔进度" in _words(claims) or "赔案" in _words(claims)


def _someone_else() -> str:
    return f"o_j_{uuid.uuid4().hex[:10]}"


def test_questions_in_customers_own_words_are_answered_routed_and_learned_from(stack, client,
                                                                               openid):  # fmt: skip
    """A question answered end to end; a run-on with two questions; a person asked for in
    natural words; a complaint with no listed word; harmless words that sound like one; an
    unsure question offered as choices and picked, and `claimbot kb misses` showing it."""
    price = client.send_text(openid, "交强险一年多少钱啊").content
    assert "6座以下 950元" in price

    # Two questions in one run-on: the first asked is answered, the other offered as a choice
    # (sent after the answer), and its number answers it.
    two = client.send_text(openid, "我想问下那个出了事故以后要多久报案啊 还有怎么退保").content
    assert "48小时内报案" in two
    assert "按已保障的时间计算后退还剩余保费" in client.send_text(openid, "1").content

    person = client.send_text(_someone_else(), "别让机器人回复了 叫个人来").content
    assert "值班同事" in person

    angry = client.send_text(_someone_else(), "再不给答复我就去微博发帖曝光你们").content
    assert angry.startswith("非常抱歉给您带来不好的体验")
    calm = client.send_text(_someone_else(), "律师费能赔吗").content
    assert "非常抱歉" not in calm and "优先处理" not in calm

    offered = client.send_text(openid, "退保能分期吗").content  # unsure: choices, then picked
    assert offered.startswith("您想问的是不是：") and "1 保费怎么交" in offered
    assert "官方收款账户" in client.send_text(openid, "1").content

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for name in ("WECHAT_API_BASE", "AWS_ENDPOINT_URL", "WECHAT_SSM_PATH"):
        env.pop(name, None)
    listed = subprocess.run([str(claimbot_command()), "kb", "misses", "--days", "2", "--json"],
                            cwd=stack.folder, env=env, capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    questions = {q["question"]: q for q in json.loads(listed.stdout)["questions"]}
    assert questions["退保能分期吗"]["picked"].get("pay_premium", 0) >= 1
    assert "交强险一年多少钱啊" not in questions  # answered: not a miss
