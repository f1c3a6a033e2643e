"""Understanding customers: the figures of `claimbot kb eval` on the report part (never tuned
on) and the answer path's time, on one core.

One child process pinned to a single CPU loads the shipped intents and knowledge base (timed:
what the first message of a cold container pays), then runs `understand()` — what the router
runs on a message at rest — over every message of both parts, RUNS times, and reports the
per-message times. The figures come from `devstack.kb_eval`.

Run alone: `python -m bench.understanding` (prints its section).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

from bench.common import REPO, Check, Section, fmt, progress, summary_ms, table, verdict

RUNS = 5
WARM_ANSWER_BUDGET_MS = 30.0  # issue "Understand what customers ask": warm, one core


def measure(runs: int) -> dict[str, Any]:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    t0 = time.perf_counter()
    from chalicelib.domain.understanding import understand
    from chalicelib.kb import load_default, load_intents

    intents = load_intents()
    t1 = time.perf_counter()
    kb = load_default()
    t2 = time.perf_counter()
    from devstack.kb_eval import evaluate, load_part

    cases = load_part("tune") + load_part("report")
    times = []
    for _ in range(runs):
        for case in cases:
            started = time.perf_counter()
            understand(case.text, kb, intents)
            times.append(time.perf_counter() - started)
    report = evaluate(load_part("report"), kb, intents)
    return {
        "load_intents": t1 - t0,
        "load_kb": t2 - t1,
        "times": times,
        "messages": len(load_part("report")),
        "figures": report.figures(),
        "first_ranked": report.first_ranked,
        "missed": report.misses_targets(),
    }


def section(measured: dict[str, Any]) -> Section:
    from devstack.kb_eval import TARGETS

    sec = Section("Understanding customers: `claimbot kb eval` (report part) and the answer path")
    figures = measured["figures"]
    rows = []
    for name, value in figures.items():
        target = TARGETS[name]
        shown = f"{value:.1%}" if isinstance(value, float) else str(value)
        goal = ("≤ " if name.endswith("_max") else "≥ ") + (
            f"{target:.0%}" if isinstance(target, float) else str(target)
        )
        rows.append([name, shown, goal, "MISSED" if name in measured["missed"] else "ok"])
    rows.append(["right entry ranked first (answered or offered)",
                 f"{measured['first_ranked']:.1%}", "-", "-"])  # fmt: skip
    times = summary_ms(measured["times"])
    sec.lines += [
        f"{measured['messages']} messages of `devstack/kb_eval/report.csv`, written the way car "
        "owners type on WeChat; the matcher and the phrasings are tuned on `tune.csv` only.",
        "",
        *table(["figure", "measured", "target", ""], rows),
        "",
        f"Answer path on one core (`understand()` over every message of both parts, "
        f"{RUNS} runs): median {fmt(times['p50'])} ms, p99 {fmt(times['p99'])} ms. "
        f"Loading the intents {fmt(measured['load_intents'] * 1000)} ms and the knowledge base "
        f"{fmt(measured['load_kb'] * 1000)} ms, once per container, on its first message.",
    ]
    sec.checks.append(Check("understanding a message, warm, one core (p99)",
                            f"≤ {WARM_ANSWER_BUDGET_MS:.0f} ms", f"{fmt(times['p99'])} ms",
                            verdict(times["p99"], WARM_ANSWER_BUDGET_MS)))  # fmt: skip
    sec.checks.append(Check("in-scope questions answered right (report part)", "≥ 90%",
                            f"{figures['in_scope_right']:.1%}",
                            "PASS" if "in_scope_right" not in measured["missed"] else "OVER"))
    sec.headline["kb right"] = f"{figures['in_scope_right']:.0%}"
    return sec


def run(stack: Any | None = None, runs: int = RUNS) -> Section:
    """`stack` is unused (no AWS here); the argument keeps the benchmarks' signature."""
    progress(f"understanding: {runs} runs over the evaluation set on one core")
    out = subprocess.run(
        [sys.executable, "-m", "bench.understanding", "--child", "--runs", str(runs)],
        cwd=REPO, stdout=subprocess.PIPE, text=True, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"understanding child failed ({out.returncode})")
    return section(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.understanding", description=__doc__)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.runs)))
        return
    print(run(runs=args.runs).markdown())


if __name__ == "__main__":
    main()
