"""The dashboard (看板) end to end on moto: the conversations stream counted into the metrics
table, and the console's figures for a period with known answers."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from chalicelib.domain.hours import CHINA
from devstack import metrics_data
from tests.integration.test_handoff import _console

pytestmark = pytest.mark.integration


@pytest.fixture
def api(container, monkeypatch):
    from chalice.test import Client

    import app

    monkeypatch.setattr(app, "services", lambda: container)
    with Client(app.app) as client:
        yield client


def _chart(figures: dict, key: str) -> dict:
    [chart] = [c for c in figures["charts"] if c["key"] == key]
    return chart


def _series(chart: dict) -> dict[str, dict]:
    return {s["metric"]: s for s in chart["series"]}


def _record(at: str, direction: str, channel: str, staff: str | None = None, event="INSERT"):
    ms = int(datetime.fromisoformat(at).replace(tzinfo=CHINA).timestamp() * 1000)
    image = {"openid": {"S": "o-dash"}, "record_id": {"S": f"{ms}#{direction}#x"},
             "direction": {"S": direction}, "channel": {"S": channel}}  # fmt: skip
    if staff:
        image["staff_id"] = {"S": staff}
    return {"event_name": event, "new_image": image}


def test_the_stream_is_counted_in_one_write_per_counter_and_day(container, api):
    records = [
        _record("2019-05-01 09:15:00", "in", "webhook"),
        _record("2019-05-01 09:15:00", "out", "passive"),
        _record("2019-05-01 21:00:00", "in", "webhook"),
        _record("2019-05-01 21:01:00", "out", "custom", staff="agent1"),
        _record("2019-05-02 08:00:00", "out", "template"),
        _record("2019-05-02 08:00:00", "out", "template", event="MODIFY"),  # not new
    ]
    # in, bot, people (05-01); notices (05-02); and the month's hours of each
    assert container.metrics.on_stream(records) == 4 + 4
    figures = _console(api, "GET", "/console/api/dashboard?from=2019-05-01&to=2019-05-02",
                       "supervisor1").json_body  # fmt: skip
    assert figures["days"] == ["2019-05-01", "2019-05-02"]
    messages = _series(_chart(figures, "messages"))["messages.in"]
    assert (messages["daily"], messages["total"]) == ([2, 0], 2)
    assert messages["hours"][9] == 1 and messages["hours"][21] == 1
    answered = _series(_chart(figures, "answered"))
    assert (answered["replies.bot"]["total"], answered["replies.people"]["total"]) == (1, 1)
    assert _series(_chart(figures, "pushes"))["notices.sent"]["daily"] == [0, 1]


def test_figures_of_a_generated_period_with_known_answers(container, api):
    first = date(2019, 1, 1)
    made = metrics_data.generate(container.metrics.metrics, first, days=10, per_day=1000)
    # counters x days and their months, whatever the traffic (1-2 scores: none at this volume)
    assert made.writes == 10 * 20 * 2 and made.totals["ratings.low"] == 0
    figures = _console(api, "GET", "/console/api/dashboard?from=2019-01-01&to=2019-01-10",
                       "auditor1").json_body  # fmt: skip
    messages = _series(_chart(figures, "messages"))["messages.in"]
    assert messages["daily"] == [1000] * 10 and messages["total"] == 10_000
    assert messages["hours"] == made.hours["messages.in"]
    answered = _series(_chart(figures, "answered"))
    assert answered["replies.bot"]["total"] == 9300  # 93% by the bot
    assert answered["replies.people"]["total"] == 700
    pushes = _series(_chart(figures, "pushes"))
    assert (pushes["notices.sent"]["total"], pushes["outbox.failed"]["total"]) == (500, 10)
    assert _chart(figures, "messages")["wired"] is True
    assert _chart(figures, "handoffs")["wired"] is True
    handoffs = _series(_chart(figures, "handoffs"))
    assert handoffs["handoffs.opened"]["total"] == 200  # one message in 50
    assert handoffs["handoffs.first_response"]["median_s"] == 120
    assert handoffs["handoffs.resolved"]["median_s"] == 1200
    survey = _series(_chart(figures, "survey"))
    assert [survey[k]["total"] for k in ("survey.started", "survey.photos", "survey.reshot")] == [
        100, 80, 10]  # fmt: skip
    assert survey["survey.photos"]["median_s"] == 600
    binding = _series(_chart(figures, "binding"))
    assert (binding["binding.failed"]["total"], binding["binding.locks"]["total"]) == (50, 10)
    assert _chart(figures, "quote")["wired"] is False  # a step not counted yet: said, not zeros
    assert _chart(figures, "quote")["missing"] == ["要求投保"]


def test_top_unanswered_questions_from_the_miss_log(container, api):
    for i, question in enumerate(["玻璃险赔吗", "玻璃险赔吗", "代步车有吗"]):
        container.kb_misses.record("2019-07-03", f"m{i}", question, "nothing", [], 0)
    figures = _console(api, "GET", "/console/api/dashboard?from=2019-07-01&to=2019-07-05",
                       "supervisor1").json_body  # fmt: skip
    assert figures["top_misses"] == [{"question": "玻璃险赔吗", "count": 2},
                                     {"question": "代步车有吗", "count": 1}]  # fmt: skip


def test_only_supervisors_and_auditors_and_a_sound_period(api):
    assert _console(api, "GET", "/console/api/dashboard", "agent1").status_code == 403
    assert _console(api, "GET", "/console/api/dashboard?from=x", "supervisor1").status_code == 400
    too_long = "/console/api/dashboard?from=2018-01-01&to=2019-12-31"
    assert _console(api, "GET", too_long, "supervisor1").status_code == 400


def test_failed_pushes_are_counted_when_the_outbox_invocation_ends(container, api):
    from chalicelib.service.logs import log_event

    with container.metrics.counting():
        log_event("outbox.sent", kind="template")  # counted from the conversation record
        log_event("outbox.dropped", reason="unsubscribed")
        log_event("outbox.parked", reason="47003")
    with container.metrics.counting():
        pass  # nothing logged: nothing written
    figures = _console(api, "GET", "/console/api/dashboard", "supervisor1").json_body
    failed = _series(_chart(figures, "pushes"))["outbox.failed"]
    assert failed["daily"][-1] == 2 and failed["total"] == 2


def _handoff(handoff_id: str, started: str, **numbers: float) -> dict:
    at = datetime.fromisoformat(started).replace(tzinfo=CHINA).timestamp()
    image = {"openid": {"S": "o-dash"}, "handoff_id": {"S": handoff_id},
             "started_at": {"N": str(at)}}  # fmt: skip
    image.update({name: {"N": str(at + value)} if name.endswith("_at") else {"N": str(value)}
                  for name, value in numbers.items()})  # fmt: skip
    return image


def test_handoffs_by_hour_with_median_first_response_and_resolution(container, api):
    """Three chats: first responses after 50 s, 100 s and 500 s (median in the 2-minute
    bucket), resolved after 1000 s, 1100 s and 5000 s (median in the 20-minute bucket)."""
    records = []
    for i, (hour, answer, resolve) in enumerate([(9, 50, 1000), (9, 100, 1100), (15, 500, 5000)]):
        started = f"2019-09-09 {hour:02d}:00:00"
        opened = _handoff(f"h{i}", started)
        answered = _handoff(f"h{i}", started, answered_at=answer, first_response_s=answer)
        ended = _handoff(f"h{i}", started, answered_at=answer, first_response_s=answer,
                         ended_at=resolve, resolution_s=resolve)  # fmt: skip
        records += [{"old_image": {}, "new_image": opened},
                    {"old_image": opened, "new_image": answered},
                    {"old_image": answered, "new_image": ended}]  # fmt: skip
    assert container.metrics.on_handoffs(records) == 3 + 3  # per counter and day, and month
    figures = _console(api, "GET", "/console/api/dashboard?from=2019-09-09&to=2019-09-09",
                       "supervisor1").json_body  # fmt: skip
    series = _series(_chart(figures, "handoffs"))
    opened = series["handoffs.opened"]
    assert opened["total"] == 3 and opened["hours"][9] == 2 and opened["hours"][15] == 1
    assert series["handoffs.first_response"]["median_s"] == 120
    assert series["handoffs.resolved"]["median_s"] == 1200
    assert opened["median_s"] is None  # a count, not a duration


def test_the_self_survey_funnel_with_its_median_time(container, api):
    def survey(claim: str, state: str, later: float, submissions: int, reshoot: str = "[]"):
        at = datetime(2019, 10, 10, 9, tzinfo=CHINA).timestamp()
        return {"claim_no": {"S": claim}, "state": {"S": state}, "started_at": {"N": str(at)},
                "last_activity": {"N": str(at + later)}, "submissions": {"N": str(submissions)},
                "reshoot": {"S": reshoot}}  # fmt: skip

    records = []
    for i, minutes in enumerate([4, 6, 25]):  # three of four send their five photos
        opened, sent = survey(f"C{i}", "open", 0, 0), survey(f"C{i}", "submitted", minutes * 60, 1)
        records += [{"old_image": {}, "new_image": opened},
                    {"old_image": opened, "new_image": sent}]  # fmt: skip
    records.append({"old_image": {}, "new_image": survey("C9", "open", 0, 0)})
    asked = survey("C0", "open", 3600, 1, '["3"]')
    records.append({"old_image": survey("C0", "submitted", 240, 1), "new_image": asked})
    container.metrics.on_surveys(records)
    figures = _console(api, "GET", "/console/api/dashboard?from=2019-10-10&to=2019-10-10",
                       "supervisor1").json_body  # fmt: skip
    chart = _chart(figures, "survey")
    steps = _series(chart)
    assert [s["metric"] for s in chart["series"]] == ["survey.started", "survey.photos",
                                                      "survey.reshot"]  # fmt: skip
    assert [s["total"] for s in chart["series"]] == [4, 3, 1]
    assert steps["survey.photos"]["median_s"] == 600  # 6 minutes: the 10-minute bucket
    assert chart["missing"] == ["通过", "转查勘员"] and chart["wired"] is False


def _stream_records(container, table_model) -> list[dict]:
    """Every record of the table's stream in moto, as the handlers get them."""
    streams = container.client("dynamodbstreams")
    arn = container.client("dynamodb").describe_table(
        TableName=table_model.Meta.table_name)["Table"]["LatestStreamArn"]  # fmt: skip
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            got = streams.get_records(ShardIterator=iterator, Limit=1000)
            records += [{"old_image": r["dynamodb"].get("OldImage", {}),
                         "new_image": r["dynamodb"].get("NewImage", {})} for r in got["Records"]]
            iterator = got.get("NextShardIterator") if got["Records"] else None
    return records


