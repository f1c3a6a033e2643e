"""The devstack plays the region it is told (CLAIMBOT_REGION): a mainland one is served as AWS
serves it, in the aws-cn partition, so ARN handling is exercised as in cn-north-1."""

from __future__ import annotations

from devstack.aws import LocalAws
from devstack.infra import REGION_ENV


def test_without_a_setting_the_devstack_is_in_hong_kong(monkeypatch):
    monkeypatch.delenv(REGION_ENV, raising=False)
    assert LocalAws().region == "ap-east-1"


def test_a_mainland_region_gives_aws_cn_resources(monkeypatch):
    monkeypatch.setenv(REGION_ENV, "cn-north-1")
    aws = LocalAws()
    assert aws.region == "cn-north-1" and aws.environment()["AWS_REGION"] == "cn-north-1"
    aws.start()
    try:
        for name, value in aws.environment().items():  # how boto3 reaches it (AWS_ENDPOINT_URL)
            monkeypatch.setenv(name, value)
        names, attributes = aws.create_resources_with_attributes("local")
        arns = {v for (_, attribute), v in attributes.items() if attribute.endswith("Arn")}
        assert names["StaffTable"] == "claimbot-local-staff"
        assert arns and all(a.startswith("arn:aws-cn:") for a in arns), sorted(arns)[:3]
        assert attributes[("ClaimsTable", "StreamArn")].startswith(
            "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/claimbot-local-claims/stream/"
        )
        assert attributes[("OutboxQueue", "Arn")] == (
            "arn:aws-cn:sqs:cn-north-1:123456789012:claimbot-local-outbox"
        )
    finally:
        aws.stop()
