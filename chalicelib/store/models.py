"""PynamoDB models, one per table in infra/resources.yaml.

Table names depend on the stage, so `bind_tables` sets them once at start-up from Settings.
PynamoDB reaches the local emulator through AWS_ENDPOINT_URL like boto3 does.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.settings import Settings


def condition_failed(exc: Exception) -> bool:
    """A conditional write lost: the item is not in the state the write required."""
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


class _ByCustomer(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_customer"
        projection = AllProjection()

    customer_id = UnicodeAttribute(hash_key=True)


class _ByPlate(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_plate"
        projection = AllProjection()

    plate = UnicodeAttribute(hash_key=True)


class _ByPhone(GlobalSecondaryIndex):
    """Sparse: policies whose holder's phone was imported, by its keyed hash."""

    class Meta:
        index_name = "by_phone"
        projection = KeysOnlyProjection()

    holder_phone_check = UnicodeAttribute(hash_key=True)


class _ByEndDate(GlobalSecondaryIndex):
    """Policies by the day they end (ISO date): the renewal sweep reads a few days, no scan."""

    class Meta:
        index_name = "by_end_date"
        projection = AllProjection()

    end_date = UnicodeAttribute(hash_key=True)


class InboxItem(Model):
    """One inbound delivery, claimed once. status: processing -> done."""

    class Meta:
        table_name = "inbox"

    dedupe_key = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute(default="processing")
    claimed_at = NumberAttribute()
    reply_xml = UnicodeAttribute(null=True)
    retries_answered = NumberAttribute(default=0)
    expires_at = NumberAttribute(null=True)  # epoch seconds: the table's TTL attribute
    body_sha256 = UnicodeAttribute(null=True)  # "sig:" items: the body first signed with it
    sequence = NumberAttribute(null=True)  # "seq:" items: the newest notice sent of an origin
    places = NumberAttribute(null=True)  # "wecom-rate:" items: messages sent in the window


class SessionItem(Model):
    class Meta:
        table_name = "sessions"

    openid = UnicodeAttribute(hash_key=True)
    flow = UnicodeAttribute(default="")
    step = UnicodeAttribute(default="")
    data = JSONAttribute(default=dict)
    # Effects of the last decision not yet confirmed applied (dialog/effects.py): saved with
    # the state they led to, so a request that dies in between leaves them for the next one.
    pending = JSONAttribute(null=True)
    # Messages the outbox keeps for this user (Quotas.note_held): the webhook, which reads the
    # session anyway, then opens the window at once and has them released.
    held = NumberAttribute(null=True)
    # The customer this WeChat user is bound to, copied here when they bind (BookStore): a
    # lookup reads it with the session instead of reading the customers table too.
    customer = JSONAttribute(null=True)  # {"id", "name", "gender"}
    version = VersionAttribute()
    expires_at = NumberAttribute(null=True)  # epoch seconds: the table's TTL attribute


class _RecordsByStaff(GlobalSecondaryIndex):
    """Sparse: only what staff said carries staff_id (whose conversations an agent handled)."""

    class Meta:
        index_name = "by_staff"
        projection = KeysOnlyProjection()

    staff_id = UnicodeAttribute(hash_key=True)
    record_id = UnicodeAttribute(range_key=True)


class ConversationRecord(Model):
    class Meta:
        table_name = "conversations"

    openid = UnicodeAttribute(hash_key=True)
    record_id = UnicodeAttribute(range_key=True)  # <epoch ms>#<direction>#<random>
    direction = UnicodeAttribute()  # in | out
    channel = UnicodeAttribute()  # webhook | passive | custom | template
    msg_type = UnicodeAttribute()
    content = UnicodeAttribute(null=True)
    media_key = UnicodeAttribute(null=True)
    dedupe_key = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # epoch seconds: the table's TTL attribute
    staff_id = UnicodeAttribute(null=True)  # the staff member who said it (handoffs)
    # Retention (domain/retention.py): the class, the claim or quote it belongs to, and when the
    # class lets it go; expires_at is keep_until unless a legal hold (holds: claim numbers)
    # removed it.
    retention = UnicodeAttribute(null=True)  # chat | claim | sale (absent: chat)
    kept_for = UnicodeAttribute(null=True)  # the claim or quote number
    keep_until = NumberAttribute(null=True)
    holds = UnicodeSetAttribute(null=True)
    by_staff = _RecordsByStaff()


