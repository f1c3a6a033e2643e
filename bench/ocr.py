"""Licence OCR on one core: load the models once, then `read_licence` per synthetic photo.

The photos come from devstack.licence_photos with fixed seeds: the same licences photographed
easy, mixed and hard, and photos that are not a licence. They are generated in helper processes
(not timed), then one child process pinned to a single CPU (sched_setaffinity, before anything
starts a thread) with onnxruntime at one intra-op and one inter-op thread loads the models and
reads every photo. Accuracy compares each field with the photo's ground truth.

Run alone: `python -m bench.ocr` (prints its section; `python -m bench` writes RESULTS.md).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import REPO, Check, Section, progress, summary_ms, table, verdict
from chalicelib.domain.licence import FIELD_NAMES

DIFFICULTIES = ("easy", "mixed", "hard")
PER_DIFFICULTY = 12
LICENCE_SEED = 11  # one seed for every difficulty: the same licences, photographed differently
WARMUP_SEED = 99  # the warm-up photo (not counted), an easy one
NEGATIVES = 8  # not-a-licence photos, every kind in turn
NEGATIVE_SEED = "bench-negatives"
BUDGET_S = 2.5
THREADS = {"intra_op_num_threads": 1, "inter_op_num_threads": 1}

FIELDS = FIELD_NAMES


# ------------------------------------------------------------------ photos (parent side)


def _licences(difficulty: str, n: int, seed: int, folder: str) -> list[dict[str, Any]]:
    from devstack.licence_photos import generate_set

    records = []
    for i, (jpeg, truth, params) in enumerate(generate_set(n, seed, difficulty)):
        path = Path(folder) / f"{difficulty}-s{seed}-{i:02d}.jpg"
        path.write_bytes(jpeg)
        records.append(
            {"set": difficulty, "file": str(path), "truth": truth.to_json(), "params": params}
        )
    return records


def _negatives(n: int, folder: str) -> list[dict[str, Any]]:
    import random

    from devstack.licence_photos import NOT_A_LICENCE_KINDS, not_a_licence_photo

    rng = random.Random(NEGATIVE_SEED)
    records = []
    for i in range(n):
        kind = NOT_A_LICENCE_KINDS[i % len(NOT_A_LICENCE_KINDS)]
        path = Path(folder) / f"not-a-licence-{i:02d}-{kind}.jpg"
        path.write_bytes(not_a_licence_photo(rng, kind=kind))
        records.append({"set": "not a licence", "file": str(path), "truth": None, "kind": kind})
    return records


def generate_photos(folder: str, per_difficulty: int, negatives: int) -> list[dict[str, Any]]:
    """Every photo of the run written to `folder`, the warm-up photo first; one helper process
    per set, spread over the CPUs (spawned: the benchmark process may hold threads)."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=spawn) as pool:
        jobs = [
            pool.submit(_licences, d, per_difficulty, LICENCE_SEED, folder) for d in DIFFICULTIES
        ]
        jobs.append(pool.submit(_negatives, negatives, folder))
        warmup = pool.submit(_licences, "easy", 1, WARMUP_SEED, folder)
        photos = [r for job in jobs for r in job.result()]
        first = warmup.result()[0]
    return [{**first, "set": "warm-up"}, *photos]


# ------------------------------------------------------------------ measuring (child side)


STAGES = ("detection", "orientation", "recognition")


class TimedEngine:
    """The engine as read_licence sees it, adding up the time spent in OCR and the passes."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.seconds = 0.0
        self.passes = 0

    def read(self, image: bytes) -> Any:
        started = time.perf_counter()
        try:
            return self.engine.read(image)
        finally:
            self.seconds += time.perf_counter() - started
            self.passes += 1


class StageClock:
    """Stands in for the loaded RapidOCR model and adds up the time it reports per stage
    (it returns [det, cls, rec] seconds with every result that has text)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.seconds = dict.fromkeys(STAGES, 0.0)

    def __call__(self, image: Any, *args: Any, **kwargs: Any) -> Any:
        result, elapsed = self.model(image, *args, **kwargs)
        if elapsed and len(elapsed) == len(STAGES):
            for stage, seconds in zip(STAGES, elapsed, strict=True):
                self.seconds[stage] += seconds
        return result, elapsed


