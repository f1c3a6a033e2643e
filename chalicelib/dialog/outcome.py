"""What handling one message decides: a passive reply, follow-up sends, jobs, writes, a new state.

The dialog never writes while it decides. What it wants written comes back as `effects`, which
the caller applies once, after the new session state is saved (dialog/effects.py), so a
decision that loses a session conflict and is made again writes nothing twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from chalicelib.domain.messages import Reply


@dataclass(frozen=True)
class SessionState:
    """Where a customer is in the conversation. `data` holds the flow's answers so far."""

    flow: str = ""
    step: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def idle(self) -> bool:
        return not self.flow

    @classmethod
    def empty(cls) -> SessionState:
        return cls()


class JobKind(StrEnum):
    """Every kind of async work the jobs queue carries (service/worker.py runs each)."""

    MEDIA_FETCH = "media.fetch"  # save a customer's picture to S3 at once
    OUTBOX_RELEASE = "outbox.release"  # the customer wrote: send what WeChat would not take
    OCR_LICENCE = "ocr.licence"  # read a vehicle licence photo, continue the quote
    SURVEY_PHOTO = "survey.photo"  # check one self-survey photo, place the batch
    HANDOFF_START = "handoff.start"  # tell the on-call person (or the console) a chat waits
    HANDOFF_RELAY = "handoff.relay"  # what the customer said, to the person answering
    HANDOFF_END = "handoff.end"  # the customer ended or left the chat: tell staff
    HANDOFF_QUEUE = "handoff.queue"  # WeChat's own console took it: tell the queue's length
    TICKET_SENSITIVE = "ticket.sensitive"  # a complaint: priority ticket, supervisor told
    TICKET_DATA_REQUEST = "ticket.data_request"  # a customer's request about their data (PIPL)
    TICKET_PHONE = "ticket.phone"  # a complaining customer's callback number (or none)
    WEBHOOK_REDO = "webhook.redo"  # a message whose handling failed: again, answered by outbox
    SATISFACTION_ASK = "satisfaction.ask"  # a chat ended or a claim was paid: ask for a rating


@dataclass(frozen=True)
class Job:
    """Async work for the jobs queue, e.g. Job(JobKind.MEDIA_FETCH, {"media_id": ...})."""

    kind: JobKind
    payload: dict[str, Any]


# --- effects: the writes a decision asks for ----------------------------------------------------


@dataclass(frozen=True)
class ReportClaim:
    """Open the claim (REPORTED) and its self-survey. The claim number comes from the message,
    so applying it again changes nothing."""

    claim_no: str
    openid: str
    policy_no: str
    facts: dict[str, Any]
    at: float


@dataclass(frozen=True)
class RecordPhoto:
    """A self-survey photo received (one item per photo, whatever the retries)."""

    claim_no: str
    seq: str
    openid: str
    media_id: str
    dedupe_key: str
    at: float


@dataclass(frozen=True)
class TouchSurvey:
    """The customer is active on this survey now (reminders and expiry count from here)."""

    claim_no: str
    at: float


@dataclass(frozen=True)
class SaveQuote:
    """Keep a quote given: its number comes from the message, so it is stored once."""

    quote_no: str
    openid: str
    valid_until: str
    quote_input: dict[str, Any]
    plans: list[Any]
    at: float


@dataclass(frozen=True)
class Unbind:
    openid: str


@dataclass(frozen=True)
class OpenHandoff:
    """The chat goes to a person: the handoff exists before the customer's next message is
    handled, so that message always finds it (the worker only tells staff)."""

    openid: str
    channel: str
    reason: str
    at: float


@dataclass(frozen=True)
class CloseHandoff:
    """The customer ended the chat or left it for another service: closed with their message,
    so a staff answer arriving a moment later is treated as late (the worker tells staff)."""

    openid: str
    ended_by: str = "customer"


@dataclass(frozen=True)
class RelayToStaff:
    """What the customer said (or did) during a handoff, kept on the handoff as the message
    arrives: the relay job sends all that waits in the order the customer said it."""

    openid: str
    seq: str  # sorts as sent: CreateTime, then MsgId
    said: dict[str, str]  # kind (text, image, action…), text, action


@dataclass(frozen=True)
class RecordKbMiss:
    """A question the knowledge base was not sure of (candidates offered, or nothing), kept
    masked for staff (`claimbot kb misses`). Its id comes from the message: recorded once."""

    day: str  # YYYY-MM-DD, China time
    miss_id: str
    question: str
    outcome: str  # domain.kb_misses.NOTHING | CANDIDATES
    offered: list[str]
    at: float


@dataclass(frozen=True)
class NoteKbFollowUp:
    """What the customer did after a miss (domain.kb_misses: picked:<id>, person, …)."""

    day: str
    miss_id: str
    chose: str


@dataclass(frozen=True)
class WithdrawConsent:
    """The customer unfollowed (pushes stop at once, the binding goes, a chat with a person
    ends), or asked to delete their information (`erase`: also their conversation records and
    the messages waiting for them). Policies and claims stay: the insurer keeps them by law."""

    openid: str
    erase: bool = False


@dataclass(frozen=True)
class RecordRating:
    """The customer's answer to a satisfaction question (dialog/satisfaction.py): its score
    and any words with it, kept on the question (once: the same answer again changes nothing)."""

    ask_id: str
    score: int
    comment: str
    at: float


@dataclass(frozen=True)
class AddRatingComment:
    """Words the customer sent right after a bare rating, kept with it."""

    ask_id: str
    comment: str
    at: float


@dataclass(frozen=True)
class SetReminders:
    """Renewal reminders on or off for this WeChat user (不再提醒续保 / 恢复续保提醒)."""

    openid: str
    on: bool


@dataclass(frozen=True)
class SetCampaigns:
    """Campaigns (群发) on or off for this WeChat user (订阅 / 退订, dialog/subscription.py);
    notices about their own claims and policies are not affected."""

    openid: str
    on: bool


Effect = (
    ReportClaim | RecordPhoto | TouchSurvey | SaveQuote | Unbind | OpenHandoff | CloseHandoff
    | RelayToStaff | RecordKbMiss | NoteKbFollowUp | WithdrawConsent | RecordRating
    | AddRatingComment | SetReminders | SetCampaigns
)  # fmt: skip
EFFECTS: dict[str, type[Effect]] = {
    cls.__name__: cls
    for cls in (
        ReportClaim,
        RecordPhoto,
        TouchSurvey,
        SaveQuote,
        Unbind,
        OpenHandoff,
        CloseHandoff,
        RelayToStaff,
        RecordKbMiss,
        NoteKbFollowUp,
        WithdrawConsent,
        RecordRating,
        AddRatingComment,
        SetReminders,
        SetCampaigns,
    )  # fmt: skip
}


def effect_to_json(effect: Effect) -> dict[str, Any]:
    return {"effect": type(effect).__name__, **asdict(effect)}


def effect_from_json(data: dict[str, Any]) -> Effect:
    fields = dict(data)
    cls = EFFECTS[fields.pop("effect")]
    return cls(**fields)


@dataclass(frozen=True)
class Outcome:
    """The result of dialog.handle.

    reply   -- answered passively in the HTTP response (costs no quota); None = "success".
    sends   -- further messages to the same customer, delivered through the outbox queue.
    jobs    -- async work to enqueue.
    effects -- writes to make once the state is saved (dialog/effects.py applies them).
    state   -- the session state to store; None leaves it unchanged.
    """

    reply: Reply | None = None
    sends: tuple[Reply, ...] = ()
    jobs: tuple[Job, ...] = ()
    effects: tuple[Effect, ...] = ()
    state: SessionState | None = None
