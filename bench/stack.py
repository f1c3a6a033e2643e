"""The local stack the benchmarks run against: moto server and the WeChat emulator on loopback.

Both run in a child process (started with devstack's LocalAws and WeChatEmulator), so that
moto's own work and heap stay out of the measured process: in-process, its stored items made
every full garbage collection of the benchmark process slower.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bench.common import REPO
from devstack import defaults

STAGE = "bench"

SERVER = f"""
import json, sys
from devstack import defaults
from devstack.aws import LocalAws
from devstack.wechat_emulator import WeChatEmulator
aws = LocalAws()
aws.start()
aws.apply_environment()
emulator = WeChatEmulator(defaults.WECHAT_APP_ID, defaults.WECHAT_APP_SECRET).start()
resources = aws.create_resources(stage={STAGE!r})
info = {{"aws": aws.environment(), "api_base": emulator.url, "resources": resources}}
print(json.dumps(info), flush=True)
sys.stdin.read()  # until the benchmark closes our stdin
emulator.stop()
aws.stop()
"""


@dataclass(frozen=True)
class Stack:
    settings: Any  # chalicelib.settings.Settings
    env: dict[str, str]  # what a process needs to reach this stack

    def child_env(self) -> dict[str, str]:
        return {**os.environ, **self.env}


@contextmanager
def local_stack() -> Iterator[Stack]:
    """Start the stack in a child process, point this process at it, stop it at the end."""
    with tempfile.TemporaryFile("w+") as errors:
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            info = _started(server, errors)
            env = {**info["aws"], **_app_env(info["api_base"], info["resources"]["PhotosBucket"])}
            with _environ(env):
                yield Stack(settings=_settings(env), env=env)
        finally:
            _stop(server)


def _started(server: subprocess.Popen[str], errors: Any) -> dict[str, Any]:
    line = server.stdout.readline() if server.stdout else ""
    if not line:
        server.wait(timeout=10)
        errors.seek(0)
        raise RuntimeError(f"local stack did not start:\n{errors.read()[-2000:]}")
    return json.loads(line)


def _stop(server: subprocess.Popen[str]) -> None:
    if server.stdin:
        server.stdin.close()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    """os.environ with `values` set (boto3 and PynamoDB read the endpoint from there)."""
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _app_env(api_base: str, bucket: str) -> dict[str, str]:
    return {
        "CLAIMBOT_STAGE": STAGE,
        "WECHAT_TOKEN": defaults.WECHAT_TOKEN,
        "WECHAT_APP_ID": defaults.WECHAT_APP_ID,
        "WECHAT_APP_SECRET": defaults.WECHAT_APP_SECRET,
        "WECHAT_ENCODING_AES_KEY": defaults.WECHAT_ENCODING_AES_KEY,
        "WECHAT_API_BASE": api_base,
        "PHOTOS_BUCKET": bucket,
        "CLAIMBOT_PRIVACY_URL": "https://example.invalid/privacy",
        "CLAIMBOT_ID_PEPPER": defaults.ID_PEPPER,  # the book (binding, lookups) needs it
    }


def _settings(env: dict[str, str]) -> Any:
    from chalicelib.settings import settings_from_env

    return settings_from_env(env).validate()
