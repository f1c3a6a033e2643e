"""Self-survey photos in the worker: check each photo as it arrives, place the batch, answer.

One job per photo (survey.photo): download from WeChat at once (media expires in 3 days), keep
the original untouched in S3 with its SHA-256, normalize and check it, store the check once.
Then `settle` places every checked photo not placed yet (domain.survey.place) under the
survey's version: whichever worker finishes last places the whole batch, so five photos sent
together get one progress message, and exactly one placement completes the survey and writes
its packet. Every later step is idempotent, so an SQS retry finishes what a crash left.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.dialog import survey as dialog
from chalicelib.dialog.catalogue import SURVEY_SHOT_TITLES
from chalicelib.domain import survey as sv
from chalicelib.domain.claims import ClaimStatus, IllegalTransition
from chalicelib.domain.identity import vin_check_for
from chalicelib.jobs.messages import custom
from chalicelib.media.packets import PacketWriter, sha256
from chalicelib.service.logs import log_event, ref
from chalicelib.store.inbox import DONE, NEW
from chalicelib.store.surveys import SurveyConflict
from chalicelib.wechat.api import WeChatApiError

if TYPE_CHECKING:
    from chalicelib.dialog.config import DialogConfig
    from chalicelib.jobs.queues import Queues
    from chalicelib.media.store import MediaStore
    from chalicelib.ocr.engine import OcrEngine
    from chalicelib.photos.quality import QcThresholds
    from chalicelib.service.resume import Resumer
    from chalicelib.store.book import BookStore
    from chalicelib.store.inbox import Inbox
    from chalicelib.store.models import ClaimPhotoItem, SurveyItem
    from chalicelib.store.surveys import SurveyStore
    from chalicelib.wechat.api import WeChatApi

PLACEMENT_RETRIES = 8
SHOT_LABELS_EN = {1: "1 front 45", 2: "2 rear 45", 3: "3 damage overview", 4: "4 damage close-up",
                  5: "5 VIN"}  # fmt: skip


class SurveyDesk:
    def __init__(
        self,
        store: SurveyStore,
        book: BookStore,
        inbox: Inbox,
        api: WeChatApi,
        media: MediaStore,
        queues: Queues,
        resumer: Resumer,
        dialog_config: DialogConfig,
        thresholds: QcThresholds,
        id_key: Callable[[], bytes],
        ocr_engine: Callable[[], OcrEngine],
        clock: Callable[[], float] = time.time,
        font_path: str | None = None,
    ) -> None:
        self.store = store
        self.book = book
        self.inbox = inbox
        self.api = api
        self.media = media
        self.packets = PacketWriter(media)
        self.queues = queues
        self.resumer = resumer
        self.dialog_config = dialog_config
        self.thresholds = thresholds
        self.id_key = id_key
        self.ocr_engine = ocr_engine
        self.clock = clock
        self.font_path = font_path

    # --- one photo ---------------------------------------------------------------------

    def check_photo(self, payload: dict[str, Any]) -> str:
        """The survey.photo job. Returns the photo's verdict (or "duplicate-job")."""
        claim_no, seq = payload["claim_no"], payload["seq"]
        photo = self.store.photo(claim_no, seq)
        if photo is None:  # the webhook records it before queueing the job; never lose one
            self.store.receive_photo(
                claim_no=claim_no,
                seq=seq,
                openid=payload["openid"],
                media_id=payload["media_id"],
                dedupe_key=payload.get("dedupe_key", ""),
                at=self.clock(),
            )
            photo = self.store.photo(claim_no, seq)
            assert photo is not None  # recorded just above
        verdict = "duplicate-job"
        if photo.status == "pending":
            checked = self._check(claim_no, seq, payload["media_id"])
            checked["facts"] = sv.located_facts(checked["facts"], self._place(claim_no))
            if self.store.record_check(photo, **checked):
                verdict = "rejected" if checked["reasons"] else "passed"
                log_event("survey.photo_checked", verdict=verdict, reasons=checked["reasons"],
                          claim=ref(claim_no))  # fmt: skip
        self.settle(claim_no)
        return verdict

    def _place(self, claim_no: str) -> dict[str, Any] | None:
        """Where the customer said the accident happened (a WeChat location has lat/lon)."""
        item = self.store.load(claim_no)
        place = (item.facts or {}).get("place") if item is not None else None
        return place if isinstance(place, dict) else None

    def _check(self, claim_no: str, seq: str, media_id: str) -> dict[str, Any]:
        from chalicelib.photos.quality import check

        try:
            data, content_type = self.api.download_media(media_id)
        except WeChatApiError as exc:
            if exc.errcode != 40007:  # expired or unknown media: nothing to retry
                raise
            log_event("survey.media_unavailable", errcode=exc.errcode, claim=ref(claim_no))
            return {"reasons": ["unreadable"], "files": {}, "metrics": {}, "facts": {}}
        ext = self.media.extension(content_type)
        files = {
            "original": self.packets.put_photo_file(
                claim_no, seq, f"original.{ext}", data, content_type
            )
        }
        normalized, report = check(data, self.thresholds)
        if normalized is not None:
            from chalicelib.photos.normalize import thumbnail

            files["normalized"] = self.packets.put_photo_file(
                claim_no, seq, "normalized.jpg", normalized.jpeg, "image/jpeg"
            )
            small = thumbnail(normalized.jpeg)
            files["thumbnail"] = self.packets.put_photo_file(
                claim_no, seq, "thumbnail.jpg", small, "image/jpeg"
            )
        return {
            "reasons": list(report.reasons),
            "metrics": report.metrics,
            "facts": normalized.facts.to_json() if normalized is not None else {},
            "files": files,
            "phash": report.phash,
            "sha256": sha256(data),
        }

    # --- placing a batch -------------------------------------------------------------------

    def settle(self, claim_no: str) -> None:
        """Place what is checked and not placed yet, then finish what follows from it."""
        for _ in range(PLACEMENT_RETRIES):
            item = self.store.load(claim_no)
            if item is None:
                return
            if item.state == sv.SurveyState.OPEN:
                photos = self.store.photos(claim_no)
                result = self._placement(item, photos)
                if result is not None:
                    try:
                        self._apply(item, photos, result)
                    except SurveyConflict:
                        continue
            self._follow_up(item)
            return
        raise SurveyConflict(claim_no)

    def _placement(
        self, item: SurveyItem, photos: list[ClaimPhotoItem]
    ) -> sv.PlacementResult | None:
        now = self.clock()
        waiting = [
            p for p in photos if p.status == "pending" and now - p.received_at < sv.PENDING_GRACE_S
        ]
        if waiting:  # their own jobs place the batch when they finish: one answer, not five
            return None
        placed = item.placements or {}
        new = [p for p in photos if p.status == "checked" and p.seq not in placed]
        if not new:
            return None
        by_seq = {p.seq: p for p in photos}
        accepted = [
            sv.Accepted(int(slot), by_seq[seq].phash, by_seq[seq].sha256)
            for slot, seq in (item.slots or {}).items()
            if seq in by_seq
        ]
        in_slots = set((item.slots or {}).values())
        replaced = [  # accepted once, then sent back by an adjuster
            sv.Accepted(int(p.get("slot") or 0), by_seq[seq].phash, by_seq[seq].sha256)
            for seq, p in placed.items()
            if p.get("accepted") and seq not in in_slots and seq in by_seq
        ]
        while True:
            result = sv.place(
                accepted,
                [_checked(p) for p in new],
                self.thresholds.duplicate_max_distance,
                replaced,
            )
            if result.needs_vin is None:
                return result
            photo = by_seq[result.needs_vin.seq]
            if not self._read_vin_once(item, photo):
                return None  # another job is reading it, and will place the batch
            read = self.store.photo(item.claim_no, photo.seq)
            assert read is not None  # photos are never deleted
            by_seq[photo.seq] = read
            new = [read if p.seq == read.seq else p for p in new]

    def _read_vin_once(self, item: SurveyItem, photo: ClaimPhotoItem) -> bool:
        """Read the VIN unless another job is at it (then False: it places the batch)."""
        key = f"survey-vin:{item.claim_no}:{photo.seq}"
        claim = self.inbox.claim(key)
        if claim.state == DONE:
            return True
        if claim.state != NEW:
            return False
        try:
            self._read_vin(item, photo)
        except Exception:
            self.inbox.release(key)
            raise
        self.inbox.complete(key, None)
        return True

    def _read_vin(self, item: SurveyItem, photo: ClaimPhotoItem) -> None:
        from chalicelib.ocr.images import NotAnImage
        from chalicelib.ocr.vin import read_vin

        vin: str | None = None
        score = 0.0
        key = (photo.files or {}).get("normalized", {}).get("key")
        if key:
            try:
                reading = read_vin(self.media.get(key), self.ocr_engine())
                vin, score = reading.vin, reading.score
            except NotAnImage:
                vin = None
        expected = (item.facts or {}).get("vin_check") or ""
        matches = None if not (vin and expected) else vin_check_for(vin, self.id_key()) == expected
        self.store.record_vin(photo, {"read": vin, "score": score, "matches_policy": matches})
        log_event("survey.vin_read", found=vin is not None, matches=matches,
                  claim=ref(item.claim_no))  # fmt: skip

    def _apply(
        self, item: SurveyItem, photos: list[ClaimPhotoItem], result: sv.PlacementResult
    ) -> None:
        placements = dict(item.placements or {})
        slots = dict(item.slots or {})
        for p in result.placements:
            placements[p.seq] = {
                "slot": p.slot,
                "accepted": p.accepted,
                "reasons": list(p.reasons),
                "flags": list(p.flags),
            }
            if p.accepted and p.slot is not None:
                slots[str(p.slot)] = p.seq
        received = [ph.received_at for ph in photos if ph.seq in {p.seq for p in result.placements}]
        item.placements = placements
        item.slots = slots
        item.last_batch = [p.seq for p in result.placements]
        item.batches = (item.batches or 0) + 1
        item.last_activity = max([item.last_activity, *received])
        if result.complete:
            item.state = str(sv.SurveyState.SUBMITTED)
            item.submissions = (item.submissions or 0) + 1
            item.packet_key = None
        self.store.save(item)
        log_event("survey.placed", photos=len(result.placements), filled=len(slots),
                  complete=result.complete, claim=ref(item.claim_no))  # fmt: skip

    # --- what follows a placement (each step idempotent) ------------------------------------

    def _follow_up(self, item: SurveyItem) -> None:
        """The packet and the claim's new status first, then "all five received": a customer
        who asks 理赔进度 on reading it sees the photos received, not "reported"."""
        if item.state == sv.SurveyState.SUBMITTED and not item.packet_key:
            if not self._submit_once(item):
                return  # another job is submitting; it says so when it is done
        if (item.announced or 0) < (item.batches or 0):
            self._announce(item)

    def _submit_once(self, item: SurveyItem) -> bool:
        """Several jobs may find the survey complete; one writes the packet, the others go.
        False while another job is at it."""
        key = f"survey-submit:{item.claim_no}:{item.submissions}"
        claim = self.inbox.claim(key)
        if claim.state == DONE:
            return True
        if claim.state != NEW:
            return False  # being done by another job (taken over if that one died)
        try:
            self._submit(item)
        except Exception:
            self.inbox.release(key)
            raise
        self.inbox.complete(key, None)
        return True

    def _announce(self, item: SurveyItem) -> None:
        batch = [_placement(seq, item.placements[seq]) for seq in item.last_batch or []]
        filled = frozenset(int(s) for s in item.slots or {})
        replies = dialog.progress_replies(batch, filled, item.claim_no, self.dialog_config)
        # The same batch always gets the same ids: the outbox sends each once.
        self.queues.outbox(
            custom(item.openid, reply, f"survey:{item.claim_no}",
                   f"survey-{item.claim_no}-{item.batches}-{i}")  # fmt: skip
            for i, reply in enumerate(replies)
        )
        self.store.mark_announced(item, int(item.batches))

    def _submit(self, item: SurveyItem) -> None:
        manifest_key, flags = self._write_packet(item)
        self._advance_claim(item.claim_no)
        model = type(item)
        item.update(
            actions=[model.packet_key.set(manifest_key), model.flags.set(flags)],
            add_version_condition=False,
        )
        self._end_session(item)
        self._keep_records(item)
        log_event("survey.submitted", submission=item.submissions, claim=ref(item.claim_no))

    def _keep_records(self, item: SurveyItem) -> None:
        """What the customer said during the survey joins the claim's records (retention)."""
        keeper = self.store.keeper
        policy = self.book.policy(item.policy_no) if keeper is not None else None
        if keeper is not None and policy is not None:
            files = [f["key"] for photo in self.store.photos(item.claim_no)
                     for f in (photo.files or {}).values()]  # fmt: skip
            if item.packet_key:
                folder = item.packet_key.rsplit("/", 1)[0]
                files += [item.packet_key, f"{folder}/contact-sheet.jpg"]
            keeper.survey_submitted(item.claim_no, item.openid, policy.end,
                                    float(item.started_at), self.clock(), files)  # fmt: skip

    def _advance_claim(self, claim_no: str) -> None:
        claim = self.book.claim(claim_no)
        if claim is None or claim.status is ClaimStatus.SURVEY_RECEIVED:
            return
        try:
            at = datetime.fromtimestamp(self.clock(), UTC)
            self.book.advance_claim(claim_no, ClaimStatus.SURVEY_RECEIVED, at)
        except IllegalTransition:
            log_event("survey.claim_not_advanced", status=str(claim.status), claim=ref(claim_no))

    def _end_session(self, item: SurveyItem) -> None:
        self.resumer.resume(
            item.openid,
            lambda state: dialog.after_submission(item.claim_no, state),
            origin=f"survey:{item.claim_no}",
        )

    def _write_packet(self, item: SurveyItem) -> tuple[str, list[str]]:
        from chalicelib.photos.sheet import SheetPhoto, contact_sheet

        photos = {p.seq: p for p in self.store.photos(item.claim_no)}
        slots = {int(k): photos[v] for k, v in (item.slots or {}).items()}
        sheet_photos = [
            SheetPhoto(
                label_zh=f"{n} {SURVEY_SHOT_TITLES[n]}",
                label_en=SHOT_LABELS_EN[n],
                jpeg=self.media.get(slots[n].files["normalized"]["key"]) if n in slots else None,
            )
            for n in sv.SLOTS
        ]
        sheet = contact_sheet(sheet_photos, title=item.claim_no, font_path=self.font_path)
        manifest = build_manifest(item, photos, slots)
        key = self.packets.write(item.claim_no, int(item.submissions), sheet, manifest)
        return key, manifest["flags"]


