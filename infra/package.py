"""`make package STAGE=prod`: one deployable SAM template and its artefacts under infra/out/.

    python -m infra.package --stage prod              # template + API zip + worker image context
    python -m infra.package --stage prod --fast       # the template only (tests, cfn-lint)
    python -m infra.package --stage prod --measure    # also install the worker's packages to
                                                      # measure them (PyPI, ~1 min)

1. `chalice package` (in process, same code) turns app.py into Chalice's SAM template and the
   API's deployment.zip (requirements.txt + app.py + chalicelib). --fast skips building the zip.
2. The merge adds infra/resources.yaml (tables, queues, bucket, alarms, Cognito),
   infra/network.yaml (the VPC of the fixed egress address) and infra/console-assets.yaml (the
   console's scripts on CloudFront) and applies infra/functions.yaml
   to Chalice's functions: names, one least-privilege role each, the environment, event
   sources wired to the real queues and stream, the worker as a container image, the VPC for
   those that call WeChat or WeCom, the API's alias and SnapStart, log groups and alarms.
   Packaging stops when they disagree (a handler without a role, a queue name that is not
   the template's, a function using the access tokens outside the VPC, ...).
3. Artefacts: deployment.zip for the python3.13 runtime (with the console's build from
   `make console`: packaging stops without it) with bytecode compiled in when a
   Python 3.13 is at hand (see docs/deploy.md, "Sizes" and "Bytecode"), the worker's Docker
   build context (worker/), sizes.json, template.yaml.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
INFRA = ROOT / "infra"
PLACEHOLDER_ROLE = "arn:aws:iam::000000000000:role/claimbot-role-set-by-infra-package"
RUNTIME = (3, 13)  # the zip functions' Lambda runtime (python3.13, Amazon Linux 2023)
RUNTIME_NAME = f"python{RUNTIME[0]}.{RUNTIME[1]}"
# An interpreter of RUNTIME's version for the bytecode, when this one is not: a command line
# (e.g. "chroot /srv/trixie python3.13"), else python3.13 on PATH.
RUNTIME_PYTHON_ENV = "CLAIMBOT_RUNTIME_PYTHON"
ALIAS = "live"  # the published alias of functions with SnapStart (infra/functions.yaml)
VPC_ACCESS_POLICY = (
    "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
)
# Parameter defaults that differ by stage: dev runs without the NAT gateway (its cost, and a
# WeChat test account has no IP whitelist); turn it on with FixedEgress=true. Its console's
# scripts come from the API itself (no CloudFront distribution to publish to).
STAGE_DEFAULTS = {"dev": {"FixedEgress": "false", "ConsoleAssetsCdn": "false"}}
# The console's build (console-ui/, `make console`), packaged with chalicelib in deployment.zip.
CONSOLE_ASSETS = ROOT / "chalicelib" / "console" / "static" / "assets"

TABLE_READ = ["GetItem", "BatchGetItem", "Query", "Scan", "ConditionCheckItem"]
TABLE_WRITE = ["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"]
SQS_CONSUME = ["ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes"]
STREAM_READ = ["DescribeStream", "GetRecords", "GetShardIterator", "ListStreams"]
TEMPLATE_FILES = ("resources.yaml", "network.yaml", "console-assets.yaml", "functions.yaml")
SECTIONS = ("Parameters", "Rules", "Conditions", "Resources", "Outputs")


class PackageError(Exception):
    """The code, Chalice's template and infra/ disagree; the message says where."""


# --- reading templates --------------------------------------------------------------------------


def load_yaml(path: Path) -> dict[str, Any]:
    from devstack.infra import load_template

    return load_template(path)


def sub(text: str) -> dict[str, Any]:
    return {"Fn::Sub": text}


def getatt(logical: str, attribute: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical, attribute]}


def ref(name: str) -> dict[str, Any]:
    return {"Ref": name}


# --- step 1: Chalice --------------------------------------------------------------------------


