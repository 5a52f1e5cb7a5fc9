"""The collected snapshot without the entries ``[privacy]`` marks private, and ``data.log``."""

from __future__ import annotations

import logging

from diaryflow.collect.data_log import render_snapshot
from diaryflow.collect.links import mentioned_ids, relation_ids
from diaryflow.config.load import Config
from diaryflow.diary import PageDoc, Snapshot
from diaryflow.files import write_atomic
from diaryflow.privacy.exclude import ExcludeRule, exclude_private

log = logging.getLogger("diaryflow.collect")


def withhold_private(config: Config, collected: Snapshot, *, write_log: bool = True) -> Snapshot:
    """The snapshot every later step sees: private entries and the pages only they link to
    left out (counted, never named). ``data.log`` is written from it, or — with
    ``privacy.keep_local`` — from everything collected."""
    settings, db = config.privacy, config.database

    def references(page: PageDoc) -> list[str]:
        found = relation_ids(page.properties) if db.fetch_relations else []
        if db.include_mentioned:
            found += mentioned_ids(page.properties, page.blocks)
        return found

    rule = ExcludeRule(settings.exclude_values, settings.exclude_checkbox)
    kept = exclude_private(collected, rule, references, db.max_relation_depth)
    if kept.excluded:
        log.info("left out of the report: %d private entries, %d linked pages", kept.excluded,
                 len(collected.linked) - len(kept.linked))
    if write_log:
        shown = collected if settings.keep_local else kept
        write_atomic(config.output.data_path,
                     render_snapshot(shown, config.database.include_properties))
    return kept
