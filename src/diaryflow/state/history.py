"""The run history as the dashboard reads it: filtered pages, newest first, on the indexes."""

from __future__ import annotations

from dataclasses import dataclass

from diaryflow.state.runs import RUN_COLUMNS, RunRow, run_row
from diaryflow.state.store import Store


@dataclass(frozen=True)
class HistoryPage:
    """One page of attempts, newest first, and whether an older page follows."""

    rows: list[RunRow]
    page: int
    has_more: bool


@dataclass(frozen=True)
class ModelCall:
    """One model call of a run: never its bodies."""

    at: str
    model: str
    status: str
    http_status: int | None
    error: str | None
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    finish_reason: str | None


def runs_page(store: Store, *, job: str | None = None, status: str | None = None,
              period: str | None = None, page: int = 1, size: int = 50) -> HistoryPage:
    """Page ``page`` (from 1) of the attempts matching every given filter, newest first."""
    where, params = [], []
    for column, value in (("job", job), ("status", status), ("period", period)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    clause = f"WHERE {' AND '.join(where)} " if where else ""
    offset = (max(page, 1) - 1) * size
    rows = store.query(
        f"SELECT {RUN_COLUMNS} FROM runs {clause}"
        "ORDER BY started_at DESC, rowid DESC LIMIT ? OFFSET ?",
        (*params, size + 1, offset),
    )
    return HistoryPage([run_row(r) for r in rows[:size]], max(page, 1), len(rows) > size)


def last_run(store: Store, job: str, *, skipped: bool = False) -> RunRow | None:
    """The latest attempt of ``job`` (skipped ticks only when ``skipped``)."""
    extra = "" if skipped else "AND status != 'skipped' "
    rows = store.query(
        f"SELECT {RUN_COLUMNS} FROM runs WHERE job = ? {extra}ORDER BY started_at DESC, rowid DESC "
        "LIMIT 1", (job,))
    return run_row(rows[0]) if rows else None


def last_ok_period(store: Store, job: str) -> str | None:
    """The period of ``job``'s latest successful attempt."""
    rows = store.query(
        "SELECT period FROM runs WHERE job = ? AND status = 'ok' "
        "ORDER BY started_at DESC, rowid DESC LIMIT 1", (job,))
    return str(rows[0][0]) if rows else None


def attempted(store: Store, job: str, period: str) -> bool:
    """Whether (job, period) has an attempt that really ran (not a skipped tick)."""
    return bool(store.query(
        "SELECT 1 FROM runs WHERE job = ? AND period = ? AND status != 'skipped' LIMIT 1",
        (job, period)))


def model_calls(store: Store, run_id: str) -> list[ModelCall]:
    """The model calls of one attempt, oldest first."""
    rows = store.query(
        "SELECT at, model, status, http_status, error, prompt_tokens, completion_tokens, "
        "seconds, finish_reason FROM llm_calls WHERE run_id = ? ORDER BY id", (run_id,))
    return [ModelCall(*row) for row in rows]


def job_names(store: Store) -> list[str]:
    """Every job that has a recorded attempt."""
    return [str(row[0]) for row in store.query("SELECT DISTINCT job FROM runs ORDER BY job")]
