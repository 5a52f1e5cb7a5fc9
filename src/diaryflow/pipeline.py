"""One report run: collect → generate → publish, resuming from a period's checkpoints."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date

from diaryflow import window
from diaryflow.checkpoints import (
    report_from_json,
    report_to_json,
    snapshot_from_json,
    snapshot_to_json,
)
from diaryflow.clock import Clock, utc_now
from diaryflow.collect import CollectOptions, collect
from diaryflow.collect.data_log import render_snapshot
from diaryflow.collect.private import withhold_private
from diaryflow.collect.prompt_page import page_prompt
from diaryflow.config.jobs import find_job, job_config, job_period, job_title
from diaryflow.config.load import Config
from diaryflow.diary import Snapshot
from diaryflow.errors import ConfigError, is_permanent
from diaryflow.export import flowus_client
from diaryflow.files import write_atomic
from diaryflow.flowus.client import FlowUsClient
from diaryflow.generate import generate_report
from diaryflow.generate.earlier import Earlier, earlier_from_json, earlier_to_json
from diaryflow.generate.gather import gather_earlier
from diaryflow.generate.report import Report
from diaryflow.llm.types import Complete, Pace
from diaryflow.periods import Period
from diaryflow.progress import NoProgress, Progress
from diaryflow.publish import PageTarget, Published, publish
from diaryflow.publish.layout import metadata_line, page_blocks
from diaryflow.publish.local_copy import add_report, report_section
from diaryflow.publish.markdown_blocks import BlockSpec, count_blocks
from diaryflow.state.reports import SavedReport, save_report
from diaryflow.state.runs import (
    checkpoint,
    clear_checkpoints,
    finish_run,
    record_flowus,
    record_inputs,
    save_checkpoint,
    start_run,
)
from diaryflow.state.store import Store

log = logging.getLogger("diaryflow.pipeline")
report_log = logging.getLogger("diaryflow.report")


@dataclass(frozen=True)
class RunResult:
    """What one run did."""

    run_id: str
    period: str
    report: Report
    blocks: int
    published: Published | None
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)
    resumed_from: str | None = None


@dataclass
class _Run:
    """One attempt at one (job, period): its stages, each resumable from a checkpoint."""

    config: Config
    store: Store
    client: FlowUsClient
    span: Period
    title: str
    dry_run: bool
    progress: Progress
    stand_in: Complete | None = None  # answers in the model's place (``--show-input``)
    pace: Pace | None = None  # a model budget shared with other workers (the cluster's)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    stages: dict[str, float] = field(default_factory=dict)
    resumed_from: str | None = None
    earlier: Earlier | None = None
    # The client's counts when the attempt began: a backfill shares one client across periods.
    sent_before: tuple[int, int] = (0, 0)

    def __post_init__(self) -> None:
        self.sent_before = (self.client.requests_sent, self.client.rate_limited)

    @property
    def job(self) -> str:
        return self.config.report.job

    @property
    def period(self) -> str:
        return self.span.key

    @property
    def run_date(self) -> date:
        return self.span.end

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.stages[name] = round(time.monotonic() - started, 3)

    def _kept(self, stage: str) -> dict[str, object] | None:
        return None if self.dry_run else checkpoint(self.store, self.job, self.period, stage)

    def _keep(self, stage: str, content: dict[str, object]) -> None:
        if not self.dry_run:
            save_checkpoint(self.store, self.job, self.period, stage, self.run_id, content)

    def snapshot(self) -> Snapshot:
        """The collected input (and the previous period): an earlier attempt's, or collected now."""
        kept = self._kept("input")
        if kept is not None and "earlier" in kept:  # older checkpoints lack it: collect again
            self.resumed_from = "generate"
            log.info("run %s: reusing the input an earlier attempt collected", self.run_id)
            self.earlier = self._built_from(earlier_from_json(kept["earlier"]))
            return snapshot_from_json(kept)
        with self.stage("collect"):
            options = CollectOptions.from_config(self.config)
            snapshot = withhold_private(self.config, collect(
                self.client, self.store, options, self.run_date, self.progress),
                write_log=not self.dry_run)
            self.earlier = self._built_from(gather_earlier(self.config, self.store, self.client,
                                                           self.span, self.progress))
        self._keep("input", snapshot_to_json(snapshot) | {"earlier": earlier_to_json(self.earlier)})
        log.info("run %s: collected %d entries and %d linked pages in %.1f s", self.run_id,
                 len(snapshot.entries), len(snapshot.linked), self.stages["collect"])
        return snapshot

    def _built_from(self, earlier: Earlier) -> Earlier:
        if earlier.source_job and not self.dry_run:
            record_inputs(self.store, self.run_id, sources=earlier.source_keys)
        return earlier

    def source(self, snapshot: Snapshot) -> str:
        """The input as ``data.log`` holds it (written when it was collected)."""
        return render_snapshot(snapshot, self.config.database.include_properties)

    def report(self, snapshot: Snapshot) -> Report:
        """The written report: an earlier attempt's, or written now."""
        kept = self._kept("report")
        if kept is not None:
            self.resumed_from = "publish"
            log.info("run %s: resuming at publish; the report was already written", self.run_id)
            return report_from_json(kept)
        self.progress.stage("Writing the report", None)
        with self.stage("generate"):
            prompt = page_prompt(self.config, self.client)
            report = generate_report(self.config, self.store, snapshot, self.run_date,
                                     self.run_id, prompt, title=self.title,
                                     stand_in=self.stand_in, earlier=self.earlier,
                                     pace=self.pace)
        self._keep("report", report_to_json(report))
        report_log.info(
            "run %s: report by %s in %.1f s: %d calls, %d+%d tokens%s", self.run_id,
            report.model, self.stages["generate"], report.calls, report.usage.prompt_tokens,
            report.usage.completion_tokens, " (map-reduce)" if report.map_reduce else "",
        )
        return report

    def blocks(self, report: Report, source: str) -> list[BlockSpec]:
        """The page's blocks: metadata, the report, and the source in a toggle if asked."""
        settings = self.config.block_settings
        return page_blocks(
            report, self.run_id, include_metadata=settings.include_metadata,
            include_source=settings.include_source, source_markdown=source,
            text_color=settings.text_color, background_color=settings.background_color,
        )

    def publish(self, report: Report, blocks: Sequence[BlockSpec]) -> Published:
        """Write the page and the local copy; the period's checkpoints are then done with."""
        self.progress.stage("Publishing to FlowUs", None)
        with self.stage("publish"):
            target = _target(self.config, self.period, report)
            published = publish(self.client, self.store, target, blocks)
        _keep_local_copy(self.config, self.period, report, self.run_id)
        save_report(self.store, SavedReport(self.job, self.period, self.span.start,
                                            self.span.end, self.run_id, report.title,
                                            report.markdown))
        clear_checkpoints(self.store, self.job, self.period)
        log.info("run %s: published %d blocks to page %s in %.1f s", self.run_id,
                 published.blocks_written, published.page_id, self.stages["publish"])
        return published

    def finish(self, status: str, report: Report | None, error: BaseException | None = None,
               published: Published | None = None) -> None:
        """Record how the attempt ended."""
        if error is not None:
            log.error("run %s: %s", self.run_id, error)
        if self.dry_run:
            return
        finish_run(
            self.store, self.run_id, status,
            retryable=error is None or not is_permanent(error),
            error=(str(error) or type(error).__name__) if error is not None else None,
            stages=self.stages, model=report.model if report else None,
            prompt_tokens=report.usage.prompt_tokens if report else 0,
            completion_tokens=report.usage.completion_tokens if report else 0,
            page_id=published.page_id if published else None,
        )
        requests, limited = self.sent_before
        record_flowus(self.store, self.run_id, self.client.requests_sent - requests,
                      self.client.rate_limited - limited)


