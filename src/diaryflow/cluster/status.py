"""What ``cluster status`` shows: the queue, runs by state, late tenants, budget use."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from diaryflow.cluster.runs import counts_by_state
from diaryflow.state.store import Store

# A run is late when it is still not done this long past its due time plus every attempt's
# timeout (so a run merely waiting its turn in a long morning queue is not called late).
LATE_AFTER_SECONDS = 300


@dataclass(frozen=True)
class LateRun:
    """A tenant's run that is late or has failed for good."""

    tenant: str
    job: str
    period: str
    state: str
    due_at: str
    error: str | None


@dataclass(frozen=True)
class BudgetUse:
    """How much of one budget the current window has used."""

    name: str
    used: int
    limit: int


@dataclass
class ClusterStatus:
    """The cluster at one moment."""

    at: str
    queue_depth: int | None
    runs: dict[str, int]
    tenants: dict[str, int]
    late: list[LateRun] = field(default_factory=list)
    failed: list[LateRun] = field(default_factory=list)
    budgets: list[BudgetUse] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The status as JSON-ready data."""
        return asdict(self)


def gather_status(cluster: Store, now: datetime, queue_depth: int | None,
                  budgets: list[BudgetUse], limit: int = 50) -> ClusterStatus:
    """The cluster's runs and tenants as the database has them at ``now``."""
    tenants = {"enabled": 0, "disabled": 0}
    for enabled, count in cluster.query("SELECT enabled, COUNT(*) FROM tenants GROUP BY enabled"):
        tenants["enabled" if enabled else "disabled"] += int(count)
    columns = ("SELECT t.name, r.job, r.period, r.state, r.due_at, r.error FROM cluster_runs r "
               "JOIN tenants t ON t.id = r.tenant_id ")
    late = cluster.query(
        columns + "WHERE r.state IN ('queued', 'running') AND r.due_at "
        "+ make_interval(secs => r.timeout * r.max_attempts + ?) < ? "
        "ORDER BY r.due_at LIMIT ?", (LATE_AFTER_SECONDS, now, limit))
    failed = cluster.query(
        columns + "WHERE r.state = 'failed' AND r.finished_at > ? - interval '1 day' "
        "ORDER BY r.finished_at DESC LIMIT ?", (now, limit))
    return ClusterStatus(
        at=now.isoformat(timespec="seconds"), queue_depth=queue_depth,
        runs=counts_by_state(cluster), tenants=tenants,
        late=[_late(row) for row in late], failed=[_late(row) for row in failed],
        budgets=budgets)


def _late(row: tuple[Any, ...]) -> LateRun:
    return LateRun(str(row[0]), str(row[1]), str(row[2]), str(row[3]),
                   row[4].isoformat(timespec="seconds"), row[5])


def status_lines(status: ClusterStatus) -> list[str]:
    """The status for a terminal."""
    queue = "unknown (broker unreachable)" if status.queue_depth is None else str(
        status.queue_depth)
    runs = ", ".join(f"{count} {state}" for state, count in status.runs.items())
    lines = [
        f"at {status.at}",
        f"tenants: {status.tenants['enabled']} enabled, {status.tenants['disabled']} disabled",
        f"queue: {queue} waiting",
        f"runs: {runs}",
    ]
    for title, rows in (("late", status.late), ("failed in the last day", status.failed)):
        lines.append(f"{title}: {len(rows) or 'none'}")
        lines += [f"  {r.tenant} {r.job} {r.period} {r.state} (due {r.due_at})"
                  + (f": {r.error}" if r.error else "") for r in rows]
    busiest = sorted(status.budgets, key=lambda b: b.used / b.limit, reverse=True)[:10]
    if busiest:
        lines.append("budget use this minute (busiest):")
        lines += [f"  {b.name}: {b.used}/{b.limit}" for b in busiest]
    return lines
