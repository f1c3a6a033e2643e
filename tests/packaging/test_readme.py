"""The README says what the commands really take (the rest is run in tests/devstack/)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from events import generate as samples

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DEPLOY = ROOT / "docs" / "deploy.md"


def _readme_row(command: str) -> str:
    (row,) = [line for line in README.read_text(encoding="utf-8").splitlines()
              if line.startswith(f"| {command} |")]  # fmt: skip
    return row


def test_the_readme_lists_every_option_of_claimbot_dev(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    claimbot = Path(sys.executable).parent / "claimbot"
    proc = subprocess.run(
        [str(claimbot), "dev", "--help"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", proc.stdout)) - {"--help"}
    assert {"--wecom-port", "--emulator-port", "--aws-port"} <= options
    documented = set(re.findall(r"`(--[a-z][a-z-]*)", _readme_row("`make run` / `claimbot dev`")))
    assert documented == options


def _sam_lines(path: Path) -> list[str]:
    """The `sam local invoke` block: the build, the parameters, one line per sample."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index("make package STAGE=dev && sam build -t infra/out/template.yaml")
    end = lines.index("```", start)
    return lines[start:end]


def test_the_readme_invokes_each_sample_as_the_deploy_guide_does():
    readme = _sam_lines(README)
    assert readme == _sam_lines(DEPLOY)
    assert readme[1].startswith('P="')
    invocations = readme[2:]
    assert all(line.endswith("--env-vars events/env.json --parameter-overrides $P")
               for line in invocations)  # fmt: skip
    invoked = {
        re.search(r"-e events/(\S+)", line).group(1): line.split()[3] for line in invocations
    }
    assert invoked == samples.FUNCTION_OF
