"""What the state database remembers about runs: attempts, report pages, checkpoints, LLM calls."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from diaryflow.llm.types import CallRecord
from diaryflow.state.lock import Lock, run_lock_path
from diaryflow.state.store import Store


@dataclass(frozen=True)
class Failure:
    """A (job, period) whose every attempt failed: what the failure notice says."""

    job: str
    period: str
    attempts: int
    error: str
    last_status: str


@dataclass(frozen=True)
class ReportPage:
    """The FlowUs page that holds a period's report."""

    page_id: str
    url: str | None
    complete: bool


def start_run(store: Store, run_id: str, job: str, period: str, scheduled_at: str | None = None
              ) -> int:
    """Record the start of an attempt; returns its attempt number for this period."""
    rows = store.query("SELECT COUNT(*) FROM runs WHERE job = ? AND period = ?", (job, period))
    attempt = int(rows[0][0]) + 1
    store.execute(
        "INSERT INTO runs (run_id, job, period, attempt, scheduled_at, started_at, status) "
        "VALUES (?, ?, ?, ?, ?, ?, 'running')",
        (run_id, job, period, attempt, scheduled_at, store.now_iso()),
    )
    return attempt


def finish_run(
    store: Store,
    run_id: str,
    status: str,
    *,
    error: str | None = None,
    stages: dict[str, float] | None = None,
    model: str | None = None,
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    page_id: str | None = None,
    retryable: bool = True,
) -> None:
    """Record how an attempt ended."""
    store.execute(
        "UPDATE runs SET finished_at = ?, status = ?, error = ?, stages_json = ?, model = ?, "
        "prompt_tokens = ?, completion_tokens = ?, page_id = ?, retryable = ? WHERE run_id = ?",
        (store.now_iso(), status, error, json.dumps(stages or {}), model, prompt_tokens,
         completion_tokens, page_id, int(retryable), run_id),
    )


def record_flowus(store: Store, run_id: str, requests: int, rate_limited: int) -> None:
    """Record how many FlowUs requests an attempt sent and how many were answered 429."""
    store.execute("UPDATE runs SET flowus_requests = ?, flowus_rate_limited = ? WHERE run_id = ?",
                  (requests, rate_limited, run_id))


def record_inputs(store: Store, run_id: str, *, sources: list[str] | None = None,
                  privacy: dict[str, int] | None = None) -> None:
    """Record what an attempt was built from: the reports it used, and privacy counts (never
    the values): entries excluded and identifiers redacted, by kind."""
    if sources is not None:
        store.execute("UPDATE runs SET sources_json = ? WHERE run_id = ?",
                      (json.dumps(sources), run_id))
    if privacy is not None:
        store.execute("UPDATE runs SET privacy_json = ? WHERE run_id = ?",
                      (json.dumps(privacy, sort_keys=True), run_id))


def end_unfinished_run(store: Store, run_id: str, status: str, error: str) -> None:
    """Close an attempt whose process could not record its own end (killed or crashed)."""
    store.execute(
        "UPDATE runs SET finished_at = ?, status = ?, error = ? "
        "WHERE run_id = ? AND status = 'running'",
        (store.now_iso(), status, error, run_id),
    )


def interrupt_orphans(store: Store, found_by: str) -> int:
    """Mark attempts still ``running`` as ``interrupted``: call only under a free run lock.

    Every attempt holds the run lock while it runs, so a ``running`` row under a free lock
    belongs to a process that died without recording its end (``kill -9``, OOM, power loss).
    """
    stamp = store.now_iso()
    error = (f"the attempt's process ended without recording a result (killed?); "
             f"found by {found_by} at {stamp}")
    return store.execute(
        "UPDATE runs SET finished_at = ?, status = 'interrupted', error = ?, retryable = 1 "
        "WHERE status = 'running'",
        (stamp, error),
    )


def settle_orphans(store: Store, found_by: str) -> int:
    """:func:`interrupt_orphans` when no process holds the run lock; returns rows marked."""
    lock = Lock(run_lock_path(store.path))
    if not lock.try_acquire():
        return 0  # a live run: its row is rightly ``running``
    try:
        return interrupt_orphans(store, found_by)
    finally:
        lock.release()


def record_skip(store: Store, run_id: str, job: str, period: str, scheduled_at: str | None,
                reason: str) -> None:
    """Record a tick that did not run (weekend, already done, disabled) as skipped."""
    stamp = store.now_iso()
    store.execute(
        "INSERT INTO runs (run_id, job, period, attempt, scheduled_at, started_at, finished_at, "
        "status, reason) VALUES (?, ?, ?, 0, ?, ?, ?, 'skipped', ?)",
        (run_id, job, period, scheduled_at, stamp, stamp, reason),
    )


@dataclass(frozen=True)
class RunRow:
    """One attempt as the history shows it."""

    run_id: str
    job: str
    period: str
    attempt: int
    scheduled_at: str | None
    started_at: str
    finished_at: str | None
    status: str
    error: str | None
    reason: str | None
    stages: dict[str, float]
    model: str | None
    prompt_tokens: int
    completion_tokens: int
    page_id: str | None
    retryable: bool
    sources: tuple[str, ...] = ()
    privacy: dict[str, int] = field(default_factory=dict)


