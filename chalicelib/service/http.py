"""What a route answers, independent of Chalice (the services return it, app.py responds)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HttpResult:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"
