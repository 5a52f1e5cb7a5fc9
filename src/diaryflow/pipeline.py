"""One report run: collect → generate → publish, resuming from a period's checkpoints."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from diaryflow.blocks import count_blocks
from diaryflow.collect import CollectOptions, NoProgress, Progress, collect
from diaryflow.config import Config
from diaryflow.errors import ConfigError
from diaryflow.files import write_atomic
from diaryflow.flowus import FlowUsClient
from diaryflow.llm_types import Complete, Usage
from diaryflow.local_md import add_report, report_section
from diaryflow.page_blocks import metadata_line, page_blocks
from diaryflow.prompt import first_code_block, load_template
from diaryflow.publish import PageTarget, Published, publish
from diaryflow.records import (
    checkpoint,
    clear_checkpoints,
    finish_run,
    record_llm_call,
    save_checkpoint,
    start_run,
)
from diaryflow.render import render_snapshot
from diaryflow.report import Report, generate
from diaryflow.runner import flowus_client, today
from diaryflow.snapshot_json import snapshot_from_json, snapshot_to_json
from diaryflow.store import Store
from diaryflow.treefetch import fetch_trees

OFFLINE = "offline"
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


def uses_llm(config: Config) -> bool:
    """Whether reports are written by a model (a key is set and the model is not "offline")."""
    return config.siliconflow.token is not None and config.siliconflow.model != OFFLINE


@contextmanager
def _stage(stages: dict[str, float], name: str) -> Iterator[None]:
    started = time.monotonic()
    try:
        yield
    finally:
        stages[name] = round(stages.get(name, 0.0) + time.monotonic() - started, 3)


def run_report(
    config: Config,
    run_date: date | None = None,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    scheduled_at: str | None = None,
) -> RunResult:
    """Produce and publish the report of ``run_date``'s period (default: today)."""
    started = time.monotonic()
    progress = progress or NoProgress()
    run_date = run_date or today(config)
    period, job, run_id = run_date.isoformat(), config.report.job, uuid.uuid4().hex[:12]
    stages: dict[str, float] = {}
    with ExitStack() as stack:
        store = stack.enter_context(Store(config.state.path))
        client = stack.enter_context(flowus_client(config))
        if not dry_run:
            attempt = start_run(store, run_id, job, period, scheduled_at)
            log.info("run %s: job %s, period %s, attempt %d", run_id, job, period, attempt)
        report: Report | None = None
        try:
            saved = None if dry_run else checkpoint(store, job, period, "report")
            resumed = "publish" if saved else None
            if saved:
                log.info("run %s: resuming at publish with the report already written", run_id)
            source = checkpoint(store, job, period, "input") if not dry_run else None
            if source is None:
                with _stage(stages, "collect"):
                    snapshot = collect(
                        client, store, CollectOptions.from_config(config), run_date, progress
                    )
                    if not dry_run:
                        save_checkpoint(store, job, period, "input", run_id,
                                        snapshot_to_json(snapshot))
                log.info("run %s: collected %d entries, %d linked pages in %.1f s", run_id,
                         len(snapshot.entries), len(snapshot.linked), stages["collect"])
            else:
                snapshot = snapshot_from_json(source)
                resumed = resumed or "generate"
                log.info("run %s: reusing the input collected by an earlier attempt", run_id)
            source_md = render_snapshot(snapshot, config.database.include_properties)
            if not dry_run:
                write_atomic(config.output.data_path, source_md)
            if saved is not None:
                report = report_from_json(saved)
            else:
                progress.stage("Writing the report", None)
                with _stage(stages, "generate"):
                    report = _generate(config, client, store, snapshot, run_date, run_id)
                report_log.info(
                    "run %s: report by %s in %.1f s: %d calls, %d+%d tokens%s", run_id,
                    report.model, stages["generate"], report.calls, report.usage.prompt_tokens,
                    report.usage.completion_tokens, " (map-reduce)" if report.map_reduce else "",
                )
                if not dry_run:
                    save_checkpoint(store, job, period, "report", run_id, report_to_json(report))
            blocks = page_blocks(
                report, run_id,
                include_metadata=config.block_settings.include_metadata,
                include_source=config.block_settings.include_source,
                source_markdown=source_md,
                text_color=config.block_settings.text_color,
                background_color=config.block_settings.background_color,
            )
            published = None
            if not dry_run:
                progress.stage("Publishing to FlowUs", None)
                with _stage(stages, "publish"):
                    published = publish(client, store, _target(config, job, period, report),
                                        blocks)
                _keep_local_copy(config, job, period, report, run_id)
                clear_checkpoints(store, job, period)
                log.info("run %s: published %d blocks to page %s in %.1f s", run_id,
                         published.blocks_written, published.page_id, stages["publish"])
                finish_run(store, run_id, "ok", stages=stages, model=report.model,
                           prompt_tokens=report.usage.prompt_tokens,
                           completion_tokens=report.usage.completion_tokens,
                           page_id=published.page_id)
        except BaseException as error:
            log.error("run %s: %s", run_id, error)
            if not dry_run:
                status = "cancelled" if isinstance(error, KeyboardInterrupt) else "failed"
                usage = report.usage if report else Usage()
                finish_run(store, run_id, status, error=str(error) or type(error).__name__,
                           stages=stages, model=report.model if report else None,
                           prompt_tokens=usage.prompt_tokens,
                           completion_tokens=usage.completion_tokens)
            raise
    return RunResult(run_id, period, report, count_blocks(blocks), published,
                     time.monotonic() - started, stages, resumed)


