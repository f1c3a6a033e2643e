"""Self-survey rules: placing photos in send order, eligibility, accident times, claim numbers."""

from __future__ import annotations

from datetime import datetime

import pytest

from chalicelib.domain import survey as sv
from chalicelib.domain.accident_time import CHINA, check_accident_time, parse_accident_time


def photo(n: int, reasons=(), phash: str | None = None, vin=None) -> sv.CheckedPhoto:
    # Distinct hashes far apart unless a test says otherwise.
    return sv.CheckedPhoto(
        seq=f"{n:04d}",
        reasons=tuple(reasons),
        phash=phash if phash is not None else f"{(0x1111111111111111 * n) & (2**64 - 1):016x}",
        sha256=f"sha{n}",
        vin=vin,
    )


GOOD_VIN = sv.VinRead("LSVAM4187C2184847", True)


def slots_of(result: sv.PlacementResult) -> dict[str, tuple[int | None, bool]]:
    return {p.seq: (p.slot, p.accepted) for p in result.placements}


def test_five_photos_at_once_fill_the_slots_in_send_order_whatever_the_arrival_order():
    photos = [photo(n, vin=GOOD_VIN if n == 5 else None) for n in (3, 1, 5, 2, 4)]
    result = sv.place([], photos)
    assert slots_of(result) == {f"{n:04d}": (n, True) for n in range(1, 6)}
    assert result.complete


def test_a_rejected_photo_keeps_its_slot_open_and_the_rest_move_on():
    photos = [photo(1), photo(2, ["blurred"]), photo(3), photo(4), photo(5, vin=GOOD_VIN)]
    result = sv.place([], photos)
    assert slots_of(result)["0002"] == (2, False)
    assert [p.slot for p in result.placements if p.accepted] == [1, 3, 4, 5]
    assert result.filled == {1, 3, 4, 5} and not result.complete
    # The next photo the customer sends is the re-shoot of slot 2.
    accepted = [sv.Accepted(s, f"{s:016x}", f"sha{s}") for s in (1, 3, 4, 5)]
    again = sv.place(accepted, [photo(6)])
    assert slots_of(again) == {"0006": (2, True)} and again.complete


def test_one_at_a_time_a_rejection_is_retaken_in_the_same_slot():
    first = sv.place([], [photo(1, ["too_dark"])])
    assert slots_of(first) == {"0001": (1, False)}
    second = sv.place([], [photo(2)])
    assert slots_of(second) == {"0002": (1, True)}


def test_a_sixth_photo_in_a_batch_retakes_the_rejected_slot_and_a_seventh_is_surplus():
    photos = [photo(1), photo(2, ["blurred"]), photo(3), photo(4), photo(5, vin=GOOD_VIN),
              photo(6), photo(7)]  # fmt: skip
    result = sv.place([], photos)
    assert slots_of(result)["0006"] == (2, True)
    assert slots_of(result)["0007"] == (None, False)
    assert result.placements[-1].reasons == (sv.SURPLUS,)
    assert result.complete


def test_the_same_picture_twice_is_a_duplicate_by_hash_or_by_bytes():
    near = sv.CheckedPhoto("0002", (), "fffffffffffffff0", "other", None)
    result = sv.place([], [photo(1, phash="ffffffffffffffff"), near])
    assert slots_of(result) == {"0001": (1, True), "0002": (2, False)}
    assert result.placements[1].reasons == (sv.DUPLICATE,)
    same_bytes = sv.CheckedPhoto("0003", (), "0000000000000000", "sha1", None)
    again = sv.place([sv.Accepted(1, "ffffffffffffffff", "sha1")], [same_bytes])
    assert again.placements[0].reasons == (sv.DUPLICATE,)


def test_a_different_photo_is_not_a_duplicate():
    result = sv.place(
        [sv.Accepted(1, "ffffffffffffffff", "a")], [photo(2, phash="00000000ffffffff")]
    )
    assert result.placements[0].accepted


def test_the_vin_slot_asks_for_a_reading_then_judges_it():
    accepted = [sv.Accepted(s, f"{s:016x}", f"sha{s}") for s in (1, 2, 3, 4)]
    asked = sv.place(accepted, [photo(9)])
    assert asked.needs_vin == sv.NeedsVin("0009") and not asked.placements
    unreadable = sv.place(accepted, [photo(9, vin=sv.VinRead(None))])
    assert unreadable.placements[0] == sv.Placement("0009", 5, False, (sv.VIN_UNREADABLE,))
    mismatch = sv.place(accepted, [photo(9, vin=sv.VinRead("LSVAM4187C2184847", False))])
    assert mismatch.placements[0].accepted
    assert mismatch.placements[0].flags == (sv.FLAG_VIN_MISMATCH,)
    unknown = sv.place(accepted, [photo(9, vin=sv.VinRead("LSVAM4187C2184847", None))])
    assert unknown.placements[0].accepted and unknown.placements[0].flags == ()


