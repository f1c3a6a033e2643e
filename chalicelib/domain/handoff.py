"""Passing a conversation to a person: sensitive matters, the on-call roster, escalation.

Pure rules; the dialog (dialog/handoff.py) and the worker (service/handoff.py) apply them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain.text import to_halfwidth

# Words that make a conversation sensitive: the bot does not argue or answer automatically;
# it apologises, records a priority callback and tells the supervisor.
SENSITIVE_WORDS = ("投诉", "曝光", "媒体", "记者", "起诉", "律师", "法院", "监管", "银保监",
                   "金融监管", "12378", "消协", "维权", "举报")  # fmt: skip

ESCALATE_AFTER_S = 10 * 60  # the on-call person has this long to answer, then the backup
MISSES_BEFORE_OFFER = 2  # unanswered questions in a row before a person is offered
KF_MINUTES_PER_CASE = 2  # a rough wait per customer queued at WeChat's console, for customers


class Reason(StrEnum):
    ASKED = "asked"  # 人工, the menu item
    MISSES = "misses"  # the knowledge base missed twice in a row
    SENSITIVE = "sensitive"
    NOT_SELF_SERVICE = "not_self_service"  # e.g. injuries in a survey


class Role(StrEnum):
    PRIMARY = "primary"
    BACKUP = "backup"
    SUPERVISOR = "supervisor"


@dataclass(frozen=True)
class Shift:
    """Who is on call when: [start, end) in epoch seconds."""

    shift_id: str
    staff_id: str
    name: str
    wecom_userid: str
    start: float
    end: float
    role: Role

    def covers(self, moment: float) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class OnCall:
    primary: tuple[Shift, ...]
    backup: tuple[Shift, ...]
    supervisor: tuple[Shift, ...]

    def at_level(self, level: int) -> tuple[Shift, ...]:
        """Level 0: the primary; 1: the backup; beyond: nobody."""
        return (self.primary, self.backup)[level] if level in (0, 1) else ()


def on_call(shifts: Iterable[Shift], moment: float) -> OnCall:
    current = sorted((s for s in shifts if s.covers(moment)), key=lambda s: (s.start, s.shift_id))
    return OnCall(
        primary=tuple(s for s in current if s.role is Role.PRIMARY),
        backup=tuple(s for s in current if s.role is Role.BACKUP),
        supervisor=tuple(s for s in current if s.role is Role.SUPERVISOR),
    )


def sensitive_words_in(text: str, words: Sequence[str] = SENSITIVE_WORDS) -> tuple[str, ...]:
    said = to_halfwidth(text)
    return tuple(w for w in words if w in said)


CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE = re.compile(rf"^#[{CODE_ALPHABET}{CODE_ALPHABET.lower()}]{{3}}(?![A-Za-z0-9])")


def short_code(openid: str) -> str:
    """A short tag for staff to address one of several customers: "#K7Q"."""
    import hashlib

    alphabet = CODE_ALPHABET
    digest = int(hashlib.sha256(openid.encode()).hexdigest(), 16)
    return "#" + "".join(alphabet[(digest >> (5 * i)) & 31] for i in range(3))