def _target(config: Config, job: str, period: str, report: Report) -> PageTarget:
    parent = config.flowus.parent_page_id
    if not parent:
        raise ConfigError("flowus.parent_page_id", None,
                          "not set: give the page (id or URL) that will hold the reports")
    return PageTarget(job, period, parent, report.title, config.new_page.icon_emoji or None)


def _generate(config: Config, client: FlowUsClient, store: Store, snapshot: Any,
              run_date: date, run_id: str) -> Report:
    page_prompt = None
    if config.flowus.prompt_from_page and config.flowus.page_id:
        tree = fetch_trees(client, [config.flowus.page_id], workers=4)[config.flowus.page_id]
        page_prompt = first_code_block(tree) if isinstance(tree, tuple) else None
    template = load_template(config.report.prompt_file, page_prompt)
    complete: Complete | None = None
    close: Callable[[], None] = lambda: None  # noqa: E731
    model = OFFLINE
    if uses_llm(config):
        from diaryflow.llm import LLMClient

        llm = LLMClient.from_config(config, record=lambda call: record_llm_call(store, run_id,
                                                                                 call))
        complete, close, model = llm.complete, llm.close, config.siliconflow.model
    try:
        return generate(
            snapshot, complete, template=template,
            context_tokens=config.siliconflow.context_tokens,
            max_tokens=config.api_settings.max_tokens,
            title_prefix=config.new_page.title, run_date=run_date, model=model,
            include_properties=config.database.include_properties,
        )
    finally:
        close()


def _keep_local_copy(config: Config, job: str, period: str, report: Report, run_id: str) -> None:
    path = config.output.report_path
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    section = report_section(job, period, report.title, metadata_line(report, run_id),
                             report.markdown)
    write_atomic(path, add_report(existing, job, period, section))


def report_to_json(report: Report) -> dict[str, Any]:
    """A JSON-ready form of a report (for the checkpoint)."""
    return {
        "title": report.title, "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(), "markdown": report.markdown,
        "model": report.model, "usage": list(_usage_tuple(report.usage)),
        "calls": report.calls, "offline": report.offline, "map_reduce": report.map_reduce,
    }


def _usage_tuple(usage: Usage) -> tuple[int, int, int, int]:
    return (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens,
            usage.reasoning_tokens)


def report_from_json(data: dict[str, Any]) -> Report:
    """Rebuild a checkpointed report."""
    return Report(
        title=data["title"], period_start=date.fromisoformat(data["period_start"]),
        period_end=date.fromisoformat(data["period_end"]), markdown=data["markdown"],
        model=data["model"], usage=Usage(*data["usage"]), calls=data["calls"],
        offline=data["offline"], map_reduce=data["map_reduce"],
    )

