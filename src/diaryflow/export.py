"""The FlowUs client a configuration describes, and ``export``: a window into ``data.log``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from diaryflow import window
from diaryflow.clock import Clock, utc_now
from diaryflow.collect import CollectOptions, collect
from diaryflow.collect.private import withhold_private
from diaryflow.config.load import Config, require_flowus_token
from diaryflow.diary import Snapshot
from diaryflow.flowus.client import FlowUsClient
from diaryflow.progress import Progress
from diaryflow.state.store import Store


@dataclass(frozen=True)
class ExportResult:
    """What one export did: the snapshot, where it went, and what it cost."""

    snapshot: Snapshot
    path: Path
    requests: int
    seconds: float


@contextmanager
def flowus_client(config: Config) -> Iterator[FlowUsClient]:
    """A FlowUs client built from the configuration (token, base URL, limits)."""
    fl = config.flowus
    client = FlowUsClient.connect(
        require_flowus_token(config),
        fl.base_url,
        reads_per_minute=fl.reads_per_minute,
        writes_per_minute=fl.writes_per_minute,
        concurrency=fl.concurrency,
        timeout=fl.request_timeout,
    )
    try:
        yield client
    finally:
        client.close()


def export(
    config: Config,
    end: date | None = None,
    progress: Progress | None = None,
    clock: Clock = utc_now,
) -> ExportResult:
    """Collect the window ending on ``end`` (default today) and write ``data.log`` atomically."""
    started = time.monotonic()
    end = end or window.run_date(clock(), config.scheduler.tz)
    with flowus_client(config) as client, Store(config.state.path) as store:
        snapshot = collect(client, store, CollectOptions.from_config(config), end, progress)
        requests = client.requests_sent
    snapshot = withhold_private(config, snapshot)
    return ExportResult(snapshot, config.output.data_path, requests, time.monotonic() - started)
