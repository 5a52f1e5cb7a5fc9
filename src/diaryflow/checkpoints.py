"""JSON forms of snapshots and reports, so a run can checkpoint them and a retry resume."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from diaryflow.diary import (
    Entry,
    MissingPage,
    PageDoc,
    Snapshot,
    blocks_from_json,
    blocks_to_json,
)
from diaryflow.generate.report import Report
from diaryflow.llm.types import Usage


def _page_to_json(page: PageDoc) -> dict[str, Any]:
    return {
        "id": page.id,
        "title": page.title,
        "created_time": page.created_time.isoformat(),
        "last_edited_time": page.last_edited_time,
        "parent": dict(page.parent),
        "properties": dict(page.properties),
        "blocks": blocks_to_json(page.blocks),
        "url": page.url,
    }


def _page_from_json(data: Mapping[str, Any]) -> PageDoc:
    return PageDoc(
        id=data["id"],
        title=data["title"],
        created_time=datetime.fromisoformat(data["created_time"]),
        last_edited_time=data["last_edited_time"],
        parent=data["parent"],
        properties=data["properties"],
        blocks=blocks_from_json(data["blocks"]),
        url=data.get("url"),
    )


def snapshot_to_json(snapshot: Snapshot) -> dict[str, Any]:
    """A JSON-ready dict holding everything in the snapshot."""
    return {
        "database_id": snapshot.database_id,
        "database_title": snapshot.database_title,
        "timezone": snapshot.timezone,
        "window_start": snapshot.window_start.isoformat(),
        "window_end": snapshot.window_end.isoformat(),
        "entries": [{"day": e.day.isoformat(), "page": _page_to_json(e.page)}
                    for e in snapshot.entries],
        "linked": [_page_to_json(p) for p in snapshot.linked],
        "missing": [{"id": m.id, "status": m.status, "reason": m.reason}
                    for m in snapshot.missing],
        "users": dict(snapshot.users),
        "excluded": snapshot.excluded,
        "hidden": list(snapshot.hidden),
    }


def snapshot_from_json(data: Mapping[str, Any]) -> Snapshot:
    """Rebuild a snapshot written by :func:`snapshot_to_json`."""
    return Snapshot(
        database_id=data["database_id"],
        database_title=data["database_title"],
        timezone=data["timezone"],
        window_start=date.fromisoformat(data["window_start"]),
        window_end=date.fromisoformat(data["window_end"]),
        entries=tuple(Entry(_page_from_json(e["page"]), date.fromisoformat(e["day"]))
                      for e in data["entries"]),
        linked=tuple(_page_from_json(p) for p in data["linked"]),
        missing=tuple(MissingPage(m["id"], m["status"], m["reason"]) for m in data["missing"]),
        users=data.get("users", {}),
        excluded=data.get("excluded", 0),
        hidden=tuple(data.get("hidden", ())),
    )


def report_to_json(report: Report) -> dict[str, Any]:
    """A JSON-ready dict holding everything in the report."""
    usage = report.usage
    return {
        "title": report.title,
        "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(),
        "markdown": report.markdown,
        "model": report.model,
        "usage": [usage.prompt_tokens, usage.completion_tokens, usage.total_tokens,
                  usage.reasoning_tokens],
        "calls": report.calls,
        "offline": report.offline,
        "map_reduce": report.map_reduce,
    }


def report_from_json(data: Mapping[str, Any]) -> Report:
    """Rebuild a report written by :func:`report_to_json`."""
    return Report(
        title=data["title"],
        period_start=date.fromisoformat(data["period_start"]),
        period_end=date.fromisoformat(data["period_end"]),
        markdown=data["markdown"],
        model=data["model"],
        usage=Usage(*data["usage"]),
        calls=data["calls"],
        offline=data["offline"],
        map_reduce=data["map_reduce"],
    )
