"""systemd units: the serve service (A), or a oneshot service and a timer per job (B)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from diaryflow.config.schema import SchedulerSettings
from diaryflow.schedule.child import GRACE_SECONDS
from diaryflow.schedule.deploy.install import STOP_WAIT_SECONDS, Install
from diaryflow.schedule.deploy.jobs import DeployJob

_DAYS = {"monday": "Mon", "tuesday": "Tue", "wednesday": "Wed", "thursday": "Thu",
         "friday": "Fri", "saturday": "Sat", "sunday": "Sun"}
_PERSISTENT = "# Run at boot when the machine was off at the scheduled time.\nPersistent=true"
_NOT_PERSISTENT = ("# catch_up = false: a time missed while the machine was off is not made up."
                   "\nPersistent=false")


def _systemd_quote(text: str, executable: bool = False) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    # systemd substitutes $ in arguments, but never in the path of the program it runs.
    return '"' + (escaped if executable else escaped.replace("$", "$$")) + '"'


def _systemd_path(path: Path) -> str:
    return str(path).replace("%", "%%")  # a path setting: no quoting, but specifiers expand


def _exec(install: Install, command: str) -> str:
    return " ".join((_systemd_quote(str(install.python), executable=True), "-m diaryflow", command,
                     "--config", _systemd_quote(str(install.config))))


def _service_common(install: Install) -> str:
    return f"""\
WorkingDirectory={_systemd_path(install.workdir)}
User={install.user}
Environment=PYTHONUNBUFFERED=1
# SIGTERM to diaryflow only (it stops its attempt within {GRACE_SECONDS} s), SIGKILL to leftovers.
KillMode=mixed
TimeoutStopSec={STOP_WAIT_SECONDS}"""


def systemd_service(install: Install) -> str:
    """The long-running ``<name>.service``: ``diaryflow serve`` restarted when it crashes."""
    return f"""\
[Unit]
Description=diaryflow daily FlowUs report daemon ({install.config})
Wants=network-online.target
After=network-online.target
# Give up after 5 failed starts in 10 minutes instead of restarting forever.
StartLimitIntervalSec=600
StartLimitBurst=5

[Service]
Type=simple
ExecStart={_exec(install, "serve")}
{_service_common(install)}
Restart=on-failure
RestartSec=30
# A bad configuration (exit 2) does not fix itself; exit 75 (lock held) is retried.
RestartPreventExitStatus=2

[Install]
WantedBy=multi-user.target
"""


def on_calendar(job: DeployJob) -> str:
    """The timer's ``OnCalendar=``: the job's day and time in its timezone; ``Mon..Fri``
    first when it skips weekends (a weekly job's own day is never a skipped weekend day)."""
    sched = job.scheduler
    # No weekday means every day: systemd refuses "*" in the weekday position.
    days = "" if sched.run_on_weekends else "Mon..Fri "
    at = f"{sched.time:%H:%M}:00 {sched.timezone}"
    if job.period == "week" and job.on:
        return f"{_DAYS[job.on]} *-*-* {at}"
    if job.period == "month" and job.on:
        return f"{days}*-*{'~01' if job.on == 'last' else f'-{int(job.on):02d}'} {at}"
    if job.period == "year" and job.on:
        return f"{days}*-{job.on} {at}"
    return f"{days}*-*-* {at}"


def unit_name(install: Install, job: DeployJob) -> str:
    """The B units' name: ``<name>-run``, or ``<name>-run-<job>`` for one of [[jobs]]."""
    return f"{install.name}-run" + (f"-{job.name}" if job.name else "")


def oneshot_units(
    install: Install, job: DeployJob, after: Sequence[str] = ()
) -> tuple[str, str]:
    """``<unit>.service`` (one ``diaryflow run``) and the ``<unit>.timer`` starting it.

    ``after`` names the services of the jobs listed before this one: started at the same
    time, the jobs run one after the other in that order.
    """
    sched, unit = job.scheduler, unit_name(install, job)
    if job.name is None:
        what, timed = "write one FlowUs report now", f"daily report at {sched.time:%H:%M}"
    else:
        what = f"write the {job.name} report now"
        timed = f"job {job.name}, {job.when} at {sched.time:%H:%M}"
    order = ("# Jobs started together run one after the other, in the order of [[jobs]].\n"
             f"After=network-online.target {' '.join(after)}") if after \
        else "After=network-online.target"
    service = f"""\
[Unit]
Description=diaryflow: {what} ({install.config})
Wants=network-online.target
{order}

[Service]
Type=oneshot
ExecStart={_exec(install, job.run)}
{_service_common(install)}
TimeoutStartSec={sched.timeout}
"""
    timer = f"""\
[Unit]
Description=diaryflow: {timed} {sched.timezone}

[Timer]
# A timezone suffix needs systemd >= 235 (check: systemd-analyze calendar '<spec>').
OnCalendar={on_calendar(job)}
{_PERSISTENT if sched.catch_up or job.name is None else _NOT_PERSISTENT}
Unit={unit}.service

[Install]
WantedBy=timers.target
"""
    return service, timer


def systemd_oneshot(install: Install, scheduler: SchedulerSettings) -> tuple[str, str]:
    """The alternative to serve without [[jobs]]: ``<name>-run.service`` and its daily timer."""
    return oneshot_units(install, DeployJob(None, "rolling", None, scheduler))
