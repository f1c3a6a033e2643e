"""chalicelib/snapstart.py: under SnapStart the API function imports before the snapshot, and
each instance restored from it builds its own container (lease owner, clients, secrets)."""

from __future__ import annotations

from functools import lru_cache

import pytest

from chalicelib import snapstart
from chalicelib.settings import current_settings

SNAP_START_INIT = {"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}
LOCAL = {
    "CLAIMBOT_STAGE": "local",
    "WECHAT_SSM_PATH": "",
    "WECHAT_APP_ID": "wx00000000c1a1b07d",
    "WECHAT_TOKEN": "token",
    "WECHAT_APP_SECRET": "secret-at-snapshot",
    "CLAIMBOT_ID_PEPPER": "pepper-pepper-pepper-pepper-pepper",
    "AWS_DEFAULT_REGION": "ap-east-1",
}


@pytest.fixture
def local_settings(monkeypatch):
    for name, value in LOCAL.items():
        monkeypatch.setenv(name, value)
    current_settings.cache_clear()
    yield
    current_settings.cache_clear()


def _services():
    """Like app.services: one container per instance, built on first use."""
    from chalicelib.service.container import Container

    @lru_cache(maxsize=1)
    def services():
        return Container(current_settings())

    return services


@pytest.mark.parametrize("init", [{}, {"AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand"},
                                  {"AWS_LAMBDA_INITIALIZATION_TYPE": "provisioned-concurrency"}])
def test_without_snapstart_nothing_is_registered_or_built(init):
    registered = []
    services = _services()
    assert snapstart.prepare(services, environ=init, register=registered.append) is False
    assert registered == []
    assert services.cache_info().currsize == 0


def test_a_restored_instance_builds_its_own_container(local_settings, monkeypatch):
    registered = []
    services = _services()
    assert snapstart.prepare(services, environ=SNAP_START_INIT, register=registered.append)
    snapshot = services()  # what the snapshot would hold, were it built before
    snapshot_owner = snapshot.tokens.owner
    monkeypatch.setenv("WECHAT_APP_SECRET", "rotated-since")  # a secret rotated in SSM

    (restore_hook,) = registered
    restore_hook()
    restored = services()

    assert restored is not snapshot
    assert restored.tokens.owner != snapshot_owner  # leases are not shared between instances
    assert restored.settings.wechat_app_secret == "rotated-since"


def test_the_init_reads_the_settings_before_the_snapshot(local_settings):
    """The message path's modules are imported and the settings read during the init."""
    current_settings.cache_clear()
    snapstart.prepare(_services(), environ=SNAP_START_INIT, register=lambda hook: None)
    assert current_settings.cache_info().currsize == 1
