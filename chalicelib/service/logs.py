"""Structured logs without personal data: customers appear only as a short one-way hash."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

logger = logging.getLogger("claimbot")

# Events logged while `collecting()` (name, epoch seconds): the dashboard counts some of them
# once the invocation's work is done (service/metrics.py), in one write per counter and day.
_collected: ContextVar[list[tuple[str, float]] | None] = ContextVar("collected", default=None)


def ref(value: str) -> str:
    """A stable, non-reversible reference to an openid or dedupe key, for correlating logs."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]


def log_event(
    name: str, level: int = logging.INFO, /, exc_info: bool = False, **fields: Any
) -> None:
    """`level` is the logging level, given by position only: a field called level (a handoff's
    escalation level) is a field like any other."""
    payload = json.dumps({"log": name, **fields}, ensure_ascii=False, default=str)
    logger.log(level, payload, exc_info=exc_info)
    collected = _collected.get()
    if collected is not None:
        collected.append((name, time.time()))


@contextmanager
def collecting() -> Iterator[list[tuple[str, float]]]:
    """The names (and times) of the events logged in this context, in order."""
    collected: list[tuple[str, float]] = []
    token = _collected.set(collected)
    try:
        yield collected
    finally:
        _collected.reset(token)
