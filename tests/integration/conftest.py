import pytest


@pytest.fixture(autouse=True)
def _clean_emulator_faults(request):
    yield
    if "emulator" in request.fixturenames:
        request.getfixturevalue("emulator").clear_faults()
