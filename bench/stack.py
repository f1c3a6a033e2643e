"""The local stack the benchmarks run against: moto server and the WeChat emulator on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from devstack import defaults

STAGE = "bench"


@dataclass(frozen=True)
class Stack:
    settings: Any  # chalicelib.settings.Settings
    env: dict[str, str]  # what a fresh interpreter needs to reach this stack

    def child_env(self) -> dict[str, str]:
        return {**os.environ, **self.env}


@contextmanager
def local_stack() -> Iterator[Stack]:
    """Start moto server and the WeChat emulator, create the stage's resources, then stop them."""
    from devstack.aws import LocalAws
    from devstack.wechat_emulator import WeChatEmulator

    aws = LocalAws()
    aws.start()
    try:
        with WeChatEmulator(defaults.WECHAT_APP_ID, defaults.WECHAT_APP_SECRET) as emulator:
            with _environ(aws.environment()):
                resources = aws.create_resources(stage=STAGE)
                env = {**aws.environment(), **_app_env(emulator.url, resources["PhotosBucket"])}
                yield Stack(settings=_settings(env), env=env)
    finally:
        aws.stop()


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
    }


def _settings(env: dict[str, str]) -> Any:
    from chalicelib.settings import settings_from_env

    return settings_from_env(env).validate()
