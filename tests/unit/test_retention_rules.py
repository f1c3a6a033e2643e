"""domain/retention.py and its settings: how long each class is kept, and what is refused."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.domain import retention as rt
from chalicelib.settings import Settings, SettingsError, settings_from_env

DAY = 86400


def _end_of_china_day(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) + DAY - 8 * 3600


def test_defaults_come_from_the_law():
    policy = Settings().retention()
    days = (policy.chat_days, policy.after_contract_days, policy.quote_photo_days)
    assert days == (730, 1827, 30)
    assert Settings().conversation_ttl_s == 730 * DAY
    assert policy.evidence_days == 1827 + 366  # the template's EvidenceRetentionDays default


def test_a_claim_is_kept_five_years_after_its_policy_ends():
    policy = rt.RetentionPolicy()
    end = date(2027, 3, 31)
    reported = datetime(2026, 11, 1, tzinfo=UTC).timestamp()
    assert policy.claim_until(end, reported) == _end_of_china_day(end) + 1827 * DAY


def test_a_claim_reported_after_the_policy_ended_counts_from_the_report():
    policy = rt.RetentionPolicy()
    reported = datetime(2028, 1, 5, tzinfo=UTC).timestamp()
    assert policy.claim_until(date(2027, 12, 31), reported) == int(reported) + 1827 * DAY


def test_a_quote_is_kept_five_years_after_the_longest_contract_it_could_become():
    policy = rt.RetentionPolicy()
    valid = date(2026, 12, 31)
    assert policy.sale_until(valid) == _end_of_china_day(valid) + (366 + 1827) * DAY
    bought_end = date(2027, 12, 30)
    assert policy.sold_until(bought_end) <= policy.sale_until(valid)


def test_a_claims_period_starts_a_day_before_the_accident_at_most_30_days_back():
    reported = datetime(2026, 11, 20, 10, tzinfo=UTC).timestamp()
    accident = datetime(2026, 11, 18, 9, tzinfo=UTC)
    assert rt.claim_period(accident, reported) == (accident.timestamp() - DAY, reported)
    long_ago = datetime(2026, 9, 1, tzinfo=UTC)
    assert rt.claim_period(long_ago, reported) == (reported - 30 * DAY, reported)
    assert rt.claim_period(None, reported) == (reported - 30 * DAY, reported)


def test_the_longer_of_two_classes_wins():
    assert rt.longer(("chat", 10), ("claim", 20)) == ("claim", 20)
    assert rt.longer(("claim", 20), ("sale", 15)) == ("claim", 20)
    assert rt.longer(None, ("chat", 1)) == ("chat", 1)


def test_retention_is_read_from_the_environment():
    s = settings_from_env({"RETENTION_CHAT_DAYS": "365", "RETENTION_AFTER_CONTRACT_DAYS": "3653",
                           "RETENTION_QUOTE_PHOTO_DAYS": "45"})  # fmt: skip
    assert (s.retention_chat_days, s.retention_after_contract_days,
            s.retention_quote_photo_days) == (365, 3653, 45)  # fmt: skip
    assert s.conversation_ttl_s == 365 * DAY


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RETENTION_CHAT_DAYS": "0"}, "RETENTION_CHAT_DAYS must be at least 1"),
        ({"RETENTION_AFTER_CONTRACT_DAYS": "1000"},
         "RETENTION_AFTER_CONTRACT_DAYS must be at least 1827 (5 years after the contract ends"),
        ({"RETENTION_QUOTE_PHOTO_DAYS": "7"},
         "RETENTION_QUOTE_PHOTO_DAYS must be at least 30 (a quote's validity)"),
        ({"RETENTION_CHAT_DAYS": "two years"},
         "RETENTION_CHAT_DAYS must be an integer, got 'two years'"),
    ],
)
def test_settings_the_law_does_not_allow_are_refused_in_english(env, message):
    with pytest.raises(SettingsError) as caught:
        settings_from_env({"WECHAT_TOKEN": "t", **env}).validate()
    assert message in str(caught.value)


def test_valid_retention_settings_pass():
    env = {"WECHAT_TOKEN": "t", "RETENTION_CHAT_DAYS": "1", "RETENTION_QUOTE_PHOTO_DAYS": "30"}
    assert settings_from_env(env).validate().retention().chat_days == 1


def test_media_refuses_an_unknown_class():
    from chalicelib.media.store import MediaStore

    class NoS3:
        def put_object(self, **kwargs):
            raise AssertionError("must not be written")

    with pytest.raises(ValueError, match="unknown retention class 'forever'"):
        MediaStore(NoS3(), "b").put("k", b"x", "image/jpeg", retention="forever")


def test_media_writes_the_class_as_the_retention_tag():
    from chalicelib.media.store import MediaStore

    class S3:
        def put_object(self, **kwargs):
            self.kwargs = kwargs

    s3 = S3()
    MediaStore(s3, "b").put("claims/C1/photos/1/original.jpg", b"x", "image/jpeg",
                            retention="claim")  # fmt: skip
    assert s3.kwargs["Tagging"] == "retention=claim"
