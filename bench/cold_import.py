"""Cold start of the API function: `import app` in fresh interpreters, then the first request.

Run alone: `python -m bench.cold_import` (prints its section; `python -m bench` writes RESULTS.md).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from typing import Any

from bench.common import REPO, Check, Section, fmt, progress, summary_ms, table, verdict

IMPORT_RUNS = 15
NO_PYC_RUNS = 5
FIRST_REQUEST_RUNS = 5
IMPORT_BUDGET_MS = 400.0
PASSIVE_REPLY_BUDGET_MS = 1500.0
WATCHED = ("PIL", "boto3", "pynamodb", "wechatpy", "cryptography")
FORBIDDEN = ("PIL",)  # Pillow; OCR engines are below
OCR_MODULES = ("rapidocr_onnxruntime", "rapidocr", "onnxruntime", "cv2", "numpy")

# The timer starts before anything else is imported (json too, which app also needs).
IMPORT_PROBE = """
import time
_t0 = time.perf_counter()
import app
_ms = (time.perf_counter() - _t0) * 1000
import json, sys
print(json.dumps({"ms": _ms, "modules": sorted(sys.modules)}))
"""

# Lambda's path after init: the Chalice handler gets an API Gateway proxy event.
FIRST_REQUEST_PROBE = """
import sys, time
_raw = sys.stdin.read()
_clock = time.perf_counter
_marks = [("start", _clock())]
import app
_marks.append(("import app", _clock()))
_services = app.services()
_marks.append(("Container(settings)", _clock()))
_webhook = _services.webhook
_marks.append(("build WebhookService", _clock()))
import json
_events = json.loads(_raw)
_first = app.app(_events[0], None)
_marks.append(("first message", _clock()))
_second = app.app(_events[1], None)
_marks.append(("second message (warm)", _clock()))
_steps = {b[0]: (b[1] - a[1]) * 1000 for a, b in zip(_marks, _marks[1:])}
import gc
_objects = len(gc.get_objects())
_t = _clock()
gc.collect()
_full_gc_ms = (_clock() - _t) * 1000
print(json.dumps({"steps": _steps, "status": [_first["statusCode"], _second["statusCode"]],
                  "bodies": [_first["body"], _second["body"]], "modules": sorted(sys.modules),
                  "gc_objects": _objects, "full_gc_ms": _full_gc_ms}))
"""


def _probe(code: str, env: dict[str, str] | None = None, stdin: str = "") -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"probe failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_imports(runs: int = IMPORT_RUNS) -> list[dict[str, Any]]:
    return [_probe(IMPORT_PROBE) for _ in range(runs)]


def measure_imports_without_pyc(runs: int = NO_PYC_RUNS) -> list[float]:
    """Upper bound: every module compiled from source (an empty bytecode cache each run)."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "PYTHONPYCACHEPREFIX": cache, "PYTHONDONTWRITEBYTECODE": "1"}
            times.append(_probe(IMPORT_PROBE, env=env)["ms"])
    return times


def api_event(query: dict[str, str], body: bytes) -> dict[str, Any]:
    """The API Gateway (REST, proxy) event Lambda hands to Chalice for POST /wechat."""
    return {
        "requestContext": {
            "httpMethod": "POST",
            "resourcePath": "/wechat",
            "path": "/wechat",
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "headers": {"content-type": "text/xml"},
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()},
        "pathParameters": None,
        "stageVariables": {},
        "body": body.decode("utf-8"),
        "isBase64Encoded": False,
    }


def measure_first_requests(stack: Any, runs: int = FIRST_REQUEST_RUNS) -> list[dict[str, Any]]:
    from bench.messages import MessageStream, Pusher

    pusher = Pusher()
    results = []
    for _ in range(runs):
        pushes = MessageStream(pusher, "text").take(2)
        events = [api_event(q, b) for q, b in pushes]
        result = _probe(FIRST_REQUEST_PROBE, env=stack.child_env(), stdin=json.dumps(events))
        _check_reply(pusher, pushes[0][0], result)
        results.append(result)
    return results


