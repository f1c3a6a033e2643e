"""The packaged template (infra/package.py) for a mainland deployment: partition-agnostic, the
functions that call WeChat or WeCom in the VPC of the fixed egress address, the API behind a
published alias with SnapStart where the region has it, python3.13, Cognito only where it
exists. cfn-lint checks the same template for ap-east-1, cn-north-1 and cn-northwest-1
(`make template-lint`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from infra.invoke import Values
from tests.deploy.test_sam_invoke import _package as package_template

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("dev", "prod")
CALLERS = {"APIHandler", "OnJob", "OnOutbox", "Watchdog"}  # WeChat and WeCom's callers


def _package(stage: str, out: Path) -> dict:
    template = package_template(stage, out)  # test_sam_invoke's: infra.package, as make does
    return {"text": (out / "template.yaml").read_text(encoding="utf-8"), "template": template}


@pytest.fixture(scope="module")
def packaged(tmp_path_factory):
    return {stage: _package(stage, tmp_path_factory.mktemp(stage)) for stage in STAGES}


def _functions(template: dict) -> dict:
    return {k: v for k, v in template["Resources"].items()
            if v["Type"] == "AWS::Serverless::Function"}  # fmt: skip


def _strings(value, path=()):
    """Every string in the template with where it is."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, path)
    elif isinstance(value, str):
        yield path, value


def _is_service_principal(path: tuple) -> bool:
    """IAM service principals are <service>.amazonaws.com in every partition (China too:
    lambda.amazonaws.com.cn is refused), so they are the one place the literal belongs."""
    return path[-2:] == ("Principal", "Service") or (
        len(path) >= 2 and path[-1] == "Principal" and path[-2] == "Properties"
    )


# --- region and partition ----------------------------------------------------------------------


@pytest.mark.parametrize("stage", STAGES)
def test_no_literal_partition_or_endpoint_domain(packaged, stage):
    text, template = packaged[stage]["text"], packaged[stage]["template"]
    assert "arn:aws:" not in text, "write arn:${AWS::Partition}:..."
    literal = sorted(
        "/".join(map(str, path))
        for path, value in _strings(template)
        if "amazonaws.com" in value and not _is_service_principal(path)
    )
    assert literal == [], "write ${AWS::URLSuffix} (amazonaws.com.cn in China)"


def test_the_service_principals_exception_is_narrow(packaged):
    template = packaged["prod"]["template"]
    principals = {v for p, v in _strings(template) if _is_service_principal(p)}
    assert principals == {"lambda.amazonaws.com", "apigateway.amazonaws.com"}


@pytest.mark.parametrize(
    ("region", "sign_in", "cognito"),
    [("ap-east-1", "cognito", True), ("ap-east-1", "wecom", False), ("ap-east-1", "oidc", False),
     ("cn-north-1", "cognito", False), ("cn-northwest-1", "cognito", False)],
)
def test_cognito_exists_only_where_chosen_and_available(packaged, region, sign_in, cognito):
    template = packaged["prod"]["template"]
    pool_resources = {k for k, v in template["Resources"].items()
                      if v["Type"].startswith("AWS::Cognito::")}  # fmt: skip
    assert len(pool_resources) == 7
    assert {template["Resources"][k]["Condition"] for k in pool_resources} == {"UseCognito"}
    values = Values(template, {"ConsoleSignIn": sign_in}, region=region)
    assert values.condition("UseCognito") is cognito


def test_the_default_sign_in_is_wecom_with_a_staff_table(packaged):
    template = packaged["prod"]["template"]
    assert template["Parameters"]["ConsoleSignIn"]["Default"] == "wecom"
    env = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["CONSOLE_SIGN_IN"] == {"Ref": "ConsoleSignIn"}
    staff = template["Resources"]["StaffTable"]["Properties"]
    assert staff["KeySchema"] == [{"AttributeName": "userid", "KeyType": "HASH"}]
    assert staff["TableName"] == {"Fn::Sub": "claimbot-${Stage}-staff"}


# --- fixed egress ------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", STAGES)
def test_the_functions_that_call_wechat_or_wecom_run_in_the_vpc(packaged, stage):
    template = packaged[stage]["template"]
    in_vpc = set()
    for logical, function in _functions(template).items():
        vpc = function["Properties"].get("VpcConfig")
        if vpc is None:
            continue
        in_vpc.add(logical)
        condition, config, otherwise = vpc["Fn::If"]
        assert (condition, otherwise) == ("HasFixedEgress", {"Ref": "AWS::NoValue"})
        assert config == {
            "SecurityGroupIds": [{"Ref": "FunctionSecurityGroup"}],
            "SubnetIds": [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}],
        }
        role = template["Resources"][f"{logical}Role"]["Properties"]
        assert role["ManagedPolicyArns"]["Fn::If"][1] == [{"Fn::Sub": (
            "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")}]
    assert in_vpc == CALLERS  # the notifier only queues; it calls neither


