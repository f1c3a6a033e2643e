"""What a customer does, scripted for the end-to-end tests and benchmarks (never deployed).

    claim_no = report_accident(client, openid, plate, last6)
    xmls = photo_messages(client, emulator_url, openid, survey_set(31))
    send_at_once(client, openid, xmls)        # as WeChat posts photos picked together
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

ANSWERS = ("否", "否", "是")  # nobody hurt, nobody else involved, the car drivable and safe
WHEN, WHERE = "半小时前", "深圳市南山区科技园南路"
STORY = "倒车时撞到路边石墩，后保险杠裂开"


def report_accident(client: Any, openid: str, plate: str, last6: str, story: str = STORY) -> str:
    """Bind through 自助查勘, answer the questions, give the facts; the claim number."""
    client.send_text(openid, "自助查勘")
    client.send_text(openid, plate)
    asked = client.send_text(openid, last6).content or ""
    if "事故中有人受伤吗" not in asked:
        raise AssertionError(f"binding did not lead to the safety questions: {asked!r}")
    for said in (*ANSWERS, WHEN, WHERE):
        client.send_text(openid, said)
    summary = client.send_text(openid, story).content or ""
    if "请核对报案信息" not in summary:
        raise AssertionError(f"the facts did not lead to the summary: {summary!r}")
    opened = client.send_text(openid, "确认").content or ""
    return opened.split("报案号：")[1].split("\n")[0]


def survey_set(seed: int) -> list[bytes]:
    """Five photos that pass the checks: four scenes, then a VIN plate."""
    from devstack import survey_photos

    return [
        survey_photos.scene(seed),
        survey_photos.scene(seed + 1, view="rear"),
        survey_photos.scene(seed + 2),
        survey_photos.scene(seed + 3, view="rear"),
        survey_photos.vin_photo(seed + 4),
    ]


def photo_messages(client: Any, emulator_url: str, openid: str, photos: Sequence[bytes]):
    """The image messages WeChat would post once the photos are in its media store."""
    from devstack.simulator.client import upload_image

    uploads = [upload_image(emulator_url, p) for p in photos]
    return [client.build_message(openid, "image", [("PicUrl", u), ("MediaId", m)])
            for m, u in uploads]  # fmt: skip


def send_at_once(client: Any, openid: str, xmls: Sequence[str]) -> None:
    """Post the messages in parallel, as WeChat does for photos picked together."""
    with ThreadPoolExecutor(max_workers=len(xmls)) as pool:
        list(pool.map(lambda x: client.deliver(openid, x), xmls))
