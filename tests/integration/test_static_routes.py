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


def test_the_console_page_may_not_be_framed_nor_run_scripts_of_others(api, container):
    import base64
    import hashlib
    import re

    res = api.http.get("/console")
    assert res.status_code == 200
    policy = res.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
    assert res.headers["X-Frame-Options"] == "DENY"
    (inline,) = re.findall(r"<script>(.*?)</script>", res.body.decode(), re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert f"script-src 'self' 'sha256-{digest}';" in policy  # the redirect, and nothing else
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert container.media.link_origin() in policy.split("img-src", 1)[1].split(";")[0]
    api_res = api.http.get("/console/api/config")
    assert api_res.headers["X-Frame-Options"] == "DENY"
