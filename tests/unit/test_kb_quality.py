"""How well the shipped knowledge base answers questions as customers type them.

The questions below were written before the matcher, as customers would write them: other
words, other word order, synonyms, typos, dialect, with and without punctuation. None is copied
from chalicelib/kb/faq.csv. Each is labelled with the entry that should answer it, or None when
the bot must not answer confidently (off-topic chatter).

The test prints the top-1 accuracy on answerable questions and the false-answer rate on
off-topic ones (run with -s to see them), and asserts floors a little under what the matcher
reaches, so that a change to the matcher or the shipped files that makes answers worse fails.
"""

from __future__ import annotations

import pytest

from chalicelib.domain.kb import KnowledgeBase
from chalicelib.kb import load_default

# (question, expected entry id or None)
QUESTIONS: list[tuple[str, str | None]] = [
    # 交强险
    ("交强险要交多少钱啊", "jqx_price"),
    ("我家7座的SUV交强险多少", "jqx_price"),
    ("强制险一年几多钱", "jqx_price"),
    ("小轿车的交强保险费", "jqx_price"),
    ("交强线多少钱", "jqx_price"),  # typo: 线 for 险
    ("交强险去年没出险今年能打几折", "jqx_discount"),
    ("两年没有事故，交强险能优惠多少？", "jqx_discount"),
    ("交强险最高赔多少？", "jqx_limits"),
    ("交强险的医疗费用限额是多少", "jqx_limits"),
    # 商业险
    ("商业保险的价格是怎么算出来的", "commercial_price"),
    ("为啥我的车险这么贵", "commercial_price"),
    ("出了一次险明年保费涨多少", "ncd"),
    ("ＮＣＤ系数是啥", "ncd"),  # full-width letters
    ("今年不出险明年商业险便宜多少", "ncd"),
    ("车损险赔什么东西", "damage_cover"),
    ("我的车开了五年了，车损险保额怎么算", "damage_cover"),
    ("三者买多少万合适", "third_party"),
    ("第三者险保额100万够不够", "third_party"),
    # 车船税
    ("车船税怎么收的", "vehicle_tax"),
    ("2.0排量车船税要多少钱", "vehicle_tax"),
    ("电动车要不要交车船税", "vehicle_tax"),
    # 投保
    ("想给车买份保险", "quote"),
    ("帮我报个价", "quote"),
    ("怎么在微信上算车险价格", "quote"),
    ("我的车险快过期了怎么续", "renewal"),
    ("续保可以提前多久办", "renewal"),
    ("买车险要准备啥证件", "insure_materials"),
    ("今天买的保险什么时候开始生效", "effective"),
    ("保费可以微信付吗", "pay_premium"),
    ("保险费怎么交", "pay_premium"),
    # 报案
    ("报案打什么电话", "report_how"),
    ("出事了怎么报保险", "report_how"),
    ("微信能报案不", "report_how"),
    ("怎么抱案", "report_how"),  # typo: 抱 for 报
    ("出险后多久内报案", "report_deadline"),
    ("事故三天了还能报案吗", "report_deadline"),
    ("报案时限是多长时间", "report_deadline"),
    ("刚刚撞车了我该怎么办", "accident_steps"),
    ("发生交通事故后第一步要做什么", "accident_steps"),
    ("出车祸有人受伤了", "accident_steps"),
    ("自己撞墙了要叫交警吗", "police"),
    ("单方事故一定要报警吗", "police"),
    ("被别的车追尾了怎么办", "two_vehicles"),
    ("对方全责 我该怎么理赔", "two_vehicles"),
    ("在外地撞车了能理赔吗", "remote_accident"),
    ("出差的时候出了事故", "remote_accident"),
    # 查勘
    ("单车事故能不能自己拍照理赔", "self_survey"),
    ("自助查勘怎么弄", "self_survey"),
    ("不想等查勘员来现场", "self_survey"),
    ("自助查勘拍几张照片", "survey_photos"),
    ("照片要怎么拍才合格", "survey_photos"),
    ("拍了三张照片退出了怎么接着拍", "survey_resume"),
    ("查勘中断了怎么继续", "survey_resume"),
    # 理赔
    ("理赔需要啥资料", "claim_materials"),
    ("索赔要交哪些材料？", "claim_materials"),
    ("理陪需要什么材料", "claim_materials"),  # typo: 陪 for 赔
    ("理赔要准备什么东西", "claim_materials"),
    ("我的理赔到哪了", "claim_progress"),
    ("理赔进度在哪里查", "claim_progress"),
    ("赔案审核结果怎么看", "claim_progress"),
    ("赔款几天到账", "claim_time"),
    ("理赔审核要多长时间", "claim_time"),
    ("车被刮了怎么办", "scratch_unknown"),
    ("停在小区车被人划了找不到人", "scratch_unknown"),
    ("车停路边被蹭了，肇事车跑了", "scratch_unknown"),
    ("前挡风玻璃被石头打裂了", "glass"),
    ("车窗被砸了保险赔不赔", "glass"),
    ("车被水泡了怎么办", "flood"),
    ("大雨车进水了能赔吗", "flood"),
    ("涉水熄火保险赔吗", "flood"),
    ("车在高速上抛锚了", "roadside"),
    ("电瓶没电了能来搭电吗", "roadside"),
    ("能不能派个拖车", "roadside"),
    ("能去4s店修吗", "repair"),
    ("定损完可以自己找地方修车吗", "repair"),
    ("赔款会打到哪里", "payee"),
    ("赔的钱能直接给修理厂吗", "payee"),
    ("报了案又不想走保险了", "withdraw"),
    ("怎么取消报案", "withdraw"),
    ("车被偷了怎么办", "theft"),
    ("车辆被盗能赔吗", "theft"),
    # 保单服务
    ("绑定保单要输入什么", "bind"),
    ("为什么查保单要绑定", "bind"),
    ("怎么解除绑定", "unbind"),
    ("我绑错保单了", "unbind"),
    ("保单怎么查", "policy_lookup"),
    ("我想看看我买了什么险", "policy_lookup"),
    ("我的保险哪天到期", "policy_lookup"),
    ("保单丢了怎么查", "policy_lost"),
    ("纸质保单弄丢了", "policy_lost"),
    ("电子保单怎么下载", "policy_lost"),
    ("驾照丢了能理赔吗", "documents_lost"),
    ("行驶证弄丢了怎么办", "documents_lost"),
    ("保险发票怎么开", "invoice"),
    ("我要开电子发票", "invoice"),
    ("换了手机号保单怎么改", "change_phone"),
    ("预留手机号码要变更", "change_phone"),
    ("车卖了保险怎么处理", "change_owner"),
    ("二手车过户后保险还能用吗", "change_owner"),
    ("保险能退吗", "cancel_policy"),
    ("退保怎么退", "cancel_policy"),
    ("我的个人信息安全吗", "privacy"),
    ("你们为什么要我身份证号", "privacy"),
    ("客服电话多少", "hotline"),
    ("你们上班时间是几点", "hotline"),
    ("怎么找人工客服", "hotline"),
    ("vin码在哪看", "vin_where"),
    ("车驾号在车上哪里", "vin_where"),  # typo: 驾 for 架
    # Off-topic: no confident answer.
    ("今天天气怎么样", None),
    ("你是机器人吗", None),
    ("推荐一家餐厅", None),
    ("讲个笑话", None),
    ("附近有加油站吗", None),
    ("明天股票会涨吗", None),
    ("你叫什么名字", None),
    ("帮我订一张去北京的机票", None),
    ("我想买房子", None),
    ("北京到上海有多远", None),
    ("怎么减肥最快", None),
    ("哈哈哈哈", None),
    ("123456", None),
    ("周末去哪里玩", None),
    ("我的快递到哪了", None),
    ("手机充不上电怎么办", None),
    ("医保怎么报销", None),
]

