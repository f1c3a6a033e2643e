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


# --- every word shown to a customer during the run is kept, and one test reads them all -----
# (tests/test_customer_words.py). The devstack's emulator and the simulator's client append
# what they deliver to $CLAIMBOT_TRANSCRIPT (devstack/transcript.py), children included; in
# this process the dialog's answers and the webhook's passive replies are noted as well.

SHOWN: list[tuple[str, str]] = []  # (where, text), in this process


def pytest_configure(config: pytest.Config) -> None:
    from devstack import transcript

    folder = config.rootpath / "test-artifacts"
    folder.mkdir(exist_ok=True)
    path = folder / "transcript.jsonl"
    path.write_text("", encoding="utf-8")
    os.environ[transcript.ENV] = str(path)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The words test reads what the others showed: it runs last."""
    last = [i for i in items if i.module is not None and i.module.__name__.endswith(
        "test_customer_words")]  # fmt: skip
    items[:] = [i for i in items if i not in last] + last


@pytest.fixture(scope="session", autouse=True)
def _note_what_customers_are_shown():
    from chalicelib.dialog import router
    from chalicelib.jobs.messages import OutboxMessage
    from chalicelib.service import webhook

    handle, render, to_body = router.handle, webhook.render_passive, OutboxMessage.to_body

    def noting_handle(*args, **kwargs):
        outcome = handle(*args, **kwargs)
        for reply in (outcome.reply, *outcome.sends):
            SHOWN.append(("dialog", _words(reply)))
        return outcome

    def noting_render(reply, *args, **kwargs):
        SHOWN.append(("passive", _words(reply)))
        return render(reply, *args, **kwargs)

    def noting_to_body(self):
        if self.reply is not None:
            SHOWN.append(("outbox", _words(self.reply)))
        if self.template is not None:
            SHOWN.extend(("template", str(v.get("value", ""))) for v in self.template.data.values())
        return to_body(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(router, "handle", noting_handle)
        patch.setattr(webhook, "render_passive", noting_render)
        patch.setattr(OutboxMessage, "to_body", noting_to_body)
        yield


def _words(reply) -> str:
    from chalicelib.domain.messages import NewsReply, TextReply

    if isinstance(reply, TextReply):
        return reply.content
    if isinstance(reply, NewsReply):
        return f"{reply.title}\n{reply.description}"
    return ""
