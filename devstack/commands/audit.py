"""`claimbot audit verify|list`: the console's audit log, for an auditor or an operator.

claimbot audit verify
    Walk the whole hash chain: every entry must carry the hash of the one before it and a hash
    of its own content. Prints how many entries were checked and exits 0, or names the first
    entry that breaks the chain (edited, removed or inserted after the fact) and exits 1.
claimbot audit list [--last N] [--claim CLAIM_NO]
    The newest entries: when, who (role), what, claim.

Against the running `claimbot dev` when no AWS settings are given, else the app's settings.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from chalicelib.domain.hours import CHINA

EXIT_OK, EXIT_BROKEN = 0, 1


def register(subparsers: argparse._SubParsersAction) -> None:
    audit = subparsers.add_parser(
        "audit", help="the console's audit log: verify its hash chain, list entries",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )  # fmt: skip
    sub = audit.add_subparsers()
    verify = sub.add_parser("verify", help="check the whole chain; name the first broken link")
    verify.set_defaults(func=run_verify)
    listing = sub.add_parser("list", help="the newest entries")
    listing.add_argument("--last", type=int, default=20)
    listing.add_argument("--claim", default=None, help="only this claim's entries")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=run_list)
    audit.set_defaults(func=lambda _args: audit.print_help() or EXIT_BROKEN)


def _log():  # noqa: ANN202 - AuditLog, imported late (the CLI starts fast)
    from chalicelib.service.container import Container
    from chalicelib.settings import current_settings
    from chalicelib.store.audit import AuditLog
    from devstack.cli import _use_running_stack_if_unconfigured

    _use_running_stack_if_unconfigured()
    Container(current_settings())  # binds the tables
    return AuditLog()


def run_verify(args: argparse.Namespace) -> int:
    log = _log()
    checked, broken = log.check()
    if broken is None:
        print(f"audit log intact: {checked} entries, every link holds")
        return EXIT_OK
    print(f"audit log BROKEN at entry {broken.seq}: {broken.why} "
          f"({checked} entries before it hold)")  # fmt: skip
    return EXIT_BROKEN


def run_list(args: argparse.Namespace) -> int:
    entries = _log().entries(claim_no=args.claim, limit=max(1, args.last))
    for entry in entries:
        when = datetime.fromtimestamp(float(entry.at), UTC).astimezone(CHINA)
        row = {"seq": int(entry.seq), "at": when.isoformat(timespec="seconds"), "who": entry.who,
               "role": entry.role, "action": entry.action, "claim": entry.claim_no}  # fmt: skip
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
        else:
            print(f"{row['seq']:>6}  {row['at']}  {entry.who} ({entry.role})  {entry.action}"
                  f"{'  ' + entry.claim_no if entry.claim_no else ''}")  # fmt: skip
    return EXIT_OK
