"""Failures of the emulated AWS on purpose: throttled DynamoDB, S3 errors, an SQS outage.

The moto child (devstack/aws.py) answers a request from the active faults before moto sees
it, with the error body the real service sends, so botocore parses and retries it as it would
in AWS. Control API on the same port (not an AWS path):

    POST   /_claimbot/faults   {"service": "dynamodb", "operation": "TransactWriteItems",
                                "error": "ProvisionedThroughputExceededException",
                                "table": "claimbot-local-sessions", "times": 20}
    GET    /_claimbot/faults   the active faults and how often each struck
    DELETE /_claimbot/faults   clear them

`service` is the signing name (dynamodb, s3, sqs); `operation` the API's name (PutObject,
SendMessage, ...; "*" for any); `table`/`bucket`/`queue` narrow it to one resource (a
substring of the request's body or path); `times` is how many requests fail (default 1).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

CONTROL_PATH = "/_claimbot/faults"

# What each service answers for an error: (HTTP status, protocol).
ERRORS: dict[str, dict[str, int]] = {
    "dynamodb": {
        "ProvisionedThroughputExceededException": 400,
        "ThrottlingException": 400,
        "RequestLimitExceeded": 400,
        "InternalServerError": 500,
        "ServiceUnavailable": 503,
    },
    "s3": {"InternalError": 500, "SlowDown": 503, "ServiceUnavailable": 503, "AccessDenied": 403},
    "sqs": {"ServiceUnavailable": 503, "InternalFailure": 500, "ThrottlingException": 400},
}
JSON_ERROR_PREFIX = {"dynamodb": "com.amazonaws.dynamodb.v20120810", "sqs": "com.amazonaws.sqs"}
_S3_OPERATIONS = {"PUT": "PutObject", "GET": "GetObject", "HEAD": "HeadObject",
                  "DELETE": "DeleteObject", "POST": "PostObject"}  # fmt: skip
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([a-z0-9-]+)/aws4_request")


@dataclass
class Fault:
    service: str
    operation: str
    error: str
    resource: str = ""
    times: int = 1
    struck: int = 0


def make_fault(spec: dict[str, Any]) -> Fault:
    """A fault from its JSON spec; ValueError (in English, for the tester) when malformed."""
    service = spec.get("service")
    if service not in ERRORS:
        raise ValueError(f"'service' must be one of {sorted(ERRORS)}")
    error = spec.get("error")
    if error not in ERRORS[service]:
        raise ValueError(f"'error' for {service} must be one of {sorted(ERRORS[service])}")
    operation = spec.get("operation", "*")
    times = spec.get("times", 1)
    if not isinstance(operation, str) or not operation:
        raise ValueError("'operation' must be an API operation name or '*'")
    if isinstance(times, bool) or not isinstance(times, int) or not 1 <= times <= 1_000_000:
        raise ValueError("'times' must be a whole number from 1 to 1000000")
    resource = spec.get("table") or spec.get("bucket") or spec.get("queue") or ""
    return Fault(service, operation, error, str(resource), times)


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    text: str  # path and body, where a resource name is found


def describe(environ: dict[str, Any], body: bytes) -> Call:
    """Which service and operation a signed request is for."""
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    service = scope.group(1) if scope else ""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    path = environ.get("PATH_INFO", "")
    if target:
        operation = target.rsplit(".", 1)[-1]
    elif service == "s3":
        operation = _S3_OPERATIONS.get(environ.get("REQUEST_METHOD", ""), "")
    else:
        found = re.search(rb"Action=([A-Za-z]+)", body)
        operation = found.group(1).decode() if found else ""
    text = f"{path} {environ.get('HTTP_HOST', '')} {body[:4096].decode('utf-8', 'replace')}"
    return Call(service, operation, text)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: list[Fault] = []
        self._spent: list[Fault] = []

    @property
    def active(self) -> bool:
        return bool(self._active)

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._active.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._active.clear()
            self._spent.clear()

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{**asdict(f), "active": f in self._active} for f in self._active + self._spent]

    def take(self, call: Call) -> Fault | None:
        with self._lock:
            for fault in self._active:
                if _matches(fault, call):
                    fault.times -= 1
                    fault.struck += 1
                    if fault.times <= 0:
                        self._active.remove(fault)
                        self._spent.append(fault)
                    return fault
        return None


def _matches(fault: Fault, call: Call) -> bool:
    return (
        fault.service == call.service
        and fault.operation in ("*", call.operation)
        and fault.resource in call.text
    )


def error_response(fault: Fault) -> tuple[str, list[tuple[str, str]], bytes]:
    """The status line, headers and body the service sends for this error."""
    status = ERRORS[fault.service][fault.error]
    message = f"injected by the devstack: {fault.error}"
    if fault.service == "s3":
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{fault.error}</Code>"
                f"<Message>{message}</Message></Error>").encode()  # fmt: skip
        headers = [("Content-Type", "application/xml")]
    else:  # DynamoDB and SQS speak AWS JSON 1.0
        prefix = JSON_ERROR_PREFIX[fault.service]
        body = json.dumps({"__type": f"{prefix}#{fault.error}", "message": message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.0"),
                   ("x-amzn-ErrorType", fault.error)]  # fmt: skip
    return f"{status} Injected", headers, body


def with_faults(app: Callable[..., Iterable[bytes]], faults: Faults) -> Callable[..., Any]:
    """WSGI middleware: the control API, and injected failures before moto sees a request."""

    def middleware(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == CONTROL_PATH:
            return _control(environ, start_response, faults)
        fault = faults.take(describe(environ, _read_body(environ))) if faults.active else None
        if fault is not None:
            status, headers, payload = error_response(fault)
            start_response(status, [*headers, ("Content-Length", str(len(payload)))])
            return [payload]
        return app(environ, start_response)

    return middleware


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the body and put it back for moto."""
    import io

    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _control(environ: dict[str, Any], start_response: Any, faults: Faults) -> list[bytes]:
    method = environ.get("REQUEST_METHOD")
    status, answer = "200 OK", {"ok": True}
    if method == "POST":
        try:
            spec = json.loads(_read_body(environ) or b"{}")
            faults.add(make_fault(spec if isinstance(spec, dict) else {}))
        except ValueError as exc:
            status, answer = "400 Bad Request", {"error": str(exc)}
    elif method == "DELETE":
        faults.clear()
    elif method == "GET":
        answer = {"faults": faults.listing()}
    else:
        status, answer = "405 Method Not Allowed", {"error": "use GET, POST or DELETE"}
    payload = json.dumps(answer).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(payload)))])  # fmt: skip
    return [payload]
