"""One job's view of the configuration: which job, which period, and the settings it overrides."""

from __future__ import annotations

from datetime import date

from diaryflow.config.job_settings import JobSettings
from diaryflow.config.load import Config, report_jobs
from diaryflow.errors import ConfigError
from diaryflow.periods import Period, containing, from_key, last_complete


def find_job(config: Config, name: str | None) -> JobSettings:
    """The job called ``name``; without a name, the only job (the default one before jobs)."""
    jobs = report_jobs(config)
    if name is None:
        if len(jobs) == 1:
            return jobs[0]
        names = ", ".join(job.name for job in jobs)
        raise ConfigError("--job", None, f"several jobs are configured: choose one of {names}")
    for job in jobs:
        if job.name == name:
            return job
    names = ", ".join(job.name for job in jobs)
    raise ConfigError("--job", name, f"no such job; the jobs are {names}")


def job_period(
    config: Config, job: JobSettings, today: date, day: date | None = None,
    key: str | None = None,
) -> Period:
    """The period to report: named by ``key``, holding ``day``, else the last complete one."""
    days = config.database.recent_days
    if key is not None:
        try:
            return from_key(job.period, key, days)
        except ValueError as error:
            raise ConfigError("--period", key, str(error).split(": ", 1)[-1]) from None
    if day is not None:
        return containing(job.period, day, days)
    return last_complete(job.period, today, days)


def job_config(config: Config, job: JobSettings, period: Period) -> Config:
    """The configuration ``job``'s run of ``period`` sees: its window, parent, prompt, model."""
    return config.model_copy(update={
        "report": config.report.model_copy(update={
            # [report] prompt_file was written for the rolling report; other kinds have their own.
            "job": job.name, "prompt_file": job.prompt_file or (
                config.report.prompt_file if job.period == "rolling" else None),
        }),
        "siliconflow": config.siliconflow.model_copy(
            update={"model": job.model or config.siliconflow.model}),
        "flowus": config.flowus.model_copy(
            update={"parent_page_id": job.parent_page_id or config.flowus.parent_page_id}),
        "database": config.database.model_copy(update={"recent_days": period.length}),
    })


def job_title(config: Config, job: JobSettings, period: Period) -> str:
    """The page title: the job's template filled in, else ``{new_page.title} - {period}``."""
    if job.title:
        return job.title.format(period=period.key, start=period.start.isoformat(),
                                end=period.end.isoformat())
    prefix = " ".join(config.new_page.title.split())
    return f"{prefix} - {period.key}" if prefix else period.key
