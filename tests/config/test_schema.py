"""The shape of config.toml: every field described, the whole configuration frozen."""

from __future__ import annotations

import pytest

from diaryflow.config.schema import SECTIONS
from tests.config.helpers import build


def test_config_is_frozen() -> None:
    config = build({})
    with pytest.raises(ValueError):
        config.scheduler.max_retries = 5


def test_every_field_describes_what_it_expects() -> None:
    for section, model in SECTIONS.items():
        for key, field in model.model_fields.items():
            assert field.description, f"{section}.{key}"