def test_the_private_subnets_are_in_two_zones(packaged):
    resources = packaged["prod"]["template"]["Resources"]
    zones = [resources[f"PrivateSubnet{x}"]["Properties"]["AvailabilityZone"] for x in "AB"]
    assert zones == [{"Fn::Select": [i, {"Fn::GetAZs": ""}]} for i in (0, 1)]


def test_aws_traffic_stays_off_the_nat(packaged):
    resources = packaged["prod"]["template"]["Resources"]
    endpoints = {}
    for res in resources.values():
        if res["Type"] == "AWS::EC2::VPCEndpoint":
            props = res["Properties"]
            name = json.dumps(props["ServiceName"])
            service = name.rsplit(".", 1)[-1].strip('"]}')
            endpoints[service] = props
    assert set(endpoints) == {"dynamodb", "s3", "sqs", "ssm"}
    for service in ("dynamodb", "s3"):
        assert endpoints[service]["VpcEndpointType"] == "Gateway"
        assert endpoints[service]["RouteTableIds"] == [
            {"Ref": "PrivateRouteTableA"}, {"Ref": "PrivateRouteTableB"}]
    for service in ("sqs", "ssm"):
        assert endpoints[service]["VpcEndpointType"] == "Interface"
        assert endpoints[service]["PrivateDnsEnabled"] is True
    # China names SQS's endpoint service cn.com.amazonaws.<region>.sqs
    assert endpoints["sqs"]["ServiceName"]["Fn::If"][0] == "InChina"


def test_internet_traffic_leaves_through_the_nat_whose_address_is_an_output(packaged):
    template = packaged["prod"]["template"]
    resources = template["Resources"]
    for table in ("PrivateDefaultRouteA", "PrivateDefaultRouteB"):
        assert resources[table]["Properties"]["DestinationCidrBlock"] == "0.0.0.0/0"
        assert "NatGatewayId" in resources[table]["Properties"]
    nat = resources["NatGatewayA"]["Properties"]
    assert nat["AllocationId"] == {"Fn::GetAtt": ["NatAddressA", "AllocationId"]}
    assert resources["NatAddressA"]["DeletionPolicy"] == "Retain"  # it is whitelisted
    assert template["Outputs"]["EgressAddress"]["Value"]["Fn::If"][2] == {"Ref": "NatAddressA"}
    egress = resources["FunctionSecurityGroup"]["Properties"]["SecurityGroupEgress"]
    assert [(r["FromPort"], r["ToPort"]) for r in egress] == [(443, 443)]


def test_prod_has_the_fixed_egress_by_default_and_dev_not(packaged):
    defaults = {s: packaged[s]["template"]["Parameters"]["FixedEgress"]["Default"] for s in STAGES}
    assert defaults == {"dev": "false", "prod": "true"}


def test_a_function_using_the_tokens_outside_the_vpc_is_refused(tmp_path):
    script = """
import copy, sys
from pathlib import Path
from infra import package as p
chalice = p.chalice_template("dev", Path(sys.argv[1]), fast=True)
overlay = p.load_yaml(p.INFRA / "functions.yaml")
del overlay["Functions"]["OnOutbox"]["FixedEgress"]
try:
    p.merge(chalice, p.load_yaml(p.INFRA / "resources.yaml"), overlay, "dev",
            p.load_yaml(p.INFRA / "network.yaml"), p.load_yaml(p.INFRA / "console-assets.yaml"))
except p.PackageError as exc:
    print(exc)
"""
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "OnOutbox may use the WeChat/WeCom access tokens" in proc.stdout


# --- runtime, alias, SnapStart -----------------------------------------------------------------


