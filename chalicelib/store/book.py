"""The insurer's book in DynamoDB: bindings, policies, claims, and binding lockouts."""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.domain.book import (
    BIND_LOCK_S,
    BIND_WINDOW_S,
    MAX_BIND_FAILURES,
    MAX_BIND_FAILURES_PER_MINUTE,
    BindOutcome,
    BindResult,
    Claim,
    Customer,
    Policy,
)
from chalicelib.domain.claims import (
    WITH_AMOUNT,
    ClaimStatus,
    TimelineEntry,
    is_policy_number,
    require_move,
    validate_timeline,
)
from chalicelib.domain.identity import customer_id_for, matches
from chalicelib.domain.people import Gender, is_valid_id_number
from chalicelib.domain.plates import is_valid_plate, normalize_plate
from chalicelib.domain.policies import Coverage
from chalicelib.domain.review import Reshoot
from chalicelib.store.models import (
    ClaimItem,
    CustomerItem,
    LockoutItem,
    PolicyItem,
    SessionItem,
    condition_failed,
)

log = logging.getLogger(__name__)


class StaleClaim(Exception):
    """The claim changed since the caller read it; `claim` is how it is now."""

    def __init__(self, claim: Claim, version: int) -> None:
        super().__init__(f"claim {claim.claim_no} is now {claim.status.value} (v{version})")
        self.claim = claim
        self.version = version


def _gender(value: str | None) -> Gender | None:
    return Gender(value) if value else None


def policy_from_item(item: PolicyItem) -> Policy:
    return Policy(
        policy_no=item.policy_no,
        customer_id=item.customer_id,
        holder_name=item.holder_name,
        holder_gender=_gender(item.holder_gender),
        holder_id_masked=item.holder_id_masked,
        holder_phone_masked=item.holder_phone_masked or "",
        plate=item.plate,
        vin_masked=item.vin_masked or "",
        brand_model=item.brand_model or "",
        product=item.product,
        start=date.fromisoformat(item.start_date),
        end=date.fromisoformat(item.end_date),
        cancelled=bool(item.cancelled),
        coverages=tuple(
            Coverage(
                name=c["name"],
                limit=Decimal(c["limit"]) if c.get("limit") is not None else None,
                unit=c.get("unit", ""),
            )
            for c in item.coverages or []
        ),
        vin_check=item.vin_check or "",
    )


def timeline_to_json(entries: tuple[TimelineEntry, ...] | list[TimelineEntry]) -> list[dict]:
    return [
        {
            "status": str(e.status),
            "at": e.at.isoformat(),
            "amount": str(e.amount) if e.amount is not None else None,
        }
        for e in entries
    ]


def timeline_from_json(raw: Any) -> tuple[TimelineEntry, ...]:
    if isinstance(raw, str):
        raw = json.loads(raw)
    return tuple(
        TimelineEntry(
            status=ClaimStatus(e["status"]),
            at=datetime.fromisoformat(e["at"]),
            amount=Decimal(e["amount"]) if e.get("amount") is not None else None,
        )
        for e in raw or []
    )


def claim_from_item(item: ClaimItem) -> Claim:
    return Claim(
        claim_no=item.claim_no,
        policy_no=item.policy_no,
        customer_id=item.customer_id,
        plate=item.plate or "",
        accident_date=date.fromisoformat(item.accident_date),
        status=ClaimStatus(item.status),
        timeline=timeline_from_json(item.timeline),
        reshoots=_reshoots_asked(item) if item.status == ClaimStatus.PHOTOS_REQUESTED else (),
    )


def _reshoots_asked(item: ClaimItem) -> tuple[Reshoot, ...]:
    asked = [d for d in item.decisions or [] if d.get("action") == "reshoot"]
    if not asked:
        return ()
    return tuple(
        Reshoot(int(r["slot"]), r.get("reason", ""), r.get("note", ""))
        for r in asked[-1].get("reshoots", [])
    )


REPORTED_IN_CHAT = "self_survey"  # ClaimItem.reported_via: the customer reported it in WeChat
REFUSAL_PENDING = "1"  # ClaimItem.refusal_pending: its refusal notice has not gone out


