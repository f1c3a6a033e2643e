"""Web chat simulator: a phone-like page plus a small JSON API.

The page (static/index.html) talks to this server; the server talks to the
bot's webhook through a WeChatSimulatorClient and to the WeChat API emulator
for pushed messages, uploaded images and the custom menu.
"""

from __future__ import annotations

import argparse
import json
import logging
import mimetypes
import threading
from collections.abc import Callable
from email.parser import BytesHeaderParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from devstack.simulator.client import (
    MAX_PHOTOS,
    Delivery,
    SimulatorError,
    WeChatSimulatorClient,
    current_menu,
    is_template,
    news_articles,
    private_templates,
    pushed_messages,
    render_pushed,
    template_card,
    upload_image,
)

LOG = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY = 10 * 1024 * 1024
MAX_PHOTOS_BODY = MAX_PHOTOS * MAX_BODY


class BadRequest(Exception):
    """A client-side error of the JSON API (HTTP 400)."""


# --------------------------------------------------------------------------
# /api/send dispatch
# --------------------------------------------------------------------------


def _required(data: dict[str, Any], *names: str) -> str:
    for name in names:
        value = data.get(name)
        if value not in (None, ""):
            return str(value)
    raise BadRequest(f"missing field {names[0]!r}")


def _number(data: dict[str, Any], name: str) -> float:
    try:
        return float(_required(data, name))
    except ValueError as exc:
        raise BadRequest(f"field {name!r} must be a number") from exc


def _send_text(c: WeChatSimulatorClient, openid: str, d: dict[str, Any]) -> Any:
    return c.send_text(openid, _required(d, "text", "content"))


def _send_location(c: WeChatSimulatorClient, openid: str, d: dict[str, Any]) -> Any:
    scale = int(_number(d, "scale")) if d.get("scale") not in (None, "") else 15
    label = str(d.get("label") or "")
    return c.send_location(openid, _number(d, "lat"), _number(d, "lng"), scale=scale, label=label)


def _send_image(c: WeChatSimulatorClient, openid: str, d: dict[str, Any]) -> Any:
    return c.send_image(openid, _required(d, "media_id"), _required(d, "pic_url"))


def _send_voice(c: WeChatSimulatorClient, openid: str, d: dict[str, Any]) -> Any:
    return c.send_voice(openid, _required(d, "media_id"), d.get("recognition"))


def _send_link(c: WeChatSimulatorClient, openid: str, d: dict[str, Any]) -> Any:
    return c.send_link(
        openid, _required(d, "title"), _required(d, "url"), str(d.get("description") or "")
    )


SENDERS: dict[str, Callable[[WeChatSimulatorClient, str, dict[str, Any]], Any]] = {
    "text": _send_text,
    "image": _send_image,
    "voice": _send_voice,
    "location": _send_location,
    "link": _send_link,
    "click": lambda c, o, d: c.click(o, _required(d, "key")),
    "view": lambda c, o, d: c.view(o, _required(d, "url")),
    "follow": lambda c, o, d: c.follow(o, str(d["scene"]) if d.get("scene") else None),
    "unfollow": lambda c, o, d: c.unfollow(o),
    "scan": lambda c, o, d: c.scan(o, _required(d, "scene")),
    "report_location": lambda c, o, d: c.report_location(o, _number(d, "lat"), _number(d, "lng")),
}


def _delivery_json(client: WeChatSimulatorClient, reply: Any) -> dict[str, Any]:
    delivery = client.last_delivery
    attempts = delivery.attempts if delivery else 1
    return {"reply": reply.to_dict() if reply else None, "attempts": attempts}


def _outcome_json(outcome: Delivery | SimulatorError) -> dict[str, Any]:
    if isinstance(outcome, SimulatorError):
        return {"error": str(outcome)}
    reply = outcome.reply
    return {"reply": reply.to_dict() if reply else None, "attempts": outcome.attempts}


