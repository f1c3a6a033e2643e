"""Writes the sample events in events/: one or more per function, in the shape
`sam local generate-event` produces, signed and encrypted with the devstack's throwaway secrets
(devstack/defaults.py, devstack/wecom_defaults.py) so the functions accept them.

    .venv/bin/python -m events.generate          # rewrite them
    .venv/bin/python -m events.generate --check  # exit 1 if a file is not what it would write

Everything is fixed (timestamps, nonces, message ids, the AES padding's random prefix), so the
files only change when this script does. The timestamps are in the past: invoke the webhook
with WECHAT_MAX_CLOCK_SKEW_S=0 (turns the clock-skew check off), as the test and the README's
`sam local invoke` lines do. Queue and stream ARNs name the dev stage; no handler reads them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any
from unittest import mock

HERE = Path(__file__).resolve().parent
REGION = "ap-east-1"
ACCOUNT = "123456789012"
STAGE = "dev"
TIMESTAMP = 1795000000  # 2026-11-18T06:26:40Z
REQUEST_TIME = "18/Nov/2026:06:26:40 +0000"

# Who and what the samples are about (tests/deploy/test_sam_invoke.py uses these).
CUSTOMER = "oSampleCustomer0000000000001"  # writes 菜单 (safe mode); gets the outbox message
FOLLOWER = "oSampleFollower0000000000002"  # follows the account (safe mode)
MEDIA_ID = "sample-media-0001"  # the picture the media.fetch job saves
OUTBOX_TEXT = "您的保单续保提醒：请在到期前完成续保。"
STAFF = "oncall-li"  # a WeCom user of the local corp (devstack/wecom_defaults.py)
STAFF_TEXT = "您好，我是值班的李值班"
CLAIM_NO = "RSAMPLE0000000000001"
CUSTOMER_ID = "sample-customer-id-0001"  # the keyed hash a bound customer's claims carry


# --- API Gateway (REST, proxy) ------------------------------------------------------------------


def api_event(
    method: str,
    path: str,
    query: dict[str, str] | None = None,
    body: str | None = None,
    content_type: str | None = None,
    resource: str | None = None,
) -> dict[str, Any]:
    """`sam local generate-event apigateway aws-proxy`, filled in for this request."""
    headers = {
        "Accept": "*/*",
        "Host": f"abcdef1234.execute-api.{REGION}.amazonaws.com",
        "User-Agent": "Mozilla/4.0",
        "X-Forwarded-For": "101.226.103.1",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    if content_type:
        headers["Content-Type"] = content_type
    return {
        "body": body,
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "isBase64Encoded": False,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": None,
        "stageVariables": None,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "requestContext": {
            "accountId": ACCOUNT,
            "resourceId": "abc123",
            "stage": "api",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "requestTime": REQUEST_TIME,
            "requestTimeEpoch": TIMESTAMP * 1000,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "accessKey": None,
                "sourceIp": "101.226.103.1",
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": "Mozilla/4.0",
                "user": None,
            },
            "path": f"/api{path}",
            "resourcePath": resource or path,
            "httpMethod": method,
            "apiId": "abcdef1234",
            "protocol": "HTTP/1.1",
        },
    }


def _sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def wechat_client(mode: str) -> Any:
    from devstack import defaults
    from devstack.simulator.client import WeChatSimulatorClient

    key = defaults.WECHAT_ENCODING_AES_KEY if mode != "plain" else None
    return WeChatSimulatorClient(
        "http://unused", defaults.WECHAT_TOKEN, defaults.WECHAT_APP_ID, key, mode=mode
    )


def signed_post(mode: str, openid: str, fields: list[tuple[str, Any]], nonce: str) -> tuple:
    """Query and body of a WeChat push, exactly as WeChatSimulatorClient.sign_request builds
    them, at the fixed TIMESTAMP/nonce and with a fixed AES random prefix."""
    from devstack.simulator import client as sim

    xml = sim.build_xml(
        [("ToUserName", "gh_claimbot"), ("FromUserName", openid), ("CreateTime", TIMESTAMP)]
        + fields
    )
    with (
        mock.patch.object(sim.time, "time", return_value=float(TIMESTAMP)),
        mock.patch.object(sim, "_nonce", return_value=nonce),
        mock.patch("wechatpy.crypto.base.random_string", return_value="claimbotsample16"),
    ):
        params, body = wechat_client(mode).sign_request(openid, xml)
    return params, body.decode("utf-8")


def wechat_events() -> dict[str, dict[str, Any]]:
    from devstack import defaults

    nonce, echostr = "1234567890", "claimbot-echostr-sample"
    verify = {
        "signature": _sha1(defaults.WECHAT_TOKEN, str(TIMESTAMP), nonce),
        "timestamp": str(TIMESTAMP),
        "nonce": nonce,
        "echostr": echostr,
    }
    text = [("MsgType", "text"), ("Content", "菜单"), ("MsgId", 24900000000000001)]
    text_query, text_body = signed_post("safe", CUSTOMER, text, "2345678901")
    # The same message as plaintext: refused, since the account has an EncodingAESKey
    # (WECHAT_ACCEPT_PLAINTEXT only while moving an account to safe mode).
    plain_query, plain_body = signed_post("plain", CUSTOMER, text, "4567890123")
    safe_query, safe_body = signed_post(
        "safe",
        FOLLOWER,
        [("MsgType", "event"), ("Event", "subscribe"), ("EventKey", "")],
        "3456789012",
    )
    return {
        "wechat-get-verify.json": api_event("GET", "/wechat", verify),
        "wechat-post-text.json": api_event("POST", "/wechat", text_query, text_body, "text/xml"),
        "wechat-post-plaintext.json": api_event(
            "POST", "/wechat", plain_query, plain_body, "text/xml"
        ),
        "wechat-post-safe.json": api_event("POST", "/wechat", safe_query, safe_body, "text/xml"),
    }


def wecom_events() -> dict[str, dict[str, Any]]:
    from devstack import wecom_defaults as wd
    from devstack.wecom_emulator import callback_signature, encrypt_for_callback, message_xml

    corp, token, key = wd.WECOM_CORP_ID, wd.WECOM_CALLBACK_TOKEN, wd.WECOM_CALLBACK_AES_KEY
    prefix = b"claimbot-sample!"
    nonce = "4567890123"
    echo = encrypt_for_callback("claimbot-wecom-echo", key, corp, random16=prefix)
    verify = {
        "msg_signature": callback_signature(token, str(TIMESTAMP), nonce, echo),
        "timestamp": str(TIMESTAMP),
        "nonce": nonce,
        "echostr": echo,
    }
    plain = message_xml(
        {
            "ToUserName": corp,
            "FromUserName": STAFF,
            "CreateTime": TIMESTAMP,
            "MsgType": "text",
            "Content": STAFF_TEXT,
            "MsgId": "7000000000000000001",
            "AgentID": wd.WECOM_AGENT_ID,
        }
    )
    encrypt = encrypt_for_callback(plain, key, corp, random16=prefix)
    envelope = message_xml(
        {"ToUserName": corp, "AgentID": str(wd.WECOM_AGENT_ID), "Encrypt": encrypt}
    )
    post = {
        "msg_signature": callback_signature(token, str(TIMESTAMP), nonce, encrypt),
        "timestamp": str(TIMESTAMP),
        "nonce": nonce,
    }
    return {
        "wecom-get-verify.json": api_event("GET", "/wecom", verify),
        "wecom-post-staff-reply.json": api_event("POST", "/wecom", post, envelope, "text/xml"),
    }


def console_events() -> dict[str, dict[str, Any]]:
    return {"console-get-config.json": api_event("GET", "/console/api/config")}


# --- SQS, DynamoDB stream, schedule ---------------------------------------------------------------


def sqs_event(queue: str, body: dict[str, Any], message_id: str) -> dict[str, Any]:
    """`sam local generate-event sqs receive-message`, with this body."""
    text = json.dumps(body, ensure_ascii=False)
    return {
        "Records": [
            {
                "messageId": message_id,
                "receiptHandle": f"AQEB{message_id.replace('-', '')}sample==",
                "body": text,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": str(TIMESTAMP * 1000),
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": str(TIMESTAMP * 1000 + 2),
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(text.encode()).hexdigest(),  # noqa: S324 - SQS's
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:claimbot-{STAGE}-{queue}",
                "awsRegion": REGION,
            }
        ]
    }


def queue_events() -> dict[str, dict[str, Any]]:
    job = {
        "id": "0b5f1c0e9d7a4e4f9c1d2b3a4f5e6d7c",
        "kind": "media.fetch",
        "payload": {"openid": CUSTOMER, "media_id": MEDIA_ID, "dedupe_key": "sample-picture-1"},
    }
    message = {
        "id": "7c6d5e4f3a2b1d0c9f8e7d6c5b4a3f2e",
        "kind": "custom",
        "openid": CUSTOMER,
        "reply": {"type": "text", "content": OUTBOX_TEXT},
        "origin": "sample",
        "created_at": TIMESTAMP,
    }
    return {
        "sqs-jobs-media-fetch.json": sqs_event("jobs", job, "059f36b4-87a3-44ab-83d2-661975830a7d"),
        "sqs-outbox-custom-text.json": sqs_event(
            "outbox", message, "2e1424d4-f796-459a-8184-9c92662be6da"
        ),
    }


def stream_event() -> dict[str, Any]:
    """`sam local generate-event dynamodb update`: the claim moves reported -> under review."""

    def image(status: str, timeline: list[dict[str, Any]], version: int) -> dict[str, Any]:
        return {
            "claim_no": {"S": CLAIM_NO},
            "policy_no": {"S": "PDAA2026000000000001"},
            "customer_id": {"S": CUSTOMER_ID},
            "accident_date": {"S": "2026-11-17"},
            "status": {"S": status},
            "timeline": {"S": json.dumps(timeline, separators=(",", ":"))},
            "decisions": {"S": "[]"},
            "version": {"N": str(version)},
        }

    reported = {"status": "reported", "at": "2026-11-17T09:30:00+08:00", "amount": None}
    review = {"status": "under_review", "at": "2026-11-18T14:26:40+08:00", "amount": None}
    arn = (
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/claimbot-{STAGE}-claims"
        "/stream/2026-11-01T00:00:00.000"
    )
    return {
        "Records": [
            {
                "eventID": "c81e728d9d4c2f636f067f89cc14862c",
                "eventName": "MODIFY",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": REGION,
                "dynamodb": {
                    "ApproximateCreationDateTime": TIMESTAMP,
                    "Keys": {"claim_no": {"S": CLAIM_NO}},
                    "NewImage": image("under_review", [reported, review], 2),
                    "OldImage": image("reported", [reported], 1),
                    "SequenceNumber": "222000000000000000001",
                    "SizeBytes": 512,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": arn,
            }
        ]
    }


def metrics_stream_event(
    table: str, keys: dict[str, Any], old: dict[str, Any] | None, new: dict[str, Any]
) -> dict[str, Any]:
    """A record of another table's stream, as the dashboard's aggregators get it."""
    arn = (
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/claimbot-{STAGE}-{table}"
        "/stream/2026-11-01T00:00:00.000"
    )
    change: dict[str, Any] = {
        "ApproximateCreationDateTime": TIMESTAMP,
        "Keys": keys,
        "NewImage": {**keys, **new},
        "SequenceNumber": "333000000000000000001",
        "SizeBytes": 256,
        "StreamViewType": "NEW_AND_OLD_IMAGES" if table != "conversations" else "NEW_IMAGE",
    }
    if old is not None:
        change["OldImage"] = {**keys, **old}
    return {
        "Records": [
            {
                "eventID": "e4da3b7fbbce2345d7772b0674a318d5",
                "eventName": "INSERT" if old is None else "MODIFY",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": REGION,
                "dynamodb": change,
                "eventSourceARN": arn,
            }
        ]
    }


def metrics_events() -> dict[str, dict[str, Any]]:
    """One sample per aggregator of the dashboard's counters (service/metrics.py)."""
    at = {"N": str(TIMESTAMP)}
    openid = {"openid": {"S": CUSTOMER}}
    return {
        "dynamodb-conversations-insert.json": metrics_stream_event(
            "conversations", {**openid, "record_id": {"S": f"{TIMESTAMP * 1000}#in#a1b2c3"}},
            None, {"direction": {"S": "in"}, "channel": {"S": "webhook"},
                   "msg_type": {"S": "text"}}),
        "dynamodb-handoffs-modify.json": metrics_stream_event(
            "handoffs", openid, {"handoff_id": {"S": "h1"}, "started_at": at},
            {"handoff_id": {"S": "h1"}, "started_at": at, "answered_at": at,
             "first_response_s": {"N": "95"}}),
        "dynamodb-surveys-insert.json": metrics_stream_event(
            "surveys", {"claim_no": {"S": CLAIM_NO}}, None,
            {"state": {"S": "open"}, "started_at": at, "last_activity": at,
             "submissions": {"N": "0"}, "reshoot": {"S": "[]"}}),
        "dynamodb-lockouts-modify.json": metrics_stream_event(
            "lockouts", {"subject": {"S": f"all:{TIMESTAMP // 60}"}}, {"failures": {"N": "1"}},
            {"failures": {"N": "2"}}),
        "dynamodb-kb-misses-insert.json": metrics_stream_event(
            "kb_misses", {"day": {"S": "2026-11-18"}, "miss_id": {"S": "m1"}}, None,
            {"outcome": {"S": "candidates"}, "asked_at": at}),
        "dynamodb-ratings-modify.json": metrics_stream_event(
            "ratings", {"ask_id": {"S": "chat:h1"}}, {"status": {"S": "asked"}, "asked_at": at},
            {"status": {"S": "rated"}, "asked_at": at, "rated_at": at, "score": {"N": "5"}}),
        "dynamodb-quotes-insert.json": metrics_stream_event(
            "quotes", {"quote_no": {"S": "Q202611180001"}}, None, {"created_at": at}),
    }  # fmt: skip


