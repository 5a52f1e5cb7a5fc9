"""The demo: the whole pipeline against the bundled sandbox workspace, with no credentials."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from diaryflow.config.load import OFFLINE_MODEL, config_from_mapping
from diaryflow.logs import setup_logging
from diaryflow.pipeline import RunResult, run_report
from diaryflow.progress import Progress
from diaryflow.sandbox import FlowUsSandbox, sample_workspace
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID


def run_demo(workdir: Path, end: date | None = None, progress: Progress | None = None
             ) -> tuple[RunResult, Path]:
    """Collect, write (offline digest) and publish a report of the sample diary; local files
    go under ``workdir``. Returns the run and the folder holding its files."""
    with FlowUsSandbox(sample_workspace(end)) as sandbox:
        config = config_from_mapping(
            {
                "flowus": {
                    "token": sandbox.token,
                    "base_url": sandbox.base_url,
                    "url": f"https://flowus.cn/demo/{ROOT_PAGE_ID}",
                    "parent_page_id": ROOT_PAGE_ID,
                    "date_property": "日期",
                    # The sandbox enforces no rate limit, so the demo need not pace itself.
                    "reads_per_minute": 6000,
                    "writes_per_minute": 6000,
                },
                "siliconflow": {"model": OFFLINE_MODEL},
            },
            base_dir=workdir,
        )
        setup_logging(config)
        result = run_report(config, end, progress=progress)
    return result, config.output.output_dir
