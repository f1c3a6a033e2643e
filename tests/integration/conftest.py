import pytest

from devstack import defaults


@pytest.fixture(autouse=True)
def _clean_emulator_faults(request):
    yield
    if "emulator" in request.fixturenames:
        request.getfixturevalue("emulator").clear_faults()


@pytest.fixture
def cli_env(settings, monkeypatch):
    """The app's settings in the environment, as an operator would have them (`claimbot`)."""
    from chalicelib.settings import current_settings

    monkeypatch.setenv("CLAIMBOT_STAGE", "local")
    monkeypatch.setenv("CLAIMBOT_RESOURCE_PREFIX", "claimbot-local-")
    monkeypatch.setenv("WECHAT_TOKEN", defaults.WECHAT_TOKEN)
    monkeypatch.setenv("WECHAT_APP_ID", defaults.WECHAT_APP_ID)
    monkeypatch.setenv("WECHAT_API_BASE", settings.wechat_api_base)
    monkeypatch.setenv("CLAIMBOT_ID_PEPPER", defaults.ID_PEPPER)
    monkeypatch.delenv("WECHAT_SSM_PATH", raising=False)
    current_settings.cache_clear()
    yield
    current_settings.cache_clear()