class BookStore:
    """Implements the dialog's Book port (chalicelib/dialog/ports.py) on DynamoDB."""

    def __init__(
        self,
        id_key: bytes,
        clock: Callable[[], float] = time.time,
        failures_per_minute: int = MAX_BIND_FAILURES_PER_MINUTE,
    ) -> None:
        """failures_per_minute: wrong answers across all users in a minute before answers by
        the ID's last six wait for the next minute (CLAIMBOT_BIND_FAILURES_PER_MINUTE)."""
        self.id_key = id_key
        self.failures_per_minute = failures_per_minute
        self.clock = clock

    # --- reading -----------------------------------------------------------------------

    def customer_for(self, openid: str) -> Customer | None:
        try:
            item = CustomerItem.get(openid)
        except DoesNotExist:
            return None
        return Customer(item.customer_id, item.holder_name, _gender(item.holder_gender))

    def policies_of(self, customer_id: str) -> list[Policy]:
        items = PolicyItem.by_customer.query(customer_id)
        return sorted((policy_from_item(i) for i in items), key=lambda p: p.end, reverse=True)

    def policy(self, policy_no: str) -> Policy | None:
        try:
            return policy_from_item(PolicyItem.get(policy_no))
        except DoesNotExist:
            return None

    def claims_of(self, customer_id: str) -> list[Claim]:
        items = ClaimItem.by_customer.query(customer_id)
        return sorted(
            (claim_from_item(i) for i in items), key=lambda c: c.accident_date, reverse=True
        )

    def claim(self, claim_no: str) -> Claim | None:
        try:
            return claim_from_item(ClaimItem.get(claim_no))
        except DoesNotExist:
            return None

    def openids_of(self, customer_id: str) -> list[str]:
        return [item.openid for item in CustomerItem.by_customer.query(customer_id)]

    # --- renewal reminders (service/renewals.py) -------------------------------------------

    def policies_ending(self, day: date) -> list[Policy]:
        """Policies that end on `day` (GSI by_end_date: no scan)."""
        return [policy_from_item(i) for i in PolicyItem.by_end_date.query(day.isoformat())]

    def policies_of_vehicle(self, plate: str) -> list[Policy]:
        """Every policy of the vehicle with this plate (stored normalized)."""
        return [policy_from_item(i) for i in PolicyItem.by_plate.query(plate)] if plate else []

    def reminder_openids(self, customer_id: str) -> list[str]:
        """The WeChat users bound to the customer who have not turned renewal reminders off."""
        return [item.openid for item in CustomerItem.by_customer.query(customer_id)
                if not item.reminders_off]  # fmt: skip

    def set_reminders(self, openid: str, on: bool) -> bool:
        """Renewal reminders on or off for a bound WeChat user (False: not bound)."""
        action = (CustomerItem.reminders_off.remove() if on
                  else CustomerItem.reminders_off.set(int(self.clock())))  # fmt: skip
        try:
            CustomerItem(openid).update(actions=[action],
                                        condition=CustomerItem.openid.exists())  # fmt: skip
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def advance_claim(
        self, claim_no: str, status: ClaimStatus, at: datetime, amount: Decimal | None = None
    ) -> Claim:
        """Move a claim to its next status. Refuses illegal moves (IllegalTransition) and,
        through the item's version, a concurrent change (the caller re-reads and decides)."""
        item = ClaimItem.get(claim_no, consistent_read=True)
        current = claim_from_item(item)
        require_move(current.status, status)
        timeline = current.timeline + (TimelineEntry(status, at, amount),)
        validate_timeline(timeline)
        item.status = str(status)
        item.timeline = timeline_to_json(timeline)
        item.save()
        return claim_from_item(item)

    def decide(
        self,
        claim_no: str,
        expected_version: int,
        statuses: tuple[ClaimStatus, ...],
        at: datetime,
        amount: Decimal | None,
        record: dict[str, Any],
        pending_signoff: dict[str, Any] | None = None,
    ) -> tuple[Claim, int]:
        """An adjuster's decision: append `statuses` to the timeline (the amount goes with the
        status that carries one) and `record` to the decisions, only if the claim is still at
        `expected_version`. Raises StaleClaim otherwise. Returns the claim and its new version.
        `pending_signoff`: an approval now waiting for a supervisor (None: nothing waits)."""
        item = ClaimItem.get(claim_no, consistent_read=True)
        if item.version != expected_version:
            raise StaleClaim(claim_from_item(item), item.version)
        timeline = claim_from_item(item).timeline
        for status in statuses:
            require_move(timeline[-1].status, status)
            carried = amount if status in WITH_AMOUNT else None
            timeline += (TimelineEntry(status, at, carried),)
        validate_timeline(timeline)
        if statuses:  # none: a decision that waits (or is sent back) leaves the status
            item.status = str(statuses[-1])
        if ClaimStatus.REJECTED in statuses:  # its refusal notice goes out from here
            item.refusal_pending = REFUSAL_PENDING
        item.timeline = timeline_to_json(timeline)
        item.decisions = [*(item.decisions or []), record]
        item.pending_signoff = pending_signoff
        try:
            item.save()
        except PutError as exc:
            if condition_failed(exc):
                fresh = ClaimItem.get(claim_no, consistent_read=True)
                raise StaleClaim(claim_from_item(fresh), fresh.version) from exc
            raise
        return claim_from_item(item), item.version

    def claims_in(self, statuses: tuple[ClaimStatus, ...]) -> list[ClaimItem]:
        """Claims in these statuses (the adjusters' queue), as stored."""
        return [item for s in statuses for item in ClaimItem.by_status.query(str(s))]

    def claim_item(self, claim_no: str) -> ClaimItem | None:
        try:
            return ClaimItem.get(claim_no, consistent_read=True)
        except DoesNotExist:
            return None

    # --- claim clocks (domain/claim_clocks.py): written without the version -------------------

    def refusals_pending(self) -> list[ClaimItem]:
        """Claims rejected here whose refusal notice has not been sent (a sparse index)."""
        return list(ClaimItem.by_refusal_pending.query(REFUSAL_PENDING))

    def refusal_sent(self, claim_no: str, at: datetime) -> bool:
        """The refusal notice with the reasons went out: the refusal clock is met. The first
        sending counts (False: it was already recorded)."""
        try:
            ClaimItem._get_connection().update_item(
                claim_no,
                actions=[ClaimItem.refusal_sent_at.set(at.isoformat()),
                         ClaimItem.refusal_pending.remove()],
                condition=ClaimItem.claim_no.exists() & ClaimItem.refusal_sent_at.does_not_exist(),
            )  # fmt: skip
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def take_clock_warning(self, claim_no: str, key: str) -> bool:
        """Mark the clock `key` warned of, once: False when it already was (another run)."""
        try:
            ClaimItem._get_connection().update_item(
                claim_no, actions=[ClaimItem.clock_warned.add({key})],
                condition=ClaimItem.claim_no.exists() & ~ClaimItem.clock_warned.contains(key),
            )  # fmt: skip
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def give_back_clock_warning(self, claim_no: str, key: str) -> None:
        """Nobody could be told: the next run tries again."""
        ClaimItem._get_connection().update_item(
            claim_no, actions=[ClaimItem.clock_warned.delete({key})]
        )

    # --- binding -----------------------------------------------------------------------

    def try_bind(self, openid: str, identifier: str, id_answer: str, attempt: str) -> BindResult:
        """Bind `openid` if `identifier` (policy number or plate) and `id_answer` match: the
        ID's last 6 characters, or the whole ID number (a policy locked against guessing).

        Unknown policy and wrong answer look the same to the caller. Failures count against
        the WeChat user, against every policy the identifier named (last 6 only) and against
        all users together, once per `attempt` (the message's dedupe key): the same message
        decided again counts nothing more. Right facts are never called wrong: on a policy
        locked by someone else's guesses they get FULL_ID_NEEDED.
        """
        now = self.clock()
        user = f"user:{openid}"
        locked = self._locked_until(user, now)
        if locked:
            return BindResult(BindOutcome.LOCKED, locked_until=locked)
        full_id = is_valid_id_number(id_answer)
        if not full_id and self._guessing_everywhere(now):
            return BindResult(BindOutcome.BUSY)
        policies = self._policies_named(identifier)
        if full_id:
            holder = customer_id_for(id_answer, self.id_key)
            match = next((p for p in policies
                          if hmac.compare_digest(p.customer_id, holder)), None)  # fmt: skip
            if match is not None:
                self._bind(openid, match, now)
                return BindResult(BindOutcome.BOUND, customer=self.customer_for(openid))
        else:
            right = [p for p in policies if matches(id_answer, p.holder_id_check, self.id_key)]
            open_right = [p for p in right if not self._locked_until(f"policy:{p.policy_no}", now)]
            if open_right:
                self._bind(openid, open_right[0], now)
                return BindResult(BindOutcome.BOUND, customer=self.customer_for(openid))
            if right:
                return BindResult(BindOutcome.FULL_ID_NEEDED)
            for policy in policies:
                self._fail(f"policy:{policy.policy_no}", now, attempt)
            self._count_everywhere(now, attempt)
        until = self._fail(user, now, attempt)
        if until:
            return BindResult(BindOutcome.LOCKED, locked_until=until)
        return BindResult(BindOutcome.REFUSED)

    def unbind(self, openid: str) -> bool:
        SessionItem._get_connection().update_item(openid, actions=[SessionItem.customer.remove()])
        try:
            CustomerItem.get(openid).delete()
            return True
        except DoesNotExist:
            return False

    def customers_with_phone(self, phone: str) -> set[str]:
        """Customer ids of the policies whose holder's phone this is (typed in full)."""
        from chalicelib.domain.identity import phone_check_for

        check = phone_check_for(phone, self.id_key)
        numbers = [p.policy_no for p in PolicyItem.by_phone.query(check)]
        return {p.customer_id for p in PolicyItem.batch_get(numbers)} if numbers else set()

    def policies_with_plate(self, plate: str) -> list[PolicyItem]:
        """Policies of the vehicle with this plate (typed in full; spaces, dots, case ignored)."""
        normalized = normalize_plate(plate)
        return list(PolicyItem.by_plate.query(normalized)) if is_valid_plate(normalized) else []

    def _policies_named(self, identifier: str) -> list[PolicyItem]:
        from chalicelib.domain.claims import normalize_reference

        reference = normalize_reference(identifier)
        if is_policy_number(reference):
            try:
                return [PolicyItem.get(reference)]
            except DoesNotExist:
                return []
        plate = normalize_plate(identifier)
        if is_valid_plate(plate):
            return list(PolicyItem.by_plate.query(plate))
        return []

    def _bind(self, openid: str, policy: PolicyItem, now: float) -> None:
        CustomerItem(
            openid=openid,
            customer_id=policy.customer_id,
            holder_name=policy.holder_name,
            holder_gender=policy.holder_gender,
            bound_via=policy.policy_no,
            bound_at=now,
        ).save()
        copy = {"id": policy.customer_id, "name": policy.holder_name,
                "gender": policy.holder_gender}  # fmt: skip
        SessionItem._get_connection().update_item(openid, actions=[SessionItem.customer.set(copy)])
        try:
            LockoutItem.get(f"user:{openid}").delete()
        except DoesNotExist:
            pass

    def _guessing_everywhere(self, now: float) -> bool:
        try:
            item = LockoutItem.get(_minute_subject(now), consistent_read=True)
        except DoesNotExist:
            return False
        return item.failures >= self.failures_per_minute

    def _count_everywhere(self, now: float, attempt: str) -> None:
        """One more wrong answer this minute across all users; the one that reaches the limit
        raises the alarm (log event bind.guessing, a metric filter in infra/resources.yaml)."""
        item = LockoutItem(subject=_minute_subject(now))
        try:
            item.update(actions=[LockoutItem.failures.add(1), LockoutItem.attempts.add({attempt}),
                                 LockoutItem.expires_at.set(int(now + 3600))],
                        condition=~LockoutItem.attempts.contains(attempt))  # fmt: skip
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            return
        if item.failures == self.failures_per_minute:
            event = {"log": "bind.guessing", "failures": item.failures, "per_minute": True}
            log.error(json.dumps(event))

    def _locked_until(self, subject: str, now: float) -> float | None:
        try:
            item = LockoutItem.get(subject, consistent_read=True)
        except DoesNotExist:
            return None
        return item.locked_until if item.locked_until > now else None

    def _fail(self, subject: str, now: float, attempt: str) -> float | None:
        """Count one failure, once per attempt; returns the lock's end when the subject is
        locked by it (or was already, by this same attempt)."""
        try:
            current = LockoutItem.get(subject, consistent_read=True)
        except DoesNotExist:
            current = None
        if current is not None and attempt in (current.attempts or set()):
            return current.locked_until if current.locked_until > now else None
        fresh = current is None or now - current.window_started_at > BIND_WINDOW_S
        actions: list[Action] = [LockoutItem.expires_at.set(int(now + BIND_WINDOW_S + BIND_LOCK_S))]
        if fresh:
            actions += [
                LockoutItem.failures.set(1),
                LockoutItem.window_started_at.set(now),
                LockoutItem.attempts.set({attempt}),
            ]
        else:
            actions += [LockoutItem.failures.add(1), LockoutItem.attempts.add({attempt})]
        item = LockoutItem(subject=subject)
        try:
            item.update(actions=actions, condition=~LockoutItem.attempts.contains(attempt))
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            return self._fail(subject, now, attempt)  # counted meanwhile: read what it did
        if item.failures < MAX_BIND_FAILURES:
            return None
        until = now + BIND_LOCK_S
        item.update(actions=[LockoutItem.locked_until.set(until), LockoutItem.failures.set(0)])
        return until


def _minute_subject(now: float) -> str:
    return f"all:{int(now // 60)}"


class SessionCachedBook:
    """The book as one message sees it: the customer its session copied at binding (None:
    not copied, ask the table), everything else from the book."""

    def __init__(self, book: BookStore, openid: str, copied: dict[str, Any] | None) -> None:
        self._book = book
        self._openid = openid
        self._copied = copied

    def customer_for(self, openid: str) -> Customer | None:
        if openid == self._openid and self._copied:
            gender = self._copied.get("gender")
            return Customer(self._copied["id"], self._copied["name"], _gender(gender))
        return self._book.customer_for(openid)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._book, name)
