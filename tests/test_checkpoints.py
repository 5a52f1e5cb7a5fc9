"""Checkpointed snapshots and reports come back equal to what was saved."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from diaryflow.checkpoints import (
    report_from_json,
    report_to_json,
    snapshot_from_json,
    snapshot_to_json,
)
from diaryflow.collect.stage import CollectOptions, collect
from diaryflow.generate.report import Report
from diaryflow.llm.types import Usage
from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from diaryflow.state.store import Store
from tests.helpers import END, ClientFactory


def test_a_snapshot_survives_json(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, tmp_path: Path
) -> None:
    options = CollectOptions(None, ROOT_PAGE_ID, "日期", "Asia/Shanghai", 30)
    snapshot = collect(make_client(sample_sandbox), Store(tmp_path / "s.db"), options, END)
    assert snapshot.entries and snapshot.linked and snapshot.missing
    again = snapshot_from_json(json.loads(json.dumps(snapshot_to_json(snapshot))))
    assert again == snapshot


def test_a_report_survives_json() -> None:
    report = Report("AI生成内容 - 2026-11-27", date(2026, 11, 21), date(2026, 11, 27),
                    "## 概览\n\n内容", "deepseek-ai/DeepSeek-V3", Usage(10, 20, 30, 5), 3,
                    False, True)
    assert report_from_json(json.loads(json.dumps(report_to_json(report)))) == report


def test_what_was_left_out_survives_json(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, tmp_path: Path
) -> None:
    import dataclasses

    options = CollectOptions(None, ROOT_PAGE_ID, "日期", "Asia/Shanghai", 7)
    snapshot = collect(make_client(sample_sandbox), Store(tmp_path / "s.db"), options, END)
    private = dataclasses.replace(snapshot, excluded=2, hidden=("p1", "p2"))
    again = snapshot_from_json(json.loads(json.dumps(snapshot_to_json(private))))
    assert again == private and again.titles()["p1"] == "私密页面"
