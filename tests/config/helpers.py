"""What the config tests share: the legacy page id, a config file on disk, a Config from a dict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from diaryflow.config.load import Config, config_from_mapping

LEGACY_PAGE = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"  # in tests/fixtures/legacy_config.toml


def write(folder: Path, text: str, name: str = "config.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def build(data: dict[str, Any], env: dict[str, str] | None = None) -> Config:
    return config_from_mapping(data, Path("/srv/diary"), env)
