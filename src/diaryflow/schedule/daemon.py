"""The serve loop: sleep until due, run each attempt in a child process, retry, catch up."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from diaryflow.clock import Clock, utc_now
from diaryflow.config.job_schedule import job_scheduler, job_webhook, setting_of
from diaryflow.config.job_settings import JobSettings
from diaryflow.config.load import Config, report_jobs
from diaryflow.errors import DiaryflowError, LockedError
from diaryflow.schedule.child import Outcome, run_command
from diaryflow.schedule.due import (
    catch_up_schedule,
    due_period,
    retry_wait,
    skip_reason,
    tick_schedule,
)
from diaryflow.schedule.fire_times import (
    catch_up_period,
    describe_fire,
    next_fire,
    period_of,
)
from diaryflow.schedule.signals import RELOAD, STOP
from diaryflow.state.lock import Lock, serve_lock_path
from diaryflow.state.pauses import is_paused
from diaryflow.state.runs import Failure, period_done, record_skip, settle_orphans
from diaryflow.state.store import Store

PAUSED = "paused"
log = logging.getLogger("diaryflow.daemon")
MAX_SLEEP = 900.0  # look at the wall clock at least this often (suspend, clock changes)


class Waiter(Protocol):
    """Sleeps until a deadline or a signal (the real one is :class:`.signals.Waker`)."""

    def wait(self, seconds: float) -> str | None:
        """Sleep up to ``seconds``; the signal event that cut it short, or None."""

    def take_deferred(self) -> str | None:
        """An event noted during an attempt, to act on now."""


class Launcher(Protocol):
    """Runs one attempt to its end or its deadline."""

    stop_requested: bool

    def run(self, command: Sequence[str], timeout: float, store_path: Path, run_id: str,
            setting: str = "scheduler.timeout") -> Outcome:
        """Run the attempt and say how it ended (``setting`` names where the timeout is set)."""


class _Stop(Exception):
    """Raised inside the loop when a stop signal arrives."""


@dataclass
class Daemon:
    """The long-running scheduler; every outside effect is injected."""

    config_path: Path
    config: Config
    load: Callable[[Path], Config]
    waiter: Waiter
    launcher: Launcher
    now: Clock = utc_now
    notify: Callable[[Config, Failure], None] = lambda config, failure: None
    command: Callable[[Path, str, str, str, str | None], list[str]] = run_command
    # Called with each newly loaded configuration (the log files and the secrets to redact).
    reconfigure: Callable[[Config], None] = lambda config: None
    fired: list[datetime] = field(default_factory=list)

    def serve(self) -> int:
        """Run until stopped; returns the exit code."""
        if not self.config.scheduler.enabled:
            log.info("scheduler.enabled = false: nothing to schedule; exiting")
            return 0
        with Store(self.config.state.path) as store:
            settle_orphans(store, "diaryflow serve")
        try:
            for job in self._jobs():
                self._catch_up(job)
            while True:
                if not self._jobs():
                    log.info("every job is disabled (enabled = false): nothing to schedule")
                    return 0
                fire, due = self._next_fires()
                names = f" ({', '.join(job.name for job in due)})" if self.config.jobs else ""
                log.info("next report at %s%s",
                         describe_fire(tick_schedule(self.config, due[0]), fire), names)
                if not self._sleep_until(fire):
                    if not self.config.scheduler.enabled:
                        log.info("scheduler.enabled = false after reload; exiting")
                        return 0
                    continue  # reloaded: the schedule may have changed
                self.fired.append(fire)
                for job in due:  # jobs due at the same minute run one after the other
                    self._tick(job, fire)
        except _Stop:
            log.info("stopping on request")
            return 0

    def _jobs(self) -> list[JobSettings]:
        return [job for job in report_jobs(self.config) if job.enabled]

    def _next_fires(self) -> tuple[datetime, list[JobSettings]]:
        """The next fire time of any enabled job, and every job due then."""
        now = self.now()
        fires = [(next_fire(tick_schedule(self.config, job), now), job) for job in self._jobs()]
        first = min(fire for fire, _ in fires)
        return first, [job for fire, job in fires if fire == first]

    def _sleep_until(self, until: datetime, *, reload_ends: bool = True) -> bool:
        """Sleep until ``until``; False when a reload cut the sleep short.

        A stop raises; a reload is applied, and ends the sleep only when ``reload_ends``.
        Any other wake-up (the SIGCHLD of an attempt just ended) sleeps on.
        """
        while (left := (until - self.now()).total_seconds()) > 0:
            event = self.waiter.wait(min(left, MAX_SLEEP))
            if event == STOP:
                raise _Stop
            if event == RELOAD:
                self._reload()
                if reload_ends:
                    return False
        return True

    def _reload(self) -> None:
        try:
            self.config = self.load(self.config_path)
        except DiaryflowError as error:
            log.error("SIGHUP: the new configuration is refused (%s); keeping the old one", error)
            return
        self.reconfigure(self.config)
        log.info("SIGHUP: configuration re-read from %s", self.config_path)

    def _catch_up(self, job: JobSettings) -> None:
        sched = job_scheduler(self.config.scheduler, job)
        if not sched.catch_up:
            return
        with Store(self.config.state.path) as store:
            if is_paused(store, job.name):
                log.info("%s is paused: no catch-up", job.name)
                return
            day = catch_up_period(
                catch_up_schedule(self.config, job), self.now(),
                lambda day: period_done(store, job.name, due_period(job, day))
                or store.get_meta(_catch_up_key(job.name, due_period(job, day))) is not None,
            )
            if day is None or skip_reason(sched, day, False):
                return
            period = due_period(job, day)
            store.set_meta(_catch_up_key(job.name, period), self.now().isoformat())
        log.info("catching up the missed report of %s", period)
        self._run_period(job, period, self.now())

    def _tick(self, job: JobSettings, fire: datetime) -> None:
        day = period_of(tick_schedule(self.config, job), fire)
        period = due_period(job, day)
        with Store(self.config.state.path) as store:
            # Read at every tick, so a pause from the dashboard needs no restart.
            reason = PAUSED if is_paused(store, job.name) else skip_reason(
                job_scheduler(self.config.scheduler, job), day,
                period_done(store, job.name, period),
                setting_of(self.config, job.name, "run_on_weekends"))
            if reason:
                log.info("%s: skipped: %s", period, reason)
                record_skip(store, uuid.uuid4().hex[:12], job.name, period, fire.isoformat(),
                            reason)
                return
        self._run_period(job, period, fire)

    def _run_period(self, job: JobSettings, period: str, scheduled: datetime) -> None:
        sched = job_scheduler(self.config.scheduler, job)
        setting = setting_of(self.config, job.name, "timeout")
        last: Outcome | None = None
        attempts = 0
        for attempt in range(1, sched.max_retries + 2):
            attempts = attempt
            run_id = uuid.uuid4().hex[:12]
            command = self.command(self.config_path, period, run_id, scheduled.isoformat(),
                                   job.name if self.config.jobs else None)
            last = self.launcher.run(command, sched.timeout, self.config.state.path, run_id,
                                     setting=setting)
            log.info("%s attempt %d (%s): %s%s", period, attempt, run_id, last.status,
                     f": {last.error}" if last.error else "")
            if last.status == "ok":
                return
            if last.status == "cancelled" or self.launcher.stop_requested:
                raise _Stop
            if not last.retryable:
                log.error("%s: not retried: the failure needs a fix first (%s)", period,
                          last.error)
                break
            if attempt > sched.max_retries:
                break
            wait = retry_wait(sched.retry_interval, sched.retry_backoff, attempt)
            log.info("%s: retry %d in %.0f s", period, attempt, wait)
            self._sleep_until(self.now() + timedelta(seconds=wait), reload_ends=False)
        if self.waiter.take_deferred() == RELOAD:
            self._reload()
        if last is not None:
            failure = Failure(job.name, period, attempts, last.error or last.status, last.status)
            self.notify(self.config, failure)


def _catch_up_key(job: str, period: str) -> str:
    return f"catch_up:{job}:{period}"


def serve(config_path: Path, config: Config) -> int:
    """``diaryflow serve``: take the daemon lock and run the loop with real processes."""
    from diaryflow.config.load import load_config
    from diaryflow.schedule.child import ChildLauncher
    from diaryflow.schedule.signals import Waker

    lock = Lock(serve_lock_path(config.state.path))
    if not lock.try_acquire():
        pid = lock.holder()
        raise LockedError(
            f"another diaryflow serve (pid {pid}) holds {lock.path}; only one may run"
        )
    try:
        with Waker() as waker:
            daemon = Daemon(
                config_path, config, lambda path: load_config(path), waker,
                ChildLauncher(waker), notify=_send_notice, reconfigure=_log_to_stdout,
            )
            return daemon.serve()
    finally:
        lock.release()


def _send_notice(config: Config, failure: Failure) -> None:
    url = job_webhook(config, failure.job)
    if url is None:
        return
    from diaryflow.schedule.notify import notify_failure

    notify_failure(url.get_secret_value(), failure)


def _log_to_stdout(config: Config) -> None:
    from diaryflow.logs import setup_logging

    setup_logging(config, verbose=True, stdout=True)


def cmd_serve(args: object) -> int:
    """The ``serve`` command (kept apart from the others so the daemon imports little)."""
    from diaryflow.config.load import load_config

    config = load_config(getattr(args, "config", None))
    _log_to_stdout(config)
    for warning in config.warnings:
        log.warning("%s", warning)
    path = config.source or Path("config.toml").resolve()
    return serve(path, config)
