"""Sustained load on the running stack, over HTTP, as WeChat delivers it; then an audit.

`python -m bench.load [--rate 40] [--duration 300] [--customers 200]` starts `claimbot dev`
(moto in a process of its own, the emulators in claimbot's) and sends messages at a fixed rate,
open loop (a slow answer does not slow the arrivals, as with real customers), signed and
encrypted, with WeChat's behaviour: 5 s timeout, the same message again, three tries. The mix:
questions for the knowledge base, menu words and numbers, menu clicks, policy lookups by bound
customers, ordinary words; and, every `--heavy-every` seconds, a licence photo (OCR) and a
five-photo self-survey. Bounded in count and time, loopback only.

It reports achieved messages/s, p50/p95/p99 of the webhook's answer, the share answered on the
first try within 5 s, the CPU seconds per message of the claimbot process (webhook, workers,
emulators: one process) and of moto (its own), and audits the stores at the end: every inbound
message recorded once, no message left in a dead-letter queue, nothing held without a reason.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3

from bench.common import percentile, progress
from chalicelib.wechat.inbound import parse_inbound
from devstack import defaults
from devstack.process import running_stack
from devstack.simulator.client import WeChatSimulatorClient

QUESTIONS = ("交强险一年多少钱啊", "车玻璃被砸了能赔吗", "理陪要多久", "退保?", "保费怎么交",
             "出险后多久要报案", "车子泡水了发动机坏了赔不赔", "火星上的车能理赔吗")  # fmt: skip
WORDS = ("菜单", "你好", "谢谢", "好的", "报价", "理赔进度", "帮助", "5")
NUMBERS = ("1", "2", "4", "0")
CLICKS = ("HELP", "QUOTE", "CLAIM")
MIX = (("question", 35), ("word", 25), ("number", 10), ("click", 10), ("lookup", 20))
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _moto_pid(parent: int) -> int | None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if b"devstack.aws" in cmdline and int(stat[1]) == parent:
                return int(entry.name)
    return None


class Load:
    def __init__(self, urls: dict[str, str], logins: list[list[str]], customers: int) -> None:
        self.urls = urls
        self.client = WeChatSimulatorClient(urls["webhook"], defaults.WECHAT_TOKEN,
                                            defaults.WECHAT_APP_ID,
                                            defaults.WECHAT_ENCODING_AES_KEY, mode="safe",
                                            timeout_s=5.0, tries=3)  # fmt: skip
        self.openids = [f"o_load_{uuid.uuid4().hex[:10]}" for _ in range(customers)]
        self.bound = self.openids[: customers // 4]
        self.logins = logins
        self.results: list[tuple[str, float, int, bool]] = []  # kind, seconds, tries, error
        self.sent: dict[str, set[str]] = {}  # openid -> dedupe keys of the messages sent
        self.errors: Counter[str] = Counter()  # why deliveries failed
        self.lock = threading.Lock()

    def bind_lookups(self) -> None:
        for n, openid in enumerate(self.bound):
            _policy, plate, last6, _ = self.logins[n % len(self.logins)]
            for said in ("保单查询", plate, last6):
                self.client.send_text(openid, said)

    def one(self, rng: random.Random) -> None:
        kind = rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
        openid = rng.choice(self.bound if kind == "lookup" else self.openids)
        if kind == "click":
            fields = [("Event", "CLICK"), ("EventKey", rng.choice(CLICKS))]
            xml = self.client.build_message(openid, "event", fields, with_msg_id=False)
        else:
            text = {"question": QUESTIONS, "word": WORDS, "number": NUMBERS,
                    "lookup": ("保单查询", "理赔进度", "3")}[kind]  # fmt: skip
            xml = self.client.build_message(openid, "text", [("Content", rng.choice(text))])
        started = time.perf_counter()
        tries, failed = 1, False
        try:
            tries = self.client.deliver(openid, xml).attempts
        except Exception as exc:  # a refusal or three timeouts: counted, the run goes on
            failed, tries = True, 3
            with self.lock:
                self.errors[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1
        # Two identical clicks by one customer in one second are one event to WeChat (no MsgId):
        # what must be recorded once is each distinct delivery.
        key = parse_inbound(xml).dedupe_key
        with self.lock:
            self.results.append((kind, time.perf_counter() - started, tries, failed))
            self.sent.setdefault(openid, set()).add(key)

    def heavy(self, stop: threading.Event, every_s: float) -> None:
        """A licence photo and a five-photo survey now and then, by their own customers."""
        from devstack import licence_photos
        from devstack.scenarios import photo_messages, report_accident, send_at_once, survey_set
        from devstack.simulator.client import upload_image

        n = 0
        while not stop.wait(every_s):
            n += 1
            openid = f"o_heavy_{uuid.uuid4().hex[:8]}"
            try:
                self.client.send_text(openid, "报价")
                truth = licence_photos.random_truth(random.Random(n))
                photo = licence_photos.render_licence(truth, random.Random(n))
                media_id, pic_url = upload_image(self.urls["wechat-emulator"], photo)
                self.client.deliver(openid, self.client.build_message(
                    openid, "image", [("PicUrl", pic_url), ("MediaId", media_id)]))  # fmt: skip
                surveyor = f"o_heavy_{uuid.uuid4().hex[:8]}"
                _p, plate, last6, _ = self.logins[n % len(self.logins)]
                report_accident(self.client, surveyor, plate, last6)
                emulator = self.urls["wechat-emulator"]
                photos = photo_messages(self.client, emulator, surveyor, survey_set(5000 + n))
                send_at_once(self.client, surveyor, photos)
            except Exception as exc:  # noqa: BLE001 - reported, the run goes on
                progress(f"heavy round {n} failed: {exc}")


def run(rate: float, duration_s: float, customers: int, heavy_every_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="claimbot-load-") as folder:
        with running_stack(Path(folder), simulator=False) as stack:
            urls = stack.urls
            load = Load(urls, stack.logins, customers)
            progress(f"binding {len(load.bound)} customers for lookups")
            load.bind_lookups()
            moto = _moto_pid(stack.proc.pid)
            cpu0 = (_cpu_s(stack.proc.pid), _cpu_s(moto) if moto else 0.0, _cpu_s(os.getpid()))
            stop = threading.Event()
            heavy = threading.Thread(target=load.heavy, args=(stop, heavy_every_s), daemon=True)
            heavy.start()
            progress(f"sending {rate:g} messages/s for {duration_s:g} s")
            rng = random.Random(7)
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=int(rate * 6) + 8) as pool:
                n = 0
                while (due := started + n / rate) < started + duration_s:
                    time.sleep(max(0.0, due - time.perf_counter()))
                    pool.submit(load.one, random.Random(rng.random()))
                    n += 1
            elapsed = time.perf_counter() - started
            stop.set()
            heavy.join(timeout=120)
            time.sleep(5)  # let the workers and the outbox finish
            cpu1 = (_cpu_s(stack.proc.pid), _cpu_s(moto) if moto else 0.0, _cpu_s(os.getpid()))
            audit = _audit(urls, load)
    return _summary(load, elapsed, cpu0, cpu1, audit)


def _audit(urls: dict[str, str], load: Load) -> dict[str, Any]:
    session = boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local",
                                    region_name="ap-east-1")  # fmt: skip
    ddb = session.client("dynamodb", endpoint_url=urls["aws"])
    sqs = session.client("sqs", endpoint_url=urls["aws"])
    missing = doubled = 0
    for openid, sent in load.sent.items():
        items = ddb.query(TableName="claimbot-local-conversations",
                          KeyConditionExpression="openid = :o",
                          ExpressionAttributeValues={":o": {"S": openid}})["Items"]  # fmt: skip
        keys = Counter(i["dedupe_key"]["S"] for i in items
                       if i["direction"]["S"] == "in" and "dedupe_key" in i)  # fmt: skip
        missing += len(sent - set(keys))
        doubled += sum(c - 1 for c in keys.values() if c > 1)
    dead = {}
    for name in ("jobs-dlq", "outbox-dlq", "claims-stream-dlq"):
        url = sqs.get_queue_url(QueueName=f"claimbot-local-{name}")["QueueUrl"]
        dead[name] = int(sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
            "ApproximateNumberOfMessages"])  # fmt: skip
    held = ddb.scan(TableName="claimbot-local-outbox")["Items"]
    unexplained = sum(1 for h in held if not h.get("reason", {}).get("S"))
    return {"inbound_missing": missing, "inbound_doubled": doubled, "dead_letters": dead,
            "held": len(held), "held_without_reason": unexplained}  # fmt: skip


def _summary(load: Load, elapsed: float, cpu0: tuple[float, ...], cpu1: tuple[float, ...],
             audit: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    times = [r[1] for r in load.results]
    count = len(load.results)
    first_try = sum(1 for _, s, tries, failed in load.results
                    if tries == 1 and s <= 5 and not failed)  # fmt: skip
    return {
        "messages": count,
        "achieved_per_s": round(count / elapsed, 1),
        "p50_ms": round(percentile(times, 50) * 1000, 1),
        "p95_ms": round(percentile(times, 95) * 1000, 1),
        "p99_ms": round(percentile(times, 99) * 1000, 1),
        "answered_first_try_within_5s": round(first_try / max(count, 1), 4),
        "failed": sum(1 for r in load.results if r[3]),
        "cpu_ms_per_message_claimbot": round((cpu1[0] - cpu0[0]) / max(count, 1) * 1000, 1),
        "cpu_ms_per_message_moto": round((cpu1[1] - cpu0[1]) / max(count, 1) * 1000, 1),
        # WeChat's side: signing, AES both ways, HTTP; here it shares the machine's two cores
        "cpu_ms_per_message_load_generator": round((cpu1[2] - cpu0[2]) / max(count, 1) * 1000, 1),
        "by_kind": dict(Counter(r[0] for r in load.results)),
        "errors": dict(load.errors.most_common(5)),
        "audit": audit,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rate", type=float, default=40.0, help="messages per second")
    parser.add_argument("--duration", type=float, default=300.0, help="seconds")
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--heavy-every", type=float, default=30.0,
                        help="seconds between a licence photo and a five-photo survey")  # fmt: skip
    args = parser.parse_args()
    summary = run(args.rate, args.duration, args.customers, args.heavy_every)
    print(json.dumps(summary, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
