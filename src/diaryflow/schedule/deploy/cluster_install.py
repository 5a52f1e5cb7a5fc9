"""The cluster install its deployment names: interpreter, folder, user, cluster.toml, workers."""

from __future__ import annotations

import getpass
import sys
from dataclasses import dataclass
from pathlib import Path

from diaryflow.cluster.settings import DEFAULT_CLUSTER_CONFIG
from diaryflow.errors import ConfigError
from diaryflow.schedule.deploy.install import check_name, check_paths

DEFAULT_WORKERS = 2
# Attempts one worker runs at once: they mostly wait on FlowUs and the model, not the CPU.
DEFAULT_CONCURRENCY = 4
ENV_FILE = Path("/etc/diaryflow/cluster.env")


@dataclass(frozen=True)
class ClusterInstall:
    """What the planner's and workers' units and the compose file name."""

    python: Path
    workdir: Path
    user: str
    cluster_config: Path | None  # passed as --cluster-config; None: the environment file alone
    workers: int = DEFAULT_WORKERS
    concurrency: int = DEFAULT_CONCURRENCY
    env_file: Path = ENV_FILE
    name: str = "diaryflow"

    def __post_init__(self) -> None:
        paths = {"python": self.python, "workdir": self.workdir, "env_file": self.env_file}
        if self.cluster_config is not None:
            paths["cluster_config"] = self.cluster_config
        check_paths("ClusterInstall", **paths)
        check_name("ClusterInstall", self.name)
        for flag, value in (("--workers", self.workers), ("--concurrency", self.concurrency)):
            if value < 1:
                raise ConfigError(flag, value, "expected a whole number of at least 1")

    @classmethod
    def detect(cls, cluster_config: Path | None = None, workers: int | None = None,
               concurrency: int | None = None) -> ClusterInstall:
        """This install: the running interpreter and user, and ``cluster_config`` (or
        ./cluster.toml when it exists) with its folder as the working directory."""
        if cluster_config is not None and not cluster_config.is_file():
            raise ConfigError("--cluster-config", str(cluster_config), "file not found")
        found = cluster_config or (DEFAULT_CLUSTER_CONFIG if DEFAULT_CLUSTER_CONFIG.is_file()
                                   else None)
        source = found.absolute() if found is not None else None
        return cls(
            python=Path(sys.executable).absolute(),  # not resolved: it would lose the venv
            workdir=source.parent if source is not None else Path.cwd(),
            user=getpass.getuser(),
            cluster_config=source,
            workers=DEFAULT_WORKERS if workers is None else workers,
            concurrency=DEFAULT_CONCURRENCY if concurrency is None else concurrency,
        )

    def command(self, *args: str) -> tuple[str, ...]:
        """The ``diaryflow`` arguments of a cluster command, with --cluster-config if any."""
        where = ("--cluster-config", str(self.cluster_config)) if self.cluster_config else ()
        return ("cluster", *args, *where)

    @property
    def worker_args(self) -> tuple[str, ...]:
        """``cluster worker --concurrency N``: one worker process's command."""
        return ("worker", "--concurrency", str(self.concurrency))
