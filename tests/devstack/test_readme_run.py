"""The README's run path, as a user takes it.

`make run` is the installed `claimbot dev`: started here from a folder outside the repository,
with no PYTHONPATH, on free ports (devstack/process.py, which every end-to-end test uses), it
answers a message signed and encrypted as WeChat sends it. Then the commands of the README's
"Testing each function as Lambda would" (and docs/deploy.md's) run, as written, against it:
`python -m infra.invoke --devstack` with the dev stage's template.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from devstack import defaults
from devstack.process import claimbot_command, running_stack
from devstack.simulator.client import WeChatSimulatorClient
from events import generate as samples

pytestmark = pytest.mark.devstack
ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = (ROOT / "README.md", ROOT / "docs" / "deploy.md")
INVOKE = ".venv/bin/python -m infra.invoke "


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("readme-run")) as running:
        yield running


def _proc_file(pid: int, name: str) -> bytes:
    return Path(f"/proc/{pid}/{name}").read_bytes()


def test_make_run_runs_the_installed_claimbot_dev():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nrun: ", 1)[1].splitlines()[1]
    assert recipe.strip() == "$(BIN)/claimbot dev"


def test_the_stack_was_started_as_a_user_starts_it(stack):
    pid = stack.proc.pid
    argv = [a.decode() for a in _proc_file(pid, "cmdline").split(b"\0") if a]
    # The entry point script, run by the virtualenv's interpreter (its shebang).
    assert argv[1] == str(claimbot_command()) and argv[2] == "dev"
    assert [argv[i + 1] for i, a in enumerate(argv) if a.endswith("-port")] == ["0"] * len(
        defaults.PORTS
    )
    environ = dict(
        item.split(b"=", 1) for item in _proc_file(pid, "environ").split(b"\0") if b"=" in item
    )
    assert b"PYTHONPATH" not in environ
    cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
    assert cwd == stack.folder and not cwd.is_relative_to(ROOT)
    assert {"webhook", "wechat-emulator", "wecom-emulator", "simulator", "aws"} <= set(stack.urls)
    assert stack.lines[-1] == "ready"


def test_a_signed_encrypted_message_gets_a_chinese_passive_reply(stack):
    client = WeChatSimulatorClient(
        stack.urls["webhook"],
        defaults.secret("WECHAT_TOKEN"),
        defaults.secret("WECHAT_APP_ID"),
        defaults.secret("WECHAT_ENCODING_AES_KEY"),
        mode=defaults.MODE,
    )
    openid = f"o_readme_{uuid.uuid4().hex[:8]}"
    reply = client.send_text(openid, "菜单")
    assert reply is not None and reply.encrypted
    assert re.search(r"[\u4e00-\u9fff]", reply.content or ""), reply
    assert "报价" in reply.content  # the numbered menu the README's first screen describes
    logged = (stack.folder / "stderr.log").read_text(encoding="utf-8")
    assert '"POST /wechat" 200' in logged  # the access log, without the signed query
    assert openid not in logged and "signature=" not in logged and "nonce=" not in logged


# --- README "Testing each function as Lambda would", docs/deploy.md "Testing each function" ---


def _documented(path: Path) -> tuple[str, list[str]]:
    """The `infra.invoke --devstack` lines of a document and the `P=` line above them."""
    lines = path.read_text(encoding="utf-8").splitlines()
    commands = [i for i, x in enumerate(lines) if x.startswith(INVOKE) and "--devstack" in x]
    assert commands, f"{path.name} documents no `{INVOKE}... --devstack` command"
    parameters = [line for line in lines[: commands[0]] if line.startswith('P="')]
    assert parameters, f"{path.name}: no P=... line before its infra.invoke commands"
    return parameters[-1], [lines[i] for i in commands]


def test_the_readme_and_the_deploy_guide_document_the_same_commands():
    readme, deploy = (_documented(path) for path in DOCUMENTS)
    assert readme == deploy
    events = {re.search(r"-e (\S+)", line).group(1) for line in readme[1]}
    assert {"events/wechat-get-verify.json", "events/wechat-post-safe.json"} <= events


@pytest.fixture(scope="module")
def repository_root(stack):
    """The stack's folder shaped like the repository root, as far as the documented commands
    look: `.venv` (this virtualenv), `events/`, and `infra/out/template.yaml` from the dev
    stage's package (`make package STAGE=dev` without the zip: the template is the same).
    `.devstack/stack.json` is the running stack's own."""
    folder = stack.folder
    assert sys.prefix != sys.base_prefix, "run the tests with the project's virtualenv"
    (folder / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    (folder / "events").symlink_to(ROOT / "events", target_is_directory=True)
    args = [sys.executable, "-m", "infra.package", "--stage", "dev", "--fast"]
    package = subprocess.run(
        [*args, "--out", str(folder / "infra" / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert package.returncode == 0, package.stderr
    assert (folder / ".devstack" / "stack.json").is_file()
    return folder


@pytest.fixture(scope="module")
def invoked(repository_root):
    """Each documented command run by a shell as written, in a user's environment: nothing
    pointing at AWS or the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WECHAT_"))}
    env.pop("PYTHONPATH", None)
    parameters, commands = _documented(DOCUMENTS[0])
    outcomes = {}
    for command in commands:
        proc = subprocess.run(
            ["bash", "-c", f"set -e\n{parameters}\n{command}"],
            cwd=repository_root,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert proc.returncode == 0, f"{command}\n{proc.stdout}\n{proc.stderr[-4000:]}"
        event = Path(re.search(r"-e (\S+)", command).group(1)).name
        outcomes[event] = json.loads(proc.stdout)
    return outcomes


def test_the_documented_url_verification_echoes(invoked):
    result = invoked["wechat-get-verify.json"]["result"]
    assert (result["statusCode"], result["body"]) == (200, "claimbot-echostr-sample")


def test_the_documented_safe_mode_follow_gets_an_encrypted_welcome_from_the_stack(invoked, stack):
    result = invoked["wechat-post-safe.json"]["result"]
    assert result["statusCode"] == 200
    reply = samples.wechat_client("safe").parse_reply(samples.FOLLOWER, result["body"].encode())
    assert reply.encrypted and "欢迎关注" in reply.content
    # It ran against the stack: the privacy notice went through the stack's outbox queue, which
    # the stack's event pump sent to its WeChat emulator.
    messages = f"{stack.urls['wechat-emulator']}/_emulator/messages"
    deadline = time.monotonic() + 30
    while not requests.get(messages, params={"touser": samples.FOLLOWER}, timeout=5).json():
        assert time.monotonic() < deadline, "nothing reached the stack's WeChat emulator"
        time.sleep(0.5)


def test_every_documented_command_succeeds(invoked):
    for event, outcome in invoked.items():
        assert "error" not in outcome, (event, outcome["error"])
        if isinstance(outcome["result"], dict) and "statusCode" in outcome["result"]:
            assert outcome["result"]["statusCode"] == 200, (event, outcome["result"])


def test_another_stages_template_is_refused_with_a_reason(repository_root, tmp_path):
    """The stack keeps its secrets where dev's functions read them; prod's would get a 500."""
    args = [sys.executable, "-m", "infra.package", "--stage", "prod", "--fast"]
    package = subprocess.run(
        [*args, "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert package.returncode == 0, package.stderr
    invoke = [str(repository_root / ".venv" / "bin" / "python"), "-m", "infra.invoke"]
    invoke += ["APIHandler", "--devstack", "-t", str(tmp_path / "template.yaml")]
    invoke += ["-e", "events/wechat-get-verify.json", "--env-vars", "events/env.example.json"]
    proc = subprocess.run(invoke, cwd=repository_root, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "make package STAGE=dev" in proc.stderr, proc.stderr
