"""Crontab lines: ``diaryflow run`` per job at its time, under CRON_TZ or converted to the host."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from diaryflow.config.schema import SchedulerSettings
from diaryflow.schedule.child import GRACE_SECONDS
from diaryflow.schedule.deploy.install import Install
from diaryflow.schedule.deploy.jobs import DeployJob

_DAYS = {"sunday": 0, "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5,
         "saturday": 6}


@dataclass(frozen=True)
class CronWhen:
    """A job's crontab fields, and shell tests its command must pass first (in its timezone)."""

    day: str
    month: str
    weekday: str
    tests: tuple[str, ...] = ()


def date_test(zone: str, fmt: str, test: str, day: date | None = None, later: str = "") -> str:
    """A shell test (``test``: ``= 01``, ``-le 5``) of what ``date +fmt`` prints in ``zone``,
    now (or at noon on ``day``, for tests), ``later`` (``tomorrow``) if given."""
    when = f"{day.isoformat()} 12:00 {later or 'today'}" if day is not None else later
    moment = f"-d {shlex.quote(when)} " if when else ""
    return f'[ "$(TZ={shlex.quote(zone)} date {moment}+{fmt})" {test} ]'


def last_day_test(zone: str, day: date | None = None) -> str:
    """True on the last day of a month in ``zone``: tomorrow is the 1st."""
    return date_test(zone, "%d", "= 01", day, later="tomorrow")


def weekday_test(zone: str, day: date | None = None) -> str:
    """True from Monday to Friday in ``zone``."""
    return date_test(zone, "%u", "-le 5", day)


def _cron_days(weekdays: bool, shift: int = 0) -> str:
    if not weekdays:
        return "*"
    first = (1 + shift) % 7  # Monday..Friday, moved when the host's date differs
    return f"{first}-{first + 4}"


def cron_when(job: DeployJob, shift: int = 0) -> CronWhen:
    """When ``job`` runs; with ``shift``, on a host whose date is that many days off the job's
    (the day of the month and the month are then tested in the job's timezone instead)."""
    sched, zone = job.scheduler, job.scheduler.timezone
    if job.period == "week" and job.on:
        return CronWhen("*", "*", str((_DAYS[job.on] + shift) % 7))
    if job.period not in ("month", "year") or not job.on:
        return CronWhen("*", "*", _cron_days(not sched.run_on_weekends, shift))
    weekdays = () if sched.run_on_weekends else (weekday_test(zone),)
    if job.on == "last":
        return CronWhen("28-31" if not shift else "*", "*", "*", (last_day_test(zone), *weekdays))
    if job.period == "month":
        if not shift:
            return CronWhen(job.on, "*", "*", weekdays)
        return CronWhen("*", "*", "*", (date_test(zone, "%d", f"= {int(job.on):02d}"), *weekdays))
    if not shift:
        month, day = job.on.split("-")
        return CronWhen(str(int(day)), str(int(month)), "*", weekdays)
    return CronWhen("*", "*", "*", (date_test(zone, "%m-%d", f"= {job.on}"), *weekdays))


def _cron_command(install: Install, scheduler: SchedulerSettings, job: DeployJob | None = None,
                  tests: tuple[str, ...] = ()) -> str:
    q = shlex.quote
    log = install.log_dir / "cron.log"
    locks = f"flock -n {q(str(install.lock_file))}"
    if job is not None and job.name is not None:
        # Its own lock skips a run while the job's previous one goes on; the shared one, waited
        # for, makes jobs due together run one after the other.
        locks = (f"flock -n {q(str(install.job_lock_file(job.name)))} "
                 f"flock {q(str(install.lock_file))}")
    command = (
        "".join(f"{test} && " for test in tests)
        + f"cd {q(str(install.workdir))} && {locks} "
        f"timeout -k {GRACE_SECONDS} {scheduler.timeout} {q(str(install.python))} "
        f"-m diaryflow {job.run if job else 'run'} --config {q(str(install.config))} "
        f">> {q(str(log))} 2>&1"
    )
    return command.replace("%", "\\%")  # cron turns a bare % into a newline


@dataclass(frozen=True)
class HostTime:
    """A job's time on the host's clock, as of one day."""

    day: date  # the day it was worked out for, in the job's timezone
    local: datetime  # the job's time on that day, on the host's clock
    shift: int  # days between the host's date and the job's date then