def chalice_template(stage: str, outdir: Path, fast: bool) -> dict[str, Any]:
    """Run Chalice's packager; with `fast`, without building the deployment zip."""
    from unittest import mock

    from chalice.config import Config
    from chalice.deploy.packager import DependencyBuilder, PipRunner

    os.environ.setdefault("AWS_DEFAULT_REGION", "ap-east-1")
    # Chalice picks the runtime (and the wheels' ABI) from the Python it runs on; local
    # development stays on 3.11, the functions run RUNTIME_NAME.
    runtime = mock.patch.object(
        Config, "lambda_python_version", new_callable=mock.PropertyMock, return_value=RUNTIME_NAME
    )
    pip = mock.patch.object(PipRunner, "_execute", _pip_for_runtime(PipRunner._execute))
    complete = mock.patch.object(
        DependencyBuilder,
        "build_site_packages",
        _every_dependency(DependencyBuilder.build_site_packages),
    )
    with runtime, pip, complete:
        return _chalice_package(stage, outdir, fast)


def _pip_for_runtime(execute: Any) -> Any:
    """Chalice asks pip for Lambda's wheels with --abi but no --python-version, so pip takes
    this interpreter's (3.11) and finds no wheel built for RUNTIME alone (cffi, rapidfuzz):
    it then builds sdists here, for the wrong Python. Say the runtime's version."""

    def for_runtime(self: Any, command: str, args: list[str], *rest: Any, **kw: Any) -> Any:
        if command == "download" and "--abi" in args and "--python-version" not in args:
            args = [*args[:-1], "--python-version", f"{RUNTIME[0]}.{RUNTIME[1]}", args[-1]]
        return execute(self, command, args, *rest, **kw)

    return for_runtime


def _every_dependency(build: Any) -> Any:
    """Chalice only warns when a dependency has no wheel for Lambda and ships the package
    without it; here packaging stops instead."""
    from chalice.deploy.packager import MissingDependencyError

    def every(self: Any, *args: Any, **kw: Any) -> Any:
        try:
            return build(self, *args, **kw)
        except MissingDependencyError as exc:
            names = sorted(p.identifier for p in exc.missing)
            raise PackageError(f"no {RUNTIME_NAME} manylinux wheel for {names}") from exc

    return every


def _chalice_package(stage: str, outdir: Path, fast: bool) -> dict[str, Any]:
    from unittest import mock

    from chalice.cli.factory import CLIFactory
    from chalice.deploy.packager import LambdaDeploymentPackager

    factory = CLIFactory(project_dir=str(ROOT))
    config = factory.create_config_obj(chalice_stage_name=stage)
    # app.py computes queue names at import from the environment; Chalice only passes the
    # stage's variables to a copy of it, so set them here (this process only).
    os.environ.update(config.environment_variables)
    options = factory.create_package_options()
    packager = factory.create_app_packager(config, options, "cloudformation", "json")
    outdir.mkdir(parents=True, exist_ok=True)
    if fast:
        placeholder = outdir / "placeholder.zip"
        with zipfile.ZipFile(placeholder, "w"):
            pass

        def no_zip(self: Any, project_dir: str, python_version: str) -> str:
            return str(placeholder)

        with mock.patch.object(LambdaDeploymentPackager, "create_deployment_package", no_zip):
            packager.package_app(config, str(outdir), stage)
        placeholder.unlink()
        (outdir / "deployment.zip").unlink(missing_ok=True)
    else:
        packager.package_app(config, str(outdir), stage)
    return json.loads((outdir / "sam.json").read_text(encoding="utf-8"))


# --- step 2: the merge ------------------------------------------------------------------------


def _stage_value(value: Any, stage: str) -> Any:
    """A name from infra/ as it will be in this stage (Fn::Sub over Stage only)."""
    if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        return value["Fn::Sub"].replace("${Stage}", stage)
    return value


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        k: v for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"
    }


def _merge_section(target: dict[str, Any], extra: dict[str, Any], section: str, origin: str):
    for key, value in (extra.get(section) or {}).items():
        if key in target.setdefault(section, {}) and target[section][key] != value:
            raise PackageError(f"{section}.{key} from {origin} clashes with one already defined")
        target[section][key] = value


