"""Photos and other customer media in S3 (private, server-side encrypted).

Every object is written with its retention class as the tag `retention=<class>`: the bucket's
lifecycle rules expire each class, and a legal hold re-tags objects `retention=held`, which no
rule expires (domain/retention.py, infra/resources.yaml). Nothing here deletes one by one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from chalicelib.domain.retention import CHAT, CLAIM, CLASSES, HELD, SALE, TAG

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "audio/amr": "amr"}


class MediaStore:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self.bucket = bucket

    def put(
        self,
        key: str,
        data: bytes,
        content_type: str,
        metadata: dict[str, str] | None = None,
        *,
        retention: str = CHAT,
    ) -> str:
        self._s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type or "application/octet-stream",
            ServerSideEncryption="AES256",
            Metadata=metadata or {},
            Tagging=urlencode(_tags(retention)),
        )
        return key

    def retention(self, key: str) -> str | None:
        """The object's retention class (its `retention` tag), None without one."""
        found = self._s3.get_object_tagging(Bucket=self.bucket, Key=key)["TagSet"]
        return next((t["Value"] for t in found if t["Key"] == TAG), None)

    def set_retention(self, key: str, retention: str, held_from: str | None = None) -> None:
        """Re-tag the object's current version: its class's lifecycle rule applies from now
        (counted from when it was written). Under a hold, `held_from` keeps the class to go
        back to."""
        tags = _tags(retention)
        if held_from:
            tags[f"{TAG}-before-hold"] = held_from
        tag_set = [{"Key": k, "Value": v} for k, v in tags.items()]
        self._s3.put_object_tagging(Bucket=self.bucket, Key=key, Tagging={"TagSet": tag_set})

    def hold(self, key: str) -> None:
        """Tag `retention=held` (no lifecycle rule expires it), remembering the class."""
        before = self.retention(key)
        if before != HELD:
            self.set_retention(key, HELD, held_from=before or CHAT)

    def release(self, key: str) -> str:
        """Back to the class it had before the hold; returns it."""
        found = self._s3.get_object_tagging(Bucket=self.bucket, Key=key)["TagSet"]
        tags = {t["Key"]: t["Value"] for t in found}
        if tags.get(TAG) != HELD:
            return tags.get(TAG, CHAT)
        before = tags.get(f"{TAG}-before-hold", CHAT)
        self.set_retention(key, before)
        return before

    def erase(self, key: str) -> bool:
        """Delete a picture its customer asked us to erase, unless the law keeps it (held, or a
        claim's or a sale's); whether it was deleted."""
        if self.retention(key) in (HELD, CLAIM, SALE):
            return False
        self._s3.delete_object(Bucket=self.bucket, Key=key)
        return True

    def keys(self, prefix: str) -> list[str]:
        """Every current object under `prefix` (a claim's photos and packets)."""
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                  Prefix=prefix)  # fmt: skip
        return [o["Key"] for page in pages for o in page.get("Contents", [])]

    def exists(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self.bucket, Key=key)
        except self._s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def presigned_url(self, key: str, expires_s: int = 300) -> str:
        """A short-lived GET link for the console; S3 keys carry no personal data."""
        return self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_s
        )

    def link_origin(self) -> str:
        """Where presigned links point (scheme://host[:port]): what the console's
        Content-Security-Policy lets it load images from. Signing needs no network call."""
        url = urlsplit(self.presigned_url("origin-probe", 60))
        return f"{url.scheme}://{url.netloc}"

    def get(self, key: str) -> bytes:
        return self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    @staticmethod
    def extension(content_type: str) -> str:
        return EXTENSIONS.get(content_type.split(";")[0].strip().lower(), "bin")


def _tags(retention: str) -> dict[str, str]:
    if retention not in CLASSES:
        raise ValueError(f"unknown retention class {retention!r}; classes: {', '.join(CLASSES)}")
    return {TAG: retention}
