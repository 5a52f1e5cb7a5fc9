"""The commands as a user runs them, offline: help, checking a config, init, the demo."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from tests.helpers import END, LEGACY, diaryflow, scheduler


def test_help_lists_every_command() -> None:
    result = diaryflow("--help")
    assert result.returncode == 0
    for command in (
        "demo",
        "init",
        "check",
        "run",
        "export",
        "serve",
        "history",
        "status",
        "deploy",
    ):
        assert command in result.stdout


def test_scheduler_py_help_names_the_original_flags(tmp_path: Path) -> None:
    result = scheduler("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "--run-once" in result.stdout and "--test-config" in result.stdout


def test_legacy_config_passes_test_config_without_showing_secrets(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    shutil.copy(LEGACY, config)
    config.chmod(0o600)
    result = scheduler("--test-config", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Configuration OK" in result.stdout
    assert "[mysql]" in result.stderr
    assert "flowus-placeholder" not in result.stdout + result.stderr
    assert "sf-placeholder" not in result.stdout + result.stderr
    assert "ABC123" not in result.stdout  # the page URL's share code
    assert "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d?****" in result.stdout


def test_a_readable_secret_file_is_warned_about(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    shutil.copy(LEGACY, config)
    config.chmod(0o644)
    result = diaryflow("check", "--config", str(config))
    assert result.returncode == 0
    assert "chmod 600" in result.stderr


@pytest.mark.parametrize(
    ("section", "line", "message"),
    [
        ("scheduler", 'time = "25:00"', 'scheduler.time = "25:00": expected HH:MM (00:00–23:59)'),
        ("scheduler", 'timezone = "Mars/Base"', 'scheduler.timezone = "Mars/Base": unknown'),
        ("scheduler", "max_retries = -1", "scheduler.max_retries = -1: expected"),
        ("database", "recent_days = 0", "database.recent_days = 0: expected"),
        ("flowus", 'parent_page_id = "abc"', 'flowus.parent_page_id = "abc": expected'),
    ],
)
def test_bad_values_give_one_line_and_exit_2(
    tmp_path: Path, section: str, line: str, message: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[{section}]\n{line}\n", encoding="utf-8")
    for result in (
        diaryflow("check", "--config", str(config)),
        diaryflow("export", "--config", str(config)),
    ):
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], result.stderr


def test_unknown_key_is_a_warning_with_a_suggestion(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    shutil.copy(LEGACY, config)
    config.write_text(config.read_text(encoding="utf-8").replace(
        "[scheduler]\n", '[scheduler]\ntmie = "08:00"\n'), encoding="utf-8")
    result = diaryflow("check", "--config", str(config))
    assert result.returncode == 0
    assert "did you mean scheduler.time?" in result.stderr


def test_a_missing_config_file_is_exit_2(tmp_path: Path) -> None:
    result = diaryflow("check", cwd=tmp_path)
    assert result.returncode == 2
    assert "diaryflow init" in result.stderr and "Traceback" not in result.stderr


def test_init_writes_a_private_config_and_will_not_overwrite(tmp_path: Path) -> None:
    assert diaryflow("init", cwd=tmp_path).returncode == 0
    config = tmp_path / "config.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert diaryflow("check", cwd=tmp_path).returncode == 2  # nothing filled in yet
    again = diaryflow("init", cwd=tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr


def test_check_after_init_says_what_each_command_lacks(tmp_path: Path) -> None:
    assert diaryflow("init", cwd=tmp_path).returncode == 0
    for result in (diaryflow("check", cwd=tmp_path), scheduler("--test-config", cwd=tmp_path)):
        assert result.returncode == 2 and "Configuration OK" not in result.stdout
        lines = {line.split(":")[0]: line for line in result.stdout.splitlines()
                 if line.startswith(("export:", "run:", "serve:"))}
        assert set(lines) == {"export", "run", "serve"}
        for command in ("export", "run", "serve"):
            assert "cannot run" in lines[command] and "flowus.token" in lines[command]
            assert "flowus.url or flowus.database_id" in lines[command]
        assert "flowus.parent_page_id" not in lines["export"]
        assert "flowus.parent_page_id" in lines["run"] and "flowus.parent_page_id" in lines["serve"]
        (error,) = result.stderr.strip().splitlines()
        assert error.startswith("diaryflow: error: export, run and serve cannot work yet: set ")
        assert "Traceback" not in result.stderr


def test_check_names_the_one_setting_left(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    text = LEGACY.read_text(encoding="utf-8")
    config.write_text("\n".join(line for line in text.splitlines()
                                if not line.startswith("parent_page_id")), encoding="utf-8")
    config.chmod(0o600)
    result = diaryflow("check", "--config", str(config))
    assert result.returncode == 2
    assert "export: ready" in result.stdout
    assert "run: cannot run: set flowus.parent_page_id" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == (
        "diaryflow: error: run and serve cannot work yet: set flowus.parent_page_id")
    whole = tmp_path / "whole" / "config.toml"
    whole.parent.mkdir()
    shutil.copy(LEGACY, whole)
    full = diaryflow("check", "--config", str(whole))
    assert "run: ready (reports by " in full.stdout
    assert "serve: ready (a report every day at 08:00 Asia/Shanghai)" in full.stdout


def test_demo_runs_offline(tmp_path: Path) -> None:
    result = diaryflow("demo", "--dir", str(tmp_path / "demo"), "--date", END.isoformat())
    assert result.returncode == 0, result.stderr
    outputs = tmp_path / "demo" / "outputs"
    assert "## 2026-11-27" in (outputs / "data.log").read_text(encoding="utf-8")
    local = (outputs / "local.md").read_text(encoding="utf-8")
    assert "# AI生成内容 - 2026-11-27" in local and "本报告未使用 AI 生成" in local
    assert "本报告未使用 AI 生成" in result.stdout
    assert "Created 「AI生成内容 - 2026-11-27」" in result.stdout
