"""What `sam local invoke` does, without Docker: every function of the packaged template, with
every sample event in events/, against the devstack.

The template is the one `make package` writes (infra/package.py, template only). For each
function the handler (Handler, or the worker image's Command) and the environment come from it,
resolved as CloudFormation would for a stack whose tables, queues and bucket are the devstack's
(infra/invoke.py); the WeChat secrets come from SSM SecureStrings on the local AWS, as in AWS.
Only the API bases (the emulators) and WECHAT_MAX_CLOCK_SKEW_S=0 (the samples' timestamps are
fixed) are overridden, through SAM's --env-vars rule: only variables the template declares.
Each invocation runs in a fresh process, like a Lambda instance, records its AWS calls and fails
on any its role in the template would refuse. So a renamed handler, a variable the code no
longer reads or newly needs, a queue or table the role does not grant: this test fails.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from events import generate as samples
from infra.invoke import Values, environment_of, handler_of, invoke, load_template

pytestmark = pytest.mark.devstack

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
STAGE = "dev"  # the samples' ARNs name dev; prod's template differs only in names (linted too)
PUBLIC_URL = "https://claims.example.com"
AUTH_DOMAIN = "claimbot-dev-sample"
PARAMETERS = {
    "WeChatAppId": "",  # filled from devstack.defaults below
    "WeComCorpId": "",
    "WeComAgentId": "",
    "ClaimStatusTemplateId": "claim-status-sample",
    "PublicUrl": PUBLIC_URL,
    "ConsoleSignIn": "cognito",  # the default, wecom, is checked by the console's own tests
    "ConsoleAuthDomain": AUTH_DOMAIN,
}
PICTURE = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")  # a (tiny) JPEG
ORDER = (  # the samples in the order they are invoked (the outbox one needs the window the
    "wechat-get-verify.json",  # text message opened)
    "wechat-post-text.json",
    "wechat-post-plaintext.json",
    "wechat-post-safe.json",
    "wecom-get-verify.json",
    "wecom-post-staff-reply.json",
    "console-get-config.json",
    "sqs-jobs-media-fetch.json",
    "sqs-outbox-custom-text.json",
    "dynamodb-claims-modify.json",
    "dynamodb-conversations-insert.json",  # the dashboard's aggregators
    "dynamodb-handoffs-modify.json",
    "dynamodb-surveys-insert.json",
    "dynamodb-lockouts-modify.json",
    "dynamodb-kb-misses-insert.json",
    "dynamodb-ratings-modify.json",
    "dynamodb-quotes-insert.json",
    "schedule-watchdog.json",
)
AWS_ENV = (
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
)


def _package(stage: str, out: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "infra.package", "--stage", stage, "--fast", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return load_template(out / "template.yaml")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return _package(STAGE, tmp_path_factory.mktemp("package"))


@pytest.fixture(scope="module")
def stack(template):
    """moto server with the template's resources (stage dev), SSM secrets, both emulators."""
    import boto3

    from devstack import defaults
    from devstack import wecom_defaults as wd
    from devstack.aws import LocalAws
    from devstack.infra import create_resources_with_attributes
    from devstack.wechat_emulator import WeChatEmulator
    from devstack.wecom_emulator import WeComEmulator

    saved = {name: os.environ.get(name) for name in AWS_ENV}
    aws = LocalAws()
    aws.start()
    aws.apply_environment()
    wechat = wecom = None
    try:
        session = boto3.session.Session()
        names, attributes = create_resources_with_attributes(session, stage=STAGE)
        secrets = {
            **{n: defaults.secret(n) for n in defaults.SECRET_NAMES},
            **{n: wd.secret(n) for n in wd.SECRET_NAMES},
        }
        from chalicelib.settings import SECRET_NAMES

        aws.put_secrets(f"/claimbot/{STAGE}", {name: secrets[name] for name in SECRET_NAMES})
        wechat = WeChatEmulator(defaults.WECHAT_APP_ID, defaults.WECHAT_APP_SECRET).start()
        wechat.add_media(PICTURE, "image/jpeg", media_id=samples.MEDIA_ID)
        wecom = WeComEmulator(
            wd.WECOM_CORP_ID,
            wd.WECOM_CORP_SECRET,
            wd.WECOM_AGENT_ID,
            wd.WECOM_CALLBACK_TOKEN,
            wd.WECOM_CALLBACK_AES_KEY,
            "127.0.0.1",
            0,
        ).start()
        # The customer the claim sample belongs to is bound to WeChat (book: customers).
        session.client("dynamodb").put_item(
            TableName=names["CustomersTable"],
            Item={
                "openid": {"S": samples.CUSTOMER},
                "customer_id": {"S": samples.CUSTOMER_ID},
                "holder_name": {"S": "王"},
                "holder_gender": {"S": "mr"},
                "bound_via": {"S": "PDAA2026000000000001"},
                "bound_at": {"N": str(samples.TIMESTAMP)},
            },
        )
        parameters = {
            **PARAMETERS,
            "WeChatAppId": defaults.WECHAT_APP_ID,
            "WeComCorpId": wd.WECOM_CORP_ID,
            "WeComAgentId": str(wd.WECOM_AGENT_ID),
        }
        values = Values(template, parameters, region=aws.region, attributes=attributes)
        env_vars = {
            "Parameters": {
                "WECHAT_API_BASE": wechat.url,
                "WECOM_API_BASE": wecom.url,
                "WECHAT_MAX_CLOCK_SKEW_S": "0",
            }
        }
        yield {
            "session": session,
            "names": names,
            "values": values,
            "env_vars": env_vars,
            "wechat": wechat,
            "wecom": wecom,
        }
    finally:
        for emulator in (wechat, wecom):
            if emulator is not None:
                emulator.stop()
        aws.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def outcomes(template, stack):
    """Each sample invoked once on its function, in ORDER."""
    results = {}
    for name in ORDER:
        event = json.loads((EVENTS / name).read_text(encoding="utf-8"))
        function = samples.FUNCTION_OF[name]
        results[name] = invoke(
            template,
            function,
            event,
            stack["values"],
            stack["env_vars"],
            record_calls=True,
        )
    return results


