"""In-hours chats in the console, against moto server and the WeCom emulator: round-robin to
the agents signed in (two at once go to two agents), nobody signed in (nobody's, supervisors
told, dealt at the next agent's poll), take-over and hand-back (audited), escalation past the
first-response target (the next agent, then the on-call person in WeCom) and the times kept."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator

import pytest

from chalicelib.domain.handoff import Role, Shift, short_code
from chalicelib.service.container import Container
from chalicelib.store.handoffs import Roster
from chalicelib.store.models import AuditEntry, HandoffItem, PresenceItem, RosterShift
from devstack import wecom_defaults as wd
from devstack.wecom_emulator import WeComEmulator
from tests.integration.helpers import signed, text_xml
from tests.integration.test_survey_desk import _drain

pytestmark = pytest.mark.integration

PRIMARY, SUPERVISOR = "oncall-li", "supervisor-chen"
TARGET_S = 120


@pytest.fixture(scope="module")
def wecom() -> Iterator[WeComEmulator]:
    emu = WeComEmulator().start()
    emu.add_user(SUPERVISOR)
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def c(settings, wecom) -> Container:
    """In business hours around the clock, the console's inbox taking chats."""
    return Container(dataclasses.replace(
        settings, business_hours="always", handoff_in_hours="console",
        handoff_first_response_s=TARGET_S, console_presence_s=3600,
        wecom_corp_id=wd.WECOM_CORP_ID, wecom_corp_secret=wd.WECOM_CORP_SECRET,
        wecom_agent_id=str(wd.WECOM_AGENT_ID), wecom_api_base=wecom.url,
    ))  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh(c, wecom) -> Iterator[None]:
    """Nobody signed in, no open console chats, an empty roster and WeCom inbox, before and
    after (other modules' console tests share these tables)."""

    def clean() -> None:
        from chalicelib.store.models import InboxItem

        for item in PresenceItem.scan():
            item.delete()
        for item in RosterShift.scan():
            item.delete()
        for h in c.handoffs.open_ones():
            c.handoffs.end(h, "staff")
        for item in InboxItem.scan(InboxItem.dedupe_key.startswith("wecom-rate:")):
            item.delete()
        _drain(c, "jobs"), _drain(c, "outbox")
        wecom.clear()

    clean()
    yield
    _at(c, None)
    clean()


def _at(c, moment: float | None) -> None:
    """The assignment desk's clock (and its store's) at `moment`; None: the real one."""
    desk = c.assignment_desk
    desk.clock = desk.presence.clock = time.time if moment is None else (lambda: moment)


@pytest.fixture
def api(c, monkeypatch):
    from chalice.test import Client

    import app

    monkeypatch.setattr(app, "services", lambda: c)
    with Client(app.app) as client:
        yield client


def _call(api, method: str, path: str, user: str, body: dict | None = None):
    login = api.http.post("/console/api/dev-login", body=json.dumps({"user": user}),
                          headers={"Content-Type": "application/json"})  # fmt: skip
    headers = {"Authorization": f"Bearer {login.json_body['token']}",
               "Content-Type": "application/json"}  # fmt: skip
    if method == "GET":
        return api.http.get(path, headers=headers)
    return api.http.post(path, headers=headers, body=json.dumps(body or {}))


def _chats(api, user: str) -> dict:
    res = _call(api, "GET", "/console/api/chats", user)
    assert res.status_code == 200
    return res.json_body


def _chat(api, user: str, openid: str) -> dict:
    [chat] = [x for x in _chats(api, user)["chats"] if x["code"] == short_code(openid)]
    return chat


def _say(c, openid: str, said: str) -> None:
    c.webhook.receive(*signed(text_xml(openid, said)))


def _run_jobs(c) -> list:
    return [c.worker.run(job) for job in _drain(c, "jobs")
            if job["kind"].startswith(("handoff.", "ticket."))]  # fmt: skip


def _ask(c, openid: str, question: str | None = "我想改一下保单上的手机号") -> None:
    _say(c, openid, "人工")
    if question:
        _say(c, openid, question)
    _run_jobs(c)


def _roster(*people: tuple[str, str, Role]) -> None:
    now = time.time()
    for n, (name, userid, role) in enumerate(people):
        Roster().add(Shift(f"t-a{n}", f"A{n}", name, userid, now - 3600, now + 3600, role))


