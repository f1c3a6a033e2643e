"""The `claimbot` command: run the local stack, chat with it, push the menu, import the book.

claimbot dev                 start everything on 127.0.0.1 and print where it is
claimbot chat                chat with a running stack in the terminal
claimbot menu push [--file]  send the custom menu to WeChat (or the local emulator)
claimbot import policies F   import the core system's policies.csv (docs/IMPORT.md)
claimbot import claims F     import the core system's claims.csv
claimbot seed demo [--out]   write and import the demo book, print demo logins
claimbot roster add|list|now who is on call when (after-hours handoffs to WeCom)
claimbot staff add|list|set-roles|disable   who signs in to the console (WeCom), audited
claimbot kb import F         check and store the FAQ knowledge base (chalicelib/kb)
claimbot kb ask "问题"        show how the knowledge base answers a question (JSON)
claimbot dlq list|redrive    dead-letter queues: what could not be done, and bringing it back
claimbot audit verify|list   the console's audit log: check its hash chain, list entries
claimbot hold add|release|list   legal holds: keep everything of a claim until released (audited)
claimbot retention sold Q --policy P   a quote was bought: its licence photo is kept (audited)
claimbot console publish --bucket B   upload the console's build to its CloudFront bucket
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import signal
import sys
import threading
from collections.abc import Callable

from devstack import defaults


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        return 130
    except CliError as exc:
        print(f"claimbot: {exc}", file=sys.stderr)
        return 1


class CliError(Exception):
    """An operator mistake, reported in one English line."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="claimbot", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers()

    dev = sub.add_parser("dev", help="run claimbot locally (AWS emulator, WeChat emulator, app)")
    dev.add_argument("--host", default=defaults.HOST)
    for name in defaults.PORTS:
        dev.add_argument(f"--{name}-port", type=int, default=defaults.port(name))
    dev.add_argument("--mode", choices=["safe", "compat", "plain"], default=defaults.MODE)
    dev.add_argument("--no-simulator", action="store_true", help="do not serve the web simulator")
    dev.add_argument("--no-seed", action="store_true", help="do not seed the demo book")
    dev.set_defaults(func=_cmd_dev)

    chat = sub.add_parser("chat", help="chat with the running local stack in the terminal")
    chat.add_argument("--webhook", help="webhook URL (default: the running `claimbot dev`)")
    chat.add_argument("--emulator", help="WeChat emulator URL (default: the running stack)")
    chat.add_argument("--openid", default=f"o_cli_{secrets.token_hex(4)}")
    chat.add_argument("--mode", choices=["safe", "compat", "plain"])
    chat.set_defaults(func=_cmd_chat)

    from devstack.commands import kb, licence, photo_check, quote

    kb.register(sub)
    licence.register(sub)
    photo_check.register(sub)
    quote.register(sub)

    from devstack.commands import audit, dlq, roster, staff

    roster.register(sub)
    staff.register(sub)
    dlq.register(sub)
    audit.register(sub)

    from devstack.commands import hold, retention

    hold.register(sub)
    retention.register(sub)

    from devstack.commands import console_assets

    console_assets.register(sub)

    from devstack.commands import tickets

    tickets.register(sub)

    menu = sub.add_parser("menu", help="custom menu")
    menu_sub = menu.add_subparsers()
    push = menu_sub.add_parser("push", help="send the menu file to WeChat")
    push.add_argument("--file", help="menu JSON (default: chalicelib/dialog/menu.json)")
    push.set_defaults(func=_cmd_menu_push)

    imp = sub.add_parser("import", help="import the core system's CSV exports (docs/IMPORT.md)")
    imp_sub = imp.add_subparsers()
    for kind in ("policies", "claims"):
        one = imp_sub.add_parser(kind, help=f"import {kind}.csv")
        one.add_argument("file", help=f"the {kind} CSV file")
        one.add_argument("--encoding", default="utf-8-sig", help="file encoding (e.g. gbk)")
        one.set_defaults(func=_cmd_import, kind=kind)

    seed = sub.add_parser("seed", help="demo data")
    seed_sub = seed.add_subparsers()
    demo = seed_sub.add_parser("demo", help="write and import the demo book, print demo logins")
    demo.add_argument("--out", help="keep the generated CSV files in this folder")
    demo.set_defaults(func=_cmd_seed_demo)
    return parser


def _cmd_dev(args: argparse.Namespace) -> int:
    from devstack.stack import DevStack, StackOptions

    options = StackOptions(
        host=args.host,
        ports={name: getattr(args, f"{name}_port") for name in defaults.PORTS},
        mode=args.mode,
        token=defaults.secret("WECHAT_TOKEN"),
        app_id=defaults.secret("WECHAT_APP_ID"),
        app_secret=defaults.secret("WECHAT_APP_SECRET"),
        aes_key=defaults.secret("WECHAT_ENCODING_AES_KEY"),
        with_simulator=not args.no_simulator,
        seed_demo=not args.no_seed,
    )
    stack = DevStack(options)
    # Before starting: a stop asked for while the stack starts (right after `ready` is
    # printed, say) waits for the start to finish, then stops it cleanly.
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    try:
        stack.start()
    except OSError as exc:
        stack.stop()
        raise CliError(f"cannot start the local stack: {exc} (port in use? see --help)") from exc
    stopped.wait()
    stack.stop()
    return 0


