"""Local-only defaults: ports and throwaway WeChat secrets. Never used outside the devstack."""

from __future__ import annotations

import os

HOST = "127.0.0.1"
PORTS = {"aws": 4566, "webhook": 8000, "emulator": 8001, "simulator": 8002, "wecom": 8003}

WECHAT_TOKEN = "claimbot-local-token"
WECHAT_APP_ID = "wx00000000c1a1b07d"
WECHAT_APP_SECRET = "claimbot-local-app-secret"
WECHAT_ENCODING_AES_KEY = "6fVrfwdMrra5Lu9PIAyx0yBohIgWfNofIG15NbSCksg"
MODE = "safe"
ID_PEPPER = "claimbot-local-id-pepper"
CONSOLE_DEV_SECRET = "claimbot-local-console-dev-secret"
CONSOLE_SESSION_SECRET = "claimbot-local-console-session-secret"
CLAIM_STATUS_TEMPLATE = "claim-status-local"
RENEWAL_TEMPLATE = "renewal-local"  # the renewal reminder's category template (续保提醒)
# `claimbot dev` also puts its secrets in the local SSM where the dev stage's functions read
# them (WECHAT_SSM_PATH of .chalice/config.json's dev stage), so that the template
# `make package STAGE=dev` writes can be invoked against it (python -m infra.invoke --devstack).
SSM_PATH = "/claimbot/dev"


def port(name: str) -> int:
    """A port from CLAIMBOT_<NAME>_PORT, else the default."""
    return int(os.environ.get(f"CLAIMBOT_{name.upper()}_PORT", PORTS[name]))


SECRET_NAMES = (
    "WECHAT_TOKEN",
    "WECHAT_APP_ID",
    "WECHAT_APP_SECRET",
    "WECHAT_ENCODING_AES_KEY",
    "CLAIMBOT_ID_PEPPER",
    "CONSOLE_DEV_SECRET",
    "CONSOLE_SESSION_SECRET",
)


def secret(name: str) -> str:
    defaults = {
        "WECHAT_TOKEN": WECHAT_TOKEN,
        "WECHAT_APP_ID": WECHAT_APP_ID,
        "WECHAT_APP_SECRET": WECHAT_APP_SECRET,
        "WECHAT_ENCODING_AES_KEY": WECHAT_ENCODING_AES_KEY,
        "CLAIMBOT_ID_PEPPER": ID_PEPPER,
        "CONSOLE_DEV_SECRET": CONSOLE_DEV_SECRET,
        "CONSOLE_SESSION_SECRET": CONSOLE_SESSION_SECRET,
    }
    return os.environ.get(name) or defaults[name]
