"""Create the resources of infra/resources.yaml on the local AWS emulator, exactly as written.

The CloudFormation template is the one source of truth: this reads it (short tags such as
!Sub, !GetAtt and !Ref included) and makes the same tables, queues and bucket through boto3.
What only matters in AWS (alarms, their topic, the console's Cognito user pool, the bucket's
TLS-only policy) is listed in AWS_ONLY and skipped; any other
type the devstack does not know stops it, so nothing in the template is silently left out.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "resources.yaml"
LOCAL_ACCOUNT_ID = "123456789012"  # moto's account
REGION_ENV = "CLAIMBOT_REGION"  # the devstack's region; moto serves the China regions as aws-cn
DEFAULT_REGION = "ap-east-1"


def local_region() -> str:
    """The region the devstack plays: CLAIMBOT_REGION (e.g. cn-north-1), else ap-east-1."""
    return os.environ.get(REGION_ENV) or DEFAULT_REGION


def partition_of(region: str) -> tuple[str, str]:
    """AWS::Partition and AWS::URLSuffix of a region (the China regions are aws-cn)."""
    return ("aws-cn", "amazonaws.com.cn") if region.startswith("cn-") else ("aws", "amazonaws.com")


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that turns CloudFormation short tags into their long form."""


def _tag(name: str):
    def construct(loader: yaml.Loader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "Fn::GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    return construct


for _short, _long in {
    "!Sub": "Fn::Sub",
    "!GetAtt": "Fn::GetAtt",
    "!Ref": "Ref",
    "!Join": "Fn::Join",
    "!If": "Fn::If",
    "!Equals": "Fn::Equals",
    "!Not": "Fn::Not",
    "!And": "Fn::And",
    "!Or": "Fn::Or",
    "!Select": "Fn::Select",
    "!Split": "Fn::Split",
    "!FindInMap": "Fn::FindInMap",
    "!Base64": "Fn::Base64",
    "!ImportValue": "Fn::ImportValue",
    "!GetAZs": "Fn::GetAZs",
    "!Condition": "Condition",
}.items():
    _CfnLoader.add_constructor(_short, _tag(_long))


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506


# Resource types that only matter in AWS: nothing local reads them (the console signs in with
# the dev sign-in, alarms watch AWS metrics).
AWS_ONLY = frozenset(
    {
        "AWS::CloudWatch::Alarm",
        "AWS::Logs::MetricFilter",
        "AWS::SNS::Topic",
        "AWS::SNS::Subscription",
        "AWS::S3::BucketPolicy",
        "AWS::Cognito::UserPool",
        "AWS::Cognito::UserPoolGroup",
        "AWS::Cognito::UserPoolClient",
        "AWS::Cognito::UserPoolDomain",
    }
)


class Resolver:
    """Resolves the intrinsic functions the template uses, for one stage and region."""

    def __init__(
        self,
        stage: str,
        region: str,
        account_id: str = LOCAL_ACCOUNT_ID,
        template: dict[str, Any] | None = None,
    ) -> None:
        partition, url_suffix = partition_of(region)
        self.values = {
            "Stage": stage,
            "AWS::Region": region,
            "AWS::AccountId": account_id,
            "AWS::Partition": partition,
            "AWS::URLSuffix": url_suffix,
        }
        template = template or {}
        for name, parameter in (template.get("Parameters") or {}).items():
            if name not in self.values and "Default" in parameter:
                self.values[name] = str(parameter["Default"])
        self.conditions = template.get("Conditions") or {}
        self.attributes: dict[tuple[str, str], str] = {}

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Fn::Sub":
                return re.sub(r"\$\{([^}]+)\}", lambda m: self._sub(m.group(1)), arg)
            if key == "Ref":
                return self._lookup(arg)
            if key == "Fn::GetAtt":
                return self.attributes[(arg[0], arg[1])]
            if key == "Fn::If":
                name, when_true, when_false = arg
                return self.resolve(when_true if self.condition(name) else when_false)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def condition(self, name: str) -> bool:
        return self._truth(self.conditions[name])

    def _truth(self, expression: Any) -> bool:
        from infra.conditions import UnknownFunction, truth

        try:
            return truth(expression, self.resolve, self.condition)
        except UnknownFunction as exc:
            raise KeyError(f"the devstack cannot evaluate condition {exc.args[0]}") from exc

    def _sub(self, name: str) -> str:
        if "." in name and name not in self.values:
            logical, attribute = name.split(".", 1)
            return self.attributes[(logical, attribute)]
        return self._lookup(name)

    def _lookup(self, name: str) -> str:
        if name in self.values:
            return self.values[name]
        raise KeyError(f"template refers to {name}, which the devstack cannot resolve")


def create_resources(session: Any, stage: str = "local", region: str = DEFAULT_REGION) -> dict:
    """Create every resource of the template; returns {logical id: physical name}."""
    return create_resources_with_attributes(session, stage, region)[0]


def create_resources_with_attributes(
    session: Any, stage: str = "local", region: str = DEFAULT_REGION
) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Like create_resources, also returning what !GetAtt gives: {(logical, attribute): value}."""
    template = load_template()
    resolver = Resolver(stage, region, template=template)
    created: dict[str, str] = {}
    for logical, resource in _creation_order(template["Resources"]):
        kind = resource["Type"]
        if kind in AWS_ONLY:
            continue
        if "Condition" in resource and not resolver.condition(resource["Condition"]):
            continue
        creator = _CREATORS.get(kind)
        if creator is None:
            raise ValueError(f"devstack cannot create {kind} ({logical})")
        props = resolver.resolve(resource.get("Properties", {}))
        name, attributes = creator(session, props, region)
        created[logical] = name
        resolver.values[logical] = name
        for attribute, value in attributes.items():
            resolver.attributes[(logical, attribute)] = value
    return created, dict(resolver.attributes)


def _creation_order(resources: dict[str, Any]) -> list[tuple[str, Any]]:
    """Resources that others point at (!GetAtt) first."""
    text = {k: json.dumps(v) for k, v in resources.items()}
    needed = {k for k in resources for other in text.values() if f'["{k}", ' in other}
    return sorted(resources.items(), key=lambda kv: kv[0] not in needed)


def _table(session: Any, props: dict[str, Any], region: str) -> tuple[str, dict[str, str]]:
    ddb = session.client("dynamodb", region_name=region)
    name = props["TableName"]
    args = {
        k: props[k]
        for k in (
            "TableName",
            "AttributeDefinitions",
            "KeySchema",
            "BillingMode",
            "GlobalSecondaryIndexes",
            "LocalSecondaryIndexes",
            "StreamSpecification",
        )
        if k in props
    }
    if "StreamSpecification" in args:
        args["StreamSpecification"] = {"StreamEnabled": True, **args["StreamSpecification"]}
    if name not in ddb.list_tables()["TableNames"]:
        ddb.create_table(**args)
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    table = ddb.describe_table(TableName=name)["Table"]
    attributes = {"Arn": table["TableArn"]}
    if table.get("LatestStreamArn"):
        attributes["StreamArn"] = table["LatestStreamArn"]
    return name, attributes


def _queue(session: Any, props: dict[str, Any], region: str) -> tuple[str, dict[str, str]]:
    sqs = session.client("sqs", region_name=region)
    name = props["QueueName"]
    attrs = {
        k: str(props[k])
        for k in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds")
        if k in props
    }
    if "RedrivePolicy" in props:
        attrs["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
    url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return name, {"Arn": arn["QueueArn"], "QueueUrl": url, "QueueName": name}


def _bucket(session: Any, props: dict[str, Any], region: str) -> tuple[str, dict[str, str]]:
    s3 = session.client("s3", region_name=region)
    name = props["BucketName"]
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if name not in existing:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if "BucketEncryption" in props:
        rules = [
            {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
            for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        ]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
        )
    if "VersioningConfiguration" in props:
        status = props["VersioningConfiguration"]["Status"]
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": status})
    if "LifecycleConfiguration" in props:  # nothing ages locally, but tests read the rules
        rules = [lifecycle_rule(r) for r in props["LifecycleConfiguration"]["Rules"]]
        s3.put_bucket_lifecycle_configuration(Bucket=name,
                                              LifecycleConfiguration={"Rules": rules})  # fmt: skip
    # OwnershipControls: AWS-only.
    return name, {"Arn": f"arn:{partition_of(region)[0]}:s3:::{name}"}


def lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A lifecycle rule as CloudFormation writes it, as S3's API takes it."""
    tags = [{"Key": t["Key"], "Value": t["Value"]} for t in rule.get("TagFilters", [])]
    prefix = rule.get("Prefix")
    if tags and (prefix is not None or len(tags) > 1):
        found: dict[str, Any] = {"And": {"Tags": tags, **({"Prefix": prefix} if prefix else {})}}
    elif tags:
        found = {"Tag": tags[0]}
    else:
        found = {"Prefix": prefix or ""}
    out: dict[str, Any] = {"ID": rule["Id"], "Status": rule["Status"], "Filter": found}
    if "ExpirationInDays" in rule:
        out["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    elif rule.get("ExpiredObjectDeleteMarker"):
        out["Expiration"] = {"ExpiredObjectDeleteMarker": True}
    if "Transitions" in rule:
        out["Transitions"] = [
            {"Days": int(t["TransitionInDays"]), "StorageClass": t["StorageClass"]}
            for t in rule["Transitions"]
        ]
    if "NoncurrentVersionExpiration" in rule:
        days = int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": days}
    if "AbortIncompleteMultipartUpload" in rule:
        days = int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
    return out


_CREATORS = {
    "AWS::DynamoDB::Table": _table,
    "AWS::SQS::Queue": _queue,
    "AWS::S3::Bucket": _bucket,
}
