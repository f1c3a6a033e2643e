"""Static pages and pictures the account links to (privacy notice, survey shot examples)."""

from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).parent
SURVEY_SLOTS = ("1", "2", "3", "4", "5")


# Where the deployment keeps personal data, as the notice tells customers (by AWS region).
STORAGE_PLACE = {
    "cn-north-1": "您的个人信息存储和处理均在中国境内（云服务区域：北京），不向境外提供。",
    "cn-northwest-1": "您的个人信息存储和处理均在中国境内（云服务区域：宁夏），不向境外提供。",
    "ap-east-1": "您的个人信息存储和处理在中国香港特别行政区的云服务区域。",
}
STORAGE_ELSEWHERE = "您的个人信息存储和处理在我们的云服务区域（{region}），详情请咨询人工客服。"


@lru_cache(maxsize=4)
def privacy_page(region: str, chat_days: int = 730) -> str:
    """The notice, saying where this deployment keeps personal data (the region it runs in)
    and how long a chat is kept (RETENTION_CHAT_DAYS)."""
    place = STORAGE_PLACE.get(region, STORAGE_ELSEWHERE.format(region=region))
    page = (HERE / "privacy.html").read_text(encoding="utf-8").replace("{storage_place}", place)
    return page.replace("{chat_days}", str(chat_days))


@lru_cache(maxsize=len(SURVEY_SLOTS))
def survey_example(slot: str) -> bytes | None:
    """The example picture shown with a survey shot's instruction; None for an unknown slot."""
    if slot not in SURVEY_SLOTS:
        return None
    return (HERE / "survey" / f"slot-{slot}.jpg").read_bytes()
