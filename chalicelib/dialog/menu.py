"""The custom menu (a data file pushed to WeChat) and what its buttons mean."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MENU_FILE = Path(__file__).with_name("menu.json")
MAX_TOP_BUTTONS = 3
MAX_SUB_BUTTONS = 5


class MenuError(ValueError):
    """The menu file breaks one of WeChat's rules (operator-facing)."""


def load_menu(path: Path = MENU_FILE) -> dict[str, Any]:
    try:
        menu = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise MenuError(f"cannot read menu file {path}: {exc}") from exc
    validate_menu(menu)
    return menu


def validate_menu(menu: dict[str, Any]) -> None:
    buttons = menu.get("button")
    if not isinstance(buttons, list) or not buttons:
        raise MenuError("menu needs a non-empty 'button' list")
    if len(buttons) > MAX_TOP_BUTTONS:
        raise MenuError(f"at most {MAX_TOP_BUTTONS} top-level buttons, got {len(buttons)}")
    for button in buttons:
        subs = button.get("sub_button")
        if subs is not None and len(subs) > MAX_SUB_BUTTONS:
            raise MenuError(f"'{button.get('name')}' has more than {MAX_SUB_BUTTONS} sub-buttons")
        for leaf in subs if subs else [button]:
            _validate_leaf(leaf)


def _validate_leaf(button: dict[str, Any]) -> None:
    if not button.get("name"):
        raise MenuError("every button needs a name")
    kind = button.get("type")
    if kind == "click" and not button.get("key"):
        raise MenuError(f"click button '{button['name']}' needs a key")
    if kind == "view" and not button.get("url"):
        raise MenuError(f"view button '{button['name']}' needs a url")


def click_keys(menu: dict[str, Any]) -> Iterator[str]:
    for button in menu["button"]:
        for leaf in button.get("sub_button") or [button]:
            if leaf.get("type") == "click":
                yield leaf["key"]
