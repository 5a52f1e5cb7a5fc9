"""Plain-text and JSON views of the run history and the daemon's status (formatting only)."""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from diaryflow.privacy.guard import privacy_summary
from diaryflow.state.runs import RunRow
from diaryflow.window import parse_timestamp

HEADERS = ("started", "period", "attempt", "status", "duration", "tokens", "page", "run id",
           "notes")
# Right-aligned so that digits line up: attempt, duration, tokens.
RIGHT = frozenset({2, 4, 5})
NOTE_WIDTH = 60
GAP = "  "


def history_table(
    rows: Sequence[RunRow], tz: ZoneInfo, source_jobs: Mapping[str, str] | None = None
) -> str:
    """The attempts as an aligned plain-text table, times in ``tz``; a sentence when empty."""
    if not rows:
        return "No runs recorded yet."
    table = [HEADERS, *(_cells(row, tz, source_jobs or {}) for row in rows)]
    widths = [max(display_width(line[i]) for line in table) for i in range(len(HEADERS))]
    rule = tuple("-" * w for w in widths)
    return "\n".join(_line(line, widths) for line in [table[0], rule, *table[1:]])


def history_json(rows: Sequence[RunRow]) -> str:
    """The attempts as a JSON list of objects, one key per RunRow field in declaration order."""
    return json.dumps([dataclasses.asdict(row) for row in rows], ensure_ascii=False, indent=2)


def status_lines(
    *,
    next_fire: str | None,
    enabled: bool,
    last: RunRow | None,
    serve_pid: int | None,
    run_pid: int | None,
    tz: ZoneInfo,
) -> list[str]:
    """What ``diaryflow status`` prints: next report, last run, daemon and run locks."""
    if not enabled:
        schedule = "Scheduler disabled (scheduler.enabled = false)"
    elif next_fire is None:
        schedule = "Next report: none scheduled"
    else:
        when = parse_timestamp(next_fire)
        shown = when.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if when else next_fire
        schedule = f"Next report: {shown} ({tz.key})"
    return [
        schedule,
        _last_line(last, tz),
        f"Daemon: running ({_pid(serve_pid)})" if serve_pid else "Daemon: not running",
        f"A run is in progress ({_pid(run_pid)})" if run_pid else "No run in progress",
    ]


@dataclasses.dataclass(frozen=True)
class JobState:
    """One job as ``status`` shows it."""

    name: str
    period: str
    next_fire: str | None
    last: RunRow | None


def job_lines(jobs: list[JobState], tz: ZoneInfo) -> list[str]:
    """One line per job: its period kind, next fire time (in ``tz``) and last result."""
    lines = []
    for job in jobs:
        when = parse_timestamp(job.next_fire) if job.next_fire else None
        shown = when.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if when else "disabled"
        last = _last_line(job.last, tz).removeprefix("Last run: ")
        lines.append(f"Job {job.name} ({job.period}): next {shown} · last: {last}")
    return lines


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: wide and full-width characters count 2, combining 0."""
    return sum(_char_width(c) for c in text)


def fit(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` columns, ending in "…" when cut."""
    if display_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        w = _char_width(char)
        if used + w > width - 1:
            break
        kept.append(char)
        used += w
    return "".join(kept) + "…"


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    out = []
    for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        pad = " " * (width - display_width(cell))
        out.append(pad + cell if i in RIGHT else cell + pad)
    return GAP.join(out).rstrip()


def _cells(row: RunRow, tz: ZoneInfo, source_jobs: Mapping[str, str]) -> tuple[str, ...]:
    started = parse_timestamp(row.started_at)
    tokens = row.prompt_tokens + row.completion_tokens
    return (
        started.astimezone(tz).strftime("%m-%d %H:%M") if started else row.started_at[:11],
        _flat(row.period),
        str(row.attempt) if row.attempt > 0 else "-",
        _flat(row.status),
        _duration(row),
        f"{row.prompt_tokens}+{row.completion_tokens}" if tokens else "-",
        row.page_id[:8] if row.page_id else "-",
        row.run_id,
        _notes(row, source_jobs),
    )


def _sources(row: RunRow, source_jobs: Mapping[str, str]) -> str:
    """Which reports the run was built from, when it was."""
    if not row.sources:
        return ""
    return f"from {source_jobs.get(row.job, 'reports')}: {', '.join(row.sources)}"


def _duration(row: RunRow) -> str:
    return f"{sum(row.stages.values()):.1f}s" if row.stages else "-"


def _note(row: RunRow) -> str:
    """The skip reason or the error, on one line."""
    text = row.reason if row.status == "skipped" else (row.error or row.reason)
    return _flat(text or "")


def _notes(row: RunRow, source_jobs: Mapping[str, str]) -> str:
    """The note (or the reports the run was built from) cut to fit, then what was kept from
    the model (short, so never cut)."""
    private = privacy_summary(row.privacy)
    note = _note(row) or _sources(row, source_jobs)
    parts = (fit(note, NOTE_WIDTH), f"private: {private}" if private else "")
    return " · ".join(part for part in parts if part)


def _flat(text: str) -> str:
    # Newlines and tabs inside a cell would break the table's rows and columns.
    return " ".join(text.split())


def _last_line(last: RunRow | None, tz: ZoneInfo) -> str:
    if last is None:
        return "No runs yet"
    started = parse_timestamp(last.started_at)
    parts = [
        started.astimezone(tz).strftime("%Y-%m-%d %H:%M") if started else last.started_at,
        f"period {last.period}",
        last.status,
    ]
    if last.page_id:
        parts.append(f"page {last.page_id[:8]}")
    note = _note(last)
    if last.status != "ok" and note:
        parts.append(fit(note, NOTE_WIDTH))
    return "Last run: " + " · ".join(parts)


def _pid(pid: int | None) -> str:
    # Lock.holder() answers -1 when the lock is held but its file names no pid.
    return f"pid {pid}" if pid is not None and pid > 0 else "pid unknown"