def _audit(action: str) -> list[AuditEntry]:
    return [e for e in AuditEntry.query("console", scan_index_forward=False, limit=50)
            if e.action == action]  # fmt: skip


def test_two_chats_at_once_go_to_two_agents(c, api, openid):
    for agent in ("agent1", "agent2"):
        team = _chats(api, agent)
        assert team["me"] == {"available": True, "paused": False, "assignable": True}
    assert [a["id"] for a in _chats(api, "agent1")["agents"]] == ["agent1", "agent2"]
    other = openid + "b"
    _say(c, openid, "人工"), _say(c, other, "人工")
    jobs = [j for j in _drain(c, "jobs") if j["kind"] == "handoff.start"]
    assert len(jobs) == 2
    go = threading.Barrier(2)
    results: list = []

    def start(job: dict) -> None:
        go.wait()
        results.append(c.worker.run(job))

    threads = [threading.Thread(target=start, args=(job,)) for job in jobs]
    [t.start() for t in threads], [t.join() for t in threads]
    assert results == ["in-console", "in-console"]
    assignees = {HandoffItem.get(openid).assignee, HandoffItem.get(other).assignee}
    assert assignees == {"agent1", "agent2"}
    mine = [x for x in _chats(api, "agent1")["chats"] if x["mine"]]
    assert len(mine) == 1 and mine[0]["assignee_name"] == "赵客服"

    # The third goes to whoever was dealt one longest ago (round-robin), not by chance.
    first = min((HandoffItem.get(o) for o in (openid, other)), key=lambda h: h.assigned_at)
    third = openid + "c"
    _ask(c, third, None)
    assert HandoffItem.get(third).assignee == first.assignee


def test_nobody_signed_in_leaves_it_to_everyone_and_tells_the_supervisor(c, api, wecom, openid):
    _roster(("李值班", PRIMARY, Role.PRIMARY), ("陈主管", SUPERVISOR, Role.SUPERVISOR))
    _ask(c, openid)
    assert HandoffItem.get(openid).assignee is None
    [told] = wecom.texts(SUPERVISOR)
    assert told.startswith(f"【待分配】{short_code(openid)}") and "没有在线接待的坐席" in told
    assert wecom.texts(PRIMARY) == []
    _run_jobs(c)  # told once
    assert len(wecom.texts(SUPERVISOR)) == 1

    # A supervisor sees it (nobody's), and is never dealt one; an agent's poll deals it.
    chat = _chat(api, "supervisor1", openid)
    assert chat["assignee"] is None and not chat["mine"]
    assert HandoffItem.get(openid).assignee is None
    chat = _chat(api, "agent1", openid)
    assert chat["mine"] and chat["assignee"] == "agent1"


def test_a_paused_agent_is_not_dealt_chats(c, api, openid):
    _chats(api, "agent1"), _chats(api, "agent2")
    res = _call(api, "POST", "/console/api/presence", "agent2", {"paused": True})
    assert res.status_code == 200
    assert _chats(api, "agent2")["me"]["paused"] is True
    for n in range(2):
        _ask(c, f"{openid}{n}", None)
        assert HandoffItem.get(f"{openid}{n}").assignee == "agent1"
    assert _call(api, "POST", "/console/api/presence", "agent2", {"paused": "x"}).status_code == 400


