"""Earlier periods a report is written against: their facts, JSON form and prompt parts."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from diaryflow.generate.charts import SECTION_HEADING
from diaryflow.generate.compare_section import COMPARISON_HEADING
from diaryflow.generate.entry_index import INDEX_HEADING
from diaryflow.generate.prompt import (
    PREVIOUS_CUT,
    PREVIOUS_HEADING,
    PREVIOUS_NOTE,
    SOURCES_HEADING,
    SOURCES_NOTE,
    period_text,
)
from diaryflow.generate.stats import Stats
from diaryflow.generate.tokens import estimate_tokens, split_to_tokens
from diaryflow.state.reports import SavedReport

# Sections that code computed: a later report has its own, so they are left out of its input.
COMPUTED_HEADINGS = frozenset({SECTION_HEADING, COMPARISON_HEADING, INDEX_HEADING})
_HEADING = re.compile(r"^(#{1,6}) ")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Earlier:
    """The previous period's figures and report, and the shorter reports standing for days."""

    previous_stats: Stats
    previous_report: SavedReport | None = None
    source_job: str | None = None
    sources: tuple[SavedReport, ...] = ()

    @property
    def source_keys(self) -> list[str]:
        """The period keys of the shorter reports, oldest first."""
        return [report.period for report in self.sources]


def covered_days(sources: Sequence[SavedReport]) -> frozenset[date]:
    """Every day some source report covers."""
    return frozenset(report.start + timedelta(days=i) for report in sources
                     for i in range((report.end - report.start).days + 1))


def review_text(markdown: str) -> str:
    """A report without the sections code computed (statistics, comparison, the note after)."""
    kept: list[str] = []
    skipping = fenced = False
    for line in markdown.split("\n"):
        heading = None if fenced else _HEADING.match(line)
        if _FENCE.match(line):
            fenced = not fenced
        elif heading and len(heading[1]) <= 2:  # a section ends at the next one of its level
            skipping = line.strip() in COMPUTED_HEADINGS
        if not skipping:
            kept.append(line)
    return "\n".join(kept).strip()


def demote(markdown: str, levels: int) -> str:
    """Headings moved ``levels`` down (to ``######`` at most), outside code blocks."""
    lines: list[str] = []
    fenced = False
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match:
            line = "#" * min(6, len(match[1]) + levels) + line[len(match[1]):]
        lines.append(line)
    return "\n".join(lines)


def report_label(report: SavedReport) -> str:
    """``2026-W47（2026-11-16 至 2026-11-22）``."""
    return f"{report.period}（{period_text(report.start, report.end)}）"


def previous_part(earlier: Earlier | None, limit: int) -> str:
    """The previous report as a labelled part of at most ``limit`` tokens (its end cut off)."""
    report = earlier.previous_report if earlier else None
    body = demote(review_text(report.markdown), 1) if report else ""
    if report is None or not body:
        return ""
    head = f"{PREVIOUS_HEADING}\n\n{PREVIOUS_NOTE.format(period=report_label(report))}\n\n"
    if estimate_tokens(head + body) <= limit:
        return head + body
    room = limit - estimate_tokens(f"{head}{PREVIOUS_CUT}\n\n")
    return f"{head}{PREVIOUS_CUT}\n\n{split_to_tokens(body, room)[0]}" if room > 0 else ""


def source_text(report: SavedReport) -> str:
    """One shorter report as the prompt shows it: its label, then its review."""
    return f"### {report_label(report)}\n\n{demote(review_text(report.markdown), 2)}"


def sources_part(earlier: Earlier | None, start: date, end: date) -> str:
    """The shorter reports inside ``start``..``end`` as one labelled part; "" when none."""
    if earlier is None or not earlier.sources:
        return ""
    job = earlier.source_job or ""
    note = SOURCES_NOTE.format(
        count=len(earlier.sources), job=job, days=len(covered_days(earlier.sources)),
        periods="、".join(earlier.source_keys), period=period_text(start, end),
    )
    texts = [source_text(report) for report in earlier.sources]
    return "\n\n".join([SOURCES_HEADING.format(job=job), note, *texts])


def earlier_to_json(earlier: Earlier) -> dict[str, Any]:
    """A JSON-ready dict holding everything in ``earlier``."""
    stats = earlier.previous_stats
    return {
        "previous_stats": {
            "start": stats.start.isoformat(), "end": stats.end.isoformat(),
            "days": [d.isoformat() for d in stats.days],
            "entries_per_day": list(stats.entries_per_day),
            "chars_per_day": list(stats.chars_per_day),
            "total_entries": stats.total_entries, "total_chars": stats.total_chars,
            "active_days": stats.active_days,
            "selects": [[name, [list(part) for part in parts]] for name, parts in stats.selects],
            "checkboxes": [list(row) for row in stats.checkboxes],
        },
        "previous_report": _report_to_json(earlier.previous_report),
        "source_job": earlier.source_job,
        "sources": [_report_to_json(report) for report in earlier.sources],
    }


def earlier_from_json(data: object) -> Earlier:
    """Rebuild what :func:`earlier_to_json` wrote."""
    if not isinstance(data, Mapping):
        raise ValueError("not a record of earlier periods")
    s = data["previous_stats"]
    stats = Stats(
        start=date.fromisoformat(s["start"]), end=date.fromisoformat(s["end"]),
        days=tuple(date.fromisoformat(d) for d in s["days"]),
        entries_per_day=tuple(s["entries_per_day"]), chars_per_day=tuple(s["chars_per_day"]),
        total_entries=s["total_entries"], total_chars=s["total_chars"],
        active_days=s["active_days"],
        selects=tuple((name, tuple((value, count) for value, count in parts))
                      for name, parts in s["selects"]),
        checkboxes=tuple((name, done, total) for name, done, total in s["checkboxes"]),
    )
    previous = data.get("previous_report")
    return Earlier(stats, _report_from_json(previous) if previous else None, data.get("source_job"),
                   tuple(_report_from_json(report) for report in data.get("sources", [])))


def _report_to_json(report: SavedReport | None) -> dict[str, str] | None:
    if report is None:
        return None
    return {"job": report.job, "period": report.period, "start": report.start.isoformat(),
            "end": report.end.isoformat(), "run_id": report.run_id, "title": report.title,
            "markdown": report.markdown}


def _report_from_json(data: Mapping[str, str]) -> SavedReport:
    return SavedReport(data["job"], data["period"], date.fromisoformat(data["start"]),
                       date.fromisoformat(data["end"]), data["run_id"], data["title"],
                       data["markdown"])
