"""WeCom's URL check (GET /wecom) on a cold start: WeCom gives it 1 s.

`python -m bench.wecom_url_check [--runs 5]` starts fresh interpreters that import the app and
answer one signed check, as a new Lambda instance does after `import app` (Lambda's own runtime
start and the SSM read of the secrets come on top in AWS: see docs/deploy.md, Cold starts). It
prints the time to `import app`, the time to answer, and checks the answer is the echo.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from bench.common import REPO

PROBE = """
import json, sys, time
t0 = time.perf_counter()
import app
t1 = time.perf_counter()
answer = app.app(json.loads(sys.stdin.read()), None)
t2 = time.perf_counter()
print(json.dumps({"import_ms": (t1 - t0) * 1000, "check_ms": (t2 - t1) * 1000,
                  "status": answer["statusCode"], "body": answer["body"],
                  "stores_loaded": [m for m in ("pynamodb", "botocore.client", "boto3")
                                    if m in sys.modules]}))
"""
ECHO = "claimbot-url-check"


def check_event() -> dict[str, Any]:
    """A signed URL check as WeCom sends it (the devstack's callback token and key)."""
    from chalicelib.staff.wecom import _sign
    from devstack import wecom_defaults as wd
    from devstack.wecom_emulator import encrypt_for_callback

    echostr = encrypt_for_callback(ECHO, wd.secret("WECOM_CALLBACK_AES_KEY"),
                                   wd.secret("WECOM_CORP_ID"))  # fmt: skip
    timestamp, nonce = str(int(time.time())), "bench"
    signature = _sign(wd.secret("WECOM_CALLBACK_TOKEN"), timestamp, nonce, echostr)
    query = {"msg_signature": signature, "timestamp": timestamp, "nonce": nonce,
             "echostr": echostr}  # fmt: skip
    return {
        "requestContext": {"httpMethod": "GET", "resourcePath": "/wecom", "path": "/wecom",
                           "identity": {"sourceIp": "127.0.0.1"}},  # fmt: skip
        "headers": {},
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()},
        "pathParameters": None,
        "stageVariables": {},
        "body": None,
        "isBase64Encoded": False,
    }


def child_env() -> dict[str, str]:
    """The API function's settings (no AWS endpoint is reached: the check needs none)."""
    from devstack import defaults
    from devstack import wecom_defaults as wd

    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WECHAT_"))},
        "CLAIMBOT_STAGE": "local",
        "WECHAT_TOKEN": defaults.WECHAT_TOKEN,
        "WECHAT_APP_ID": defaults.WECHAT_APP_ID,
        "WECHAT_APP_SECRET": defaults.WECHAT_APP_SECRET,
        "CLAIMBOT_ID_PEPPER": defaults.secret("CLAIMBOT_ID_PEPPER"),
        **{name: wd.secret(name) for name in wd.SECRET_NAMES},
        "AWS_DEFAULT_REGION": "ap-east-1",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # nothing listens: any AWS call would fail
    }


def measure(runs: int) -> list[dict[str, Any]]:
    event, env, results = json.dumps(check_event()), child_env(), []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", PROBE], input=event, capture_output=True,
                              text=True, env=env, cwd=REPO, timeout=60, check=True)  # fmt: skip
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if (result["status"], result["body"]) != (200, ECHO):
            raise SystemExit(f"the URL check was not answered with the echo: {result}")
        results.append(result)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    results = measure(parser.parse_args().runs)
    for key in ("import_ms", "check_ms"):
        values = [r[key] for r in results]
        print(f"{key}: median {statistics.median(values):.0f}, max {max(values):.0f}")
    total = [r["import_ms"] + r["check_ms"] for r in results]
    print(f"import + check: median {statistics.median(total):.0f} ms, max {max(total):.0f} ms "
          f"(budget 1000 ms with Lambda's start and the SSM read)")  # fmt: skip


if __name__ == "__main__":
    main()
