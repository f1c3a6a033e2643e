"""Where a claim's photos live in S3, and the photo packet adjusters review.

claims/<claim_no>/photos/<seq>/original.<ext>   the customer's bytes, untouched
claims/<claim_no>/photos/<seq>/normalized.jpg   upright, ≤ 2048 px, no metadata
claims/<claim_no>/photos/<seq>/thumbnail.jpg
claims/<claim_no>/packets/<n>/contact-sheet.jpg the five shots on one labelled image
claims/<claim_no>/packets/<n>/manifest.json     written last: the packet is complete when
                                                 its manifest exists

No personal data in keys: the claim number and WeChat's message order only.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from chalicelib.domain.retention import CLAIM

if TYPE_CHECKING:
    from chalicelib.media.store import MediaStore

MANIFEST_VERSION = 1


def photo_key(claim_no: str, seq: str, name: str) -> str:
    return f"claims/{claim_no}/photos/{seq}/{name}"


def packet_prefix(claim_no: str, submission: int) -> str:
    return f"claims/{claim_no}/packets/{submission}/"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_file(key: str, data: bytes) -> dict[str, Any]:
    return {"key": key, "sha256": sha256(data), "bytes": len(data)}


class PacketWriter:
    """Writes a packet's files; the manifest goes last."""

    def __init__(self, media: MediaStore) -> None:
        self.media = media

    def put_photo_file(
        self, claim_no: str, seq: str, name: str, data: bytes, content_type: str
    ) -> dict[str, Any]:
        key = photo_key(claim_no, seq, name)
        self.media.put(key, data, content_type, metadata={"sha256": sha256(data)}, retention=CLAIM)
        return stored_file(key, data)

    def write(self, claim_no: str, submission: int, sheet: bytes, manifest: dict[str, Any]) -> str:
        prefix = packet_prefix(claim_no, submission)
        sheet_key = prefix + "contact-sheet.jpg"
        self.media.put(sheet_key, sheet, "image/jpeg", metadata={"sha256": sha256(sheet)},
                       retention=CLAIM)
        body = {**manifest, "contact_sheet": stored_file(sheet_key, sheet)}
        data = json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True).encode()
        manifest_key = prefix + "manifest.json"
        self.media.put(manifest_key, data, "application/json", metadata={"sha256": sha256(data)},
                       retention=CLAIM)
        return manifest_key

    def read_manifest(self, key: str) -> dict[str, Any]:
        return json.loads(self.media.get(key))
