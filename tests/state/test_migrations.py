"""The one migration history: SQLite gets the schema it always had, PostgreSQL its own spelling."""

from __future__ import annotations

import hashlib
import re

from diaryflow.state.dialect import POSTGRESQL, SQLITE, pyformat
from diaryflow.state.migrations import HISTORY, rendered
from diaryflow.state.store import MIGRATIONS

# sha256 of the first seven SQLite migrations, joined by NUL, as released before PostgreSQL.
RELEASED = "74636a968a59588b16dcadefc3b7feb006ef37a3fe3ffe559fe943b95547d1f9"


def test_sqlite_runs_the_released_migrations_byte_for_byte() -> None:
    assert rendered(SQLITE) == MIGRATIONS
    assert hashlib.sha256("\x00".join(MIGRATIONS[:7]).encode()).hexdigest() == RELEASED


def test_both_dialects_render_every_step_with_no_token_left() -> None:
    for dialect in (SQLITE, POSTGRESQL):
        steps = rendered(dialect)
        assert len(steps) == len(HISTORY) and not any("${" in step for step in steps)


def test_postgresql_gets_no_sqlite_only_sql() -> None:
    text = "\n".join(rendered(POSTGRESQL))
    for sqlite_only in ("AUTOINCREMENT", "strftime", "julianday", "PRAGMA"):
        assert sqlite_only not in text
    assert not re.search(r"\bREAL\b", text)  # PostgreSQL's REAL is 4 bytes; SQLite's is 8
    assert "rowid BIGINT GENERATED ALWAYS AS IDENTITY" in text


def test_placeholders_become_psycopg_ones_outside_string_literals() -> None:
    assert pyformat("SELECT ? WHERE a = ? AND b = 'x?'") == "SELECT %s WHERE a = %s AND b = 'x?'"
    assert pyformat("SELECT '100%' || ?") == "SELECT '100%%' || %s"
    assert pyformat("SELECT 'it''s ?', ?") == "SELECT 'it''s ?', %s"
