"""`claimbot staff add|list|set-roles|set-team|disable|enable`: who may sign in to the console
through WeCom, with which roles, in which team (a supervisor sees their team's records).

Every change is written with its entry in the console's audit log
(one transaction), under the operator's name (`--by`, else $CLAIMBOT_OPERATOR, else the login
name). Against the running `claimbot dev` when no AWS settings are given, else the app's
settings (an AWS account).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from chalicelib.console.auth import ROLES

if TYPE_CHECKING:
    from chalicelib.store.staff import StaffDirectory, StaffMember

EXIT_REFUSED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    staff = subparsers.add_parser("staff", help="who may sign in to the console (WeCom), roles")
    sub = staff.add_subparsers()
    roles_help = f"comma-separated: {', '.join(ROLES)}"

    add = sub.add_parser("add", help="let a WeCom member sign in with these roles")
    add.add_argument("userid", help="the member's WeCom userid (企业微信 账号)")
    add.add_argument("--name", required=True, help="as colleagues know them, e.g. 李理赔")
    add.add_argument("--roles", required=True, help=roles_help)
    add.add_argument("--team", default="", help="their team, e.g. 理赔一组 (optional)")
    _by(add)
    add.set_defaults(func=_add)

    listing = sub.add_parser("list", help="every member, by userid")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_list)

    set_roles = sub.add_parser("set-roles", help="replace a member's roles")
    set_roles.add_argument("userid")
    set_roles.add_argument("--roles", required=True, help=roles_help)
    _by(set_roles)
    set_roles.set_defaults(func=_set_roles)

    set_team = sub.add_parser("set-team", help="move a member to a team ('' for none)")
    set_team.add_argument("userid")
    set_team.add_argument("team", help="the team's name, e.g. 理赔一组; '' takes them out")
    _by(set_team)
    set_team.set_defaults(func=_set_team)

    disable = sub.add_parser("disable", help="stop a member signing in (within a minute)")
    disable.add_argument("userid")
    disable.add_argument("--reason", default="", help="kept in the audit log")
    _by(disable)
    disable.set_defaults(func=_disable)

    enable = sub.add_parser("enable", help="let a disabled member sign in again")
    enable.add_argument("userid")
    _by(enable)
    enable.set_defaults(func=_enable)


def _by(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", help="who makes the change (default: $CLAIMBOT_OPERATOR or login)")


def operator(args: argparse.Namespace) -> str:
    return (args.by or os.environ.get("CLAIMBOT_OPERATOR") or getpass.getuser()).strip()


def _directory() -> StaffDirectory:
    from chalicelib.service.container import Container
    from chalicelib.settings import current_settings
    from devstack.cli import _use_running_stack_if_unconfigured

    _use_running_stack_if_unconfigured()
    return Container(current_settings()).staff_directory


def _change(change: Callable[[StaffDirectory], StaffMember]) -> int:
    from chalicelib.store.staff import StaffError

    try:
        member = change(_directory())
    except StaffError as exc:
        print(f"claimbot: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print(_line(member))
    return 0


def _add(args: argparse.Namespace) -> int:
    roles = args.roles.split(",")
    return _change(lambda d: d.add(args.userid, args.name, roles, operator(args), args.team))


def _set_roles(args: argparse.Namespace) -> int:
    roles = args.roles.split(",")
    return _change(lambda d: d.set_roles(args.userid, roles, operator(args)))


def _set_team(args: argparse.Namespace) -> int:
    return _change(lambda d: d.set_team(args.userid, args.team, operator(args)))


def _disable(args: argparse.Namespace) -> int:
    return _change(lambda d: d.disable(args.userid, operator(args), args.reason))


def _enable(args: argparse.Namespace) -> int:
    return _change(lambda d: d.enable(args.userid, operator(args)))


def _list(args: argparse.Namespace) -> int:
    members = _directory().members()
    if args.json:
        print(json.dumps([m.to_json() for m in members], ensure_ascii=False))
    else:
        for member in members:
            print(_line(member))
    return 0


def _line(member: StaffMember) -> str:
    state = "disabled" if member.disabled else "enabled"
    team = member.team or "-"
    return f"{member.userid:24} {state:8} {','.join(member.roles):28} {team:12} {member.name}"
