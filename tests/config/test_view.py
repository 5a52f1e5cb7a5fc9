"""What `diaryflow check` shows about a configuration: masked values and file permissions."""

from __future__ import annotations

from pathlib import Path

import pytest

from diaryflow.config.load import load_config
from diaryflow.config.view import mask, permission_warnings, settings_lines
from tests.config.helpers import build, write

LONG_TOKEN = "flowus-token-0123456789wxyz"


def test_describe_masks_secrets() -> None:
    config = build(
        {
            "flowus": {"token": f"Bearer {LONG_TOKEN}"},
            "notify": {"webhook_url": "https://h.example/x"},
        },
        env={"SILICONFLOW_API_KEY": "short-key"},
    )
    text = "\n".join(settings_lines(config))
    assert LONG_TOKEN not in text and LONG_TOKEN[:-4] not in text
    assert "short-key" not in text and "h.example" not in text
    assert "flowus.token = ****wxyz" in text
    assert "siliconflow.token = ****  (from SILICONFLOW_API_KEY)" in text
    assert "notify.webhook_url = ****" in text
    assert "flowus.parent_page_id = (not set)" in text
    assert 'scheduler.time = "08:00"' in text


@pytest.mark.parametrize(
    ("secret", "shown"), [("a" * 15, "****"), ("a" * 12 + "wxyz", "****wxyz"), ("", "****")]
)
def test_mask(secret: str, shown: str) -> None:
    assert mask(secret) == shown


def test_permission_warning_on_a_readable_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[flowus]\ntoken = "placeholder"\n')
    path.chmod(0o644)
    warnings = permission_warnings(load_config(path, env={}))
    assert len(warnings) == 1
    assert str(path) in warnings[0] and "0644" in warnings[0]
    assert warnings[0].endswith(f"chmod 600 {path}")
    path.chmod(0o600)
    assert permission_warnings(load_config(path, env={})) == []


def test_no_permission_warning_without_secrets_in_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[scheduler]\nenabled = true\n")
    path.chmod(0o644)
    assert permission_warnings(load_config(path, env={"FLOWUS_TOKEN": "from-env"})) == []