def merge(
    chalice: dict[str, Any],
    resources: dict[str, Any],
    overlay: dict[str, Any],
    stage: str,
    network: dict[str, Any] | None = None,
    assets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    template = copy.deepcopy(chalice)
    template["Description"] = f"claimbot ({stage}): WeChat self-service for motor insurance"
    extras = (
        (resources, "resources.yaml"),
        (network or {}, "network.yaml"),
        (assets or {}, "console-assets.yaml"),
        (overlay, "functions.yaml"),
    )
    for extra, origin in extras:
        for section in SECTIONS:
            _merge_section(template, extra, section, origin)
    stage_param = template["Parameters"]["Stage"]
    # The functions' code was packaged for this stage (queue names, SSM path): only it deploys.
    stage_param.update(Default=stage, AllowedValues=[stage])
    for name, default in STAGE_DEFAULTS.get(stage, {}).items():
        template["Parameters"][name]["Default"] = default
    _settle_stage_conditions(template, stage)

    functions = _functions(template)
    wanted = overlay.get("Functions") or {}
    missing = sorted(set(functions) - set(wanted))
    if missing:
        raise PackageError(
            f"app.py has function(s) {missing} that infra/functions.yaml does not describe: "
            "give each a Name and its Access (role) there"
        )
    stale = sorted(set(wanted) - set(functions))
    if stale:
        raise PackageError(f"infra/functions.yaml describes {stale}, which app.py no longer has")
    template["Resources"].pop("DefaultRole", None)
    for logical, spec in wanted.items():
        _apply_function(template, logical, functions[logical], spec, resources, stage)
        if spec.get("FixedEgress"):
            _log_metric_filters(template, logical, spec["Name"], overlay.get("LogMetrics") or {})
    _apply_rest_api(template, wanted)
    return template


def _log_metric_filters(
    template: dict[str, Any], logical: str, name: str, metrics: dict[str, str]
) -> None:
    """One metric filter per metric in this function's log group: the callers of WeChat and
    WeCom all count the token and whitelist events into the same metrics (functions.yaml,
    LogMetrics), and one alarm watches each."""
    for metric, event in metrics.items():
        template["Resources"][f"{logical}{metric}Metric"] = {
            "Type": "AWS::Logs::MetricFilter",
            "DependsOn": f"{logical}LogGroup",
            "Properties": {
                "LogGroupName": sub(f"/aws/lambda/claimbot-${{Stage}}-{name}"),
                "FilterPattern": f'"{event}"',
                "MetricTransformations": [{"MetricNamespace": sub("claimbot/${Stage}"),
                                           "MetricName": metric, "MetricValue": "1"}],
            },
        }  # fmt: skip


def _settle_stage_conditions(template: dict[str, Any], stage: str) -> None:
    """Conditions on the Stage alone (IsProd) are known now: keep the branch that applies."""

    def refs(expression: Any) -> set[str]:
        if isinstance(expression, dict):
            found = {expression["Ref"]} if "Ref" in expression else set()
            return found.union(*(refs(v) for v in expression.values()))
        if isinstance(expression, list):
            return set().union(*(refs(v) for v in expression))
        return set()

    def truth(expression: Any) -> bool:
        ((key, arg),) = expression.items()
        value = {"Ref": lambda a: stage if a == "Stage" else None}
        if key == "Fn::Equals":
            left, right = (value["Ref"](a["Ref"]) if isinstance(a, dict) else a for a in arg)
            return left == right
        if key == "Fn::Not":
            return not truth(arg[0])
        if key == "Fn::And":
            return all(truth(a) for a in arg)
        if key == "Fn::Or":
            return any(truth(a) for a in arg)
        raise PackageError(f"cannot settle condition {key}")

    conditions = template.get("Conditions") or {}
    settled = {
        name: truth(expression)
        for name, expression in conditions.items()
        if refs(expression) == {"Stage"} and "Condition" not in json.dumps(expression)
    }

    def settle(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"Fn::If"} and value["Fn::If"][0] in settled:
                name, yes, no = value["Fn::If"]
                return settle(yes if settled[name] else no)
            return {k: settle(v) for k, v in value.items()}
        if isinstance(value, list):
            return [settle(v) for v in value]
        return value

    for section in ("Resources", "Outputs"):
        template[section] = settle(template.get(section) or {})
    if any(r.get("Condition") in settled for r in template["Resources"].values()):
        raise PackageError("a resource is conditional on the stage alone; settle it by hand")
    for name in settled:
        del conditions[name]


def _apply_function(
    template: dict[str, Any],
    logical: str,
    function: dict[str, Any],
    spec: dict[str, Any],
    resources: dict[str, Any],
    stage: str,
) -> None:
    props = function["Properties"]
    name = spec["Name"]
    if props.get("Role") not in (PLACEHOLDER_ROLE, getatt("DefaultRole", "Arn")):
        raise PackageError(
            f"{logical}: Chalice gave it role {props.get('Role')!r}; .chalice/config.json must "
            f"keep manage_iam_role false and iam_role_arn {PLACEHOLDER_ROLE}"
        )
    props["FunctionName"] = sub(f"claimbot-${{Stage}}-{name}")
    props["Role"] = getatt(f"{logical}Role", "Arn")
    env = props.setdefault("Environment", {}).setdefault("Variables", {})
    env["CLAIMBOT_RESOURCE_PREFIX"] = sub("claimbot-${Stage}-")
    env.update(spec.get("Environment") or {})
    events = props.get("Events") or {}
    for event_name, changes in (spec.get("Events") or {}).items():
        if event_name not in events:
            raise PackageError(
                f"{logical}: infra/functions.yaml wires event {event_name}, Chalice has "
                f"{sorted(events)}"
            )
        _check_event(logical, events[event_name], changes, resources, stage)
        events[event_name]["Properties"].update(changes)
    for event_name, event in events.items():
        if event["Type"] in ("SQS", "DynamoDB") and event_name not in (spec.get("Events") or {}):
            raise PackageError(
                f"{logical}: event {event_name} ({event['Type']}) is not wired to a resource "
                "of infra/resources.yaml in infra/functions.yaml"
            )
    if "Image" in spec:
        _as_image(logical, function, spec["Image"])
    _place_in_vpc(logical, props, spec)
    if spec.get("SnapStart"):
        if "Image" in spec:
            raise PackageError(f"{logical}: SnapStart is for zip functions, not images")
        props["AutoPublishAlias"] = ALIAS
        props["SnapStart"] = {
            "Fn::If": ["UseSnapStart", {"ApplyOn": "PublishedVersions"}, ref("AWS::NoValue")]
        }
    template["Resources"][f"{logical}Role"] = _role(logical, name, spec, props, events)
    template["Resources"][f"{logical}LogGroup"] = {
        "Type": "AWS::Logs::LogGroup",
        "DeletionPolicy": "Delete",
        "UpdateReplacePolicy": "Delete",
        "Properties": {
            "LogGroupName": sub(f"/aws/lambda/claimbot-${{Stage}}-{name}"),
            "RetentionInDays": ref("LogRetentionDays"),
        },
    }
    function["DependsOn"] = [f"{logical}LogGroup"]
    alarm = (spec.get("Alarms") or {}).get("Errors")
    if alarm:
        template["Resources"][f"{logical}ErrorsAlarm"] = _errors_alarm(name, ref(logical), alarm)


def _place_in_vpc(logical: str, props: dict[str, Any], spec: dict[str, Any]) -> None:
    """FixedEgress: the function runs in infra/network.yaml's private subnets (when the
    stack's FixedEgress parameter is on), so WeChat and WeCom see the NAT gateway's address."""
    uses_tokens = "TokensTable" in ((spec.get("Access") or {}).get("tables_rw") or [])
    if uses_tokens and not spec.get("FixedEgress"):
        raise PackageError(
            f"{logical} may use the WeChat/WeCom access tokens (TokensTable), so it calls them: "
            "give it FixedEgress: true in infra/functions.yaml (their IP whitelists)"
        )
    if spec.get("FixedEgress"):
        vpc = {
            "SecurityGroupIds": [ref("FunctionSecurityGroup")],
            "SubnetIds": [ref("PrivateSubnetA"), ref("PrivateSubnetB")],
        }
        props["VpcConfig"] = {"Fn::If": ["HasFixedEgress", vpc, ref("AWS::NoValue")]}


def _check_event(
    logical: str,
    event: dict[str, Any],
    changes: dict[str, Any],
    resources: dict[str, Any],
    stage: str,
) -> None:
    """The queue/stream Chalice registered from the code's settings must be the one wired."""
    res = resources["Resources"]
    if event["Type"] == "SQS":
        target = changes["Queue"]["Fn::GetAtt"][0]
        expected = _stage_value(res[target]["Properties"]["QueueName"], stage)
        registered = _stage_value(event["Properties"]["Queue"], stage)
        registered = str(registered).rsplit(":", 1)[-1]
        if registered != expected:
            raise PackageError(
                f"{logical}: app.py listens on queue {registered!r}, infra wires {target} "
                f"({expected!r}); settings.queue() and infra/resources.yaml disagree"
            )
    elif event["Type"] == "DynamoDB":
        target = changes["Stream"]["Fn::GetAtt"][0]
        expected = _stage_value(res[target]["Properties"]["TableName"], stage)
        registered = str(event["Properties"]["Stream"]).split(":table/", 1)[-1].split("/")[0]
        if registered != expected:
            raise PackageError(
                f"{logical}: app.py reads the stream of table {registered!r}, infra wires "
                f"{target} ({expected!r})"
            )


def _as_image(logical: str, function: dict[str, Any], image: dict[str, Any]) -> None:
    props = function["Properties"]
    handler = props.get("Handler")
    if image["Command"] != [handler]:
        raise PackageError(
            f"{logical}: Chalice's handler is {handler!r}, the image would run {image['Command']}"
        )
    for key in ("Runtime", "Handler", "CodeUri", "Layers"):
        props.pop(key, None)
    props["PackageType"] = "Image"
    props["ImageConfig"] = {"Command": list(image["Command"])}
    function["Metadata"] = {
        "Dockerfile": image["Dockerfile"],
        "DockerContext": image["DockerContext"],
        "DockerTag": image["DockerTag"],
    }


def _role(
    logical: str, name: str, spec: dict[str, Any], props: dict[str, Any], events: dict[str, Any]
) -> dict[str, Any]:
    access = spec.get("Access") or {}
    statements: list[dict[str, Any]] = [
        {
            "Sid": "OwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": sub(
                "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:"
                f"log-group:/aws/lambda/claimbot-${{Stage}}-{name}:*"
            ),
        }
    ]

    def tables(ids: list[str]) -> list[Any]:
        return [x for t in ids for x in (getatt(t, "Arn"), sub(f"${{{t}.Arn}}/index/*"))]

    if access.get("tables_rw"):
        statements.append(
            _allow(
                "TablesReadWrite", "dynamodb", TABLE_READ + TABLE_WRITE, tables(access["tables_rw"])
            )
        )
    if access.get("tables_r"):
        statements.append(_allow("TablesRead", "dynamodb", TABLE_READ, tables(access["tables_r"])))
    if access.get("queues_send"):
        queues = [getatt(q, "Arn") for q in access["queues_send"]]
        statements.append(_allow("QueuesSend", "sqs", ["SendMessage", "GetQueueUrl"], queues))
    for sid, key, actions in (
        ("PhotosRead", "bucket_r", ["GetObject"]),
        # Objects are written with their retention tag, and re-tagged when a record is kept
        # longer (domain/retention.py): PutObject with tags needs PutObjectTagging too.
        ("PhotosReadWrite", "bucket_rw",
         ["GetObject", "PutObject", "GetObjectTagging", "PutObjectTagging"]),
        ("PhotosRetention", "bucket_tag", ["GetObjectTagging", "PutObjectTagging"]),
    ):
        if access.get(key):
            paths = [sub(f"${{PhotosBucket.Arn}}/{prefix}*") for prefix in access[key]]
            statements.append(_allow(sid, "s3", actions, paths))
    if access.get("secrets"):
        path = props["Environment"]["Variables"].get("WECHAT_SSM_PATH")
        if not path:
            raise PackageError(f"{logical}: Access.secrets, but the stage sets no WECHAT_SSM_PATH")
        statements.append(_allow("Secrets", "ssm", ["GetParameters"], _secret_arns(path)))
    for event_name, event in events.items():
        p = event["Properties"]
        if event["Type"] == "SQS":
            statements.append(_allow(f"Consume{event_name}", "sqs", SQS_CONSUME, [p["Queue"]]))
        elif event["Type"] == "DynamoDB":
            stream = p["Stream"]
            table = stream["Fn::GetAtt"][0]
            streams = [sub(f"${{{table}.Arn}}/stream/*")]
            statements.append(_allow(f"Read{event_name}", "dynamodb", STREAM_READ, streams))
            failure = ((p.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
            if failure:
                statements.append(
                    _allow(f"Failures{event_name}", "sqs", ["SendMessage"], [failure])
                )
    role: dict[str, Any] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Description": sub(f"claimbot ${{Stage}} {name}: only what {logical} uses"),
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": f"claimbot-{name}",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                }
            ],
        },
    }
    if spec.get("FixedEgress"):
        # Lambda creates and deletes the function's network interfaces in the VPC with the
        # role's rights; AWS keeps this managed policy's list of EC2 actions current.
        role["Properties"]["ManagedPolicyArns"] = {
            "Fn::If": ["HasFixedEgress", [sub(VPC_ACCESS_POLICY)], ref("AWS::NoValue")]
        }
    return role


