"""Validating the values of a config: defaults, exact one-line errors, normal forms, warnings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from diaryflow.config.load import secrets
from diaryflow.config.schema import SECTIONS
from diaryflow.errors import ConfigError
from tests.config.helpers import LEGACY_PAGE, build


def error_of(data: dict[str, Any], env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        build(data, env)
    return str(caught.value)


def test_defaults_match_the_interface() -> None:
    config = build({})
    assert config.flowus.base_url == "https://api.flowus.cn"
    assert config.siliconflow.base_url == "https://api.siliconflow.cn/v1"
    assert config.scheduler.time == dt.time(8, 0)
    assert (config.scheduler.max_retries, config.scheduler.retry_interval) == (3, 300)
    assert config.output.output_dir == Path("/srv/diary/outputs")
    assert config.logging.dir == Path("/srv/diary/logs")
    assert config.state.path == Path("/srv/diary/diaryflow.db")
    assert config.warnings == () and secrets(config) == ()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"scheduler": {"time": "25:00"}},
            'scheduler.time = "25:00": expected HH:MM (00:00–23:59)',
        ),
        (
            {"scheduler": {"time": "08:60"}},
            'scheduler.time = "08:60": expected HH:MM (00:00–23:59)',
        ),
        ({"scheduler": {"time": "8"}}, 'scheduler.time = "8": expected HH:MM (00:00–23:59)'),
        ({"scheduler": {"max_retries": -1}}, "scheduler.max_retries = -1: expected an integer ≥ 0"),
        (
            {"scheduler": {"max_retries": 3.5}},
            "scheduler.max_retries = 3.5: expected an integer ≥ 0",
        ),
        (
            {"scheduler": {"max_retries": True}},
            "scheduler.max_retries = true: expected an integer ≥ 0",
        ),
        (
            {"database": {"recent_days": 0}},
            "database.recent_days = 0: expected an integer from 1 to 366",
        ),
        (
            {"flowus": {"parent_page_id": "abc"}},
            'flowus.parent_page_id = "abc": expected a FlowUs page id '
            "(UUID like 8-4-4-4-12 hex) or page URL",
        ),
        ({"scheduler": {"enabled": "yes"}}, 'scheduler.enabled = "yes": expected true or false'),
        ({"scheduler": {"enabled": 1}}, "scheduler.enabled = 1: expected true or false"),
        (
            {"scheduler": {"timezone": "Asia/Shangai"}},
            'scheduler.timezone = "Asia/Shangai": unknown timezone; expected an IANA name like '
            "Asia/Shanghai (did you mean Asia/Shanghai?)",
        ),
        (
            {"api_settings": {"temperature": 2.5}},
            "api_settings.temperature = 2.5: expected a number from 0 to 2",
        ),
        ({"api_settings": {"top_p": 0}}, "api_settings.top_p = 0: expected a number > 0 and ≤ 1"),
        (
            {"api_settings": {"max_tokens": 0}},
            "api_settings.max_tokens = 0: expected an integer > 0",
        ),
        (
            {"api_settings": {"frequency_penalty": "0.5"}},
            'api_settings.frequency_penalty = "0.5": expected a number from -2 to 2',
        ),
        (
            {"database": {"page_size": 101}},
            "database.page_size = 101: expected an integer from 1 to 100",
        ),
        (
            {"flowus": {"concurrency": 0}},
            "flowus.concurrency = 0: expected an integer from 1 to 64",
        ),
        (
            {"scheduler": {"retry_backoff": 0.5}},
            "scheduler.retry_backoff = 0.5: expected a number ≥ 1",
        ),
        (
            {"block_settings": {"text_color": "purpel"}},
            'block_settings.text_color = "purpel": expected one of default, gray, brown, orange, '
            "yellow, green, blue, purple, pink, red (did you mean purple?)",
        ),
        (
            {"logging": {"level": "verbose"}},
            'logging.level = "verbose": expected one of DEBUG, INFO, WARNING, ERROR',
        ),
        (
            {"notify": {"webhook_url": "ftp://hooks.example/abc"}},
            "notify.webhook_url: expected an http(s) URL like https://api.example.com",
        ),
        (
            {"flowus": {"token": "two words"}},
            "flowus.token: expected a token string without spaces",
        ),
        ({"scheduler": "daily"}, 'scheduler = "daily": expected a table: a [scheduler] section'),
    ],
)
def test_bad_values_give_one_exact_line(data: dict[str, Any], message: str) -> None:
    assert error_of(data) == message


def test_error_from_the_environment_names_the_variable() -> None:
    message = error_of({}, env={"FLOWUS_BASE_URL": "api.flowus.cn"})
    assert (
        message
        == 'FLOWUS_BASE_URL = "api.flowus.cn": expected an http(s) URL like https://api.example.com'
    )


def test_error_text_stays_on_one_line() -> None:
    assert "\n" not in error_of({"scheduler": {"time": "08:00\n09:00"}})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8:00", dt.time(8, 0)),
        ("08:00", dt.time(8, 0)),
        ("23:59", dt.time(23, 59)),
        (" 0:05 ", dt.time(0, 5)),
    ],
)
def test_scheduler_time_forms(text: str, expected: dt.time) -> None:
    assert build({"scheduler": {"time": text}}).scheduler.time == expected


@pytest.mark.parametrize(
    "value",
    [
        "0A1B2C3D4E5F4A6B8C7D9E0F1A2B3C4D",
        "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "https://flowus.cn/space/0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d",
        "https://flowus.cn/space/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/?code=X#block",
    ],
)
def test_page_ids_are_normalised(value: str) -> None:
    config = build({"flowus": {"url": value, "parent_page_id": value, "database_id": value}})
    assert config.flowus.page_id == config.flowus.parent_page_id == LEGACY_PAGE
    assert config.flowus.database_id == LEGACY_PAGE


def test_blank_optional_values_mean_unset() -> None:
    config = build({"flowus": {"token": " ", "url": "", "parent_page_id": ""}})
    assert config.flowus.token is None and config.flowus.page_id is None


def test_unknown_keys_warn_with_a_suggestion() -> None:
    config = build(
        {"scheduler": {"tmie": "09:00"}, "flowsu": {}, "flowus": {"model": "x"}, "token": "x"}
    )
    assert config.warnings == (
        "unknown key scheduler.tmie (did you mean scheduler.time?)",
        "unknown section [flowsu] (did you mean [flowus]?)",
        "unknown key flowus.model (did you mean siliconflow.model?)",
        "unknown key token outside any section (did you mean flowus.token or siliconflow.token "
        "or web.token?)",
    )
    assert config.scheduler.time == dt.time(8, 0)


def test_base_url_corrections() -> None:
    config = build(
        {
            "flowus": {"base_url": "https://api-test.allflow.cn/v1/"},
            "siliconflow": {"base_url": "https://api.siliconflow.com/v1/chat/completions"},
        }
    )
    assert config.flowus.base_url == "https://api-test.allflow.cn"
    assert config.siliconflow.base_url == "https://api.siliconflow.com/v1"
    assert config.warnings == (
        "siliconflow.base_url ends in /chat/completions; using https://api.siliconflow.com/v1",
    )


def test_conflicting_page_id_and_url() -> None:
    message = error_of(
        {"flowus": {"url": LEGACY_PAGE, "page_id": "5f6e7d8c9b0a4f1e8d2c3b4a59687766"}}
    )
    assert message.startswith(
        'flowus.page_id = "5f6e7d8c9b0a4f1e8d2c3b4a59687766": expected the same page'
    )


ODD_VALUES: list[object] = [True, "x", 3.5, -1, [], {}, dt.time(7, 30, 5)]


@pytest.mark.parametrize("value", ODD_VALUES, ids=repr)
def test_any_value_gives_a_config_or_one_config_error_line(value: object) -> None:
    for section, model in SECTIONS.items():
        for key in model.model_fields:
            try:
                config = build({section: {key: value}})
            except ConfigError as exc:
                assert "\n" not in str(exc)
                assert str(exc).startswith(f"{section}.{key}"), str(exc)
            else:
                assert isinstance(getattr(config, section), BaseModel)
