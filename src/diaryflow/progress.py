"""Where long stages report how far they have got (the terminal display implements it)."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Where collect, generate and publish report how far they have got."""

    def stage(self, label: str, total: int | None) -> None:
        """A new stage begins with ``total`` steps (None when unknown)."""

    def advance(self, steps: int = 1) -> None:
        """``steps`` more steps of the current stage are done."""


class NoProgress:
    """A progress sink that shows nothing."""

    def stage(self, label: str, total: int | None) -> None:
        """Ignore the stage."""

    def advance(self, steps: int = 1) -> None:
        """Ignore the step."""
