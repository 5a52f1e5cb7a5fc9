"""The planner: each due (tenant, job, period) added and sent once, even by two planners at once;
catch-up, weekends, abandoned runs and lost messages."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from diaryflow.cluster.planner import Planner
from diaryflow.cluster.runs import claim_run
from diaryflow.config.schema import SchedulerSettings
from diaryflow.state.store import Store
from tests.cluster.cluster_db import add_schedule, cluster_settings, opened
from tests.postgres import PostgresServer

pytestmark = pytest.mark.services
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAILY = {"scheduler": {"time": "08:00", "timezone": "Asia/Shanghai"}}
WEEKLY = {"scheduler": {"time": "08:00", "timezone": "Europe/London"},
          "jobs": [{"name": "weekly", "period": "week", "on": "monday", "time": "09:00"}]}


class Sent:
    """The task messages a planner sent: (run id, timeout, not before)."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, float, datetime]] = []
        self._lock = threading.Lock()

    def __call__(self, run_id: int, timeout: float, at: datetime) -> None:
        with self._lock:
            self.messages.append((run_id, timeout, at))


def runs(cluster: Store) -> list[tuple[str, str, str, str]]:
    return [(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in cluster.query(
        "SELECT t.name, r.job, r.period, r.state FROM cluster_runs r JOIN tenants t "
        "ON t.id = r.tenant_id ORDER BY t.name, r.job")]


@pytest.fixture
def cluster(postgres: PostgresServer) -> Store:
    return opened(cluster_settings(postgres))


def at(text: str, tz: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def test_each_due_run_is_added_and_sent_once(cluster: Store) -> None:
    for name in ("ann", "bob", "cy"):
        add_schedule(cluster, name, DAILY)
    sent = Sent()
    planner = Planner(cluster, sent, clock=lambda: at("2026-12-01T08:00:30"))
    assert planner.run_pass().planned == 3
    assert runs(cluster) == [(n, "default", "2026-12-01", "queued") for n in ("ann", "bob", "cy")]
    assert sorted(m[0] for m in sent.messages) == sorted(
        int(r[0]) for r in cluster.query("SELECT id FROM cluster_runs"))
    assert {m[1] for m in sent.messages} == {float(SchedulerSettings().timeout)}
    assert planner.run_pass().planned == 0
    assert len(sent.messages) == 3


def test_two_planners_at_once_add_no_run_twice(postgres: PostgresServer) -> None:
    settings = cluster_settings(postgres)
    with opened(settings) as setup:
        for number in range(40):
            add_schedule(setup, f"t{number:02}", DAILY if number % 2 else WEEKLY)
    sent = Sent()
    now = at("2026-11-30T18:00:00")  # a Monday: the weekly job fired at 09:00 London
    barrier = threading.Barrier(2)

    def plan() -> None:
        with opened(settings) as cluster:
            barrier.wait()
            Planner(cluster, sent, clock=lambda: now).run_pass()

    threads = [threading.Thread(target=plan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with opened(settings) as cluster:
        rows = runs(cluster)
    assert len(rows) == 40 == len(set(rows))
    assert len(sent.messages) == 40 == len({m[0] for m in sent.messages})
    assert {(r[1], r[2]) for r in rows} == {("default", "2026-11-30"), ("weekly", "2026-W48")}


def test_a_job_skipping_weekends_is_not_planned_on_one(cluster: Store) -> None:
    add_schedule(cluster, "weekdays", {"scheduler": {**DAILY["scheduler"],
                                                     "run_on_weekends": False}})
    sent = Sent()
    # Sunday morning: the last weekday fire was Friday's.
    Planner(cluster, sent, clock=lambda: at("2026-11-29T09:00:00")).run_pass()
    assert runs(cluster) == [("weekdays", "default", "2026-11-27", "queued")]


def test_without_catch_up_only_fires_since_the_last_pass_count(cluster: Store) -> None:
    add_schedule(cluster, "strict", {"scheduler": {**DAILY["scheduler"], "catch_up": False}})
    sent = Sent()
    now = [at("2026-12-01T10:00:00")]
    planner = Planner(cluster, sent, clock=lambda: now[0])
    planner.run_pass()  # 08:00 fired before any planner ran: missed, as serve would miss it
    assert runs(cluster) == []
    now[0] = at("2026-12-02T07:59:50")
    planner.run_pass()
    now[0] = at("2026-12-02T08:00:05")
    planner.run_pass()
    assert runs(cluster) == [("strict", "default", "2026-12-02", "queued")]


def test_a_run_whose_worker_died_is_sent_again_then_failed(cluster: Store) -> None:
    add_schedule(cluster, "ann", {"scheduler": {**DAILY["scheduler"], "timeout": 60,
                                                "max_retries": 1}})
    sent = Sent()
    now = [at("2026-12-01T08:00:30")]
    planner = Planner(cluster, sent, clock=lambda: now[0])
    planner.run_pass()
    run_id = sent.messages[0][0]
    assert claim_run(cluster, run_id, "task-1", "w1", now[0]) is not None
    now[0] += timedelta(seconds=60 + 10)  # within timeout + grace: still its worker's
    assert planner.run_pass().swept == 0
    now[0] += timedelta(seconds=10)
    assert planner.run_pass().swept == 1
    assert runs(cluster)[0][3] == "queued" and sent.messages[-1][0] == run_id
    assert claim_run(cluster, run_id, "task-2", "w2", now[0]) is not None
    now[0] += timedelta(seconds=100)
    result = planner.run_pass()
    assert (result.swept, result.failed) == (0, 1)
    assert runs(cluster)[0][3] == "failed"
    error = cluster.query("SELECT error FROM cluster_runs")[0][0]
    assert "did not finish by its deadline" in error and "w2" in error


def test_lost_messages_are_sent_again(cluster: Store) -> None:
    add_schedule(cluster, "ann", DAILY)
    sent = Sent()
    lost = [False]
    now = [at("2026-12-01T08:00:30")]
    planner = Planner(cluster, sent, clock=lambda: now[0], broker_lost=lambda: lost[0],
                      requeue_after=timedelta(minutes=10))
    planner.run_pass()
    now[0] += timedelta(minutes=1)
    assert planner.run_pass().resent == 0
    lost[0] = True  # the broker restarted empty
    assert planner.run_pass().resent == 1
    lost[0] = False
    now[0] += timedelta(minutes=11)  # never taken: sent again after requeue_after
    assert planner.run_pass().resent == 1
    assert len(sent.messages) == 3 and {m[0] for m in sent.messages} == {sent.messages[0][0]}


def test_a_run_waiting_its_turn_is_not_sent_again(cluster: Store) -> None:
    add_schedule(cluster, "ann", DAILY)
    sent = Sent()
    depth: list[int | None] = [1]
    now = [at("2026-12-01T08:00:30")]
    planner = Planner(cluster, sent, clock=lambda: now[0], queue_depth=lambda: depth[0],
                      requeue_after=timedelta(minutes=10))
    planner.run_pass()
    now[0] += timedelta(minutes=30)  # a long morning queue: the message is still waiting
    assert planner.run_pass().resent == 0
    depth[0] = None  # the broker cannot be reached: nothing to decide by
    assert planner.run_pass().resent == 0
    depth[0] = 0  # drained, and the run was never taken: its message was lost
    assert planner.run_pass().resent == 1
    now[0] += timedelta(minutes=1)
    assert planner.run_pass().resent == 0  # sent a minute ago
    assert len(sent.messages) == 2


def test_a_disabled_tenant_is_not_planned(cluster: Store) -> None:
    add_schedule(cluster, "off", DAILY)
    cluster.execute("UPDATE tenants SET enabled = FALSE")
    Planner(cluster, Sent(), clock=lambda: at("2026-12-01T08:00:30")).run_pass()
    assert runs(cluster) == []


def test_a_pass_computes_each_schedule_s_fire_times_once(cluster: Store) -> None:
    from diaryflow.cluster.plan import fires_around

    for number in range(6):
        add_schedule(cluster, f"daily-{number}", DAILY)
    add_schedule(cluster, "weekly", WEEKLY)
    fires_around.cache_clear()
    Planner(cluster, Sent(), clock=lambda: at("2026-12-01T08:00:30")).run_pass()
    # Two schedules: the daily one shared by six tenants, and the weekly tenant's job.
    assert fires_around.cache_info().misses == 2
    assert fires_around.cache_info().hits == 5