def _cmd_chat(args: argparse.Namespace) -> int:
    from devstack.simulator.chat import run_chat
    from devstack.simulator.client import WeChatSimulatorClient
    from devstack.stack import read_state

    state = read_state() or {}
    urls = state.get("urls", {})
    webhook = args.webhook or urls.get("webhook")
    emulator = args.emulator or urls.get("wechat-emulator")
    if not webhook or not emulator:
        raise CliError("no running stack found: start `claimbot dev` or pass --webhook/--emulator")
    mode = args.mode or state.get("mode", defaults.MODE)
    aes_key = defaults.secret("WECHAT_ENCODING_AES_KEY") if mode != "plain" else None
    client = WeChatSimulatorClient(
        webhook,
        defaults.secret("WECHAT_TOKEN"),
        defaults.secret("WECHAT_APP_ID"),
        aes_key,
        mode=mode,
    )
    run_chat(client, emulator, args.openid)
    return 0


def _cmd_menu_push(args: argparse.Namespace) -> int:
    from pathlib import Path

    from chalicelib.dialog.menu import MENU_FILE, MenuError, load_menu
    from chalicelib.service.container import Container
    from chalicelib.settings import SettingsError, current_settings
    from chalicelib.wechat.api import WeChatApiError

    _use_running_stack_if_unconfigured()
    try:
        menu = load_menu(Path(args.file) if args.file else MENU_FILE)
        result = Container(current_settings()).api.create_menu(menu)
    except (MenuError, SettingsError) as exc:
        raise CliError(str(exc)) from exc
    except WeChatApiError as exc:
        raise CliError(f"WeChat refused the menu: {exc}") from exc
    print(f"menu pushed: {result.get('errmsg', 'ok')}")
    return 0


# Exit codes of `import` and `seed`: every row in, some rows rejected, nothing imported.
EXIT_OK, EXIT_REJECTED, EXIT_FILE = 0, 1, 2


def _cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from chalicelib.service.importer import import_claims, import_policies

    with _whole_import_errors(args.file) as failed:
        if args.kind == "policies":
            report = import_policies(Path(args.file), _book_writer(), encoding=args.encoding,
                                     sold=_sale_recorder())  # fmt: skip
        else:
            report = import_claims(Path(args.file), _book_writer(), encoding=args.encoding)
    if failed:
        return EXIT_FILE
    print(report.summary())
    return EXIT_OK if report.ok else EXIT_REJECTED


def _sale_recorder() -> Callable[[str, str], object]:
    """A policies export's quote_no: that chat quote was bought (service/sales.py)."""
    from chalicelib.service.container import Container
    from chalicelib.service.sales import record_sale
    from chalicelib.settings import current_settings
    from devstack.commands.staff import operator

    container = Container(current_settings())
    by = operator(argparse.Namespace(by=None))
    return lambda quote_no, policy_no: record_sale(container, quote_no, policy_no, by)


def _cmd_seed_demo(args: argparse.Namespace) -> int:
    from devstack.seed import seed_demo

    with _whole_import_errors() as failed:
        result = seed_demo(_book_writer(), out_dir=args.out)
    if failed:
        return EXIT_FILE
    print(result.summary())
    return EXIT_OK if result.ok else EXIT_REJECTED


@contextlib.contextmanager
def _whole_import_errors(source: str = ""):
    """Report what stops a whole import in one English line; the list says whether it did."""
    from pynamodb.exceptions import PynamoDBException

    from chalicelib.service.importer import ImportFileError
    from chalicelib.settings import SettingsError

    failed: list[str] = []
    try:
        yield failed
    except ImportFileError as exc:
        failed.append(f"{source}: {exc}" if source else str(exc))
    except SettingsError as exc:
        failed.append(f"{exc} (start `claimbot dev`, or set the app's settings)")
    except PynamoDBException as exc:
        failed.append(
            f"DynamoDB failed during the import ({exc}); the same file can be imported again"
        )
    if failed:
        print(f"claimbot: {failed[0]}", file=sys.stderr)


def _book_writer():
    """A BookWriter with the app's settings (or, with none set, the running `claimbot dev`'s)."""
    from chalicelib.service.container import Container
    from chalicelib.service.importer import writer_for
    from chalicelib.settings import current_settings

    _use_running_stack_if_unconfigured()
    return writer_for(Container(current_settings()))


def _use_running_stack_if_unconfigured() -> None:
    """With no WeChat settings in the environment, talk to the running `claimbot dev`."""
    import os

    from devstack.stack import read_state

    state = read_state()
    if os.environ.get("WECHAT_API_BASE") or not state:
        return
    urls = state["urls"]
    os.environ.update(
        {
            "CLAIMBOT_STAGE": "local",
            "AWS_ENDPOINT_URL": urls["aws"],
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": state.get("region", "ap-east-1"),
            "AWS_REGION": state.get("region", "ap-east-1"),
            "CLAIMBOT_RESOURCE_PREFIX": "claimbot-local-",
            "WECHAT_API_BASE": urls["wechat-emulator"],
            **{name: defaults.secret(name) for name in defaults.SECRET_NAMES},
        }
    )


if __name__ == "__main__":
    sys.exit(main())
