"""Shared fixtures. Integration tests run against a real moto server and the WeChat emulator,
started once per test session on loopback; each test uses its own openids."""

from __future__ import annotations

import os
import uuid

import pytest

from devstack import defaults


@pytest.fixture(scope="session")
def local_aws():
    from devstack.aws import LocalAws

    aws = LocalAws()
    aws.start()
    aws.apply_environment()
    resources = aws.create_resources(stage="local")
    os.environ["PHOTOS_BUCKET"] = resources["PhotosBucket"]
    yield aws, resources
    aws.stop()


@pytest.fixture(scope="session")
def emulator():
    from devstack.wechat_emulator import WeChatEmulator

    emu = WeChatEmulator(defaults.WECHAT_APP_ID, defaults.WECHAT_APP_SECRET).start()
    yield emu
    emu.stop()


@pytest.fixture(scope="session")
def settings(local_aws, emulator):
    from chalicelib.settings import Settings

    _, resources = local_aws
    return Settings(
        stage="local",
        resource_prefix="claimbot-local-",
        region="ap-east-1",
        wechat_token=defaults.WECHAT_TOKEN,
        wechat_app_id=defaults.WECHAT_APP_ID,
        wechat_app_secret=defaults.WECHAT_APP_SECRET,
        wechat_encoding_aes_key=defaults.WECHAT_ENCODING_AES_KEY,
        wechat_api_base=emulator.url,
        photos_bucket_name=resources["PhotosBucket"],
        privacy_url="https://example.invalid/privacy",
        id_pepper=defaults.ID_PEPPER,
        console_dev_login=True,
        console_dev_secret=defaults.CONSOLE_DEV_SECRET,
        claim_status_template_id=defaults.CLAIM_STATUS_TEMPLATE,
    )


@pytest.fixture(scope="session")
def container(settings):
    from chalicelib.service.container import Container

    return Container(settings)


@pytest.fixture
def openid() -> str:
    return f"o_test_{uuid.uuid4().hex[:12]}"
