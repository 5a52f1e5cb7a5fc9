"""The bundled Chinese sample workspace: load it shifted to an end date, or regenerate it.

Run ``python -m diaryflow.sandbox.sample.load`` to rewrite ``data/sample_workspace.json`` from
the texts (``--check`` only compares). The file's dates are anchored so that the newest
diary day is ``ANCHOR_DATE``; :func:`sample_workspace` moves every date and timestamp by
the same whole number of days so that the newest diary day becomes ``end_date``.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from diaryflow.sandbox.flowus.timestamps import today_shanghai
from diaryflow.sandbox.flowus.workspace import Workspace
from diaryflow.sandbox.sample.ids import (
    ANCHOR_DATE,
    BOT_USER_ID,
    DIARY_DATABASE_ID,
    OWNER_USER_ID,
    PRIVATE_PAGE_ID,
    PROBLEM_DATABASE_ID,
    PROJECT_DATABASE_ID,
    ROOT_PAGE_ID,
    RUNS_DATABASE_ID,
    SPACE_ID,
    WORKBENCH_PAGE_ID,
)

__all__ = [
    "ANCHOR_DATE",
    "BOT_USER_ID",
    "DIARY_DATABASE_ID",
    "OWNER_USER_ID",
    "PRIVATE_PAGE_ID",
    "PROBLEM_DATABASE_ID",
    "PROJECT_DATABASE_ID",
    "ROOT_PAGE_ID",
    "RUNS_DATABASE_ID",
    "SPACE_ID",
    "WORKBENCH_PAGE_ID",
    "sample_json",
    "sample_workspace",
]

DATA_NAME = "data/sample_workspace.json"


@functools.cache
def _sample_text() -> str:
    return resources.files("diaryflow.sandbox").joinpath(DATA_NAME).read_text("utf-8")


def sample_json() -> dict[str, Any]:
    """Return a fresh copy of the bundled sample's JSON, at its anchor dates."""
    loaded: dict[str, Any] = json.loads(_sample_text())
    return loaded


def sample_workspace(end_date: date | None = None) -> Workspace:
    """Load the sample with every date shifted so its newest diary day is ``end_date``.

    ``end_date`` defaults to today in Asia/Shanghai.
    """
    target = end_date or today_shanghai()
    data = sample_json()
    anchor = date.fromisoformat(data["anchor_date"])
    return Workspace(data).shift_days((target - anchor).days)


def render_sample() -> str:
    """Generate the sample JSON text from the hand-written sources."""
    from diaryflow.sandbox.sample.build import build_sample

    return json.dumps(build_sample(), ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Regenerate (or with ``--check`` verify) the committed sample JSON."""
    parser = argparse.ArgumentParser(description="regenerate data/sample_workspace.json")
    parser.add_argument("--check", action="store_true", help="only compare, exit 1 if stale")
    args = parser.parse_args(argv)
    path = Path(__file__).parents[1] / DATA_NAME
    text = render_sample()
    if args.check:
        same = path.exists() and path.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{path} is stale; rerun without --check")
        return 0 if same else 1
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path} ({len(text) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
