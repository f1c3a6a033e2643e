"""`sam local invoke`, without the container: run one function of the packaged template.

    python -m infra.invoke APIHandler -e events/wechat-get-verify.json
        [-t infra/out/template.yaml] [--env-vars env.json] [--parameter-overrides K=V ...]
        [--devstack [.devstack/stack.json]] [--record-calls]

Like SAM it reads the template, takes the function's handler (Handler, or ImageConfig.Command
for the worker's image) and its Environment, resolves the values CloudFormation would fill in
(parameters, names and ARNs of the tables, queues and bucket), applies --env-vars (SAM's format:
{"<Function>": {...}, "Parameters": {...}}; like SAM only variables the template declares can be
overridden, and naming one it does not is an error here), then runs the handler in a fresh
Python process with exactly that environment - plus AWS_ENDPOINT_URL and credentials from this
shell, which is how a local AWS (the devstack's moto server) stands in for AWS - and prints
the result as JSON. --record-calls adds every AWS call it made and which of them the function's
role would refuse in AWS.

--devstack runs the function against the running `claimbot dev` (what it wrote about itself in
.devstack/stack.json, in the folder it was started from): its local AWS (AWS_ENDPOINT_URL and
throwaway credentials), its tables, queues and bucket in place of the template's names (Ref,
GetAtt and the variables made of them, CLAIMBOT_RESOURCE_PREFIX; these win over --env-vars),
its WeChat and WeCom emulators as the API bases, and its app id, corp id, agent id and public
URL as the parameters not given by --parameter-overrides. `claimbot dev` keeps its secrets in
the local SSM under the dev stage's path, so the template must be dev's (`make package
STAGE=dev`).

Not emulated: the Lambda runtime API, memory and time limits, the image's operating system
(the worker runs with this machine's packages, which are the image's pins).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = ROOT / "infra" / "out" / "template.yaml"
LOCAL_ACCOUNT = "123456789012"
# What a Lambda process gets from this shell: only what reaches the local AWS, and the basics.
PASSED_THROUGH = (
    "PATH",
    "HOME",
    "LANG",
    "TZ",
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "NO_PROXY",
    "no_proxy",
)


class InvokeError(Exception):
    """The template cannot be invoked as asked; the message says why."""


def load_template(path: Path) -> dict[str, Any]:
    from devstack.infra import load_template as load

    return load(path)


# --- resolving CloudFormation values ---------------------------------------------------------


class Values:
    """What CloudFormation would substitute, for a stack in `region`/`account`.

    Physical names come from the template itself (TableName, QueueName, ...), ARNs from AWS's
    formats; `attributes` overrides any of them with what a local AWS really made (e.g. the
    stream ARN, which carries a timestamp)."""

    def __init__(
        self,
        template: dict[str, Any],
        parameters: dict[str, str] | None = None,
        region: str = "ap-east-1",
        account: str = LOCAL_ACCOUNT,
        attributes: dict[tuple[str, str], str] | None = None,
    ) -> None:
        self.template = template
        self.region, self.account = region, account
        from devstack.infra import partition_of

        self.partition, self.url_suffix = partition_of(region)
        self.pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::StackName": "claimbot",
            "AWS::NoValue": None,
        }
        self.parameters: dict[str, str] = {}
        for name, spec in (template.get("Parameters") or {}).items():
            if "Default" in spec:
                self.parameters[name] = str(spec["Default"])
        self.parameters.update(parameters or {})
        self.overrides = dict(attributes or {})

    @classmethod
    def local(
        cls, template: dict[str, Any], region: str = "ap-east-1", **parameters: str
    ) -> Values:
        """For reading policies: throwaway values for the parameters without a default."""
        filler = {
            name: "x"
            for name, spec in (template.get("Parameters") or {}).items()
            if "Default" not in spec
        }
        return cls(template, {**filler, **parameters}, region=region)

    def missing_parameters(self) -> list[str]:
        return sorted(set(self.template.get("Parameters") or {}) - set(self.parameters))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                logical, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.attribute(logical, attribute)
            if key == "Fn::Sub":
                text, names = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                local = {k: self.resolve(v) for k, v in names.items()}
                return re.sub(r"\$\{([^}!]+)\}", lambda m: self._sub(m.group(1), local), text)
            if key == "Fn::Join":
                return arg[0].join(str(self.resolve(v)) for v in self.resolve(arg[1]))
            if key == "Fn::Select":
                return self.resolve(arg[1])[int(self.resolve(arg[0]))]
            if key == "Fn::Split":
                return str(self.resolve(arg[1])).split(arg[0])
            if key == "Fn::If":
                name, yes, no = arg
                return self.resolve(yes if self.condition(name) else no)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [v for v in (self.resolve(x) for x in value) if v is not None]
        return value

    def condition(self, name: str) -> bool:
        return self._truth(self.template["Conditions"][name])

    def _truth(self, expression: Any) -> bool:
        from infra.conditions import UnknownFunction, truth

        try:
            return truth(expression, self.resolve, self.condition)
        except UnknownFunction as exc:
            raise InvokeError(f"cannot evaluate condition function {exc.args[0]}") from exc

    def _sub(self, name: str, local: dict[str, Any]) -> str:
        if name in local:
            return str(local[name])
        if "." in name:
            logical, attribute = name.split(".", 1)
            return str(self.attribute(logical, attribute))
        return str(self.ref(name))

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in (self.template.get("Parameters") or {}):
            raise InvokeError(f"parameter {name} has no value: pass --parameter-overrides {name}=")
        return self.attribute(name, "Ref")

    def attribute(self, logical: str, attribute: str) -> Any:
        if (logical, attribute) in self.overrides:
            return self.overrides[(logical, attribute)]
        resource = (self.template.get("Resources") or {}).get(logical)
        if resource is None:
            raise InvokeError(f"the template has no resource {logical}")
        kind, props = resource["Type"], resource.get("Properties") or {}
        arn = f"arn:{self.partition}:{{}}:{self.region}:{self.account}:{{}}"
        if kind == "AWS::DynamoDB::Table":
            name = self.resolve(props["TableName"])
            table_arn = arn.format("dynamodb", f"table/{name}")
            return {"Ref": name, "Arn": table_arn, "StreamArn": f"{table_arn}/stream/local"}[
                attribute
            ]
        if kind == "AWS::SQS::Queue":
            name = self.resolve(props["QueueName"])
            url = f"https://sqs.{self.region}.{self.url_suffix}/{self.account}/{name}"
            return {"Ref": url, "QueueUrl": url, "QueueName": name, "Arn": arn.format("sqs", name)}[
                attribute
            ]
        if kind == "AWS::S3::Bucket":
            name = self.resolve(props["BucketName"])
            return {"Ref": name, "Arn": f"arn:{self.partition}:s3:::{name}"}[attribute]
        if kind == "AWS::Serverless::Function":
            name = self.resolve(props.get("FunctionName", logical))
            return {"Ref": name, "Arn": arn.format("lambda", f"function:{name}")}[attribute]
        if kind == "AWS::IAM::Role":
            return f"arn:{self.partition}:iam::{self.account}:role/{logical}"
        if kind == "AWS::SNS::Topic":
            return arn.format("sns", self.resolve(props.get("TopicName", logical)))
        if kind == "AWS::Cognito::UserPool" and attribute == "Ref":
            return f"{self.region}_{logical}"
        if kind == "AWS::Cognito::UserPoolDomain" and attribute == "Ref":
            return self.resolve(props["Domain"])  # the domain prefix
        if kind == "AWS::CloudFront::Distribution" and attribute == "DomainName":
            tld = "cn" if self.partition == "aws-cn" else "net"
            return f"{logical.lower()}.cloudfront.{tld}"  # d1234abcd.cloudfront.net in AWS
        if attribute == "Ref":
            return logical.lower()  # what the rest only needs: a stable id
        raise InvokeError(f"cannot resolve {logical}.{attribute} ({kind}) locally")


# --- what to run -------------------------------------------------------------------------------


def function_resource(template: dict[str, Any], logical: str) -> dict[str, Any]:
    resource = (template.get("Resources") or {}).get(logical)
    if resource is None or resource["Type"] != "AWS::Serverless::Function":
        names = sorted(
            k for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"
        )
        raise InvokeError(f"no function {logical} in the template; it has {names}")
    return resource


def handler_of(template: dict[str, Any], logical: str) -> str:
    props = function_resource(template, logical)["Properties"]
    if props.get("PackageType") == "Image":
        command = (props.get("ImageConfig") or {}).get("Command") or []
        if len(command) != 1:
            raise InvokeError(f"{logical}: its image's Command should be one handler: {command}")
        return command[0]
    return props["Handler"]


def environment_of(
    template: dict[str, Any],
    logical: str,
    values: Values,
    env_vars: dict[str, dict[str, str]] | None = None,
) -> dict[str, str]:
    """The function's variables as CloudFormation sets them, then --env-vars as SAM does."""
    props = function_resource(template, logical)["Properties"]
    declared = (props.get("Environment") or {}).get("Variables") or {}
    env = {name: str(values.resolve(value)) for name, value in declared.items()}
    for scope in ("Parameters", logical):
        for name, value in ((env_vars or {}).get(scope) or {}).items():
            if name not in declared:
                raise InvokeError(
                    f"--env-vars sets {name} for {logical}, which its template does not declare "
                    "(SAM would ignore it)"
                )
            env[name] = str(value)
    return env


