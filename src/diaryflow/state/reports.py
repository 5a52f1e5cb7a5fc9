"""The text of each published report, kept so later periods can compare with it or build on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from diaryflow.state.store import Store


@dataclass(frozen=True)
class SavedReport:
    """A published report of one (job, period): its dates, title and Markdown."""

    job: str
    period: str
    start: date
    end: date
    run_id: str
    title: str
    markdown: str


_COLUMNS = "job, period, period_start, period_end, run_id, title, markdown"


def save_report(store: Store, report: SavedReport) -> None:
    """Keep (or replace) the report of (job, period)."""
    store.execute(
        f"INSERT INTO reports ({_COLUMNS}, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(job, period) DO UPDATE SET period_start = excluded.period_start, "
        "period_end = excluded.period_end, run_id = excluded.run_id, title = excluded.title, "
        "markdown = excluded.markdown, saved_at = excluded.saved_at",
        (report.job, report.period, report.start.isoformat(), report.end.isoformat(),
         report.run_id, report.title, report.markdown, store.now_iso()),
    )


def saved_report(store: Store, job: str, period: str) -> SavedReport | None:
    """The kept report of (job, period), if any."""
    rows = store.query(f"SELECT {_COLUMNS} FROM reports WHERE job = ? AND period = ?",
                       (job, period))
    return _report(rows[0]) if rows else None


def reports_within(store: Store, job: str, start: date, end: date) -> list[SavedReport]:
    """The kept reports of ``job`` whose period lies within ``start``..``end``, oldest first."""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM reports WHERE job = ? AND period_start >= ? AND period_end <= ? "
        "ORDER BY period_start",
        (job, start.isoformat(), end.isoformat()),
    )
    return [_report(row) for row in rows]


def _report(row: tuple[object, ...]) -> SavedReport:
    job, period, start, end, run_id, title, markdown = (str(v) for v in row)
    return SavedReport(job, period, date.fromisoformat(start), date.fromisoformat(end), run_id,
                       title, markdown)
