"""Pictures and pages the account links to, through Chalice's test client."""

from __future__ import annotations

import pytest
from chalice.test import Client

pytestmark = pytest.mark.integration


@pytest.fixture
def api(container, monkeypatch):
    import app

    monkeypatch.setattr(app, "services", lambda: container)
    with Client(app.app) as client:
        yield client


@pytest.mark.parametrize("slot", ["1", "2", "3", "4", "5"])
def test_survey_example_pictures_are_served_as_jpeg(api, slot):
    # Image fetchers send Accept: */* (API Gateway returns binary only when Accept matches).
    res = api.http.get(f"/survey/examples/{slot}.jpg", headers={"Accept": "*/*"})
    assert res.status_code == 200
    assert res.headers["Content-Type"] == "image/jpeg"
    assert res.body[:2] == b"\xff\xd8" and len(res.body) < 60_000


@pytest.mark.parametrize("slot", ["0", "6", "..", "1.jpg%00"])
def test_other_slots_are_not_found(api, slot):
    res = api.http.get(f"/survey/examples/{slot}.jpg", headers={"Accept": "*/*"})
    assert res.status_code == 404