class TokenItem(Model):
    class Meta:
        table_name = "tokens"

    name = UnicodeAttribute(hash_key=True)
    token = UnicodeAttribute(null=True)
    token_expires_at = NumberAttribute(default=0)
    lease_owner = UnicodeAttribute(null=True)
    lease_until = NumberAttribute(default=0)
    # Forced refreshes (stable_token force_refresh: 30 s apart, 20 a day; store/tokens.py)
    forced_at = NumberAttribute(default=0)
    forced_day = UnicodeAttribute(null=True)  # the China date of forced_today
    forced_today = NumberAttribute(default=0)


class QuotaItem(Model):
    """Customer-service message windows of one user."""

    class Meta:
        table_name = "quotas"

    openid = UnicodeAttribute(hash_key=True)
    message_window_until = NumberAttribute(default=0)
    message_used = NumberAttribute(default=0)
    click_window_until = NumberAttribute(default=0)
    click_used = NumberAttribute(default=0)
    held = NumberAttribute(default=0)  # messages kept in the outbox table for this user
    expires_at = NumberAttribute(null=True)  # epoch seconds: the table's TTL attribute
    # The user unfollowed: nothing is pushed to them until they follow again (consent withdrawn).
    unsubscribed_at = NumberAttribute(null=True)


class HeldMessage(Model):
    """An outbound message WeChat would not take now; kept, with why, until it can go."""

    class Meta:
        table_name = "outbox"

    openid = UnicodeAttribute(hash_key=True)
    message_id = UnicodeAttribute(range_key=True)
    payload = JSONAttribute()
    reason = UnicodeAttribute()
    errcode = NumberAttribute(default=0)
    held_at = NumberAttribute()
    status = UnicodeAttribute(default="held")  # held | released | parked (store/outbox.py)


ALL_MODELS: dict[str, type[Model]] = {
    "inbox": InboxItem,
    "sessions": SessionItem,
    "conversations": ConversationRecord,
    "tokens": TokenItem,
    "quotas": QuotaItem,
    "outbox": HeldMessage,
}


def bind_tables(settings: Settings, botocore_session: Any = None) -> None:
    """Point every model at this stage's physical table.

    With a botocore session given, one DynamoDB client is created from it now and shared by
    every table. PynamoDB would otherwise build one session per table (per thread), each
    re-reading botocore's DynamoDB model files: measured at about a quarter of a second per
    table on a cold start (bench/RESULTS.md); and one client per table from a shared session
    still cost 8-10 ms each. A client is thread-safe; all tables share region and settings.
    """
    shared: Any = None
    for logical, model in ALL_MODELS.items():
        model.Meta.table_name = settings.table(logical)
        model.Meta.region = settings.region
        model._connection = None  # PynamoDB caches the connection with the old name
        if botocore_session is not None:
            connection = model._get_connection().connection
            connection._local.session = botocore_session  # pynamodb 6.1 internals (pinned)
            if shared is None:
                shared = connection.client  # one DynamoDB client for every table
            else:
                connection._client = shared


class CustomerItem(Model):
    """A WeChat user bound to a customer (after matching facts the insurer holds)."""

    class Meta:
        table_name = "customers"

    openid = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute()
    holder_name = UnicodeAttribute()
    holder_gender = UnicodeAttribute(null=True)
    bound_via = UnicodeAttribute()  # the policy number that proved it
    bound_at = NumberAttribute()
    # When the customer replied 不再提醒续保 (renewal reminders off for this WeChat user).
    reminders_off = NumberAttribute(null=True)
    by_customer = _ByCustomer()


class PolicyItem(Model):
    class Meta:
        table_name = "policies"

    policy_no = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute()  # keyed hash of the holder's ID number, never the number
    holder_name = UnicodeAttribute()
    holder_gender = UnicodeAttribute(null=True)
    holder_id_masked = UnicodeAttribute()
    holder_id_check = UnicodeAttribute()  # keyed hash of the ID's last 6 characters
    holder_phone_masked = UnicodeAttribute(null=True)
    holder_phone_check = UnicodeAttribute(null=True)  # keyed hash of the phone (records search)
    plate = UnicodeAttribute()
    vin_masked = UnicodeAttribute(null=True)
    vin_check = UnicodeAttribute(null=True)  # keyed hash of the VIN (survey photo comparison)
    brand_model = UnicodeAttribute(null=True)
    product = UnicodeAttribute()
    start_date = UnicodeAttribute()  # ISO dates
    end_date = UnicodeAttribute()
    cancelled = BooleanAttribute(default=False)
    coverages = JSONAttribute(default=list)
    source_hash = UnicodeAttribute()  # of the imported row: unchanged rows are not rewritten
    by_plate = _ByPlate()
    by_customer = _ByCustomer()
    by_phone = _ByPhone()
    by_end_date = _ByEndDate()


