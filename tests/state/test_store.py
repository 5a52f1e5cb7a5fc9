"""The state database: migrations, refusing a newer schema, the page cache, meta and the clock."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from diaryflow.errors import StateError
from diaryflow.state import store as store_module
from diaryflow.state.lock import Lock, setup_lock_path
from diaryflow.state.store import MIGRATIONS, CachedPage, Store
from tests.helpers import StoreFactory

# The tables the migrations create (a later migration may add more).
TABLES = {"page_cache", "meta", "runs", "report_pages", "checkpoints", "llm_calls"}

OPEN_AT = """
import sys, time
from pathlib import Path
from diaryflow.state.store import Store
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
Store(Path(sys.argv[1])).close()
"""


def tables(store: Store) -> set[str]:
    return {name for (name,) in store.query("SELECT name FROM sqlite_master WHERE type = 'table'")}


def schema(store: Store) -> list[tuple[Any, ...]]:
    return store.query("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")


def columns(store: Store, table: str) -> list[str]:
    return [row[1] for row in store.query(f"PRAGMA table_info({table})")]


def raw_version(path: Path) -> int:
    """The schema version on disk, read without diaryflow."""
    db = sqlite3.connect(path)
    try:
        return int(db.execute("PRAGMA user_version").fetchone()[0])
    finally:
        db.close()


# ----- migrations


def test_a_new_file_gets_every_migration_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "state.db"
    with Store(path) as store:
        assert store.query("PRAGMA user_version") == [(len(MIGRATIONS),)]
        assert store.query("PRAGMA journal_mode") == [("wal",)]
        assert tables(store) >= TABLES
        assert {"retryable", "reason"} <= set(columns(store, "runs"))  # the fourth migration
    assert path.is_file() and raw_version(path) == len(MIGRATIONS)


def test_an_in_memory_database_gets_every_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with Store(Path(":memory:")) as memory, Store(tmp_path / "state.db") as disk:
        assert memory.query("PRAGMA user_version") == [(len(MIGRATIONS),)]
        assert memory.query("PRAGMA journal_mode") == [("memory",)]  # SQLite keeps it off WAL
        assert tables(memory) >= TABLES
        assert schema(memory) == schema(disk)
    assert not (tmp_path / ":memory:.setup.lock").exists()  # nobody else can open it: no lock


def test_an_older_database_is_upgraded_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    db = sqlite3.connect(path)
    db.executescript(f"{MIGRATIONS[0]} {MIGRATIONS[1]} PRAGMA user_version = 2;")
    db.execute("INSERT INTO meta (key, value) VALUES ('database_id', 'db-1')")
    db.commit()
    db.close()
    with Store(path) as store:
        assert store.query("PRAGMA user_version") == [(len(MIGRATIONS),)]
        assert tables(store) >= TABLES
        assert store.get_meta("database_id") == "db-1"


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_a_database_from_a_newer_diaryflow_is_refused(tmp_path: Path, journal: str) -> None:
    path = tmp_path / "state.db"
    newer = len(MIGRATIONS) + 1
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA journal_mode = {journal}")
    db.execute(f"PRAGMA user_version = {newer}")
    db.close()
    with pytest.raises(StateError) as caught:
        Store(path)
    assert str(path) in str(caught.value) and "newer" in str(caught.value)
    assert raw_version(path) == newer  # refused, not migrated down or over
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone() == (journal,)  # left as it was
    db.close()


def test_reopening_an_up_to_date_database_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.db"
    with Store(path) as store:
        store.set_meta("database_id", "db-1")
        store.save_page("p1", "2026-11-27T08:00:00.000Z", {"id": "p1"}, [])
        before = schema(store), store.query("SELECT * FROM meta"), store.query(
            "SELECT * FROM page_cache"
        )
    # Opening must not need the setup lock: while another holds it, the open is immediate.
    monkeypatch.setattr(store_module, "SETUP_WAIT", 0.5)
    with Lock(setup_lock_path(path)) as setup:
        assert setup.try_acquire()
        with Store(path) as store:
            after = schema(store), store.query("SELECT * FROM meta"), store.query(
                "SELECT * FROM page_cache"
            )
            assert store.query("PRAGMA user_version") == [(len(MIGRATIONS),)]
    assert after == before


def test_processes_opening_a_new_database_together_all_succeed(tmp_path: Path) -> None:
    for round_ in range(4):
        path = tmp_path / str(round_) / "state.db"
        start = time.time() + 0.8  # every process imports first, then opens at the same moment
        children = [
            subprocess.Popen([sys.executable, "-c", OPEN_AT, str(path), str(start)],
                             stderr=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        errors = [child.communicate(timeout=60)[1] for child in children]
        assert [child.returncode for child in children] == [0] * 4, errors
        with Store(path) as store:
            assert store.query("PRAGMA user_version") == [(len(MIGRATIONS),)]
            assert store.query("PRAGMA journal_mode") == [("wal",)]


# ----- the page cache and meta


def test_the_page_cache_round_trips_replaces_and_forgets(store_factory: StoreFactory) -> None:
    page = {"id": "p1", "properties": {"标题": {"title": [{"plain_text": "周一"}]}}}
    blocks = [{"id": "b1", "type": "paragraph", "children": [{"id": "b2", "type": "divider"}]}]
    with store_factory() as store:
        assert store.cached_page("p1") is None
        store.save_page("p1", "2026-11-27T08:00:00.000Z", page, blocks)
        assert store.cached_page("p1") == CachedPage("p1", "2026-11-27T08:00:00.000Z", page, blocks)
    with store_factory() as store:  # kept across connections
        assert store.cached_page("p1") == CachedPage("p1", "2026-11-27T08:00:00.000Z", page, blocks)
        store.save_page("p1", "2026-11-28T09:00:00.000Z", {"id": "p1"}, [])
        assert store.cached_page("p1") == CachedPage("p1", "2026-11-28T09:00:00.000Z",
                                                     {"id": "p1"}, [])
        assert store.query("SELECT COUNT(*) FROM page_cache") == [(1,)]  # replaced, not added
        store.save_page("p2", "2026-11-28T09:00:00.000Z", {"id": "p2"}, [])
        store.forget_page("p1")
        assert store.cached_page("p1") is None
        assert store.cached_page("p2") is not None
        store.forget_page("never-cached")  # nothing to forget is fine


def test_meta_round_trips_overwrites_and_deletes(store_factory: StoreFactory) -> None:
    with store_factory() as store:
        assert store.get_meta("database_id") is None
        store.set_meta("database_id", "db-1")
        store.set_meta("other", "日记")
        assert store.get_meta("database_id") == "db-1"
    with store_factory() as store:  # kept across connections
        assert store.get_meta("database_id") == "db-1"
        store.set_meta("database_id", "db-2")
        assert store.get_meta("database_id") == "db-2"
        store.delete_meta("database_id")
        assert store.get_meta("database_id") is None
        assert store.get_meta("other") == "日记"
        store.delete_meta("database_id")  # deleting again is fine


# ----- the clock


def test_now_iso_is_the_given_clock_in_utc_whole_seconds(store_factory: StoreFactory) -> None:
    moment = datetime(2026, 11, 27, 8, 30, 15, 987_654, tzinfo=ZoneInfo("Asia/Shanghai"))
    with store_factory(clock=lambda: moment) as store:
        assert store.now_iso() == "2026-11-27T00:30:15+00:00"
    utc = datetime(2026, 3, 29, 1, 0, 0, 1, tzinfo=timezone.utc)
    with store_factory(clock=lambda: utc) as store:
        assert store.now_iso() == "2026-03-29T01:00:00+00:00"