def _check_reply(pusher: Any, query: dict[str, str], result: dict[str, Any]) -> None:
    from bench.messages import KINDS

    expected = KINDS["text"][1]
    if result["status"] != [200, 200] or expected not in pusher.reply_text(
        result["bodies"][0], query
    ):
        raise RuntimeError(f"unexpected first reply: {result['status']} {result['bodies'][0]!r}")


# ------------------------------------------------------------------ report


def import_lines(runs: list[dict[str, Any]], no_pyc: list[float]) -> tuple[list[str], str]:
    s = summary_ms([r["ms"] / 1000 for r in runs])
    result = verdict(s["max"], IMPORT_BUDGET_MS)
    rows = [
        [
            f"`import app` ({len(runs)} fresh interpreters)",
            fmt(s["min"]),
            fmt(s["p50"]),
            fmt(s["p90"]),
            fmt(s["max"]),
            f"≤ {IMPORT_BUDGET_MS:.0f} (max)",
            result,
        ]
    ]
    if no_pyc:
        n = summary_ms([ms / 1000 for ms in no_pyc])
        cells = [fmt(n[k]) for k in ("min", "p50", "p90", "max")]
        rows.append([f"same, no .pyc anywhere ({len(no_pyc)} runs, upper bound)", *cells, "-", "-"])
    header = ["ms", "min", "median", "p90", "max", "budget", "result"]
    return table(header, rows), result


