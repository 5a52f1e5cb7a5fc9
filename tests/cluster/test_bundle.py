"""A tenant's sealed bundle: read without the environment, opened again by a worker."""

from __future__ import annotations

import json
import stat
from datetime import time
from pathlib import Path

import pytest

from diaryflow.cluster.bundle import (
    bundle_json,
    open_bundle,
    read_bundle,
    schedule_config,
    schedule_of,
)
from diaryflow.config.load import report_jobs
from diaryflow.errors import ConfigError
from tests.cluster.tenant_files import (
    DAILY_PROMPT,
    FLOWUS_TOKEN,
    JOB_WEBHOOK,
    MODEL_KEY,
    SECRETS,
    WEBHOOK,
    WEEKLY_PROMPT,
    write_tenant_config,
)


def test_the_bundle_holds_the_config_and_every_prompt(tmp_path: Path) -> None:
    bundle = read_bundle(write_tenant_config(tmp_path / "user"))
    assert bundle.data["flowus"]["token"] == FLOWUS_TOKEN
    assert bundle.prompts == {"report.prompt_file": DAILY_PROMPT,
                              "jobs[1].prompt_file": DAILY_PROMPT,
                              "jobs[2].prompt_file": WEEKLY_PROMPT}
    text = bundle_json(bundle)
    assert all(secret in text for secret in SECRETS)  # the whole config: it gets encrypted


def test_the_cluster_environment_never_reaches_a_tenant(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SILICONFLOW_API_KEY", "sk-the-clusters-own-key-000000000000")
    monkeypatch.setenv("FLOWUS_TOKEN", "cluster-flowus-token-0000000000000000000")
    config = open_bundle(bundle_json(read_bundle(write_tenant_config(tmp_path / "u"))),
                         tmp_path / "work")
    assert config.flowus.token is not None and config.siliconflow.token is not None
    assert config.flowus.token.get_secret_value() == FLOWUS_TOKEN
    assert config.siliconflow.token.get_secret_value() == MODEL_KEY
    assert config.from_env == ()


def test_a_tenant_without_its_own_flowus_token_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWUS_TOKEN", "cluster-flowus-token-0000000000000000000")
    path = write_tenant_config(tmp_path)
    path.write_text(path.read_text().replace(f'token = "{FLOWUS_TOKEN}"', ""))
    with pytest.raises(ConfigError, match=r"^flowus.token: not set in .*own FlowUs token"):
        read_bundle(path)


def test_a_missing_prompt_file_is_one_line_naming_its_key(tmp_path: Path) -> None:
    path = write_tenant_config(tmp_path, weekly_prompt=False)
    with pytest.raises(ConfigError) as caught:
        read_bundle(path)
    message = str(caught.value)
    assert message.startswith('jobs[2].prompt_file = "') and "weekly.md" in message
    assert "file not found" in message and "\n" not in message


def test_an_invalid_config_is_the_loaders_one_line(tmp_path: Path) -> None:
    path = write_tenant_config(tmp_path)
    path.write_text(path.read_text().replace('"Europe/Berlin"', '"Mars/Olympus"'))
    with pytest.raises(ConfigError, match=r'^scheduler.timezone = "Mars/Olympus"'):
        read_bundle(path)


def test_the_schedule_holds_no_secret_and_gives_the_jobs(tmp_path: Path) -> None:
    bundle = read_bundle(write_tenant_config(tmp_path))
    schedule = schedule_of(bundle)
    text = json.dumps(schedule)
    assert not [secret for secret in SECRETS if secret in text]
    assert set(schedule) == {"scheduler", "jobs"}  # [report] has no job name here
    assert "webhook_url" not in text and "token" not in text
    config = schedule_config(json.loads(text))
    assert [job.name for job in report_jobs(config)] == ["daily", "weekly"]
    assert config.scheduler.timezone == "Europe/Berlin"
    assert config.scheduler.time == time(7, 30)
    assert config.jobs[1].time == time(9, 15) and config.jobs[1].on == "monday"
    assert config.flowus.token is None and config.jobs[1].webhook_url is None


def test_a_schedule_without_jobs_names_the_default_job(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[flowus]\ntoken = "{FLOWUS_TOKEN}"\n[report]\njob = "morning"\n')
    schedule = schedule_of(read_bundle(path))
    assert schedule == {"report": {"job": "morning"}}
    assert [job.name for job in report_jobs(schedule_config(schedule))] == ["morning"]


def test_an_opened_bundle_runs_inside_its_private_workdir(tmp_path: Path) -> None:
    source = write_tenant_config(tmp_path / "user")
    text = bundle_json(read_bundle(source))
    for path in (tmp_path / "user").rglob("*"):  # the user's files are no longer needed
        if path.is_file():
            path.unlink()
    work = tmp_path / "work" / "tenant-1"
    config = open_bundle(text, work)
    assert stat.S_IMODE(work.stat().st_mode) == 0o700
    assert config.report.prompt_file is not None
    assert config.report.prompt_file.read_text(encoding="utf-8") == DAILY_PROMPT
    assert config.jobs[1].prompt_file is not None
    assert config.jobs[1].prompt_file.read_text(encoding="utf-8") == WEEKLY_PROMPT
    assert stat.S_IMODE(config.jobs[1].prompt_file.stat().st_mode) == 0o600
    for inside in (config.output.output_dir, config.state.path, config.logging.dir,
                   config.report.prompt_file, config.jobs[0].prompt_file):
        assert inside is not None and inside.is_relative_to(work.resolve())
    assert config.jobs[1].webhook_url is not None
    assert config.jobs[1].webhook_url.get_secret_value() == JOB_WEBHOOK
    assert config.notify.webhook_url is not None
    assert config.notify.webhook_url.get_secret_value() == WEBHOOK
    assert config.privacy.exclude_values == ("私密",)
    assert config.scheduler.time == time(7, 30)


def test_a_bundle_of_another_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a configuration bundle"):
        open_bundle(json.dumps({"format": 99, "config": {}}), tmp_path / "w")
