"""The colours FlowUs accepts for text and block backgrounds."""

from __future__ import annotations

COLORS = (
    "default",
    "gray",
    "brown",
    "orange",
    "yellow",
    "green",
    "blue",
    "purple",
    "pink",
    "red",
)
