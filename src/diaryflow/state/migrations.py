"""The one migration history of the state database, written once for SQLite and PostgreSQL.

Each entry is portable SQL with ``${token}`` marks where the two dialects differ (see
:mod:`diaryflow.state.dialect`); :func:`rendered` fills them in. The SQLite rendering is
byte for byte the schema diaryflow has always created, so existing files keep working.
"""

from __future__ import annotations

from string import Template

from diaryflow.state.dialect import Dialect

# Each entry migrates the schema from version i to i + 1; append, never edit.
# A literal ``$`` is written ``$$``.
HISTORY: tuple[str, ...] = (
    """
    CREATE TABLE page_cache (
        page_id TEXT PRIMARY KEY,
        last_edited_time TEXT NOT NULL,
        page_json TEXT NOT NULL,
        blocks_json TEXT NOT NULL,
        fetched_at TEXT NOT NULL DEFAULT (${utc_now})
    );
    """,
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE runs (${rowid_column}
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
        id ${serial_key},
        run_id TEXT,
        at TEXT NOT NULL,
        model TEXT NOT NULL,
        status TEXT NOT NULL,
        http_status INTEGER,
        error TEXT,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        seconds ${real} NOT NULL,
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
    CREATE INDEX runs_by_start ON runs (started_at${rowid_key});
    CREATE INDEX runs_by_job_start ON runs (job, started_at${rowid_key});
    CREATE INDEX runs_by_job_status_start ON runs (job, status, started_at${rowid_key});
    CREATE INDEX runs_by_job_period_status ON runs (job, period, status);
    CREATE INDEX runs_by_status_start ON runs (status, started_at${rowid_key});
    CREATE INDEX runs_by_period_start ON runs (period, started_at${rowid_key});
    CREATE INDEX llm_calls_by_run ON llm_calls (run_id);
    """,
    """
    ALTER TABLE runs ADD COLUMN flowus_requests INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN flowus_rate_limited INTEGER NOT NULL DEFAULT 0;
    """,
)


def rendered(dialect: Dialect) -> tuple[str, ...]:
    """The history in ``dialect``'s SQL, one script per version."""
    return tuple(Template(step).substitute(dialect.tokens) for step in HISTORY)
