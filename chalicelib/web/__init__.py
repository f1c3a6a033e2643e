"""Static pages the account links to (the privacy notice)."""

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def privacy_page() -> str:
    return Path(__file__).with_name("privacy.html").read_text(encoding="utf-8")