class _ByStatus(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)


class _RefusalPending(GlobalSecondaryIndex):
    """Sparse: only a claim rejected here whose refusal notice has not gone out carries
    refusal_pending, so the watchdog reads just those (domain/claim_clocks.py)."""

    class Meta:
        index_name = "by_refusal_pending"
        projection = AllProjection()

    refusal_pending = UnicodeAttribute(hash_key=True)


class ClaimItem(Model):
    class Meta:
        table_name = "claims"

    claim_no = UnicodeAttribute(hash_key=True)
    policy_no = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    plate = UnicodeAttribute(null=True)
    accident_date = UnicodeAttribute()
    status = UnicodeAttribute()
    timeline = JSONAttribute(default=list)  # [{"status", "at", "amount"}], oldest first
    decisions = JSONAttribute(default=list)  # adjusters' decisions: who, action, reason, at
    source_hash = UnicodeAttribute(null=True)
    reported_via = UnicodeAttribute(null=True)  # "self_survey": reported in the chat
    # An approval above its maker's authority, waiting for a supervisor's sign-off (the
    # decision record: by, amount, reason, at).
    pending_signoff = JSONAttribute(null=True)
    # The claim clocks (domain/claim_clocks.py), written without the version (no decision
    # conflicts with them): when the refusal notice with the reasons was sent (ISO), "1" while
    # it waits (by_refusal_pending), and the clocks staff were warned of ("<kind>@<start>").
    refusal_sent_at = UnicodeAttribute(null=True)
    refusal_pending = UnicodeAttribute(null=True)
    clock_warned = UnicodeSetAttribute(null=True)
    version = VersionAttribute()
    by_customer = _ByCustomer()
    by_status = _ByStatus()
    by_refusal_pending = _RefusalPending()


class LockoutItem(Model):
    """Failed binding attempts of one subject ("user:<openid>" or "policy:<no>")."""

    class Meta:
        table_name = "lockouts"

    subject = UnicodeAttribute(hash_key=True)
    failures = NumberAttribute(default=0)
    window_started_at = NumberAttribute(default=0)
    locked_until = NumberAttribute(default=0)
    attempts = UnicodeSetAttribute(null=True)  # the messages counted (each counts once)
    expires_at = NumberAttribute(null=True)


class QuoteItem(Model):
    class Meta:
        table_name = "quotes"

    quote_no = UnicodeAttribute(hash_key=True)
    openid = UnicodeAttribute()
    created_at = NumberAttribute()
    valid_until = UnicodeAttribute()  # ISO date
    quote_input = JSONAttribute()
    plans = JSONAttribute()
    expires_at = NumberAttribute(null=True)  # kept a year after validity, then dropped


