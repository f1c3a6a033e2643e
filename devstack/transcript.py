"""What customers were shown, appended as JSON lines to the file $CLAIMBOT_TRANSCRIPT names.

The test run sets it so that one test can read every passive reply the simulator's client
received and every message the WeChat emulator delivered, in this process or in a
`claimbot dev` child, and check that no customer ever read English or an internal error.
Nothing is written when the variable is not set (never in AWS: this is devstack code).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from typing import Any

ENV = "CLAIMBOT_TRANSCRIPT"
_lock = threading.Lock()


def note(via: str, openid: str, texts: Iterable[str]) -> None:
    path = os.environ.get(ENV)
    shown = [t for t in texts if t]
    if not path or not shown:
        return
    line = json.dumps({"via": via, "openid": openid, "texts": shown}, ensure_ascii=False)
    with _lock, open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")


def custom_message_texts(body: dict[str, Any]) -> list[str]:
    """The words of a customer-service message (message/custom/send)."""
    kind = body.get("msgtype")
    if kind == "text":
        return [str((body.get("text") or {}).get("content", ""))]
    if kind == "news":
        articles = (body.get("news") or {}).get("articles") or []
        return [f"{a.get('title', '')}\n{a.get('description', '')}" for a in articles]
    return []


def template_texts(data: dict[str, Any]) -> list[str]:
    """The values a template notice shows (WeChat no longer shows `first` and `remark`, but
    they are words the bot wrote for the customer all the same, so they are checked too)."""
    return [str(v.get("value", "")) for v in data.values() if isinstance(v, dict)]
