"""The second program or unit of ``deploy --web``: ``diaryflow web`` kept running."""

from __future__ import annotations

import shlex

from diaryflow.schedule.deploy.install import Install
from diaryflow.schedule.deploy.supervisor import _supervisor_quote, _supervisor_value
from diaryflow.schedule.deploy.systemd import _exec, _systemd_path


def supervisor_web(install: Install) -> str:
    """A ``[program:<name>-web]`` section running the dashboard."""
    command = " ".join((_supervisor_quote(install.python), "-m diaryflow web --config",
                        _supervisor_quote(install.config)))
    log = install.log_dir / "supervisor-web.log"
    name = f"{install.name}-web"
    return f"""\
; {name}: the web dashboard (diaryflow web) for {install.config}
; Same file; after supervisorctl update: sudo supervisorctl status {name}
; It listens on [web] host and port (127.0.0.1:8765); another address needs [web] token.
[program:{name}]
command={command}
directory={_supervisor_value(str(install.workdir))}
user={_supervisor_value(install.user)}
autostart=true
autorestart=unexpected
startsecs=0
; 0: stopped; 2: bad configuration (e.g. an open address without [web] token).
exitcodes=0,2
stopsignal=TERM
stopwaitsecs=10
redirect_stderr=true
stdout_logfile={_supervisor_value(str(log), expansions=2)}
stdout_logfile_maxbytes=10MB
stdout_logfile_backups=5
environment=PYTHONUNBUFFERED="1"
; mkdir -p {shlex.quote(str(install.log_dir))} first, as for the program above.
"""


def systemd_web(install: Install) -> str:
    """``<name>-web.service``: the dashboard, restarted when it crashes."""
    return f"""\
[Unit]
Description=diaryflow web dashboard ({install.config})
After=network-online.target
StartLimitIntervalSec=600
StartLimitBurst=5

[Service]
Type=simple
ExecStart={_exec(install, "web")}
WorkingDirectory={_systemd_path(install.workdir)}
User={install.user}
Environment=PYTHONUNBUFFERED=1
Restart=on-failure
RestartSec=10
# A bad configuration (exit 2, e.g. an open address without [web] token) does not fix itself.
RestartPreventExitStatus=2

[Install]
WantedBy=multi-user.target
"""
