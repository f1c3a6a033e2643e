"""Synthetic survey photos (devstack.survey_photos), generated once per test session: the
generator is deterministic, so every run checks the same bytes."""

from __future__ import annotations

import pytest

from devstack import survey_photos as sp

SEED = 7
OTHER_SEED = 8
SIZE = (1280, 960)  # a normal WeChat photo's size (recompressed, no EXIF)


@pytest.fixture(scope="session")
def sharp() -> bytes:
    return sp.scene(SEED, *SIZE)


@pytest.fixture(scope="session")
def sharp_with_exif() -> bytes:
    return sp.scene(SEED, *SIZE, exif=sp.Camera(offset="+08:00"))


@pytest.fixture(scope="session")
def rear() -> bytes:
    return sp.scene(SEED, *SIZE, view="rear")


@pytest.fixture(scope="session")
def other_car() -> bytes:
    return sp.scene(OTHER_SEED, *SIZE)


@pytest.fixture(scope="session")
def twelve_mp() -> bytes:
    return sp.twelve_mp(SEED)
