"""Static pages and pictures the account links to (privacy notice, survey shot examples)."""

from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).parent
SURVEY_SLOTS = ("1", "2", "3", "4", "5")


@lru_cache(maxsize=1)
def privacy_page() -> str:
    return (HERE / "privacy.html").read_text(encoding="utf-8")


@lru_cache(maxsize=len(SURVEY_SLOTS))
def survey_example(slot: str) -> bytes | None:
    """The example picture shown with a survey shot's instruction; None for an unknown slot."""
    if slot not in SURVEY_SLOTS:
        return None
    return (HERE / "survey" / f"slot-{slot}.jpg").read_bytes()
