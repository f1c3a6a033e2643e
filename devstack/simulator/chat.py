"""Terminal chat with the bot: a REPL over WeChatSimulatorClient.

Plain lines are sent as text messages; slash commands send events, images
and locations.  A background thread prints messages the bot pushed through
the WeChat API emulator (custom/template messages).
"""

from __future__ import annotations

import argparse
import glob
import shlex
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from devstack.simulator.client import (
    MAX_PHOTOS,
    Delivery,
    PassiveReply,
    SimulatorError,
    WeChatSimulatorClient,
    private_templates,
    pushed_messages,
    render_pushed,
    render_reply,
    upload_images,
)

REPLY_PREFIX = "bot> "
PUSH_PREFIX = "bot(推送)> "
PROMPT = "you> "
HELP = """命令：
  直接输入文字          发送文本消息
  /follow [场景值]      关注公众号（可带二维码场景值）
  /unfollow             取消关注
  /click KEY            点击菜单（CLICK 事件）
  /view URL             点击网页菜单（VIEW 事件）
  /image PATH...        发送图片；多张（最多 9 张，可用通配符如 /tmp/survey/*.jpg）
                        像在微信相册里多选一样同时发出
  /location LAT LNG     发送位置
  /scan SCENE           已关注用户扫描带参数二维码
  /help                 显示本帮助
  /quit                 退出"""


class _Output:
    """Serialises output from the REPL and the poller thread."""

    def __init__(self, output_fn: Callable[[str], Any]) -> None:
        self._fn = output_fn
        self._lock = threading.Lock()

    def __call__(self, text: str) -> None:
        with self._lock:
            self._fn(text)


