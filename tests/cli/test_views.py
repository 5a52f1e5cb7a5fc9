"""History table, JSON and status lines: alignment with CJK text, cutting, every status case."""

from __future__ import annotations

import dataclasses
import json
from typing import Any
from zoneinfo import ZoneInfo

from diaryflow.cli.views import display_width, fit, history_json, history_table, status_lines
from diaryflow.state.runs import RunRow

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGE = "1a2b3c4d-5e6f-4a0b-8c0d-112233445566"


def run(**changes: Any) -> RunRow:
    base = RunRow(
        run_id="0123456789ab", job="daily", period="2026-11-27", attempt=1,
        scheduled_at="2026-11-27T00:00:00+00:00", started_at="2026-11-27T00:00:05+00:00",
        finished_at="2026-11-27T00:01:10+00:00", status="ok", error=None, reason=None,
        stages={"collect": 2.25, "write": 50.0, "publish": 10.0}, model="deepseek-ai/DeepSeek-V3",
        prompt_tokens=1234, completion_tokens=567, page_id=PAGE, retryable=True,
    )
    return dataclasses.replace(base, **changes)


ROWS = [
    run(run_id="aaaaaaaaaaaa", started_at="2026-11-28T00:00:03+00:00", period="2026-11-28",
        finished_at=None, status="running", stages={}, prompt_tokens=0, completion_tokens=0,
        page_id=None),
    run(run_id="bbbbbbbbbbbb", attempt=2, status="failed", page_id=None,
        error="模型返回了空白内容：请检查提示词\nthen retry", stages={"collect": 1.0}),
    run(run_id="cccccccccccc", attempt=3, status="timeout", page_id=None,
        error="FlowUs did not answer " + "x" * 200),
    run(run_id="dddddddddddd", attempt=0, status="skipped", reason="weekend (周末不写报告)",
        stages={}, prompt_tokens=0, completion_tokens=0, page_id=None, finished_at=None),
    run(run_id="eeeeeeeeeeee", started_at="2026-11-26T23:59:00", attempt=4),
]


def test_table_aligns_by_display_width() -> None:
    monthly = run(run_id="ffffffffffff", period="2026年11月", error="月报：失败", status="failed")
    rows = [*ROWS, monthly]
    lines = history_table(rows, SHANGHAI).splitlines()
    assert lines[0].split()[:3] == ["started", "period", "attempt"]
    assert set(lines[1]) <= {"-", " "}
    assert len(lines) == 2 + len(rows)
    # Run ids and notes start at the same terminal column on every row, CJK period or not.
    header = lines[0]
    run_id_at = display_width(header[: header.index("run id")])
    note_at = display_width(header[: header.index("notes")])
    for line, row in zip(lines[2:], rows, strict=True):
        assert display_width(line[: line.index(row.run_id)]) == run_id_at, line
        note = line[line.index(row.run_id) + len(row.run_id):].strip()
        if note:
            assert display_width(line[: line.index(note)]) == note_at, line


def test_table_cells() -> None:
    lines = history_table(ROWS, SHANGHAI).splitlines()
    running, failed, timeout, skipped, ok = lines[2:]
    assert running.startswith("11-28 08:00  2026-11-28")
    assert " running " in running and running.endswith("aaaaaaaaaaaa")
    assert "1.0s" in failed and "1234+567" in failed
    assert "模型返回了空白内容：请检查提示词 then retry" in failed  # newline flattened
    assert timeout.endswith("…") and display_width(timeout.split("cccccccccccc  ")[1]) == 60
    assert "weekend (周末不写报告)" in skipped and " - " in skipped and " skipped " in skipped
    assert ok.startswith("11-27 07:59") and "62.2s" in ok and "1a2b3c4d " in ok
    assert PAGE[:9] not in ok


def test_numbers_are_right_aligned() -> None:
    rows = [run(attempt=12, prompt_tokens=5, completion_tokens=6), run(attempt=3)]
    lines = history_table(rows, SHANGHAI).splitlines()
    ends = {line.index("5+6") + 3 for line in lines[2:3]} | {
        line.index("1234+567") + 8 for line in lines[3:4]}
    assert len(ends) == 1


def test_empty_history() -> None:
    assert history_table([], SHANGHAI) == "No runs recorded yet."
    assert json.loads(history_json([])) == []


