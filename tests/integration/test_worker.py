"""Jobs: a customer's picture is saved to S3 at once (WeChat keeps it only 3 days)."""

from __future__ import annotations

import pytest

from chalicelib.store.models import ConversationRecord

pytestmark = pytest.mark.integration

JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64 + b"\xff\xd9"


def test_media_fetch_saves_the_picture_privately(container, emulator, openid):
    media = emulator.add_media(JPEG, "image/jpeg")
    job = {"kind": "media.fetch", "payload": {"openid": openid, "media_id": media["media_id"]}}
    key = container.worker.run(job)
    s3 = container.client("s3")
    obj = s3.get_object(Bucket=container.settings.photos_bucket, Key=key)
    assert obj["Body"].read() == JPEG
    assert obj["ServerSideEncryption"] == "AES256"
    assert key.endswith(".jpg") and openid not in key
    (record,) = ConversationRecord.query(openid)
    assert record.media_key == key


def test_expired_media_is_logged_not_retried_forever(container, openid):
    job = {"kind": "media.fetch", "payload": {"openid": openid, "media_id": "no-such-media"}}
    assert container.worker.run(job) == ""


def test_unknown_job_kind_raises_so_it_dead_letters(container):
    with pytest.raises(ValueError, match="unknown job kind"):
        container.worker.run({"kind": "nope", "payload": {}})
