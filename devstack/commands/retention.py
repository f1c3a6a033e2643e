"""`claimbot retention sold QUOTE_NO --policy POLICY_NO`: a quote given in the chat was bought.

A licence photo taken for a quote is kept RETENTION_QUOTE_PHOTO_DAYS (30) unless its quote is
bought. The core system knows when a quote becomes a policy, claimbot does not: this tells it
(so does a policies export with a `quote_no` column: docs/IMPORT.md). The quote's conversation
and its licence photo are then kept RETENTION_AFTER_CONTRACT_DAYS after the policy ends (the
photo re-tagged retention=sale). Audited, like a hold (chalicelib/service/sales.py).

Against the running `claimbot dev` when no AWS settings are given, else the app's settings.
"""

from __future__ import annotations

import argparse
import sys

from devstack.commands.staff import operator

EXIT_REFUSED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    retention = subparsers.add_parser(
        "retention", help="retention of records: a quote bought (its licence photo is kept)",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )  # fmt: skip
    sub = retention.add_subparsers()
    sold = sub.add_parser("sold", help="a quote became this policy: keep its sale records")
    sold.add_argument("quote_no", metavar="QUOTE_NO")
    sold.add_argument("--policy", required=True, help="the policy number it became")
    sold.add_argument("--by", help="who says so (default: $CLAIMBOT_OPERATOR or login)")
    sold.set_defaults(func=_sold)
    retention.set_defaults(func=lambda _args: retention.print_help() or EXIT_REFUSED)


def _sold(args: argparse.Namespace) -> int:
    from chalicelib.service.container import Container
    from chalicelib.service.sales import SaleRefused, record_sale
    from chalicelib.settings import current_settings
    from devstack.cli import _use_running_stack_if_unconfigured

    _use_running_stack_if_unconfigured()
    container = Container(current_settings())
    quote_no, policy_no = args.quote_no.strip(), args.policy.strip()
    try:
        until = record_sale(container, quote_no, policy_no, operator(args))
    except SaleRefused as exc:
        return _refuse(str(exc))
    print(f"{quote_no} bought as {policy_no}: its records and licence photo kept until {until}")
    return 0


def _refuse(why: str) -> int:
    print(f"claimbot: {why}", file=sys.stderr)
    return EXIT_REFUSED