def role_statements(template: dict[str, Any], logical: str, values: Values) -> list[dict]:
    """The function role's inline policy statements, resolved."""
    role = function_resource(template, logical)["Properties"].get("Role")
    if not (isinstance(role, dict) and "Fn::GetAtt" in role):
        raise InvokeError(f"{logical}: its Role is not a role of this template: {role!r}")
    resource = template["Resources"][role["Fn::GetAtt"][0]]
    statements: list[dict] = []
    for policy in resource["Properties"].get("Policies") or []:
        statements.extend(values.resolve(policy["PolicyDocument"]["Statement"]))
    return statements


def invoke(
    template: dict[str, Any],
    logical: str,
    event: dict[str, Any],
    values: Values,
    env_vars: dict[str, dict[str, str]] | None = None,
    code_dir: Path = ROOT,
    record_calls: bool = False,
    timeout_s: float | None = None,
    over: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run the function once in a fresh process; returns {"result"|"error", "logs", ...}.

    `over`: variables set last, over the template's and env_vars' (the devstack's places)."""
    missing = values.missing_parameters()
    if missing:
        raise InvokeError(f"parameters without a value: {missing} (--parameter-overrides)")
    props = function_resource(template, logical)["Properties"]
    handler = handler_of(template, logical)
    env = {k: os.environ[k] for k in PASSED_THROUGH if k in os.environ}
    function_name = str(values.resolve(props.get("FunctionName", logical)))
    env.update(
        {
            "AWS_REGION": values.region,
            "AWS_DEFAULT_REGION": values.region,
            "AWS_LAMBDA_FUNCTION_NAME": function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(props.get("MemorySize", 128)),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "LAMBDA_TASK_ROOT": str(code_dir),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.update(environment_of(template, logical, values, env_vars))
    env.update(over or {})
    timeout = float(timeout_s or props.get("Timeout", 3))
    with tempfile.TemporaryDirectory() as tmp:
        event_file = Path(tmp) / "event.json"
        event_file.write_text(json.dumps(event, ensure_ascii=False), encoding="utf-8")
        command = [sys.executable, "-m", "infra.invoke", "--child", handler, str(event_file)]
        command += ["--function-name", function_name, "--timeout", str(timeout)]
        if record_calls:
            command.append("--record-calls")
        child_env = {**env, "PYTHONPATH": os.pathsep.join([str(code_dir), str(ROOT)])}
        started = time.monotonic()
        proc = subprocess.run(  # noqa: S603 - our own module
            command,
            cwd=code_dir,
            env=child_env,
            capture_output=True,
            text=True,
            timeout=timeout + 60,  # imports and a cold start on top of the function's timeout
        )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise InvokeError(
            f"{logical} ({handler}) crashed (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
        )
    outcome = json.loads(lines[-1])
    # Chalice's app logger (the app's JSON events) writes to stdout, the rest to stderr.
    outcome["logs"] = "\n".join(lines[:-1]) + "\n" + proc.stderr
    outcome["duration_s"] = round(time.monotonic() - started, 3)
    outcome["environment"] = env
    if record_calls:
        from infra.iam import Call, denied

        calls = [Call(c["action"], c["resource"]) for c in outcome["calls"]]
        refused = denied(calls, role_statements(template, logical, values))
        outcome["refused"] = [c.to_json() for c in refused]
    return outcome


# --- against a running `claimbot dev` (--devstack) ----------------------------------------------

DEVSTACK_STATE = Path(".devstack") / "stack.json"  # where `claimbot dev` writes it (its cwd)
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
STATE_KEYS = ("urls", "region", "resource_prefix", "resources", "attributes", "ssm_path",
              "app_id", "wecom_corp_id", "wecom_agent_id", "claim_status_template")  # fmt: skip


def read_devstack(path: Path) -> dict[str, Any]:
    """What a running `claimbot dev` wrote about itself (devstack/stack.py, _write_state)."""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvokeError(
            f"no running `claimbot dev` here: {path} does not exist (start `make run` in this "
            "folder, or pass --devstack PATH/.devstack/stack.json)"
        ) from None
    except ValueError as exc:
        raise InvokeError(f"{path} is not what `claimbot dev` writes: {exc}") from None
    missing = set(STATE_KEYS) - set(state)
    if missing:
        raise InvokeError(f"{path} lacks {sorted(missing)}: restart `claimbot dev`")
    return state


def devstack_parameters(state: dict[str, Any]) -> dict[str, str]:
    """The template's parameters as the running stack has them (--parameter-overrides win)."""
    return {
        "WeChatAppId": state["app_id"],
        "WeComCorpId": state["wecom_corp_id"],
        "WeComAgentId": str(state["wecom_agent_id"]),
        "ClaimStatusTemplateId": state["claim_status_template"],
        "PublicUrl": state["urls"]["webhook"].rsplit("/wechat", 1)[0],
        "ConsoleAuthDomain": "claimbot-local",
    }


def devstack_attributes(template: dict[str, Any], state: dict[str, Any]) -> dict[tuple, str]:
    """Ref and GetAtt of every resource the stack created: its names and ARNs, not the
    template's (the stack's stage is `local`, its stream ARNs carry a timestamp)."""
    attributes = {tuple(k.split(".", 1)): v for k, v in state["attributes"].items()}
    resources = template.get("Resources") or {}
    for logical, name in state["resources"].items():
        queue = (resources.get(logical) or {}).get("Type") == "AWS::SQS::Queue"
        attributes[(logical, "Ref")] = attributes[(logical, "QueueUrl")] if queue else name
    return attributes


def devstack_environment(
    template: dict[str, Any], logical: str, values: Values, state: dict[str, Any]
) -> dict[str, str]:
    """The function's variables that say where things are, as the running stack has them."""
    declared = (function_resource(template, logical)["Properties"].get("Environment") or {}).get(
        "Variables"
    ) or {}
    ssm_path = declared.get("WECHAT_SSM_PATH")
    if ssm_path is not None and str(values.resolve(ssm_path)) != state["ssm_path"]:
        raise InvokeError(
            f"{logical} reads its secrets from SSM under {values.resolve(ssm_path)}; the running "
            f"`claimbot dev` keeps them under {state['ssm_path']}: invoke the dev stage's "
            "template (make package STAGE=dev)"
        )
    places = {
        "CLAIMBOT_RESOURCE_PREFIX": state["resource_prefix"],
        "WECHAT_API_BASE": state["urls"]["wechat-emulator"],
        "WECOM_API_BASE": state["urls"]["wecom-emulator"],
    }
    created = set(state["resources"])
    env = {}
    for name, value in declared.items():
        if name in places:
            env[name] = places[name]
        elif _refers_to(value, created):
            env[name] = str(values.resolve(value))
    return env


def _refers_to(value: Any, logicals: set[str]) -> bool:
    """Does this CloudFormation value use (Ref, GetAtt, Sub) any of these resources?"""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"] in logicals
        if "Fn::GetAtt" in value:
            arg = value["Fn::GetAtt"]
            return (arg[0] if isinstance(arg, list) else arg.split(".", 1)[0]) in logicals
        if "Fn::Sub" in value:
            arg = value["Fn::Sub"]
            text, names = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            used = {m.split(".", 1)[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
            return bool((used - set(names)) & logicals) or _refers_to(names, logicals)
        return any(_refers_to(v, logicals) for v in value.values())
    if isinstance(value, list):
        return any(_refers_to(v, logicals) for v in value)
    return False


# --- the child: one Lambda instance, one invocation ----------------------------------------------


class LambdaContext:
    def __init__(self, function_name: str, timeout_s: float) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.aws_request_id = str(uuid.uuid4())
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.invoked_function_arn = f"arn:aws:lambda:local:{LOCAL_ACCOUNT}:function:{function_name}"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _child(handler: str, event_file: Path, function_name: str, timeout_s: float, record: bool):
    import importlib
    import logging

    # The Lambda runtime logs INFO and above; here they go to stderr, the result to stdout.
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(message)s")
    recorder = None
    if record:
        from infra.iam import Context, recording

        manager = recording(Context(os.environ["AWS_REGION"], LOCAL_ACCOUNT))
        recorder = manager.__enter__()
    module_name, _, attribute = handler.rpartition(".")
    outcome: dict[str, Any]
    try:
        module = importlib.import_module(module_name)
        function = getattr(module, attribute)
    except (ImportError, AttributeError) as exc:
        outcome = {"error": {"errorType": "Runtime.HandlerNotFound", "errorMessage": str(exc)}}
    else:
        event = json.loads(event_file.read_text(encoding="utf-8"))
        try:
            result = function(event, LambdaContext(function_name, timeout_s))
            outcome = {"result": result}
        except Exception as exc:  # what Lambda reports as the invocation's error
            logging.getLogger("infra.invoke").exception("handler raised")
            outcome = {"error": {"errorType": type(exc).__name__, "errorMessage": str(exc)}}
    if recorder is not None:
        outcome["calls"] = [c.to_json() for _, c in recorder.calls]
    print(json.dumps(outcome, ensure_ascii=False, default=str))


def _pairs(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--parameter-overrides wants Key=Value, got {item!r}")
        out[key] = value
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        parser = argparse.ArgumentParser(prog="infra.invoke --child")
        parser.add_argument("handler")
        parser.add_argument("event", type=Path)
        parser.add_argument("--function-name", default="local")
        parser.add_argument("--timeout", type=float, default=3.0)
        parser.add_argument("--record-calls", action="store_true")
        args = parser.parse_args(argv[1:])
        _child(args.handler, args.event, args.function_name, args.timeout, args.record_calls)
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m infra.invoke",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("function", help="logical id, e.g. APIHandler, OnJob")
    parser.add_argument("-e", "--event", type=Path, required=True)
    parser.add_argument("-t", "--template", type=Path, default=DEFAULT_TEMPLATE)
    parser.add_argument("--env-vars", type=Path)
    parser.add_argument("--parameter-overrides", nargs="*", default=[])
    parser.add_argument("--region", help="default: the devstack's, AWS_REGION, ap-east-1")
    parser.add_argument("--record-calls", action="store_true")
    parser.add_argument(
        "--devstack",
        type=Path,
        nargs="?",
        const=DEVSTACK_STATE,
        metavar="STATE",
        help=f"run against the running `claimbot dev` (default: {DEVSTACK_STATE})",
    )
    args = parser.parse_args(argv)
    template = load_template(args.template)
    env_vars = json.loads(args.env_vars.read_text(encoding="utf-8")) if args.env_vars else None
    event = json.loads(args.event.read_text(encoding="utf-8"))
    parameters = _pairs(args.parameter_overrides)
    try:
        if args.devstack:
            state = read_devstack(args.devstack)
            region = args.region or state["region"]
            values = Values(
                template,
                {**devstack_parameters(state), **parameters},
                region=region,
                attributes=devstack_attributes(template, state),
            )
            over = devstack_environment(template, args.function, values, state)
            os.environ.pop("AWS_SESSION_TOKEN", None)
            os.environ.update({**LOCAL_CREDENTIALS, "AWS_ENDPOINT_URL": state["urls"]["aws"]})
        else:
            region = args.region or os.environ.get("AWS_REGION", "ap-east-1")
            values, over = Values(template, parameters, region=region), None
        outcome = invoke(
            template,
            args.function,
            event,
            values,
            env_vars,
            record_calls=args.record_calls,
            over=over,
        )
    except InvokeError as exc:
        print(f"invoke: {exc}", file=sys.stderr)
        return 1
    sys.stderr.write(outcome.pop("logs"))
    outcome.pop("environment")
    print(json.dumps(outcome, ensure_ascii=False, indent=2, default=str))
    return 1 if "error" in outcome or outcome.get("refused") else 0


if __name__ == "__main__":
    sys.exit(main())
