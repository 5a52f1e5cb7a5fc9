"""The built-in Chinese prompt templates, one per period kind, shipped in ``diaryflow/data``."""

from __future__ import annotations

from functools import cache
from importlib import resources

# Package file per period kind; rolling is the original review prompt, unchanged.
BUILT_IN = {
    "rolling": "prompt.zh.md",
    "day": "prompt.day.zh.md",
    "week": "prompt.week.zh.md",
    "month": "prompt.month.zh.md",
    "year": "prompt.year.zh.md",
}
# The names `diaryflow init --templates DIR` gives the copies.
COPY_NAMES = {
    "rolling": "rolling.md",
    "day": "daily.md",
    "week": "weekly.md",
    "month": "monthly.md",
    "year": "yearly.md",
}


@cache
def builtin_template(kind: str) -> str:
    """The built-in template for a period kind (rolling, day, week, month or year)."""
    return (resources.files("diaryflow") / "data" / BUILT_IN[kind]).read_text(encoding="utf-8")
