"""Understanding customers: the figures of `claimbot kb eval` on the three parts (tune: what the
knowledge base and matcher are developed on; calibrate: what the thresholds are chosen on;
report: never tuned on, the one judged against the targets) and the answer path's time, on one
core.

One child process pinned to a single CPU loads the shipped intents and knowledge base (timed:
what the first message of a cold container pays), then runs `understand()` — what the router
runs on a message at rest — over every message of the three parts, RUNS times, and reports the
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
    from devstack.kb_eval import PARTS, evaluate, load_part

    parts = {name: load_part(name) for name in PARTS}
    cases = [case for part in parts.values() for case in part]
    times = []
    for _ in range(runs):
        for case in cases:
            started = time.perf_counter()
            understand(case.text, kb, intents)
            times.append(time.perf_counter() - started)
    reports = {name: evaluate(part, kb, intents) for name, part in parts.items()}
    report = reports["report"]
    return {
        "load_intents": t1 - t0,
        "load_kb": t2 - t1,
        "times": times,
        "messages": {name: len(part) for name, part in parts.items()},
        "by_part": {name: r.figures() for name, r in reports.items()},
        "first_ranked_by_part": {name: r.first_ranked for name, r in reports.items()},
        "figures": report.figures(),
        "first_ranked": report.first_ranked,
        "missed": report.misses_targets(),
    }


def section(measured: dict[str, Any]) -> Section:
    from devstack.kb_eval import TARGETS

    sec = Section("Understanding customers: `claimbot kb eval` (report part) and the answer path")
    figures, by_part = measured["figures"], measured["by_part"]
    parts = list(by_part)
    rows = []
    for name in figures:
        target = TARGETS[name]
        goal = ("≤ " if name.endswith("_max") else "≥ ") + (
            f"{target:.0%}" if 0 < target < 1 else f"{target:g}"
        )
        shown = [_shown(by_part[part][name]) for part in parts]
        rows.append([name, *shown, goal, "MISSED" if name in measured["missed"] else "ok"])
    ranked = [f"{measured['first_ranked_by_part'][part]:.1%}" for part in parts]
    rows.append(["right entry ranked first (answered or offered)", *ranked, "-", "-"])
    times = summary_ms(measured["times"])
    counts = ", ".join(f"{part} {n}" for part, n in measured["messages"].items())
    sec.lines += [
        f"Messages of `devstack/kb_eval/` written the way car owners type on WeChat ({counts}). "
        "The knowledge base and the matcher are developed on `tune`, the decision's thresholds "
        "chosen on `calibrate`; `report` is never tuned on and is what the targets judge.",
        "",
        *table(["figure", *parts, "target", "report"], rows),
        "",
        f"Answer path on one core (`understand()` over every message of the three parts, "
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


def _shown(value: float | int) -> str:
    return f"{value:.1%}" if isinstance(value, float) else str(value)


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