class _ByOpenid(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_openid"
        projection = AllProjection()

    openid = UnicodeAttribute(hash_key=True)


class _OpenByActivity(GlobalSecondaryIndex):
    """Sparse: only open surveys carry open_bucket, so the watchdog reads just those."""

    class Meta:
        index_name = "open_by_activity"
        projection = AllProjection()

    open_bucket = UnicodeAttribute(hash_key=True)
    last_activity = NumberAttribute(range_key=True)


class SurveyItem(Model):
    """A claim's self-survey: which photo fills which slot, and where the packet is."""

    class Meta:
        table_name = "surveys"

    claim_no = UnicodeAttribute(hash_key=True)
    openid = UnicodeAttribute()
    policy_no = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    state = UnicodeAttribute(default="open")  # domain.survey.SurveyState
    facts = JSONAttribute(default=dict)  # accident time, place, description
    slots = JSONAttribute(default=dict)  # "1".."5" -> seq of the accepted photo
    placements = JSONAttribute(default=dict)  # seq -> {slot, accepted, reasons, flags}
    last_batch = JSONAttribute(default=list)  # seqs placed by the latest placement
    reshoot = JSONAttribute(default=list)  # slots an adjuster asked to take again
    flags = JSONAttribute(default=list)  # for the adjuster, from the latest packet
    batches = NumberAttribute(default=0)  # placements made so far
    announced = NumberAttribute(default=0)  # the batch whose progress message is queued
    submissions = NumberAttribute(default=0)
    packet_key = UnicodeAttribute(null=True)  # manifest of the latest submission's packet
    started_at = NumberAttribute()
    last_activity = NumberAttribute()
    reminded = BooleanAttribute(default=False)
    open_bucket = UnicodeAttribute(null=True)  # "open" while open, absent otherwise
    version = VersionAttribute()
    by_openid = _ByOpenid()
    open_by_activity = _OpenByActivity()


class ClaimPhotoItem(Model):
    """One photo sent for a claim; seq orders photos as the customer sent them."""

    class Meta:
        table_name = "claim_photos"

    claim_no = UnicodeAttribute(hash_key=True)
    seq = UnicodeAttribute(range_key=True)
    openid = UnicodeAttribute()
    media_id = UnicodeAttribute()
    dedupe_key = UnicodeAttribute()
    received_at = NumberAttribute()
    status = UnicodeAttribute(default="pending")  # pending | checked
    checked_at = NumberAttribute(null=True)
    files = JSONAttribute(default=dict)  # original/normalized/thumbnail -> {key, sha256, bytes}
    reasons = JSONAttribute(default=list)  # quality check codes; [] when it passed
    metrics = JSONAttribute(default=dict)
    facts = JSONAttribute(default=dict)  # EXIF capture time, device; km_from_place, not GPS
    phash = UnicodeAttribute(default="")
    sha256 = UnicodeAttribute(default="")  # of the original bytes
    vin = JSONAttribute(null=True)  # {"read": str|None, "matches_policy": bool|None, ...}


class AuditEntry(Model):
    """One console event. `hash` covers this entry and the previous entry's hash."""

    class Meta:
        table_name = "audit"

    chain = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    at = NumberAttribute()
    who = UnicodeAttribute()
    role = UnicodeAttribute()
    action = UnicodeAttribute()
    claim_no = UnicodeAttribute(null=True)
    detail = JSONAttribute(default=dict)
    source_ip = UnicodeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)
    prev_hash = UnicodeAttribute()
    hash = UnicodeAttribute()


class RosterShift(Model):
    class Meta:
        table_name = "roster"

    shift_id = UnicodeAttribute(hash_key=True)
    staff_id = UnicodeAttribute()
    name = UnicodeAttribute()
    wecom_userid = UnicodeAttribute()
    start = NumberAttribute()
    end = NumberAttribute()
    role = UnicodeAttribute()  # domain.handoff.Role


