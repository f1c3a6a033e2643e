"""The dashboard (看板) over 90 days at 100,000 messages a day, against moto.

The counters are written as the aggregator writes them (devstack/metrics_data.py: one ADD per
counter and day, 90 days x 100,000 customer messages with replies, notices and failures), then
the console's API (GET /console/api/dashboard, through Chalice's test client, signed in as a
supervisor) is timed for the whole 90-day period. The read path is bounded by days x counters,
not by messages: the same items would hold a million messages a day.

The aggregator's own cost is measured too: a stream batch of 100 conversation records (a
Lambda batch) becomes how many DynamoDB writes.

Run alone: `python -m bench.dashboard` (prints its section; `python -m bench` writes RESULTS.md).
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from bench.common import Check, Section, fmt, progress, summary_ms, table, verdict

DAYS = 90
PER_DAY = 100_000
ROUNDS = 20
BUDGET_S = 2.0
FIRST = date(2025, 1, 1)


def run(stack: Any) -> Section:
    from chalice.test import Client

    import app
    from chalicelib.domain import metrics as m
    from chalicelib.service.container import Container
    from devstack import metrics_data

    # Signed in as a demo supervisor (the bench's stack is local).
    container = Container(replace(stack.settings, console_dev_login=True,
                                  console_dev_secret=stack.settings.console_dev_secret or "bench"))
    progress(f"dashboard: writing {DAYS} days x {PER_DAY:,} messages a day of counters")
    started = time.perf_counter()
    made = metrics_data.generate(container.metrics.metrics, FIRST, DAYS, PER_DAY)
    wrote_s = time.perf_counter() - started
    last = FIRST + timedelta(DAYS - 1)
    path = f"/console/api/dashboard?from={FIRST.isoformat()}&to={last.isoformat()}"

    original = app.services
    app.services = lambda: container  # type: ignore[assignment]
    try:
        with Client(app.app) as client:
            login = client.http.post("/console/api/dev-login", body=json.dumps(
                {"user": "supervisor1"}), headers={"Content-Type": "application/json"})  # fmt: skip
            headers = {"Authorization": f"Bearer {login.json_body['token']}"}
            timings = []
            body: dict[str, Any] = {}
            for _ in range(ROUNDS):
                began = time.perf_counter()
                response = client.http.get(path, headers=headers)
                timings.append(time.perf_counter() - began)
                assert response.status_code == 200, response.body
                body = response.json_body
    finally:
        app.services = original  # type: ignore[assignment]

    [messages] = [c for c in body["charts"] if c["key"] == "messages"]
    shown = messages["series"][0]["total"]
    assert shown == made.totals[m.MESSAGES_IN] == DAYS * PER_DAY, shown
    writes = _aggregator_writes(container)
    stats = summary_ms(timings)
    first_ms = timings[0] * 1000
    size_kb = len(json.dumps(body, ensure_ascii=False).encode()) / 1024
    lines = [
        f"{DAYS} days x {PER_DAY:,} customer messages a day ({DAYS * PER_DAY:,} messages, "
        f"{made.totals[m.REPLIES_BOT] + made.totals[m.REPLIES_PEOPLE]:,} replies, "
        f"{made.totals[m.NOTICES_SENT]:,} notices) as counters: {made.writes} items "
        f"({len(m.METRICS)} counters x {DAYS} days), written in {wrote_s:.1f} s. "
        f"The API for the whole period, {ROUNDS} requests in a row (moto server, Chalice's "
        "test client, signed in as a supervisor); the response shows every message counted.",
        "",
        *table(
            ["GET /console/api/dashboard, 90 days", "first ms", "p50 ms", "p95 ms", "max ms",
             "response KB"],
            [["one Query per counter, side by side", fmt(first_ms), fmt(stats["p50"]),
              fmt(stats["p95"]), fmt(stats["max"]), fmt(size_kb)]],
        ),  # fmt: skip
        "",
        f"Aggregator: a stream batch of 100 conversation records (one day) → {writes} "
        f"UpdateItem (ADD) requests, {writes / 100:.2f} per message; the webhook's own "
        "requests are unchanged (3 per question: tests/integration/test_webhook_service.py).",
    ]
    worst = max(timings)
    check = Check(
        "dashboard API, 90 days at 100,000 messages a day (moto, max)",
        f"{BUDGET_S:.0f} s",
        f"{worst * 1000:.0f} ms",
        verdict(worst, BUDGET_S),
    )
    return Section(
        "Dashboard (看板): 90 days at 100,000 messages a day",
        lines,
        headline={"dashboard 90d p50 ms": fmt(stats["p50"])},
        checks=[check],
        takeaways=[f"the 90-day dashboard answers in {fmt(stats['p50'])} ms (p50) on moto"],
    )


def _aggregator_writes(container: Any) -> int:
    """A batch as the stream delivers it: customers' messages, the bot's answers, a person's."""
    from chalicelib.domain.hours import CHINA

    base = int(datetime(2024, 6, 1, 10, tzinfo=CHINA).timestamp() * 1000)
    records = []
    for i in range(100):
        direction = "in" if i % 2 == 0 else "out"
        staff = "agent1" if i % 10 == 1 else None  # a person's answer, now and then
        image = {"openid": {"S": f"o{i}"}, "record_id": {"S": f"{base + i * 1000}#{direction}#b"},
                 "direction": {"S": direction}, "channel": {"S": "passive"}}  # fmt: skip
        if staff:
            image["staff_id"] = {"S": staff}
        records.append({"event_name": "INSERT", "new_image": image})
    return int(container.metrics.on_stream(records))


if __name__ == "__main__":
    from bench.stack import local_stack

    with local_stack() as running:
        print(run(running).markdown())