def test_take_over_and_hand_back_are_audited(c, api, openid):
    _chats(api, "agent1")
    _ask(c, openid)
    chat = _chat(api, "agent2", openid)  # agent2 signs in after it was dealt
    assert chat["assignee"] == "agent1" and not chat["mine"]
    path = f"/console/api/chats/{chat['id']}"

    # Someone else's chat: read-only until taken over.
    refused = _call(api, "POST", f"{path}/messages", "agent2", {"text": "您好"})
    assert refused.status_code == 409 and "take it over" in refused.json_body["error"]
    assert _call(api, "POST", f"{path}/end", "agent2").status_code == 409
    assert _call(api, "POST", f"{path}/take-over", "agent2").status_code == 200
    handoff = HandoffItem.get(openid)
    assert (handoff.assignee, handoff.taken_from) == ("agent2", "agent1")
    [entry] = _audit("chat_take_over")[:1]
    assert entry.who == "agent2" and entry.detail["chat"] == chat["id"]
    assert entry.detail["previous"] == "agent1" and entry.detail["previous_name"] == "赵客服"
    assert _call(api, "POST", f"{path}/messages", "agent1", {"text": "我来"}).status_code == 409
    assert _call(api, "POST", f"{path}/messages", "agent2", {"text": "您好"}).status_code == 200

    # Handed back: to whom it was taken from (still signed in).
    assert _call(api, "POST", f"{path}/hand-back", "agent1").status_code == 409  # not theirs
    back = _call(api, "POST", f"{path}/hand-back", "agent2")
    assert back.status_code == 200 and back.json_body["assignee"] == "agent1"
    [entry] = _audit("chat_hand_back")[:1]
    assert entry.detail["assignee"] == "agent1" and entry.who == "agent2"
    assert HandoffItem.get(openid).assignee == "agent1"
    # A supervisor may end anyone's chat; an unknown chat is 404.
    assert _call(api, "POST", f"{path}/end", "supervisor1").status_code == 200
    assert _call(api, "POST", f"{path}/take-over", "agent2").status_code == 404


def test_an_unanswered_chat_escalates_past_its_target(c, api, wecom, openid):
    _roster(("李值班", PRIMARY, Role.PRIMARY))
    _chats(api, "agent1"), _chats(api, "agent2")
    _ask(c, openid)
    first = HandoffItem.get(openid)
    assert first.customer_at and first.assignee in ("agent1", "agent2")
    other = {"agent1": "agent2", "agent2": "agent1"}[first.assignee]
    chat = _chat(api, first.assignee, openid)
    assert chat["timer"]["clock"] == "first_response" and not chat["timer"]["overdue"]
    assert chat["timer"]["target_s"] == TARGET_S and _chats(api, other)["targets"] == {
        "first_response_s": TARGET_S, "resolution_s": 1800}  # fmt: skip

    _at(c, first.customer_at + TARGET_S + 1)
    # The next poll (anyone's) escalates it: to the other agent, the chat shown overdue.
    chat = _chat(api, other, openid)
    assert chat["assignee"] == other and chat["escalations"] == 1 and chat["timer"]["overdue"]
    assert wecom.texts(PRIMARY) == []
    assert _chat(api, other, openid)["escalations"] == 1  # once per target period

    # Past the target again, nobody else available: the on-call person in WeCom, as after hours.
    _call(api, "POST", "/console/api/presence", first.assignee, {"paused": True})
    _at(c, first.customer_at + 2 * TARGET_S + 2)
    assert c.watchdog.run()["reassigned"] == 1
    [context] = wecom.texts(PRIMARY)
    assert context.startswith(f"【人工转接】{short_code(openid)}")
    assert "坐席 2 分钟未回复" in context
    handoff = HandoffItem.get(openid)
    assert handoff.wecom_relay and handoff.escalations == 2 and handoff.staff_userid == PRIMARY
    _say(c, openid, "还在吗？")  # what the customer says now reaches WeCom too
    assert _run_jobs(c) == ["in-console"]
    assert wecom.texts(PRIMARY)[-1].splitlines()[0].endswith("还在吗？")
    assert _chat(api, other, openid)["wecom_relay"] is True


def test_the_times_are_kept_when_met(c, api, openid):
    _chats(api, "agent1")
    _ask(c, openid)
    handoff = HandoffItem.get(openid)
    _at(c, handoff.customer_at + 75)
    chat = _chat(api, "agent1", openid)
    path = f"/console/api/chats/{chat['id']}"
    assert _call(api, "POST", f"{path}/messages", "agent1", {"text": "您好"}).status_code == 200
    assert HandoffItem.get(openid).first_response_s == pytest.approx(75, abs=1)
    chat = _chat(api, "agent1", openid)
    assert chat["first_response_s"] == pytest.approx(75, abs=1)
    assert chat["timer"]["clock"] == "resolution"
    _at(c, handoff.started_at + 600)
    assert _call(api, "POST", f"{path}/end", "agent1").status_code == 200
    ended = HandoffItem.get(openid)
    assert ended.state == "ended" and ended.resolution_s == pytest.approx(600, abs=1)
