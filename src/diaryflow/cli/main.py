"""Command line: parse arguments, load the configuration, call one function, map errors."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from diaryflow import __version__
from diaryflow.cli.cluster import add_cluster_parser
from diaryflow.cli.tenants import add_tenants_parser
from diaryflow.errors import EXIT_CONFIG, DiaryflowError

DESCRIPTION = """\
diaryflow turns a FlowUs (息流) diary into scheduled AI-written reports.

Start with `diaryflow demo` (no account needed), then `diaryflow init` to write a
config.toml, `diaryflow check --online` to prove it works, and `diaryflow export`
to collect your diary into outputs/data.log."""

EPILOG = """\
exit codes: 0 done (or nothing to do), 1 the run failed, 2 bad usage or configuration,
75 another run holds the lock.  The configuration is ./config.toml unless --config or
DIARYFLOW_CONFIG says otherwise."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a date as YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="diaryflow", description=DESCRIPTION, epilog=EPILOG, parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"diaryflow {__version__}")
    _add_commands(parser.add_subparsers(dest="command", metavar="COMMAND"), common)
    return parser


def _common_options() -> argparse.ArgumentParser:
    """--config and --verbose, accepted before or after the command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", type=Path, default=argparse.SUPPRESS, metavar="PATH",
        help="configuration file (default: ./config.toml or $DIARYFLOW_CONFIG)",
    )
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
        help="log what happens (requests, retries) on stderr",
    )
    return common


def _add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    add = sub.add_parser

    p = add("demo", parents=[common], help="run the pipeline on a bundled sample diary, offline")
    p.add_argument("--dir", type=Path, default=Path("diaryflow-demo"),
                   help="where the demo writes its files (default: ./diaryflow-demo)")
    p.add_argument("--date", type=_date, help="pretend today is this date (YYYY-MM-DD)")
    p = add("init", parents=[common], help="write a commented config.toml (mode 600)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--templates", type=Path, metavar="DIR",
                   help="instead, write the built-in prompt templates (one per period) into DIR")
    p = add("check", parents=[common], help="validate the configuration (= --test-config)")
    p.add_argument("--online", action="store_true",
                   help="also prove the FlowUs token works and the diary database is readable")
    p = add("export", parents=[common], help="collect the diary window into outputs/data.log")
    p.add_argument("--date", type=_date, help="the window ends on this date (default: today)")
    p = add("run", parents=[common], help="write and publish one report now (= --run-once)")
    p.add_argument("--job", metavar="NAME", help="which [[jobs]] job (needed with several)")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--date", type=_date,
                      help="report the job's period holding this day (default: the last "
                      "complete period; for the rolling default job, the days up to today)")
    when.add_argument("--period", metavar="KEY",
                      help="report this period: 2026-11-30, 2026-W48, 2026-11 or 2026")
    p.add_argument("--dry-run", action="store_true", help="print the report, write nothing")
    p.add_argument("--show-input", action="store_true",
                   help="with --dry-run: print what would be sent to the model (after private "
                   "entries are left out and identifiers redacted) instead, and send nothing")
    # Set by the daemon for its child attempts, so it can read back what the attempt recorded.
    p.add_argument("--run-id", help=argparse.SUPPRESS)
    p.add_argument("--scheduled-at", help=argparse.SUPPRESS)
    p = add("backfill", parents=[common],
            help="report every period of a job between two dates, each exactly once")
    p.add_argument("--job", metavar="NAME", help="which [[jobs]] job (needed with several)")
    p.add_argument("--from", dest="start", type=_date, required=True, metavar="D1",
                   help="the first day to cover (YYYY-MM-DD)")
    p.add_argument("--to", type=_date, required=True, metavar="D2",
                   help="the last day to cover (YYYY-MM-DD)")
    p.add_argument("--force", action="store_true",
                   help="make again the periods already made (their pages are replaced in place)")
    add("serve", parents=[common], help="the scheduling daemon (= python scheduler.py)")
    p = add("history", parents=[common], help="past runs")
    p.add_argument("-n", type=int, default=20, help="how many runs to show")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--job", metavar="NAME", help="only this job's runs")
    add("status", parents=[common], help="next fire time, last run, lock holder")
    p = add("web", parents=[common], help="the local web dashboard (default 127.0.0.1:8765)",
            description="Serve the dashboard: every job with its last and next run, the run "
                        "history, reports with their charts, run now / rerun / pause, and "
                        "/healthz, /metrics, /api/jobs, /api/runs for machines. Any address "
                        "other than loopback needs [web] token.")
    p.add_argument("--host", help="address to listen on (default: [web] host, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default: [web] port, 8765)")
    p.add_argument("--cluster", action="store_true",
                   help="also show the cluster's tenants (/tenants, read-only); the database "
                   "comes from DIARYFLOW_DATABASE_URL or --cluster-config")
    p.add_argument("--cluster-config", type=Path, metavar="PATH",
                   help="with --cluster: the cluster's settings (default: ./cluster.toml)")
    p = add("deploy", parents=[common], help="print supervisor/systemd/cron configs, or a "
            "cluster's (systemd --cluster, compose)")
    p.add_argument("target", choices=["supervisor", "systemd", "cron", "compose"],
                   help="compose: a cluster's docker-compose.yml, Dockerfile and env files")
    p.add_argument("--web", action="store_true",
                   help="also a program/unit keeping `diaryflow web` running (not cron)")
    _add_cluster_deploy(p)
    add_tenants_parser(sub, common)
    add_cluster_parser(sub, common)


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number of at least 1")
    return number


def _add_cluster_deploy(p: argparse.ArgumentParser) -> None:
    """The options of ``deploy systemd --cluster`` and ``deploy compose``."""
    group = p.add_argument_group(
        "cluster mode", "systemd --cluster and compose print the cluster's planner and workers "
        "(diaryflow cluster plan / worker), started after `cluster migrate`; connections and "
        "secrets go in an environment file, never in what is printed")
    group.add_argument("--cluster", action="store_true",
                       help="with systemd: diaryflow-migrate, diaryflow-planner and the "
                       "diaryflow-worker@.service template instead of serve")
    group.add_argument("--workers", type=_positive, metavar="N",
                       help="worker processes: instances diaryflow-worker@1..N, or compose "
                       "replicas (default 2)")
    group.add_argument("--concurrency", type=_positive, metavar="N",
                       help="attempts each worker runs at once (`cluster worker "
                       "--concurrency`; default 4)")
    group.add_argument("--cluster-config", type=Path, metavar="PATH",
                       help="with systemd --cluster: the cluster.toml the units pass on "
                       "(default ./cluster.toml if it exists, else the environment file alone)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "show_input", False) and not args.dry_run:
        parser.error("run --show-input needs --dry-run: it shows the model's input, sends nothing")
    if args.command is None:
        parser.print_help()
        return EXIT_CONFIG
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.command == "serve":  # the daemon stays small: it skips the other commands' imports
        from diaryflow.schedule.daemon import cmd_serve

        handler: Callable[[argparse.Namespace], int] = cmd_serve
    elif args.command == "web":  # the web stack is imported by this command only
        from diaryflow.web.server import cmd_web

        handler = cmd_web
    elif args.command == "tenants":  # the cluster extra is imported by these commands only
        from diaryflow.cli.tenants import cmd_tenants

        handler = cmd_tenants
    elif args.command == "cluster":
        from diaryflow.cli.cluster import cmd_cluster

        handler = cmd_cluster
    elif args.command == "backfill":
        from diaryflow.cli.backfill import cmd_backfill

        handler = cmd_backfill
    else:
        from diaryflow.cli import commands

        handler = getattr(commands, f"cmd_{args.command}")
    try:
        return handler(args)
    except DiaryflowError as error:
        print(f"diaryflow: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("diaryflow: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`diaryflow history | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
