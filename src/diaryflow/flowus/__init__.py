"""The FlowUs API: a client with its transport, pacing and whole-tree fetching."""

from typing import TYPE_CHECKING

from diaryflow.lazy import lazy_exports

if TYPE_CHECKING:
    from diaryflow.flowus.client import FlowUsClient

__all__ = ["FlowUsClient"]
__getattr__ = lazy_exports(__name__, ".client", __all__)
