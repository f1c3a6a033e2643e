"""`claimbot staff` against moto server (each change audited in the same transaction), and the
console's WeCom sign-in through its API (Chalice's test client) with the staff table and the
WeCom emulator."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest
from chalice.test import Client

from chalicelib.store.audit import AuditLog
from chalicelib.store.models import AuditEntry
from devstack import wecom_defaults as d
from devstack.cli import main
from devstack.wecom_emulator import WeComEmulator

pytestmark = pytest.mark.integration

SECRET = "session-secret-for-tests"


@pytest.fixture
def cli(cli_env, container, monkeypatch):
    """`claimbot ...` with the app's settings: (argv) -> exit code."""
    monkeypatch.setenv("CLAIMBOT_OPERATOR", "ops-zhang")
    return main


@pytest.fixture
def userid() -> str:
    return f"staff-{uuid.uuid4().hex[:8]}"


def _audited(userid: str) -> list[tuple[str, str, str, dict]]:
    """(who, role, action, detail) of the staff changes to `userid`, oldest first."""
    found = [e for e in AuditLog().entries(limit=500)
             if e.action.startswith("staff:") and (e.detail or {}).get("userid") == userid]
    return [(e.who, e.role, e.action, e.detail) for e in reversed(found)]  # fmt: skip


def _listed(cli, capsys, userid: str) -> dict | None:
    capsys.readouterr()
    assert cli(["staff", "list", "--json"]) == 0
    return next((m for m in json.loads(capsys.readouterr().out) if m["userid"] == userid), None)


def test_add_set_roles_disable_enable_each_audited(cli, capsys, userid):
    assert cli(["staff", "add", userid, "--name", "李理赔", "--roles", "adjuster"]) == 0
    assert _listed(cli, capsys, userid) == {"userid": userid, "name": "李理赔",
                                            "roles": ["adjuster"], "disabled": False,
                                            "team": ""}  # fmt: skip
    assert cli(["staff", "set-roles", userid, "--roles", "adjuster,agent", "--by", "ops-wu"]) == 0
    assert cli(["staff", "set-team", userid, "理赔二组"]) == 0
    assert cli(["staff", "disable", userid, "--reason", "left the team"]) == 0
    assert _listed(cli, capsys, userid)["disabled"] is True
    assert cli(["staff", "enable", userid]) == 0
    assert _listed(cli, capsys, userid) == {"userid": userid, "name": "李理赔",
                                            "roles": ["adjuster", "agent"], "disabled": False,
                                            "team": "理赔二组"}  # fmt: skip
    assert _audited(userid) == [
        ("ops-zhang", "operator", "staff:add",
         {"userid": userid, "name": "李理赔", "roles": ["adjuster"], "team": ""}),
        ("ops-wu", "operator", "staff:set_roles",
         {"userid": userid, "roles": ["adjuster", "agent"], "before": ["adjuster"]}),
        ("ops-zhang", "operator", "staff:set_team",
         {"userid": userid, "team": "理赔二组", "before": ""}),
        ("ops-zhang", "operator", "staff:disable", {"userid": userid, "reason": "left the team"}),
        ("ops-zhang", "operator", "staff:enable", {"userid": userid}),
    ]  # fmt: skip
    assert AuditLog().verify() is None  # the transactions kept the chain whole


def test_a_refused_change_changes_nothing_and_audits_nothing(cli, capsys, userid):
    assert cli(["staff", "set-roles", userid, "--roles", "agent"]) == 1
    assert "is not staff" in capsys.readouterr().err
    assert cli(["staff", "add", userid, "--name", "王", "--roles", "agent"]) == 0
    assert cli(["staff", "add", userid, "--name", "冒名", "--roles", "supervisor"]) == 1
    assert "already staff" in capsys.readouterr().err
    assert cli(["staff", "set-roles", userid, "--roles", "admin"]) == 1
    assert "unknown role admin" in capsys.readouterr().err
    assert cli(["staff", "add", "", "--name", "x", "--roles", "agent"]) == 1
    assert _listed(cli, capsys, userid) == {"userid": userid, "name": "王", "roles": ["agent"],
                                            "disabled": False, "team": ""}  # fmt: skip
    assert [a for _, _, a, _ in _audited(userid)] == ["staff:add"]


# --- the console's WeCom sign-in through its API -----------------------------------------------


@pytest.fixture(scope="module")
def wecom() -> Iterator[WeComEmulator]:
    emu = WeComEmulator().start()
    yield emu
    emu.stop()


