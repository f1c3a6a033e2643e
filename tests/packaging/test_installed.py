"""What `pip install` makes of the project is what `claimbot` needs, wherever it is run from.

`make run` installs the project into .venv and runs the `claimbot` entry point; nothing in the
checkout is on sys.path then unless the working directory happens to be the repository root.
So: the installed command and the modules it imports lazily work from another folder with no
PYTHONPATH, and the wheel carries every module and data file of the packages it installs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PACKAGED = ("app.py", "chalicelib/", "devstack/", "infra/")  # pyproject.toml: what is installed


def _outside_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


def test_claimbot_and_what_it_imports_later_work_outside_the_checkout(tmp_path):
    # Imported inside functions (only when a stack starts, a condition is evaluated, the app is
    # served, a function invoked), so `import devstack.cli` alone would not notice them missing.
    script = """
import app, devstack.aws, devstack.cli, devstack.stack, infra.conditions, infra.iam, infra.invoke
from devstack.infra import TEMPLATE, Resolver, load_template
from chalicelib.dialog.menu import MENU_FILE
template = load_template()
resolver = Resolver("local", "ap-east-1", template=template)
print(sorted(resolver.condition(name) for name in template.get("Conditions") or {}))
print(TEMPLATE.is_file(), MENU_FILE.is_file())
"""
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=_outside_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "True True"

    claimbot = subprocess.run(
        [str(BIN / "claimbot"), "dev", "--help"],
        cwd=tmp_path,
        env=_outside_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert claimbot.returncode == 0, claimbot.stderr
    assert "--wecom-port" in claimbot.stdout


def _worktree_files() -> list[str]:
    """Tracked and new (not ignored) files of the working tree, as a fresh commit would have."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    return sorted(f for f in listed if f and (ROOT / f).is_file())


def test_the_wheel_holds_every_module_and_data_file_of_the_installed_packages(tmp_path):
    source = tmp_path / "src"
    files = ["pyproject.toml"] + [f for f in _worktree_files() if f.startswith(PACKAGED)]
    for name in files:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    proc = subprocess.run(
        [*pip, "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (wheel,) = (tmp_path / "dist").glob("claimbot-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        scripts = archive.read(entry_points).decode()
    shipped = {n for n in names if ".dist-info/" not in n}
    # Every file of the packages (a data file left out of package-data shows up here), nothing
    # else (tests, bench and events are run from a checkout).
    assert sorted(shipped ^ set(files[1:])) == []
    assert re.search(r"^claimbot = devstack\.cli:main$", scripts, re.MULTILINE)