def _allow(sid: str, service: str, actions: list[str], resources: list[Any]) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": [f"{service}:{a}" for a in actions],
        "Resource": resources,
    }


def _secret_arns(path: str) -> list[Any]:
    from chalicelib.settings import SECRET_NAMES

    base = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
    return [sub(f"{base}/{path.strip('/')}/{name}") for name in SECRET_NAMES]


def _errors_alarm(name: str, function: Any, alarm: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": sub(f"claimbot-${{Stage}}-{name}-errors"),
            "AlarmDescription": f"The {name} function failed (errors, timeouts). "
            "See docs/deploy.md, Alarms.",
            "Namespace": "AWS/Lambda",
            "MetricName": "Errors",
            "Dimensions": [{"Name": "FunctionName", "Value": function}],
            "Statistic": "Sum",
            "Period": 300,
            "EvaluationPeriods": alarm.get("EvaluationPeriods", 1),
            "DatapointsToAlarm": alarm.get("EvaluationPeriods", 1),
            "Threshold": alarm.get("Threshold", 0),
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [ref("AlarmTopic")],
            "OKActions": [ref("AlarmTopic")],
        },
    }


def _apply_rest_api(template: dict[str, Any], wanted: dict[str, Any]) -> None:
    api = template["Resources"].get("RestAPI")
    if api is None:
        raise PackageError("Chalice generated no RestAPI: app.py has no routes?")
    props = api["Properties"]
    for logical, spec in wanted.items():
        if spec.get("SnapStart"):
            _api_calls_alias(template, logical)
    props["Name"] = sub("claimbot-${Stage}")  # the ApiName of the latency and 5xx alarms
    props["DefinitionBody"]["info"]["title"] = sub("claimbot-${Stage}")  # the same, either way
    # Per-method metrics for the webhook only (the latency alarm); the rest stay API-wide.
    props["MethodSettings"] = [
        {"ResourcePath": "/~1wechat", "HttpMethod": "POST", "MetricsEnabled": True}
    ]


