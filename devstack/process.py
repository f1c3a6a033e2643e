"""`claimbot dev` in a child process on free ports, for the end-to-end tests and benchmarks.

    with running_stack(folder, env={"CLAIMBOT_BUSINESS_HOURS": "none"}) as stack:
        stack.urls["webhook"], stack.logins[0]

It reads what `claimbot dev` prints (`demo login: ...` lines, `name: url` lines, `ready`) and
stops the stack with SIGTERM at the end, expecting a clean exit.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from devstack import defaults

ROOT = Path(__file__).resolve().parents[1]
READY_WITHIN_S = 90
# Settings a developer's shell may carry that would point the child at something else.
INHERITED = ("AWS_ENDPOINT_URL", "PHOTOS_BUCKET", "CLAIMBOT_PRIVACY_URL", "CLAIMBOT_PUBLIC_URL")


@dataclass
class RunningStack:
    proc: subprocess.Popen[str]
    folder: Path
    urls: dict[str, str] = field(default_factory=dict)
    logins: list[list[str]] = field(default_factory=list)  # policy / plate / last 6 / greeting


@contextmanager
def running_stack(
    folder: Path,
    env: Mapping[str, str] | None = None,
    simulator: bool = True,
    seed: bool = True,
) -> Iterator[RunningStack]:
    child_env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    for name in INHERITED:
        child_env.pop(name, None)
    child_env.update(env or {})
    args = [sys.executable, "-m", "devstack", "dev"]
    args += [] if simulator else ["--no-simulator"]
    args += [] if seed else ["--no-seed"]
    for name in defaults.PORTS:
        args += [f"--{name}-port", "0"]
    with open(folder / "stderr.log", "w") as stderr:
        proc = subprocess.Popen(
            args, cwd=folder, env=child_env, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
        stack = RunningStack(proc, folder)
        try:
            _read_until_ready(stack)
            yield stack
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise
    if code != 0:
        raise RuntimeError(f"claimbot dev exited with {code}; see {folder / 'stderr.log'}")


def _read_until_ready(stack: RunningStack) -> None:
    deadline = time.monotonic() + READY_WITHIN_S
    for line in stack.proc.stdout or ():
        line = line.strip()
        if line == "ready":
            return
        if line.startswith("demo login: "):
            stack.logins.append(line[len("demo login: ") :].split(" / "))
        elif ": " in line:
            name, url = line.split(": ", 1)
            stack.urls[name] = url
        if time.monotonic() > deadline:
            break
    raise RuntimeError(f"claimbot dev did not become ready; see {stack.folder / 'stderr.log'}")