# Written later, when the first matcher existed, to check it had not been fitted to the set
# above; it was not tuned on before the edit-similarity measure and the thresholds were chosen.
SECOND_SET: list[tuple[str, str | None]] = [
    ("请问交强险价格是多少", "jqx_price"),
    ("六座以上的车交强险贵吗", "jqx_price"),
    ("交强险三年没出过险打几折", "jqx_discount"),
    ("交强险对方受伤能赔多少医药费", "jqx_limits"),
    ("商业车险费率是怎么定的", "commercial_price"),
    ("明年续保会不会因为出险涨价", "ncd"),
    ("无赔优待是什么意思", "ncd"),
    ("1.5L的车车船税交多少", "vehicle_tax"),
    ("能帮我报个车险价吗", "quote"),
    ("我要投保", "quote"),
    ("车险到期了还没续", "renewal"),
    ("车损险是按什么价格赔的", "damage_cover"),
    ("三者险有必要买300万吗", "third_party"),
    ("新车买保险需要带什么", "insure_materials"),
    ("保单几点开始生效", "effective"),
    ("在哪报案", "report_how"),
    ("出险了要在多少小时内报案", "report_deadline"),
    ("撞车了第一件事要干嘛", "accident_steps"),
    ("倒车撞到柱子了可以自己在手机上查勘吗", "self_survey"),
    ("查勘的5张照片都拍什么", "survey_photos"),
    ("照片拍了一半怎么继续查勘", "survey_resume"),
    ("索赔时要提供哪些单证", "claim_materials"),
    ("我的案子审核到哪一步了", "claim_progress"),
    ("多长时间能收到赔款", "claim_time"),
    ("单车事故要不要报交警", "police"),
    ("跟别人的车刮了怎么处理", "two_vehicles"),
    ("车被划了一道找不到是谁干的", "scratch_unknown"),
    ("挡风玻璃有裂纹保险管吗", "glass"),
    ("地下车库被淹车泡了", "flood"),
    ("半路没油了可以救援吗", "roadside"),
    ("修车可以选4S店吗", "repair"),
    ("理赔款打到谁的卡上", "payee"),
    ("我想撤销报案", "withdraw"),
    ("怎么把保单绑到微信上", "bind"),
    ("解绑保单", "unbind"),
    ("想查一下保单", "policy_lookup"),
    ("保单找不到了", "policy_lost"),
    ("驾驶证丢了怎么办理赔", "documents_lost"),
    ("发票怎么开", "invoice"),
    ("手机号换了怎么办", "change_phone"),
    ("车过户了保单怎么办", "change_owner"),
    ("我要退保", "cancel_policy"),
    ("我的身份证信息会不会被泄露", "privacy"),
    ("客服热线几号", "hotline"),
    ("车架号去哪里找", "vin_where"),
    ("保费能刷信用卡吗", "pay_premium"),
    ("异地出了事故怎么理赔", "remote_accident"),
    ("车子被人偷走了", "theft"),
    ("今天星期几", None),
    ("你好", None),
    ("我饿了", None),
    ("帮我查一下火车票", None),
    ("给我唱首歌", None),
    ("你们公司在哪", None),
    ("怎么学开车", None),
    ("孩子发烧了怎么办", None),
]

