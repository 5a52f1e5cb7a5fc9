"""The install the deployment configs name: interpreter, config file, user, log folder."""

from __future__ import annotations

import getpass
import re
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from diaryflow.clock import utc_now
from diaryflow.config.schema import Config
from diaryflow.errors import ConfigError
from diaryflow.schedule.child import GRACE_SECONDS

# How long a service manager waits after SIGTERM before SIGKILL: the attempt's grace and more.
STOP_WAIT_SECONDS = GRACE_SECONDS + 20


def check_paths(owner: str, **paths: Path) -> None:
    """Each path absolute (ValueError) and without control characters (ConfigError)."""
    for key, path in paths.items():
        if not path.is_absolute():
            raise ValueError(f"{owner}.{key} must be absolute, got {path}")
        if any(ord(c) < 32 or c == "\x7f" for c in str(path)):
            raise ConfigError(key, str(path), "a path without control characters or newlines")


def check_name(owner: str, name: str) -> None:
    """``name`` fit to start a unit's or a program's name (ValueError otherwise)."""
    if not re.fullmatch(r"[A-Za-z0-9_.@-]+", name):
        raise ValueError(f"{owner}.name must be a plain unit name, got {name!r}")


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
        check_paths("Install", python=self.python, config=self.config, workdir=self.workdir,
                    log_dir=self.log_dir)
        check_name("Install", self.name)

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

    def job_lock_file(self, job: str) -> Path:
        """The file ``flock -n`` holds while job ``job`` runs from cron."""
        return self.log_dir / f"{self.name}-{job}-cron.lock"
