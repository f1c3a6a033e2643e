"""`claimbot roster add|list|now|remove`: who is on call when (WeCom user ids, roles).

Times are China time: `2026-11-22 18:00` or ISO 8601 with an offset. Against the running
`claimbot dev` when no AWS settings are given, else the app's settings (an AWS account).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime

from chalicelib.domain.handoff import Role, Shift, on_call
from chalicelib.domain.hours import CHINA

EXIT_BAD_INPUT = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    roster = subparsers.add_parser("roster", help="who is on call when (after-hours handoffs)")
    sub = roster.add_subparsers()
    add = sub.add_parser("add", help="add a shift")
    add.add_argument("--staff", required=True, help="staff id (e.g. the employee number)")
    add.add_argument("--name", required=True, help="shown to customers, e.g. 李理赔")
    add.add_argument("--wecom", required=True, help="the person's WeCom userid")
    add.add_argument("--start", required=True, help='China time, e.g. "2026-11-22 18:00"')
    add.add_argument("--end", required=True, help='China time, e.g. "2026-11-23 09:00"')
    add.add_argument("--role", choices=[r.value for r in Role], default=Role.PRIMARY.value)
    add.set_defaults(func=_add)
    listing = sub.add_parser("list", help="every shift, oldest first")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_list)
    now = sub.add_parser("now", help="who is on call now (or --at a given time)")
    now.add_argument("--at", help='China time, e.g. "2026-11-22 23:30"')
    now.add_argument("--json", action="store_true")
    now.set_defaults(func=_now)
    remove = sub.add_parser("remove", help="remove a shift by its id")
    remove.add_argument("shift_id")
    remove.set_defaults(func=_remove)


def parse_time(text: str) -> float:
    """China time unless the text carries an offset."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("/", "-"))
    except ValueError as exc:
        raise ValueError(f'not a time: {text!r} (use "2026-11-22 18:00")') from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    return moment.timestamp()


def _roster():
    from chalicelib.settings import current_settings
    from chalicelib.store.handoffs import Roster
    from chalicelib.store.models import bind_tables
    from devstack.cli import _use_running_stack_if_unconfigured

    _use_running_stack_if_unconfigured()
    bind_tables(current_settings())
    return Roster()


def _add(args: argparse.Namespace) -> int:
    from chalicelib.store.handoffs import new_shift_id

    try:
        start, end = parse_time(args.start), parse_time(args.end)
    except ValueError as exc:
        print(f"claimbot: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if end <= start:
        print("claimbot: --end must be after --start", file=sys.stderr)
        return EXIT_BAD_INPUT
    shift = Shift(new_shift_id(), args.staff, args.name, args.wecom, start, end, Role(args.role))
    _roster().add(shift)
    print(f"added {shift.shift_id}: {_line(shift)}")
    return 0


def _list(args: argparse.Namespace) -> int:
    shifts = _roster().shifts()
    _print(shifts, args.json)
    return 0


def _now(args: argparse.Namespace) -> int:
    try:
        moment = parse_time(args.at) if args.at else time.time()
    except ValueError as exc:
        print(f"claimbot: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    current = on_call(_roster().shifts(), moment)
    people = [*current.primary, *current.backup, *current.supervisor]
    if not people and not args.json:
        print("nobody is on call then: after-hours customers get a callback promise")
        return 0
    _print(people, args.json)
    return 0


def _remove(args: argparse.Namespace) -> int:
    if _roster().remove(args.shift_id):
        print(f"removed {args.shift_id}")
        return 0
    print(f"claimbot: no shift {args.shift_id}", file=sys.stderr)
    return 1


def _print(shifts: list[Shift], as_json: bool) -> None:
    if as_json:
        print(json.dumps([_json(s) for s in shifts], ensure_ascii=False))
        return
    for shift in shifts:
        print(f"{shift.shift_id}  {_line(shift)}")


def _line(shift: Shift) -> str:
    return (f"{shift.role.value:10} {shift.staff_id} {shift.name} (WeCom {shift.wecom_userid}) "
            f"{_local(shift.start)} → {_local(shift.end)}")  # fmt: skip


def _json(shift: Shift) -> dict:
    return {
        "shift_id": shift.shift_id,
        "staff": shift.staff_id,
        "name": shift.name,
        "wecom": shift.wecom_userid,
        "role": shift.role.value,
        "start": _local(shift.start),
        "end": _local(shift.end),
    }


def _local(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, CHINA).strftime("%Y-%m-%d %H:%M")
