"""Which (job, period) of a tenant is due: serve's fire-time and catch-up rules, pure."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from diaryflow.cluster.runs import PlannedRun
from diaryflow.config.job_schedule import job_scheduler
from diaryflow.config.load import Config, report_jobs
from diaryflow.schedule.due import catch_up_schedule, due_period
from diaryflow.schedule.fire_times import Schedule, next_fire, period_of, previous_fire


@dataclass(frozen=True)
class Due:
    """A job's latest due run (None when it has none to plan) and its next fire time."""

    run: PlannedRun | None
    next_fire: datetime


def due_runs(tenant_id: int, config: Config, now: datetime,
             planned_since: datetime | None) -> Iterator[tuple[str, Due]]:
    """Each enabled job's latest due run at ``now``, by its own schedule and timezone.

    A job with ``catch_up`` gets its latest fire time whenever it was (a run missed while no
    planner ran is caught up once, as ``serve`` does); without it, only a fire time after
    ``planned_since`` (the previous pass; None: none yet) counts. Weekends a job skips
    are never fire times.
    """
    for job in report_jobs(config):
        if not job.enabled:
            continue
        settings = job_scheduler(config.scheduler, job)
        schedule = catch_up_schedule(config, job)
        fire, upcoming = fires_around(schedule, now)
        if fire is None or (not settings.catch_up
                            and (planned_since is None or fire <= planned_since)):
            yield job.name, Due(None, upcoming)
            continue
        period = due_period(job, period_of(schedule, fire))
        yield job.name, Due(
            PlannedRun(tenant_id, job.name, period, fire, float(settings.timeout),
                       settings.max_retries + 1),
            upcoming,
        )


@functools.lru_cache(maxsize=4096)
def fires_around(schedule: Schedule, now: datetime) -> tuple[datetime | None, datetime]:
    """The schedule's latest fire time at or before ``now`` and its next one after it.

    Kept: within a pass every tenant is looked at with the same ``now``, and most share a
    handful of schedules (08:00 in one zone), so a pass computes each schedule's times once.
    """
    return previous_fire(schedule, now), next_fire(schedule, now)
