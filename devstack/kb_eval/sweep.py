"""Choose the knowledge base's decision thresholds on the calibrate part: every setting of a
grid is run over the part; the settings the rule allows are listed, most in-scope questions
answered right first, then the trade-off table of the lowest score against the lead over the
runner-up (the other rules as shipped), for each semantic weight.

    python -m devstack.kb_eval.sweep [--part calibrate] [--wrong-sure 0.02] [--top 10]
                                     [--semantic 0,1.0]

The rule (docs/KNOWLEDGE_BASE.md, "Choosing the thresholds"): the most in-scope questions
answered right, among the settings whose wrong sure answers' upper bound (Clopper-Pearson, 95%
two-sided) is within --wrong-sure and whose out-of-scope messages kept are at least
--out-of-scope; ties go to fewer wrong answers, then to the stricter setting. A count alone
cannot tell 1.3% from 4% on a few hundred messages; the bound can.

Only the decision moves (chalicelib/domain/kb.py: ANSWER_MIN, ANSWER_MARGIN, ANSWER_SURE,
SURE_NEEDS_WHOLE, SEMANTIC_WEIGHT — whether, and how much, sentence embeddings count;
understanding.py: PART_SURE); each message is scored once per semantic weight. Never run it on
the report part to choose anything.
"""

from __future__ import annotations

import argparse
import itertools
import math
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

MINS = (0.40, 0.45, 0.50, 0.55, 0.58, 0.60, 0.62, 0.65, 0.70)
LEADS = (0.02, 0.04, 0.06, 0.10, 0.14, 0.18, 0.22, 0.26, 0.30)
SEMANTIC = (0.0, 1.0)  # off, and the weight chosen on tune (docs/KNOWLEDGE_BASE.md)
GRID: dict[str, Sequence[Any]] = {
    "SEMANTIC_WEIGHT": SEMANTIC,
    "ANSWER_MIN": MINS,
    "ANSWER_MARGIN": LEADS,
    "ANSWER_SURE": (0.75, 0.85, 1.01),
    "SURE_NEEDS_WHOLE": (True, False),
    "PART_SURE": (0.75, 0.85, 1.01),
}
CONFIDENCE = 0.95  # of the interval whose upper end bounds the wrong sure rate


@dataclass(frozen=True)
class Point:
    setting: Setting
    in_scope_right: float
    wrong_sure: float
    out_of_scope_kept: float
    in_scope: int = 0  # in-scope messages of the part
    wrong: int = 0  # of them, answered for sure with the wrong entry

    @property
    def wrong_sure_bound(self) -> float:
        return upper_bound(self.wrong, self.in_scope)


def upper_bound(k: int, n: int, confidence: float = CONFIDENCE) -> float:
    """Clopper-Pearson upper end of the two-sided interval for a rate seen k times in n: the
    rate p at which seeing k or fewer has probability (1 - confidence) / 2."""
    if n <= 0 or k >= n:
        return 1.0
    tail = (1 - confidence) / 2
    low, high = k / n, 1.0
    for _ in range(60):  # bisection: P(X <= k | p) falls as p grows
        mid = (low + high) / 2
        if _binomial_cdf(k, n, mid) > tail:
            low = mid
        else:
            high = mid
    return high


def _binomial_cdf(k: int, n: int, p: float) -> float:
    if p <= 0:
        return 1.0
    if p >= 1:
        return 0.0
    logs = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
            + i * math.log(p) + (n - i) * math.log1p(-p) for i in range(k + 1)]  # fmt: skip
    return min(1.0, sum(math.exp(x) for x in logs))


def allowed(points: Sequence[Point], wrong_sure: float, out_of_scope: float) -> list[Point]:
    """The rule's settings, best first: wrong sure answers' upper bound within `wrong_sure`,
    out of scope kept at least `out_of_scope`; most in-scope right, then fewest wrong, then
    the stricter (higher lowest score, then larger lead, then lower semantic weight), then the
    fewest rules changed from the shipped ones."""
    ok = [p for p in points
          if p.wrong_sure_bound <= wrong_sure and p.out_of_scope_kept >= out_of_scope]  # fmt: skip

    def changed(p: Point) -> int:
        return sum(value != getattr(_home(name), name) for name, value in p.setting.items())

    return sorted(ok, key=lambda p: (-p.in_scope_right, p.wrong, -p.setting.get("ANSWER_MIN", 0),
                                     -p.setting.get("ANSWER_MARGIN", 0),
                                     p.setting.get("SEMANTIC_WEIGHT", 0), changed(p)))  # fmt: skip


