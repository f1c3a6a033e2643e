"""The adjusters' console as a Chalice blueprint: the static page and its JSON API.

Routes stay thin: authenticate, call ConsoleService, map its errors to status codes. Nothing
heavy is imported here, so registering the blueprint costs the webhook's cold start nothing.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from chalice import Blueprint, Response

from chalicelib.console.assets import ASSETS, AssetsMissing, read_manifest

if TYPE_CHECKING:
    from chalicelib.console.auth import Staff
    from chalicelib.console.service import Source
    from chalicelib.service.container import Container

STATIC = Path(__file__).with_name("static")
STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".map": "application/json; charset=utf-8",
}
NO_STORE = {"Cache-Control": "no-store"}
# Every console response: never framed (clickjacking), types as declared, no referrer.
NOT_FRAMED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_ASSET_SLOT = re.compile(r"\{\{asset:([\w.-]+)\}\}")


@functools.lru_cache(maxsize=1)
def _manifest() -> dict[str, str]:
    """The build's manifest, read once per container (a failure is not cached)."""
    return read_manifest(ASSETS)


def console_page_html(assets_url: str = "") -> str:
    """index.html with its asset slots filled: built names, here or under `assets_url`."""
    base = assets_url or "console/assets"
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    manifest = _manifest()

    def built(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in manifest:
            raise AssetsMissing(f"{name} is not in the console's asset manifest: rebuild it")
        return f"{base}/{manifest[name]}"

    return _ASSET_SLOT.sub(built, html)


@functools.lru_cache(maxsize=1)
def _inline_script_hashes() -> str:
    """The page's inline scripts as CSP hashes (read once per container)."""
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    return " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(m.encode()).digest()).decode()}'"
        for m in _INLINE_SCRIPT.findall(html)
    )


@functools.lru_cache(maxsize=1)
def _transcript_style_hash() -> str:
    """The printable transcript's own stylesheet as a CSP hash: the console opens that page
    from a blob URL, and a blob's document keeps the policy of the page that made it."""
    from chalicelib.console.transcript import STYLE

    return f"'sha256-{base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()}'"


