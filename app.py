"""claimbot's Lambda entry points. Wiring only: each handler builds, calls and returns."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Rate, Response

from chalicelib.settings import current_settings, settings_from_env
from chalicelib.snapstart import prepare as prepare_snapstart

if TYPE_CHECKING:
    from chalice.app import Blueprint, CloudWatchEvent, DynamoDBEvent, Request, SQSEvent

    from chalicelib.service.container import Container  # built on first use, not at import
    from chalicelib.service.http import HttpResult

app = Chalice(app_name="claimbot")
app.log.setLevel("INFO")

# Queue names are needed at import time for the event-source mappings; no secrets involved.
_names = settings_from_env()

WECHAT_CONTENT_TYPES = [
    "text/xml",
    "application/xml",
    "text/plain",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "application/json",
]


@lru_cache(maxsize=1)
def services() -> Container:
    import gc

    from chalicelib.service.container import Container

    container = Container(current_settings())
    # What the container built lives as long as the Lambda instance: keep it out of the
    # garbage collector's full passes, which otherwise pause warm requests by ~100 ms.
    gc.freeze()
    return container


# The API function under SnapStart: imports done before the snapshot, a container of its own
# after each restore (chalicelib/snapstart.py). Any other init: nothing.
prepare_snapstart(services)


def _request() -> Request:
    request = app.current_request
    if request is None:  # Chalice sets it before a route runs
        raise RuntimeError("no current request")
    return request


def _raw_body(request: Request) -> bytes:
    raw = request.raw_body  # declared str | bytes; Chalice gives bytes (it encodes a str body)
    return raw.encode("utf-8") if isinstance(raw, str) else raw


def _respond(result: HttpResult) -> Response:
    return Response(
        body=result.body, status_code=result.status, headers={"Content-Type": result.content_type}
    )


def _console() -> Blueprint:
    from chalicelib.console.blueprint import console_blueprint

    return console_blueprint(lambda: services())  # late-bound: tests may swap services


app.register_blueprint(_console())


@app.route("/wechat", methods=["GET"])
def wechat_verify() -> Response:
    query: Mapping[str, str] = _request().query_params or {}
    return _respond(services().webhook.verify(query))


@app.route("/wechat", methods=["POST"], content_types=WECHAT_CONTENT_TYPES)
def wechat_receive() -> Response:
    request = _request()
    return _respond(services().webhook.receive(request.query_params or {}, _raw_body(request)))


@app.route("/wecom", methods=["GET"])
def wecom_verify() -> Response:
    # WeCom's URL check gets 1 s, a cold start included: the callback's crypto only, no
    # container (its AWS clients take longer to build than the whole check may).
    from chalicelib.service.container import wecom_callback
    from chalicelib.service.staff_inbox import StaffInbox

    check = StaffInbox(wecom_callback(current_settings()), lambda: services().handoff_desk)
    return _respond(check.verify(_request().query_params or {}))


@app.route("/wecom", methods=["POST"], content_types=WECHAT_CONTENT_TYPES)
def wecom_receive() -> Response:
    request = _request()
    return _respond(services().staff_inbox.receive(request.query_params or {}, _raw_body(request)))


@app.route("/privacy", methods=["GET"])
def privacy_notice() -> Response:
    from chalicelib.web import privacy_page

    settings = current_settings()
    page = privacy_page(settings.region, settings.retention_chat_days)
    return Response(body=page, headers={"Content-Type": "text/html; charset=utf-8"})


@app.on_sqs_message(queue=_names.queue("jobs"), batch_size=1)
def on_job(event: SQSEvent) -> None:
    with services().metrics.counting():  # the dashboard's quote funnel (licence photos read)
        for record in event:
            services().worker.run(json.loads(record.body))


@app.on_sqs_message(queue=_names.queue("outbox"), batch_size=1)
def on_outbox(event: SQSEvent) -> None:
    with services().metrics.counting():  # the dashboard's failed pushes, after the delivery
        for record in event:
            services().outbox.deliver(json.loads(record.body))


@app.route("/survey/examples/{name}", methods=["GET"])  # API Gateway: whole-segment params
def survey_example(name: str) -> Response:
    from chalicelib.web import survey_example as example

    picture = example(name.removesuffix(".jpg")) if name.endswith(".jpg") else None
    if picture is None:
        return Response(body="not found", status_code=404, headers={"Content-Type": "text/plain"})
    return Response(
        body=picture,
        headers={"Content-Type": "image/jpeg", "Cache-Control": "public, max-age=86400"},
    )


@app.schedule(Rate(1, unit=Rate.MINUTES), name="watchdog")
def watchdog(event: CloudWatchEvent) -> None:
    services().watchdog.run()


@app.on_dynamodb_record(
    stream_arn=_names.stream_arn("claims"), batch_size=50, starting_position="TRIM_HORIZON"
)
def on_claim_change(event: DynamoDBEvent) -> dict[str, list[dict[str, str]]]:
    """The mapping reports partial batch failures (ReportBatchItemFailures, infra/functions.yaml):
    the first record that fails and everything after it are retried, not the records before."""
    failed = services().notifier.on_batch(list(event))
    return {"batchItemFailures": [{"itemIdentifier": failed}] if failed else []}


def _changes(event: DynamoDBEvent) -> Iterator[dict[str, Any]]:
    """A stream batch's records as the dashboard's counters read them (old and new images)."""
    return ({"old_image": r.old_image or {}, "new_image": r.new_image or {}} for r in event)


@app.on_dynamodb_record(
    stream_arn=_names.stream_arn("conversations"), batch_size=100,
    starting_position="TRIM_HORIZON",
)  # fmt: skip
def on_conversation_record(event: DynamoDBEvent) -> None:
    """The dashboard's counters: one ADD per counter and day for the whole batch."""
    services().metrics.on_stream(
        {"event_name": r.event_name, "new_image": r.new_image or {}} for r in event
    )


