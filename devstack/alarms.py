"""Which of the template's CloudWatch alarms would fire now, judged on the local stack.

Alarms only exist in AWS; the fault tests and `claimbot dlq list` still need to know that one
would fire. Two kinds are judged here, from the alarm definitions in infra/resources.yaml and
infra/functions.yaml (not from a copy): queue depth (AWS/SQS ApproximateNumberOfMessagesVisible
of a queue of the template) and claimbot's log metrics (an AWS::Logs::MetricFilter whose
quoted term appears in the stack's log more often than the threshold). Alarms on Lambda and
API Gateway metrics cannot be judged locally and are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.infra import load_template

INFRA = Path(__file__).resolve().parent.parent / "infra"
TEMPLATES = (INFRA / "resources.yaml", INFRA / "functions.yaml")


@dataclass(frozen=True)
class Alarm:
    name: str  # AlarmName with ${Stage} filled
    threshold: float
    queue: str = ""  # logical id of the queue it watches, or
    log_term: str = ""  # the term its metric filter counts


def template_alarms(stage: str) -> list[Alarm]:
    resources: dict[str, Any] = {}
    filters: dict[str, str] = {}  # metric -> the log term it counts
    for path in TEMPLATES:
        template = load_template(path)
        resources.update(template.get("Resources") or {})
        filters.update(template.get("LogMetrics") or {})  # infra/package.py writes these
    filters.update({
        props["MetricTransformations"][0]["MetricName"]: props["FilterPattern"].strip('"')
        for props in (r["Properties"] for r in resources.values()
                      if r["Type"] == "AWS::Logs::MetricFilter")
    })  # fmt: skip
    alarms = []
    for resource in resources.values():
        if resource["Type"] != "AWS::CloudWatch::Alarm":
            continue
        props = resource["Properties"]
        name = _stage(props["AlarmName"], stage)
        threshold = float(props["Threshold"])
        if props["Namespace"] == "AWS/SQS":
            (dimension,) = props["Dimensions"]
            queue = dimension["Value"]["Fn::GetAtt"][0]
            alarms.append(Alarm(name, threshold, queue=queue))
        elif props.get("MetricName") in filters:
            alarms.append(Alarm(name, threshold, log_term=filters[props["MetricName"]]))
    return alarms


def _stage(value: Any, stage: str) -> str:
    text = value["Fn::Sub"] if isinstance(value, dict) else str(value)
    return re.sub(r"\$\{Stage\}", stage, text)


def firing(
    sqs: Any, queue_urls: dict[str, str], log_text: str, stage: str = "local"
) -> list[str]:
    """Names of the alarms that would fire. `queue_urls`: {logical id: queue URL}."""
    fired = []
    for alarm in template_alarms(stage):
        if alarm.queue:
            attributes = sqs.get_queue_attributes(
                QueueUrl=queue_urls[alarm.queue],
                AttributeNames=["ApproximateNumberOfMessages"],
            )["Attributes"]
            value = float(attributes["ApproximateNumberOfMessages"])
        else:
            value = float(log_text.count(alarm.log_term))
        if value > alarm.threshold:
            fired.append(alarm.name)
    return sorted(fired)
