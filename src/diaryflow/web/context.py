"""What every request handler shares: the configuration, the state database and the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.requests import Request

from diaryflow.clock import Clock
from diaryflow.config.load import Config
from diaryflow.state.runs import RunRow
from diaryflow.state.store import Store
from diaryflow.window import parse_timestamp

if TYPE_CHECKING:
    from diaryflow.cluster.settings import ClusterSettings


@dataclass
class WebContext:
    """The dashboard's view of this install."""

    config: Config
    config_path: Path
    store: Store
    clock: Clock
    cluster: ClusterSettings | None = None  # set: the cluster's tenants are shown too

    def local(self, moment: datetime | str | None) -> str:
        """A moment as ``YYYY-MM-DD HH:MM TZ`` in ``scheduler.timezone``; ``-`` for none."""
        when = parse_timestamp(moment) if isinstance(moment, str) else moment
        if when is None:
            return "-"
        return when.astimezone(self.config.scheduler.tz).strftime("%Y-%m-%d %H:%M %Z")


def context(request: Request) -> WebContext:
    """The WebContext of the app serving ``request``."""
    found: WebContext = request.app.state.web
    return found


def duration(row: RunRow) -> float | None:
    """Seconds an attempt took: start to finish, or the sum of its stages where that says more
    (timestamps are whole seconds, stages are timed to the millisecond)."""
    start, end = parse_timestamp(row.started_at), parse_timestamp(row.finished_at)
    staged = sum(row.stages.values()) if row.stages else None
    if start and end:
        return max((end - start).total_seconds(), staged or 0.0)
    return staged
