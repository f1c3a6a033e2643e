"""Cold start of the API function: `import app` in fresh interpreters, then the first request.

Run alone: `python -m bench.cold_import` (prints its section; `python -m bench` writes RESULTS.md).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from typing import Any

from bench.common import REPO, Section, fmt, summary_ms, table, verdict

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
print(json.dumps({"steps": _steps, "status": [_first["statusCode"], _second["statusCode"]],
                  "bodies": [_first["body"], _second["body"]], "modules": sorted(sys.modules)}))
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
            env = {**_base_env(), "PYTHONPYCACHEPREFIX": cache, "PYTHONDONTWRITEBYTECODE": "1"}
            times.append(_probe(IMPORT_PROBE, env=env)["ms"])
    return times


def _base_env() -> dict[str, str]:
    import os

    return dict(os.environ)


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
    if result["status"] != [200, 200] or "没有理解" not in pusher.reply_text(
        result["bodies"][0], query
    ):
        raise RuntimeError(f"unexpected first reply: {result['status']} {result['bodies'][0]!r}")


# ------------------------------------------------------------------ report


def import_lines(runs: list[dict[str, Any]], no_pyc: list[float]) -> tuple[list[str], str]:
    s = summary_ms([r["ms"] / 1000 for r in runs])
    result = verdict(s["p90"], IMPORT_BUDGET_MS)
    rows = [
        [
            f"`import app` ({len(runs)} fresh interpreters)",
            fmt(s["min"]),
            fmt(s["p50"]),
            fmt(s["p90"]),
            fmt(s["max"]),
            f"≤ {IMPORT_BUDGET_MS:.0f} (p90)",
            result,
        ]
    ]
    if no_pyc:
        n = summary_ms([ms / 1000 for ms in no_pyc])
        cells = [fmt(n[k]) for k in ("min", "p50", "p90", "max")]
        rows.append([f"same, no .pyc anywhere ({len(no_pyc)} runs, upper bound)", *cells, "-", "-"])
    header = ["ms", "min", "median", "p90", "max", "budget", "result"]
    return table(header, rows), result


def module_lines(runs: list[dict[str, Any]]) -> tuple[list[str], str]:
    loaded = [set(r["modules"]) for r in runs]
    rows, bad = [], False
    for name in (*WATCHED, *OCR_MODULES):
        present = sum(name in mods for mods in loaded)
        forbidden = name in FORBIDDEN or name in OCR_MODULES
        bad |= forbidden and present > 0
        rule = "must not be loaded" if forbidden else "lazy (loaded by Container)"
        rows.append([f"`{name}`", "yes" if present else "no", rule])
    count = statistics.median(len(mods) for mods in loaded)
    lines = table(["module after `import app`", "in sys.modules", "rule"], rows)
    lines += ["", f"Modules in sys.modules after `import app`: {count:.0f}."]
    return lines, "OVER" if bad else "PASS"


def first_request_lines(results: list[dict[str, Any]], import_ms: float) -> tuple[list[str], str]:
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
    lines += ["", f"Loaded after the first message: {', '.join(f'`{m}`' for m in loaded)}."]
    return lines, result


def _cold_total(result: dict[str, Any]) -> float:
    steps = result["steps"]
    return sum(ms for name, ms in steps.items() if name != "second message (warm)")


def section(
    imports: list[dict[str, Any]], no_pyc: list[float], first: list[dict[str, Any]]
) -> Section:
    sec = Section("Cold start of the API function")
    import_table, import_result = import_lines(imports, no_pyc)
    module_table, module_result = module_lines(imports)
    import_p50 = statistics.median(r["ms"] for r in imports)
    first_table, first_result = first_request_lines(first, import_p50)
    totals = [_cold_total(r) for r in first]
    sec.lines = [
        "### `import app` (what Lambda runs at init for the API function)",
        "",
        *import_table,
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
    sec.headline = {
        "import app p50/p90 ms": f"{fmt(s['p50'])} / {fmt(s['p90'])}",
        "cold first reply max ms": fmt(max(totals)),
    }
    sec.verdicts = [import_result, module_result, first_result]
    return sec


FIRST_REQUEST_NOTES = [
    "Each run is a new interpreter with the local stack's environment; the clock starts before "
    "`import app` and the message goes through the Chalice handler as an API Gateway proxy "
    "event, as Lambda delivers it. Not included: the Lambda runtime's own start, API Gateway, "
    "and (in AWS) reading the WeChat secrets from SSM on the first call. DynamoDB and SQS are "
    "moto on loopback; the first call of each client also pays for its connection setup.",
]


def run(stack: Any | None = None) -> Section:
    imports = measure_imports()
    no_pyc = measure_imports_without_pyc()
    if stack is not None:
        return section(imports, no_pyc, measure_first_requests(stack))
    from bench.stack import local_stack

    with local_stack() as started:
        return section(imports, no_pyc, measure_first_requests(started))


def main() -> None:
    print(run().markdown())


if __name__ == "__main__":
    main()