# Reached: 0.972 top-1, 0.000 confident answers to off-topic questions, no confident wrong
# answer (second set: 0.917, 0.000, 0.021). Floors a few questions under that.
ACCURACY_FLOOR = 0.93
FALSE_ANSWER_CEILING = 0.06
WRONG_ANSWER_CEILING = 0.03
SECOND_SET_ACCURACY_FLOOR = 0.87


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_default()


def test_every_label_names_a_shipped_entry(kb: KnowledgeBase) -> None:
    unknown = {want for _, want in QUESTIONS + SECOND_SET if want and kb.entry(want) is None}
    assert not unknown
    assert len(QUESTIONS) >= 80
    assert sum(1 for _, want in QUESTIONS if want is None) >= 15


def measure(kb: KnowledgeBase, questions: list[tuple[str, str | None]], name: str) -> dict:
    """Print and return top-1 accuracy, confident answers right and wrong, false answers."""
    answerable = [(q, want) for q, want in questions if want]
    off_topic = [q for q, want in questions if not want]
    top1 = direct = wrong_direct = 0
    misses: list[str] = []
    for question, want in answerable:
        result = kb.ask(question)
        best = result.matches[0].entry.id if result.matches else None
        if best == want:
            top1 += 1
            direct += result.kind == "answer"
        else:
            wrong_direct += result.kind == "answer"
            misses.append(
                f"  {question!r}: want {want}, got {result.kind} {best} ({result.confidence:.2f})"
            )
    false_answers = [q for q in off_topic if kb.ask(q).kind == "answer"]
    numbers = {
        "accuracy": top1 / len(answerable),
        "direct": direct / len(answerable),
        "wrong": wrong_direct / len(answerable),
        "false": len(false_answers) / len(off_topic),
    }
    print(f"\n{name}: {len(answerable)} answerable, {len(off_topic)} off-topic questions")
    print(f"  top-1 accuracy (answer or first candidate): {numbers['accuracy']:.3f}")
    print(f"  answered directly and right: {numbers['direct']:.3f}")
    print(f"  answered directly and wrong: {numbers['wrong']:.3f}")
    print(f"  off-topic answered confidently: {numbers['false']:.3f} {false_answers}")
    print("\n".join(["  misses:", *misses]) if misses else "  misses: none")
    return numbers


def test_quality_floors(kb: KnowledgeBase) -> None:
    numbers = measure(kb, QUESTIONS, "KB quality")
    assert numbers["accuracy"] >= ACCURACY_FLOOR
    assert numbers["false"] <= FALSE_ANSWER_CEILING
    assert numbers["wrong"] <= WRONG_ANSWER_CEILING


def test_quality_floors_on_the_second_set(kb: KnowledgeBase) -> None:
    numbers = measure(kb, SECOND_SET, "KB quality, second set")
    assert numbers["accuracy"] >= SECOND_SET_ACCURACY_FLOOR
    assert numbers["false"] <= FALSE_ANSWER_CEILING