def test_a_photo_failing_quality_in_the_vin_slot_needs_no_reading():
    accepted = [sv.Accepted(s, f"{s:016x}", f"sha{s}") for s in (1, 2, 3, 4)]
    result = sv.place(accepted, [photo(9, ["blurred"])])
    assert result.needs_vin is None
    assert result.placements[0] == sv.Placement("0009", 5, False, ("blurred",))


def test_all_filled_means_every_later_photo_is_surplus():
    accepted = [sv.Accepted(s, f"{s:016x}", f"sha{s}") for s in sv.SLOTS]
    result = sv.place(accepted, [photo(9)])
    assert slots_of(result) == {"0009": (None, False)}


def test_send_order_is_create_time_then_msg_id():
    keys = [sv.survey_seq(1700000001, "99"), sv.survey_seq(1700000000, "100"),
            sv.survey_seq(1700000001, "100")]  # fmt: skip
    assert sorted(keys) == [keys[1], keys[0], keys[2]]


def test_the_eligibility_questions_and_the_answers_that_keep_self_service():
    assert sv.next_question([]) is sv.Question.INJURED
    assert sv.next_question(["injured", "other_party"]) is sv.Question.SAFE_AND_DRIVABLE
    assert sv.next_question([q.value for q in sv.Question]) is None
    assert sv.keeps_self_service(sv.Question.INJURED, False)
    assert not sv.keeps_self_service(sv.Question.INJURED, True)
    assert not sv.keeps_self_service(sv.Question.OTHER_PARTY, True)
    assert not sv.keeps_self_service(sv.Question.SAFE_AND_DRIVABLE, False)


def test_claim_numbers_are_valid_and_the_same_message_gives_the_same_number():
    from chalicelib.domain.claims import is_claim_number

    a = sv.claim_number_for(1795400000, "m:o_1:123")
    assert is_claim_number(a) and a.startswith("RSVY20261123101320")
    assert sv.claim_number_for(1795400000, "m:o_1:123") == a
    assert sv.claim_number_for(1795400000, "m:o_1:124") != a


def test_a_survey_expires_72_hours_after_the_last_activity():
    view = sv.SurveyView("R", "P", sv.SurveyState.OPEN, frozenset({1}), 0.0, 1000.0)
    assert not view.expired_at(1000.0 + sv.SURVEY_TTL_S)
    assert view.expired_at(1000.0 + sv.SURVEY_TTL_S + 1)
    assert view.next_slot == 2 and view.done == 1


NOW = datetime(2026, 11, 22, 16, 0, tzinfo=CHINA)


@pytest.mark.parametrize(
    "said, expected",
    [
        ("刚刚", (22, 16, 0)),
        ("半小时前", (22, 15, 30)),
        ("2小时前", (22, 14, 0)),
        ("14:30", (22, 14, 30)),
        ("１４：３０", (22, 14, 30)),
        ("今天下午3点", (22, 15, 0)),
        ("下午三点一刻", (22, 15, 15)),
        ("昨天晚上8点半", (21, 20, 30)),
        ("昨天中午12点", (21, 12, 0)),
        ("前天 9:05", (20, 9, 5)),
        ("11月20日14:30", (20, 14, 30)),
        ("11-20 14:30", (20, 14, 30)),
        ("2026-11-20 14:30", (20, 14, 30)),
        ("十一点二十", (22, 11, 20)),
        ("凌晨12点", (22, 0, 0)),
    ],
)
def test_accident_times_as_people_type_them(said, expected):
    moment = parse_accident_time(said, NOW)
    assert (moment.day, moment.hour, moment.minute) == expected
    assert moment.tzinfo is not None


@pytest.mark.parametrize("said", ["不知道", "abc", "2月30日 3点", "25:00", "昨天"])
def test_no_time_in_the_text_is_none(said):
    assert parse_accident_time(said, NOW) is None


def test_a_date_later_in_the_year_means_last_year():
    moment = parse_accident_time("12月31日 10:00", NOW)
    assert moment.year == 2025


def test_accident_time_limits():
    assert check_accident_time(NOW, NOW, sv.MAX_REPORT_DELAY_S) is None
    later = NOW.replace(hour=17)
    assert check_accident_time(later, NOW, sv.MAX_REPORT_DELAY_S) == "future"
    old = datetime(2026, 11, 20, 15, 0, tzinfo=CHINA)
    assert check_accident_time(old, NOW, sv.MAX_REPORT_DELAY_S) == "too_late"


def test_photos_taken_clearly_before_the_accident_are_noticed():
    accident = "2026-11-22T15:00:00+08:00"
    assert sv.taken_before_accident(["2026-11-22T13:30:00"], accident)
    assert not sv.taken_before_accident(["2026-11-22T14:30:00"], accident)  # rounding slack
    assert not sv.taken_before_accident(["2026-11-22T15:20:00", "garbage"], accident)
    assert sv.taken_before_accident(["2026-11-22T05:00:00+00:00"], accident)  # 13:00 China
    assert not sv.taken_before_accident([], accident)