@app.on_dynamodb_record(
    stream_arn=_names.stream_arn("handoffs"), batch_size=100, starting_position="TRIM_HORIZON"
)
def on_handoff_change(event: DynamoDBEvent) -> None:
    """The dashboard's handoff counters: opened, first response, resolution (with durations)."""
    services().metrics.on_handoffs(_changes(event))


@app.on_dynamodb_record(
    stream_arn=_names.stream_arn("surveys"), batch_size=100, starting_position="TRIM_HORIZON"
)
def on_survey_change(event: DynamoDBEvent) -> None:
    """The dashboard's self-survey funnel: opened, five photos in (with the time), re-shoot."""
    services().metrics.on_surveys(_changes(event))


@app.on_dynamodb_record(
    stream_arn=_names.stream_arn("lockouts"), batch_size=100, starting_position="TRIM_HORIZON"
)
def on_lockout_change(event: DynamoDBEvent) -> None:
    """The dashboard's binding counters: failed attempts and locks."""
    services().metrics.on_lockouts(_changes(event))


@app.on_dynamodb_record(
    stream_arn=_names.stream_arn("kb_misses"), batch_size=100, starting_position="TRIM_HORIZON"
)
def on_kb_miss_change(event: DynamoDBEvent) -> None:
    """The dashboard's knowledge-base counters: questions given choices, or nothing."""
    services().metrics.on_changes(
        "kb_miss", _changes(event)
    )


@app.on_dynamodb_record(
    stream_arn=_names.stream_arn("ratings"), batch_size=100, starting_position="TRIM_HORIZON"
)
def on_rating_change(event: DynamoDBEvent) -> None:
    """The dashboard's satisfaction counters: asked, rated, rated low."""
    services().metrics.on_changes(
        "rating", _changes(event)
    )


@app.on_dynamodb_record(
    stream_arn=_names.stream_arn("quotes"), batch_size=100, starting_position="TRIM_HORIZON"
)
def on_quote_change(event: DynamoDBEvent) -> None:
    """The dashboard's quote funnel: quotes with plans shown."""
    services().metrics.on_changes(
        "quote", _changes(event)
    )