def host_time(install: Install, scheduler: SchedulerSettings) -> HostTime | None:
    """When the job's time falls on the host's clock today (None: the host's zone is unknown)."""
    host = install.host_time
    if host is None or host.tzinfo is None:
        return None
    zone = ZoneInfo(scheduler.timezone)
    day = host.astimezone(zone).date()
    due = datetime.combine(day, scheduler.time, tzinfo=zone)
    local = due.astimezone(host.tzinfo)
    return HostTime(day, local, (local.date() - due.date()).days)


def cron_line(install: Install, scheduler: SchedulerSettings) -> str:
    """Crontab lines: ``diaryflow run`` at the configured time and timezone, never overlapping."""
    weekdays = not scheduler.run_on_weekends
    command = _cron_command(install, scheduler)
    at = scheduler.time
    lines = [
        f"# {install.name}: one report a day at {at:%H:%M} {scheduler.timezone}. Add with",
        f"# `crontab -e` after `mkdir -p {shlex.quote(str(install.log_dir))}`.",
        "# flock -n skips a run while the previous one is still going; timeout stops it after",
        f"# [scheduler] timeout = {scheduler.timeout} s. Output: {install.log_dir / 'cron.log'}.",
        "# CRON_TZ applies to every line after it: keep these lines last in the crontab.",
        f"CRON_TZ={scheduler.timezone}",
        f"{at.minute} {at.hour} * * {_cron_days(weekdays)} {command}",
    ]
    host = host_time(install, scheduler)
    if host is not None:
        local = host.local
        lines += [
            "# Debian/Ubuntu cron ignores CRON_TZ and uses the system timezone. There, drop the",
            f"# CRON_TZ line and use this one instead: {at:%H:%M} {scheduler.timezone} is "
            f"{local:%H:%M} on this host (UTC{local:%z}) on {host.day};",
            "# re-check it after a daylight-saving change in either timezone.",
            f"# {local.minute} {local.hour} * * {_cron_days(weekdays, host.shift)} {command}",
        ]
    return "\n".join(lines) + "\n"


def _job_line(install: Install, job: DeployJob, minute: int, hour: int, shift: int) -> str:
    when = cron_when(job, shift)
    command = _cron_command(install, job.scheduler, job, when.tests)
    return f"{minute} {hour} {when.day} {when.month} {when.weekday} {command}"


def cron_jobs(install: Install, jobs: list[DeployJob]) -> str:
    """Crontab lines for [[jobs]]: one ``diaryflow run --job`` line per job, at its time."""
    if not jobs:
        return "# Every job has enabled = false: there is no line to add.\n"
    zone = jobs[0].scheduler.timezone  # [scheduler] timezone: the same for every job
    lines = [
        f"# {install.name}: one line per report job, at its time in {zone}. Add with",
        f"# `crontab -e` after `mkdir -p {shlex.quote(str(install.log_dir))}`.",
        "# flock -n skips a job's run while its previous one is still going; the second flock",
        "# makes jobs due together run one after the other; timeout stops a run after the",
        f"# job's timeout. Output: {install.log_dir / 'cron.log'}.",
        "# CRON_TZ applies to every line after it: keep these lines last in the crontab.",
        f"CRON_TZ={zone}",
    ]
    converted = []
    for job in jobs:
        at = job.scheduler.time
        lines += [f"# {job.name}: {job.when} at {at:%H:%M}, timeout {job.scheduler.timeout} s",
                  _job_line(install, job, at.minute, at.hour, 0)]
        host = host_time(install, job.scheduler)
        if host is not None:
            local = host.local
            converted += [f"# {job.name}: {at:%H:%M} {zone} is {local:%H:%M} on this host "
                          f"(UTC{local:%z}) on {host.day}",
                          "# " + _job_line(install, job, local.minute, local.hour, host.shift)]
    if converted:
        lines += [
            "# Debian/Ubuntu cron ignores CRON_TZ and uses the system timezone. There, drop the",
            "# CRON_TZ line and use these lines instead, converted to this host's timezone;",
            "# re-check them after a daylight-saving change in either timezone.",
            *converted,
        ]
    return "\n".join(lines) + "\n"
