"""`claimbot seed demo`: the demo book, imported through the operator's import, and its logins."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from chalicelib.dialog.render import customer_salutation
from chalicelib.domain.book import BindOutcome
from chalicelib.domain.claims import ClaimStatus
from chalicelib.domain.import_rows import ClaimRow, PolicyRow, parse_claim_row, parse_policy_row
from chalicelib.domain.people import Gender, gender_from_id, surname
from chalicelib.domain.plates import is_new_energy_plate
from chalicelib.store.book import BookStore, claim_from_item, policy_from_item
from chalicelib.store.book_writer import BookWriter
from chalicelib.store.models import ClaimItem, PolicyItem
from devstack import defaults
from devstack.seed import (
    COMMERCIAL,
    COMPULSORY,
    MODELS,
    build_demo_book,
    china_today,
    seed_demo,
)

pytestmark = pytest.mark.integration
KEY = defaults.ID_PEPPER.encode()
ROOT = Path(__file__).resolve().parents[2]
TODAY = china_today()  # one day for the whole module, even if it runs across midnight


@pytest.fixture(scope="module")
def seeded(container):
    return seed_demo(BookWriter(KEY), today=TODAY)


@pytest.fixture(scope="module")
def demo():
    return build_demo_book(TODAY)


def attempt() -> str:
    """A fresh message's dedupe key: each binding attempt is its own message."""
    return uuid.uuid4().hex


def _policies(demo) -> list[PolicyRow]:
    rows = [parse_policy_row(r) for r in demo.policies]
    assert all(isinstance(r, PolicyRow) for r in rows)
    return rows


def _claims(demo) -> list[ClaimRow]:
    rows = [parse_claim_row(r) for r in demo.claims]
    assert all(isinstance(r, ClaimRow) for r in rows)
    return rows


def test_the_seed_imports_cleanly_and_again_changes_nothing(container, seeded, demo):
    assert seeded.ok, seeded.summary()
    assert seeded.policies.accepted + seeded.policies.unchanged == len(demo.policies)
    assert seeded.claims.accepted + seeded.claims.unchanged == len(demo.claims)
    again = seed_demo(BookWriter(KEY), today=TODAY)
    assert (again.policies.accepted, again.policies.unchanged) == (0, len(demo.policies))
    assert (again.claims.accepted, again.claims.unchanged) == (0, len(demo.claims))
    assert again.logins == seeded.logins


def test_the_stored_book_has_the_promised_shape(seeded, demo):
    policies = [
        policy_from_item(i) for i in PolicyItem.batch_get([r["policy_no"] for r in demo.policies])
    ]
    claims = [claim_from_item(i) for i in ClaimItem.batch_get([r["claim_no"] for r in demo.claims])]
    assert len(policies) == len(demo.policies) >= 60
    assert len(claims) == len(demo.claims) >= 35
    statuses = Counter(c.status for c in claims)
    assert set(statuses) == set(ClaimStatus) and min(statuses.values()) >= 2

    names = {p.holder_name for p in policies}
    assert {surname(n) for n in names} >= {"欧阳", "司马", "诸葛", "上官"}
    assert "阿依古丽·买买提" in names
    assert {p.holder_gender for p in policies} == {Gender.MALE, Gender.FEMALE}

    customers = Counter(p.customer_id for p in policies)
    assert 35 <= len(customers) <= 45
    assert set(customers.values()) == {1, 2, 3}
    assert all(c.customer_id in customers for c in claims)


def test_the_demo_rows_are_plausible(demo):
    today = TODAY
    policies, claims = _policies(demo), _claims(demo)

    ends = [p.end for p in policies if not p.cancelled]
    assert sum(1 for p in policies if p.cancelled) == 1
    assert sum(1 for p in policies if p.start > today) >= 1
    assert sum(1 for e in ends if today <= e <= today + timedelta(days=60)) >= 5
    assert sum(1 for e in ends if e < today) >= 3
    assert {p.product for p in policies} == {COMPULSORY, COMMERCIAL}
    for p in policies:
        assert p.end == _year_end(p.start)
        names = {c.name for c in p.coverages}
        if p.product == COMPULSORY:
            assert names == {"死亡伤残赔偿", "医疗费用赔偿", "财产损失赔偿"}
        else:
            assert {"车损险", "第三者责任险", "车上人员责任险(司机)"} <= names
            limits = {c.name: c.limit for c in p.coverages}
            third_party = {Decimal(v) for v in (1000000, 1500000, 2000000, 3000000)}
            assert limits["第三者责任险"] in third_party
            assert 5000 <= limits["车损险"] <= 400000
        assert p.holder_phone and re.fullmatch(r"1[3-9]\d{9}", p.holder_phone)
        assert gender_from_id(p.holder_id_number, today) is not None
        assert p.vin is not None  # valid: parse_policy_row checked the check digit
    electric = {m[0] for m in MODELS if m[3]}
    assert any(p.brand_model in electric for p in policies)
    for p in policies:
        assert is_new_energy_plate(p.plate) == (p.brand_model in electric)

    by_no = {p.policy_no: p for p in policies}
    for c in claims:
        policy = by_no[c.policy_no]
        assert policy.start <= c.accident_date <= policy.end and not policy.cancelled
        assert c.timeline[-1].at.date() < today
        for entry in c.timeline:
            if entry.amount is not None:
                assert 800 <= entry.amount <= 48000
        gaps = [b.at - a.at for a, b in zip(c.timeline, c.timeline[1:], strict=False)]
        assert all(timedelta(minutes=10) <= g <= timedelta(days=10) for g in gaps)


