"""`claimbot dev` in a child process on free ports, for the end-to-end tests and benchmarks.

    with running_stack(folder, env={"CLAIMBOT_BUSINESS_HOURS": "none"}) as stack:
        stack.urls["webhook"], stack.logins[0]

The stack is started exactly as a user starts it (`make run`): the installed `claimbot` command
next to this interpreter (the virtualenv's bin), in `folder` (outside the repository: nothing
may depend on the working directory being the checkout), with no PYTHONPATH, every service on
a free port (`--<name>-port 0`). It reads what `claimbot dev` prints (`demo login: ...` lines,
`name: url` lines, `ready`) and stops the stack with SIGTERM at the end, expecting a clean exit.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
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
    lines: list[str] = field(default_factory=list)  # what it printed, up to `ready`


def claimbot_command() -> Path:
    """The installed `claimbot` entry point of this interpreter's virtualenv (`make run`'s)."""
    command = Path(sys.executable).parent / "claimbot"
    if not command.exists():
        raise RuntimeError(
            f"{command} does not exist: install claimbot into this environment first "
            "(`make run` does; or `pip install -e .`)"
        )
    return command


@contextmanager
def running_stack(
    folder: Path,
    env: Mapping[str, str] | None = None,
    simulator: bool = True,
    seed: bool = True,
) -> Iterator[RunningStack]:
    folder = Path(folder).resolve()
    if folder.is_relative_to(ROOT):
        raise ValueError(f"run the stack outside the repository, not in {folder}")
    child_env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name in (*INHERITED, "PYTHONPATH"):
        child_env.pop(name, None)
    child_env.update(env or {})
    args = [str(claimbot_command()), "dev"]
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
            threading.Thread(target=_keep_reading, args=(stack,), daemon=True).start()
            yield stack
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise
    if code != 0:
        raise RuntimeError(
            f"claimbot dev exited with {code}; see {folder / 'stderr.log'} and stdout.log"
        )


def _keep_reading(stack: RunningStack) -> None:
    """The app goes on logging to stdout after `ready`: keep the pipe drained (a full one would
    stop the stack mid-test) and everything it printed in stdout.log, next to stderr.log."""
    with open(stack.folder / "stdout.log", "w", encoding="utf-8") as log:
        log.writelines(f"{line}\n" for line in stack.lines)
        for line in stack.proc.stdout or ():
            log.write(line)
            log.flush()


def _read_until_ready(stack: RunningStack) -> None:
    deadline = time.monotonic() + READY_WITHIN_S
    for line in stack.proc.stdout or ():
        line = line.strip()
        stack.lines.append(line)
        if line == "ready":
            return
        if line.startswith("demo login: "):
            stack.logins.append(line[len("demo login: ") :].split(" / "))
        elif ": " in line:
            name, url = line.split(": ", 1)
            stack.urls[name] = url
        if time.monotonic() > deadline:
            break
    log = stack.folder / "stderr.log"
    tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log.exists() else ""
    printed = "\n".join(stack.lines[-20:])
    raise RuntimeError(
        f"claimbot dev did not become ready; it printed:\n{printed}\n{log} ends:\n{tail}"
    )
