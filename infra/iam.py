"""What AWS calls a function makes, and whether its IAM policy in the template allows them.

`recording()` patches botocore so every API call (boto3 and PynamoDB alike) is noted as an IAM
action and the ARN it acts on; `denied(calls, statements)` evaluates those against a role's
policy statements (Allow only, with `*`/`?` wildcards, no conditions - enough for the policies
infra/functions.yaml writes). infra/invoke.py records each local invocation and the deploy test
fails on any call the function's role would be refused in AWS.
"""

from __future__ import annotations

import contextlib
import fnmatch
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

# Operations whose IAM action is not simply <service>:<Operation>.
_ACTION_ALIASES = {
    ("sqs", "SendMessageBatch"): "SendMessage",
    ("sqs", "DeleteMessageBatch"): "DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
    ("s3", "HeadObject"): "GetObject",
    ("s3", "ListObjectsV2"): "ListBucket",
    ("s3", "ListObjects"): "ListBucket",
    ("s3", "HeadBucket"): "ListBucket",
}
_IAM_PREFIX = {"dynamodbstreams": "dynamodb", "cognito-idp": "cognito-idp"}


@dataclass(frozen=True)
class Call:
    action: str  # e.g. dynamodb:PutItem
    resource: str  # the ARN IAM checks; "*" when the action has no resource

    def to_json(self) -> dict[str, str]:
        return {"action": self.action, "resource": self.resource}


class Context:
    """Where ARNs are made: region and account of the stack."""

    def __init__(self, region: str, account: str, partition: str | None = None) -> None:
        from devstack.infra import partition_of

        self.region, self.account = region, account
        self.partition = partition or partition_of(region)[0]  # aws-cn in the China regions

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account if account else ''}:{resource}"
        )


def calls_of(service: str, operation: str, params: dict[str, Any], ctx: Context) -> list[Call]:
    """The IAM actions and resources one API call needs (several for batch operations)."""
    prefix = _IAM_PREFIX.get(service, service)
    action = f"{prefix}:{_ACTION_ALIASES.get((service, operation), operation)}"
    if service == "dynamodb":
        tables: list[str] = []
        if "TableName" in params:
            name = params["TableName"]
            index = params.get("IndexName")
            tables.append(f"table/{name}/index/{index}" if index else f"table/{name}")
        for name in params.get("RequestItems") or {}:
            tables.append(f"table/{name}")
        for item in params.get("TransactItems") or []:
            ((kind, body),) = item.items()
            verb = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}
            sub = f"dynamodb:{verb.get(kind, 'ConditionCheckItem')}"
            return [Call(sub, ctx.arn("dynamodb", f"table/{body['TableName']}"))]
        if not tables:
            return [Call(action, "*")]
        return [Call(action, ctx.arn("dynamodb", t)) for t in tables]
    if service == "dynamodbstreams":
        return [Call(action, params.get("StreamArn") or "*")]
    if service == "sqs":
        url = params.get("QueueUrl")
        name = params.get("QueueName") or (urlparse(url).path.rsplit("/", 1)[-1] if url else "")
        return [Call(action, ctx.arn("sqs", name) if name else "*")]
    if service == "s3":
        bucket = params.get("Bucket", "")
        key = params.get("Key")
        target = f"{bucket}/{key}" if key is not None else bucket
        return [Call(action, f"arn:{ctx.partition}:s3:::{target}")]
    if service == "ssm":
        names = params.get("Names") or ([params["Name"]] if "Name" in params else [])
        return [Call(action, ctx.arn("ssm", "parameter/" + n.lstrip("/"))) for n in names] or [
            Call(action, "*")
        ]
    return [Call(action, "*")]


class Recorder:
    def __init__(self, ctx: Context, log_path: str | None = None) -> None:
        self.ctx = ctx
        self.calls: list[tuple[str, Call]] = []  # (thread name, call)
        self.log_path = log_path  # also appended there at once (a process may be killed)
        self._lock = threading.Lock()

    def note(self, service: str, operation: str, params: dict[str, Any]) -> None:
        found = calls_of(service, operation, params, self.ctx)
        thread = threading.current_thread().name
        with self._lock:
            self.calls.extend((thread, c) for c in found)
            if self.log_path:
                with open(self.log_path, "a", encoding="utf-8") as log:
                    log.writelines(f"{thread}\t{c.action}\t{c.resource}\n" for c in found)


AUDIT_ENV = "CLAIMBOT_IAM_AUDIT"  # a file: processes started with it append their AWS calls


def audit_if_requested() -> None:
    """For `pytest -p infra.iam_audit`: the devstack's own process records its calls too."""
    import os

    path = os.environ.get(AUDIT_ENV)
    if path and not _KEPT:
        ctx = Context(os.environ.get("AWS_REGION", "ap-east-1"), "123456789012")
        manager = recording(ctx, path)  # kept: a dropped generator would undo the patch
        manager.__enter__()
        _KEPT.append(manager)


_KEPT: list[Any] = []


@contextlib.contextmanager
def recording(ctx: Context, log_path: str | None = None) -> Iterator[Recorder]:
    """Note every botocore API call made while inside (any thread)."""
    from botocore.client import BaseClient

    recorder = Recorder(ctx, log_path)
    original = BaseClient._make_api_call

    def make_api_call(client: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        service = client.meta.service_model.service_name
        recorder.note(service, operation_name, api_params)
        return original(client, operation_name, api_params)

    BaseClient._make_api_call = make_api_call
    try:
        yield recorder
    finally:
        BaseClient._make_api_call = original


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def allowed(call: Call, statements: list[dict[str, Any]]) -> bool:
    """Is `call` allowed by these (resolved) Allow statements? A Deny anywhere wins."""
    verdict = False
    for statement in statements:
        actions = _as_list(statement.get("Action", []))
        resources = _as_list(statement.get("Resource", "*"))
        action_hit = any(fnmatch.fnmatchcase(call.action.lower(), a.lower()) for a in actions)
        resource_hit = any(fnmatch.fnmatchcase(call.resource, r) for r in resources) or (
            call.resource == "*" and any(r == "*" for r in resources)
        )
        if action_hit and resource_hit:
            if statement.get("Effect") == "Deny":
                return False
            verdict = True
    return verdict


def denied(calls: list[Call], statements: list[dict[str, Any]]) -> list[Call]:
    seen: list[Call] = []
    for call in calls:
        if call not in seen and not allowed(call, statements):
            seen.append(call)
    return seen