def test_zip_functions_run_python313_and_the_worker_image_too(packaged):
    template = packaged["prod"]["template"]
    runtimes = {k: v["Properties"].get("Runtime") for k, v in _functions(template).items()}
    assert runtimes.pop("OnJob") is None  # an image
    assert set(runtimes.values()) == {"python3.13"}
    dockerfile = (ROOT / "infra" / "worker" / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM public.ecr.aws/docker/library/python:3.13-" in dockerfile


def test_the_api_calls_the_published_alias(packaged):
    template = packaged["prod"]["template"]
    api = template["Resources"]["APIHandler"]["Properties"]
    assert api["AutoPublishAlias"] == "live"
    body = json.dumps(template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"])
    assert "${APIHandler.Arn}" not in body and body.count("${APIHandlerAliaslive}") > 5
    permission = template["Resources"]["APIHandlerInvokePermission"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "APIHandlerAliaslive"}


@pytest.mark.parametrize(
    ("region", "snapstart"),
    [("ap-east-1", True), ("eu-west-1", True), ("cn-north-1", False), ("cn-northwest-1", False),
     ("ap-southeast-6", False), ("ap-east-2", False)],
)
def test_snapstart_only_where_the_region_offers_it_for_python(packaged, region, snapstart):
    template = packaged["prod"]["template"]
    api = template["Resources"]["APIHandler"]["Properties"]
    assert api["SnapStart"] == {"Fn::If": ["UseSnapStart", {"ApplyOn": "PublishedVersions"},
                                           {"Ref": "AWS::NoValue"}]}  # fmt: skip
    assert Values(template, {}, region=region).condition("UseSnapStart") is snapstart
    others = {k for k, v in _functions(template).items() if "SnapStart" in v["Properties"]}
    assert others == {"APIHandler"}


@pytest.mark.parametrize("region", ["ap-east-1", "cn-north-1"])
def test_the_roles_allow_the_calls_of_their_own_partition_only(packaged, region):
    from infra.iam import Call, Context, allowed
    from infra.invoke import role_statements

    template = packaged["prod"]["template"]
    statements = role_statements(template, "OnOutbox", Values.local(template, region=region))
    here = Context(region, "123456789012")
    elsewhere = Context(region, "123456789012", "aws" if here.partition == "aws-cn" else "aws-cn")
    assert here.partition == ("aws-cn" if region.startswith("cn-") else "aws")
    for ctx, expected in ((here, True), (elsewhere, False)):
        call = Call("sqs:ReceiveMessage", ctx.arn("sqs", "claimbot-prod-outbox"))
        assert allowed(call, statements) is expected


def test_every_caller_of_wechat_counts_the_token_and_whitelist_events_for_their_alarms(packaged):
    """A forced refresh, a refused one and 40164 can happen in any function that fetches the
    access token: each of them has the metric filters, and one alarm watches each metric."""
    resources = packaged["prod"]["template"]["Resources"]
    callers = CALLERS
    for metric, event in (("TokenForced", "token.forced"),
                          ("TokenForceRefused", "token.force_refused"),
                          ("IpNotWhitelisted", "wechat.ip_not_whitelisted")):  # fmt: skip
        for logical in callers:
            metric_filter = resources[f"{logical}{metric}Metric"]["Properties"]
            assert metric_filter["FilterPattern"] == f'"{event}"'
            assert metric_filter["MetricTransformations"][0]["MetricName"] == metric
        alarms = [r for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"
                  and r["Properties"].get("MetricName") == metric]  # fmt: skip
        assert len(alarms) == 1


def test_retention_is_one_set_of_parameters_for_the_functions_and_the_bucket(packaged):
    template = packaged["prod"]["template"]
    params = template["Parameters"]
    assert params["RecordRetentionDays"]["MinValue"] == 1827  # Insurance Law Art. 87
    assert params["EvidenceRetentionDays"]["MinValue"] == 1827 + 366
    for logical in ("APIHandler", "OnJob"):
        env = template["Resources"][logical]["Properties"]["Environment"]["Variables"]
        assert env["RETENTION_CHAT_DAYS"] == {"Ref": "ChatRetentionDays"}
        assert env["RETENTION_AFTER_CONTRACT_DAYS"] == {"Ref": "RecordRetentionDays"}
        assert env["RETENTION_QUOTE_PHOTO_DAYS"] == {"Ref": "QuotePhotoRetentionDays"}
    rules = template["Resources"]["PhotosBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    expiring = {r["TagFilters"][0]["Value"]: r["ExpirationInDays"]
                for r in rules if "ExpirationInDays" in r}  # fmt: skip
    assert expiring == {"chat": {"Ref": "ChatRetentionDays"},
                        "quote": {"Ref": "QuotePhotoRetentionDays"},
                        "claim": {"Ref": "EvidenceRetentionDays"},
                        "sale": {"Ref": "EvidenceRetentionDays"}}  # fmt: skip
    assert all(len(r["TagFilters"]) == 1 and "Prefix" not in r
               for r in rules if "ExpirationInDays" in r)  # fmt: skip
    assert "HoldsTable" in template["Resources"]


def test_the_writers_of_photos_may_tag_them(packaged):
    template = packaged["prod"]["template"]

    def actions(role: str) -> set[str]:
        statements = template["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]
        return {a for s in statements["Statement"] for a in s["Action"]}

    roles = {logical: template["Resources"][logical]["Properties"]["Role"]["Fn::GetAtt"][0]
             for logical in ("APIHandler", "OnJob")}  # fmt: skip
    assert {"s3:PutObject", "s3:PutObjectTagging", "s3:GetObjectTagging"} <= actions(roles["OnJob"])
    assert {"s3:PutObjectTagging", "s3:GetObjectTagging"} <= actions(roles["APIHandler"])
