from __future__ import annotations

from pathlib import Path

import pytest

from diaryflow.cluster.settings import (
    ClusterSettings,
    LimitSettings,
    cluster_settings_from_mapping,
    load_cluster_settings,
)
from diaryflow.errors import EXIT_CONFIG, ConfigError
from diaryflow.state.location import masked

DB = "postgresql://diaryflow@127.0.0.1:5432/diaryflow"
BROKER = "redis://127.0.0.1:6379/0"
ENV = {"DIARYFLOW_DATABASE_URL": DB, "DIARYFLOW_BROKER_URL": BROKER}
FILE = f'[cluster]\ndatabase_url = "{DB}"\nbroker_url = "{BROKER}"\n'


def test_the_environment_alone_is_enough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no cluster.toml here
    settings = load_cluster_settings(ENV)
    assert (settings.database_url, settings.broker_url) == (DB, BROKER)
    assert settings.from_env == ("DIARYFLOW_DATABASE_URL", "DIARYFLOW_BROKER_URL")
    assert settings.source is None and settings.limits == LimitSettings()


def test_the_default_file_is_read_from_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cluster.toml").write_text(FILE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = load_cluster_settings({})
    assert settings == ClusterSettings(DB, BROKER, source=tmp_path / "cluster.toml")


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text(FILE, encoding="utf-8")
    other = "redis://10.0.0.5:6380/2"
    settings = load_cluster_settings({"DIARYFLOW_BROKER_URL": other}, path)
    assert (settings.database_url, settings.broker_url) == (DB, other)
    assert settings.from_env == ("DIARYFLOW_BROKER_URL",)


@pytest.mark.parametrize(("env", "missing"), [
    ({"DIARYFLOW_BROKER_URL": BROKER}, "DIARYFLOW_DATABASE_URL"),
    ({"DIARYFLOW_DATABASE_URL": DB}, "DIARYFLOW_BROKER_URL"),
    ({"DIARYFLOW_DATABASE_URL": DB, "DIARYFLOW_BROKER_URL": "  "}, "DIARYFLOW_BROKER_URL"),
])
def test_a_missing_connection_is_one_line_naming_it(env: dict[str, str], missing: str) -> None:
    with pytest.raises(ConfigError) as caught:
        cluster_settings_from_mapping({}, env)
    message = str(caught.value)
    assert message.startswith(f"{missing}: not set") and "\n" not in message
    assert "[cluster]" in message and caught.value.exit_code == EXIT_CONFIG


def test_a_named_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^--cluster-config = .*nope.toml.*: file not found$"):
        load_cluster_settings(ENV, tmp_path / "nope.toml")


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cluster.toml"
    path.write_text("[cluster\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^--cluster-config = .*: invalid TOML"):
        load_cluster_settings(ENV, path)


@pytest.mark.parametrize(("key", "url", "problem"), [
    ("database_url", "127.0.0.1:5432/diaryflow", "expected a URL like postgresql://"),
    ("database_url", "mysql://u@h/db", "expected a URL like postgresql://"),
    ("database_url", "postgresql://u@h:port/db", "expected a URL like"),
    ("database_url", "postgresql:///diaryflow", "no host"),
    ("database_url", "postgresql://u@h:5432/", "no database name"),
    ("broker_url", "amqp://guest@h//", "expected a URL like redis://"),
    ("broker_url", "redis://", "no host"),
    ("broker_url", "redis://h:6379/zero", "the database must be a number"),
])
def test_a_malformed_url_is_one_line_naming_the_key(key: str, url: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        cluster_settings_from_mapping({"cluster": {**dict(zip(
            ("database_url", "broker_url"), (DB, BROKER), strict=True)), key: url}}, {})
    message = str(caught.value)
    assert message.startswith(f"cluster.{key}") and problem in message and "\n" not in message


def test_a_malformed_url_from_the_environment_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"^DIARYFLOW_BROKER_URL = .*expected a URL like redis"):
        cluster_settings_from_mapping({}, {**ENV, "DIARYFLOW_BROKER_URL": "http://h:1/0"})


def test_a_password_in_a_bad_url_is_never_shown() -> None:
    url = "postgresql://me:hunter2@db.example:5432/"
    with pytest.raises(ConfigError) as caught:
        cluster_settings_from_mapping({}, {**ENV, "DIARYFLOW_DATABASE_URL": url})
    assert "hunter2" not in str(caught.value) and "me:***@db.example:5432" in str(caught.value)
    assert masked("redis://:s3cret@h:6379/0") == "redis://:***@h:6379/0"
    assert masked(BROKER) == BROKER
    in_query = "postgresql://db.example:5432/?password=hunter2"
    with pytest.raises(ConfigError) as caught:
        cluster_settings_from_mapping({}, {**ENV, "DIARYFLOW_DATABASE_URL": in_query})
    assert "hunter2" not in str(caught.value) and "password=***" in str(caught.value)


def test_a_local_socket_url_is_accepted() -> None:
    url = "postgresql:///diaryflow?host=/var/run/postgresql"
    settings = cluster_settings_from_mapping({}, {**ENV, "DIARYFLOW_DATABASE_URL": url})
    assert settings.database_url == url


def test_unknown_keys_and_sections_are_warnings_with_a_suggestion() -> None:
    settings = cluster_settings_from_mapping(
        {"cluster": {"broker_ulr": "x"}, "limts": {}, "limits": {"model_tokens_per_minit": 5}},
        ENV,
    )
    assert settings.warnings == (
        "unknown key cluster.broker_ulr (did you mean cluster.broker_url?)",
        "unknown section [limts] (did you mean [limits]?)",
        "unknown key limits.model_tokens_per_minit (did you mean limits.model_tokens_per_minute?)",
    )


def test_limits_are_configurable_and_checked() -> None:
    settings = cluster_settings_from_mapping(
        {"limits": {"model_requests_per_minute": 300, "model_tokens_per_minute": 400_000}}, ENV
    )
    assert settings.limits == LimitSettings(model_requests_per_minute=300,
                                            model_tokens_per_minute=400_000)
    assert (settings.limits.flowus_reads_per_minute, settings.limits.flowus_writes_per_minute) \
        == (1000, 100)
    for bad in (0, -5, 2.5, "10", True):
        expected = r"^limits\.flowus_writes_per_minute = .*whole number"
        with pytest.raises(ConfigError, match=expected):
            cluster_settings_from_mapping({"limits": {"flowus_writes_per_minute": bad}}, ENV)


def test_a_section_that_is_not_a_table_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"^cluster: expected a table"):
        cluster_settings_from_mapping({"cluster": "redis://h"}, ENV)
