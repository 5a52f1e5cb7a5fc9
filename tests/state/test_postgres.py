"""PostgreSQL behind Store.connect: its schema versions, the migration lock, URLs and errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from diaryflow.errors import (
    EXIT_CONFIG,
    EXIT_FAILED,
    DatabaseUnreachable,
    DatabaseUrlError,
    StateError,
)
from diaryflow.state.dialect import POSTGRESQL
from diaryflow.state.location import masked
from diaryflow.state.migrations import rendered
from diaryflow.state.store import MIGRATIONS, Store
from tests.postgres import PostgresServer, free_port

TABLES = {"page_cache", "meta", "runs", "report_pages", "checkpoints", "llm_calls", "reports",
          "job_state", "diaryflow_schema"}
LOCK_SOON = "?options=-c%20lock_timeout%3D300"  # give up on a held lock after 0.3 s


def raw(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def tables(url: str) -> set[str]:
    return {name for (name,) in raw(
        url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}


def test_a_new_database_gets_every_migration_once(postgres: PostgresServer) -> None:
    url = postgres.new_database()
    with Store.connect(url) as store:
        assert store.dialect.name == "postgresql" and store.location == url
        assert store.query("SELECT version FROM diaryflow_schema ORDER BY version") == \
            [(n,) for n in range(1, len(MIGRATIONS) + 1)]
    assert tables(url) == TABLES
    types = dict(raw(url, "SELECT column_name, data_type FROM information_schema.columns "
                          "WHERE table_name = 'llm_calls'"))
    assert types["seconds"] == "double precision" and types["id"] == "bigint"
    with Store.connect(url) as store:  # reopening applies nothing again
        assert store.query("SELECT COUNT(*) FROM diaryflow_schema") == [(len(MIGRATIONS),)]


def test_an_older_database_is_upgraded_and_keeps_its_data(postgres: PostgresServer) -> None:
    url = postgres.new_database()
    steps = rendered(POSTGRESQL)
    raw(url, "CREATE TABLE diaryflow_schema (version INTEGER PRIMARY KEY, applied_at TEXT "
             "NOT NULL DEFAULT 'then')")
    for number in (1, 2):
        raw(url, steps[number - 1])
        raw(url, "INSERT INTO diaryflow_schema (version) VALUES (%s)", (number,))
    raw(url, "INSERT INTO meta (key, value) VALUES ('database_id', 'db-1')")
    with Store.connect(url) as store:
        assert store.get_meta("database_id") == "db-1"
        assert store.query("SELECT MAX(version) FROM diaryflow_schema") == [(len(MIGRATIONS),)]
    assert tables(url) == TABLES


def test_a_database_from_a_newer_diaryflow_is_refused(postgres: PostgresServer) -> None:
    url = postgres.new_database()
    Store.connect(url).close()
    raw(url, "INSERT INTO diaryflow_schema (version) VALUES (%s)", (len(MIGRATIONS) + 1,))
    with pytest.raises(StateError) as caught:
        Store.connect(url)
    assert "newer" in str(caught.value) and url in str(caught.value)
    assert raw(url, "SELECT COUNT(*) FROM diaryflow_schema") == [(len(MIGRATIONS) + 1,)]


def test_the_migration_lock_is_taken_only_when_something_is_missing(
        postgres: PostgresServer) -> None:
    import psycopg

    from diaryflow.state.postgres import SCHEMA_LOCK

    ready, empty = postgres.new_database(), postgres.new_database()
    Store.connect(ready).close()
    # Advisory locks belong to one database: hold the schema lock in each.
    with psycopg.connect(ready, autocommit=True) as holder, \
            psycopg.connect(empty, autocommit=True) as other:
        for conn in (holder, other):
            conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        with Store.connect(ready + LOCK_SOON) as store:  # up to date: opens at once
            assert store.get_meta("x") is None
        with pytest.raises(DatabaseUnreachable, match="lock timeout"):
            Store.connect(empty + LOCK_SOON)  # must wait for the lock: gives up
    assert "runs" not in tables(empty)  # and changed nothing
    Store.connect(empty).close()  # once the lock is free, it migrates
    assert tables(empty) == TABLES


def test_a_dropped_connection_is_reported_then_reopened(postgres: PostgresServer) -> None:
    url = postgres.new_database()
    with Store.connect(url) as store:
        store.set_meta("k", "v")
        (pid,) = store.query("SELECT pg_backend_pid()")[0]
        raw(postgres.url(), "SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(DatabaseUnreachable) as caught:
            store.get_meta("k")
        assert str(caught.value).startswith("DIARYFLOW_DATABASE_URL: ")
        assert store.get_meta("k") == "v"  # the next call connects again


def test_a_postgresql_store_has_no_file(postgres: PostgresServer) -> None:
    with Store.connect(postgres.new_database()) as store, pytest.raises(StateError):
        _ = store.path


def test_sqlite_urls_and_paths_open_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    monkeypatch.chdir(tmp_path)
    with Store.connect(f"sqlite:///{tmp_path}/a.db") as absolute, \
            Store.connect("sqlite:///b.db") as relative, \
            Store.connect(str(tmp_path / "c.db")) as plain, \
            Store.connect(tmp_path / "d.db") as path:
        for store, name in ((absolute, "a.db"), (relative, "b.db"), (plain, "c.db"),
                            (path, "d.db")):
            assert store.dialect.name == "sqlite"
            assert store.path.resolve() == tmp_path / name
            assert store.query("PRAGMA user_version") == [(len(MIGRATIONS),)]


@pytest.mark.parametrize("url", [
    "mysql://me:s3cret@127.0.0.1/db",
    "postgresql://me:s3cret@127.0.0.1:port/db",
    "postgresql://me:s3cret@[::1/db",
    "postgresql://me:s3cret@127.0.0.1:5432/db?nonsense=1",
    "postgresql:///db",
    "sqlite://",
    " ",
])
def test_a_malformed_url_is_one_line_naming_the_setting_exit_2(
        url: str, postgres: PostgresServer) -> None:
    with pytest.raises(DatabaseUrlError) as caught:
        Store.connect(url)
    message = str(caught.value)
    assert message.startswith("DIARYFLOW_DATABASE_URL")
    assert "\n" not in message and "s3cret" not in message
    assert caught.value.exit_code == EXIT_CONFIG


def test_an_unreachable_server_is_one_line_naming_the_setting_exit_1(
        postgres: PostgresServer) -> None:
    url = f"postgresql://me:s3cret@127.0.0.1:{free_port()}/db"
    with pytest.raises(DatabaseUnreachable) as caught:
        Store.connect(url)
    message = str(caught.value)
    assert message.startswith("DIARYFLOW_DATABASE_URL: cannot use the database at "
                              f"{masked(url)}: ")
    assert "\n" not in message and "s3cret" not in message and "me:***@" in message
    assert caught.value.exit_code == EXIT_FAILED
    with pytest.raises(DatabaseUnreachable, match=r"^cluster\.database_url: "):
        Store.connect(url, setting="cluster.database_url")


def test_a_wrong_password_names_no_password(postgres: PostgresServer) -> None:
    url = postgres.url("no_such_database").replace("postgres@", "postgres:s3cret@")
    with pytest.raises(DatabaseUnreachable) as caught:
        Store.connect(url)
    assert "s3cret" not in str(caught.value) and "no_such_database" in str(caught.value)


def test_masked_hides_passwords_in_the_user_part_and_the_query() -> None:
    assert masked("postgresql://me:p%40ss@h:5432/db") == "postgresql://me:***@h:5432/db"
    assert masked("postgresql://h/db?password=x&sslmode=require") == \
        "postgresql://h/db?password=***&sslmode=require"
    assert masked("postgresql://me@h/db") == "postgresql://me@h/db"
    assert masked("postgresql:///db?host=/run/postgresql&password=x") == \
        "postgresql:///db?host=%2Frun%2Fpostgresql&password=***"
    assert masked("redis://:s3cret@h:6379/0") == "redis://:***@h:6379/0"