def schedule_event() -> dict[str, Any]:
    """`sam local generate-event events scheduled`."""
    return {
        "id": "cdc73f9d-aea9-11e3-9d5a-835b769c0d9c",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": "2026-11-18T06:30:00Z",
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/claimbot-{STAGE}-watchdog"],
        "detail": {},
        "version": "0",
    }


def all_events() -> dict[str, dict[str, Any]]:
    return {
        **wechat_events(),
        **wecom_events(),
        **console_events(),
        **queue_events(),
        "dynamodb-claims-modify.json": stream_event(),
        **metrics_events(),
        "schedule-watchdog.json": schedule_event(),
    }


# Which function each sample is for (docs/deploy.md lists the `sam local invoke` lines).
FUNCTION_OF = {
    "wechat-get-verify.json": "APIHandler",
    "wechat-post-text.json": "APIHandler",
    "wechat-post-plaintext.json": "APIHandler",
    "wechat-post-safe.json": "APIHandler",
    "wecom-get-verify.json": "APIHandler",
    "wecom-post-staff-reply.json": "APIHandler",
    "console-get-config.json": "APIHandler",
    "sqs-jobs-media-fetch.json": "OnJob",
    "sqs-outbox-custom-text.json": "OnOutbox",
    "dynamodb-claims-modify.json": "OnClaimChange",
    "dynamodb-conversations-insert.json": "OnConversationRecord",
    "dynamodb-handoffs-modify.json": "OnHandoffChange",
    "dynamodb-surveys-insert.json": "OnSurveyChange",
    "dynamodb-lockouts-modify.json": "OnLockoutChange",
    "dynamodb-kb-misses-insert.json": "OnKbMissChange",
    "dynamodb-ratings-modify.json": "OnRatingChange",
    "dynamodb-quotes-insert.json": "OnQuoteChange",
    "schedule-watchdog.json": "Watchdog",
}


def render(event: dict[str, Any]) -> str:
    return json.dumps(event, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m events.generate", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    stale = []
    for name, event in all_events().items():
        path, text = HERE / name, render(event)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"stale sample events (run python -m events.generate): {stale}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