def run_report(
    config: Config,
    run_date: date | None = None,
    *,
    job: str | None = None,
    period: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    scheduled_at: str | None = None,
    run_id: str | None = None,
    clock: Clock = utc_now,
    client: FlowUsClient | None = None,
    stand_in: Complete | None = None,
    store: Store | None = None,
    pace: Pace | None = None,
) -> RunResult:
    """Produce and publish one job's report: of the period named ``period``, or holding
    ``run_date``, else the job's last complete period (the rolling default: up to today).

    ``client`` lets several runs share one FlowUs client, and so one pace (a backfill);
    ``stand_in`` answers instead of the model (to see what would be sent); ``store`` is the
    state database to use instead of ``[state] path`` (a cluster tenant's), and ``pace`` a
    model budget shared with other workers.
    """
    started = time.monotonic()
    settings = find_job(config, job)
    today = window.run_date(clock(), config.scheduler.tz)
    span = job_period(config, settings, today, run_date, period)
    title = job_title(config, settings, span)
    config = job_config(config, settings, span)
    if not dry_run:
        _target(config, span.key, None)  # a missing parent fails before any cost
    shared = nullcontext(client) if client is not None else flowus_client(config)
    opened = nullcontext(store) if store is not None else Store(config.state.path)
    with opened as store, shared as client:
        run = _Run(config, store, client, span, title, dry_run, progress or NoProgress(),
                   stand_in, pace)
        if run_id:
            run.run_id = run_id
        if not dry_run:
            attempt = start_run(store, run.run_id, run.job, run.period, scheduled_at)
            log.info("run %s: job %s, period %s, attempt %d", run.run_id, run.job, run.period,
                     attempt)
        report: Report | None = None
        try:
            snapshot = run.snapshot()
            source = run.source(snapshot)
            report = run.report(snapshot)
            blocks = run.blocks(report, source)
            published = None if dry_run else run.publish(report, blocks)
        except BaseException as error:
            run.finish("cancelled" if isinstance(error, KeyboardInterrupt) else "failed",
                       report, error)
            raise
        run.finish("ok", report, published=published)
    return RunResult(run.run_id, run.period, report, count_blocks(blocks), published,
                     time.monotonic() - started, run.stages, run.resumed_from)


def _target(config: Config, period: str, report: Report | None) -> PageTarget:
    parent = config.flowus.parent_page_id
    if not parent:
        raise ConfigError("flowus.parent_page_id", None,
                          "not set: give the page (id or URL) that will hold the reports")
    title = report.title if report else ""
    return PageTarget(config.report.job, period, parent, title, config.new_page.icon_emoji or None)


def _keep_local_copy(config: Config, period: str, report: Report, run_id: str) -> None:
    path = config.output.report_path
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    section = report_section(config.report.job, period, report.title,
                             metadata_line(report, run_id), report.markdown)
    write_atomic(path, add_report(existing, config.report.job, period, section))
