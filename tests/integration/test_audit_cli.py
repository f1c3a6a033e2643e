"""`claimbot audit verify|list`: the whole hash chain checked, the first broken link named."""

from __future__ import annotations

import pytest

from chalicelib.store.audit import AuditLog
from chalicelib.store.models import AuditEntry
from devstack.cli import main

pytestmark = pytest.mark.integration


@pytest.fixture
def cli(cli_env, container):
    return main


def test_verify_walks_the_chain_and_names_an_edited_entry(cli, capsys):
    log = AuditLog()
    for n in range(3):
        log.append("auditor1", "auditor", "records.search", detail={"n": n})
    assert cli(["audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out

    victim = log.entries(limit=2)[1]  # not the newest: a link in the middle
    original = dict(victim.detail)
    victim.detail = {"n": "changed after the fact"}
    victim.save()
    try:
        assert cli(["audit", "verify"]) == 1
        out = capsys.readouterr().out
        assert f"BROKEN at entry {int(victim.seq)}" in out and "edited" in out
    finally:
        victim.detail = original
        victim.save()
    assert cli(["audit", "verify"]) == 0


def test_a_removed_entry_is_named_as_missing(cli, capsys):
    log = AuditLog()
    for n in range(2):
        log.append("auditor1", "auditor", "records.view", detail={"n": n})
    removed = log.entries(limit=2)[1]
    kept = AuditEntry.get(removed.chain, removed.seq)
    removed.delete()
    try:
        assert cli(["audit", "verify"]) == 1
        assert f"entry {int(kept.seq)} is missing" in capsys.readouterr().out
    finally:
        kept.save()
    assert cli(["audit", "verify"]) == 0


def test_list_shows_the_newest_entries(cli, capsys):
    AuditLog().append("legal1", "auditor", "records.export", claim_no="RSVY1")
    assert cli(["audit", "list", "--last", "1"]) == 0
    line = capsys.readouterr().out.strip()
    assert "legal1 (auditor)" in line and "records.export" in line and "RSVY1" in line
