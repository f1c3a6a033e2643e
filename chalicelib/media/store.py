"""Photos and other customer media in S3 (private, server-side encrypted)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "audio/amr": "amr"}


class MediaStore:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self.bucket = bucket

    def put(
        self, key: str, data: bytes, content_type: str, metadata: dict[str, str] | None = None
    ) -> str:
        self._s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type or "application/octet-stream",
            ServerSideEncryption="AES256",
            Metadata=metadata or {},
        )
        return key

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
