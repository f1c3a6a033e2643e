"""Local-only WeCom (企业微信) defaults: the emulator's port and throwaway corp secrets.

Never used outside the devstack. `secret(name)` reads the environment first, like
`devstack.defaults.secret`.
"""

from __future__ import annotations

import os

PORT = 8003
WECOM_CORP_ID = "ww00000000c1a1b07d"
WECOM_CORP_SECRET = "claimbot-local-wecom-corp-secret"
WECOM_AGENT_ID = 1000002
WECOM_CALLBACK_TOKEN = "claimbot-local-wecom-token"
WECOM_CALLBACK_AES_KEY = "TMrhfHxqS5l6D0dv3xypA7lP2d9mx0u0ifr4SZl7vuU"
# The app's callback path on the local webhook server (the emulator posts replies there).
CALLBACK_PATH = "/wecom"
# Members of the local corp directory: who can be on call and reply.
STAFF_USERIDS = ("oncall-li", "oncall-wang", "supervisor-chen")
# The local roster: on call from a day ago for a month (claimbot dev seeds it).
DEMO_ROSTER = (
    ("S1001", "李值班", "oncall-li", "primary"),
    ("S1002", "王备班", "oncall-wang", "backup"),
    ("S1003", "陈主管", "supervisor-chen", "supervisor"),
)
# The console's staff (`claimbot staff`), seeded by claimbot dev: they sign in through the
# emulator's WeCom login page. Userid, name, roles, team.
DEMO_TEAM = "理赔一组"
DEMO_STAFF = (
    ("oncall-li", "李值班", ("adjuster", "agent"), DEMO_TEAM),
    ("oncall-wang", "王备班", ("agent",), DEMO_TEAM),
    ("supervisor-chen", "陈主管", ("supervisor",), DEMO_TEAM),
)

SECRET_NAMES = (
    "WECOM_CORP_ID",
    "WECOM_CORP_SECRET",
    "WECOM_AGENT_ID",
    "WECOM_CALLBACK_TOKEN",
    "WECOM_CALLBACK_AES_KEY",
)


def port() -> int:
    """CLAIMBOT_WECOM_PORT, else 8003."""
    return int(os.environ.get("CLAIMBOT_WECOM_PORT", PORT))


def secret(name: str) -> str:
    defaults = {
        "WECOM_CORP_ID": WECOM_CORP_ID,
        "WECOM_CORP_SECRET": WECOM_CORP_SECRET,
        "WECOM_AGENT_ID": str(WECOM_AGENT_ID),
        "WECOM_CALLBACK_TOKEN": WECOM_CALLBACK_TOKEN,
        "WECOM_CALLBACK_AES_KEY": WECOM_CALLBACK_AES_KEY,
    }
    return os.environ.get(name) or defaults[name]