def _ok(outcome: dict) -> object:
    assert "error" not in outcome, f"{outcome['error']}\n{outcome['logs'][-3000:]}"
    assert outcome["refused"] == [], (
        "calls the function's role in the template would refuse in AWS (widen its Access in "
        f"infra/functions.yaml, or stop making them): {outcome['refused']}"
    )
    return outcome["result"]


def _http(outcome: dict) -> tuple[int, str]:
    result = _ok(outcome)
    return result["statusCode"], result["body"]


# --- the template and the code -----------------------------------------------------------------


def test_every_function_has_samples_and_the_samples_are_current(template):
    functions = {
        k for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"
    }
    assert functions == set(samples.FUNCTION_OF.values()) == {samples.FUNCTION_OF[n] for n in ORDER}
    assert set(ORDER) == set(samples.FUNCTION_OF)
    assert samples.main(["--check"]) == 0, "run: .venv/bin/python -m events.generate"


def test_every_variable_in_the_template_is_one_the_code_reads(template, stack):
    """settings.py reads the environment in one place: names there, or PHOTO_QC_*."""
    tree = ast.parse((ROOT / "chalicelib" / "settings.py").read_text(encoding="utf-8"))
    read = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isupper()
    }
    for function in samples.FUNCTION_OF.values():
        env = environment_of(template, function, stack["values"], stack["env_vars"])
        unknown = sorted(n for n in env if n not in read and not n.startswith("PHOTO_QC_"))
        assert unknown == [], f"{function}: the code reads no {unknown} (chalicelib/settings.py)"


def test_handlers_are_the_apps(template):
    """Chalice names handlers after app.py's functions; the image runs the same one."""
    handlers = {f: handler_of(template, f) for f in set(samples.FUNCTION_OF.values())}
    assert handlers == {
        "APIHandler": "app.app",
        "OnJob": "app.on_job",
        "OnOutbox": "app.on_outbox",
        "OnClaimChange": "app.on_claim_change",
        "OnConversationRecord": "app.on_conversation_record",  # the dashboard's aggregators
        "OnHandoffChange": "app.on_handoff_change",
        "OnSurveyChange": "app.on_survey_change",
        "OnLockoutChange": "app.on_lockout_change",
        "OnKbMissChange": "app.on_kb_miss_change",
        "OnRatingChange": "app.on_rating_change",
        "OnQuoteChange": "app.on_quote_change",
        "Watchdog": "app.watchdog",
    }
    assert template["Resources"]["OnJob"]["Properties"]["PackageType"] == "Image"


def test_a_template_packaged_for_a_stage_only_deploys_as_that_stage(template):
    assert template["Parameters"]["Stage"]["AllowedValues"] == [STAGE]


def test_the_stream_mapping_reports_partial_batch_failures(template):
    props = template["Resources"]["OnClaimChange"]["Properties"]
    ((event,),) = [list(props["Events"].values())]
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # From the oldest record kept (the notifier is idempotent): LATEST can skip records when
    # the trigger is updated.
    assert event["Properties"]["StartingPosition"] == "TRIM_HORIZON"
    assert event["Properties"]["Stream"] == {"Fn::GetAtt": ["ClaimsTable", "StreamArn"]}


# --- the webhook (APIHandler) -------------------------------------------------------------------


def test_webhook_url_verification_echoes(outcomes):
    status, body = _http(outcomes["wechat-get-verify.json"])
    assert (status, body) == (200, "claimbot-echostr-sample")


def test_webhook_text_message_gets_an_encrypted_menu(outcomes):
    from chalicelib.dialog import catalogue as t

    status, body = _http(outcomes["wechat-post-text.json"])
    assert status == 200
    reply = samples.wechat_client("safe").parse_reply(samples.CUSTOMER, body.encode())
    assert reply.encrypted and reply.msg_type == "text" and t.NUMBERED_MENU in reply.content


def test_webhook_refuses_plaintext_once_safe_mode_is_configured(outcomes):
    assert _http(outcomes["wechat-post-plaintext.json"]) == (
        403, "plaintext refused: safe mode is configured")


