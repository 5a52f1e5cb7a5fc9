"""A real PostgreSQL for the tests: initdb into a temp folder, started on a free 127.0.0.1 port.

Root may not run PostgreSQL, so as root the server runs as the ``postgres`` user, on a folder
handed to it. Without the binaries (or psycopg) the tests skip, except where CI requires them.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

START_SECONDS = 30


def require_services(what: str, install: str) -> None:
    """Fail when CI requires the services (DIARYFLOW_REQUIRE_SERVICES=1 or CI), else skip."""
    if os.environ.get("DIARYFLOW_REQUIRE_SERVICES") == "1" or os.environ.get("CI"):
        pytest.fail(f"{what} is missing but required here (DIARYFLOW_REQUIRE_SERVICES=1 or CI "
                    f"is set): {install}")
    pytest.skip(f"{what} is not available here ({install})")


def postgres_bin() -> Path:
    """The folder of initdb and pg_ctl: on PATH, else Debian's newest /usr/lib/postgresql/*."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    folders = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                     key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    folders = [f for f in folders if (f / "initdb").is_file() and (f / "pg_ctl").is_file()]
    if not folders:
        require_services("PostgreSQL", "apt-get install postgresql")
    return folders[-1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """A throwaway PostgreSQL cluster; :meth:`new_database` gives each test its own database."""

    def __init__(self, folder: Path, port: int, owner: str | None) -> None:
        self.folder = folder
        self.port = port
        self.owner = owner
        self.data = folder / "data"
        self.binaries = Path()  # set by start
        self._numbers = itertools.count(1)

    def url(self, database: str = "postgres") -> str:
        """The URL of ``database`` (trust authentication: no password)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        options: dict[str, Any] = {"user": self.owner} if self.owner else {}
        done = subprocess.run(args, capture_output=True, text=True, timeout=START_SECONDS,
                              cwd=self.folder, **options)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stdout}{done.stderr}")

    def start(self, binaries: Path) -> None:
        """initdb (C collation, UTF-8) and start, tuned for speed over durability; another
        free port when one was taken meanwhile."""
        self._run(str(binaries / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
        self.binaries = binaries
        self.launch(binaries)

    def launch(self, binaries: Path, *, same_port: bool = False) -> None:
        """Start the initialised server (on another free port if its own was taken, unless
        ``same_port``)."""
        for attempt in range(3):
            settings = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                        "-c max_connections=200")
            try:
                self._run(str(binaries / "pg_ctl"), "-D", str(self.data), "-l",
                          str(self.folder / "server.log"), "-w", "-t", str(START_SECONDS),
                          "-o", settings, "start")
                return
            except RuntimeError:
                if attempt == 2 or same_port:
                    raise
                self.port = free_port()

    def pause(self) -> None:
        """Stop the server (its connections drop; the data stays) until :meth:`resume`."""
        self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")

    def resume(self) -> None:
        """Start the paused server again on its port."""
        self.launch(self.binaries, same_port=True)

    def stop(self, binaries: Path) -> None:
        """Stop at once (the data is thrown away)."""
        self._run(str(binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def new_database(self) -> str:
        """Create an empty database; its URL."""
        import psycopg

        name = f"t{next(self._numbers)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
        return self.url(name)


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A running PostgreSQL on 127.0.0.1, stopped and removed afterwards."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        require_services("psycopg", "pip install -e '.[dev]'")
    binaries = postgres_bin()
    owner = None
    folder = Path(tempfile.mkdtemp(prefix="diaryflow-pg-"))
    if os.geteuid() == 0:
        owner = "postgres"
        try:
            account = pwd.getpwnam(owner)
        except KeyError:
            shutil.rmtree(folder)
            require_services("the postgres user", "apt-get install postgresql")
        os.chown(folder, account.pw_uid, account.pw_gid)
    server = PostgresServer(folder, free_port(), owner)
    try:
        server.start(binaries)
        yield server
    finally:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            server.stop(binaries)
        shutil.rmtree(folder, ignore_errors=True)
