"""The knowledge base stored in DynamoDB (KbStore) and `claimbot kb`, against moto.

Table claimbot-local-kb comes from infra/resources.yaml; until the template has it, the fixture
creates it from the model (hash key `name`, S), so the test runs either way.
"""

from __future__ import annotations

import boto3
import pytest

from chalicelib.domain.kb import parse_kb
from chalicelib.kb import load_default, pinyin_table, read_default_bytes
from chalicelib.store import kb as kb_store
from chalicelib.store.kb import CURRENT, KbConflict, KbSnapshot, KbStore, KbTooLarge, bind_kb_table

pytestmark = pytest.mark.integration

TABLE = "claimbot-local-kb"
FAQ = (
    "\ufeffid,category,questions,keywords,answer,article_title,article_description,article_url\r\n"
    "price,交强险,交强险多少钱|交强险一年多少钱,交强险价格,家庭自用汽车6座以下950元。,,,\r\n"
    "report,报案,怎么报案|报案电话是多少,报案,请拨打 {hotline} 报案。,,,\r\n"
).encode()
SYNONYMS = "word,synonyms\r\n交强险,强制险|交强\r\n".encode()


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def table(settings):
    """The kb table, empty before and after each test (other tests may use the shipped KB)."""
    bind_kb_table(settings)
    if not KbSnapshot.exists():
        KbSnapshot.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
    _clear()
    yield TABLE
    _clear()


def _clear() -> None:
    try:
        KbSnapshot.get(CURRENT).delete()
    except KbSnapshot.DoesNotExist:
        pass


def _kb(faq: bytes = FAQ, synonyms: bytes = SYNONYMS):
    from chalicelib.domain.kb import csv_rows

    return parse_kb(csv_rows(faq), csv_rows(synonyms), pinyin_table())


def test_nothing_stored_means_the_shipped_knowledge_base(table):
    store = KbStore()
    assert store.load() is None
    assert store.head() is None
    shipped = load_default()
    assert [e.id for e in store.cached().entries] == [e.id for e in shipped.entries]


def test_save_and_load_round_trip_with_versions(table):
    clock = Clock()
    store = KbStore(clock=clock)
    kb = _kb()
    assert store.save(kb, FAQ + b"\0" + SYNONYMS) == (1, True)

    loaded = store.load()
    assert loaded.entries == kb.entries
    assert loaded.synonyms == kb.synonyms
    assert loaded.ask("强制险多少钱") == kb.ask("强制险多少钱")
    assert loaded.ask("强制险多少钱").matches[0].entry.id == "price"
    head = store.head()
    assert head["version"] == 1 and head["imported_at"] == int(clock.now)
    assert len(head["source_sha256"]) == 64

    # The same files again: nothing written. Other files: the next version.
    assert store.save(kb, FAQ + b"\0" + SYNONYMS) == (1, False)
    changed = FAQ.replace("950元".encode(), "950元（以保险公司规定为准）".encode())
    assert store.save(_kb(changed), changed + b"\0" + SYNONYMS) == (2, True)
    assert "以保险公司规定为准" in store.load().entry("price").answer


def test_entries_are_stored_as_utf8_json_not_escapes(table):
    KbStore().save(_kb(), FAQ)
    item = boto3.client("dynamodb").get_item(TableName=TABLE, Key={"name": {"S": CURRENT}})["Item"]
    assert "交强险多少钱" in item["entries"]["S"]
    assert "\\u" not in item["entries"]["S"]
    assert set(item) == {"name", "version", "entries", "synonyms", "imported_at", "source_sha256"}


def test_the_shipped_knowledge_base_fits_in_one_item(table):
    faq, synonyms = read_default_bytes()
    kb = load_default()
    assert KbStore().save(kb, faq + b"\0" + synonyms).changed
    assert KbStore().load().entries == kb.entries


def test_too_large_and_conflicting_imports_write_nothing(table, monkeypatch):
    store = KbStore()
    monkeypatch.setattr(kb_store, "MAX_ITEM_BYTES", 100)
    with pytest.raises(KbTooLarge, match="DynamoDB takes at most"):
        store.save(_kb(), FAQ)
    assert store.head() is None
    monkeypatch.undo()

    store.save(_kb(), FAQ)
    stale = KbStore()
    first_head = stale._head()
    store.save(_kb(), FAQ + b"changed")  # another import: version 2
    monkeypatch.setattr(stale, "_head", lambda: first_head)
    with pytest.raises(KbConflict):
        stale.save(_kb(), FAQ + b"mine")
    assert store.head()["version"] == 2