def form_files(body: bytes, content_type: str) -> list[tuple[bytes, str]]:
    """(data, content type) of each file in a multipart/form-data body, in order."""
    header = BytesHeaderParser().parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode())
    boundary = header.get_param("boundary")
    if header.get_content_type() != "multipart/form-data" or not isinstance(boundary, str):
        raise BadRequest("expected a multipart/form-data body with a boundary")
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    parts: list[bytes] = []
    for piece in (b"\r\n" + body).split(delimiter)[1:]:
        if piece.lstrip(b" \t").startswith(b"\r\n"):
            parts.append(piece)  # a part follows the delimiter line
        elif piece.startswith(b"--"):
            break  # the close delimiter; what follows is the epilogue
        elif parts:
            parts[-1] += delimiter + piece  # the boundary was only a prefix of a line
    else:
        raise BadRequest("multipart body is not closed by its boundary")
    files = []
    for chunk in parts:
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise BadRequest("multipart part without a blank line after its headers")
        headers = BytesHeaderParser().parsebytes(head.lstrip(b" \t\r\n") + b"\r\n\r\n")
        if headers.get_filename() is None:
            continue  # a plain form field, not a file
        files.append((data, headers.get_content_type() if headers["Content-Type"] else ""))
    return files


# --------------------------------------------------------------------------
# HTTP handler
# --------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    # ----- plumbing ------------------------------------------------------

    @property
    def _query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}

    def _send_bytes(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        self._send_bytes(status, body, "application/json; charset=utf-8")

    def _body(self, limit: int = MAX_BODY) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > limit:
            raise BadRequest(f"body larger than {limit} bytes")
        return self.rfile.read(length) if length else b""

    def _run(self, action: Callable[[], tuple[int, Any]]) -> None:
        try:
            status, data = action()
        except BadRequest as exc:
            status, data = HTTPStatus.BAD_REQUEST, {"error": str(exc)}
        except SimulatorError as exc:
            status, data = HTTPStatus.BAD_GATEWAY, {"error": str(exc)}
        except Exception as exc:  # keep the page alive, report the bug
            LOG.exception("simulator API failed")
            status, data = (
                HTTPStatus.INTERNAL_SERVER_ERROR,
                {"error": f"{type(exc).__name__}: {exc}"},
            )
        if status != HTTPStatus.OK:
            self.close_connection = True  # the request body may be unread
        self._json(status, data)

    # ----- routes --------------------------------------------------------

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        routes = {
            "/api/messages": self._messages,
            "/api/menu": self._menu,
            "/api/config": self._config,
        }
        if path in routes:
            self._run(routes[path])
        elif path in ("/", "/index.html"):
            self._static("index.html")
        elif path.startswith("/static/"):
            self._static(path[len("/static/") :])
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no such page: {path}"})

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        routes = {"/api/send": self._send, "/api/image": self._image, "/api/images": self._images}
        if path in routes:
            self._run(routes[path])
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: {path}"})

    def _static(self, name: str) -> None:
        target = (STATIC_DIR / name).resolve()
        if STATIC_DIR not in target.parents or not target.is_file():
            self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
            return
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype.endswith("javascript"):
            ctype += "; charset=utf-8"
        self._send_bytes(HTTPStatus.OK, target.read_bytes(), ctype)

    def _send(self) -> tuple[int, Any]:
        try:
            data = json.loads(self._body() or b"{}")
        except ValueError as exc:
            raise BadRequest(f"body is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise BadRequest("body must be a JSON object")
        openid = _required(data, "openid")
        sender = SENDERS.get(str(data.get("type", "")))
        if sender is None:
            raise BadRequest(f"unknown type {data.get('type')!r}; one of {sorted(SENDERS)}")
        client = self.server.client
        return HTTPStatus.OK, _delivery_json(client, sender(client, openid, data))

    def _image(self) -> tuple[int, Any]:
        body = self._body()
        openid = _required(self._query, "openid")
        if not body:
            raise BadRequest("empty image body")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        media_id, pic_url = upload_image(
            self.server.emulator_url, body, ctype if ctype.startswith("image/") else None
        )
        client = self.server.client
        result = _delivery_json(client, client.send_image(openid, media_id, pic_url))
        return HTTPStatus.OK, {**result, "media_id": media_id, "pic_url": pic_url}

    def _images(self) -> tuple[int, Any]:
        """Photos picked together (multipart, one file part each, in the order picked):
        each stored in the emulator, then one image message each, posted concurrently."""
        openid = _required(self._query, "openid")
        files = form_files(self._body(MAX_PHOTOS_BODY), self.headers.get("Content-Type") or "")
        if not 1 <= len(files) <= MAX_PHOTOS:
            raise BadRequest(f"send 1 to {MAX_PHOTOS} photos at once, not {len(files)}")
        if any(not data for data, _ in files):
            raise BadRequest("empty image")
        uploads = [
            upload_image(
                self.server.emulator_url, data, ctype if ctype.startswith("image/") else None
            )
            for data, ctype in files
        ]
        outcomes = self.server.client.send_images(openid, uploads)
        results = [
            {**_outcome_json(outcome), "media_id": media_id, "pic_url": pic_url}
            for outcome, (media_id, pic_url) in zip(outcomes, uploads, strict=True)
        ]
        return HTTPStatus.OK, {"results": results}

    def _messages(self) -> tuple[int, Any]:
        query = self._query
        openid = _required(query, "openid")
        try:
            since_id = int(query.get("since_id") or 0)
        except ValueError as exc:
            raise BadRequest("since_id must be an integer") from exc
        messages = pushed_messages(self.server.emulator_url, openid, since_id)
        templates = (
            private_templates(self.server.emulator_url) if any(map(is_template, messages)) else {}
        )
        return HTTPStatus.OK, [_pushed_view(m, templates) for m in messages]

    def _menu(self) -> tuple[int, Any]:
        return HTTPStatus.OK, current_menu(self.server.emulator_url)

    def _config(self) -> tuple[int, Any]:
        client = self.server.client
        return HTTPStatus.OK, {
            "mode": client.mode,
            "account": client.account,
            "webhook_url": client.webhook_url,
        }


def _pushed_view(msg: dict[str, Any], templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A pushed message for the page: as recorded, its display text, and the card WeChat
    would draw (`card` for a template message, `articles` for news)."""
    view = {**msg, "text": render_pushed(msg, templates)}
    if is_template(msg):
        view["card"] = template_card(msg.get("payload") or {}, templates)
    elif (msg.get("payload") or {}).get("msgtype", msg.get("msgtype")) == "news":
        view["articles"] = news_articles(msg)
    return view


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], client: WeChatSimulatorClient, emulator_url: str
    ) -> None:
        super().__init__(address, _Handler)
        self.client = client
        self.emulator_url = emulator_url
        self.verbose = False


# --------------------------------------------------------------------------
# Public wrapper
# --------------------------------------------------------------------------


class SimulatorServer:
    """The web simulator, served from a daemon thread."""

    def __init__(
        self,
        client: WeChatSimulatorClient,
        emulator_url: str,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
    ) -> None:
        self._httpd = _Server((host, port), client, emulator_url)
        self._httpd.verbose = verbose
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SimulatorServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.1},
                name="simulator",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def add_client_args(parser: argparse.ArgumentParser) -> None:
    """Flags shared by the web and terminal simulators."""
    parser.add_argument("--webhook", default="http://127.0.0.1:8000/wechat", help="bot webhook URL")
    parser.add_argument(
        "--emulator", default="http://127.0.0.1:8001", help="WeChat API emulator URL"
    )
    parser.add_argument("--token", required=True)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--aes-key", default=None, help="EncodingAESKey (43 chars)")
    parser.add_argument("--mode", choices=["plain", "compat", "safe"], default="safe")
    parser.add_argument("--account", default="gh_claimbot")
    parser.add_argument("--timeout", type=float, default=5.0)


def client_from_args(args: argparse.Namespace) -> WeChatSimulatorClient:
    return WeChatSimulatorClient(
        args.webhook,
        args.token,
        args.app_id,
        encoding_aes_key=args.aes_key,
        mode=args.mode,
        account=args.account,
        timeout_s=args.timeout,
    )


def main(argv: list[str] | None = None) -> None:
    """python -m devstack.simulator.server --token T --app-id A [--aes-key K]"""
    parser = argparse.ArgumentParser(description="claimbot web chat simulator")
    add_client_args(parser)
    parser.add_argument("--port", type=int, default=8002)
    args = parser.parse_args(argv)
    server = SimulatorServer(client_from_args(args), args.emulator, port=args.port, verbose=True)
    server.start()
    print(f"claimbot 模拟器: {server.url}/")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