def measure(manifest: list[dict[str, Any]]) -> dict[str, Any]:
    """In this (pinned) process: import and load once, then read every photo of the manifest."""
    clock = time.perf_counter
    started = clock()
    import rapidocr_onnxruntime  # noqa: F401  (onnxruntime, OpenCV, numpy)

    from chalicelib.ocr import images  # noqa: F401  (Pillow)
    from chalicelib.ocr.licence import read_licence
    from chalicelib.ocr.rapid import RapidOcrEngine

    imported = clock()
    engine = RapidOcrEngine(**THREADS)
    engine.warm_up()
    loaded = clock()
    stages = StageClock(engine._ocr)  # the loaded model, wrapped (a benchmark may look inside)
    engine._ocr = stages
    results = []
    for i, photo in enumerate(manifest):
        if i % 6 == 0:
            progress(f"ocr: photo {i + 1}/{len(manifest)} ({photo['set']})")
        image = Path(photo["file"]).read_bytes()
        timed = TimedEngine(engine)
        error = None
        before = dict(stages.seconds)
        t0, cpu0 = clock(), time.process_time()
        try:
            fields = read_licence(image, timed).to_json()
        except Exception as exc:  # noqa: BLE001  (recorded, reported)
            fields, error = None, f"{type(exc).__name__}: {exc}"
        seconds, cpu = clock() - t0, time.process_time() - cpu0
        results.append(
            {
                "seconds": seconds,
                "cpu_seconds": cpu,
                "stages": {k: v - before[k] for k, v in stages.seconds.items()},
                "ocr_seconds": timed.seconds,
                "passes": timed.passes,
                "fields": fields,
                "error": error,
            }
        )
    return {
        "import_s": imported - started,
        "load_s": loaded - imported,
        "cpus": sorted(os.sched_getaffinity(0)),
        "results": results,
    }


def pin_to_one_cpu() -> int:
    """Pin this process (its only thread, so every thread started later too) to one CPU."""
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def cpu_busy() -> tuple[float, float]:
    """Seconds every CPU of the machine spent busy and stolen since boot (/proc/stat)."""
    try:
        first = Path("/proc/stat").read_text(encoding="utf-8").splitlines()[0].split()
    except OSError:
        return 0.0, 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, first[1:9])
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


def run_child(manifest: list[dict[str, Any]], folder: str) -> dict[str, Any]:
    """Read every photo in a pinned child; adds how busy the rest of the machine was meanwhile:
    every CPU's busy time less the child's own, as a share of all CPUs over the same time."""
    path = Path(folder) / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    before, started = (cpu_busy(), resource.getrusage(resource.RUSAGE_CHILDREN)), time.time()
    out = subprocess.run(
        [sys.executable, "-m", "bench.ocr", "--child", str(path)],
        cwd=REPO,
        stdout=subprocess.PIPE,  # progress and errors go to our stderr as they come
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"OCR child failed ({out.returncode}); see its output above")
    elapsed = time.time() - started
    (busy, steal), usage = cpu_busy(), resource.getrusage(resource.RUSAGE_CHILDREN)
    own = (usage.ru_utime + usage.ru_stime) - (before[1].ru_utime + before[1].ru_stime)
    capacity = elapsed * (os.cpu_count() or 1)
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    measured["others_busy"] = max(0.0, busy - before[0][0] - own) / capacity
    measured["steal"] = (steal - before[0][1]) / capacity
    return measured


# ------------------------------------------------------------------ accuracy


def normalised(name: str, value: str | None) -> str | None:
    """The comparison form: whitespace removed and half-width everywhere; the plate without its
    dot, VIN and engine number upper-case. Dates are compared as given (ISO, YYYY-MM-DD)."""
    from chalicelib.domain.plates import normalize_plate
    from chalicelib.domain.text import remove_whitespace, to_halfwidth

    if not value:
        return None
    text = remove_whitespace(to_halfwidth(value))
    if name == "plate_no":
        return normalize_plate(text)
    if name in ("vin", "engine_no"):
        return text.upper()
    return text


