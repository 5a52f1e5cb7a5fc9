"""FlowUs-compatible sandbox server and the bundled Chinese sample workspace."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from diaryflow.sandbox.faults import Fault
    from diaryflow.sandbox.flowus_server import FlowUsSandbox
    from diaryflow.sandbox.http_handler import RecordedRequest
    from diaryflow.sandbox.openai_server import OpenAISandbox
    from diaryflow.sandbox.sample import sample_workspace
    from diaryflow.sandbox.scaled import scaled_workspace
    from diaryflow.sandbox.workspace import Workspace

__all__ = [
    "Fault",
    "FlowUsSandbox",
    "OpenAISandbox",
    "RecordedRequest",
    "Workspace",
    "sample_workspace",
    "scaled_workspace",
]
# Imported on first use, so ``python -m diaryflow.sandbox.<module>`` runs without warnings.
_HOMES = {
    "Fault": "faults",
    "FlowUsSandbox": "flowus_server",
    "OpenAISandbox": "openai_server",
    "RecordedRequest": "http_handler",
    "Workspace": "workspace",
    "sample_workspace": "sample",
    "scaled_workspace": "scaled",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
