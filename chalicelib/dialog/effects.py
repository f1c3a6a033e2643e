"""Apply the writes a decision asked for (Outcome.effects), through the dialog's ports.

Called once the session state the decision led to is saved (service/conversation.py), so a
decision made again after a session conflict writes nothing twice. Each effect is idempotent
on its own too (numbers derived from the message, conditional puts): applying the effects of a
request that died half-way again, from the session's `pending`, is safe.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import (
    AddRatingComment,
    CloseHandoff,
    Effect,
    NoteKbFollowUp,
    OpenHandoff,
    RecordKbMiss,
    RecordPhoto,
    RecordRating,
    RelayToStaff,
    ReportClaim,
    SaveQuote,
    SetCampaigns,
    SetReminders,
    TouchSurvey,
    Unbind,
    WithdrawConsent,
)


class EffectError(RuntimeError):
    """An effect names something that is not there (a policy removed meanwhile)."""


def apply_all(effects: Iterable[Effect], config: DialogConfig) -> None:
    for effect in effects:
        apply(effect, config)


def apply(effect: Effect, config: DialogConfig) -> None:
    if isinstance(effect, ReportClaim):
        _report(effect, config)
    elif isinstance(effect, RecordPhoto):
        assert config.surveys is not None
        config.surveys.receive_photo(
            claim_no=effect.claim_no,
            seq=effect.seq,
            openid=effect.openid,
            media_id=effect.media_id,
            dedupe_key=effect.dedupe_key,
            at=effect.at,
        )
    elif isinstance(effect, TouchSurvey):
        assert config.surveys is not None
        config.surveys.touch(effect.claim_no, effect.at)
    elif isinstance(effect, SaveQuote):
        assert config.quotes is not None
        config.quotes.save(effect.quote_no, effect.openid, effect.quote_input, effect.plans,
                           effect.valid_until, effect.at)  # fmt: skip
    elif isinstance(effect, Unbind):
        assert config.book is not None
        config.book.unbind(effect.openid)
    elif isinstance(effect, OpenHandoff):
        assert config.handoffs is not None
        config.handoffs.open(effect.openid, effect.channel, effect.reason)
    elif isinstance(effect, CloseHandoff):
        assert config.handoffs is not None
        config.handoffs.close(effect.openid, effect.ended_by)
    elif isinstance(effect, RelayToStaff):
        assert config.handoffs is not None
        said = json.dumps(effect.said, ensure_ascii=False)
        config.handoffs.queue_relay(effect.openid, effect.seq, said)
    elif isinstance(effect, RecordKbMiss):
        if config.kb_misses is not None:
            config.kb_misses.record(effect.day, effect.miss_id, effect.question, effect.outcome,
                                    effect.offered, effect.at)  # fmt: skip
    elif isinstance(effect, NoteKbFollowUp):
        if config.kb_misses is not None:
            config.kb_misses.follow_up(effect.day, effect.miss_id, effect.chose)
    elif isinstance(effect, WithdrawConsent):
        if config.consent is not None:
            config.consent.withdraw(effect.openid, effect.erase)
    elif isinstance(effect, RecordRating):
        if config.ratings is not None:
            config.ratings.rate(effect.ask_id, effect.score, effect.comment, effect.at)
    elif isinstance(effect, AddRatingComment):
        if config.ratings is not None:
            config.ratings.add_comment(effect.ask_id, effect.comment, effect.at)
    elif isinstance(effect, SetReminders):
        config.the_book().set_reminders(effect.openid, effect.on)
    elif isinstance(effect, SetCampaigns):
        if config.subscriptions is not None:
            if effect.on:
                config.subscriptions.opt_in(effect.openid)
            else:
                config.subscriptions.opt_out(effect.openid)
    else:  # pragma: no cover - the union is closed
        raise TypeError(f"unknown effect {type(effect).__name__}")


def _report(effect: ReportClaim, config: DialogConfig) -> None:
    assert config.book is not None and config.surveys is not None
    policy = config.book.policy(effect.policy_no)
    if policy is None:
        raise EffectError(f"policy of claim {effect.claim_no} is gone")
    config.surveys.report(claim_no=effect.claim_no, openid=effect.openid, policy=policy,
                          facts=effect.facts, at=effect.at)  # fmt: skip
