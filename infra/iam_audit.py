"""pytest plugin: which AWS calls each Lambda function makes while the whole stack runs.

    .venv/bin/python -m pytest -q -p infra.iam_audit tests/devstack

The devstack runs each handler on a thread named after it (the event pump) and the webhook on
the local server's request threads, so a call is attributed to the function whose thread made
it (a `claimbot dev` started by a test records into the same file: CLAIMBOT_IAM_AUDIT). At the
end it writes build/iam-audit.json: per function, every (action, resource) seen, and which of
them the function's role in the packaged template (infra.package --fast, stage dev, with the
local names read as dev's) refuses.
Use it when code starts calling AWS in a new way, then widen that function's Access in
infra/functions.yaml.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import pytest

from infra.iam import AUDIT_ENV, Call, Context, denied, recording

THREAD_FUNCTIONS = {
    "on_job": "OnJob",
    "on_outbox": "OnOutbox",
    "on_claim_change": "OnClaimChange",
    "watchdog": "Watchdog",
}
OUT = Path("build") / "iam-audit.json"

_state: dict = {}


def _function_of(thread: str) -> str:
    if thread in THREAD_FUNCTIONS:
        return THREAD_FUNCTIONS[thread]
    if "process_request_thread" in thread:
        return "APIHandler"
    return "other"


def pytest_sessionstart(session: pytest.Session) -> None:
    OUT.parent.mkdir(exist_ok=True)
    log = OUT.with_suffix(".log")
    log.unlink(missing_ok=True)
    os.environ[AUDIT_ENV] = str(log.resolve())
    ctx = Context(os.environ.get("AWS_REGION", "ap-east-1"), "123456789012")
    manager = recording(ctx, str(log.resolve()))
    _state["manager"] = manager
    _state["recorder"] = manager.__enter__()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    manager = _state.pop("manager", None)
    _state.pop("recorder", None)
    if manager is None:
        return
    manager.__exit__(None, None, None)
    seen: dict[str, set[Call]] = defaultdict(set)
    for line in OUT.with_suffix(".log").read_text(encoding="utf-8").splitlines():
        thread, action, resource = line.split("\t")
        resource = resource.replace("claimbot-local-", "claimbot-dev-")
        seen[_function_of(thread)].add(Call(action, resource))
    policies = _local_policies()
    report = {}
    for fn, calls in sorted(seen.items()):
        refused = denied(sorted(calls, key=str), policies.get(fn, [])) if fn in policies else []
        report[fn] = {
            "calls": sorted(f"{c.action} {c.resource}" for c in calls),
            "refused_by_template": [f"{c.action} {c.resource}" for c in refused],
        }
    OUT.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")


def _local_policies() -> dict[str, list]:
    """Each function's policy statements, resolved for the local stage's names."""
    import tempfile
    from pathlib import Path

    from infra.invoke import Values, role_statements
    from infra.package import package

    with tempfile.TemporaryDirectory() as tmp:
        package("dev", Path(tmp), fast=True)
        from infra.invoke import load_template

        template = load_template(Path(tmp) / "template.yaml")
    values = Values.local(template, region=os.environ.get("AWS_REGION", "ap-east-1"), Stage="dev")
    return {
        logical: role_statements(template, logical, values)
        for logical, res in template["Resources"].items()
        if res["Type"] == "AWS::Serverless::Function"
    }