def test_cached_keeps_the_built_kb_and_rebuilds_only_on_a_new_version(table):
    clock = Clock()
    reader = KbStore(clock=clock)
    writer = KbStore(clock=clock)
    shipped = reader.cached()
    assert reader.cached() is shipped  # nothing stored: the shipped one, built once

    writer.save(_kb(), FAQ)
    assert reader.cached() is shipped  # within five minutes: not asked again
    clock.now += 301
    stored = reader.cached()
    assert [e.id for e in stored.entries] == ["price", "report"]

    clock.now += 301
    assert reader.cached() is stored  # same version: the built KB is kept

    changed = FAQ + "extra,其他,第三个问题,,第三个答案,,,\r\n".encode()
    writer.save(_kb(changed), changed)
    assert reader.cached(max_age_s=0).entry("extra") is not None

    _clear()  # removed: back to the shipped one
    assert len(reader.cached(max_age_s=0).entries) == len(shipped.entries)


def test_cached_survives_dynamodb_failures(table, settings):
    clock = Clock()
    store = KbStore(clock=clock)
    KbStore().save(_kb(), FAQ)
    stored = store.cached()
    KbSnapshot.Meta.table_name = "claimbot-local-no-such-table"
    KbSnapshot._connection = None
    try:
        clock.now += 301
        assert store.cached() is stored  # kept, and not asked again for five minutes
        fresh = KbStore(clock=clock)
        assert len(fresh.cached().entries) == len(load_default().entries)  # nothing yet: shipped
    finally:
        bind_kb_table(settings)


# --- claimbot kb ---------------------------------------------------------------------------




def test_kb_import_writes_nothing_on_any_error(table, cli_env, tmp_path, capsys):
    from devstack.cli import main

    bad = tmp_path / "faq.csv"
    bad.write_bytes(FAQ + "price,x,另一个问题,,,,,\r\n,x,没有编号,,答案,,,\r\n".encode())
    assert main(["kb", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad} row 4: duplicate id 'price' (first on row 2)" in err
    assert f"{bad} row 4: neither answer nor article" in err
    assert f"{bad} row 5: missing id" in err
    assert "3 problems found; nothing was imported" in err
    assert KbStore().head() is None

    synonyms = tmp_path / "synonyms.csv"
    synonyms.write_text("word,synonyms\n交强险,强制险\n强险,强制险\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_bytes(FAQ)
    assert main(["kb", "import", str(good), "--synonyms", str(synonyms)]) == 1
    err = capsys.readouterr().err
    assert f"{synonyms} row 3: '强制险' already belongs to '交强险' (row 2)" in err
    assert KbStore().head() is None

    assert main(["kb", "import", str(tmp_path / "missing.csv")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_kb_import_stores_the_next_version_and_ask_reads_it(table, cli_env, tmp_path, capsys):
    import json

    from devstack.cli import main

    faq = tmp_path / "faq.csv"
    faq.write_bytes(FAQ)
    assert main(["kb", "import", str(faq), "--dry-run"]) == 0
    assert "nothing written" in capsys.readouterr().out
    assert KbStore().head() is None

    assert main(["kb", "import", str(faq)]) == 0
    out = capsys.readouterr().out
    assert "imported knowledge base version 1: 2 entries in 2 categories, 4 questions" in out
    assert main(["kb", "import", str(faq)]) == 0
    assert "unchanged: version 1" in capsys.readouterr().out

    assert main(["kb", "ask", "强制险多少钱", "--stored", "--top", "2"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["source"] == "stored version 1"
    assert result["kind"] == "answer"
    assert result["matches"][0]["id"] == "price"
    assert [m["id"] for m in result["top"]] == ["price", "report"]

    assert main(["kb", "ask", "推荐一家餐厅"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["source"], result["kind"], result["matches"]) == ("shipped", "none", [])
