"""WeCom web sign-in against the WeCom emulator: its login page (trusted domain, corp id, agent
id, state), its codes (single use, 5 minutes, 40029), and claimbot's exchange of a code for a
console session (`WeComSignIn` with the real `WeComApi`; the staff table and the audit log are
stand-ins here, the real ones are in test_staff_sign_in.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from chalicelib.console.auth import TokenVerifier
from chalicelib.console.sign_in import SignInRefused, WeComApp, WeComSignIn
from chalicelib.staff.wecom import WeComApi
from chalicelib.store.staff import StaffMember
from devstack import wecom_defaults as d
from devstack.wecom_emulator import WeComEmulator
from devstack.wecom_login import CODE_TTL_S

pytestmark = pytest.mark.integration

CONSOLE = "https://claims.example.com/prod/console"
SECRET = "session-secret-for-tests"


class Clock:
    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def wecom(clock) -> Iterator[WeComEmulator]:
    emu = WeComEmulator(clock=clock, trusted_domains=["claims.example.com"]).start()
    yield emu
    emu.stop()


@pytest.fixture(autouse=True)
def _clean(wecom):
    yield
    wecom.clear_faults()
    wecom.login.auto_approve = None


class Audit:
    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def append(self, who, role, action, claim_no=None, detail=None, source_ip=None,
               user_agent=None) -> None:  # fmt: skip
        self.entries.append({"who": who, "role": role, "action": action, "detail": detail,
                             "ip": source_ip})  # fmt: skip


STAFF = {
    "supervisor-chen": StaffMember("supervisor-chen", "陈主管", ("supervisor",)),
    "oncall-wang": StaffMember("oncall-wang", "王备班", ("agent",), disabled=True),
}


@pytest.fixture
def audit() -> Audit:
    return Audit()


@pytest.fixture
def sign_in(wecom, audit, clock) -> WeComSignIn:
    api = WeComApi(d.WECOM_CORP_ID, d.WECOM_CORP_SECRET, d.WECOM_AGENT_ID, wecom.url)
    app = WeComApp(d.WECOM_CORP_ID, str(d.WECOM_AGENT_ID), wecom.url)
    return WeComSignIn(app, api, STAFF.get, audit, SECRET, 3600, clock=clock)  # type: ignore[arg-type]


def _login_query(**overrides: str) -> dict[str, str]:
    query = {"login_type": "CorpApp", "appid": d.WECOM_CORP_ID, "agentid": str(d.WECOM_AGENT_ID),
             "redirect_uri": CONSOLE, "state": "abc123"}  # fmt: skip
    query.update(overrides)
    return query


def _login_page(wecom: WeComEmulator, **overrides: str) -> requests.Response:
    url = f"{wecom.url}/wwlogin/sso/login?{urlencode(_login_query(**overrides))}"
    return requests.get(url, timeout=5, allow_redirects=False)


def _pick(wecom: WeComEmulator, userid: str, **overrides: str) -> dict[str, str]:
    """Open the login page, pick the member: the query the browser is sent back with."""
    page = _login_page(wecom, **overrides)
    assert page.status_code == 200, page.text
    link = next(part.split("'")[0] for part in page.text.split("href='")[1:]
                if f"userid={userid}" in part).replace("&amp;", "&")  # fmt: skip
    back = requests.get(f"{wecom.url}/wwlogin/sso/{link}", timeout=5, allow_redirects=False)
    assert back.status_code == 302
    target = urlsplit(back.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == CONSOLE
    return {k: v[0] for k, v in parse_qs(target.query).items()}


# --- the emulator's login page ---------------------------------------------------------------


def test_the_login_page_lists_the_directory_and_sends_the_browser_back_with_code_and_state(
    wecom,
):
    page = _login_page(wecom)
    for userid in d.STAFF_USERIDS:
        assert f"data-userid='{userid}'" in page.text
    back = _pick(wecom, "supervisor-chen")
    assert back["state"] == "abc123" and len(back["code"]) >= 32


@pytest.mark.parametrize(
    ("override", "why"),
    [
        ({"redirect_uri": "https://evil.example.net/console"}, "可信域名"),
        ({"redirect_uri": "https://claims.example.com:8443/console"}, "可信域名"),  # port too
        ({"appid": "ww-another-corp"}, "CorpID"),
        ({"agentid": "1000099"}, "agentid"),
        ({"login_type": "ServiceApp"}, "CorpApp"),
        ({"state": "not/alnum"}, "state"),
        ({"state": "a" * 129}, "state"),
    ],
)
def test_the_login_page_refuses_what_wecom_refuses_and_issues_no_code(wecom, override, why):
    page = _login_page(wecom, **override)
    assert page.status_code == 400 and why in page.text
    assert "Location" not in page.headers and "wecom-user" not in page.text


def test_auto_approve_skips_the_list(wecom):
    wecom.login.auto_approve = "oncall-li"
    back = _login_page(wecom)
    assert back.status_code == 302 and "code=" in back.headers["Location"]


def test_getuserinfo_answers_the_member_once_then_40029(wecom):
    api = WeComApi(d.WECOM_CORP_ID, d.WECOM_CORP_SECRET, d.WECOM_AGENT_ID, wecom.url)
    code = wecom.login.issue_code("oncall-li")
    assert api.user_from_code(code) == "oncall-li"
    from chalicelib.staff.wecom import WeComApiError

    with pytest.raises(WeComApiError) as used:
        api.user_from_code(code)
    assert used.value.errcode == 40029
    outsider = wecom.login.issue_code(None)
    assert api.user_from_code(outsider) is None  # WeCom answers an openid instead
    answer = requests.get(f"{wecom.url}/cgi-bin/auth/getuserinfo",
                          params={"code": wecom.login.issue_code("oncall-li")}, timeout=5)
    assert answer.json()["errcode"] == 41001  # no access token: WeCom's API, not a free lookup


# --- claimbot's exchange -----------------------------------------------------------------------


def test_a_member_on_the_staff_list_gets_a_session_with_their_roles(wecom, sign_in, audit):
    state = sign_in.new_state()
    back = _pick(wecom, "supervisor-chen", state=state)
    done = sign_in.finish(back["code"], back["state"], "203.0.113.9", "Chromium")
    assert done["user"] == {"id": "supervisor-chen", "name": "陈主管", "roles": ["supervisor"]}
    verifier = TokenVerifier(session_secret=SECRET, staff_lookup=STAFF.get)
    staff = verifier.staff(f"Bearer {done['token']}")
    assert (staff.id, staff.roles) == ("supervisor-chen", ("supervisor",))
    assert audit.entries == [{"who": "supervisor-chen", "role": "supervisor", "action": "sign_in",
                              "detail": {"via": "wecom", "name": "陈主管"},
                              "ip": "203.0.113.9"}]  # fmt: skip


def test_a_code_signs_in_once(wecom, sign_in):
    back = _pick(wecom, "supervisor-chen", state=sign_in.new_state())
    sign_in.finish(back["code"], back["state"], None, None)
    again = pytest.raises(SignInRefused, sign_in.finish, back["code"], sign_in.new_state(),
                          None, None).value  # fmt: skip
    assert (again.reason, again.status) == ("invalid_code", 401)


def test_a_code_older_than_five_minutes_is_refused(wecom, sign_in, clock):
    back = _pick(wecom, "supervisor-chen", state=sign_in.new_state())
    clock.now += CODE_TTL_S + 1
    try:
        late = pytest.raises(SignInRefused, sign_in.finish, back["code"], sign_in.new_state(),
                             None, None).value  # fmt: skip
    finally:
        clock.now -= CODE_TTL_S + 1
    assert late.reason == "invalid_code"


@pytest.mark.parametrize(
    ("userid", "reason"),
    [("oncall-li", "not_staff"), ("oncall-wang", "disabled")],
)
def test_a_member_not_on_the_staff_list_or_disabled_is_refused_and_audited(
    wecom, sign_in, audit, userid, reason
):
    back = _pick(wecom, userid, state=sign_in.new_state())
    refused = pytest.raises(SignInRefused, sign_in.finish, back["code"], back["state"], "::1",
                            None).value  # fmt: skip
    assert (refused.reason, refused.status) == (reason, 403)
    assert "ask a claims supervisor" in str(refused)
    assert [(e["who"], e["action"], e["detail"]["reason"]) for e in audit.entries] == [
        (userid, "sign_in_refused", reason)
    ]


def test_someone_outside_the_corp_is_refused(wecom, sign_in):
    code = wecom.login.issue_code(None)
    refused = pytest.raises(SignInRefused, sign_in.finish, code, sign_in.new_state(), None,
                            None).value  # fmt: skip
    assert (refused.reason, refused.status) == ("not_member", 403)


def test_wecom_busy_is_a_503_to_try_again(wecom, sign_in):
    code = wecom.login.issue_code("supervisor-chen")
    wecom.add_fault("auth/getuserinfo", errcode=-1)
    refused = pytest.raises(SignInRefused, sign_in.finish, code, sign_in.new_state(), None,
                            None).value  # fmt: skip
    assert (refused.reason, refused.status) == ("unavailable", 503)
