"""Someone may be hurt: whatever the customer is doing, the first thing they read is 120 / 122
and the claims hotline. Negations (没有人受伤, 人没事) do not count."""

from __future__ import annotations

import re

from chalicelib.domain.text import to_halfwidth

_HURT = re.compile(
    r"受伤|伤到了?人|伤了人|撞了?(到|伤)?(一个|个)?(行)?人|撞死|碾(到|了)|压到人|人伤"
    r"|流血|出血|满脸是血|一身血|骨折|骨头|昏迷|晕倒|晕过去|不省人事|没有?意识|没(了)?呼吸|救护车"
    r"|送医院|抢救|身亡|死亡|死人|倒地|躺(在)?地上|不动了|起不来|怀孕|孕妇"
    r"|起火|着火|冒烟|爆炸|火烧|困在|卡在(车|副驾|驾驶|后排|里)|被困|出不来|没上来|冲走|淹没"
    r"|翻车|翻了|翻沟|掉(河|沟|水)|刹车失灵|失控|铁道|铁轨|往下溜|冲过来|救命|救救"
)
_NEGATED = re.compile(
    r"(没有|没|无|未|不|并没有|并无)(任何)?(人员?|别人|他人|对方|司机|乘客|我|大家|他|她)?"
    r"(受伤|伤亡|伤到|伤着|流血|出血)"
    r"|(人员?|大家|我|司机|乘客|人都|人)(都|也)?(没事|没受伤|无碍|安全|平安|无恙|好好的)"
    r"|人伤险|人伤保险"
)


def someone_may_be_hurt(text: str) -> bool:
    said = _NEGATED.sub("", to_halfwidth(text))
    return bool(_HURT.search(said))
