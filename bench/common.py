"""Shared pieces: percentiles, machine facts, and the Section every benchmark returns."""

from __future__ import annotations

import gc
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """min/p50/p90/p95/p99/max/mean of durations given in seconds, in milliseconds."""
    ms = [s * 1000 for s in seconds]
    stats = {f"p{p}": percentile(ms, p) for p in (50, 90, 95, 99)}
    return {"min": min(ms), **stats, "max": max(ms), "mean": statistics.fmean(ms)}


def verdict(value: float, budget: float) -> str:
    return "PASS" if value <= budget else "OVER"


def fmt(value: float) -> str:
    if value < 1:
        return f"{value:.2f}"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """A markdown table as lines."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


@dataclass(frozen=True)
class Check:
    """One budget and what was measured against it, for the summary table."""

    what: str
    budget: str
    measured: str
    result: str  # PASS | OVER, or "-" for a figure reported without a budget


@dataclass
class Section:
    """One benchmark's part of RESULTS.md, plus the figures that go into the history row."""

    title: str
    lines: list[str] = field(default_factory=list)
    headline: dict[str, str] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    takeaways: list[str] = field(default_factory=list)  # one-line readings for the summary

    def markdown(self) -> str:
        return "\n".join([f"## {self.title}", "", *self.lines, ""])


def progress(message: str) -> None:
    """A progress line on stderr (results go to stdout / RESULTS.md)."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or "unknown"
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def machine_facts() -> dict[str, str]:
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def git_revision() -> str:
    """Short commit, with '+dirty' when the work tree has changes."""
    try:
        rev = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev + ("+dirty" if dirty else "")


def _git(*args: str) -> str:
    out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True)
    return out.stdout.strip()


class GcWatch:
    """Records the pause of every garbage collection, per generation, while active."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._started = now
        else:
            self.pauses[info["generation"]].append(now - self._started)

    def __enter__(self) -> GcWatch:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc_info: object) -> None:
        gc.callbacks.remove(self._callback)

    def describe(self) -> str:
        full = self.pauses[2]
        if not full:
            return "no full collection"
        return f"{len(full)} full (gen 2), longest {fmt(max(full) * 1000)} ms"
