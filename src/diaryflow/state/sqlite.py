"""The SQLite backend: one file, WAL, ``PRAGMA user_version`` as the schema version."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from diaryflow.errors import LockedError, StateError
from diaryflow.state.dialect import SQLITE
from diaryflow.state.lock import Lock, setup_lock_path


class SqliteBackend:
    """One SQLite connection, migrated on open; callers serialise access."""

    dialect = SQLITE

    def __init__(self, path: Path, migrations: tuple[str, ...], setup_wait: float) -> None:
        self.path: Path | None = path
        self.shown = str(path)
        self._file = path
        self._migrations = migrations
        self._setup_wait = setup_wait
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"cannot open the state database {path}: {exc}") from exc
        try:
            self._set_up_once()
            self._db.execute("PRAGMA synchronous=NORMAL")
        except BaseException as exc:
            self._db.close()
            if isinstance(exc, OSError | sqlite3.Error | LockedError):
                raise StateError(f"cannot open the state database {path}: {exc}") from exc
            raise

    def _set_up_once(self) -> None:
        """Switch to WAL and migrate, unless that is done; one process at a time does it."""
        if self._version() == len(self._migrations) and self._journal() in ("wal", "memory"):
            return
        if str(self._file) == ":memory:":
            self._set_up()  # nobody else can see it
            return
        # Processes started together (a run and a status poll) would otherwise race to
        # switch to WAL and to apply the same migration twice.
        with Lock(setup_lock_path(self._file)) as setup:
            setup.acquire(self._setup_wait,
                          what="another process is setting up the state database")
            self._set_up()

    def _journal(self) -> str:
        return str(self._db.execute("PRAGMA journal_mode").fetchone()[0]).lower()

    def _version(self) -> int:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(self._migrations):
            raise StateError(
                f"{self._file} was written by a newer diaryflow (schema {version}); upgrade"
            )
        return version

    def _set_up(self) -> None:
        version = self._version()  # a newer schema is refused before anything changes
        self._db.execute("PRAGMA journal_mode=WAL")
        for number in range(version, len(self._migrations)):
            self._db.executescript(
                f"BEGIN; {self._migrations[number]} PRAGMA user_version = {number + 1}; COMMIT;"
            )

    def execute(self, sql: str, params: tuple[Any, ...]) -> int:
        """Run one statement in its own transaction; the number of rows it changed."""
        with self._db:
            return self._db.execute(sql, params).rowcount

    def query(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """All rows of a query."""
        return list(self._db.execute(sql, params).fetchall())

    def close(self) -> None:
        """Close the connection."""
        self._db.close()