def test_wrong_binding_answers_and_the_lock_counted_from_the_real_stream(container, api, openid):
    """Five wrong answers on 2019-11-11 lock the WeChat user: the lockouts table's own stream
    records (read from moto) give 5 failed attempts and 1 lock that day."""
    from chalicelib.store.book import BookStore
    from chalicelib.store.models import LockoutItem
    from tests.integration.test_book import KEY, Clock, attempt

    clock = Clock(datetime(2019, 11, 11, 10, tzinfo=CHINA).timestamp())
    book = BookStore(KEY, clock=clock)
    for _ in range(5):
        book.try_bind(openid, "PDAA1111111111111111", "000000", attempt())
    # Every record of the session's stream: other tests' attempts count on their own days.
    container.metrics.on_lockouts(_stream_records(container, LockoutItem))
    figures = _console(api, "GET", "/console/api/dashboard?from=2019-11-11&to=2019-11-11",
                       "supervisor1").json_body  # fmt: skip
    binding = _series(_chart(figures, "binding"))
    assert binding["binding.failed"]["total"] == 5
    assert binding["binding.locks"]["total"] == 1


def test_knowledge_base_and_satisfaction_counted_from_their_real_streams(container, api):
    from chalicelib.store.models import KbMissItem
    from chalicelib.store.ratings import RatingItem

    at = datetime(2019, 12, 12, 15, tzinfo=CHINA).timestamp()
    for i, outcome in enumerate(["nothing", "candidates", "nothing"]):
        container.kb_misses.record("2019-12-12", f"dash{i}", "问题", outcome, [], at)
    for i, score in enumerate([5, 1]):
        item = RatingItem(ask_id=f"chat:dash-{i}", flow="chat", subject=f"dash-{i}",
                          status="asked", asked_at=at, expires_at=int(at) + 10**8)  # fmt: skip
        item.save()
        item.update(actions=[RatingItem.status.set("rated"), RatingItem.score.set(score),
                             RatingItem.rated_at.set(at + 60)])  # fmt: skip
    RatingItem(ask_id="chat:dash-9", flow="chat", subject="dash-9", status="asked",
               asked_at=at, expires_at=int(at) + 10**8).save()  # asked, never answered
    container.metrics.on_changes("kb_miss", _stream_records(container, KbMissItem))
    container.metrics.on_changes("rating", _stream_records(container, RatingItem))
    figures = _console(api, "GET", "/console/api/dashboard?from=2019-12-12&to=2019-12-12",
                       "supervisor1").json_body  # fmt: skip
    kb = _chart(figures, "kb")
    assert {s["metric"]: s["total"] for s in kb["series"]} == {"kb.candidates": 1, "kb.miss": 2}
    assert kb["missing"] == ["直接命中"]  # answered at once: not counted yet
    ratings = {s["metric"]: s["total"] for s in _chart(figures, "ratings")["series"]}
    assert ratings == {"ratings.asked": 3, "ratings.rated": 2, "ratings.low": 1}


