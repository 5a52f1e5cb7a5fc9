"""The state database behind one API: SQLite (a file, the default) or PostgreSQL (a URL).

``Store(path)`` opens SQLite as diaryflow always has; ``Store.connect`` also takes a
``sqlite:///`` or ``postgresql://`` URL. Either way the schema is created or upgraded on
open, from the one history in :mod:`diaryflow.state.migrations`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path
from typing import Any, Protocol

from diaryflow.clock import Clock, utc_now
from diaryflow.errors import StateError
from diaryflow.state.dialect import POSTGRESQL, SQLITE, Dialect
from diaryflow.state.location import DATABASE_URL, locate
from diaryflow.state.migrations import rendered
from diaryflow.state.sqlite import SqliteBackend

# How long a process waits for another one to finish creating or upgrading the schema.
SETUP_WAIT = 60.0

# The migration history as SQLite runs it (version i -> i + 1): ``PRAGMA user_version``.
MIGRATIONS: tuple[str, ...] = rendered(SQLITE)


class Backend(Protocol):
    """What a database backend gives the Store: statements, queries, its dialect."""

    dialect: Dialect
    path: Path | None
    shown: str

    def execute(self, sql: str, params: tuple[Any, ...]) -> int:
        """Run one statement in its own transaction; the number of rows it changed."""

    def query(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """All rows of a query."""

    def close(self) -> None:
        """Close the connection."""


@dataclass(frozen=True)
class CachedPage:
    """A page as it was last fetched: its JSON and its block tree JSON."""

    page_id: str
    last_edited_time: str
    page: dict[str, Any]
    blocks: list[Any]


class Store:
    """One connection to the state database; methods are safe to call from any thread."""

    def __init__(self, path: Path, clock: Clock = utc_now) -> None:
        self._attach(SqliteBackend(path, MIGRATIONS, SETUP_WAIT), clock)

    @classmethod
    def connect(cls, target: str | Path, clock: Clock = utc_now, *,
                setting: str = DATABASE_URL, schema: str | None = None,
                migrations: tuple[str, ...] | None = None) -> Store:
        """Open the database ``target`` names: a path or ``sqlite:///...`` is SQLite, a
        ``postgresql://...`` URL is PostgreSQL (the ``cluster`` extra).

        On PostgreSQL, ``schema`` keeps every table in that schema (made when missing: one
        tenant's state each), and ``migrations`` replaces the state history (the cluster's
        own tables have theirs).

        A malformed URL raises DatabaseUrlError (exit 2), an unreachable server
        DatabaseUnreachable (exit 1); both name ``setting`` and never the password.
        """
        where = locate(target, setting)
        if isinstance(where, Path):
            if schema is not None or migrations is not None:
                raise StateError(f"{setting}: the cluster's state needs PostgreSQL, not a file")
            return cls(where, clock)
        try:
            from diaryflow.state.postgres import PostgresBackend
        except ImportError:
            raise StateError(f"{setting}: PostgreSQL needs the cluster extra: "
                             "pip install 'diaryflow[cluster]'") from None
        store = cls.__new__(cls)
        history = rendered(POSTGRESQL) if migrations is None else migrations
        store._attach(PostgresBackend(where, setting, history, schema), clock)
        return store

    def _attach(self, backend: Backend, clock: Clock) -> None:
        self._backend = backend
        self.dialect = backend.dialect
        self.clock = clock
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        """The SQLite file (the lock files sit beside it); PostgreSQL has none: StateError."""
        if self._backend.path is None:
            raise StateError(f"{self._backend.shown} is no file: file locks need SQLite")
        return self._backend.path

    @property
    def location(self) -> str:
        """The database for messages: the file, or the URL with its password masked."""
        return self._backend.shown

    def now_iso(self) -> str:
        """The store's clock as the UTC ISO text (whole seconds) every timestamp column holds."""
        return self.clock().astimezone(timezone.utc).replace(microsecond=0).isoformat()

    def close(self) -> None:
        """Close the connection."""
        self._backend.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Run one statement in its own transaction; returns the number of rows it changed."""
        with self._lock:
            return self._backend.execute(sql, params)

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """All rows of a query."""
        with self._lock:
            return self._backend.query(sql, params)

    def cached_page(self, page_id: str) -> CachedPage | None:
        """The cached copy of a page, or None."""
        rows = self.query(
            "SELECT last_edited_time, page_json, blocks_json FROM page_cache WHERE page_id = ?",
            (page_id,),
        )
        if not rows:
            return None
        row = rows[0]
        return CachedPage(page_id, row[0], json.loads(row[1]), json.loads(row[2]))

    def save_page(
        self, page_id: str, last_edited_time: str, page: dict[str, Any], blocks: list[Any]
    ) -> None:
        """Store (or replace) a page and its block tree."""
        dumped = (json.dumps(page, ensure_ascii=False), json.dumps(blocks, ensure_ascii=False))
        self.execute(
            "INSERT INTO page_cache (page_id, last_edited_time, page_json, blocks_json) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(page_id) DO UPDATE SET "
            "last_edited_time = excluded.last_edited_time, page_json = excluded.page_json, "
            f"blocks_json = excluded.blocks_json, fetched_at = {self.dialect.utc_now}",
            (page_id, last_edited_time, *dumped),
        )

    def forget_page(self, page_id: str) -> None:
        """Drop a page from the cache (it was deleted or unshared)."""
        self.execute("DELETE FROM page_cache WHERE page_id = ?", (page_id,))

    def get_meta(self, key: str) -> str | None:
        """A remembered value (such as the database found on a page), or None."""
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def delete_meta(self, key: str) -> None:
        """Forget a remembered value."""
        self.execute("DELETE FROM meta WHERE key = ?", (key,))

    def set_meta(self, key: str, value: str) -> None:
        """Remember a value across runs."""
        self.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
