"""A photo's GPS position is sensitive personal information: kept only as the distance to the
place the customer sent, and a photo far from it needs a written reason to approve."""

from __future__ import annotations

from chalicelib.domain import survey as sv
from chalicelib.domain.authority import NEEDS_REASON


def test_with_a_location_sent_only_the_distance_is_kept():
    facts = {"captured_at": "2026-12-06T10:00:00", "gps": [31.230416, 121.473701]}
    kept = sv.located_facts(facts, {"lat": 31.2397, "lon": 121.4998, "label": "外滩"})
    assert "gps" not in kept and kept["captured_at"] == facts["captured_at"]
    assert 2.0 < kept["km_from_place"] < 3.5  # People's Square to the Bund


def test_with_a_typed_address_the_position_is_dropped():
    kept = sv.located_facts({"gps": [31.23, 121.47]}, {"text": "上海市黄浦区人民广场"})
    assert kept == {}
    assert sv.located_facts({"device": "X"}, None) == {"device": "X"}


def test_far_is_more_than_five_km_and_needs_a_reason():
    assert not sv.taken_far_from_place([0.1, 4.9, 5.0])
    assert sv.taken_far_from_place([0.1, 5.1])
    assert sv.FLAG_TAKEN_FAR_FROM_PLACE in NEEDS_REASON
    assert round(sv.distance_km(23.1291, 113.2644, 31.2304, 121.4737)) in range(1200, 1230)
