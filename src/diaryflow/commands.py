"""One function per command: load what it needs, do it, print a short summary."""

from __future__ import annotations

import argparse
import os
import sys
from importlib import resources
from pathlib import Path

from diaryflow.config import Config, load_config
from diaryflow.config_view import describe, permission_warnings
from diaryflow.console import TerminalProgress
from diaryflow.errors import EXIT_OK, ConfigError
from diaryflow.runner import ExportResult, check_online, demo, export


def _config(args: argparse.Namespace) -> Config:
    config = load_config(getattr(args, "config", None))
    for warning in config.warnings:
        print(f"diaryflow: warning: {warning}", file=sys.stderr)
    return config


def _summary(result: ExportResult) -> None:
    snap = result.snapshot
    print(
        f"Collected {len(snap.entries)} entries from 「{snap.database_title}」 "
        f"({snap.window_start} – {snap.window_end}, {snap.timezone}) "
        f"and {len(snap.linked)} linked pages"
    )
    for page in snap.missing:
        print(f"  skipped page {page.id}: {page.reason}")
    print(f"Wrote {result.path} ({result.requests} requests, {result.seconds:.1f} s)")


def cmd_demo(args: argparse.Namespace) -> int:
    """Collect the bundled sample diary from a local sandbox server."""
    workdir = args.dir.resolve()
    print(f"Starting a local FlowUs sandbox with a sample diary; files go to {workdir}")
    with TerminalProgress() as progress:
        result = demo(workdir, args.date, progress)
    _summary(result)
    print("Report writing and publishing come with `diaryflow run` in a later version.")
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    """Write a commented config.toml that only its owner can read."""
    path: Path = getattr(args, "config", None) or Path("config.toml")
    if path.exists() and not args.force:
        raise ConfigError("config", str(path), "already exists; use --force to overwrite it")
    text = resources.files("diaryflow").joinpath("data/config.example.toml").read_text("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
    print(f"Wrote {path} (mode 600). Fill in [flowus] token and url, then run "
          f"`diaryflow check --online --config {path}`.")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Print the effective configuration; with --online, prove FlowUs answers."""
    config = _config(args)
    for line in describe(config):
        print(line)
    for warning in permission_warnings(config):
        print(f"diaryflow: warning: {warning}", file=sys.stderr)
    if args.online:
        for line in check_online(config):
            print(line)
        print("SiliconFlow: the LLM check comes with report generation in a later version")
    print("Configuration OK")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """Collect the diary window into data.log."""
    config = _config(args)
    if not config.database.enabled:
        print("database.enabled = false: reading the diary database is switched off; "
              "nothing to export")
        return EXIT_OK
    with TerminalProgress() as progress:
        result = export(config, args.date, progress)
    _summary(result)
    return EXIT_OK