@contextmanager
def thresholds(setting: Setting) -> Iterator[None]:
    homes = {name: _home(name) for name in setting}
    saved = {name: getattr(homes[name], name) for name in setting}
    try:
        for name, value in setting.items():
            setattr(homes[name], name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(homes[name], name, value)


def _home(name: str) -> Any:
    return understanding if name == "PART_SURE" else kbmod


class _ScoredOnce(KnowledgeBase):
    """The shipped knowledge base, each message's ranking computed once per semantic weight
    (thresholds apart), its sentence embedding once."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.__dict__.update(kb.__dict__)
        self._seen: dict[tuple[str, float], Any] = {}
        self._meant: dict[str, dict[int, float]] = {}

    def _ranked(self, question: str) -> Any:
        key = (question, kbmod.SEMANTIC_WEIGHT)
        if key not in self._seen:
            self._seen[key] = super()._ranked(question)
        return self._seen[key]

    def _cosines(self, question: str) -> dict[int, float]:
        if question not in self._meant:
            self._meant[question] = super()._cosines(question)
        return self._meant[question]


def sweep(cases: list[Case], grid: dict[str, Sequence[Any]] = GRID) -> list[Point]:
    kb, intents = _ScoredOnce(load_default()), load_intents()
    points = []
    for values in itertools.product(*grid.values()):
        setting = dict(zip(grid, values, strict=True))
        with thresholds(setting):
            report = evaluate(cases, kb, intents)
        figures = report.figures()
        in_scope = report.group("answer")
        wrong = round(figures["wrong_sure_max"] * len(in_scope))
        points.append(Point(setting, figures["in_scope_right"], figures["wrong_sure_max"],
                            figures["out_of_scope_kept"], len(in_scope), wrong))  # fmt: skip
    return points


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--part", default="calibrate", choices=("tune", "calibrate"))
    parser.add_argument("--wrong-sure", type=float, default=0.02,
                        help="the most the wrong sure rate's upper bound may be")  # fmt: skip
    parser.add_argument("--out-of-scope", type=float, default=0.95)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--semantic", default=",".join(f"{w:g}" for w in SEMANTIC),
                        help="semantic weights to try, comma-separated (0: off)")  # fmt: skip
    args = parser.parse_args()
    weights = tuple(float(w) for w in args.semantic.split(","))
    points = sweep(load_part(args.part), {**GRID, "SEMANTIC_WEIGHT": weights})
    best = allowed(points, args.wrong_sure, args.out_of_scope)
    print(f"{len(points)} settings; {len(best)} with wrong sure answers' upper bound ≤ "
          f"{args.wrong_sure:.1%} and out of scope kept ≥ {args.out_of_scope:.0%}, best first:")
    for p in best[: args.top]:
        print("  " + _row(p))
    shipped = {n: getattr(_home(n), n) for n in GRID}
    for weight in weights:
        print(f"\nsemantic weight {weight:g}: in scope right / wrong sure (upper bound) / out of "
              "scope kept, by lowest score (rows) and lead (columns), the other rules as shipped:")
        at = {(p.setting["ANSWER_MIN"], p.setting["ANSWER_MARGIN"]): p for p in points
              if p.setting["SEMANTIC_WEIGHT"] == weight
              and all(p.setting[n] == shipped[n] for n in ("ANSWER_SURE", "SURE_NEEDS_WHOLE",
                                                           "PART_SURE"))}  # fmt: skip
        print("| min \\ lead | " + " | ".join(f"{lead:.2f}" for lead in LEADS) + " |")
        print("| --- |" + " --- |" * len(LEADS))
        for low in MINS:
            cells = [at[low, lead] for lead in LEADS if (low, lead) in at]
            print(f"| {low:.2f} | " + " | ".join(_cell(p) for p in cells) + " |")


def _cell(p: Point) -> str:
    return (f"{p.in_scope_right:.1%} / {p.wrong_sure:.1%} ({p.wrong_sure_bound:.1%}) / "
            f"{p.out_of_scope_kept:.0%}")  # fmt: skip


def _row(p: Point) -> str:
    s = p.setting
    rules = (f"semantic {s.get('SEMANTIC_WEIGHT', 0):g} "
             f"min {s['ANSWER_MIN']:.2f} lead {s['ANSWER_MARGIN']:.2f} "
             f"sure {s['ANSWER_SURE']:.2f} whole {'y' if s['SURE_NEEDS_WHOLE'] else 'n'} "
             f"part {s['PART_SURE']:.2f}")  # fmt: skip
    return (f"{rules}: right {p.in_scope_right:.1%}, wrong sure {p.wrong_sure:.1%} "
            f"({p.wrong} of {p.in_scope}, bound {p.wrong_sure_bound:.1%}), "
            f"out of scope kept {p.out_of_scope_kept:.1%}")  # fmt: skip


if __name__ == "__main__":
    main()
