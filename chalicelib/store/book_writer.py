"""Writes validated import rows into the book (policies, claims) as chalicelib/store/book.py
reads them.

Only what the bot may show or match is stored: the holder's ID number becomes a keyed
customer id, a keyed check of its last 6 characters and a mask; the phone a mask and a keyed
check (staff may find a customer by it); the VIN a mask and a keyed check.

Policies and new claims go in batch writes; rows whose stored `source_hash` is unchanged are
not written at all, so importing the same file twice writes nothing the second time. A claim
whose stored timeline is a strict prefix of the imported one is updated with a versioned save,
one MODIFY on the claims stream, so the customer is notified once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pynamodb.exceptions import PutError

from chalicelib.domain.claims import TimelineEntry
from chalicelib.domain.identity import (
    customer_id_for,
    id_check_for,
    phone_check_for,
    vin_check_for,
)
from chalicelib.domain.import_rows import ClaimRow, PolicyRow
from chalicelib.domain.masking import mask_id_number, mask_phone, mask_vin
from chalicelib.domain.people import gender_from_id, id_last6
from chalicelib.store.book import timeline_from_json, timeline_to_json
from chalicelib.store.models import ClaimItem, PolicyItem, condition_failed


class Written(StrEnum):
    ACCEPTED = "accepted"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True)
class WriteResult:
    outcome: Written
    reason: str = ""


ACCEPTED = WriteResult(Written.ACCEPTED)
UNCHANGED = WriteResult(Written.UNCHANGED)


def _rejected(reason: str) -> WriteResult:
    return WriteResult(Written.REJECTED, reason)


def source_hash(attributes: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of what is stored for a row (never of the raw row, which
    holds the full ID number, phone and VIN: an unkeyed hash of those could be brute-forced)."""
    canonical = json.dumps(attributes, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def coverages_to_json(row: PolicyRow) -> list[dict[str, Any]]:
    return [
        {
            "name": c.name,
            "limit": str(c.limit) if c.limit is not None else None,
            "unit": c.unit,
        }
        for c in row.coverages
    ]


@dataclass(frozen=True)
class _PolicyRef:
    customer_id: str
    plate: str


class BookWriter:
    """Turns validated rows into PolicyItem / ClaimItem. `id_key` is CLAIMBOT_ID_PEPPER."""

    def __init__(self, id_key: bytes) -> None:
        if not id_key:
            raise ValueError("the ID key (CLAIMBOT_ID_PEPPER) is empty")
        self.id_key = id_key
        # Policies this writer has written or seen: claims imported after them (same run,
        # e.g. the demo seed) find them without reading the table again.
        self._policies: dict[str, _PolicyRef] = {}

    # --- policies ------------------------------------------------------------------------

    def policy_attributes(self, row: PolicyRow) -> dict[str, Any]:
        """The stored attributes of a policy row (without source_hash)."""
        gender = gender_from_id(row.holder_id_number)
        return {
            "policy_no": row.policy_no,
            "customer_id": customer_id_for(row.holder_id_number, self.id_key),
            "holder_name": row.holder_name,
            "holder_gender": gender.value if gender else None,
            "holder_id_masked": mask_id_number(row.holder_id_number),
            "holder_id_check": id_check_for(id_last6(row.holder_id_number), self.id_key),
            "holder_phone_masked": mask_phone(row.holder_phone) if row.holder_phone else None,
            "holder_phone_check": (phone_check_for(row.holder_phone, self.id_key)
                                   if row.holder_phone else None),  # fmt: skip
            "plate": row.plate,
            "vin_masked": mask_vin(row.vin) if row.vin else None,
            "vin_check": vin_check_for(row.vin, self.id_key) if row.vin else None,
            "brand_model": row.brand_model or None,
            "product": row.product,
            "start_date": row.start.isoformat(),
            "end_date": row.end.isoformat(),
            "cancelled": row.cancelled,
            "coverages": coverages_to_json(row),
        }

    def write_policies(self, rows: Sequence[PolicyRow]) -> list[WriteResult]:
        """One result per row, in order. Policy numbers must be unique within `rows`."""
        _require_unique((r.policy_no for r in rows), "policy_no")
        stored = {
            item.policy_no: item.source_hash
            for item in PolicyItem.batch_get([r.policy_no for r in rows], consistent_read=True)
        }
        results: list[WriteResult] = []
        with PolicyItem.batch_write() as batch:
            for row in rows:
                attributes = self.policy_attributes(row)
                digest = source_hash(attributes)
                self._policies[row.policy_no] = _PolicyRef(attributes["customer_id"], row.plate)
                if stored.get(row.policy_no) == digest:
                    results.append(UNCHANGED)
                    continue
                batch.save(PolicyItem(**attributes, source_hash=digest))
                results.append(ACCEPTED)
        return results

    # --- claims --------------------------------------------------------------------------

    @staticmethod
    def claim_attributes(row: ClaimRow) -> dict[str, Any]:
        """What the claims row itself says (hashed; customer and plate come from the policy)."""
        return {
            "claim_no": row.claim_no,
            "policy_no": row.policy_no,
            "accident_date": row.accident_date.isoformat(),
            "status": str(row.status),
            "timeline": timeline_to_json(row.timeline),
        }

    def write_claims(self, rows: Sequence[ClaimRow]) -> list[WriteResult]:
        """One result per row, in order. Claim numbers must be unique within `rows`."""
        _require_unique((r.claim_no for r in rows), "claim_no")
        policies = self._policy_refs({r.policy_no for r in rows})
        existing = {
            item.claim_no: item
            for item in ClaimItem.batch_get([r.claim_no for r in rows], consistent_read=True)
        }
        results: list[WriteResult] = []
        updates: list[tuple[int, ClaimItem]] = []
        with ClaimItem.batch_write() as batch:
            for row in rows:
                policy = policies.get(row.policy_no)
                if policy is None:
                    results.append(
                        _rejected(f"policy {row.policy_no} is not in the book; import it first")
                    )
                    continue
                attributes = self.claim_attributes(row)
                digest = source_hash(attributes)
                item = existing.get(row.claim_no)
                if item is None:
                    new = ClaimItem(
                        **attributes,
                        customer_id=policy.customer_id,
                        plate=policy.plate,
                        source_hash=digest,
                        version=1,
                    )
                    batch.save(new)
                    results.append(ACCEPTED)
                    continue
                verdict = _compare(item, row, digest)
                if verdict is not None:
                    results.append(verdict)
                    continue
                item.status = attributes["status"]
                item.timeline = attributes["timeline"]
                item.customer_id = policy.customer_id
                item.plate = policy.plate
                item.source_hash = digest
                updates.append((len(results), item))
                results.append(ACCEPTED)
        for index, item in updates:
            try:
                item.save()  # conditional on the version read: one MODIFY, or nothing
            except PutError as exc:
                if not condition_failed(exc):
                    raise
                results[index] = _rejected(
                    "the stored claim changed while importing; import the file again"
                )
        return results

    def _policy_refs(self, policy_nos: Iterable[str]) -> dict[str, _PolicyRef]:
        wanted = set(policy_nos)
        missing = wanted - self._policies.keys()
        if missing:
            for item in PolicyItem.batch_get(missing, consistent_read=True):
                self._policies[item.policy_no] = _PolicyRef(item.customer_id, item.plate)
        return {no: self._policies[no] for no in wanted if no in self._policies}


def _compare(item: ClaimItem, row: ClaimRow, digest: str) -> WriteResult | None:
    """UNCHANGED, a rejection, or None when the stored claim may move on to `row`."""
    if item.source_hash == digest:
        return UNCHANGED
    if item.policy_no != row.policy_no:
        return _rejected(f"policy_no differs from the stored claim's ({item.policy_no})")
    if item.accident_date != row.accident_date.isoformat():
        return _rejected(f"accident_date differs from the stored claim's ({item.accident_date})")
    stored = _stored_timeline(item)
    if stored == row.timeline:
        return UNCHANGED  # same history, written differently (e.g. 5200 vs 5200.00)
    if stored is not None and _is_strict_prefix(stored, row.timeline):
        return None
    return _rejected(f"timeline conflicts with the stored claim, now {item.status}")


def _stored_timeline(item: ClaimItem) -> tuple[TimelineEntry, ...] | None:
    try:
        return timeline_from_json(item.timeline)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return None


def _is_strict_prefix(stored: tuple[TimelineEntry, ...], new: tuple[TimelineEntry, ...]) -> bool:
    return len(stored) < len(new) and new[: len(stored)] == stored


def _require_unique(keys: Iterable[str], name: str) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"{name} {key} appears twice in one write")
        seen.add(key)