def _api_calls_alias(template: dict[str, Any], logical: str) -> None:
    """API Gateway invokes the function's alias (SAM names it <logical>Alias<name>), so the
    published, snapshotted version answers and a rollback is moving the alias."""
    alias = f"{logical}Alias{ALIAS}"
    api = template["Resources"]["RestAPI"]["Properties"]
    body = json.dumps(api["DefinitionBody"])
    target = f"${{{logical}.Arn}}"
    if target not in body:
        raise PackageError(f"RestAPI does not call {logical} (by {target}); cannot use its alias")
    api["DefinitionBody"] = json.loads(body.replace(target, f"${{{alias}}}"))
    permissions = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Permission"
        and r["Properties"]["FunctionName"] == ref(logical)
    ]
    if not permissions:
        raise PackageError(f"no permission lets API Gateway invoke {logical}")
    for permission in permissions:
        permission["FunctionName"] = ref(alias)


# --- step 3: artefacts ------------------------------------------------------------------------


PY313_ROOT = ROOT / "build" / "py313-root"  # the Debian 13 root tests/py313.sh makes


def runtime_python() -> list[str] | None:
    """A command running Python RUNTIME, for the bytecode: CLAIMBOT_RUNTIME_PYTHON, this
    interpreter, python3.13 on PATH, or chroot into tests/py313.sh's root; None if none."""
    configured = os.environ.get(RUNTIME_PYTHON_ENV)
    if configured:
        return shlex.split(configured)
    if sys.version_info[:2] == RUNTIME:
        return [sys.executable]
    found = shutil.which(RUNTIME_NAME)
    if found and _is_runtime_python([found]):  # not a pyenv shim without that version
        return [found]
    if (PY313_ROOT / "usr" / "bin" / RUNTIME_NAME).is_file() and os.geteuid() == 0:
        return ["chroot", str(PY313_ROOT), f"/usr/bin/{RUNTIME_NAME}"]
    return None


