"""When a job fires, which period a firing runs for, why a due tick is skipped, and how long a
retry waits: the pure rules `serve` and the cluster's planner share."""

from __future__ import annotations

from datetime import date

from diaryflow.backoff import Backoff
from diaryflow.config.job_schedule import job_scheduler
from diaryflow.config.job_settings import JobSettings
from diaryflow.config.load import Config
from diaryflow.config.schema import SchedulerSettings
from diaryflow.periods import last_complete
from diaryflow.schedule.fire_times import Schedule, is_weekend


def retry_wait(retry_interval: float, backoff: float, attempt: int) -> float:
    """Seconds before retry ``attempt`` (1-based): the interval, growing by ``backoff``."""
    return Backoff(first=retry_interval, factor=backoff).delay(attempt)


def tick_schedule(config: Config, job: JobSettings | None = None) -> Schedule:
    """When ``job`` (default: the only one) fires; a daily job's weekends are ticks too,
    recorded as skipped rather than left out."""
    sched = config.scheduler
    if job is None or job.period in ("rolling", "day"):
        at = job.time if job is not None and job.time else sched.time
        return Schedule(at, sched.timezone, run_on_weekends=True)
    return Schedule.for_job(job, sched)


def catch_up_schedule(config: Config, job: JobSettings) -> Schedule:
    """When ``job`` really runs: on a Monday morning a weekday job's last due day is Friday."""
    if job.period in ("rolling", "day"):
        sched = job_scheduler(config.scheduler, job)
        return Schedule(sched.time, sched.timezone, sched.run_on_weekends)
    return Schedule.for_job(job, config.scheduler)


def due_period(job: JobSettings, day: date) -> str:
    """The key of the period a job fired on local ``day`` reports."""
    return day.isoformat() if job.period == "rolling" else last_complete(job.period, day).key


def skip_reason(scheduler: SchedulerSettings, period: date, done: bool,
                weekend_key: str = "scheduler.run_on_weekends") -> str | None:
    """Why a due tick does not run, or None when it should (``scheduler``: the job's view,
    whose run_on_weekends comes from ``weekend_key``)."""
    if not scheduler.run_on_weekends and is_weekend(period):
        return f"weekend ({weekend_key} = false)"
    if done:
        return "already done (a successful run exists for this period)"
    return None