def _year_end(start: date) -> date:
    try:
        return start.replace(year=start.year + 1) - timedelta(days=1)
    except ValueError:
        return date(start.year + 1, 2, 28)


def test_the_book_is_deterministic_for_a_day(demo):
    today = TODAY
    assert build_demo_book(today) == demo
    tomorrow = build_demo_book(today + timedelta(days=1))
    assert [r["holder_id_number"] for r in tomorrow.policies] == [
        r["holder_id_number"] for r in demo.policies
    ]
    assert [r["start_date"] for r in tomorrow.policies] != [r["start_date"] for r in demo.policies]


def test_each_demo_login_binds_and_has_claims(seeded):
    assert len(seeded.logins) == 3
    book = BookStore(KEY)
    salutations = set()
    for login in seeded.logins:
        openid = f"o_seed_{uuid.uuid4().hex[:10]}"
        bound = book.try_bind(openid, login.policy_no, login.id_last6, attempt())
        assert bound.outcome is BindOutcome.BOUND, login
        assert customer_salutation(bound.customer) == login.salutation
        assert book.claims_of(bound.customer.customer_id)
        by_plate = book.try_bind(f"{openid}p", login.plate, login.id_last6, attempt())
        assert by_plate.outcome is BindOutcome.BOUND
        assert by_plate.customer.customer_id == bound.customer.customer_id
        salutations.add(login.salutation)
    assert {"欧阳女士", "阿依古丽女士"} <= salutations
    line = str(seeded.logins[1])
    assert re.fullmatch(r"P[A-Z]{3}\d{16} / .{2}·\w{5,6} / [0-9X]{6} / \S+", line), line


def test_out_keeps_the_csv_files(container, tmp_path, demo):
    result = seed_demo(BookWriter(KEY), out_dir=tmp_path / "demo", today=TODAY)
    assert result.ok and result.out_dir == tmp_path / "demo"
    policies = (tmp_path / "demo" / "policies.csv").read_text(encoding="utf-8-sig")
    claims = (tmp_path / "demo" / "claims.csv").read_text(encoding="utf-8-sig")
    assert policies.splitlines()[0].startswith("policy_no,product,holder_name,holder_id_number")
    assert len(policies.splitlines()) == len(demo.policies) + 1
    assert claims.splitlines()[0] == "claim_no,policy_no,accident_date,timeline"
    assert f"CSV files kept in {tmp_path / 'demo'}" in result.summary()


def test_seed_command_prints_the_reports_and_logins(settings, monkeypatch, capsys, tmp_path):
    from chalicelib.settings import current_settings
    from devstack.cli import main

    for name, value in {
        "CLAIMBOT_STAGE": "local",
        "CLAIMBOT_RESOURCE_PREFIX": "claimbot-local-",
        "WECHAT_TOKEN": defaults.WECHAT_TOKEN,
        "WECHAT_API_BASE": settings.wechat_api_base,
        "CLAIMBOT_ID_PEPPER": defaults.ID_PEPPER,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("devstack.seed.china_today", lambda: TODAY)
    current_settings.cache_clear()
    try:
        assert main(["seed", "demo"]) == 0
    finally:
        current_settings.cache_clear()
    out = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"policies: \d+ accepted, \d+ unchanged, 0 rejected", out[0])
    assert re.fullmatch(r"claims: \d+ accepted, \d+ unchanged, 0 rejected", out[1])
    assert [line.startswith("demo login: ") for line in out[2:]] == [True] * 3


def test_dev_seeds_unless_told_not_to(monkeypatch):
    import devstack.stack
    from devstack.cli import main

    seen = []

    class FakeStack:
        def __init__(self, options):
            seen.append(options.seed_demo)

        def start(self):
            raise OSError("not really")

        def stop(self):
            pass

    monkeypatch.setattr(devstack.stack, "DevStack", FakeStack)
    assert main(["dev"]) == 1
    assert main(["dev", "--no-seed"]) == 1
    assert seen == [True, False]


@pytest.mark.devstack
def test_claimbot_dev_prints_the_demo_logins_before_the_services(tmp_path_factory):
    """As the user starts it: the installed command, outside the checkout (running_stack)."""
    from devstack.process import running_stack

    with running_stack(tmp_path_factory.mktemp("seeded-dev"), simulator=False) as stack:
        lines = list(stack.lines)
    assert lines[-1] == "ready", lines
    logins = [i for i, line in enumerate(lines) if line.startswith("demo login: ")]
    services = [i for i, line in enumerate(lines) if line.startswith("webhook: ")]
    assert len(logins) == 3 and services and max(logins) < min(services), lines


def test_seeding_again_on_another_day_explains_the_conflicting_claims(container, seeded):
    """Last in this module: it moves the demo policies a day, then puts them back."""
    tomorrow = seed_demo(BookWriter(KEY), today=TODAY + timedelta(days=1))
    assert not tomorrow.ok and tomorrow.claims.accepted == 0
    assert "restart `claimbot dev` for a fresh demo book" in tomorrow.summary()
    back = seed_demo(BookWriter(KEY), today=TODAY)
    assert back.ok and back.claims.accepted == 0
