"""Choose the knowledge base's decision thresholds on the calibrate part: every setting of a
grid is run over the part; the settings that keep wrong sure answers and out-of-scope answers
within their limits are listed, most in-scope questions answered right first, then the trade-off
table of the lowest score against the lead over the runner-up (the other rules as shipped).

    python -m devstack.kb_eval.sweep [--part calibrate] [--wrong-sure 0.015] [--top 10]

Only the thresholds move (chalicelib/domain/kb.py: ANSWER_MIN, ANSWER_MARGIN, ANSWER_SURE,
SURE_NEEDS_WHOLE; understanding.py: PART_SURE); each message is scored once. Never run it on
the report part to choose anything.
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import kb as kbmod
from chalicelib.domain import understanding
from chalicelib.domain.kb import KnowledgeBase
from chalicelib.kb import load_default, load_intents
from devstack.kb_eval import Case, evaluate, load_part

Setting = dict[str, Any]

MINS = (0.45, 0.50, 0.55, 0.58, 0.60, 0.61, 0.62, 0.65)
LEADS = (0.06, 0.10, 0.14, 0.18, 0.22, 0.26, 0.30)
GRID: dict[str, Sequence[Any]] = {
    "ANSWER_MIN": MINS,
    "ANSWER_MARGIN": LEADS,
    "ANSWER_SURE": (0.75, 0.85, 1.01),
    "SURE_NEEDS_WHOLE": (True, False),
    "PART_SURE": (0.75, 0.85, 1.01),
}


@dataclass(frozen=True)
class Point:
    setting: Setting
    in_scope_right: float
    wrong_sure: float
    out_of_scope_kept: float


@contextmanager
def thresholds(setting: Setting) -> Iterator[None]:
    homes = {name: understanding if name == "PART_SURE" else kbmod for name in setting}
    saved = {name: getattr(homes[name], name) for name in setting}
    try:
        for name, value in setting.items():
            setattr(homes[name], name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(homes[name], name, value)


class _ScoredOnce(KnowledgeBase):
    """The shipped knowledge base, each message's ranking computed once (thresholds apart)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.__dict__.update(kb.__dict__)
        self._seen: dict[str, Any] = {}

    def _ranked(self, question: str) -> Any:
        if question not in self._seen:
            self._seen[question] = super()._ranked(question)
        return self._seen[question]


def sweep(cases: list[Case], grid: dict[str, Sequence[Any]] = GRID) -> list[Point]:
    kb, intents = _ScoredOnce(load_default()), load_intents()
    points = []
    for values in itertools.product(*grid.values()):
        setting = dict(zip(grid, values, strict=True))
        with thresholds(setting):
            figures = evaluate(cases, kb, intents).figures()
        points.append(Point(setting, figures["in_scope_right"], figures["wrong_sure_max"],
                            figures["out_of_scope_kept"]))  # fmt: skip
    return points


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--part", default="calibrate", choices=("tune", "calibrate"))
    parser.add_argument("--wrong-sure", type=float, default=0.015)
    parser.add_argument("--out-of-scope", type=float, default=0.95)
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    points = sweep(load_part(args.part))
    allowed = [p for p in points if p.wrong_sure <= args.wrong_sure
               and p.out_of_scope_kept >= args.out_of_scope]  # fmt: skip
    print(f"{len(points)} settings; {len(allowed)} with wrong sure ≤ {args.wrong_sure:.1%} "
          f"and out of scope kept ≥ {args.out_of_scope:.0%}, best first:")
    for p in sorted(allowed, key=lambda p: (-p.in_scope_right, p.wrong_sure))[: args.top]:
        print("  " + _row(p))
    shipped = {n: getattr(understanding if n == "PART_SURE" else kbmod, n) for n in GRID}
    print("in scope right / wrong sure / out of scope kept, by lowest score (rows) and lead "
          "(columns), the other rules as shipped:")
    at = {(p.setting["ANSWER_MIN"], p.setting["ANSWER_MARGIN"]): p for p in points
          if all(p.setting[n] == shipped[n] for n in ("ANSWER_SURE", "SURE_NEEDS_WHOLE",
                                                      "PART_SURE"))}  # fmt: skip
    print("| min \\ lead | " + " | ".join(f"{lead:.2f}" for lead in LEADS) + " |")
    print("| --- |" + " --- |" * len(LEADS))
    for low in MINS:
        cells = [at[low, lead] for lead in LEADS if (low, lead) in at]
        print(f"| {low:.2f} | " + " | ".join(_cell(p) for p in cells) + " |")


def _cell(p: Point) -> str:
    return f"{p.in_scope_right:.1%} / {p.wrong_sure:.1%} / {p.out_of_scope_kept:.0%}"


def _row(p: Point) -> str:
    s = p.setting
    rules = (f"min {s['ANSWER_MIN']:.2f} lead {s['ANSWER_MARGIN']:.2f} "
             f"sure {s['ANSWER_SURE']:.2f} whole {'y' if s['SURE_NEEDS_WHOLE'] else 'n'} "
             f"part {s['PART_SURE']:.2f}")  # fmt: skip
    return f"{rules}: right {p.in_scope_right:.1%}, wrong sure {p.wrong_sure:.1%}, " + (
        f"out of scope kept {p.out_of_scope_kept:.1%}"
    )


if __name__ == "__main__":
    main()
