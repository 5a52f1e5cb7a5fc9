"""Deployment configs for this install: a supervisor program, systemd units, a crontab line."""

from __future__ import annotations

import getpass
import re
import shlex
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from diaryflow.clock import utc_now
from diaryflow.config.schema import Config, SchedulerSettings
from diaryflow.errors import ConfigError
from diaryflow.schedule.child import GRACE_SECONDS

STOP_WAIT_SECONDS = GRACE_SECONDS + 20
TARGETS = ("supervisor", "systemd", "cron")
# Exit codes that restarting cannot fix: done or disabled, bad config, another serve holds the lock.
FINAL_EXIT_CODES = (0, 2, 75)
# configparser (supervisor) cuts a value at whitespace followed by ";" or "#".
_SUPERVISOR_COMMENT = re.compile(r"\s[;#]")


@dataclass(frozen=True)
class Install:
    """Everything the configs name: interpreter, config file, user, log folder."""

    python: Path
    config: Path
    workdir: Path
    user: str
    log_dir: Path
    name: str = "diaryflow"
    host_time: datetime | None = None  # aware local time of the host, for the cron conversion

    def __post_init__(self) -> None:
        for key, path in (("python", self.python), ("config", self.config),
                          ("workdir", self.workdir), ("log_dir", self.log_dir)):
            if not path.is_absolute():
                raise ValueError(f"Install.{key} must be absolute, got {path}")
            if any(ord(c) < 32 or c == "\x7f" for c in str(path)):
                raise ConfigError(key, str(path), "a path without control characters or newlines")
        if not re.fullmatch(r"[A-Za-z0-9_.@-]+", self.name):
            raise ValueError(f"Install.name must be a plain unit name, got {self.name!r}")

    @classmethod
    def detect(cls, config: Config) -> Install:
        """This install: the running interpreter, the loaded config file, the current user."""
        if config.source is None:
            raise ConfigError("config", None, "deploy needs a config file; pass --config PATH")
        source = config.source.absolute()
        return cls(
            # Not resolved: a venv's python is a symlink, and resolving it would lose the venv.
            python=Path(sys.executable).absolute(),
            config=source,
            workdir=source.parent,
            user=getpass.getuser(),
            log_dir=config.logging.dir,
            host_time=utc_now().astimezone(),
        )

    @property
    def lock_file(self) -> Path:
        """The file ``flock`` holds so cron runs cannot overlap (not the run lock itself)."""
        return self.log_dir / f"{self.name}-cron.lock"


def _supervisor_value(text: str, expansions: int = 1) -> str:
    if _SUPERVISOR_COMMENT.search(text):
        raise ConfigError("config", text, "a path without ' ;' or ' #' for supervisor's parser")
    return text.replace("%", "%" * 2**expansions)


def _supervisor_quote(path: Path) -> str:
    quoted = str(path).replace("\\", "\\\\").replace('"', '\\"')
    return _supervisor_value(f'"{quoted}"')


def supervisor_program(install: Install) -> str:
    """A ``[program:…]`` section running ``diaryflow serve`` under supervisord."""
    command = " ".join((_supervisor_quote(install.python), "-m diaryflow serve --config",
                        _supervisor_quote(install.config)))
    log = install.log_dir / "supervisor.log"  # supervisor expands %(…)s in it twice
    codes = ",".join(map(str, FINAL_EXIT_CODES))
    return f"""\
; {install.name}: supervisor program for {install.config}
; Save as /etc/supervisor/conf.d/{install.name}.conf (Debian/Ubuntu) or
; /etc/supervisord.d/{install.name}.ini (RHEL/Fedora), then:
;   mkdir -p {shlex.quote(str(install.log_dir))}
;   sudo supervisorctl reread && sudo supervisorctl update
;   sudo supervisorctl status {install.name}
;   sudo supervisorctl tail -f {install.name}
; Logs: {log} (rotated) and the log files in {install.log_dir}.
[program:{install.name}]
command={command}
directory={_supervisor_value(str(install.workdir))}
user={_supervisor_value(install.user)}
autostart=true
autorestart=unexpected
; startsecs=0: with a longer startsecs supervisor treats every quick exit as a failed
; start and retries it, even the exit 0 of [scheduler] enabled = false.
startsecs=0
startretries=3
; {codes}: done or disabled, bad configuration, another serve holds the lock: a restart
; would not change any of them, so the program stays EXITED; crashes are restarted.
exitcodes={codes}
stopsignal=TERM
; serve gives a running attempt {GRACE_SECONDS} s to stop after SIGTERM; wait longer before SIGKILL.
stopwaitsecs={STOP_WAIT_SECONDS}
stopasgroup=true
killasgroup=true
redirect_stderr=true
stdout_logfile={_supervisor_value(str(log), expansions=2)}
stdout_logfile_maxbytes=10MB
stdout_logfile_backups=5
environment=PYTHONUNBUFFERED="1"
"""


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


