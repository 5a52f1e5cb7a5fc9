"""What the overview, ``/api/jobs`` and ``/healthz`` show: each job, the daemon and the locks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from diaryflow.config.job_settings import JobSettings
from diaryflow.config.load import Config, report_jobs
from diaryflow.schedule.due import tick_schedule
from diaryflow.schedule.fire_times import next_fire
from diaryflow.schedule.lateness import Due, due, late_status
from diaryflow.state.history import attempted, last_ok_period, last_run
from diaryflow.state.lock import Lock, run_lock_path, serve_lock_path
from diaryflow.state.pauses import paused_jobs
from diaryflow.state.runs import RunRow, period_done, report_page
from diaryflow.state.store import Store

LATE = frozenset({"late", "missed"})


@dataclass(frozen=True)
class JobView:
    """One job: its last attempt, its next fire time and whether it is late or paused."""

    name: str
    period_kind: str
    enabled: bool
    paused: bool
    last: RunRow | None
    last_ok_period: str | None
    next_fire: datetime | None
    due: Due
    status: str  # ok | pending | late | missed | paused
    page_url: str | None

    @property
    def late(self) -> bool:
        """Whether a due period went without a successful run past its grace."""
        return self.status in LATE


@dataclass(frozen=True)
class Overview:
    """Every job, and who holds the serve and run locks."""

    jobs: list[JobView]
    serve_pid: int | None
    run_pid: int | None

    @property
    def healthy(self) -> bool:
        """``serve`` runs and no job is late."""
        return self.serve_pid is not None and not any(job.late for job in self.jobs)


def page_url(page_id: str | None, url: str | None) -> str | None:
    """A report page's link: the one the API gave, else the page's flowus.cn address."""
    if url:
        return url
    return f"https://flowus.cn/{page_id.replace('-', '')}" if page_id else None


def job_view(config: Config, store: Store, job: JobSettings, now: datetime,
             paused: bool) -> JobView:
    """One job as the overview shows it at ``now``."""
    last = last_run(store, job.name)
    state = due(config, job, now)
    status = "ok" if not job.enabled else late_status(
        state, lambda period: period_done(store, job.name, period),
        lambda period: attempted(store, job.name, period), paused)
    page = report_page(store, job.name, last.period) if last else None
    enabled = job.enabled and config.scheduler.enabled
    return JobView(
        job.name, job.period, job.enabled, paused, last, last_ok_period(store, job.name),
        next_fire(tick_schedule(config, job), now) if enabled and not paused else None,
        state, status, page_url(page.page_id, page.url) if page else None,
    )


def overview(config: Config, store: Store, now: datetime) -> Overview:
    """Every configured job at ``now``, and the lock holders."""
    paused = paused_jobs(store)
    jobs = [job_view(config, store, job, now, job.name in paused) for job in report_jobs(config)]
    return Overview(jobs, Lock(serve_lock_path(config.state.path)).holder(),
                    Lock(run_lock_path(config.state.path)).holder())