def test_json_round_trips() -> None:
    text = history_json(ROWS)
    assert "周末不写报告" in text  # not \u-escaped
    data = json.loads(text)
    # JSON has lists where RunRow has tuples.
    assert [RunRow(**{**item, "sources": tuple(item["sources"])}) for item in data] == ROWS
    assert list(data[0]) == [f.name for f in dataclasses.fields(RunRow)]


def test_fit_counts_wide_characters() -> None:
    assert display_width("报告ab") == 6
    assert display_width("e\u0301") == 1
    assert fit("报告报告", 5) == "报告…"
    assert display_width(fit("报告报告报告", 6)) <= 6
    assert fit("short", 60) == "short"


def lines(**kwargs: Any) -> list[str]:
    args: dict[str, Any] = {"next_fire": "2026-11-28T00:00:00+00:00", "enabled": True,
                            "last": run(), "serve_pid": 123, "run_pid": None, "tz": SHANGHAI}
    return status_lines(**{**args, **kwargs})


def test_status_when_all_is_well() -> None:
    assert lines() == [
        "Next report: 2026-11-28 08:00 CST (Asia/Shanghai)",
        "Last run: 2026-11-27 08:00 · period 2026-11-27 · ok · page 1a2b3c4d",
        "Daemon: running (pid 123)",
        "No run in progress",
    ]


def test_status_disabled_nothing_yet_and_running() -> None:
    assert lines(enabled=False, last=None, serve_pid=None, run_pid=456) == [
        "Scheduler disabled (scheduler.enabled = false)",
        "No runs yet",
        "Daemon: not running",
        "A run is in progress (pid 456)",
    ]


def test_status_edge_cases() -> None:
    assert lines(next_fire=None)[0] == "Next report: none scheduled"
    local = lines(next_fire="2026-11-28T08:00:00+08:00")[0]
    assert local.startswith("Next report: 2026-11-28 08:00")
    assert lines(next_fire="soon")[0] == "Next report: soon (Asia/Shanghai)"
    assert lines(tz=ZoneInfo("UTC"))[0] == "Next report: 2026-11-28 00:00 UTC (UTC)"
    assert lines(serve_pid=-1, run_pid=-1)[2:] == [
        "Daemon: running (pid unknown)", "A run is in progress (pid unknown)"]
    failed = lines(last=run(status="failed", page_id=None, error="HTTP 503\n" + "y" * 100))[1]
    assert failed.startswith("Last run: 2026-11-27 08:00 · period 2026-11-27 · failed · HTTP 503 y")
    assert failed.endswith("…") and "page" not in failed
    skipped = lines(last=run(status="skipped", attempt=0, page_id=None, reason="weekend"))[1]
    assert skipped.endswith("· skipped · weekend")


def test_what_was_kept_from_the_model_is_a_note() -> None:
    private = run(privacy={"excluded": 2, "email": 2, "phone": 1})
    failed = run(status="failed", error="HTTP 503", privacy={"phone": 1})
    table = history_table([private, failed, run()], SHANGHAI).splitlines()
    assert table[2].endswith("0123456789ab  private: 2 excluded, 3 redacted (phone 1, email 2)")
    assert table[3].endswith("HTTP 503 · private: 1 redacted (phone 1)")
    assert table[4].endswith("0123456789ab")
    assert json.loads(history_json([private]))[0]["privacy"] == {
        "excluded": 2, "email": 2, "phone": 1}


def test_a_run_built_from_other_reports_names_them() -> None:
    built = run(job="monthly", period="2026-11", sources=("2026-W45", "2026-W46"))
    failed = run(job="monthly", status="failed", error="boom", sources=("2026-W45",))
    plain = run(job="monthly")
    lines = history_table([built, failed, plain], SHANGHAI, {"monthly": "weekly"}).splitlines()
    assert lines[2].endswith("0123456789ab  from weekly: 2026-W45, 2026-W46")
    assert lines[3].endswith("boom")  # an error says more than the sources
    assert lines[4].endswith("0123456789ab")
    assert history_table([built], SHANGHAI).splitlines()[2].endswith(
        "from reports: 2026-W45, 2026-W46")  # the job is no longer configured
