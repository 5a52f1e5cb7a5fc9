"""systemd units of a cluster: the migrate oneshot, the planner, and the worker template."""

from __future__ import annotations

from diaryflow.schedule.deploy.cluster_install import ClusterInstall
from diaryflow.schedule.deploy.systemd import _systemd_path, _systemd_quote

# The planner only plans: it stops at once on SIGTERM.
PLANNER_STOP_SECONDS = 30
# A worker's warm shutdown lets its running attempts finish (why 900 s: worker_unit's comment).
WORKER_STOP_SECONDS = 900
# A local PostgreSQL or Redis starts first; a remote one (no such unit here) is simply absent.
_SERVICES = "postgresql.service redis-server.service"


def exec_line(install: ClusterInstall, *args: str) -> str:
    """``ExecStart=`` for ``python -m diaryflow cluster <args> [--cluster-config PATH]``."""
    words = [_systemd_quote(str(install.python), executable=True), "-m", "diaryflow"]
    words += [word if word.replace("-", "").isalnum() else _systemd_quote(word)
              for word in install.command(*args)]
    return " ".join(words)


def migrate_unit(install: ClusterInstall) -> str:
    """``<name>-migrate.service``: creates or upgrades the schema before the others start."""
    return f"""\
[Unit]
Description=diaryflow cluster: create or upgrade the state schema
# The planner and the workers pull this in and start after it: the schema is upgraded once,
# logged apart, before they start (they would also upgrade it themselves, safely, on start).
# No RemainAfterExit: it runs again whenever one of them is started, e.g. after an upgrade.
Wants=network-online.target {_SERVICES}
After=network-online.target {_SERVICES}

[Service]
Type=oneshot
ExecStart={exec_line(install, "migrate")}
{_common(install)}
TimeoutStartSec=300
"""


def planner_unit(install: ClusterInstall) -> str:
    """``<name>-planner.service``: ``diaryflow cluster plan``, restarted whatever its end."""
    return _long_running(install, "planner", "plan due runs and enqueue them", ("plan",),
                         PLANNER_STOP_SECONDS, "# cluster plan exits 0 on SIGTERM.")


def worker_unit(install: ClusterInstall) -> str:
    """``<name>-worker@.service``: one Celery worker per instance (``@1``, ``@2``…)."""
    why = """\
# Warm shutdown: the worker takes no new attempt and finishes its running ones, then exits 0.
# One still running after TimeoutStopSec is killed and, acknowledged late, runs again on
# another worker from its checkpoints. Raise it to the longest job's timeout (default 3600 s)
# never to cut one off."""
    return _long_running(install, "worker %i", "run report attempts", install.worker_args,
                         WORKER_STOP_SECONDS, why)


def _common(install: ClusterInstall) -> str:
    return f"""\
WorkingDirectory={_systemd_path(install.workdir)}
User={install.user}
# Connections and secrets (mode 0600, read by systemd as root): never in this file.
EnvironmentFile={_systemd_path(install.env_file)}
Environment=PYTHONUNBUFFERED=1"""


def _long_running(install: ClusterInstall, who: str, what: str, args: tuple[str, ...],
                  stop: int, why: str) -> str:
    name = install.name
    return f"""\
[Unit]
Description=diaryflow cluster {who}: {what}
# The schema is upgraded first; Wants=, not Requires=: when the database is not reachable yet,
# this unit still starts, fails (exit 1) and is restarted until it is.
Wants=network-online.target {_SERVICES} {name}-migrate.service
After=network-online.target {_SERVICES} {name}-migrate.service
# Retry for as long as PostgreSQL or Redis is unreachable.
StartLimitIntervalSec=0

[Service]
Type=simple
ExecStart={exec_line(install, *args)}
{_common(install)}
Restart=always
RestartSec=10
# A bad configuration (exit 2: a missing or invalid setting) does not fix itself.
RestartPreventExitStatus=2
{why}
KillSignal=SIGTERM
# SIGTERM to diaryflow only (its children finish their work), SIGKILL to leftovers.
KillMode=mixed
TimeoutStopSec={stop}

[Install]
WantedBy=multi-user.target
"""
