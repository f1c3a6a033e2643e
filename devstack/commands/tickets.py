"""`claimbot tickets file-old`: give tickets made before the console's tickets page their place
on it.

The page lists tickets through the sparse index by_queue, by deadline. Tickets made before it
(callbacks, complaints, expired surveys) carry no queue and some no deadline: this gives each
one both (a complaint 15 days after it was made, others a day), and an expired survey's callback
its kind and claim. Run it once after deploying the tickets page; running it again files
nothing. Against the running `claimbot dev` when no AWS settings are given, else the stage's.
"""

from __future__ import annotations

import argparse

EXIT_OK, EXIT_ERROR = 0, 1


def register(subparsers: argparse._SubParsersAction) -> None:
    tickets = subparsers.add_parser(
        "tickets", help="the console's tickets: file those made before its page",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )  # fmt: skip
    sub = tickets.add_subparsers()
    file_old = sub.add_parser("file-old", help="give old tickets their place and deadline")
    file_old.set_defaults(func=run_file_old)
    tickets.set_defaults(func=lambda _args: tickets.print_help() or EXIT_ERROR)


def run_file_old(args: argparse.Namespace) -> int:
    from chalicelib.settings import current_settings
    from chalicelib.store.handoffs import Tickets
    from chalicelib.store.models import bind_tables
    from devstack.cli import _use_running_stack_if_unconfigured

    _use_running_stack_if_unconfigured()
    bind_tables(current_settings())
    print(f"{Tickets().file_unqueued()} ticket(s) filed")
    return EXIT_OK