def _is_runtime_python(command: list[str]) -> bool:
    check = f"import sys; sys.exit(sys.version_info[:2] != {RUNTIME})"
    try:
        done = subprocess.run([*command, "-c", check], capture_output=True, timeout=30)  # noqa: S603
    except OSError:
        return False
    return done.returncode == 0


def compile_tree(tree: Path, python: list[str]) -> None:
    """__pycache__ bytecode for every module under `tree`, as /var/task, by `python`
    (unchecked-hash: used without comparing against the source, whose mtime the zip does not
    keep). A chroot command compiles a copy inside its root, then the tree takes it back."""
    args = ["-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash"]
    if python[0] != "chroot":
        run = [*python, *args, "-j", "0", "-d", "/var/task", str(tree)]
        subprocess.run(run, check=True)  # noqa: S603
        return
    # One process: worker processes need /dev/shm, which the bare root does not mount.
    inside = Path(python[1]) / "tmp" / f"claimbot-bytecode-{os.getpid()}"
    shutil.rmtree(inside, ignore_errors=True)
    shutil.copytree(tree, inside)
    try:
        run = [*python, *args, "-d", "/var/task", f"/tmp/{inside.name}"]
        subprocess.run(run, check=True)  # noqa: S603
        shutil.rmtree(tree)
        shutil.copytree(inside, tree)
    finally:
        shutil.rmtree(inside, ignore_errors=True)