class _ByStaff(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_staff"
        projection = AllProjection()

    staff_userid = UnicodeAttribute(hash_key=True)


class _OpenByTime(GlobalSecondaryIndex):
    class Meta:
        index_name = "open_by_time"
        projection = AllProjection()

    open_bucket = UnicodeAttribute(hash_key=True)
    started_at = NumberAttribute(range_key=True)


class HandoffItem(Model):
    """A customer's conversation with a person (one current per WeChat user)."""

    class Meta:
        table_name = "handoffs"

    openid = UnicodeAttribute(hash_key=True)
    handoff_id = UnicodeAttribute()
    state = UnicodeAttribute()  # waiting | active | ended
    channel = UnicodeAttribute()  # wecom | console
    reason = UnicodeAttribute()
    started_at = NumberAttribute()
    level = NumberAttribute(default=0)  # 0 primary, 1 backup
    notified_at = NumberAttribute(default=0)  # when the current level was told
    last_activity = NumberAttribute(default=0)  # the latest message either way
    staff_userid = UnicodeAttribute(null=True)  # who is answering (or was asked last)
    staff_id = UnicodeAttribute(null=True)
    answered_at = NumberAttribute(null=True)
    ended_at = NumberAttribute(null=True)
    ended_by = UnicodeAttribute(null=True)  # customer | staff | callback | idle
    end_told_at = NumberAttribute(null=True)  # when staff were told the customer left
    ticket_no = UnicodeAttribute(null=True)
    open_bucket = UnicodeAttribute(null=True)  # "open" while waiting or active
    lease_holder = UnicodeAttribute(null=True)  # the job telling staff right now
    lease_until = NumberAttribute(null=True)
    # What the customer said, waiting to be relayed in the order they said it:
    # "<CreateTime>-<MsgId>" → the words (the relay jobs may run in any order).
    relays = MapAttribute[str, Any](null=True)
    # The knowledge base's candidates last offered to WeCom with a relay (service/handoff.py):
    # {"ref", "question" (masked), "entries": [ids]}, so a reply "3" sends the third.
    offered = JSONAttribute(null=True)
    expires_at = NumberAttribute(null=True)
    # In-hours console chats (service/assignment.py): whose it is, and its clocks.
    assignee = UnicodeAttribute(null=True)  # the console member answering it (None: nobody's)
    assignee_name = UnicodeAttribute(null=True)
    assigned_at = NumberAttribute(null=True)
    taken_from = UnicodeAttribute(null=True)  # whom it was taken over from (for handing back)
    customer_at = NumberAttribute(null=True)  # the customer's first message after the start
    escalated_at = NumberAttribute(null=True)  # the latest escalation past the target
    escalations = NumberAttribute(null=True)
    wecom_relay = BooleanAttribute(null=True)  # escalated to the on-call person in WeCom
    unassigned_told_at = NumberAttribute(null=True)  # supervisors told nobody was available
    first_response_s = NumberAttribute(null=True)  # business seconds, kept once met
    resolution_s = NumberAttribute(null=True)
    by_staff = _ByStaff()
    open_by_time = _OpenByTime()


class _ByQueue(GlobalSecondaryIndex):
    """Sparse, by deadline: customers' data requests carry queue "data_request:open" /
    ":closed"; every other ticket "ticket:open" / ":closed" (domain/tickets.py), so the
    console lists open tickets by deadline without reading closed ones."""

    class Meta:
        index_name = "by_queue"
        projection = AllProjection()

    queue = UnicodeAttribute(hash_key=True)
    due_at = NumberAttribute(range_key=True)


class TicketItem(Model):
    class Meta:
        table_name = "tickets"

    ticket_no = UnicodeAttribute(hash_key=True)
    openid = UnicodeAttribute()
    # callback | sensitive | survey_expired | data_request:<correct|erase>
    kind = UnicodeAttribute()
    priority = UnicodeAttribute()  # normal | high
    created_at = NumberAttribute()
    # The promised callback time; a complaint's or a data request's deadline. Every ticket made
    # since the tickets page has one (its place in by_queue); older ones may not.
    due_at = NumberAttribute(null=True)
    summary = UnicodeAttribute(default="")  # masked: no names, numbers or plates
    status = UnicodeAttribute(default="open")  # open | closed
    queue = UnicodeAttribute(null=True)  # "data_request:<status>" | "ticket:<status>"
    claim_no = UnicodeAttribute(null=True)  # the claim it is about (an expired survey)
    policy_no = UnicodeAttribute(null=True)  # the bound customer's policy, when there is one
    policy_phone_masked = UnicodeAttribute(null=True)  # that policy's phone, masked
    # The number a complaining customer left in the chat: sealed (domain/sealed.py), masked.
    callback_phone_sealed = UnicodeAttribute(null=True)
    callback_phone_masked = UnicodeAttribute(null=True)
    callback_phone_declined = BooleanAttribute(null=True)
    callback_phone_is_policy = BooleanAttribute(null=True)  # the same as the policy's phone
    assignee = UnicodeAttribute(null=True)
    assignee_name = UnicodeAttribute(null=True)
    assigned_at = NumberAttribute(null=True)
    notes = ListAttribute[Any](null=True)  # append-only: {"at", "by", "by_name", "text"}
    alerted_at = NumberAttribute(null=True)  # the supervisor was told its deadline is near
    # Closing: a data request's done | refused | partly, a ticket's resolved | unreachable |
    # not_needed; who, when, the staff's note and the reason (given to the customer, for a
    # data request).
    outcome = UnicodeAttribute(null=True)
    close_note = UnicodeAttribute(null=True)
    close_reason = UnicodeAttribute(null=True)
    closed_by = UnicodeAttribute(null=True)
    closed_by_name = UnicodeAttribute(null=True)
    closed_at = NumberAttribute(null=True)
    by_queue = _ByQueue()


class KbMissItem(Model):
    """A question the knowledge base was not sure of (domain/kb_misses.py), kept by day."""

    class Meta:
        table_name = "kb_misses"

    day = UnicodeAttribute(hash_key=True)  # YYYY-MM-DD, China time
    miss_id = UnicodeAttribute(range_key=True)  # <CreateTime>-<hash of the message's key>
    question = UnicodeAttribute()  # masked: no plates, VINs or long numbers
    outcome = UnicodeAttribute()  # nothing | candidates
    offered = JSONAttribute(default=list)  # entry ids, in the order offered
    chose = UnicodeAttribute(null=True)  # what the customer did next (picked:<id>, person…)
    asked_at = NumberAttribute()
    expires_at = NumberAttribute()  # the table's TTL attribute


class AssistChoiceItem(Model):
    """An answer a person sent from the knowledge base's candidates (domain/assist.py), by day:
    `claimbot kb assisted` turns them into phrasings and evaluation rows."""

    class Meta:
        table_name = "kb_assists"

    day = UnicodeAttribute(hash_key=True)  # YYYY-MM-DD, China time
    choice_id = UnicodeAttribute(range_key=True)  # domain.assist.choice_id(message, entry)
    question = UnicodeAttribute()  # the customer's message, masked
    entry_id = UnicodeAttribute()
    rank = NumberAttribute()  # 1-based among the candidates offered; 0: not among them
    offered = JSONAttribute(default=list)  # entry ids, in the order offered
    edited = BooleanAttribute()
    staff_id = UnicodeAttribute()
    channel = UnicodeAttribute()  # console | wecom
    at = NumberAttribute()
    expires_at = NumberAttribute()  # the table's TTL attribute


class CannedReplyItem(Model):
    """A canned reply (快捷回复) in the library supervisors keep (store/canned.py)."""

    class Meta:
        table_name = "canned_replies"

    library = UnicodeAttribute(hash_key=True)  # "main": the whole library in one query
    reply_id = UnicodeAttribute(range_key=True)
    title = UnicodeAttribute()
    text = UnicodeAttribute()
    shortcut = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    version = NumberAttribute()
    updated_at = NumberAttribute()
    updated_by = UnicodeAttribute()


class HoldItem(Model):
    """A legal hold on a claim (store/holds.py): everything of the claim is kept until released."""

    class Meta:
        table_name = "holds"

    claim_no = UnicodeAttribute(hash_key=True)
    state = UnicodeAttribute()  # held | released
    reason = UnicodeAttribute()
    held_by = UnicodeAttribute()
    held_at = NumberAttribute()
    openids = JSONAttribute(default=list)  # the WeChat users whose records it keeps
    released_by = UnicodeAttribute(null=True)
    released_at = NumberAttribute(null=True)
    release_reason = UnicodeAttribute(null=True)


class PresenceItem(Model):
    """A console member handling chats: signed in while their inbox polls (store/presence.py),
    paused (暂停接待) or not, and when they were last dealt a chat (round-robin)."""

    class Meta:
        table_name = "presence"

    userid = UnicodeAttribute(hash_key=True)  # the console member's id
    name = UnicodeAttribute()
    assignable = BooleanAttribute(default=True)  # an agent (supervisors are not dealt chats)
    seen_at = NumberAttribute(default=0)  # the latest heartbeat
    paused = BooleanAttribute(default=False)
    last_assigned_at = NumberAttribute(default=0)  # the member's turn: the oldest goes next
    expires_at = NumberAttribute(null=True)  # TTL: a day after the latest heartbeat


ALL_MODELS.update(
    {
        "presence": PresenceItem,
        "holds": HoldItem,
        "kb_misses": KbMissItem,
        "kb_assists": AssistChoiceItem,
        "canned_replies": CannedReplyItem,
        "roster": RosterShift,
        "handoffs": HandoffItem,
        "tickets": TicketItem,
        "audit": AuditEntry,
        "surveys": SurveyItem,
        "claim_photos": ClaimPhotoItem,
        "customers": CustomerItem,
        "policies": PolicyItem,
        "claims": ClaimItem,
        "lockouts": LockoutItem,
        "quotes": QuoteItem,
    }
)


def _register_kb() -> None:
    from chalicelib.store.campaigns import CampaignItem  # its own module (issue 18: 群发)
    from chalicelib.store.kb import KbSnapshot  # its own module: it needs no other model
    from chalicelib.store.metrics import MetricItem  # likewise (issue 18: dashboard)
    from chalicelib.store.push_budget import PushBudgetItem  # likewise (issue 18)
    from chalicelib.store.ratings import RatingItem  # likewise
    from chalicelib.store.staff import StaffItem  # likewise

    ALL_MODELS["kb"] = KbSnapshot
    ALL_MODELS["staff"] = StaffItem
    ALL_MODELS["metrics"] = MetricItem
    ALL_MODELS["ratings"] = RatingItem
    ALL_MODELS["campaigns"] = CampaignItem
    ALL_MODELS["push_budget"] = PushBudgetItem


_register_kb()