def module_lines(runs: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """The watched-module table, and the forbidden modules that `import app` loaded."""
    loaded = [set(r["modules"]) for r in runs]
    rows, bad = [], []
    for name in (*WATCHED, *OCR_MODULES):
        present = any(name in mods for mods in loaded)
        forbidden = name in FORBIDDEN or name in OCR_MODULES
        if forbidden and present:
            bad.append(name)
        rule = "must not be loaded" if forbidden else "lazy (loaded by Container)"
        rows.append([f"`{name}`", "yes" if present else "no", rule])
    count = statistics.median(len(mods) for mods in loaded)
    lines = table(["module after `import app`", "in sys.modules", "rule"], rows)
    lines += ["", f"Modules in sys.modules after `import app`: {count:.0f}."]
    return lines, bad


def first_request_lines(results: list[dict[str, Any]]) -> tuple[list[str], str]:
    steps = list(results[0]["steps"])
    rows = []
    for step in steps:
        s = summary_ms([r["steps"][step] / 1000 for r in results])
        rows.append([step, fmt(s["min"]), fmt(s["p50"]), fmt(s["max"]), ""])
    totals = [_cold_total(r) for r in results]
    t = summary_ms([ms / 1000 for ms in totals])
    result = verdict(t["max"], PASSIVE_REPLY_BUDGET_MS)
    rows.append(
        [
            "**cold total** (import app → first reply)",
            fmt(t["min"]),
            fmt(t["p50"]),
            fmt(t["max"]),
            f"≤ {PASSIVE_REPLY_BUDGET_MS:.0f} (max): {result}",
        ]
    )
    lines = table(["step, fresh interpreter (ms)", "min", "median", "max", "budget"], rows)
    after = set(results[0]["modules"])
    loaded = [m for m in (*WATCHED, *OCR_MODULES) if m in after]
    objects = statistics.median(r["gc_objects"] for r in results)
    full_gc = statistics.median(r["full_gc_ms"] for r in results)
    lines += [
        "",
        f"Loaded after the first message: {', '.join(f'`{m}`' for m in loaded)}. "
        f"The process then tracks {objects:,.0f} objects for the garbage collector; one full "
        f"collection (`gc.collect()`) takes {fmt(full_gc)} ms (medians over the runs).",
    ]
    return lines, result


def _cold_total(result: dict[str, Any]) -> float:
    steps = result["steps"]
    return sum(ms for name, ms in steps.items() if name != "second message (warm)")


def section(
    imports: list[dict[str, Any]], no_pyc: list[float], first: list[dict[str, Any]]
) -> Section:
    sec = Section("Cold start of the API function")
    import_table, import_result = import_lines(imports, no_pyc)
    module_table, forbidden = module_lines(imports)
    module_result = "OVER" if forbidden else "PASS"
    loaded = ", ".join(forbidden) or "none loaded"
    first_table, first_result = first_request_lines(first)
    sec.lines = [
        "### `import app` (what Lambda runs at init for the API function)",
        "",
        *import_table,
        "",
        *IMPORT_NOTES,
        "",
        "### What `import app` loads (budget rule: no Pillow / OCR on this path)",
        "",
        *module_table,
        "",
        f"Result: **{module_result}**.",
        "",
        f"### First request after a cold start ({len(first)} fresh interpreters, local stack)",
        "",
        *first_table,
        "",
        *FIRST_REQUEST_NOTES,
    ]
    s = summary_ms([r["ms"] / 1000 for r in imports])
    cold_max = max(_cold_total(r) for r in first)
    sec.headline = {
        "import app p50/max ms": f"{fmt(s['p50'])} / {fmt(s['max'])}",
        "cold first reply max ms": fmt(cold_max),
    }
    budget = f"≤ {IMPORT_BUDGET_MS:.0f} ms"
    sec.checks = [
        Check("cold start: `import app` (max)", budget, f"{fmt(s['max'])} ms", import_result),
        Check("no Pillow / OCR after `import app`", "none loaded", loaded, module_result),
        Check(
            "passive reply worst case: cold start to first reply",
            f"≤ {PASSIVE_REPLY_BUDGET_MS:.0f} ms",
            f"{fmt(cold_max)} ms",
            first_result,
        ),
    ]
    sec.takeaways = [_cold_takeaway(first, cold_max)]
    return sec


def _cold_takeaway(first: list[dict[str, Any]], cold_max: float) -> str:
    steps = {k: statistics.median(r["steps"][k] for r in first) for k in first[0]["steps"]}
    steps.pop("second message (warm)", None)
    largest = max(steps, key=steps.__getitem__)
    total = sum(steps.values())
    margin = PASSIVE_REPLY_BUDGET_MS - cold_max
    return (
        f'Cold start: the largest step is "{largest}" ({fmt(steps[largest])} of '
        f"{fmt(total)} ms, medians); the slowest cold reply leaves {fmt(margin)} ms of the "
        f"{PASSIVE_REPLY_BUDGET_MS:.0f} ms budget, before Lambda's own start and SSM."
    )


IMPORT_NOTES = [
    "Each run is `python -c` in a new interpreter, cwd = repo root, timing only `import app`. "
    "The second row clears the bytecode cache for every module (stdlib included), which is an "
    "upper bound for a deployment package shipped without `.pyc` files: Lambda's code directory "
    "is read-only, so such a package compiles its modules on every cold start.",
]


FIRST_REQUEST_NOTES = [
    "Each run is a new interpreter with the local stack's environment; the clock starts before "
    "`import app` and the message goes through the Chalice handler as an API Gateway proxy "
    "event, as Lambda delivers it. Not included: the Lambda runtime's own start, API Gateway, "
    "and (in AWS) reading the WeChat secrets from SSM on the first call. DynamoDB and SQS are "
    "moto on loopback (another process); the first call to each table also pays for creating "
    "its client and connection. The second message shows the same process once warm.",
]


def run(stack: Any | None = None) -> Section:
    progress(f"cold start: `import app` x{IMPORT_RUNS}, then x{NO_PYC_RUNS} without .pyc")
    imports = measure_imports()
    no_pyc = measure_imports_without_pyc()
    if stack is not None:
        progress(f"cold start: first request x{FIRST_REQUEST_RUNS}")
        return section(imports, no_pyc, measure_first_requests(stack))
    from bench.stack import local_stack

    with local_stack() as started:
        return section(imports, no_pyc, measure_first_requests(started))


def main() -> None:
    print(run().markdown())


if __name__ == "__main__":
    main()
