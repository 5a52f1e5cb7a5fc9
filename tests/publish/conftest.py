"""Fixtures the publish tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from diaryflow.state.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "state.db")
