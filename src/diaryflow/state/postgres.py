"""The PostgreSQL backend (the ``cluster`` extra): psycopg 3, a version table, an advisory lock.

Only ``Store.connect`` imports this module, and only for a ``postgresql://`` URL: the
single-machine mode never loads psycopg.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from diaryflow.errors import DatabaseUnreachable, DatabaseUrlError, StateError
from diaryflow.state.dialect import POSTGRESQL, pyformat
from diaryflow.state.location import EXPECTED, PostgresUrl, scrubbed

# Seconds to wait for the server before calling it unreachable (a URL's own value wins).
CONNECT_TIMEOUT = 10
# The schema version table: one row per migration applied, numbered from 1.
VERSION_TABLE = "diaryflow_schema"
# The advisory lock key held while the schema is created or upgraded ("diaryflo").
SCHEMA_LOCK = 0x6469617279666C6F

# A schema name diaryflow makes: lower-case, so it never needs quoting in a search_path.
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")

Connection = psycopg.Connection[tuple[Any, ...]]


class PostgresBackend:
    """One autocommit connection to PostgreSQL, migrated on open; callers serialise access.

    A connection the server dropped raises DatabaseUnreachable once; the next call reconnects.
    """

    dialect = POSTGRESQL
    path: Path | None = None

    def __init__(self, where: PostgresUrl, setting: str, migrations: tuple[str, ...],
                 schema: str | None = None) -> None:
        if schema is not None and not SCHEMA_NAME.fullmatch(schema):
            raise ValueError(f"not a schema name diaryflow makes: {schema!r}")
        self.where = where
        self.schema = schema
        self.shown = where.shown if schema is None else f"{where.shown} (schema {schema})"
        self.setting = setting
        self._conn = self._connect()
        try:
            migrate(self._conn, migrations, self.shown, schema)
        except psycopg.OperationalError as exc:
            self._conn.close()
            raise self._unreachable(exc) from None
        except BaseException:
            self._conn.close()
            raise

    def _connect(self) -> Connection:
        try:
            params: dict[str, Any] = conninfo_to_dict(self.where.url)
        except psycopg.ProgrammingError as exc:
            reason = scrubbed(str(exc), self.where.url)
            raise DatabaseUrlError(self.setting, self.shown, f"{reason}: {EXPECTED}") from None
        params.setdefault("connect_timeout", CONNECT_TIMEOUT)
        params.setdefault("application_name", "diaryflow")
        if self.schema is not None:
            # Every statement then finds its tables in the schema: one tenant's state per schema.
            params["options"] = f"{params.get('options', '')} -c search_path={self.schema}".strip()
        try:
            return psycopg.connect(autocommit=True, **params)
        except psycopg.OperationalError as exc:
            raise self._unreachable(exc) from None

    def _unreachable(self, exc: Exception) -> DatabaseUnreachable:
        reason = scrubbed(str(exc), self.where.url)
        return DatabaseUnreachable(f"{self.setting}: cannot use the database at {self.shown}: "
                                   f"{reason}")

    def _run(self, sql: str, params: tuple[Any, ...], rows: bool) -> Any:
        if self._conn.closed:
            self._conn = self._connect()
        try:
            cursor = self._conn.execute(pyformat(sql), params)
            return cursor.fetchall() if rows else cursor.rowcount
        except psycopg.OperationalError as exc:
            if self._conn.broken or self._conn.closed:
                self._conn.close()
                raise self._unreachable(exc) from None
            raise

    def execute(self, sql: str, params: tuple[Any, ...]) -> int:
        """Run one statement in its own transaction; the number of rows it changed."""
        return int(self._run(sql, params, rows=False))

    def query(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """All rows of a query."""
        return list(self._run(sql, params, rows=True))

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def schema_version(conn: Connection, count: int, shown: str) -> int:
    """The migrations applied to the database (0: none); StateError when newer than ``count``."""
    if conn.execute("SELECT to_regclass(%s)", (VERSION_TABLE,)).fetchone() == (None,):
        return 0
    row = conn.execute(f"SELECT COALESCE(MAX(version), 0) FROM {VERSION_TABLE}").fetchone()
    version = int(row[0]) if row else 0
    if version > count:
        raise StateError(f"{shown} was written by a newer diaryflow (schema {version}); upgrade")
    return version


def migrate(conn: Connection, migrations: tuple[str, ...], shown: str,
            schema: str | None = None) -> None:
    """Apply the missing migrations, each exactly once even when many processes start at once.

    An up-to-date database is left alone without taking the lock. Otherwise one transaction
    takes the advisory lock (others wait for it), reads the version again and applies what
    is still missing; PostgreSQL's DDL is transactional, so a failure changes nothing.
    ``schema`` (the connection's search_path) is created first when it is missing.
    """
    if schema_version(conn, len(migrations), shown) == len(migrations):
        return
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        if schema is not None:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        conn.execute(f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version INTEGER PRIMARY KEY, "
                     f"applied_at TEXT NOT NULL DEFAULT ({POSTGRESQL.utc_now}))")
        for number in range(schema_version(conn, len(migrations), shown), len(migrations)):
            conn.execute(migrations[number])
            conn.execute(f"INSERT INTO {VERSION_TABLE} (version) VALUES (%s)", (number + 1,))
