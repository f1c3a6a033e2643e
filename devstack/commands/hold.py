"""`claimbot hold add|release|list`: legal holds on claims, for legal staff or an operator.

claimbot hold add CLAIM_NO --reason "诉讼保全 (2026)粤0106民初123号"
    Keep everything of the claim until released: the conversation records of the customer's
    WeChat users lose their expiry, the claim's photos and packets and the pictures of those
    conversations are tagged retention=held in S3. Adding it again re-applies it (what was said
    since included). Audited.
claimbot hold release CLAIM_NO --reason "case closed, judgment final"
    Everything goes back to its retention class (and expires when that time has passed). Audited.
claimbot hold list [--json]
    Every hold: held ones first.

Changes are audited under the operator's name (`--by`, else $CLAIMBOT_OPERATOR, else the login
name). Against the running `claimbot dev` when no AWS settings are given, else the app's settings.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chalicelib.domain.hours import CHINA
from devstack.commands.staff import operator

if TYPE_CHECKING:
    from chalicelib.store.holds import Hold, HoldResult, Holds

EXIT_REFUSED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    hold = subparsers.add_parser(
        "hold", help="legal holds: keep everything of a claim until released (audited)",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )  # fmt: skip
    sub = hold.add_subparsers()
    for name, helps, func in (
        ("add", "keep everything of the claim until released", _add),
        ("release", "let the claim's records expire by their retention class again", _release),
    ):
        one = sub.add_parser(name, help=helps)
        one.add_argument("claim_no", metavar="CLAIM_NO")
        one.add_argument("--reason", required=True, help="why (kept in the audit log)")
        one.add_argument("--by", help="who does it (default: $CLAIMBOT_OPERATOR or login)")
        one.set_defaults(func=func)
    listing = sub.add_parser("list", help="every hold, held ones first")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_list)
    hold.set_defaults(func=lambda _args: hold.print_help() or EXIT_REFUSED)


def _holds() -> Holds:
    from chalicelib.service.container import Container
    from chalicelib.settings import current_settings
    from devstack.cli import _use_running_stack_if_unconfigured

    _use_running_stack_if_unconfigured()
    return Container(current_settings()).holds


def _add(args: argparse.Namespace) -> int:
    return _change(lambda holds: holds.add(args.claim_no.strip(), args.reason, operator(args)))


def _release(args: argparse.Namespace) -> int:
    return _change(
        lambda holds: holds.release(args.claim_no.strip(), args.reason, operator(args))
    )


def _change(change: Callable[[Holds], HoldResult]) -> int:
    from chalicelib.store.holds import HoldError

    try:
        result = change(_holds())
    except HoldError as exc:
        print(f"claimbot: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    verb = "held" if result.state == "held" else "released"
    print(f"{result.claim_no} {verb}: {result.records} conversation records, "
          f"{result.objects} photos and files")  # fmt: skip
    return 0


def _list(args: argparse.Namespace) -> int:
    holds = _holds().list()
    for hold in holds:
        if args.json:
            print(json.dumps(hold.to_json(), ensure_ascii=False))
        else:
            print(_line(hold))
    if not holds and not args.json:
        print("no legal holds")
    return 0


def _line(hold: Hold) -> str:
    since = _day(hold.held_at)
    line = f"{hold.claim_no:20} {hold.state:8} since {since} by {hold.held_by}: {hold.reason}"
    if hold.released_at is not None:
        line += f" | released {_day(hold.released_at)} by {hold.released_by}: {hold.release_reason}"
    return line


def _day(at: float) -> str:
    return datetime.fromtimestamp(float(at), UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