def _on_calendar(scheduler: SchedulerSettings) -> str:
    # No weekday means every day: systemd refuses "*" in the weekday position.
    days = "" if scheduler.run_on_weekends else "Mon..Fri "
    return f"{days}*-*-* {scheduler.time:%H:%M}:00 {scheduler.timezone}"


def systemd_oneshot(install: Install, scheduler: SchedulerSettings) -> tuple[str, str]:
    """The alternative to serve: ``<name>-run.service`` (one report) and its daily timer."""
    service = f"""\
[Unit]
Description=diaryflow: write one FlowUs report now ({install.config})
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart={_exec(install, "run")}
{_service_common(install)}
TimeoutStartSec={scheduler.timeout}
"""
    timer = f"""\
[Unit]
Description=diaryflow: daily report at {scheduler.time:%H:%M} {scheduler.timezone}

[Timer]
# A timezone suffix needs systemd >= 235 (check: systemd-analyze calendar '<spec>').
OnCalendar={_on_calendar(scheduler)}
# Run at boot when the machine was off at the scheduled time.
Persistent=true
Unit={install.name}-run.service

[Install]
WantedBy=timers.target
"""
    return service, timer


def _cron_days(weekdays: bool, shift: int = 0) -> str:
    if not weekdays:
        return "*"
    first = (1 + shift) % 7  # Monday..Friday, moved when the host's date differs
    return f"{first}-{first + 4}"


def _cron_command(install: Install, scheduler: SchedulerSettings) -> str:
    q = shlex.quote
    log = install.log_dir / "cron.log"
    command = (
        f"cd {q(str(install.workdir))} && flock -n {q(str(install.lock_file))} "
        f"timeout -k {GRACE_SECONDS} {scheduler.timeout} {q(str(install.python))} "
        f"-m diaryflow run --config {q(str(install.config))} >> {q(str(log))} 2>&1"
    )
    return command.replace("%", "\\%")  # cron turns a bare % into a newline


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
    if install.host_time is not None and install.host_time.tzinfo is not None:
        host = install.host_time
        day = host.astimezone(scheduler.tz).date()
        due = datetime.combine(day, at, tzinfo=scheduler.tz)
        local = due.astimezone(host.tzinfo)
        lines += [
            "# Debian/Ubuntu cron ignores CRON_TZ and uses the system timezone. There, drop the",
            f"# CRON_TZ line and use this one instead: {at:%H:%M} {scheduler.timezone} is "
            f"{local:%H:%M} on this host (UTC{local:%z}) on {day};",
            "# re-check it after a daylight-saving change in either timezone.",
            f"# {local.minute} {local.hour} * * "
            f"{_cron_days(weekdays, (local.date() - due.date()).days)} {command}",
        ]
    return "\n".join(lines) + "\n"


def _disabled_note(config: Config, what: str, comment: str = "#") -> str:
    if config.scheduler.enabled:
        return ""
    return f"{comment} Note: [scheduler] enabled = false {what}\n"


def deployment_text(target: str, install: Install, config: Config) -> str:
    """What ``diaryflow deploy <target>`` prints: ready-to-install config text."""
    scheduler = config.scheduler
    if target == "supervisor":
        note = "- serve logs that and exits 0; supervisor leaves it EXITED."
        return _disabled_note(config, note, ";") + supervisor_program(install)
    if target == "cron":
        note = "does not stop this line; remove it instead."
        return _disabled_note(config, note) + cron_line(install, scheduler)
    if target != "systemd":
        raise ValueError(f"unknown deploy target {target!r}; expected one of {', '.join(TARGETS)}")
    run_service, timer = systemd_oneshot(install, scheduler)
    unit_dir = "/etc/systemd/system"
    name = install.name
    rule = "# " + "=" * 76
    return f"""\
{_disabled_note(config, "- serve exits 0 at start; the timer (B) would still run reports.")}\
{rule}
# Choose ONE of the two variants below.
#   A: the daemon (diaryflow serve) schedules, retries and catches up by itself.
#   B: a systemd timer starts one report a day (no daemon; no retries).
# Logs: journalctl -u {name} (or -u {name}-run) and the files in {install.log_dir}.
{rule}
# A: save as {unit_dir}/{name}.service, then:
#   sudo systemctl daemon-reload && sudo systemctl enable --now {name}.service
#   systemctl status {name}; journalctl -u {name} -f
{rule}
{systemd_service(install)}
{rule}
# B: save as {unit_dir}/{name}-run.service
{rule}
{run_service}
{rule}
# B: save as {unit_dir}/{name}-run.timer, then:
#   sudo systemctl daemon-reload && sudo systemctl enable --now {name}-run.timer
#   systemctl list-timers {name}-run.timer; sudo systemctl start {name}-run  # run now
{rule}
{timer}"""