def test_the_quote_funnel_from_the_worker_and_the_quotes_stream(container, api):
    from chalicelib.service.logs import log_event
    from chalicelib.store.models import QuoteItem

    def funnel(when: str) -> dict[str, int]:
        figures = _console(api, "GET", f"/console/api/dashboard?from={when}&to={when}",
                           "supervisor1").json_body  # fmt: skip
        return {s["metric"]: s["total"] for s in _chart(figures, "quote")["series"]}

    today = datetime.now(CHINA).date().isoformat()
    before = funnel(today)
    with container.metrics.counting():  # as app.on_job counts the worker's licence jobs
        log_event("licence.photo"), log_event("licence.photo"), log_event("licence.read")
    after = funnel(today)
    assert after["quote.licence"] - before["quote.licence"] == 2
    assert after["quote.fields"] - before["quote.fields"] == 1

    at = datetime(2019, 12, 20, 20, tzinfo=CHINA).timestamp()
    QuoteItem(quote_no="Q-DASH-1", openid="o-dash", created_at=at, valid_until="2020-01-19",
              quote_input={}, plans=[]).save()  # fmt: skip
    container.metrics.on_changes("quote", _stream_records(container, QuoteItem))
    assert funnel("2019-12-20")["quote.plans"] == 1
    chart = _console(api, "GET", "/console/api/dashboard?from=2019-12-20&to=2019-12-20",
                     "supervisor1").json_body  # fmt: skip
    assert _chart(chart, "quote")["missing"] == ["要求投保"]


def test_hours_of_whole_months_come_from_the_month_items(container, api):
    """2018-01-25..2018-03-05: January's end and March's start by day, February from its
    month item; the same hours as adding every day's."""
    first, days = date(2018, 1, 25), 40
    for day in metrics_data.updates(first, days, per_day=500):
        container.metrics.metrics.add({k: v for k, v in day.items() if k[0] == "messages.in"})
    expected = [c * days for c in metrics_data.day_counters(500)["messages.in"]]
    figures = _console(api, "GET", "/console/api/dashboard?from=2018-01-25&to=2018-03-05",
                       "supervisor1").json_body  # fmt: skip
    messages = _series(_chart(figures, "hours"))["messages.in"]
    assert messages["hours"] == expected and sum(expected) == 20_000 == messages["total"]
    part = _console(api, "GET", "/console/api/dashboard?from=2018-02-01&to=2018-02-28",
                    "supervisor1").json_body  # fmt: skip
    february = _series(_chart(part, "hours"))["messages.in"]
    assert sum(february["hours"]) == 28 * 500 == february["total"]