def page_security_headers(image_origin: str, assets_url: str = "") -> dict[str, str]:
    """The console page's Content-Security-Policy: its own script, style and API only (and the
    asset host's, when scripts are served from CloudFront); images also from the photos'
    presigned links; the one inline script (the trailing-slash redirect) by its hash; the
    printable transcript's stylesheet by its hash (style-src-elem); never framed."""
    assets = f" {_origin(assets_url)}" if assets_url else ""
    policy = (
        "default-src 'none'; "
        f"script-src 'self'{assets} {_inline_script_hashes()}; "
        f"style-src 'self'{assets}; "
        f"style-src-elem 'self'{assets} {_transcript_style_hash()}; "
        f"img-src 'self' data: blob: {image_origin}; "
        "connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    return {"Content-Security-Policy": policy}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def console_blueprint(services: Callable[[], Container]) -> Blueprint:
    """`services` gives the Container (built once per Lambda container, on first use)."""
    bp = Blueprint(__name__)

    def staff() -> Staff:
        request = bp.current_request
        return services().console_auth.staff(request.headers.get("authorization"))

    def source() -> Source:
        from chalicelib.console.service import Source

        request = bp.current_request
        identity = (request.context or {}).get("identity") or {}
        return Source(ip=identity.get("sourceIp"), user_agent=request.headers.get("user-agent"))

    @bp.route("/console", methods=["GET"])
    def console_page() -> Response:
        assets_url = services().settings.console_assets_url
        try:
            html = console_page_html(assets_url)
        except AssetsMissing as exc:
            logging.getLogger("claimbot").error("console page: %s", exc)
            plain: dict[str, str | list[str]] = {"Content-Type": "text/plain", **NO_STORE}
            return Response(f"The console is not available: {exc}.", plain, 503)
        headers: dict[str, str | list[str]] = {
            "Content-Type": STATIC_TYPES[".html"], **NO_STORE, **NOT_FRAMED,
            **page_security_headers(services().media.link_origin(), assets_url),
        }  # fmt: skip
        return Response(body=html, headers=headers)

    @bp.route("/console/assets/{name}", methods=["GET"])
    def console_asset(name: str) -> Response:
        """A built script or style: its name changes with its content, so it is cached for a
        year (in AWS, CloudFront serves the same files from S3: docs/deploy.md)."""
        return _static(name, ASSETS, IMMUTABLE)

    @bp.route("/console/api/config", methods=["GET"])
    def console_config() -> Response:
        settings = services().settings
        config: dict[str, Any] = {
            "stage": settings.stage,
            "dev_login": settings.console_dev_login,
            "login_url": settings.console_login_url,
            "sign_in": settings.sign_in_method,
        }
        if settings.sign_in_method == "wecom":
            return _guarded(lambda: {**config, "wecom": services().console_sign_in.config()})
        return _json(config)

    @bp.route("/console/api/sign-in/wecom/state", methods=["POST"])
    def wecom_sign_in_state() -> Response:
        if services().settings.sign_in_method != "wecom":
            return _error(404, "not found")
        return _guarded(lambda: {"state": services().console_sign_in.new_state()})

    @bp.route("/console/api/sign-in/wecom", methods=["POST"])
    def wecom_sign_in() -> Response:
        """The code and state WeCom's login page sent the browser back with."""
        if services().settings.sign_in_method != "wecom":
            return _error(404, "not found")
        body = _body(bp) or {}
        where = source()
        return _guarded(
            lambda: services().console_sign_in.finish(
                body.get("code"), body.get("state"), where.ip, where.user_agent
            )
        )

    @bp.route("/console/api/dev-users", methods=["GET"])
    def dev_users() -> Response:
        from chalicelib.console.auth import DEV_USERS

        if not services().settings.console_dev_login:
            return _error(404, "not found")
        return _json({"users": list(DEV_USERS)})

    @bp.route("/console/api/dev-login", methods=["POST"])
    def dev_login() -> Response:
        from chalicelib.console.auth import dev_user, issue_dev_token

        settings = services().settings
        if not settings.console_dev_login:
            return _error(404, "not found")
        user = dev_user(str((_body(bp) or {}).get("user", "")))
        if user is None:
            return _error(400, "unknown demo user")
        token = issue_dev_token(user, settings.console_dev_secret)
        return _json({"token": token, "user": user})

    @bp.route("/console/api/me", methods=["GET"])
    def me() -> Response:
        return _guarded(lambda: _who(staff()))

    @bp.route("/console/api/labels", methods=["GET"])
    def labels() -> Response:
        from chalicelib.console.labels import console_labels

        return _json(console_labels())

    @bp.route("/console/api/claims", methods=["GET"])
    def claims() -> Response:
        params: Mapping[str, str] = bp.current_request.query_params or {}
        return _guarded(
            lambda: services().console.queue(
                staff(), params.get("status") or "waiting", params.get("flag") or "",
                params.get("sort") or "waiting",
            )
        )

    @bp.route("/console/api/claims/{claim_no}", methods=["GET"])
    def claim(claim_no: str) -> Response:
        return _guarded(lambda: services().console.claim(staff(), claim_no, source()))

    @bp.route("/console/api/claims/{claim_no}/decisions", methods=["POST"])
    def decide(claim_no: str) -> Response:
        return _guarded(
            lambda: services().console.decide(staff(), claim_no, _body(bp) or {}, source())
        )

    @bp.route("/console/api/claims/{claim_no}/signoff", methods=["POST"])
    def sign_off(claim_no: str) -> Response:
        return _guarded(
            lambda: services().console.sign_off(staff(), claim_no, _body(bp) or {}, source())
        )

    @bp.route("/console/api/chats", methods=["GET"])
    def chats() -> Response:
        return _guarded(lambda: services().console.chats(staff()))

    @bp.route("/console/api/chats/{chat_id}/messages", methods=["POST"])
    def chat_reply(chat_id: str) -> Response:
        return _guarded(
            lambda: services().console.chat_reply(staff(), chat_id, _body(bp) or {}, source())
        )

    @bp.route("/console/api/chats/{chat_id}/end", methods=["POST"])
    def chat_end(chat_id: str) -> Response:
        return _guarded(lambda: services().console.chat_end(staff(), chat_id, source()))

    @bp.route("/console/api/chats/{chat_id}/take-over", methods=["POST"])
    def chat_take_over(chat_id: str) -> Response:
        """接手: the chat becomes the member's (audited)."""
        return _guarded(lambda: services().assignment_desk.take_over_chat(staff(), chat_id,
                                                                          source()))  # fmt: skip

    @bp.route("/console/api/chats/{chat_id}/hand-back", methods=["POST"])
    def chat_hand_back(chat_id: str) -> Response:
        """交回: to whom it was taken from, else the next available agent (audited)."""
        return _guarded(lambda: services().assignment_desk.hand_back_chat(staff(), chat_id,
                                                                          source()))  # fmt: skip

    @bp.route("/console/api/presence", methods=["POST"])
    def presence() -> Response:
        """{"paused": true|false}: 暂停接待 / 恢复接待 (no new chats while paused)."""
        body = _body(bp) or {}
        return _guarded(lambda: services().assignment_desk.presence_change(staff(), body))

    @bp.route("/console/api/chats/{chat_id}/candidates", methods=["GET"])
    def chat_candidates(chat_id: str) -> Response:
        params: Mapping[str, str] = bp.current_request.query_params or {}
        return _guarded(lambda: services().assist_desk.candidates(
            staff(), chat_id, params.get("message") or ""))  # fmt: skip

    @bp.route("/console/api/chats/{chat_id}/assist", methods=["POST"])
    def chat_assist(chat_id: str) -> Response:
        return _guarded(lambda: services().assist_desk.send(
            staff(), chat_id, _body(bp) or {}, source()))  # fmt: skip

    @bp.route("/console/api/chats/{chat_id}/canned", methods=["GET"])
    def chat_canned(chat_id: str) -> Response:
        params: Mapping[str, str] = bp.current_request.query_params or {}
        return _guarded(lambda: services().canned_desk.for_chat(
            staff(), chat_id, params.get("q") or ""))  # fmt: skip

    @bp.route("/console/api/canned", methods=["GET", "POST"])
    def canned() -> Response:
        request = bp.current_request
        if request.method == "POST":
            return _guarded(lambda: services().canned_desk.create(
                staff(), _body(bp) or {}, source()))  # fmt: skip
        params: Mapping[str, str] = request.query_params or {}
        return _guarded(lambda: services().canned_desk.listing(staff(), params.get("q") or ""))

    @bp.route("/console/api/canned/{reply_id}", methods=["PUT", "DELETE"])
    def canned_reply(reply_id: str) -> Response:
        desk, body = services().canned_desk, _body(bp) or {}
        if bp.current_request.method == "DELETE":
            return _guarded(lambda: desk.delete(staff(), reply_id, body, source()))
        return _guarded(lambda: desk.update(staff(), reply_id, body, source()))

    @bp.route("/console/api/campaigns", methods=["GET", "POST"])
    def campaigns() -> Response:
        desk = services().campaign_desk
        if bp.current_request.method == "POST":
            return _guarded(lambda: desk.create(staff(), _body(bp) or {}, source()))
        return _guarded(lambda: desk.listing(staff()))

    @bp.route("/console/api/campaigns/preview-openid", methods=["PUT"])
    def campaign_preview_openid() -> Response:
        return _guarded(lambda: services().campaign_desk.set_preview_openid(
            staff(), _body(bp) or {}, source()))  # fmt: skip

    @bp.route("/console/api/campaigns/{campaign_id}", methods=["GET", "PUT"])
    def campaign(campaign_id: str) -> Response:
        desk = services().campaign_desk
        if bp.current_request.method == "PUT":
            return _guarded(lambda: desk.edit(staff(), campaign_id, _body(bp) or {}, source()))
        return _guarded(lambda: desk.one(staff(), campaign_id))

    @bp.route("/console/api/campaigns/{campaign_id}/{step}", methods=["POST"])
    def campaign_step(campaign_id: str, step: str) -> Response:
        desk, body = services().campaign_desk, _body(bp) or {}
        if step == "preview":
            return _guarded(lambda: desk.preview(staff(), campaign_id, source()))
        if step == "submit":
            return _guarded(lambda: desk.submit(staff(), campaign_id, body, source()))
        if step == "decision":
            return _guarded(lambda: desk.decide(staff(), campaign_id, body, source()))
        if step == "send":
            return _guarded(lambda: desk.send_again(staff(), campaign_id, source()))
        return _guarded(lambda: _no_step(step))

    @bp.route("/console/api/records", methods=["GET"])
    def records() -> Response:
        params: Mapping[str, str] = bp.current_request.query_params or {}
        return _guarded(lambda: services().records_desk.search(staff(), params, source()))

    @bp.route("/console/api/records/export.csv", methods=["GET"])
    def records_export() -> Response:
        params: Mapping[str, str] = bp.current_request.query_params or {}
        return _document(
            lambda: services().records_desk.export_csv(staff(), params, source()).decode(),
            {"Content-Type": "text/csv; charset=utf-8",
             "Content-Disposition": 'attachment; filename="records.csv"'},
        )  # fmt: skip

    @bp.route("/console/api/records/transcript.html", methods=["GET"])
    def records_transcript() -> Response:
        params: Mapping[str, str] = bp.current_request.query_params or {}
        return _document(
            lambda: services().records_desk.transcript_html(staff(), params, source()),
            {"Content-Type": "text/html; charset=utf-8",
             "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src *"},
        )  # fmt: skip

    @bp.route("/console/api/paths", methods=["GET"])
    def service_path() -> Response:
        """One customer's service path (服务轨迹), named as a records search names them."""
        params: Mapping[str, str] = bp.current_request.query_params or {}
        return _guarded(lambda: services().service_paths.path(staff(), params, source()))

    @bp.route("/console/api/requests", methods=["GET"])
    def data_requests() -> Response:
        params: Mapping[str, str] = bp.current_request.query_params or {}
        return _guarded(lambda: services().data_request_desk.listing(
            staff(), params.get("status") or "open"))  # fmt: skip

    @bp.route("/console/api/requests/{ticket_no}/close", methods=["POST"])
    def close_data_request(ticket_no: str) -> Response:
        return _guarded(lambda: services().data_request_desk.close(
            staff(), ticket_no, _body(bp) or {}, source()))  # fmt: skip

    @bp.route("/console/api/tickets", methods=["GET"])
    def tickets() -> Response:
        params: Mapping[str, str] = bp.current_request.query_params or {}
        return _guarded(lambda: services().ticket_desk.listing(staff(), params))

    @bp.route("/console/api/tickets/{ticket_no}/{change}", methods=["POST"])
    def ticket_change(ticket_no: str, change: str) -> Response:
        """assign | notes | close | phone (the callback number in full, audited)."""
        desk, body = services().ticket_desk, _body(bp) or {}
        changes: dict[str, Callable[[], Any]] = {
            "assign": lambda: desk.assign(staff(), ticket_no, body, source()),
            "notes": lambda: desk.note(staff(), ticket_no, body, source()),
            "close": lambda: desk.close(staff(), ticket_no, body, source()),
            "phone": lambda: desk.reveal_phone(staff(), ticket_no, source()),
        }
        if change not in changes:
            return _error(404, "not found")
        return _guarded(changes[change])

    @bp.route("/console/api/ratings", methods=["GET"])
    def ratings() -> Response:
        """Customers' satisfaction ratings over a period (from, to: China dates)."""
        params: Mapping[str, str] = bp.current_request.query_params or {}
        return _guarded(lambda: services().satisfaction.report(staff(), params))

    @bp.route("/console/api/dashboard", methods=["GET"])
    def dashboard() -> Response:
        """The service's figures over a period (from, to: China dates), from the counters."""
        params: Mapping[str, str] = bp.current_request.query_params or {}
        return _guarded(lambda: services().metrics.report(staff(), params))

    @bp.route("/console/api/audit", methods=["GET"])
    def audit() -> Response:
        params: Mapping[str, str] = bp.current_request.query_params or {}
        return _guarded(lambda: services().console.audit_entries(staff(), params))

    @bp.route("/console/api/audit/verify", methods=["GET"])
    def audit_verify() -> Response:
        params: Mapping[str, str] = bp.current_request.query_params or {}
        return _guarded(lambda: services().console.audit_verify(staff(), params))

    return bp


def _who(member: Staff) -> dict[str, Any]:
    """The signed-in member and what the page may offer them (it hides what they may not do;
    every route checks again)."""
    from chalicelib.domain import data_requests as request_rules
    from chalicelib.domain import records as record_rules
    from chalicelib.domain import tickets as ticket_rules

    return {
        **member.to_json(),
        "permissions": member.permissions(),
        "records_scope": record_rules.scope_for(member.roles),
        "records_unmask": record_rules.unmask_allowed(member.roles),
        "data_requests": request_rules.may_handle(member.roles),
        "tickets": list(ticket_rules.kinds_for(member.roles)),
    }


def _document(make: Callable[[], str], headers: dict[str, str]) -> Response:
    """A file (CSV, a printable page) rather than JSON; a refusal is JSON as everywhere."""
    made: list[str] = []
    answer = _guarded(lambda: made.append(make()))
    if not made:
        return answer
    all_headers: dict[str, str | list[str]] = {**NO_STORE, **NOT_FRAMED, **headers}
    return Response(body=made[0], headers=all_headers)


def _guarded(call: Callable[[], Any]) -> Response:
    from chalicelib.console.auth import Forbidden, Unauthorized
    from chalicelib.console.service import BadRequest, Conflict, NotFound
    from chalicelib.console.sign_in import SignInRefused

    try:
        return _json(call())
    except SignInRefused as exc:
        return _json({"error": str(exc), "reason": exc.reason}, exc.status)
    except Unauthorized:
        return _error(401, "sign in")
    except Forbidden as exc:
        return _error(403, str(exc))
    except NotFound as exc:
        return _error(404, str(exc))
    except BadRequest as exc:
        return _error(400, str(exc))
    except Conflict as exc:
        return _error(409, str(exc))
    except Exception:
        logging.getLogger("claimbot").exception("console request failed")
        return _error(500, "something went wrong on our side; try again")


def _body(bp: Blueprint) -> dict[str, Any] | None:
    raw = bp.current_request.raw_body or b""
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": "application/json; charset=utf-8", **NO_STORE, **NOT_FRAMED},
    )


def _error(status: int, message: str) -> Response:
    return _json({"error": message}, status)


def _static(name: str, folder: Path = STATIC, cache: Mapping[str, str] = NO_STORE) -> Response:
    path = folder / name
    if "/" in name or name.startswith(".") or not path.is_file() or path.suffix not in STATIC_TYPES:
        return Response(body="not found", status_code=404, headers={"Content-Type": "text/plain"})
    data = path.read_bytes()
    content_type = STATIC_TYPES[path.suffix]
    body: Any = data if content_type.startswith("image/png") else data.decode("utf-8")
    return Response(body=body, headers={"Content-Type": content_type, **cache, **NOT_FRAMED})


def _no_step(step: str) -> Any:
    from chalicelib.console.service import NotFound

    raise NotFound(f"no campaign step {step}")