def build_manifest(
    item: SurveyItem, photos: dict[str, ClaimPhotoItem], slots: dict[int, ClaimPhotoItem]
) -> dict[str, Any]:
    placements = item.placements or {}
    facts = {k: v for k, v in (item.facts or {}).items() if k not in ("vin_check", "plate")}
    flags = sorted({f for p in placements.values() for f in p.get("flags", [])})
    if any(not p["accepted"] and p.get("slot") for p in placements.values()):
        flags.append(sv.FLAG_RESHOOTS)
    captured = [(ph.facts or {}).get("captured_at") for ph in slots.values()]
    accident_at = facts.get("accident_at")
    if accident_at and sv.taken_before_accident([c for c in captured if c], accident_at):
        flags.append(sv.FLAG_TAKEN_BEFORE_ACCIDENT)
    distances = [(ph.facts or {}).get("km_from_place") for ph in slots.values()]
    if sv.taken_far_from_place([d for d in distances if isinstance(d, (int, float))]):
        flags.append(sv.FLAG_TAKEN_FAR_FROM_PLACE)
    return {
        "manifest_version": 1,
        "claim_no": item.claim_no,
        "policy_no": item.policy_no,
        "submission": item.submissions,
        "accident": facts,
        "flags": flags,
        "slots": {str(n): _photo_entry(ph, placements.get(ph.seq, {})) for n, ph in slots.items()},
        "others": [
            {**_photo_entry(ph, placements.get(seq, {})), "placement": placements.get(seq)}
            for seq, ph in sorted(photos.items())
            if seq not in {p.seq for p in slots.values()}
        ],
    }