def test_webhook_safe_mode_follow_gets_an_encrypted_welcome(outcomes):
    status, body = _http(outcomes["wechat-post-safe.json"])
    assert status == 200
    reply = samples.wechat_client("safe").parse_reply(samples.FOLLOWER, body.encode())
    assert reply.encrypted and "欢迎关注" in reply.content


# --- WeCom callbacks and the console (APIHandler) -------------------------------------------------


def test_wecom_url_verification_decrypts_the_recorded_echo(outcomes):
    assert _http(outcomes["wecom-get-verify.json"]) == (200, "claimbot-wecom-echo")


def test_a_recorded_staff_reply_is_taken(outcomes):
    assert _http(outcomes["wecom-post-staff-reply.json"]) == (200, "")


@pytest.fixture(scope="module")
def fresh_wecom(template, stack, outcomes):
    """The WeCom samples signed now (what WeCom sends), until recorded ones can be replayed."""
    import time
    from unittest import mock

    with mock.patch.object(samples, "TIMESTAMP", int(time.time())):
        events = samples.wecom_events()
    return {
        name: invoke(
            template, "APIHandler", event, stack["values"], stack["env_vars"], record_calls=True
        )
        for name, event in events.items()
    }


def test_wecom_url_verification_decrypts_the_echo(fresh_wecom):
    assert _http(fresh_wecom["wecom-get-verify.json"]) == (200, "claimbot-wecom-echo")


def test_a_staff_reply_with_nobody_waiting_is_answered_in_wecom(fresh_wecom, stack):
    assert _http(fresh_wecom["wecom-post-staff-reply.json"]) == (200, "")
    assert any("没有等待您回复的客户" in text for text in stack["wecom"].texts(samples.STAFF))


def test_console_config_points_at_cognito_and_refuses_the_dev_sign_in(outcomes, template):
    status, body = _http(outcomes["console-get-config.json"])
    config = json.loads(body)
    assert status == 200
    assert config["stage"] == STAGE and config["dev_login"] is False
    assert config["login_url"].startswith(
        f"https://{AUTH_DOMAIN}.auth.ap-east-1.amazoncognito.com/login?client_id="
    )
    assert config["login_url"].endswith(f"redirect_uri={PUBLIC_URL}/console")


# --- the queues, the stream, the schedule ---------------------------------------------------


def test_media_fetch_job_saves_the_picture_to_the_bucket(outcomes, stack):
    outcome = outcomes["sqs-jobs-media-fetch.json"]
    assert _ok(outcome) is None
    # The calls were recorded (and checked against the worker's role): the recorder works.
    assert {"s3:PutObject", "dynamodb:BatchWriteItem"} <= {c["action"] for c in outcome["calls"]}
    s3 = stack["session"].client("s3")
    bucket = stack["names"]["PhotosBucket"]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="inbound/")["Contents"]]
    saved = [k for k in keys if samples.MEDIA_ID in k]
    assert len(saved) == 1
    assert s3.get_object(Bucket=bucket, Key=saved[0])["Body"].read() == PICTURE


def test_outbox_message_reaches_wechat(outcomes, stack):
    assert _ok(outcomes["sqs-outbox-custom-text.json"]) is None
    sent = stack["wechat"].messages(samples.CUSTOMER)
    assert any(samples.OUTBOX_TEXT in json.dumps(m, ensure_ascii=False) for m in sent), sent


def test_claim_change_queues_a_template_notice(outcomes, stack):
    result = _ok(outcomes["dynamodb-claims-modify.json"])
    assert result is None or result == {"batchItemFailures": []}
    sqs = stack["session"].client("sqs")
    url = sqs.get_queue_url(QueueName=stack["names"]["OutboxQueue"])["QueueUrl"]
    bodies = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        bodies += [json.loads(m["Body"]) for m in batch]
    notices = [b for b in bodies if b["kind"] == "template" and b["openid"] == samples.CUSTOMER]
    assert len(notices) == 1
    data = notices[0]["template"]["data"]
    assert notices[0]["template"]["id"] == "claim-status-sample"
    assert data["character_string1"]["value"] == samples.CLAIM_NO


def test_a_failing_stream_record_is_reported_not_the_whole_batch(template, stack):
    event = json.loads((EVENTS / "dynamodb-claims-modify.json").read_text(encoding="utf-8"))
    good = event["Records"][0]
    bad = json.loads(json.dumps(good))
    bad["dynamodb"]["SequenceNumber"] = "222000000000000000002"
    bad["dynamodb"]["NewImage"]["status"] = {"S": "no-such-status"}
    event["Records"] = [good, bad]
    outcome = invoke(template, "OnClaimChange", event, stack["values"], stack["env_vars"])
    assert outcome.get("result") == {
        "batchItemFailures": [{"itemIdentifier": "222000000000000000002"}]
    }


def test_watchdog_runs(outcomes):
    outcome = outcomes["schedule-watchdog.json"]
    assert _ok(outcome) is None
    assert '"log": "watchdog.ran"' in outcome["logs"]
