"""Whether a job's due period is late: pure arithmetic over its schedule and retry settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from diaryflow.config.job_schedule import job_scheduler
from diaryflow.config.job_settings import JobSettings
from diaryflow.config.load import Config
from diaryflow.schedule.due import catch_up_schedule, due_period, retry_wait
from diaryflow.schedule.fire_times import period_of, previous_fire


@dataclass(frozen=True)
class Due:
    """A job's latest due period and the one it is judged late by.

    ``checked`` is the latest period whose grace (timeout and every retry) has run out:
    judging it rather than the latest keeps a job from looking late while its attempts go on.
    """

    period: str | None  # the latest due period
    fired_at: datetime | None
    checked: str | None  # the latest period past its grace
    deadline: datetime | None  # when ``checked``'s grace ran out


def grace(config: Config, job: JobSettings) -> timedelta:
    """How long after its fire time a period may still get its successful run: every attempt's
    timeout plus the waits between them."""
    sched = job_scheduler(config.scheduler, job)
    waits = sum(retry_wait(sched.retry_interval, sched.retry_backoff, attempt)
                for attempt in range(1, sched.max_retries + 1))
    return timedelta(seconds=sched.timeout * (sched.max_retries + 1) + waits)


def due(config: Config, job: JobSettings, now: datetime) -> Due:
    """The latest due period of ``job`` at ``now``, and the latest one past its grace."""
    schedule = catch_up_schedule(config, job)
    allowed = grace(config, job)
    fired = previous_fire(schedule, now)
    checked_fire = previous_fire(schedule, now - allowed)
    return Due(
        due_period(job, period_of(schedule, fired)) if fired else None,
        fired,
        due_period(job, period_of(schedule, checked_fire)) if checked_fire else None,
        checked_fire + allowed if checked_fire else None,
    )


def late_status(state: Due, done: Callable[[str], bool], attempted: Callable[[str], bool],
                paused: bool = False) -> str:
    """``ok``, ``pending`` (its attempts may still succeed), ``late`` (attempts, none
    successful, within its grace), ``missed`` (no attempt at all) or ``paused``."""
    if paused:
        return "paused"
    if state.checked is None or done(state.checked):
        if state.period is not None and state.period != state.checked and not done(state.period):
            return "pending"
        return "ok"
    return "late" if attempted(state.checked) else "missed"