def right_fields(read: dict[str, Any] | None, truth: dict[str, Any]) -> dict[str, bool]:
    read = read or {}
    return {f: normalised(f, read.get(f)) == normalised(f, truth[f]) for f in FIELDS}


@dataclass
class SetResult:
    name: str
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    ocr_seconds: list[float] = field(default_factory=list)
    passes: list[int] = field(default_factory=list)
    right: list[dict[str, bool]] = field(default_factory=list)  # licences: field -> right
    warnings: list[list[str]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # not-a-licence photos: their kind
    errors: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> int:
        return sum("not_a_licence" in w for w in self.warnings)

    def field_rate(self, name: str) -> int:
        return sum(r[name] for r in self.right)

    @property
    def all_right(self) -> int:
        return sum(all(r.values()) for r in self.right)

    @property
    def fields_right(self) -> float:
        return sum(sum(r.values()) for r in self.right) / (len(self.right) * len(FIELDS))


@dataclass
class OcrRun:
    import_s: float
    load_s: float
    cpus: list[int]
    first_read_s: float
    sets: dict[str, SetResult]
    others_busy: float = 0.0  # share of all CPUs other processes used while reading
    steal: float = 0.0  # share of all CPUs the hypervisor took meanwhile


def collate(manifest: list[dict[str, Any]], measured: dict[str, Any]) -> OcrRun:
    sets: dict[str, SetResult] = {}
    first_read = 0.0
    for photo, result in zip(manifest, measured["results"], strict=True):
        if photo["set"] == "warm-up":
            first_read = result["seconds"]
            continue
        s = sets.setdefault(photo["set"], SetResult(photo["set"]))
        s.seconds.append(result["seconds"])
        s.cpu_seconds.append(result["cpu_seconds"])
        for stage, seconds in result["stages"].items():
            s.stages[stage] += seconds
        s.ocr_seconds.append(result["ocr_seconds"])
        s.passes.append(result["passes"])
        fields = result["fields"] or {}
        s.warnings.append(fields.get("warnings", []))
        if result["error"]:
            s.errors.append(result["error"])
        if photo["truth"] is None:
            s.kinds.append(photo["kind"])
        else:
            s.right.append(right_fields(result["fields"], photo["truth"]))
    return OcrRun(
        measured["import_s"],
        measured["load_s"],
        measured["cpus"],
        first_read,
        sets,
        measured.get("others_busy", 0.0),
        measured.get("steal", 0.0),
    )


# ------------------------------------------------------------------ report


def _s(seconds: float) -> str:
    return f"{seconds:.2f}"


def _p(values: list[float], key: str) -> float:
    return summary_ms(values)[key] / 1000


def timing_lines(run: OcrRun) -> list[str]:
    rows = []
    for s in run.sets.values():
        licence = s.name in DIFFICULTIES
        p90 = _p(s.seconds, "p90")
        rows.append(
            [
                s.name,
                len(s.seconds),
                *(_s(_p(s.seconds, k)) for k in ("p50", "p90", "max")),
                _s(_p(s.cpu_seconds, "p90")),
                f"{statistics.fmean(s.passes):.2f} (max {max(s.passes)})",
                f"p90 ≤ {BUDGET_S}" if licence else "-",
                verdict(p90, BUDGET_S) if licence else "-",
            ]
        )
    header = [
        "wall s per photo",
        "n",
        "median",
        "p90",
        "max",
        "CPU s p90",
        "OCR passes, mean",
        "budget",
        "result",
    ]
    return table(header, rows)


def breakdown_lines(run: OcrRun) -> list[str]:
    sets = list(run.sets.values())

    def mean(s: SetResult, total: float) -> str:
        return _s(total / len(s.seconds))

    rows = [
        ["prepare the photo, JPEG per pass, extract the fields (outside the engine)"]
        + [mean(s, sum(s.seconds) - sum(s.ocr_seconds)) for s in sets],
        *([f"OCR: {stage}"] + [mean(s, s.stages[stage]) for s in sets] for stage in STAGES),
        ["OCR: the rest (decode, crops, boxes; detection when no text was found)"]
        + [mean(s, sum(s.ocr_seconds) - sum(s.stages.values())) for s in sets],
        ["**wall time**"] + [mean(s, sum(s.seconds)) for s in sets],
        ["CPU time of the process (one core)"] + [mean(s, sum(s.cpu_seconds)) for s in sets],
    ]
    return table(["mean s per photo", *(s.name for s in sets)], rows)


def accuracy_lines(run: OcrRun) -> list[str]:
    sets = [s for s in run.sets.values() if s.right]
    rows = [
        [f"`{name}`", *(f"{s.field_rate(name)}/{len(s.right)}" for s in sets)] for name in FIELDS
    ]
    rows += [
        ["**fields right, all**", *(f"**{s.fields_right:.0%}**" for s in sets)],
        ["photos with all 10 fields right", *(f"{s.all_right}/{len(s.right)}" for s in sets)],
        ["photos with any warning", *(str(sum(bool(w) for w in s.warnings)) for s in sets)],
        ["photos taken for `not_a_licence` (wrongly)", *(str(s.flagged) for s in sets)],
    ]
    return table(["field read exactly", *(s.name for s in sets)], rows)


def negative_lines(s: SetResult) -> list[str]:
    rows = []
    for kind, warnings, seconds, passes in zip(
        s.kinds, s.warnings, s.seconds, s.passes, strict=True
    ):
        shown = ", ".join(f"`{w}`" for w in warnings) or "none"
        rows.append([kind, shown, _s(seconds), passes])
    return table(["not a licence", "warnings", "wall s", "OCR passes"], rows)


def worst_p90(run: OcrRun) -> tuple[float, str]:
    p90 = {d: _p(run.sets[d].seconds, "p90") for d in DIFFICULTIES}
    name = max(p90, key=p90.__getitem__)
    return p90[name], name


def section(run: OcrRun) -> Section:
    sec = Section("Licence OCR + field extraction, one core")
    negatives = run.sets["not a licence"]
    licences = [run.sets[d] for d in DIFFICULTIES]
    count = len(licences[0].seconds)
    sec.lines = [
        "`read_licence(photo, RapidOcrEngine(intra_op_num_threads=1, inter_op_num_threads=1))` "
        "per photo — prepare (Pillow: decode, upright, shrink to 1280 px, red channel), OCR "
        "(RapidOCR: PP-OCRv4 on onnxruntime; one pass, or up to three when a pass finds too few "
        "labels and the photo is turned) and field extraction — in one child process pinned to "
        f"CPU {', '.join(map(str, run.cpus))} with sched_setaffinity before it started any "
        "thread, so OpenCV's and onnxruntime's threads all share that one core. Photos: "
        f"devstack.licence_photos, seed {LICENCE_SEED}: the same {count} licences photographed "
        f"easy, mixed and hard, and {len(negatives.kinds)} photos that are not a licence (each "
        "kind in turn); generated before the run, not timed.",
        "",
        f"While the child read, other processes kept this machine's {os.cpu_count()} CPUs "
        f"{run.others_busy:.0%} busy (the hypervisor stole {run.steal:.0%}): {_contention(run)}",
        "",
        "### Once per process (a worker's cold start)",
        "",
        *table(
            ["step", "wall s"],
            [
                [
                    "import the OCR stack (rapidocr_onnxruntime, onnxruntime, OpenCV, numpy, "
                    "Pillow)",
                    _s(run.import_s),
                ],
                ["load the models (`RapidOcrEngine.warm_up`: 3 ONNX sessions)", _s(run.load_s)],
                [
                    "first `read_licence` after loading (an easy photo, not counted below)",
                    _s(run.first_read_s),
                ],
            ],
        ),
        "",
        "### Per photo, warm",
        "",
        *timing_lines(run),
        "",
        *breakdown_lines(run),
        "",
        *TIMING_NOTES,
        "",
        "### Fields read exactly (per licence photo)",
        "",
        *accuracy_lines(run),
        "",
        "Exact match after normalising both sides: whitespace removed and full-width → "
        "half-width everywhere; the plate without its dot; VIN and engine number upper-case; "
        "dates as ISO (YYYY-MM-DD). A field not read counts as wrong.",
        "",
        f"### Photos that are not a licence: {negatives.flagged}/{len(negatives.kinds)} get "
        "`not_a_licence`",
        "",
        *negative_lines(negatives),
    ]
    errors = [e for s in run.sets.values() for e in s.errors]
    if errors:
        sec.lines += ["", f"Errors while reading: {len(errors)}, e.g. `{errors[0]}`."]
    worst, where = worst_p90(run)
    per_set = " / ".join(_s(_p(s.seconds, "p90")) for s in licences)
    accuracy = " / ".join(f"{s.fields_right:.0%}" for s in licences)
    flagged = f"{negatives.flagged}/{len(negatives.kinds)}"
    sec.checks = [
        Check(
            f"licence OCR + extraction, one core: worst p90 of {len(DIFFICULTIES)} difficulties",
            f"p90 ≤ {BUDGET_S} s",
            f"{_s(worst)} s ({where}{_busy_note(run)})",
            verdict(worst, BUDGET_S),
        ),
        Check("licence fields read exactly, easy / mixed / hard", "none set", accuracy, "-"),
        Check("photos that are not a licence get `not_a_licence`", "none set", flagged, "-"),
    ]
    sec.headline = {
        "OCR p90 s e/m/h": per_set,
        "OCR fields right e/m/h": accuracy,
        "not-licence flagged": flagged,
    }
    sec.takeaways = [_takeaway(run, worst, where)]
    return sec


def _contention(run: OcrRun) -> str:
    if run.others_busy + run.steal < 0.1:
        return "a quiet machine."
    return (
        "a busy machine. That work shares the caches and memory bandwidth (and, when it "
        "lands on the pinned core, the core), so the times below are likely higher than on a "
        "quiet machine."
    )


def _busy_note(run: OcrRun) -> str:
    share = run.others_busy + run.steal
    return f"; machine {share:.0%} busy with other work" if share >= 0.1 else ""


TIMING_NOTES = [
    "Wall time is what the budget is about; CPU time is this process's own, so where it is "
    "well below the wall time, something else ran on that core (the machine is shared). "
    "Detection, orientation and recognition are the times RapidOCR reports per pass; the "
    "engine's other work is what is left of the time spent in `RapidOcrEngine.read`.",
]


def _takeaway(run: OcrRun, worst: float, where: str) -> str:
    seconds = [t for d in DIFFICULTIES for t in run.sets[d].seconds]
    stages = {k: sum(run.sets[d].stages[k] for d in DIFFICULTIES) for k in STAGES}
    largest = max(stages, key=stages.__getitem__)
    margin = BUDGET_S - worst
    tail = f"{_s(margin)} s under" if margin >= 0 else f"{_s(-margin)} s over"
    return (
        f"Licence OCR on one core: median {_s(statistics.median(seconds))} s per photo, worst "
        f"p90 {_s(worst)} s ({where}), {tail} the {BUDGET_S} s budget; the largest part is "
        f"{largest} ({stages[largest] / sum(seconds):.0%}). A worker's cold start adds "
        f"{_s(run.import_s + run.load_s)} s (imports, models) and a slower first read "
        f"({_s(run.first_read_s)} s){_busy_note(run).replace(';', ' —')}."
    )


def run(
    stack: Any | None = None, per_difficulty: int = PER_DIFFICULTY, negatives: int = NEGATIVES
) -> Section:
    """`stack` is unused (OCR needs no AWS); the argument keeps the benchmarks' signature."""
    with tempfile.TemporaryDirectory(prefix="claimbot-bench-ocr-") as folder:
        total = per_difficulty * len(DIFFICULTIES) + negatives + 1
        progress(f"ocr: generating {total} photos (not timed)")
        started = time.perf_counter()
        manifest = generate_photos(folder, per_difficulty, negatives)
        progress(f"ocr: generated in {time.perf_counter() - started:.0f} s; reading on one core")
        measured = run_child(manifest, folder)
    return section(collate(manifest, measured))


def child(manifest_path: str) -> None:
    pin_to_one_cpu()  # first: before any import that may start a thread
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    print(json.dumps(measure(manifest)), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ocr", description=__doc__)
    parser.add_argument("--child", metavar="MANIFEST", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=PER_DIFFICULTY, help="photos per difficulty")
    parser.add_argument("--negatives", type=int, default=NEGATIVES)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return
    print(run(None, args.n, args.negatives).markdown())


if __name__ == "__main__":
    main()
