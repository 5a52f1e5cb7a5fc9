"""The cluster's runs to do: one row per (tenant, job, period), claimed by one attempt at a time.

Every change is one conditional UPDATE, so two planners or two workers racing for the same
row cannot both win: the unique (tenant, job, period) key makes a run exist once, and the
``claim`` column (the task id of the attempt holding it) makes it run once at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from diaryflow.state.store import Store

# How long after an attempt's timeout its run counts as abandoned (its worker died).
DEADLINE_GRACE = 15.0
# The states of a run; ``queued`` and ``running`` are still to finish.
STATES = ("queued", "running", "done", "failed")


@dataclass(frozen=True)
class PlannedRun:
    """A (tenant, job, period) the planner found due, with the job's attempt settings."""

    tenant_id: int
    job: str
    period: str
    due_at: datetime
    timeout: float
    max_attempts: int


@dataclass(frozen=True)
class ClaimedRun:
    """A run an attempt now holds."""

    id: int
    tenant_id: int
    job: str
    period: str
    due_at: datetime
    attempt: int
    max_attempts: int
    timeout: float


def insert_run(cluster: Store, run: PlannedRun, now: datetime) -> int | None:
    """Add ``run`` and return its id; None when it exists already (another planner won)."""
    rows = cluster.query(
        "INSERT INTO cluster_runs (tenant_id, job, period, due_at, not_before, timeout, "
        "max_attempts) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (tenant_id, job, period) DO NOTHING RETURNING id",
        (run.tenant_id, run.job, run.period, run.due_at, now, run.timeout, run.max_attempts),
    )
    return int(rows[0][0]) if rows else None


def planned_periods(cluster: Store, tenant_id: int, job: str, periods: list[str]) -> set[str]:
    """Which of ``periods`` already have a run for (tenant, job)."""
    if not periods:
        return set()
    marks = ", ".join("?" for _ in periods)
    rows = cluster.query(
        f"SELECT period FROM cluster_runs WHERE tenant_id = ? AND job = ? AND period IN ({marks})",
        (tenant_id, job, *periods),
    )
    return {row[0] for row in rows}


def mark_enqueued(cluster: Store, run_id: int, now: datetime) -> None:
    """Note that a task message for the run was just sent."""
    cluster.execute("UPDATE cluster_runs SET enqueued_at = ? WHERE id = ?", (now, run_id))


def claim_run(cluster: Store, run_id: int, claim: str, worker: str,
              now: datetime) -> ClaimedRun | None:
    """Take the run for the attempt ``claim`` (its task id); None when it is done, failed or
    held by another attempt. The same message delivered again may take it back."""
    rows = cluster.query(
        "UPDATE cluster_runs SET state = 'running', attempts = attempts + 1, started_at = ?, "
        "deadline = ? + make_interval(secs => timeout + ?), worker = ?, claim = ?, error = NULL "
        "WHERE id = ? AND (state = 'queued' OR (state = 'running' AND claim = ?)) "
        "RETURNING id, tenant_id, job, period, due_at, attempts, max_attempts, timeout",
        (now, now, DEADLINE_GRACE, worker, claim, run_id, claim),
    )
    return ClaimedRun(*rows[0]) if rows else None


def finish_done(cluster: Store, run_id: int, claim: str, now: datetime, *, run: str,
                page_id: str | None) -> bool:
    """Record the run's success; False when the claim was lost meanwhile."""
    return cluster.execute(
        "UPDATE cluster_runs SET state = 'done', finished_at = ?, run_id = ?, page_id = ?, "
        "claim = NULL, error = NULL WHERE id = ? AND claim = ?",
        (now, run, page_id, run_id, claim),
    ) == 1


def finish_failed(cluster: Store, run_id: int, claim: str, now: datetime, *, run: str | None,
                  error: str, retry_at: datetime | None) -> bool:
    """Record a failed attempt: queued again from ``retry_at``, or failed for good (None)."""
    if retry_at is not None:
        sql = ("UPDATE cluster_runs SET state = 'queued', not_before = ?, run_id = ?, "
               "error = ?, claim = NULL WHERE id = ? AND claim = ?")
        return cluster.execute(sql, (retry_at, run, error, run_id, claim)) == 1
    sql = ("UPDATE cluster_runs SET state = 'failed', finished_at = ?, run_id = ?, error = ?, "
           "claim = NULL WHERE id = ? AND claim = ?")
    return cluster.execute(sql, (now, run, error, run_id, claim)) == 1


def sweep_abandoned(cluster: Store, now: datetime) -> list[tuple[int, str]]:
    """Runs whose attempt outlived its deadline (its worker died): queued again, or failed
    when that was the last attempt. Returns (id, new state) of each."""
    rows = cluster.query(
        "UPDATE cluster_runs SET claim = NULL, not_before = ?, "
        "state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END, "
        "finished_at = CASE WHEN attempts >= max_attempts THEN ? END, "
        "error = 'the attempt on ' || COALESCE(worker, '?') || ' did not finish by its "
        "deadline (its worker stopped or was lost)' "
        "WHERE state = 'running' AND deadline < ? RETURNING id, state",
        (now, now, now),
    )
    return [(int(row[0]), str(row[1])) for row in rows]


def stale_queued(cluster: Store, now: datetime, older_than: timedelta | None,
                 include_sent: bool = True, limit: int = 10_000) -> list[tuple[int, datetime]]:
    """Queued runs whose message may be lost: never sent (the broker was down) and due, or
    (with ``include_sent``) sent at least ``older_than`` ago and not taken since; every
    queued run when ``older_than`` is None (the broker lost its messages). Returns
    (id, not_before) of each."""
    never_sent = "enqueued_at IS NULL AND not_before <= ?"
    values: tuple[datetime, ...]
    if older_than is None:
        where, values = "TRUE", ()
    elif include_sent:
        cutoff = now - older_than
        where = f"({never_sent}) OR (enqueued_at < ? AND not_before < ?)"
        values = (now, cutoff, cutoff)
    else:
        where, values = never_sent, (now,)
    rows = cluster.query(f"SELECT id, not_before FROM cluster_runs WHERE state = 'queued' AND "
                         f"({where}) ORDER BY not_before LIMIT ?", (*values, limit))
    return [(int(row[0]), row[1]) for row in rows]


def run_settings(cluster: Store, run_id: int) -> tuple[float, datetime] | None:
    """The run's timeout and when it may start, for its task message; None when unknown."""
    rows = cluster.query("SELECT timeout, not_before FROM cluster_runs WHERE id = ?", (run_id,))
    return (float(rows[0][0]), rows[0][1]) if rows else None


def counts_by_state(cluster: Store) -> dict[str, int]:
    """How many runs are in each state."""
    found = dict.fromkeys(STATES, 0)
    for state, count in cluster.query("SELECT state, COUNT(*) FROM cluster_runs GROUP BY state"):
        found[str(state)] = int(count)
    return found


def row_dict(columns: list[str], row: tuple[Any, ...]) -> dict[str, Any]:
    """A row as a dict of JSON-ready values (timestamps as ISO text)."""
    return {name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in zip(columns, row, strict=True)}
