"""The report jobs a deployment starts, each with the scheduler settings as it sees them."""

from __future__ import annotations

from dataclasses import dataclass

from diaryflow.config.job_schedule import job_scheduler
from diaryflow.config.schema import Config, SchedulerSettings


@dataclass(frozen=True)
class DeployJob:
    """One job a timer or a crontab line starts."""

    name: str | None  # None: a configuration without [[jobs]], whose `run` needs no --job
    period: str  # rolling | day | week | month | year
    on: str | None  # as JobSettings.on: a weekday, 1–28 or "last", or MM-DD
    scheduler: SchedulerSettings  # [scheduler] with the job's own values laid over it

    @property
    def run(self) -> str:
        """The ``diaryflow`` arguments that report this job's last complete period."""
        return "run" if self.name is None else f"run --job {self.name}"

    @property
    def when(self) -> str:
        """The job's day for people: ``daily``, ``weekly on monday``, ``monthly on the last``…"""
        if self.period in ("rolling", "day"):
            return "daily" + ("" if self.scheduler.run_on_weekends else " on weekdays")
        kind = {"week": "weekly", "month": "monthly", "year": "yearly"}[self.period]
        if self.period == "month":
            return f"{kind} on " + ("the last day" if self.on == "last" else f"day {self.on}")
        return f"{kind} on {self.on}"


def deploy_jobs(config: Config) -> tuple[list[DeployJob], list[str]]:
    """The enabled jobs (without [[jobs]]: the one job) and the names of the disabled ones."""
    if not config.jobs:
        return [DeployJob(None, "rolling", None, config.scheduler)], []
    enabled = [DeployJob(job.name, job.period, job.on, job_scheduler(config.scheduler, job))
               for job in config.jobs if job.enabled]
    return enabled, [job.name for job in config.jobs if not job.enabled]
