"""Package entries imported on first use, so importing one module does not load its siblings."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, home: str, names: list[str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``names`` from the module ``home`` when asked."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(home, package), name)

    return __getattr__
