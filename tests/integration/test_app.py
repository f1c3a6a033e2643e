"""app.py wiring: the Chalice routes and SQS handlers Lambda calls, with the stage's env."""

from __future__ import annotations

import json
import uuid

import pytest
from chalice.test import Client

from devstack import defaults
from tests.integration.helpers import decrypt_reply, signed, text_xml

pytestmark = pytest.mark.integration


@pytest.fixture
def app_env(settings, monkeypatch):
    import app
    from chalicelib.settings import current_settings

    monkeypatch.setenv("CLAIMBOT_STAGE", "local")
    monkeypatch.setenv("CLAIMBOT_RESOURCE_PREFIX", "claimbot-local-")
    monkeypatch.setenv("WECHAT_TOKEN", defaults.WECHAT_TOKEN)
    monkeypatch.setenv("WECHAT_APP_ID", defaults.WECHAT_APP_ID)
    monkeypatch.setenv("WECHAT_APP_SECRET", defaults.WECHAT_APP_SECRET)
    monkeypatch.setenv("WECHAT_ENCODING_AES_KEY", defaults.WECHAT_ENCODING_AES_KEY)
    monkeypatch.setenv("WECHAT_API_BASE", settings.wechat_api_base)
    monkeypatch.setenv("CLAIMBOT_ID_PEPPER", defaults.ID_PEPPER)
    monkeypatch.delenv("WECHAT_SSM_PATH", raising=False)
    current_settings.cache_clear()
    app.services.cache_clear()
    yield app
    current_settings.cache_clear()
    app.services.cache_clear()


def test_url_verification_route(app_env):
    query, _ = signed("<xml/>", encrypted=False)
    query["echostr"] = "echo-123"
    with Client(app_env.app, stage_name="local") as client:
        qs = "&".join(f"{k}={v}" for k, v in query.items())
        res = client.http.get(f"/wechat?{qs}")
    assert res.status_code == 200 and res.body == b"echo-123"


def test_post_route_answers_encrypted(app_env):
    openid = f"o_app_{uuid.uuid4().hex[:8]}"
    query, body = signed(text_xml(openid, "菜单"))
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    with Client(app_env.app, stage_name="local") as client:
        res = client.http.post(f"/wechat?{qs}", headers={"Content-Type": "text/xml"}, body=body)
    assert res.status_code == 200
    assert "请回复数字选择服务" in decrypt_reply(res.body.decode(), query)


def test_bad_signature_is_403(app_env):
    with Client(app_env.app, stage_name="local") as client:
        res = client.http.post(
            "/wechat?signature=x&timestamp=1&nonce=2",
            headers={"Content-Type": "text/xml"},
            body=b"<xml/>",
        )
    assert res.status_code == 403


def test_privacy_page(app_env):
    with Client(app_env.app, stage_name="local") as client:
        res = client.http.get("/privacy")
    page = res.body.decode()
    assert res.status_code == 200 and "个人信息保护政策" in page
    assert "{storage_place}" not in page and "存储和处理" in page  # where, by region
    assert "拍摄位置" in page  # what a photo's GPS position is used for
    assert "聊天记录保存 730 天" in page and "{chat_days}" not in page  # RETENTION_CHAT_DAYS


def test_the_privacy_notice_says_where_each_deployment_keeps_data():
    from chalicelib.web import privacy_page

    assert "中国境内" in privacy_page("cn-north-1") and "宁夏" in privacy_page("cn-northwest-1")
    assert "中国境内" not in privacy_page("ap-east-1") and "香港" in privacy_page("ap-east-1")
    assert "eu-west-1" in privacy_page("eu-west-1")  # never claims the mainland wrongly


def test_outbox_handler_delivers_an_sqs_record(app_env, emulator):
    openid = f"o_app_{uuid.uuid4().hex[:8]}"
    app_env.services().quotas.opened_by_message(openid)
    body = {
        "id": uuid.uuid4().hex,
        "kind": "custom",
        "openid": openid,
        "reply": {"type": "text", "content": "来自队列"},
    }
    with Client(app_env.app, stage_name="local") as client:
        event = client.events.generate_sqs_event(
            message_bodies=[json.dumps(body)], queue_name="claimbot-local-outbox"
        )
        client.lambda_.invoke("on_outbox", event)
    (sent,) = emulator.messages(openid)
    assert sent["payload"]["text"]["content"] == "来自队列"


def test_job_handler_raises_on_a_broken_job_so_sqs_retries(app_env):
    with Client(app_env.app, stage_name="local") as client:
        event = client.events.generate_sqs_event(message_bodies=['{"kind": "nope"}'])
        with pytest.raises(ValueError):
            client.lambda_.invoke("on_job", event)


def test_menu_push_command_sends_the_menu_file(app_env, emulator, capsys):
    from chalicelib.dialog.menu import load_menu
    from devstack.cli import main

    assert main(["menu", "push"]) == 0
    assert "menu pushed" in capsys.readouterr().out
    assert emulator.menu() == load_menu()


def test_menu_push_reports_a_bad_menu_file_in_english(app_env, tmp_path, capsys):
    from devstack.cli import main

    bad = tmp_path / "menu.json"
    bad.write_text(json.dumps({"button": [{"name": "a", "type": "click"}]}))
    assert main(["menu", "push", "--file", str(bad)]) == 1
    assert "needs a key" in capsys.readouterr().err
