"""WeCom's URL check (GET /wecom) gets 1 s, a cold start included: a fresh interpreter answers
it with the callback's crypto alone, before any store or AWS client is loaded."""

from __future__ import annotations

from bench.wecom_url_check import ECHO, measure


def test_a_cold_url_check_is_answered_without_building_the_stores():
    (result,) = measure(1)  # raises unless the answer is the echo
    assert (result["status"], result["body"]) == (200, ECHO)
    assert result["stores_loaded"] == []