@pytest.fixture
def api(settings, wecom, monkeypatch):
    """The app with WeCom sign-in on (its own container), through Chalice's test client."""
    import app
    from chalicelib.service.container import Container

    wecom_settings = replace(settings, wecom_corp_id=d.WECOM_CORP_ID,
                             wecom_corp_secret=d.WECOM_CORP_SECRET,
                             wecom_agent_id=str(d.WECOM_AGENT_ID), wecom_api_base=wecom.url,
                             wecom_login_base=wecom.url,
                             console_session_secret=SECRET)  # fmt: skip
    container = Container(wecom_settings)
    monkeypatch.setattr(app, "services", lambda: container)
    with Client(app.app) as client:
        yield client


def _post(api, path: str, body: dict | None = None, headers: dict | None = None):
    return api.http.post(path, body=json.dumps(body or {}),
                         headers={"Content-Type": "application/json", **(headers or {})})


def _sign_in(api, wecom, userid: str):
    state = _post(api, "/console/api/sign-in/wecom/state").json_body["state"]
    code = wecom.login.issue_code(userid)
    return _post(api, "/console/api/sign-in/wecom", {"code": code, "state": state}), code


def test_the_console_tells_the_page_where_wecom_signs_in(api):
    config = api.http.get("/console/api/config").json_body
    assert config["sign_in"] == "wecom"
    assert config["wecom"]["appid"] == d.WECOM_CORP_ID
    assert config["wecom"]["agentid"] == str(d.WECOM_AGENT_ID)
    assert config["wecom"]["login_url"].endswith("/wwlogin/sso/login")


def test_staff_sign_in_and_use_the_console_with_their_roles(api, wecom, cli, userid):
    assert cli(["staff", "add", userid, "--name", "陈主管", "--roles", "supervisor"]) == 0
    wecom.add_user(userid)
    res, code = _sign_in(api, wecom, userid)
    assert res.status_code == 200, res.json_body
    headers = {"Authorization": f"Bearer {res.json_body['token']}"}
    me = api.http.get("/console/api/me", headers=headers).json_body
    assert (me["id"], me["name"], me["roles"]) == (userid, "陈主管", ["supervisor"])
    assert me["records_scope"] == "team" and "sign_off" in me["permissions"]
    assert api.http.get("/console/api/audit", headers=headers).status_code == 200
    signed_in = [(e.role, e.detail) for e in AuditEntry.query("console", scan_index_forward=False,
                 limit=20) if e.who == userid and e.action == "sign_in"]  # fmt: skip
    assert signed_in == [("supervisor", {"via": "wecom", "name": "陈主管"})]

    again = _post(api, "/console/api/sign-in/wecom",
                  {"code": code, "state": _post(api, "/console/api/sign-in/wecom/state")
                   .json_body["state"]})  # fmt: skip
    assert (again.status_code, again.json_body["reason"]) == (401, "invalid_code")


def test_unknown_and_disabled_members_are_refused_with_the_reason(api, wecom, cli, userid):
    wecom.add_user(userid)
    res, _ = _sign_in(api, wecom, userid)
    assert (res.status_code, res.json_body["reason"]) == (403, "not_staff")
    assert "not on the console's staff list" in res.json_body["error"]
    assert cli(["staff", "add", userid, "--name", "王备班", "--roles", "agent"]) == 0
    assert cli(["staff", "disable", userid]) == 0
    res, _ = _sign_in(api, wecom, userid)
    assert (res.status_code, res.json_body["reason"]) == (403, "disabled")


def test_a_state_the_console_did_not_give_is_refused_before_wecom_is_asked(api, wecom):
    code = wecom.login.issue_code("supervisor-chen")
    exchanged = len(wecom.login.exchanged)
    res = _post(api, "/console/api/sign-in/wecom", {"code": code, "state": "0" * 72})
    assert (res.status_code, res.json_body["reason"]) == (400, "bad_state")
    assert len(wecom.login.exchanged) == exchanged


def test_without_wecom_sign_in_its_routes_do_not_exist(container, monkeypatch):
    import app

    monkeypatch.setattr(app, "services", lambda: container)
    with Client(app.app) as client:
        assert client.http.get("/console/api/config").json_body["sign_in"] == ""
        assert _post(client, "/console/api/sign-in/wecom/state").status_code == 404
        assert _post(client, "/console/api/sign-in/wecom", {"code": "x"}).status_code == 404
