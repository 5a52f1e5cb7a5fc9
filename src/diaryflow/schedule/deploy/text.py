"""What ``diaryflow deploy <target>`` prints: the target's configs with how to install them."""

from __future__ import annotations

from diaryflow.config.schema import Config
from diaryflow.schedule.deploy.cron import cron_jobs, cron_line
from diaryflow.schedule.deploy.install import Install
from diaryflow.schedule.deploy.jobs import DeployJob, deploy_jobs
from diaryflow.schedule.deploy.supervisor import supervisor_program
from diaryflow.schedule.deploy.systemd import oneshot_units, systemd_service, unit_name
from diaryflow.schedule.deploy.web import supervisor_web, systemd_web

TARGETS = ("supervisor", "systemd", "cron")
UNIT_DIR = "/etc/systemd/system"
RULE = "# " + "=" * 76


def _disabled_note(config: Config, what: str, comment: str = "#") -> str:
    if config.scheduler.enabled:
        return ""
    return f"{comment} Note: [scheduler] enabled = false {what}\n"


def _disabled_jobs(names: list[str]) -> str:
    return "".join(f"# Job {name} has enabled = false: nothing is started for it.\n"
                   for name in names)


def deployment_text(target: str, install: Install, config: Config, web: bool = False) -> str:
    """What ``diaryflow deploy <target>`` prints: ready-to-install config text; with ``web``,
    a second program or unit for the dashboard too (supervisor and systemd)."""
    if target == "supervisor":  # serve schedules every job itself
        note = "- serve logs that and exits 0; supervisor leaves it EXITED."
        web_part = "\n" + supervisor_web(install) if web else ""
        return _disabled_note(config, note, ";") + supervisor_program(install) + web_part
    if web and target == "systemd":
        return deployment_text(target, install, config) + _systemd_web_text(install)
    jobs, disabled = deploy_jobs(config)
    if target == "cron":
        if not config.jobs:
            note = "does not stop this line; remove it instead."
            return _disabled_note(config, note) + cron_line(install, config.scheduler)
        note = "does not stop these lines; remove them instead."
        return _disabled_note(config, note) + _disabled_jobs(disabled) + cron_jobs(install, jobs)
    if target != "systemd":
        raise ValueError(f"unknown deploy target {target!r}; expected one of {', '.join(TARGETS)}")
    return _systemd_text(install, config, jobs, _disabled_jobs(disabled))


def _systemd_web_text(install: Install) -> str:
    """The dashboard's unit, to install beside variant A or B."""
    name = f"{install.name}-web"
    return f"""\
{RULE}
# Web dashboard (with A or B): save as {UNIT_DIR}/{name}.service, then:
#   sudo systemctl daemon-reload && sudo systemctl enable --now {name}.service
#   systemctl status {name}; journalctl -u {name} -f
{RULE}
{systemd_web(install)}"""


def _systemd_text(install: Install, config: Config, jobs: list[DeployJob],
                  disabled: str = "") -> str:
    """Variant A (serve) and variant B (a service and a timer per job), with their steps."""
    name = install.name
    units = [unit_name(install, job) for job in jobs]
    legacy = not config.jobs
    what = "starts one report a day" if legacy else "per enabled job starts its report"
    timers = " ".join(f"{unit}.timer" for unit in units)
    b_units = f"{name}-run" if legacy else f"{name}-run-<job>"
    parts = [f"""\
{_disabled_note(config, "- serve exits 0 at start; the timer (B) would still run reports.")}\
{disabled}{RULE}
# Choose ONE of the two variants below.
#   A: the daemon (diaryflow serve) schedules, retries and catches up by itself.
#   B: a systemd timer {what} (no daemon; no retries).
# Logs: journalctl -u {name} (or -u {b_units}) and the files in {install.log_dir}.
{RULE}
# A: save as {UNIT_DIR}/{name}.service, then:
#   sudo systemctl daemon-reload && sudo systemctl enable --now {name}.service
#   systemctl status {name}; journalctl -u {name} -f
{RULE}
{systemd_service(install)}"""]
    for number, (job, unit) in enumerate(zip(jobs, units, strict=True)):
        service, timer = oneshot_units(install, job, [f"{u}.service" for u in units[:number]])
        last = number == len(jobs) - 1
        steps = f"""\
, then:
#   sudo systemctl daemon-reload && sudo systemctl enable --now {timers}
#   systemctl list-timers {timers}; sudo systemctl start {b_units}  # run now""" if last else ""
        parts.append(f"""\
{RULE}
# B: save as {UNIT_DIR}/{unit}.service
{RULE}
{service}
{RULE}
# B: save as {UNIT_DIR}/{unit}.timer{steps}
{RULE}
{timer}""")
    return "\n".join(parts)
