"""A quote given in the chat was bought: its records are kept as a sale's (可回溯).

The core system knows when a quote becomes a policy, claimbot does not: the operator says so
(`claimbot retention sold`), or the policies export names the quote (`quote_no` column,
docs/IMPORT.md). Either way the quote's conversation and its licence photo are then kept
RETENTION_AFTER_CONTRACT_DAYS after the policy ends (the photo re-tagged retention=sale), and
the operator's word is audited, like a hold.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from chalicelib.domain.hours import CHINA

if TYPE_CHECKING:
    from chalicelib.service.container import Container


class SaleRefused(Exception):
    """The quote or the policy is unknown (English, for the operator)."""


def record_sale(container: Container, quote_no: str, policy_no: str, by: str) -> date:
    """Keep quote `quote_no`'s records as the sale of `policy_no`; until when (China date)."""
    from pynamodb.exceptions import DoesNotExist

    from chalicelib.store.audit import AuditLog
    from chalicelib.store.models import QuoteItem

    try:
        quote = QuoteItem.get(quote_no)
    except DoesNotExist:
        raise SaleRefused(
            f"no quote {quote_no}: check the number (quotes not bought are kept a while only)"
        ) from None
    policy = container.book.policy(policy_no)
    if policy is None:
        raise SaleRefused(f"no policy {policy_no}: import it first (claimbot import policies)")
    AuditLog().append(by, "operator", "retention:sold",
                      detail={"quote_no": quote_no, "policy_no": policy_no})  # fmt: skip
    keep_until = container.keeper.quote_bought(quote_no, quote.openid, float(quote.created_at),
                                               policy.end)  # fmt: skip
    keep_until = max(keep_until, int(quote.expires_at or 0))
    quote.update(actions=[QuoteItem.expires_at.set(keep_until)])
    return datetime.fromtimestamp(keep_until, UTC).astimezone(CHINA).date()
