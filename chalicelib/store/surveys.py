"""Self-surveys and their photos in DynamoDB (tables surveys and claim_photos).

Every write that several requests may race on is conditional: a photo is recorded once, a
check is stored once, and the survey record moves by its version, so exactly one placement
wins each step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.domain import survey as sv
from chalicelib.domain.book import Policy
from chalicelib.domain.claims import ClaimStatus, TimelineEntry
from chalicelib.store.book import REPORTED_IN_CHAT, timeline_to_json
from chalicelib.store.models import ClaimItem, ClaimPhotoItem, SurveyItem, condition_failed

if TYPE_CHECKING:
    from chalicelib.service.keeper import RecordKeeper

OPEN_BUCKET = "open"


class SurveyConflict(Exception):
    """The survey changed since it was read; read it again and decide again."""


def view_of(item: SurveyItem) -> sv.SurveyView:
    return sv.SurveyView(
        claim_no=item.claim_no,
        policy_no=item.policy_no,
        state=sv.SurveyState(item.state),
        filled=frozenset(int(k) for k in (item.slots or {})),
        started_at=item.started_at,
        last_activity=item.last_activity,
    )


class SurveyStore:
    """Implements the dialog's Surveys port and what the worker needs to place photos."""

    def __init__(
        self, clock: Callable[[], float] = time.time, keeper: RecordKeeper | None = None
    ) -> None:
        self.clock = clock
        self.keeper = keeper  # the conversation that led to a report becomes the claim's

    # --- the dialog's port ---------------------------------------------------------------

    def report(
        self, *, claim_no: str, openid: str, policy: Policy, facts: dict[str, Any], at: float
    ) -> sv.SurveyView:
        reported = datetime.fromtimestamp(at, UTC)
        accident_date = datetime.fromisoformat(facts["accident_at"]).date()
        claim = ClaimItem(
            claim_no=claim_no,
            policy_no=policy.policy_no,
            customer_id=policy.customer_id,
            plate=policy.plate,
            accident_date=accident_date.isoformat(),
            status=str(ClaimStatus.REPORTED),
            timeline=timeline_to_json([TimelineEntry(ClaimStatus.REPORTED, reported)]),
            reported_via=REPORTED_IN_CHAT,
        )
        _put_once(claim, ClaimItem.claim_no.does_not_exist())
        survey = SurveyItem(
            claim_no=claim_no,
            openid=openid,
            policy_no=policy.policy_no,
            customer_id=policy.customer_id,
            facts={**facts, "vin_check": policy.vin_check, "plate": policy.plate},
            started_at=at,
            last_activity=at,
            open_bucket=OPEN_BUCKET,
        )
        _put_once(survey, SurveyItem.claim_no.does_not_exist())
        if self.keeper is not None:
            self.keeper.claim_reported(claim_no, openid, policy.end, facts.get("accident_at"), at)
        view = self.view(claim_no)
        assert view is not None  # written just above (or already there)
        return view

    def view(self, claim_no: str) -> sv.SurveyView | None:
        item = self.load(claim_no)
        return view_of(item) if item else None

    def open_survey_of(self, openid: str) -> sv.SurveyView | None:
        waiting = (sv.SurveyState.OPEN, sv.SurveyState.EXPIRED)
        items = [i for i in SurveyItem.by_openid.query(openid) if i.state in waiting]
        if not items:
            return None
        return view_of(max(items, key=lambda i: i.started_at))

    def receive_photo(
        self, *, claim_no: str, seq: str, openid: str, media_id: str, dedupe_key: str, at: float
    ) -> None:
        photo = ClaimPhotoItem(
            claim_no=claim_no,
            seq=seq,
            openid=openid,
            media_id=media_id,
            dedupe_key=dedupe_key,
            received_at=at,
        )
        _put_once(photo, ClaimPhotoItem.seq.does_not_exist())

    def touch(self, claim_no: str, at: float) -> None:
        item = self.load(claim_no)
        if item is not None:
            # Last write wins for a timestamp; the version still moves, so a placement that
            # read the survey before this re-reads it.
            item.update(actions=[SurveyItem.last_activity.set(at)], add_version_condition=False)

    # --- the worker's side ---------------------------------------------------------------

    def load(self, claim_no: str) -> SurveyItem | None:
        try:
            return SurveyItem.get(claim_no, consistent_read=True)
        except DoesNotExist:
            return None

    def photos(self, claim_no: str) -> list[ClaimPhotoItem]:
        return list(ClaimPhotoItem.query(claim_no, consistent_read=True))

    def photo(self, claim_no: str, seq: str) -> ClaimPhotoItem | None:
        try:
            return ClaimPhotoItem.get(claim_no, seq, consistent_read=True)
        except DoesNotExist:
            return None

    def record_check(self, photo: ClaimPhotoItem, **checked: Any) -> bool:
        """Store a photo's check once; False when another delivery of the job stored it."""
        actions = [getattr(ClaimPhotoItem, name).set(value) for name, value in checked.items()]
        actions += [
            ClaimPhotoItem.status.set("checked"),
            ClaimPhotoItem.checked_at.set(self.clock()),
        ]
        try:
            photo.update(actions=actions, condition=ClaimPhotoItem.status == "pending")
            return True
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise

    def record_vin(self, photo: ClaimPhotoItem, vin: dict[str, Any]) -> None:
        photo.update(actions=[ClaimPhotoItem.vin.set(vin)])

    def save(self, item: SurveyItem) -> None:
        """Versioned save: raises SurveyConflict when another placement won meanwhile."""
        if item.state == sv.SurveyState.OPEN:
            item.open_bucket = OPEN_BUCKET
        else:
            item.open_bucket = None
        try:
            item.save()
        except PutError as exc:
            if condition_failed(exc):
                raise SurveyConflict(item.claim_no) from exc
            raise

    def mark_announced(self, item: SurveyItem, batch: int) -> None:
        try:
            item.update(
                actions=[SurveyItem.announced.set(batch)],
                condition=SurveyItem.announced < batch,
                add_version_condition=False,
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise

    def reopen(self, claim_no: str, slots: list[int], at: float) -> SurveyItem | None:
        """An adjuster asked for these shots again: empty their slots and open the survey;
        the next complete set is a new submission (a new packet beside the old one)."""
        for _ in range(5):
            item = self.load(claim_no)
            if item is None:
                return None
            item.slots = {k: v for k, v in (item.slots or {}).items() if int(k) not in slots}
            item.reshoot = sorted(set(item.reshoot or []) | set(slots))
            item.state = str(sv.SurveyState.OPEN)
            item.packet_key = None
            item.last_activity = at
            item.reminded = False
            try:
                self.save(item)
                return item
            except SurveyConflict:
                continue
        raise SurveyConflict(claim_no)

    def many(self, claim_nos: list[str]) -> dict[str, SurveyItem]:
        if not claim_nos:
            return {}
        return {i.claim_no: i for i in SurveyItem.batch_get(claim_nos)}

    def idle_open_surveys(self, before: float) -> list[SurveyItem]:
        """Open surveys whose customer has been silent since `before` (for the watchdog)."""
        return list(
            SurveyItem.open_by_activity.query(OPEN_BUCKET, SurveyItem.last_activity < before)
        )


def _put_once(item: Any, condition: Any) -> None:
    try:
        item.save(condition=condition)
    except PutError as exc:
        if not condition_failed(exc):
            raise
