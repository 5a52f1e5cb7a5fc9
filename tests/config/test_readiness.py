"""What each command needs from the configuration: table tests of the pure readiness check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from diaryflow.config.load import config_from_mapping
from diaryflow.config.readiness import readiness

PAGE = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
PARENT = "5f6e7d8c-9b0a-4f1e-8d2c-3b4a59687766"
COMPLETE = {"flowus": {"token": "t" * 20, "url": f"https://flowus.cn/x/{PAGE}",
                       "parent_page_id": PARENT}}


def lines(tmp_path: Path, **sections: dict[str, Any]) -> dict[str, str]:
    data = {name: dict(values) for name, values in COMPLETE.items()}
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
        data[name] = {k: v for k, v in data[name].items() if v is not None}
    return {r.command: r.line() for r in readiness(config_from_mapping(data, base_dir=tmp_path))}


def test_a_complete_configuration_is_ready_everywhere(tmp_path: Path) -> None:
    got = lines(tmp_path)
    assert got["export"] == "export: ready"
    assert got["run"].startswith("run: ready (no siliconflow.token")
    assert got["serve"] == "serve: ready (a report every day at 08:00 Asia/Shanghai)"


@pytest.mark.parametrize(
    ("sections", "export", "run"),
    [
        ({"flowus": {"token": None}}, "flowus.token (or FLOWUS_TOKEN)",
         "flowus.token (or FLOWUS_TOKEN)"),
        ({"flowus": {"url": None}}, "flowus.url or flowus.database_id",
         "flowus.url or flowus.database_id"),
        ({"flowus": {"parent_page_id": None}}, None, "flowus.parent_page_id"),
        ({"flowus": {"url": None, "database_id": PAGE, "prompt_from_page": True}}, None,
         "flowus.url (flowus.prompt_from_page reads the prompt from it)"),
        ({"report": {"prompt_file": "missing.md"}}, None, "report.prompt_file"),
    ],
)
def test_each_missing_setting_is_named(
    tmp_path: Path, sections: dict[str, dict[str, Any]], export: str | None, run: str
) -> None:
    got = lines(tmp_path, **sections)
    if export is None:
        assert got["export"] == "export: ready"
    else:
        assert got["export"] == f"export: cannot run: set {export}"
    assert got["run"].startswith("run: cannot run: set ") and run in got["run"]
    assert got["serve"] == got["run"].replace("run:", "serve:", 1)


def test_notes_for_what_works_differently(tmp_path: Path) -> None:
    got = lines(tmp_path, scheduler={"enabled": False, "time": "7:30"},
                database={"enabled": False}, siliconflow={"token": "k" * 20, "model": "offline"})
    assert got["serve"] == "serve: ready (exits at once: scheduler.enabled = false)"
    assert got["export"] == "export: ready (switched off by database.enabled = false)"
    assert got["run"] == (
        'run: ready (siliconflow.model = "offline": reports are written without AI)')
    weekdays = lines(tmp_path, scheduler={"run_on_weekends": False, "timezone": "UTC"},
                     siliconflow={"token": "k" * 20})
    assert weekdays["serve"] == "serve: ready (a report Monday to Friday at 08:00 UTC)"
    assert weekdays["run"] == "run: ready (reports by deepseek-ai/DeepSeek-V3)"