def compile_zip(source: Path, target: Path, python: list[str] | None) -> dict[str, int]:
    """Copy a deployment zip adding __pycache__ bytecode for RUNTIME (Lambda's code directory
    is read-only, so without it every cold start compiles every module); without a `python`
    of that version, a copy without bytecode."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "task"
        with zipfile.ZipFile(source) as zf:
            zf.extractall(root)
        if python is not None:
            compile_tree(root, python)
        files = sorted(p for p in root.rglob("*") if p.is_file())
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            for path in files:
                info = zipfile.ZipInfo(str(path.relative_to(root)), date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes())
    return zip_sizes(target)


def zip_sizes(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        top: dict[str, int] = {}
        for info in infos:
            top[info.filename.split("/")[0]] = top.get(info.filename.split("/")[0], 0) + (
                info.file_size
            )
    largest = sorted(top.items(), key=lambda kv: -kv[1])[:12]
    return {
        "zipped_bytes": path.stat().st_size,
        "unzipped_bytes": sum(i.file_size for i in infos),
        "files": len(infos),
        "largest": {k: v for k, v in largest},
    }


def worker_context(target: Path) -> None:
    """The worker image's Docker build context: Dockerfile, pinned requirements, the code."""
    import chalice

    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    dockerfile = (INFRA / "worker" / "Dockerfile").read_text(encoding="utf-8")
    (target / "Dockerfile").write_text(
        dockerfile.replace("@CHALICE_VERSION@", chalice.__version__), encoding="utf-8"
    )
    for name in (
        "requirements.txt",
        "requirements-ocr.txt",
        "requirements-ocr-nodeps.txt",
        "app.py",
    ):
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(
        ROOT / "chalicelib",
        target / "chalicelib",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )


def worker_platforms() -> list[str]:
    """pip platform tags for the image's OS (Debian 12, glibc 2.36), x86_64."""
    return ["manylinux2014_x86_64"] + [f"manylinux_2_{m}_x86_64" for m in range(17, 37)]


def measure_worker(context: Path) -> dict[str, Any]:
    """Install the image's Python packages as the Dockerfile does (for its OS) and measure."""
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        base = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-compile",
            "--only-binary=:all:",
            "--python-version",
            f"{RUNTIME[0]}.{RUNTIME[1]}",
            "--implementation",
            "cp",
            "--target",
            str(site),
        ]
        for platform in worker_platforms():
            base += ["--platform", platform]
        run = subprocess.run  # noqa: S603 - fixed arguments
        run(
            base
            + [
                "-r",
                str(context / "requirements.txt"),
                "-r",
                str(context / "requirements-ocr.txt"),
                awslambdaric(),
            ],
            check=True,
        )
        nodeps = ["--no-deps", "--ignore-requires-python"]  # as the Dockerfile (rapidocr)
        run(base + nodeps + ["-r", str(context / "requirements-ocr-nodeps.txt")], check=True)
        sizes: dict[str, int] = {}
        for entry in site.iterdir():
            files = [entry] if entry.is_file() else [p for p in entry.rglob("*") if p.is_file()]
            sizes[entry.name] = sum(p.stat().st_size for p in files)
    largest = sorted(sizes.items(), key=lambda kv: -kv[1])[:12]
    return {"site_packages_bytes": sum(sizes.values()), "largest": dict(largest)}


