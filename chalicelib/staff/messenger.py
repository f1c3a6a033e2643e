"""Messages to staff in WeCom, within WeCom's limits.

WeCom drops, silently, what an app sends one member beyond 30 messages a minute or 1,000 an
hour, cuts a text at 2,048 bytes, and with `enable_duplicate_check` drops a text identical to
one sent to the same member within `duplicate_check_interval` (../shared/reference/wechat.md).
So every message to a member goes through `StaffMessenger.send_text`:

- a text longer than 2,048 bytes is split at line ends (at characters when a line is longer);
- the parts take their places in the member's minute and hour windows first, all or none
  (a conditional counter per window in the inbox table): with no room, `StaffBusy` is raised
  and nothing is sent — the caller keeps what it wanted to say and tries again later (a job:
  SQS redelivers it), instead of WeCom losing it without a word;
- each part is sent with WeCom's duplicate check, so that a job retried after its send went
  through (SQS redelivery) does not show the member the same message twice.

The handoff desk merges what waits for one member into one message (service/handoff.py), so a
burst of customer messages costs one place, not one each.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from chalicelib.service.logs import log_event, ref

if TYPE_CHECKING:
    from chalicelib.store.inbox import Inbox

MAX_TEXT_BYTES = 2048
PER_MINUTE = 30
PER_HOUR = 1000
DUPLICATE_CHECK_S = 1800  # WeCom's default interval; identical texts within it are dropped
MAX_PARTS = 10  # a longer text is cut: the rest is in the console


class StaffBusy(Exception):
    """The member's WeCom windows are full: nothing was sent; try again later."""


class StaffApp(Protocol):
    def send_text(
        self, userid: str, text: str, duplicate_check_s: int = 0
    ) -> None: ...  # pragma: no cover - a protocol


class StaffMessenger:
    def __init__(
        self,
        app: StaffApp,
        windows: Inbox,
        per_minute: int = PER_MINUTE,
        per_hour: int = PER_HOUR,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.windows = windows
        self.per_minute = per_minute
        self.per_hour = per_hour
        self.clock = clock

    def send_text(self, userid: str, text: str) -> None:
        """Send `text` to one member, split to WeCom's size, within their windows; StaffBusy
        when there is no room for all of it (then nothing was sent)."""
        parts = split_text(text)
        if not self._take_places(userid, len(parts)):
            log_event("wecom.staff_busy", parts=len(parts), staff=ref(userid))
            raise StaffBusy(userid)
        for part in parts:
            self.app.send_text(userid, part, duplicate_check_s=DUPLICATE_CHECK_S)

    def _take_places(self, userid: str, count: int) -> bool:
        now = self.clock()
        minute = f"wecom-rate:{userid}:m{int(now // 60)}"
        hour = f"wecom-rate:{userid}:h{int(now // 3600)}"
        if not self.windows.take_places(minute, count, self.per_minute, ttl_s=120):
            return False
        if not self.windows.take_places(hour, count, self.per_hour, ttl_s=7200):
            self.windows.give_places(minute, count)
            return False
        return True


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Parts of at most `limit` UTF-8 bytes, cut at line ends where a line fits."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if _size(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while _size(line) > limit:
            head = _fit(line, limit)
            parts.append(head)
            line = line[len(head):]
        current = line
    if current or not parts:
        parts.append(current)
    if len(parts) > MAX_PARTS:
        parts = parts[: MAX_PARTS - 1] + [_fit(CUT_NOTE + parts[MAX_PARTS - 1], limit)]
    return parts


CUT_NOTE = "（内容过长，其余请在控制台查看）"


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _fit(text: str, limit: int) -> str:
    """The longest head of `text` within `limit` bytes."""
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if _size(text[:mid]) <= limit:
            low = mid
        else:
            high = mid - 1
    return text[:low]