class PushPoller:
    """Prints messages the bot pushed, polling the emulator in a thread."""

    def __init__(
        self, emulator_url: str, openid: str, out: Callable[[str], None], interval_s: float = 1.0
    ) -> None:
        self.emulator_url = emulator_url
        self.openid = openid
        self.since_id = 0
        self._out = out
        self._interval = interval_s
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._failing = False
        self._thread = threading.Thread(target=self._run, name="push-poller", daemon=True)

    def start(self, skip_history: bool = True) -> None:
        if skip_history:
            self._safe(self._skip_history)
        self._thread.start()

    def wake(self) -> None:
        """Poll now instead of waiting for the next tick."""
        self._wake.set()

    def stop(self) -> None:
        """Stop the thread, then print anything still pending."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._safe(self.poll_once)

    def poll_once(self) -> int:
        with self._lock:
            messages = pushed_messages(self.emulator_url, self.openid, self.since_id)
            templates = private_templates(self.emulator_url) if messages else {}
            for msg in sorted(messages, key=lambda m: int(m.get("id", 0))):
                self._out(PUSH_PREFIX + render_pushed(msg, templates))
                self.since_id = max(self.since_id, int(msg.get("id", 0)))
            return len(messages)

    def _skip_history(self) -> None:
        messages = pushed_messages(self.emulator_url, self.openid, 0)
        self.since_id = max((int(m.get("id", 0)) for m in messages), default=0)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            if not self._stop.is_set():
                self._safe(self.poll_once)

    def _safe(self, action: Callable[[], Any]) -> None:
        try:
            action()
        except SimulatorError as exc:
            if not self._failing:
                self._out(f"（读取推送消息失败：{exc}）")
            self._failing = True
        else:
            self._failing = False


@dataclass
class _Session:
    client: WeChatSimulatorClient
    emulator_url: str
    openid: str
    out: Callable[[str], None]


def _need(args: list[str], count: int, usage: str) -> list[str]:
    if len(args) != count:
        raise ValueError(f"用法：{usage}")
    return args


def _cmd_follow(s: _Session, args: list[str]) -> PassiveReply | None:
    return s.client.follow(s.openid, args[0] if args else None)


def _image_paths(args: list[str]) -> list[str]:
    """The paths as given, each pattern (*, ?, [...]) replaced by what it matches, sorted."""
    if not args:
        raise ValueError("用法：/image PATH [PATH ...]")
    paths: list[str] = []
    for arg in args:
        if glob.has_magic(arg):
            matched = sorted(glob.glob(arg))
            if not matched:
                raise ValueError(f"没有与 {arg} 匹配的文件")
            paths += matched
        else:
            paths.append(arg)
    if len(paths) > MAX_PHOTOS:
        raise ValueError(f"微信一次最多发送 {MAX_PHOTOS} 张图片，这里有 {len(paths)} 张")
    return paths


def _cmd_image(s: _Session, args: list[str]) -> None:
    """One photo, or several picked together: all stored in the emulator first, then posted
    at once; each reply (or error) printed in the order the photos were picked."""
    paths = _image_paths(args)
    outcomes = s.client.send_images(s.openid, upload_images(s.emulator_url, paths))
    for n, outcome in enumerate(outcomes, 1):
        where = f"（第 {n} 张）" if len(outcomes) > 1 else ""
        if isinstance(outcome, SimulatorError):
            s.out(f"错误{where}：{outcome}")
        else:
            _print_delivery(s, outcome, where)


def _cmd_location(s: _Session, args: list[str]) -> PassiveReply | None:
    lat, lng = _need(args, 2, "/location LAT LNG")
    return s.client.send_location(s.openid, float(lat), float(lng), label="模拟位置")


COMMANDS: dict[str, Callable[[_Session, list[str]], PassiveReply | None]] = {
    "/follow": _cmd_follow,
    "/unfollow": lambda s, a: s.client.unfollow(s.openid),
    "/click": lambda s, a: s.client.click(s.openid, _need(a, 1, "/click KEY")[0]),
    "/view": lambda s, a: s.client.view(s.openid, _need(a, 1, "/view URL")[0]),
    "/scan": lambda s, a: s.client.scan(s.openid, _need(a, 1, "/scan SCENE")[0]),
    "/location": _cmd_location,
}


def _execute(session: _Session, line: str) -> None:
    """Run one input line; prints the passive reply (if any)."""
    if not line.startswith("/"):
        session.client.send_text(session.openid, line)
    else:
        parts = shlex.split(line)
        if parts[0] == "/image":
            _cmd_image(session, parts[1:])  # prints a reply per photo itself
            return
        handler = COMMANDS.get(parts[0])
        if handler is None:
            session.out(f"未知命令 {parts[0]}，输入 /help 查看命令")
            return
        handler(session, parts[1:])
    delivery = session.client.last_delivery
    if delivery is not None:
        _print_delivery(session, delivery)


def _print_delivery(session: _Session, delivery: Delivery, where: str = "") -> None:
    if delivery.attempts > 1:
        session.out(f"{where}（微信重试了 {delivery.attempts - 1} 次）")
    if delivery.reply is None:
        session.out(f"{where}（无被动回复）")
    else:
        session.out(where + REPLY_PREFIX + render_reply(delivery.reply))


def _read(input_fn: Callable[[str], str]) -> str | None:
    try:
        return input_fn(PROMPT)
    except (EOFError, KeyboardInterrupt):
        return None


def _loop(session: _Session, input_fn: Callable[[str], str], poller: PushPoller) -> None:
    while (line := _read(input_fn)) is not None:
        line = line.strip()
        if line in ("/quit", "/exit"):
            return
        if line in ("/help", "/?"):
            session.out(HELP)
        elif line:
            try:
                _execute(session, line)
            except (SimulatorError, ValueError, OSError) as exc:
                session.out(f"错误：{exc}")
            poller.wake()


def run_chat(
    client: WeChatSimulatorClient,
    emulator_url: str,
    openid: str,
    input_fn: Callable[[str], str] = input,
    output_fn: Callable[[str], Any] = print,
    poll_interval_s: float = 1.0,
) -> None:
    """Interactive chat until /quit or EOF. input_fn is called with a prompt."""
    out = _Output(output_fn)
    poller = PushPoller(emulator_url, openid, out, poll_interval_s)
    poller.start()
    out(f"claimbot 模拟器：openid={openid}，模式={client.mode}。输入 /help 查看命令。")
    try:
        _loop(_Session(client, emulator_url, openid, out), input_fn, poller)
    finally:
        poller.stop()
    out("再见。")


def main(argv: list[str] | None = None) -> None:
    """python -m devstack.simulator.chat --token T --app-id A [--aes-key K]"""
    from devstack.simulator.server import add_client_args, client_from_args

    parser = argparse.ArgumentParser(description="claimbot terminal chat simulator")
    add_client_args(parser)
    parser.add_argument("--openid", default="o_sim_terminal")
    args = parser.parse_args(argv)
    run_chat(client_from_args(args), args.emulator, args.openid)


if __name__ == "__main__":
    main()
