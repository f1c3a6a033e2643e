"""Five photos received → packet ready, through the whole local stack (`claimbot dev`).

A child process runs the devstack as `make run` does (moto server, WeChat emulator, the Chalice
app, the event pump with two consumers per queue, real OCR for the VIN photo). A demo customer
reports an accident, then the five photos are posted in parallel, as WeChat does when several
are picked at once. Measured from the first photo's POST to (a) the survey's packet key being
written (the packet is in S3, the claim moved) and (b) the confirmation reaching the WeChat
emulator. Everything shares this machine's cores with moto, so it overstates AWS.

Run alone: `python -m bench.survey` (prints its section; `python -m bench` writes RESULTS.md).
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import requests

from bench.common import Check, Section, fmt, progress, summary_ms, table, verdict
from devstack import defaults
from devstack.process import running_stack

ROUNDS = 5
BUDGET_S = 10.0


def run(rounds: int = ROUNDS) -> Section:
    with _devstack() as urls:
        timings = [_one_round(urls, i) for i in range(rounds)]
    packet = summary_ms([t[0] for t in timings])
    answer = summary_ms([t[1] for t in timings])
    worst = max(t[0] for t in timings)
    lines = [
        f"{rounds} rounds; each: a new report by a demo customer, then five photos (four scenes "
        "and a VIN plate, ~1600x1200 JPEG) posted in parallel over HTTP.",
        "",
        *table(
            ["from the first photo POST to", "p50 ms", "max ms", "mean ms"],
            [
                ["packet written, claim moved", fmt(packet["p50"]), fmt(packet["max"]),
                 fmt(packet["mean"])],
                ["confirmation at the WeChat emulator", fmt(answer["p50"]), fmt(answer["max"]),
                 fmt(answer["mean"])],
            ],
        ),  # fmt: skip
    ]
    check = Check(
        "five photos received → packet ready (devstack, max)",
        f"{BUDGET_S:.0f} s",
        f"{worst:.1f} s",
        verdict(worst, BUDGET_S),
    )
    return Section(
        "Self-survey: five photos → packet",
        lines,
        headline={"survey packet max s": f"{worst:.1f}"},
        checks=[check],
    )


@contextmanager
def _devstack() -> Iterator[dict[str, Any]]:
    progress("starting claimbot dev in a child process")
    with tempfile.TemporaryDirectory(prefix="claimbot-bench-survey-") as folder:
        with running_stack(Path(folder), simulator=False) as running:
            yield {**running.urls, "logins": running.logins}


def _one_round(urls: dict[str, Any], index: int) -> tuple[float, float]:
    from devstack.scenarios import photo_messages, report_accident, send_at_once, survey_set
    from devstack.simulator.client import WeChatSimulatorClient

    client = WeChatSimulatorClient(urls["webhook"], defaults.WECHAT_TOKEN, defaults.WECHAT_APP_ID,
                                   defaults.WECHAT_ENCODING_AES_KEY, mode="safe")  # fmt: skip
    _policy_no, plate, last6, _ = urls["logins"][0]
    openid = f"o_bench_{uuid.uuid4().hex[:8]}"
    claim_no = report_accident(client, openid, plate, last6)
    photos = survey_set(1001 + 10 * index)
    xmls = photo_messages(client, urls["wechat-emulator"], openid, photos)
    dynamodb = boto3.client("dynamodb", endpoint_url=urls["aws"], region_name="ap-east-1",
                            aws_access_key_id="local", aws_secret_access_key="local")  # fmt: skip
    started = time.perf_counter()
    send_at_once(client, openid, xmls)
    packet_s = _until(lambda: _packet_written(dynamodb, claim_no), started)
    answer_s = _until(lambda: _confirmed(urls, openid), started)
    progress(f"round {index + 1}: packet {packet_s:.2f} s, confirmation {answer_s:.2f} s")
    return packet_s, answer_s


def _packet_written(dynamodb: Any, claim_no: str) -> bool:
    item = dynamodb.get_item(
        TableName="claimbot-local-surveys", Key={"claim_no": {"S": claim_no}}
    ).get("Item", {})
    return "packet_key" in item and "S" in item["packet_key"]


def _confirmed(urls: dict[str, Any], openid: str) -> bool:
    pushed = requests.get(
        f"{urls['wechat-emulator']}/_emulator/messages", params={"touser": openid}, timeout=5
    ).json()
    return any("全部收到" in m.get("payload", {}).get("text", {}).get("content", "")
               for m in pushed)  # fmt: skip


def _until(done: Any, started: float, timeout_s: float = 120.0) -> float:
    while time.perf_counter() - started < timeout_s:
        if done():
            return time.perf_counter() - started
        time.sleep(0.05)
    raise RuntimeError("the survey did not complete in time")


if __name__ == "__main__":
    section = run()
    print("\n".join(section.lines))
    for c in section.checks:
        print(f"{c.result:4}  {c.what}: {c.measured} (budget {c.budget})")
