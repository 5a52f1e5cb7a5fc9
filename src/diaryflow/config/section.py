"""The base of every config.toml section model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """Base of every section: immutable, and no keys beyond the declared ones."""

    model_config = ConfigDict(frozen=True, extra="forbid")
