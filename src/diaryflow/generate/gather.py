"""Read what a report is compared with and built from: the previous period, shorter reports."""

from __future__ import annotations

import dataclasses
import logging

from diaryflow.collect import CollectOptions, collect
from diaryflow.collect.private import withhold_private
from diaryflow.collect.rich_text import as_map, as_str, plain_text
from diaryflow.collect.to_markdown import render_blocks
from diaryflow.config.jobs import find_job
from diaryflow.config.load import Config
from diaryflow.diary import Block, MissingPage
from diaryflow.flowus.client import FlowUsClient
from diaryflow.flowus.trees import fetch_trees
from diaryflow.generate.earlier import Earlier
from diaryflow.generate.stats import compute_stats
from diaryflow.periods import Period
from diaryflow.progress import Progress
from diaryflow.state.reports import SavedReport, reports_within, saved_report
from diaryflow.state.runs import report_page
from diaryflow.state.store import Store

log = logging.getLogger("diaryflow.generate")
# What the publish stage adds around a report on its page: the metadata callout and the
# toggle holding the run's input. Neither is part of the report itself.
METADATA_ICON = "🤖"
SOURCE_TOGGLE = "原始输入（data.log）"


def gather_earlier(
    config: Config, store: Store, client: FlowUsClient, span: Period,
    progress: Progress | None = None,
) -> Earlier:
    """The previous period's figures and report, and (with ``source_job``) the shorter reports."""
    # Only the previous period's figures are used: linked pages are not followed, and pages
    # unchanged since an earlier run come from the page cache.
    job = find_job(config, config.report.job)
    previous = span.previous()
    options = dataclasses.replace(CollectOptions.from_config(config),
                                  recent_days=previous.length, fetch_relations=False,
                                  include_mentioned=False)
    # The same private entries are left out of both periods, or the changes would count them.
    before = withhold_private(config, collect(client, store, options, previous.end, progress),
                              write_log=False)
    sources = (tuple(reports_within(store, job.source_job, span.start, span.end))
               if job.source_job else ())
    report = previous_report(store, client, job.name, previous, config.flowus.concurrency)
    log.info("previous period %s: %d entries, report %s; %d shorter reports of %s",
             previous.key, len(before.entries), "found" if report else "none", len(sources),
             job.source_job or "-")
    return Earlier(compute_stats(before), report, job.source_job, sources)


def previous_report(
    store: Store, client: FlowUsClient, job: str, period: Period, workers: int = 4
) -> SavedReport | None:
    """The report of (job, period): kept in the state database, else read from its page."""
    kept = saved_report(store, job, period.key)
    if kept is not None:
        return kept
    page = report_page(store, job, period.key)
    if page is None or not page.complete:
        return None
    tree = fetch_trees(client, [page.page_id], workers)[page.page_id]
    if isinstance(tree, MissingPage):
        log.info("the report page of %s %s cannot be read (%s)", job, period.key, tree.reason)
        return None
    markdown = render_blocks([block for block in tree if not _added_by_publish(block)], {})
    if not markdown.strip():
        return None
    return SavedReport(job, period.key, period.start, period.end, "", "", markdown)


def _added_by_publish(block: Block) -> bool:
    data = as_map(block.data)
    if block.type == "callout":
        return as_str(as_map(data.get("icon")).get("emoji")) == METADATA_ICON
    return block.type == "toggle" and plain_text(data.get("rich_text")).strip() == SOURCE_TOGGLE
