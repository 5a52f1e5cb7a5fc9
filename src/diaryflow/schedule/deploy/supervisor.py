"""The supervisor program that keeps ``diaryflow serve`` running (it schedules every job)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from diaryflow.errors import ConfigError
from diaryflow.schedule.child import GRACE_SECONDS
from diaryflow.schedule.deploy.install import STOP_WAIT_SECONDS, Install

# Exit codes that restarting cannot fix: done or disabled, bad config, another serve holds the lock.
FINAL_EXIT_CODES = (0, 2, 75)
# configparser (supervisor) cuts a value at whitespace followed by ";" or "#".
_SUPERVISOR_COMMENT = re.compile(r"\s[;#]")


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
