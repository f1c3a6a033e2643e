"""保单查询 / 理赔进度 behind binding, driven through the router with an in-memory book."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from chalicelib.dialog import catalogue as t
from chalicelib.dialog.config import DialogConfig
from chalicelib.dialog.outcome import SessionState
from chalicelib.domain.book import BindOutcome, BindResult, Claim, Customer, Policy
from chalicelib.domain.claims import ALLOWED, ClaimStatus, TimelineEntry
from chalicelib.domain.messages import InboundMessage, Kind
from chalicelib.domain.people import Gender
from chalicelib.domain.policies import Coverage
from tests.unit.dialog_driver import turn

TODAY = date(2026, 11, 22)
CN = timezone(timedelta(hours=8))
HOTLINE = "95500"


@dataclass
class FakeBook:
    customers: dict[str, Customer] = field(default_factory=dict)  # openid -> customer
    policies: list[Policy] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    answers: dict[tuple[str, str], Customer] = field(default_factory=dict)
    locked: bool = False
    attempts: list[tuple[str, str, str]] = field(default_factory=list)
    guarded: bool = False  # the policy is locked against guessing: last 6 are not enough
    busy: bool = False  # too many wrong answers across all users this minute

    def customer_for(self, openid):
        return self.customers.get(openid)

    def policies_of(self, customer_id):
        return [p for p in self.policies if p.customer_id == customer_id]

    def claims_of(self, customer_id):
        return [c for c in self.claims if c.customer_id == customer_id]

    def claim(self, claim_no):
        return next((c for c in self.claims if c.claim_no == claim_no), None)

    def try_bind(self, openid, identifier, id_last6, attempt):
        self.attempts.append((openid, identifier, id_last6))
        if self.locked:
            until = datetime(2026, 11, 22, 15, 30, tzinfo=CN).timestamp()
            return BindResult(BindOutcome.LOCKED, locked_until=until)
        if self.busy and len(id_last6) == 6:
            return BindResult(BindOutcome.BUSY)
        customer = self.answers.get((identifier, id_last6))
        if customer is None:
            return BindResult(BindOutcome.REFUSED)
        if self.guarded and len(id_last6) == 6:
            return BindResult(BindOutcome.FULL_ID_NEEDED)
        self.customers[openid] = customer
        return BindResult(BindOutcome.BOUND, customer=customer)

    def unbind(self, openid):
        return self.customers.pop(openid, None) is not None


OUYANG = Customer("c_ouyang", "欧阳娜娜", Gender.FEMALE)
WANG = Customer("c_wang", "王小明", Gender.MALE)


def policy(customer: Customer, no: str, end: date, plate: str = "粤B12345", **kw) -> Policy:
    return Policy(
        policy_no=no,
        customer_id=customer.customer_id,
        holder_name=customer.name,
        holder_gender=customer.gender,
        holder_id_masked="4****************X",
        holder_phone_masked="138****5678",
        plate=plate,
        vin_masked="LSV**********4847",
        brand_model="比亚迪秦PLUS DM-i",
        product=kw.get("product", "机动车商业保险"),
        start=kw.get("start", end - timedelta(days=364)),
        end=end,
        cancelled=kw.get("cancelled", False),
        coverages=(
            Coverage("车损险", Decimal("128500")),
            Coverage("第三者责任险", Decimal("2000000")),
            Coverage("车上人员责任险(司机)", Decimal("10000"), "/座"),
        ),
    )


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 10, day, hour, 0, tzinfo=CN)


def path_to(status: ClaimStatus) -> list[ClaimStatus]:
    """A legal path from REPORTED to `status` (breadth-first over ALLOWED)."""
    paths = {ClaimStatus.REPORTED: [ClaimStatus.REPORTED]}
    queue = [ClaimStatus.REPORTED]
    while queue:
        here = queue.pop(0)
        for there in sorted(ALLOWED[here]):
            if there not in paths:
                paths[there] = paths[here] + [there]
                queue.append(there)
    return paths[status]


def claim(customer: Customer, no: str, status: ClaimStatus) -> Claim:
    amounts = {ClaimStatus.APPROVED: Decimal("5200"), ClaimStatus.PAID: Decimal("5200")}
    timeline = tuple(
        TimelineEntry(s, at(3 + i, 10 + i), amounts.get(s)) for i, s in enumerate(path_to(status))
    )
    return Claim(
        no,
        "PDAA20264401000000001",
        customer.customer_id,
        "粤B12345",
        date(2026, 10, 3),
        status,
        timeline,
    )


def config(book: FakeBook) -> DialogConfig:
    return DialogConfig(hotline=HOTLINE, book=book, today=lambda: TODAY)


def text(openid: str, content: str) -> InboundMessage:
    return InboundMessage(
        openid=openid,
        account="gh",
        created_at=1,
        kind=Kind.TEXT,
        dedupe_key=f"m:{openid}:{content}",
        text=content,
    )


def say(book: FakeBook, state: SessionState, content: str, openid: str = "o1"):
    outcome = turn(text(openid, content), state, config(book))
    return outcome, (outcome.state if outcome.state is not None else state)


def test_unbound_customer_is_asked_to_bind_then_gets_the_answer():
    book = FakeBook(policies=[policy(OUYANG, "PDAA20264401000000001", TODAY + timedelta(days=30))])
    book.answers[("PDAA20264401000000001", "12345X")] = OUYANG
    outcome, state = say(book, SessionState(), "3")
    assert outcome.reply.content == t.BIND_INTRO
    assert (state.flow, state.step, state.data["then"]) == ("bind", "identifier", "policy")
    outcome, state = say(book, state, "pdaa 2026 4401 0000 0000 1")
    assert outcome.reply.content == t.BIND_ASK_ID6 and state.step == "id6"
    outcome, state = say(book, state, "12345x")
    assert book.attempts == [("o1", "PDAA20264401000000001", "12345X")]
    reply = outcome.reply.content
    assert reply.startswith("欧阳女士，绑定成功")
    assert "PDAA20264401000000001" in reply and "还有 30 天到期" in reply
    assert "车损险 12.85万元" in reply and "第三者责任险 200万元" in reply
    assert "车上人员责任险(司机) 1万元/座" in reply
    assert state == SessionState()


def test_bad_identifier_and_bad_answer_keep_the_customer_in_the_step():
    book = FakeBook()
    _, state = say(book, SessionState(), "保单查询")
    outcome, state2 = say(book, state, "随便写写")
    assert outcome.reply.content == t.BIND_BAD_IDENTIFIER and state2 == state
    _, state3 = say(book, state, "粤B·D12345")
    assert state3.data["identifier"] == "粤BD12345"
    outcome, state4 = say(book, state3, "12")
    assert outcome.reply.content == t.BIND_BAD_ID6 and state4 == state3
    assert book.attempts == []


def test_wrong_answer_gets_the_neutral_refusal_and_starts_over():
    book = FakeBook()
    _, state = say(book, SessionState(), "4")
    _, state = say(book, state, "粤B12345")
    outcome, state = say(book, state, "000000")
    assert outcome.reply.content == t.BIND_REFUSED.format(hotline=HOTLINE)
    assert (state.flow, state.step, state.data["then"]) == ("bind", "identifier", "claim")


def test_locked_out_customer_is_told_until_when():
    book = FakeBook(locked=True)
    _, state = say(book, SessionState(), "4")
    _, state = say(book, state, "粤B12345")
    outcome, state = say(book, state, "123456")
    assert outcome.reply.content == t.BIND_LOCKED.format(until="15:30", hotline=HOTLINE)
    assert state == SessionState()


FULL_ID = "11010519491231002X"  # GB 11643's own example: a valid check character X


def test_right_facts_on_a_policy_locked_by_guessing_ask_for_the_whole_id():
    book = FakeBook(guarded=True)
    book.answers[("粤B12345", "31002X")] = WANG
    book.answers[("粤B12345", FULL_ID)] = WANG
    _, state = say(book, SessionState(), "3")
    _, state = say(book, state, "粤B12345")
    outcome, state = say(book, state, "31002x")
    assert outcome.reply.content == t.BIND_FULL_ID_NEEDED and state.step == "full_id"
    outcome, same = say(book, state, "31002X")
    assert outcome.reply.content == t.BIND_BAD_FULL_ID and same == state
    outcome, state = say(book, state, "1101 0519 4912 3100 2x")
    assert outcome.reply.content.startswith("王先生，绑定成功") and state == SessionState()
    assert book.attempts[-1] == ("o1", "粤B12345", FULL_ID)


def test_the_whole_id_is_taken_where_the_last_six_were_asked():
    book = FakeBook()
    book.answers[("粤B12345", FULL_ID)] = WANG
    _, state = say(book, SessionState(), "3")
    _, state = say(book, state, "粤B12345")
    outcome, _ = say(book, state, FULL_ID)
    assert outcome.reply.content.startswith("王先生，绑定成功")


def test_guessing_everywhere_pauses_last_six_answers_without_blaming_the_customer():
    book = FakeBook(busy=True)
    _, state = say(book, SessionState(), "3")
    _, state = say(book, state, "粤B12345")
    outcome, same = say(book, state, "31002X")
    assert outcome.reply.content == t.BIND_BUSY.format(hotline=HOTLINE) and same == state
    assert "未能验证通过" not in outcome.reply.content


def test_the_menu_and_cancel_still_work_in_the_middle_of_binding():
    book = FakeBook()
    _, state = say(book, SessionState(), "3")
    outcome, state = say(book, state, "取消")
    assert outcome.reply.content == t.CANCELLED and state == SessionState()


@pytest.mark.parametrize("status", list(ClaimStatus))
def test_each_claim_status_is_rendered_in_plain_words(status):
    book = FakeBook(customers={"o1": WANG}, claims=[claim(WANG, "RDAA20264401000000009", status)])
    outcome, _ = say(book, SessionState(), "理赔进度")
    reply = outcome.reply.content
    assert reply.startswith("王先生，您的理赔进度（共 1 件）")
    assert f"当前：{t.CLAIM_STATUS[str(status)]}" in reply
    assert f"下一步：{t.CLAIM_NEXT[str(status)].format(hotline=HOTLINE)}" in reply
    labels = [t.CLAIM_STATUS[str(s)] for s in path_to(status)]
    lines = [line for line in reply.splitlines() if line and line[0] in "✓●"]
    assert [line.split(" ", 3)[-1].split("（")[0] for line in lines] == labels
    assert lines[-1].startswith("●") and all(line.startswith("✓") for line in lines[:-1])
    if status in (ClaimStatus.APPROVED, ClaimStatus.PAID):
        assert f"当前：{t.CLAIM_STATUS[str(status)]}（5200元）" in reply
    assert "粤B·***45" in reply and "粤B12345" not in reply


def test_a_typed_claim_number_shows_only_the_customers_own_claim():
    mine = claim(WANG, "RDAA20264401000000001", ClaimStatus.UNDER_REVIEW)
    theirs = claim(OUYANG, "RDAA20264401000000002", ClaimStatus.PAID)
    book = FakeBook(customers={"o1": WANG}, claims=[mine, theirs])
    outcome, _ = say(book, SessionState(), "rdaa20264401000000001")
    assert "赔案号 RDAA20264401000000001" in outcome.reply.content
    outcome, _ = say(book, SessionState(), "RDAA20264401000000002")
    assert outcome.reply.content == t.CLAIM_NOT_FOUND.format(claim_no="RDAA20264401000000002")


def test_a_typed_claim_number_from_an_unbound_user_asks_to_bind_first():
    book = FakeBook(claims=[claim(WANG, "RDAA20264401000000001", ClaimStatus.PAID)])
    book.answers[("粤B12345", "123456")] = WANG
    outcome, state = say(book, SessionState(), "RDAA20264401000000001")
    assert outcome.reply.content == t.BIND_INTRO
    _, state = say(book, state, "粤B12345")
    outcome, _ = say(book, state, "123456")
    assert "赔案号 RDAA20264401000000001" in outcome.reply.content


def test_unbind():
    book = FakeBook(customers={"o1": WANG})
    outcome, state = say(book, SessionState(), "解绑")
    assert outcome.reply.content == t.UNBOUND and "o1" not in book.customers
    outcome, _ = say(book, SessionState(), "解绑")
    assert outcome.reply.content == t.NOT_BOUND


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [
        (30, "还有 30 天到期，可以开始续保了"),
        (0, "今天到期"),
        (-5, "已到期 5 天"),
        (200, "距到期还有 200 天"),
    ],
)
def test_renewal_line(days_left, expected):
    book = FakeBook(
        customers={"o1": WANG},
        policies=[policy(WANG, "PDAA20264401000000003", TODAY + timedelta(days_left))],
    )
    outcome, _ = say(book, SessionState(), "保单查询")
    assert expected in outcome.reply.content


def test_cancelled_policy_shows_no_renewal_countdown():
    p = policy(WANG, "PDAA20264401000000004", TODAY + timedelta(days=10), cancelled=True)
    book = FakeBook(customers={"o1": WANG}, policies=[p])
    outcome, _ = say(book, SessionState(), "保单查询")
    assert (
        "已退保" in outcome.reply.content and "到期" not in outcome.reply.content.split("已退保")[1]
    )


def test_many_policies_are_split_into_messages_that_fit():
    policies = [
        policy(WANG, f"PDAA2026440100000{i:04d}", TODAY + timedelta(days=i)) for i in range(12)
    ]
    book = FakeBook(customers={"o1": WANG}, policies=policies)
    outcome, _ = say(book, SessionState(), "3")
    messages = [outcome.reply] + list(outcome.sends)
    assert len(messages) > 1
    assert all(len(m.content.encode()) <= 1800 for m in messages)
    joined = "\n".join(m.content for m in messages)
    assert all(p.policy_no in joined for p in policies)


def test_nothing_personal_is_shown_unmasked():
    book = FakeBook(
        customers={"o1": WANG},
        policies=[policy(WANG, "PDAA20264401000000005", TODAY + timedelta(days=90))],
    )
    reply = say(book, SessionState(), "3")[0].reply.content
    assert "王小明" not in reply and "王先生" in reply
    assert "4****************X" in reply and "138****5678" in reply and "粤B·***45" in reply


@pytest.mark.parametrize(
    ("name", "gender", "expected"),
    [
        ("王小明", Gender.MALE, "王先生"),
        ("欧阳娜娜", Gender.FEMALE, "欧阳女士"),
        ("司马懿", Gender.MALE, "司马先生"),
        ("诸葛亮", Gender.MALE, "诸葛先生"),
        ("上官婉儿", Gender.FEMALE, "上官女士"),
        ("阿依古丽·买买提", Gender.FEMALE, "阿依古丽女士"),
        ("  李 雷 ", Gender.MALE, "李先生"),
        ("张三", None, "张先生/女士"),
        ("", Gender.MALE, "尊敬的客户"),
    ],
)
def test_customers_are_addressed_by_surname_only(name, gender, expected):
    from chalicelib.dialog.render import salutation

    assert salutation(name, gender) == expected


@pytest.mark.parametrize(
    "said",
    ["PDAA20264401000000001 12345X", "粤B12345 12345x", "粤B·12345，身份证后六位12345X",
     "粤b12345身份证后6位是12345X"],
)  # fmt: skip
def test_plate_or_policy_and_the_last_six_in_one_message(said):
    book = FakeBook(answers={("PDAA20264401000000001", "12345X"): OUYANG,
                             ("粤B12345", "12345X"): OUYANG})  # fmt: skip
    book.policies = [policy(OUYANG, "PDAA20264401000000001", TODAY + timedelta(days=30))]
    _, state = say(book, SessionState(), "保单查询")
    outcome, state = say(book, state, said)
    assert outcome.reply.content.startswith("欧阳女士，绑定成功") and state.idle
