"""Loading config.toml from disk: the file, its folder, the environment, the shipped example."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from importlib import resources
from pathlib import Path

import pytest

from diaryflow.config.job_settings import JobSettings
from diaryflow.config.load import (
    config_from_mapping,
    load_config,
    require_flowus_token,
    secrets,
)
from diaryflow.config.schema import SECTIONS
from diaryflow.errors import ConfigError
from tests.config.helpers import LEGACY_PAGE, build, write

FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_legacy_file_loads_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    shutil.copy(FIXTURES / "legacy_config.toml", path)
    config = load_config(path, env={})
    assert config.source == path
    assert require_flowus_token(config) == "flowus-placeholder"
    assert config.flowus.url is not None and config.flowus.url.endswith("?code=ABC123")
    assert config.flowus.page_id == LEGACY_PAGE
    assert config.flowus.parent_page_id == "5f6e7d8c-9b0a-4f1e-8d2c-3b4a59687766"
    assert config.siliconflow.model == "deepseek-ai/DeepSeek-V3.2"
    assert config.api_settings.max_tokens == 8192
    assert config.block_settings.include_source is True
    assert config.scheduler.time == dt.time(8, 0)
    assert config.scheduler.tz.key == "Asia/Shanghai"
    assert config.output.report_path == tmp_path / "outputs" / "local.md"
    assert config.output.data_path == tmp_path / "outputs" / "data.log"
    assert config.warnings == (
        "[mysql] is ignored: diaryflow keeps its state in SQLite (see [state] path)",
    )
    assert "mysql.password" in config.secrets_in_file


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[flowus]\ntoken = "from-file"\n[siliconflow]\ntoken = "file-key"\n')
    env = {
        "FLOWUS_TOKEN": "Bearer from-env",
        "SILICONFLOW_API_KEY": "env-key",
        "FLOWUS_BASE_URL": "http://127.0.0.1:9000/v1/",
        "SILICONFLOW_BASE_URL": "http://127.0.0.1:9001/v1",
    }
    config = load_config(path, env)
    assert require_flowus_token(config) == "from-env"
    assert secrets(config) == ("from-env", "env-key")
    assert config.flowus.base_url == "http://127.0.0.1:9000"
    assert config.siliconflow.base_url == "http://127.0.0.1:9001/v1"
    assert config.from_env == tuple(
        ["flowus.token", "siliconflow.token", "flowus.base_url", "siliconflow.base_url"]
    )


def test_empty_environment_values_are_ignored() -> None:
    config = build({"flowus": {"token": "file"}}, env={"FLOWUS_TOKEN": "  "})
    assert require_flowus_token(config) == "file" and config.from_env == ()


def test_config_path_comes_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path / "elsewhere", "[database]\nrecent_days = 30\n", "my.toml")
    config = load_config(env={"DIARYFLOW_CONFIG": str(path)})
    assert config.source == path and config.database.recent_days == 30


def test_relative_paths_resolve_against_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "app"
    text = (
        '[output]\noutput_dir = "out"\n[logging]\ndir = "../shared/logs"\n'
        '[state]\npath = "/var/lib/d.db"\n'
    )
    path = write(folder, text)
    monkeypatch.chdir(tmp_path)  # somewhere else
    config = load_config(Path("app/config.toml"), env={})
    assert config.base_dir == folder.resolve()
    assert config.output.output_dir == folder.resolve() / "out"
    assert config.logging.dir == (tmp_path / "shared" / "logs").resolve()
    assert config.state.path == Path("/var/lib/d.db")
    assert config.source == path.absolute()


def example_path() -> Path:
    return Path(str(resources.files("diaryflow") / "data" / "config.example.toml"))


def test_example_file_loads_and_equals_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    shutil.copy(example_path(), path)
    config = load_config(path, env={})
    assert config.warnings == ()
    defaults = config_from_mapping({}, tmp_path)
    assert config.model_copy(update={"source": None}) == defaults


def test_example_file_shows_every_key() -> None:
    text = example_path().read_text(encoding="utf-8")
    for section, model in SECTIONS.items():
        assert f"[{section}]" in text
        for key in model.model_fields:
            if key != "page_id":  # derived from url
                assert re.search(rf"^(# )?{key} = ", text, re.M), f"{section}.{key}"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert (
        str(caught.value)
        == f'config = "{path}": file not found; run `diaryflow init` to create one'
    )


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "[scheduler]\nenabled = true\ntime = 08:00\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    message = str(caught.value)
    assert message.startswith(f'config = "{path}": invalid TOML at line 3, column ')
    assert "\n" not in message


def test_file_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes("\ufeff[database]\nrecent_days = 3\n".encode())
    assert load_config(path, env={}).database.recent_days == 3


def test_require_flowus_token_when_missing() -> None:
    with pytest.raises(ConfigError) as caught:
        require_flowus_token(build({}))
    assert str(caught.value) == (
        "flowus.token: not set: put the integration token in config.toml or FLOWUS_TOKEN"
    )


def test_the_example_jobs_load_once_uncommented(tmp_path: Path) -> None:
    text = example_path().read_text(encoding="utf-8")
    sample = text[text.index("# [[jobs]]"):]
    uncommented = "\n".join(line.removeprefix("# ") if line != "#" else ""
                            for line in sample.splitlines())
    path = write(tmp_path, text[:text.index("# [[jobs]]")] + uncommented)
    config = load_config(path, env={})
    assert config.warnings == ()
    weekly, monthly = config.jobs
    assert (weekly.name, weekly.period, weekly.on, weekly.time) == ("weekly", "week", "monday",
                                                                    dt.time(9, 0))
    assert (monthly.name, monthly.period, monthly.on, monthly.source_job) == (
        "monthly", "month", "1", "weekly")
    for key in JobSettings.model_fields:  # every key of a job is explained in the sample
        assert re.search(rf"^# (# )?{key} = ", sample, re.M), key
