"""The planner: finds every tenant's due runs, adds each once, sends its task message; and
sends again what the broker lost or a dead worker left behind.

Several planners may run at once (for availability): the unique (tenant, job, period) key
lets exactly one of them add a run, and only the one that added it sends its message.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from diaryflow.clock import Clock, utc_now
from diaryflow.cluster.bundle import schedule_config
from diaryflow.cluster.plan import due_runs
from diaryflow.cluster.runs import (
    PlannedRun,
    insert_run,
    mark_enqueued,
    run_settings,
    stale_queued,
    sweep_abandoned,
)
from diaryflow.config.load import Config, report_jobs
from diaryflow.errors import DiaryflowError
from diaryflow.state.store import Store

log = logging.getLogger("diaryflow.cluster.planner")

# Seconds between two passes: a run is planned at most this late, and a dead worker's run is
# sent again at most this long after its deadline.
PASS_INTERVAL = 15.0
# A queued run whose message was sent this long ago without being taken is sent again, once
# the queue has drained: while messages wait, a run not yet taken is only waiting its turn
# (a morning's burst can take longer than this to drain).
REQUEUE_AFTER = timedelta(minutes=10)
# The meta key of the end of the last pass (for jobs without catch-up).
PLANNED_THROUGH = "planned_through"

# Sends run ``id`` (timeout seconds, not before the given time): the task message.
Send = Callable[[int, float, datetime], None]


@dataclass(frozen=True)
class PassResult:
    """What one pass did."""

    planned: int = 0
    swept: int = 0
    failed: int = 0
    resent: int = 0
    seconds: float = 0.0


@dataclass
class Planner:
    """Plans passes over the cluster's tenants; the broker, the clock and the loss check are
    injected, so a pass is testable without waiting for real time."""

    cluster: Store
    send: Send
    clock: Clock = utc_now
    requeue_after: timedelta = REQUEUE_AFTER
    # True when the broker lost its messages since the last call (a Redis restarted empty).
    broker_lost: Callable[[], bool] = lambda: False
    # How many messages wait in the broker's queue (None: it cannot be reached).
    queue_depth: Callable[[], int | None] = lambda: 0
    _configs: dict[int, tuple[object, Config]] = field(default_factory=dict)
    _next: dict[tuple[int, str], datetime] = field(default_factory=dict)

    def run_pass(self) -> PassResult:
        """Plan what is due now, then sweep and resend; returns the counts."""
        started = self.clock()
        since = self._planned_through()
        # First, before this pass sends anything: a broker that restarted empty has lost
        # the message of every queued run.
        lost = self.broker_lost()
        if lost:
            log.warning("the broker lost its messages (restarted empty): sending every queued "
                        "run again")
        stale = stale_queued(self.cluster, started, None if lost else self.requeue_after,
                             include_sent=self.queue_depth() == 0)
        for run_id, _ in stale:
            self._send(run_id, started)
        planned = self._plan(started, since)
        swept = sweep_abandoned(self.cluster, started)
        for run_id, state in swept:
            if state == "queued":
                self._send(run_id, started)
        self.cluster.set_meta(PLANNED_THROUGH, started.isoformat())
        result = PassResult(planned, sum(state == "queued" for _, state in swept),
                            sum(state == "failed" for _, state in swept), len(stale),
                            (self.clock() - started).total_seconds())
        if planned or swept or stale:
            log.info("pass: %d planned, %d abandoned sent again, %d failed at their last "
                     "attempt, %d queued sent again, in %.2f s", result.planned, result.swept,
                     result.failed, result.resent, result.seconds)
        return result

    def _planned_through(self) -> datetime | None:
        value = self.cluster.get_meta(PLANNED_THROUGH)
        return datetime.fromisoformat(value) if value else None

    def _plan(self, now: datetime, since: datetime | None) -> int:
        planned = 0
        rows = self.cluster.query(
            "SELECT id, schedule_json, updated_at FROM tenants WHERE enabled ORDER BY id")
        for tenant_id, schedule_json, updated_at in rows:
            config = self._config(int(tenant_id), str(schedule_json), updated_at)
            if config is None:
                continue
            for job, due in self._due(int(tenant_id), config, now, since):
                if due is None:
                    continue
                run_id = insert_run(self.cluster, due, now)
                if run_id is not None:  # this planner added it: it alone sends it
                    self._send(run_id, now, (due.timeout, now))
                    planned += 1
                log.debug("tenant %s job %s: %s", tenant_id, job, due.period)
        return planned

    def _due(self, tenant_id: int, config: Config, now: datetime,
             since: datetime | None) -> list[tuple[str, PlannedRun | None]]:
        """The jobs' due runs, looked at only when a fire time came since the last look (or
        on the first pass): a tenant whose next fire is still ahead costs nothing."""
        names = [job.name for job in report_jobs(config) if job.enabled]
        if all(now < self._next.get((tenant_id, name), now) for name in names):
            return []
        found: list[tuple[str, PlannedRun | None]] = []
        for name, due in due_runs(tenant_id, config, now, since):
            self._next[(tenant_id, name)] = due.next_fire
            found.append((name, due.run))
        return found

    def _config(self, tenant_id: int, schedule_json: str, version: object) -> Config | None:
        kept = self._configs.get(tenant_id)
        if kept is not None and kept[0] == version:
            return kept[1]
        try:
            config = schedule_config(json.loads(schedule_json))
        except DiaryflowError as error:
            log.error("tenant %d: its schedule is refused: %s", tenant_id, error)
            return None
        self._configs[tenant_id] = (version, config)
        self._next = {key: at for key, at in self._next.items() if key[0] != tenant_id}
        return config

    def _send(self, run_id: int, now: datetime,
              settings: tuple[float, datetime] | None = None) -> None:
        """Send the run's message (``settings``: its timeout and not-before time, when
        known; else read); a run whose message could not be sent (the broker is down) stays
        unsent, and a later pass sends it."""
        found = settings or run_settings(self.cluster, run_id)
        if found is None:
            return
        timeout, not_before = found
        self.send(run_id, timeout, max(now, not_before))
        mark_enqueued(self.cluster, run_id, now)


def serve_planner(planner: Planner, wait: Callable[[float], str | None],
                  interval: float = PASS_INTERVAL) -> int:
    """Run passes every ``interval`` seconds until ``wait`` reports a stop (SIGTERM, SIGINT);
    a pass the database or the broker failed is logged, and the next one tries again."""
    log.info("planner: a pass every %.0f s", interval)
    while True:
        try:
            planner.run_pass()
        except (DiaryflowError, OSError) as error:
            log.error("planner: this pass failed, trying again in %.0f s: %s", interval, error)
        except Exception as error:  # the broker client's own errors (kombu, redis)
            if type(error).__module__.split(".")[0] not in ("kombu", "redis", "amqp"):
                raise
            log.error("planner: the broker is unreachable, trying again in %.0f s: %s",
                      interval, error)
        if wait(interval) == "stop":
            log.info("planner: stopping on request")
            return 0
