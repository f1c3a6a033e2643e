"""`claimbot roster add / list / now / remove` against moto server."""

from __future__ import annotations

import json

import pytest

from chalicelib.store.models import RosterShift
from devstack.cli import main

pytestmark = pytest.mark.integration


@pytest.fixture
def empty_roster(container, monkeypatch):
    monkeypatch.setenv("WECHAT_API_BASE", container.settings.wechat_api_base)  # not the stack
    monkeypatch.setenv("WECHAT_TOKEN", "t")
    from chalicelib.settings import current_settings

    current_settings.cache_clear()
    for item in RosterShift.scan():
        item.delete()
    yield
    current_settings.cache_clear()


def test_add_list_now_and_remove(empty_roster, capsys):
    night = ["--start", "2026-11-22 18:00", "--end", "2026-11-23 09:00"]
    assert main(["roster", "add", "--staff", "S1", "--name", "李值班", "--wecom", "oncall-li",
                 *night]) == 0  # fmt: skip
    assert main(["roster", "add", "--staff", "S2", "--name", "王备班", "--wecom", "oncall-wang",
                 "--role", "backup", *night]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["roster", "now", "--at", "2026-11-22 23:30", "--json"]) == 0
    on_call = json.loads(capsys.readouterr().out)
    assert [(p["name"], p["role"]) for p in on_call] == [
        ("李值班", "primary"),
        ("王备班", "backup"),
    ]
    assert main(["roster", "now", "--at", "2026-11-23 09:00"]) == 0  # the end is not included
    assert "nobody is on call" in capsys.readouterr().out
    assert main(["roster", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 2 and "2026-11-22 18:00 → 2026-11-23 09:00" in listed[0]
    shift_id = listed[0].split()[0]
    assert main(["roster", "remove", shift_id]) == 0
    assert main(["roster", "remove", shift_id]) == 1


def test_bad_times_are_refused_in_english(empty_roster, capsys):
    args = ["roster", "add", "--staff", "S1", "--name", "x", "--wecom", "u"]
    assert main([*args, "--start", "tonight", "--end", "2026-11-23 09:00"]) == 2
    assert "not a time" in capsys.readouterr().err
    assert main([*args, "--start", "2026-11-23 09:00", "--end", "2026-11-22 18:00"]) == 2
    assert "--end must be after --start" in capsys.readouterr().err
