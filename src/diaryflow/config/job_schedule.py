"""A job's scheduling settings: its own values where it sets them, else [scheduler]/[notify]."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import SecretStr

    from diaryflow.config.job_settings import JobSettings
    from diaryflow.config.schema import Config, SchedulerSettings

# The [scheduler] keys a [[jobs]] table may set for itself (unset: the scheduler's value).
OVERRIDES = ("run_on_weekends", "max_retries", "retry_interval", "retry_backoff", "timeout",
             "catch_up")


def job_scheduler(scheduler: SchedulerSettings, job: JobSettings) -> SchedulerSettings:
    """``[scheduler]`` as ``job`` sees it: its time and the keys of OVERRIDES it sets."""
    update: dict[str, object] = {
        key: getattr(job, key) for key in OVERRIDES if getattr(job, key) is not None
    }
    if job.time is not None:
        update["time"] = job.time
    return scheduler.model_copy(update=update) if update else scheduler


def job_webhook(config: Config, name: str) -> SecretStr | None:
    """Where the failure notice of job ``name`` goes: its webhook_url, else notify's."""
    own = next((job.webhook_url for job in config.jobs if job.name == name), None)
    return own or config.notify.webhook_url


def setting_of(config: Config, name: str, key: str, section: str = "scheduler") -> str:
    """Where job ``name`` takes ``key`` from, for messages: ``jobs[N].key`` or ``section.key``."""
    for number, job in enumerate(config.jobs, 1):
        if job.name == name and getattr(job, key) is not None:
            return f"jobs[{number}].{key}"
    return f"{section}.{key}"
