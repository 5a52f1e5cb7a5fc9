"""The FlowUs API: a client with its transport, pacing and whole-tree fetching."""

from diaryflow.flowus.client import FlowUsClient

__all__ = ["FlowUsClient"]