def _photo_entry(photo: ClaimPhotoItem, placement: dict[str, Any]) -> dict[str, Any]:
    return {
        "seq": photo.seq,
        "label": SHOT_LABELS_EN.get(placement.get("slot") or 0, ""),
        "received_at": photo.received_at,
        "checked_at": photo.checked_at,
        "files": photo.files or {},
        "sha256": photo.sha256,
        "qc": {"reasons": photo.reasons or [], "metrics": photo.metrics or {}},
        "exif": photo.facts or {},
        "vin": photo.vin,
        "flags": placement.get("flags", []),
    }


def _checked(photo: ClaimPhotoItem) -> sv.CheckedPhoto:
    vin = None
    if photo.vin is not None:
        vin = sv.VinRead(photo.vin.get("read"), photo.vin.get("matches_policy"))
    return sv.CheckedPhoto(
        seq=photo.seq,
        reasons=tuple(photo.reasons or ()),
        phash=photo.phash or "",
        sha256=photo.sha256 or "",
        vin=vin,
    )


def _placement(seq: str, raw: dict[str, Any]) -> sv.Placement:
    return sv.Placement(
        seq=seq,
        slot=raw.get("slot"),
        accepted=bool(raw.get("accepted")),
        reasons=tuple(raw.get("reasons", ())),
        flags=tuple(raw.get("flags", ())),
    )
