"""chalicelib.settings: environment parsing, validation, SSM secrets."""

from __future__ import annotations

import pytest

from chalicelib import settings as settings_module
from chalicelib.settings import (
    SECRET_NAMES,
    Settings,
    SettingsError,
    load_secrets_from_ssm,
    resource_name,
    settings_from_env,
)

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


class FakeSSM:
    """Stands in for boto3's SSM client: records calls, returns the stored parameters."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.calls: list[dict] = []

    def get_parameters(self, **kwargs):
        self.calls.append(kwargs)
        found = [{"Name": n, "Value": self.values[n]} for n in kwargs["Names"] if n in self.values]
        invalid = [n for n in kwargs["Names"] if n not in self.values]
        return {"Parameters": found, "InvalidParameters": invalid}


def test_defaults_from_empty_environment():
    s = settings_from_env({})
    assert s == Settings(console_dev_login=True)  # the local stage offers the dev sign-in
    assert s.stage == "local"
    assert s.resource_prefix == "claimbot-local-"
    assert s.region == "ap-east-1"
    assert s.wechat_api_base == "https://api.weixin.qq.com"
    assert s.wechat_max_clock_skew_s == 300
    assert s.wechat_max_body_bytes == 64 * 1024
    assert s.hotline == "95500"
    assert s.privacy_url == ""
    assert (s.wechat_token, s.wechat_app_secret, s.wechat_encoding_aes_key) == ("", "", "")


@pytest.mark.parametrize("stage", ["local", "dev", "prod"])
def test_stage_derives_prefix_and_names(stage):
    s = settings_from_env({"CLAIMBOT_STAGE": stage})
    assert s.stage == stage
    assert s.resource_prefix == f"claimbot-{stage}-"
    assert s.table("inbox") == f"claimbot-{stage}-inbox"
    assert s.queue("jobs") == f"claimbot-{stage}-jobs"
    assert s.photos_bucket == f"claimbot-{stage}-photos"


def test_explicit_prefix_and_bucket_override_stage():
    s = settings_from_env(
        {
            "CLAIMBOT_STAGE": "prod",
            "CLAIMBOT_RESOURCE_PREFIX": "cb-p-",
            "PHOTOS_BUCKET": "claimbot-prod-photos-123456789012",
        }
    )
    assert s.table("sessions") == "cb-p-sessions"
    assert s.photos_bucket == "claimbot-prod-photos-123456789012"


def test_resource_name():
    assert resource_name("claimbot-dev-", "outbox") == "claimbot-dev-outbox"


@pytest.mark.parametrize(
    ("env", "region"),
    [
        ({"AWS_REGION": "cn-north-1", "AWS_DEFAULT_REGION": "us-east-1"}, "cn-north-1"),
        ({"AWS_DEFAULT_REGION": "us-east-1"}, "us-east-1"),
        ({"AWS_REGION": "", "AWS_DEFAULT_REGION": "eu-west-1"}, "eu-west-1"),
        ({}, "ap-east-1"),
    ],
)
def test_region(env, region):
    assert settings_from_env(env).region == region


def test_values_read_from_environment():
    s = settings_from_env(
        {
            "WECHAT_TOKEN": "tok",
            "WECHAT_APP_ID": "wx123",
            "WECHAT_APP_SECRET": "sec",
            "WECHAT_ENCODING_AES_KEY": AES_KEY,
            "WECHAT_API_BASE": "http://localhost:9000/",
            "WECHAT_MAX_BODY_BYTES": "1024",
            "WECHAT_SSM_PATH": "/claimbot/prod",
            "CLAIMBOT_HOTLINE": "4008-000-000",
            "CLAIMBOT_PRIVACY_URL": "https://example.com/privacy",
        }
    )
    assert (s.wechat_token, s.wechat_app_id, s.wechat_app_secret) == ("tok", "wx123", "sec")
    assert s.wechat_encoding_aes_key == AES_KEY
    assert s.wechat_api_base == "http://localhost:9000"  # trailing slash removed
    assert s.wechat_max_body_bytes == 1024
    assert s.wechat_ssm_path == "/claimbot/prod"
    assert s.hotline == "4008-000-000"
    assert s.privacy_url == "https://example.com/privacy"


@pytest.mark.parametrize(
    ("raw", "value"), [("0", 0), ("60", 60), (" 120 ", 120), ("", 300), ("-5", -5)]
)
def test_clock_skew_parsing(raw, value):
    assert settings_from_env({"WECHAT_MAX_CLOCK_SKEW_S": raw}).wechat_max_clock_skew_s == value


@pytest.mark.parametrize("name", ["WECHAT_MAX_CLOCK_SKEW_S", "WECHAT_MAX_BODY_BYTES"])
@pytest.mark.parametrize("raw", ["abc", "1.5", "5m", "300s"])
def test_non_integer_setting_names_the_variable(name, raw):
    with pytest.raises(SettingsError) as info:
        settings_from_env({name: raw})
    assert name in str(info.value)
    assert repr(raw) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_validate_accepts_complete_settings():
    s = Settings(wechat_token="t", wechat_encoding_aes_key=AES_KEY)
    assert s.validate() is s


def test_validate_accepts_plaintext_mode_without_aes_key():
    s = Settings(wechat_token="t")
    assert s.validate() is s


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (Settings(), "WECHAT_TOKEN is not set"),
        (Settings(wechat_encoding_aes_key=AES_KEY), "WECHAT_TOKEN is not set"),
        (Settings(wechat_token="t", wechat_encoding_aes_key=AES_KEY[:-1]), "43 characters"),
        (Settings(wechat_token="t", wechat_encoding_aes_key=AES_KEY + "="), "43 characters"),
        (Settings(wechat_token="t", wechat_max_clock_skew_s=-1), "WECHAT_MAX_CLOCK_SKEW_S"),
    ],
    ids=["no-token", "key-but-no-token", "key-42", "key-44", "negative-skew"],
)
def test_validate_refuses(settings, message):
    with pytest.raises(SettingsError, match=message):
        settings.validate()


@pytest.mark.parametrize("path", ["/claimbot/prod", "/claimbot/prod/"])
def test_load_secrets_from_ssm(path):
    ssm = FakeSSM(
        {
            "/claimbot/prod/WECHAT_TOKEN": "t",
            "/claimbot/prod/WECHAT_APP_SECRET": "s",
            "/claimbot/prod/WECHAT_ENCODING_AES_KEY": AES_KEY,
            "/claimbot/dev/WECHAT_TOKEN": "wrong-stage",
        }
    )
    secrets = load_secrets_from_ssm(path, ssm)
    assert secrets == {
        "WECHAT_TOKEN": "t",
        "WECHAT_APP_SECRET": "s",
        "WECHAT_ENCODING_AES_KEY": AES_KEY,
    }
    assert ssm.calls == [
        {
            "Names": [f"/claimbot/prod/{name}" for name in SECRET_NAMES],
            "WithDecryption": True,
        }
    ]


def test_load_secrets_from_ssm_with_some_missing():
    ssm = FakeSSM({"/claimbot/prod/WECHAT_TOKEN": "t"})
    assert load_secrets_from_ssm("/claimbot/prod", ssm) == {"WECHAT_TOKEN": "t"}


def test_with_secrets_overrides_only_given_secrets():
    base = Settings(wechat_token="env-token", wechat_app_secret="env-secret", wechat_app_id="wx1")
    updated = base.with_secrets({"WECHAT_TOKEN": "ssm-token", "WECHAT_ENCODING_AES_KEY": AES_KEY})
    assert updated.wechat_token == "ssm-token"
    assert updated.wechat_app_secret == "env-secret"
    assert updated.wechat_encoding_aes_key == AES_KEY
    assert updated.wechat_app_id == "wx1"
    assert base.wechat_token == "env-token"  # frozen original untouched


def test_with_secrets_from_fake_ssm_then_validate():
    ssm = FakeSSM(
        {"/claimbot/prod/WECHAT_TOKEN": "t", "/claimbot/prod/WECHAT_ENCODING_AES_KEY": AES_KEY}
    )
    s = Settings(stage="prod").with_secrets(load_secrets_from_ssm("/claimbot/prod", ssm))
    assert s.validate().wechat_token == "t"


@pytest.fixture
def fresh_current_settings():
    settings_module.current_settings.cache_clear()
    yield settings_module.current_settings
    settings_module.current_settings.cache_clear()


def _clear_env(monkeypatch):
    for name in (
        "CLAIMBOT_STAGE",
        "CLAIMBOT_RESOURCE_PREFIX",
        "WECHAT_SSM_PATH",
        "WECHAT_TOKEN",
        "WECHAT_ENCODING_AES_KEY",
        "WECHAT_APP_SECRET",
        "WECHAT_MAX_CLOCK_SKEW_S",
    ):
        monkeypatch.delenv(name, raising=False)


def test_current_settings_from_environment(monkeypatch, fresh_current_settings):
    _clear_env(monkeypatch)
    monkeypatch.setenv("CLAIMBOT_STAGE", "dev")
    monkeypatch.setenv("WECHAT_TOKEN", "env-token")
    s = fresh_current_settings()
    assert s.stage == "dev"
    assert s.wechat_token == "env-token"
    assert fresh_current_settings() is s  # read once per process


def test_current_settings_reads_ssm(monkeypatch, fresh_current_settings):
    _clear_env(monkeypatch)
    monkeypatch.setenv("WECHAT_SSM_PATH", "/claimbot/prod")
    monkeypatch.setenv("AWS_REGION", "ap-east-1")
    ssm = FakeSSM({"/claimbot/prod/WECHAT_TOKEN": "ssm-token"})
    made: list[tuple] = []

    def fake_client(service, **kwargs):
        made.append((service, kwargs))
        return ssm

    monkeypatch.setattr("boto3.client", fake_client)
    s = fresh_current_settings()
    assert s.wechat_token == "ssm-token"
    assert made == [("ssm", {"region_name": "ap-east-1"})]


def test_current_settings_validates(monkeypatch, fresh_current_settings):
    _clear_env(monkeypatch)
    with pytest.raises(SettingsError, match="WECHAT_TOKEN"):
        fresh_current_settings()


def test_the_console_dev_sign_in_is_local_only():
    assert settings_from_env({"CLAIMBOT_STAGE": "prod"}).console_dev_login is False
    on = settings_from_env({"CLAIMBOT_STAGE": "prod", "CONSOLE_DEV_LOGIN": "true",
                            "WECHAT_TOKEN": "t"})  # fmt: skip
    with pytest.raises(SettingsError, match="CONSOLE_DEV_LOGIN must not be on"):
        on.validate()
    with pytest.raises(SettingsError, match="true or false"):
        settings_from_env({"CONSOLE_DEV_LOGIN": "maybe"})


def test_photo_check_thresholds_from_the_environment():
    s = settings_from_env({"PHOTO_QC_MIN_SHARPNESS": "0.3", "PHOTO_QC_MIN_SHORT_SIDE": "700"})
    thresholds = s.qc_thresholds()
    assert thresholds.min_sharpness == 0.3 and thresholds.min_short_side == 700
    with pytest.raises(SettingsError, match="unknown PHOTO_QC_NOPE"):
        settings_from_env({"PHOTO_QC_NOPE": "1"}).qc_thresholds()
    with pytest.raises(SettingsError, match="must be a float"):
        settings_from_env({"PHOTO_QC_MIN_SHARPNESS": "sharp"}).qc_thresholds()
