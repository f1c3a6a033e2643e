"""How long a record is kept: its retention class, and the date the law lets it go.

Classes (docs/RECORDS.md, "Keep"):
  chat   a plain conversation: kept `chat_days` after it was said (default 2 years)
  claim  a claim's records: kept `after_contract_days` after its policy ends (Insurance Law
         Art. 87: at least 5 years after the contract ends)
  sale   a quote given (可回溯, traceable online sales): kept `after_contract_days` after the
         longest contract the quote could have led to ends (its validity + one year's term)
  quote  a licence photo taken for a quote: kept `quote_photo_days` unless the quote is bought
  held   under a legal hold: kept until every hold on it is released (no expiry at all)

A record belongs to at most one class at a time; when two apply, the one kept longer wins.
Photos and packets in S3 carry their class as the object tag `retention=<class>`, and the
bucket's lifecycle rules expire each class (infra/resources.yaml); `held` has no rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

CHAT, CLAIM, SALE, QUOTE, HELD = "chat", "claim", "sale", "quote", "held"
CLASSES = (CHAT, CLAIM, SALE, QUOTE, HELD)
TAG = "retention"  # the S3 object tag that carries the class
DAY_S = 86400
LONGEST_TERM_DAYS = 366  # a motor policy runs a year at most (a leap year's day included)
CLAIM_LOOKBACK_S = 30 * DAY_S  # a claim's records start at most this long before its report
ACCIDENT_MARGIN_S = DAY_S  # ...and a day before the accident (what led to the report)
QUOTE_LOOKBACK_S = DAY_S  # a quote's conversation: the day before it was given

CHAT_DAYS = 730  # 2 years: what the insurer keeps of a plain chat, for disputes
AFTER_CONTRACT_DAYS = 1827  # 5 years, a leap day included (Insurance Law Art. 87)
QUOTE_PHOTO_DAYS = 30  # a licence photo of a quote not bought (minimum necessary, PIPL Art. 19)


class RetentionError(ValueError):
    """A retention setting the law or the design does not allow; the message says why."""


@dataclass(frozen=True)
class RetentionPolicy:
    chat_days: int = CHAT_DAYS
    after_contract_days: int = AFTER_CONTRACT_DAYS
    quote_photo_days: int = QUOTE_PHOTO_DAYS

    def check(self, quote_valid_days: int) -> RetentionPolicy:
        """Refuse settings that break the law or the design, naming the setting."""
        if self.chat_days < 1:
            raise RetentionError("RETENTION_CHAT_DAYS must be at least 1")
        if self.after_contract_days < AFTER_CONTRACT_DAYS:
            raise RetentionError(
                f"RETENTION_AFTER_CONTRACT_DAYS must be at least {AFTER_CONTRACT_DAYS} "
                "(5 years after the contract ends: Insurance Law Art. 87)"
            )
        if self.quote_photo_days < quote_valid_days:
            raise RetentionError(
                f"RETENTION_QUOTE_PHOTO_DAYS must be at least {quote_valid_days} (a quote's "
                "validity), so that a licence photo is still there when its quote is bought"
            )
        return self

    @property
    def evidence_days(self) -> int:
        """S3 counts from an object's creation, not the contract's end: a claim's photo or a
        bought quote's licence is taken during the policy's term (a year at most), so this many
        days after it was written is at least `after_contract_days` after the contract ends."""
        return self.after_contract_days + LONGEST_TERM_DAYS

    def chat_until(self, at: float) -> int:
        return int(at) + self.chat_days * DAY_S

    def claim_until(self, contract_end: date, at: float) -> int:
        """A claim's records: `after_contract_days` after the policy ends, counted from the
        report when the claim comes after the end."""
        return max(_end_of(contract_end), int(at)) + self.after_contract_days * DAY_S

    def sale_until(self, valid_until: date) -> int:
        """A quote's records: the contract it leads to starts by `valid_until` at the latest
        and runs a year at most."""
        return _end_of(valid_until) + (LONGEST_TERM_DAYS + self.after_contract_days) * DAY_S

    def sold_until(self, contract_end: date) -> int:
        """A bought quote's records: `after_contract_days` after the policy it became ends."""
        return _end_of(contract_end) + self.after_contract_days * DAY_S


def claim_period(accident_at: datetime | None, reported_at: float) -> tuple[float, float]:
    """The span of a customer's conversation that belongs to a claim reported in the chat: from
    a day before the accident (at most 30 days before the report) to the report."""
    start = reported_at - CLAIM_LOOKBACK_S
    if accident_at is not None:
        start = max(start, accident_at.timestamp() - ACCIDENT_MARGIN_S)
    return min(start, reported_at), reported_at


def _end_of(day: date) -> int:
    """The end of a day in China time (UTC+8), as epoch seconds."""
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC) - timedelta(hours=8)
    return int(end.timestamp())


def longer(a: tuple[str, int] | None, b: tuple[str, int]) -> tuple[str, int]:
    """Of two (class, keep until), the one kept longer; the first when equal."""
    return b if a is None or b[1] > a[1] else a