def awslambdaric() -> str:
    for line in (INFRA / "worker" / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if "awslambdaric==" in line:
            return "awslambdaric==" + line.split("awslambdaric==", 1)[1].split()[0]
    raise PackageError("infra/worker/Dockerfile pins no awslambdaric")


def console_build(folder: Path | None = None) -> list[str]:
    """The console's built files (manifest.json and the files it names), or PackageError: the
    API would answer /console with 503 without them."""
    from chalicelib.console.assets import AssetsMissing, read_manifest

    try:
        names = sorted(read_manifest(folder or CONSOLE_ASSETS).values())
    except AssetsMissing as exc:
        raise PackageError(str(exc)) from None
    return ["manifest.json", *names]


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def console_build_in_zip(path: Path) -> None:
    """Chalice zips chalicelib as it is; make sure the console's build went in with it."""
    folder = CONSOLE_ASSETS
    inside = folder.relative_to(ROOT).as_posix()
    with zipfile.ZipFile(path) as zf:
        zipped = set(zf.namelist())
    missing = [n for n in console_build(folder) if f"{inside}/{n}" not in zipped]
    if missing:
        raise PackageError(f"{path.name} lacks the console's build ({missing}) under {inside}")


def write_template(template: dict[str, Any], path: Path) -> None:
    class Dumper(yaml.SafeDumper):
        pass

    def no_aliases(self: Any, data: Any) -> bool:
        return True

    Dumper.ignore_aliases = no_aliases  # type: ignore[method-assign]
    header = (
        "# Generated by `make package` (infra/package.py) from Chalice's template,\n"
        "# infra/resources.yaml and infra/functions.yaml. Do not edit; see docs/deploy.md.\n"
    )
    body = yaml.dump(template, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(header + body, encoding="utf-8")


def package(stage: str, out: Path, fast: bool = False, measure: bool = False) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    chalice_dir = out / "chalice"
    if chalice_dir.exists():
        shutil.rmtree(chalice_dir)
    if not fast:
        console_build()  # before the slow part: the API's page needs it
    chalice = chalice_template(stage, chalice_dir, fast)
    resources = load_yaml(INFRA / "resources.yaml")
    network = load_yaml(INFRA / "network.yaml")
    assets = load_yaml(INFRA / "console-assets.yaml")
    overlay = load_yaml(INFRA / "functions.yaml")
    template = merge(chalice, resources, overlay, stage, network, assets)
    report: dict[str, Any] = {"stage": stage, "runtime": RUNTIME_NAME}
    if not fast:
        console_build_in_zip(chalice_dir / "deployment.zip")
        python = runtime_python()
        report["bytecode_by"] = " ".join(python) if python else None
        report["api_package"] = compile_zip(
            chalice_dir / "deployment.zip", out / "deployment.zip", python
        )
        report["api_package_without_bytecode"] = zip_sizes(chalice_dir / "deployment.zip")
        worker_context(out / "worker")
        if measure:
            report["worker_python_packages"] = measure_worker(out / "worker")
        (out / "sizes.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    write_template(template, out / "template.yaml")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.package",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--stage", default="dev", choices=["dev", "prod", "local"])
    parser.add_argument("--out", type=Path, default=INFRA / "out")
    parser.add_argument("--fast", action="store_true", help="the template only, no artefacts")
    parser.add_argument("--measure", action="store_true", help="measure the worker's packages")
    args = parser.parse_args(argv)
    try:
        report = package(args.stage, args.out, fast=args.fast, measure=args.measure)
    except PackageError as exc:
        print(f"package: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.out / 'template.yaml'}")
    if "api_package" in report:
        if report["bytecode_by"] is None:
            print(
                f"API package WITHOUT bytecode: no {RUNTIME_NAME} here (set "
                f"{RUNTIME_PYTHON_ENV}, or make one with tests/py313.sh); each cold start "
                "compiles the modules (docs/deploy.md, Bytecode)",
                file=sys.stderr,
            )
        api = report["api_package"]
        print(
            f"API package: {api['zipped_bytes'] / 1e6:.1f} MB zipped, "
            f"{api['unzipped_bytes'] / 1e6:.1f} MB unzipped (limit 250 MB)"
        )
    if "worker_python_packages" in report:
        size = report["worker_python_packages"]["site_packages_bytes"]
        print(f"worker image Python packages: {size / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
