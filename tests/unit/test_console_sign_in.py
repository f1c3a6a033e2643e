"""Staff sign-in through WeCom, without the network: the signed state, claimbot's session
token, and how the verifier reads roles and the disabled mark from the staff table."""

from __future__ import annotations

import time

import pytest

from chalicelib.console.auth import (
    STAFF_RECHECK_S,
    TokenVerifier,
    Unauthorized,
    issue_dev_token,
    issue_session_token,
)
from chalicelib.console.sign_in import STATE_TTL_S, SignInRefused, WeComApp, WeComSignIn
from chalicelib.settings import Settings, SettingsError, settings_from_env
from chalicelib.store.staff import StaffMember

SECRET = "session-secret-for-tests"
DEV_SECRET = "dev-secret-for-tests"
APP = WeComApp("ww0123", "1000002", "https://login.work.weixin.qq.com")


class Clock:
    """Starts now: PyJWT checks a token's times against the real clock."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class Table:
    """The staff table as a dict; counts the reads."""

    def __init__(self, **members: StaffMember) -> None:
        self.members = dict(members)
        self.reads = 0

    def get(self, userid: str) -> StaffMember | None:
        self.reads += 1
        return self.members.get(userid)


def _sign_in(clock: Clock, secret: str = SECRET) -> WeComSignIn:
    def no_exchange(code: str) -> str | None:
        raise AssertionError("the code must not be exchanged")

    exchange = type("NoExchange", (), {"user_from_code": staticmethod(no_exchange)})()
    return WeComSignIn(APP, exchange, Table().get, audit=None,  # type: ignore[arg-type]
                       secret=secret, session_ttl_s=3600, clock=clock)  # fmt: skip


def _refusal(call) -> SignInRefused:
    with pytest.raises(SignInRefused) as caught:
        call()
    return caught.value


# --- the state -------------------------------------------------------------------------------


def test_a_state_is_letters_and_digits_within_wecoms_128_and_checks_until_it_expires():
    clock = Clock()
    sign_in = _sign_in(clock)
    state = sign_in.new_state()
    assert state.isalnum() and len(state) <= 128
    assert state != sign_in.new_state()  # a nonce each time
    sign_in.check_state(state)
    clock.now += STATE_TTL_S - 1
    sign_in.check_state(state)
    clock.now += 2
    refused = _refusal(lambda: sign_in.check_state(state))
    assert (refused.reason, refused.status) == ("expired_state", 400)


@pytest.mark.parametrize(
    "forge",
    [
        lambda s: s[:-1] + ("0" if s[-1] != "0" else "1"),  # the MAC changed
        lambda s: ("f" if s[0] != "f" else "e") + s[1:],  # the nonce changed
        lambda s: s[:32] + "ffffffff" + s[40:],  # a later expiry, same MAC
        lambda s: s.upper(),
        lambda s: s + "0",
        lambda s: "",
        lambda s: None,
        lambda s: 12345,
    ],
)
def test_a_state_claimbot_did_not_sign_is_refused(forge):
    sign_in = _sign_in(Clock())
    refused = _refusal(lambda: sign_in.check_state(forge(sign_in.new_state())))
    assert (refused.reason, refused.status) == ("bad_state", 400)


def test_a_state_signed_with_another_secret_is_refused():
    other = _sign_in(Clock(), secret="another deployment's secret").new_state()
    refused = _refusal(lambda: _sign_in(Clock()).check_state(other))
    assert refused.reason == "bad_state"


def test_the_code_is_not_exchanged_without_a_good_state():
    sign_in = _sign_in(Clock())
    refused = _refusal(lambda: sign_in.finish("a-code", "forged", "127.0.0.1", "test"))
    assert refused.reason == "bad_state"  # and NoExchange was never called


@pytest.mark.parametrize("code", ["", None, "x" * 513, "代码", "a\nb", 42])
def test_a_malformed_code_is_refused_before_asking_wecom(code):
    sign_in = _sign_in(Clock())
    refused = _refusal(lambda: sign_in.finish(code, sign_in.new_state(), None, None))
    assert (refused.reason, refused.status) == ("invalid_code", 401)


# --- the session token and the staff table ---------------------------------------------------


def _verifier(table: Table, clock: Clock, dev_secret: str = "") -> TokenVerifier:
    return TokenVerifier(dev_secret=dev_secret, session_secret=SECRET, staff_lookup=table.get,
                         clock=clock)  # fmt: skip


def _bearer(token: str) -> str:
    return f"Bearer {token}"


def test_a_session_token_names_the_member_with_the_roles_the_table_has_now():
    clock = Clock()
    table = Table(li=StaffMember("li", "李理赔", ("adjuster",)))
    verifier = _verifier(table, clock)
    token = issue_session_token("li", "李理赔", ["adjuster"], SECRET, 3600, now=clock.now)
    staff = verifier.staff(_bearer(token))
    assert (staff.id, staff.name, staff.roles) == ("li", "李理赔", ("adjuster",))

    table.members["li"] = StaffMember("li", "李理赔", ("adjuster", "supervisor"))
    clock.now += STAFF_RECHECK_S - 1
    assert verifier.staff(_bearer(token)).roles == ("adjuster",)  # read a moment ago
    assert table.reads == 1
    clock.now += 2
    assert verifier.staff(_bearer(token)).roles == ("adjuster", "supervisor")


@pytest.mark.parametrize(
    "now_in_table",
    [None, StaffMember("li", "李理赔", ("adjuster",), disabled=True)],
    ids=["removed", "disabled"],
)
def test_a_member_disabled_or_removed_is_signed_out_within_a_minute(now_in_table):
    clock = Clock()
    table = Table(li=StaffMember("li", "李理赔", ("adjuster",)))
    verifier = _verifier(table, clock)
    token = issue_session_token("li", "李理赔", ["adjuster"], SECRET, 8 * 3600, now=clock.now)
    verifier.staff(_bearer(token))
    table.members.pop("li")
    if now_in_table is not None:
        table.members["li"] = now_in_table
    clock.now += STAFF_RECHECK_S + 1
    with pytest.raises(Unauthorized):
        verifier.staff(_bearer(token))


def test_roles_in_the_token_count_for_nothing_the_table_decides():
    clock = Clock()
    table = Table(li=StaffMember("li", "李理赔", ("agent",)))
    token = issue_session_token("li", "李理赔", ["supervisor"], SECRET, 3600, now=clock.now)
    assert _verifier(table, clock).staff(_bearer(token)).roles == ("agent",)


def test_an_expired_or_foreign_session_token_is_refused():
    clock = Clock()
    table = Table(li=StaffMember("li", "李理赔", ("adjuster",)))
    verifier = _verifier(table, clock)
    old = issue_session_token("li", "李理赔", ["adjuster"], SECRET, 3600, now=clock.now - 7200)
    foreign = issue_session_token("li", "李理赔", ["adjuster"], "not our secret", 3600,
                                  now=clock.now)  # fmt: skip
    for token in (old, foreign):
        with pytest.raises(Unauthorized):
            verifier.staff(_bearer(token))
    assert table.reads == 0  # refused before the table is asked


def test_the_dev_sign_in_still_works_beside_wecom_and_cannot_pass_for_a_session():
    clock = Clock()
    table = Table()
    verifier = _verifier(table, clock, dev_secret=DEV_SECRET)
    user = {"id": "adjuster1", "name": "李理赔", "roles": ["adjuster"]}
    assert verifier.staff(_bearer(issue_dev_token(user, DEV_SECRET))).id == "adjuster1"
    import jwt

    dressed_up = jwt.encode({"sub": "x", "exp": int(clock.now) + 60}, DEV_SECRET,
                            algorithm="HS256", headers={"kid": "claimbot-session"})  # fmt: skip
    with pytest.raises(Unauthorized):
        verifier.staff(_bearer(dressed_up))


def test_a_session_token_is_refused_where_wecom_sign_in_is_off():
    token = issue_session_token("li", "李理赔", ["supervisor"], DEV_SECRET, 3600)
    with pytest.raises(Unauthorized):  # same secret by mistake: still not a dev token
        TokenVerifier(dev_secret=DEV_SECRET).staff(_bearer(token))


# --- choosing the sign-in -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "method"),
    [
        ({}, ""),
        ({"WECOM_CORP_ID": "ww1"}, "wecom"),
        ({"WECOM_CORP_ID": "ww1", "CONSOLE_JWKS_URL": "https://idp/jwks"}, "cognito"),
        ({"CONSOLE_JWKS_URL": "https://idp/jwks"}, "cognito"),
        ({"CONSOLE_SIGN_IN": "OIDC", "CONSOLE_JWKS_URL": "https://idp/jwks"}, "oidc"),
        ({"CONSOLE_SIGN_IN": "wecom", "CONSOLE_JWKS_URL": "https://idp/jwks"}, "wecom"),
    ],
)
def test_the_sign_in_method_follows_the_settings(env, method):
    assert settings_from_env(env).sign_in_method == method


def test_an_unknown_sign_in_method_is_refused():
    with pytest.raises(SettingsError, match="CONSOLE_SIGN_IN"):
        Settings(wechat_token="t", console_sign_in="ldap").validate()


def test_the_session_secret_comes_from_ssm_like_the_others():
    settings = Settings().with_secrets({"CONSOLE_SESSION_SECRET": "from-ssm"})
    assert settings.console_session_secret == "from-ssm"