_ROW = ("run_id, job, period, attempt, scheduled_at, started_at, finished_at, status, error, "
        "reason, stages_json, model, prompt_tokens, completion_tokens, page_id, retryable, "
        "sources_json, privacy_json")


def _row(values: tuple[Any, ...]) -> RunRow:
    (run_id, job, period, attempt, scheduled_at, started_at, finished_at, status, error, reason,
     stages, model, prompt, completion, page_id, retryable, sources, privacy) = values
    return RunRow(run_id, job, period, int(attempt), scheduled_at, started_at, finished_at,
                  status, error, reason, json.loads(stages or "{}"), model, int(prompt),
                  int(completion), page_id, bool(retryable), tuple(json.loads(sources or "[]")),
                  json.loads(privacy or "{}"))


# For other modules that read the runs table.
RUN_COLUMNS = _ROW


def run_row(values: tuple[Any, ...]) -> RunRow:
    """A row of :data:`RUN_COLUMNS` as a RunRow."""
    return _row(values)


def recent_runs(store: Store, limit: int = 20, job: str | None = None) -> list[RunRow]:
    """The latest attempts (of ``job``, if given), newest first."""
    where, params = ("WHERE job = ? ", (job,)) if job is not None else ("", ())
    rows = store.query(
        f"SELECT {_ROW} FROM runs {where}ORDER BY started_at DESC, rowid DESC LIMIT ?",
        (*params, limit),
    )
    return [_row(r) for r in rows]


def get_run(store: Store, run_id: str) -> RunRow | None:
    """One attempt by id."""
    rows = store.query(f"SELECT {_ROW} FROM runs WHERE run_id = ?", (run_id,))
    return _row(rows[0]) if rows else None


def period_done(store: Store, job: str, period: str) -> bool:
    """Whether (job, period) already has a successful run."""
    rows = store.query(
        "SELECT 1 FROM runs WHERE job = ? AND period = ? AND status = 'ok' LIMIT 1", (job, period)
    )
    return bool(rows)


def report_page(store: Store, job: str, period: str) -> ReportPage | None:
    """The page recorded for (job, period), if any."""
    rows = store.query(
        "SELECT page_id, url, complete FROM report_pages WHERE job = ? AND period = ?",
        (job, period),
    )
    return ReportPage(rows[0][0], rows[0][1], bool(rows[0][2])) if rows else None


def save_report_page(
    store: Store, job: str, period: str, page_id: str, url: str | None, complete: bool
) -> None:
    """Record (or update) the page that holds (job, period)."""
    store.execute(
        "INSERT INTO report_pages (job, period, page_id, url, complete, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(job, period) DO UPDATE SET "
        "page_id = excluded.page_id, url = excluded.url, complete = excluded.complete, "
        "updated_at = excluded.updated_at",
        (job, period, page_id, url, int(complete), store.now_iso()),
    )


def forget_report_page(store: Store, job: str, period: str) -> None:
    """Forget the page of (job, period) (it was deleted in FlowUs)."""
    store.execute("DELETE FROM report_pages WHERE job = ? AND period = ?", (job, period))


def save_checkpoint(store: Store, job: str, period: str, stage: str, run_id: str,
                    content: dict[str, Any]) -> None:
    """Keep a stage's result so that a retry for the same period can resume after it."""
    store.execute(
        "INSERT INTO checkpoints (job, period, stage, run_id, content, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(job, period, stage) DO UPDATE SET "
        "run_id = excluded.run_id, content = excluded.content, created_at = excluded.created_at",
        (job, period, stage, run_id, json.dumps(content, ensure_ascii=False), store.now_iso()),
    )


def checkpoint(store: Store, job: str, period: str, stage: str) -> dict[str, Any] | None:
    """A kept stage result for (job, period), or None."""
    rows = store.query(
        "SELECT content FROM checkpoints WHERE job = ? AND period = ? AND stage = ?",
        (job, period, stage),
    )
    if not rows:
        return None
    value = json.loads(rows[0][0])
    return value if isinstance(value, dict) else None


def clear_checkpoints(store: Store, job: str, period: str) -> None:
    """Drop a period's checkpoints once its report is published."""
    store.execute("DELETE FROM checkpoints WHERE job = ? AND period = ?", (job, period))


def record_llm_call(store: Store, run_id: str | None, call: CallRecord) -> None:
    """Keep one model call's cost and outcome (never its bodies)."""
    store.execute(
        "INSERT INTO llm_calls (run_id, at, model, status, http_status, error, prompt_tokens, "
        "completion_tokens, seconds, finish_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (run_id, store.now_iso(), call.model, call.status, call.http_status, call.error,
         call.usage.prompt_tokens, call.usage.completion_tokens, call.seconds,
         call.finish_reason),
    )
