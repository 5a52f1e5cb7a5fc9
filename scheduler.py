#!/usr/bin/env python3
"""The original entry point: python scheduler.py [--run-once | --test-config] [--config PATH]."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent / "src"
if SRC.is_dir() and str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))  # lets a checkout run without `pip install -e .`


def translate(argv: list[str]) -> list[str]:
    """Map the original flags onto diaryflow commands."""
    parser = argparse.ArgumentParser(
        prog="scheduler.py",
        description="FlowUs + SiliconFlow scheduler (diaryflow). Without flags it runs the "
        "daemon (= diaryflow serve).",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--run-once", action="store_true",
                      help="run one report now (= diaryflow run)")
    mode.add_argument("--test-config", action="store_true",
                      help="check the configuration (= diaryflow check)")
    parser.add_argument("--config", metavar="PATH", help="configuration file (./config.toml)")
    args = parser.parse_args(argv)
    command = "run" if args.run_once else "check" if args.test_config else "serve"
    return [command] + (["--config", args.config] if args.config else [])


if __name__ == "__main__":
    from diaryflow.cli import main

    raise SystemExit(main(translate(sys.argv[1:])))
