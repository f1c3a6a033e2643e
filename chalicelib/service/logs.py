"""Structured logs without personal data: customers appear only as a short one-way hash."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

logger = logging.getLogger("claimbot")


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
