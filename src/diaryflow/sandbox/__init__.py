"""FlowUs-compatible sandbox server and the bundled Chinese sample workspace."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from diaryflow.sandbox.flowus.faults import Fault
    from diaryflow.sandbox.flowus.handler import RecordedRequest
    from diaryflow.sandbox.flowus.server import FlowUsSandbox
    from diaryflow.sandbox.flowus.workspace import Workspace
    from diaryflow.sandbox.openai.server import OpenAISandbox
    from diaryflow.sandbox.sample.load import sample_workspace
    from diaryflow.sandbox.sample.scaled import scaled_workspace
    from diaryflow.sandbox.sample.tenants import tenant_workspace, tenant_workspaces

__all__ = [
    "Fault",
    "FlowUsSandbox",
    "OpenAISandbox",
    "RecordedRequest",
    "Workspace",
    "sample_workspace",
    "scaled_workspace",
    "tenant_workspace",
    "tenant_workspaces",
]
# Imported on first use, so ``python -m diaryflow.sandbox.<module>`` runs without warnings.
_HOMES = {
    "Fault": "flowus.faults",
    "FlowUsSandbox": "flowus.server",
    "OpenAISandbox": "openai.server",
    "RecordedRequest": "flowus.handler",
    "Workspace": "flowus.workspace",
    "sample_workspace": "sample.load",
    "scaled_workspace": "sample.scaled",
    "tenant_workspace": "sample.tenants",
    "tenant_workspaces": "sample.tenants",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
