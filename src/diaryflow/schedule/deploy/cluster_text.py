"""What ``deploy systemd --cluster`` and ``deploy compose`` print: each file, with its steps."""

from __future__ import annotations

import shlex

from diaryflow.schedule.deploy.cluster_install import ClusterInstall
from diaryflow.schedule.deploy.cluster_units import migrate_unit, planner_unit, worker_unit
from diaryflow.schedule.deploy.compose import (
    ENV_FILE,
    FERNET_KEY_COMMAND,
    POSTGRES_ENV_FILE,
    compose_file,
    dockerfile,
    env_template,
    postgres_env,
)
from diaryflow.schedule.deploy.text import RULE, UNIT_DIR

CLUSTER_TARGETS = ("systemd", "compose")


def _section(header: str, text: str) -> str:
    return f"{RULE}\n{header}\n{RULE}\n{text}"


def _workers(install: ClusterInstall) -> str:
    count = install.workers
    number = "1" if count == 1 else f"{{1..{count}}}"  # bash expands {1..N}
    return f"{install.name}-worker@{number}.service"


def systemd_files(install: ClusterInstall) -> dict[str, str]:
    """Path of each file to write → its text: the environment file and the three units."""
    name = install.name
    return {
        str(install.env_file): env_template("127.0.0.1", "127.0.0.1"),
        f"{UNIT_DIR}/{name}-migrate.service": migrate_unit(install),
        f"{UNIT_DIR}/{name}-planner.service": planner_unit(install),
        f"{UNIT_DIR}/{name}-worker@.service": worker_unit(install),
    }


def compose_files(install: ClusterInstall) -> dict[str, str]:
    """Name of each file to write beside pyproject.toml → its text."""
    return {
        "docker-compose.yml": compose_file(install),
        "Dockerfile": dockerfile(),
        ENV_FILE: env_template("postgres", "redis"),
        POSTGRES_ENV_FILE: postgres_env(),
    }


def _systemd_text(install: ClusterInstall) -> str:
    name, files = install.name, systemd_files(install)
    env = shlex.quote(str(install.env_file))
    steps = f"""\
# diaryflow cluster on systemd: {name}-planner (diaryflow cluster plan), {install.workers} \
workers
# ({name}-worker@N: diaryflow cluster worker, {install.concurrency} attempts at once each) \
and {name}-migrate
# (diaryflow cluster migrate, before them). PostgreSQL and Redis may be local or remote;
# a local state database is best created with C collation:
#   sudo -u postgres createdb --locale=C --template=template0 --owner=diaryflow diaryflow
# 1. Save the environment file, fill in its values, then:
#      sudo chown root:root {env} && sudo chmod 600 {env}
# 2. Save the three units, then:
#      sudo systemctl daemon-reload
#      sudo systemctl enable --now {name}-planner.service {_workers(install)}
#    More machines: the same files, enabling the workers only (one planner is enough).
# Logs: journalctl -u {name}-migrate -u {name}-planner -u '{name}-worker@*' -f"""
    parts = [f"{RULE}\n{steps}\n"]
    parts += [_section(f"# Save as {path}", text) for path, text in files.items()]
    return "\n".join(parts)


def _compose_text(install: ClusterInstall) -> str:
    steps = f"""\
# diaryflow cluster on docker compose: Redis, PostgreSQL, a one-shot migrate, 1 planner
# and {install.workers} workers ({install.concurrency} attempts at once each).
# Save the four files below in a diaryflow checkout (beside pyproject.toml), fill in the
# CHANGE-ME values (the same password twice; a Fernet key for DIARYFLOW_SECRET_KEY from
#   {FERNET_KEY_COMMAND}
# ), then:
#   chmod 600 {ENV_FILE} {POSTGRES_ENV_FILE}
#   docker compose up -d --build
#   docker compose logs -f planner worker
# More workers: docker compose up -d --scale worker=N"""
    parts = [f"{RULE}\n{steps}\n"]
    parts += [_section(f"# Save as {path}", text)
              for path, text in compose_files(install).items()]
    return "\n".join(parts)


def cluster_deployment_text(target: str, install: ClusterInstall) -> str:
    """What ``diaryflow deploy systemd --cluster`` or ``deploy compose`` prints."""
    if target == "systemd":
        return _systemd_text(install)
    if target == "compose":
        return _compose_text(install)
    raise ValueError(f"unknown cluster target {target!r}; expected one of "
                     f"{', '.join(CLUSTER_TARGETS)}")
