"""The SQLite state database: the connection, schema migrations and the page cache."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path
from typing import Any

from diaryflow.clock import Clock, utc_now
from diaryflow.errors import LockedError, StateError
from diaryflow.state.lock import Lock, setup_lock_path

# How long a process waits for another one to finish creating or upgrading the schema.
SETUP_WAIT = 60.0

# Each entry migrates the schema from version i to i + 1; append, never edit.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE page_cache (
        page_id TEXT PRIMARY KEY,
        last_edited_time TEXT NOT NULL,
        page_json TEXT NOT NULL,
        blocks_json TEXT NOT NULL,
        fetched_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    """,
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        job TEXT NOT NULL,
        period TEXT NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 1,
        scheduled_at TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL,
        error TEXT,
        stages_json TEXT NOT NULL DEFAULT '{}',
        model TEXT,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        page_id TEXT
    );
    CREATE INDEX runs_by_period ON runs (job, period);
    CREATE TABLE report_pages (
        job TEXT NOT NULL,
        period TEXT NOT NULL,
        page_id TEXT NOT NULL,
        url TEXT,
        complete INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (job, period)
    );
    CREATE TABLE checkpoints (
        job TEXT NOT NULL,
        period TEXT NOT NULL,
        stage TEXT NOT NULL,
        run_id TEXT NOT NULL,
        content TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (job, period, stage)
    );
    CREATE TABLE llm_calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT,
        at TEXT NOT NULL,
        model TEXT NOT NULL,
        status TEXT NOT NULL,
        http_status INTEGER,
        error TEXT,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        seconds REAL NOT NULL,
        finish_reason TEXT
    );
    """,
    """
    ALTER TABLE runs ADD COLUMN retryable INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE runs ADD COLUMN reason TEXT;
    """,
    """
    CREATE TABLE reports (
        job TEXT NOT NULL,
        period TEXT NOT NULL,
        period_start TEXT NOT NULL,
        period_end TEXT NOT NULL,
        run_id TEXT NOT NULL,
        title TEXT NOT NULL,
        markdown TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        PRIMARY KEY (job, period)
    );
    ALTER TABLE runs ADD COLUMN sources_json TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE runs ADD COLUMN privacy_json TEXT NOT NULL DEFAULT '{}';
    """,
    # Paused jobs; and indexes for the newest-first history, filtered by job, status or period.
    """
    CREATE TABLE job_state (
        job TEXT PRIMARY KEY,
        paused INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX runs_by_start ON runs (started_at);
    CREATE INDEX runs_by_job_start ON runs (job, started_at);
    CREATE INDEX runs_by_job_status_start ON runs (job, status, started_at);
    CREATE INDEX runs_by_job_period_status ON runs (job, period, status);
    CREATE INDEX runs_by_status_start ON runs (status, started_at);
    CREATE INDEX runs_by_period_start ON runs (period, started_at);
    CREATE INDEX llm_calls_by_run ON llm_calls (run_id);
    """,
    """
    ALTER TABLE runs ADD COLUMN flowus_requests INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN flowus_rate_limited INTEGER NOT NULL DEFAULT 0;
    """,
)


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
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
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
        if self._version() == len(MIGRATIONS) and self._journal() in ("wal", "memory"):
            return
        if str(self.path) == ":memory:":
            self._set_up()  # nobody else can see it
            return
        # Processes started together (a run and a status poll) would otherwise race to
        # switch to WAL and to apply the same migration twice.
        with Lock(setup_lock_path(self.path)) as setup:
            setup.acquire(SETUP_WAIT, what="another process is setting up the state database")
            self._set_up()

    def _journal(self) -> str:
        return str(self._db.execute("PRAGMA journal_mode").fetchone()[0]).lower()

    def _version(self) -> int:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise StateError(
                f"{self.path} was written by a newer diaryflow (schema {version}); upgrade"
            )
        return version

    def _set_up(self) -> None:
        version = self._version()  # a newer schema is refused before anything changes
        self._db.execute("PRAGMA journal_mode=WAL")
        for number in range(version, len(MIGRATIONS)):
            self._db.executescript(
                f"BEGIN; {MIGRATIONS[number]} PRAGMA user_version = {number + 1}; COMMIT;"
            )

    def now_iso(self) -> str:
        """The store's clock as the UTC ISO text (whole seconds) every timestamp column holds."""
        return self.clock().astimezone(timezone.utc).replace(microsecond=0).isoformat()

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Run one statement in its own transaction; returns the number of rows it changed."""
        with self._lock, self._db:
            return self._db.execute(sql, params).rowcount

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """All rows of a query."""
        with self._lock:
            return list(self._db.execute(sql, params).fetchall())

    def cached_page(self, page_id: str) -> CachedPage | None:
        """The cached copy of a page, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT last_edited_time, page_json, blocks_json FROM page_cache WHERE page_id = ?",
                (page_id,),
            ).fetchone()
        if row is None:
            return None
        return CachedPage(page_id, row[0], json.loads(row[1]), json.loads(row[2]))

    def save_page(
        self, page_id: str, last_edited_time: str, page: dict[str, Any], blocks: list[Any]
    ) -> None:
        """Store (or replace) a page and its block tree."""
        dumped = (json.dumps(page, ensure_ascii=False), json.dumps(blocks, ensure_ascii=False))
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO page_cache (page_id, last_edited_time, page_json, blocks_json) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(page_id) DO UPDATE SET "
                "last_edited_time = excluded.last_edited_time, page_json = excluded.page_json, "
                "blocks_json = excluded.blocks_json, "
                "fetched_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                (page_id, last_edited_time, *dumped),
            )

    def forget_page(self, page_id: str) -> None:
        """Drop a page from the cache (it was deleted or unshared)."""
        with self._lock, self._db:
            self._db.execute("DELETE FROM page_cache WHERE page_id = ?", (page_id,))

    def get_meta(self, key: str) -> str | None:
        """A remembered value (such as the database found on a page), or None."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def delete_meta(self, key: str) -> None:
        """Forget a remembered value."""
        self.execute("DELETE FROM meta WHERE key = ?", (key,))

    def set_meta(self, key: str, value: str) -> None:
        """Remember a value across runs."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
