"""One function per command: load what it needs, do it, print a short summary."""

from __future__ import annotations

import argparse
import os
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from diaryflow.cli.console import TerminalProgress
from diaryflow.config.load import Config, load_config, report_jobs
from diaryflow.config.view import permission_warnings, settings_lines
from diaryflow.errors import EXIT_OK, ConfigError, ConfigIncomplete

if TYPE_CHECKING:
    from diaryflow.cli.views import JobState
    from diaryflow.config.job_settings import JobSettings
    from diaryflow.export import ExportResult
    from diaryflow.pipeline import RunResult
    from diaryflow.state.store import Store

RUN_LOCK_WAIT = 60.0


def command_config(args: argparse.Namespace) -> Config:
    """The configuration a command works with, its warnings shown and its log files set up."""
    from diaryflow.logs import setup_logging

    config = load_config(getattr(args, "config", None))
    setup_logging(config, verbose=getattr(args, "verbose", False))
    for warning in config.warnings:
        print(f"diaryflow: warning: {warning}", file=sys.stderr)
    return config


def _summary(result: ExportResult, keep_local: bool = False) -> None:
    snap = result.snapshot
    print(
        f"Collected {len(snap.entries)} entries from 「{snap.database_title}」 "
        f"({snap.window_start} – {snap.window_end}, {snap.timezone}) "
        f"and {len(snap.linked)} linked pages"
    )
    for page in snap.missing:
        print(f"  skipped page {page.id}: {page.reason}")
    if snap.excluded:
        where = "written to data.log only (privacy.keep_local)" if keep_local else "left out"
        print(f"  {snap.excluded} private entries {where}")
    print(f"Wrote {result.path} ({result.requests} requests, {result.seconds:.1f} s)")


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the whole pipeline on the bundled sample diary, against a local sandbox server."""
    from diaryflow.cli.demo import run_demo

    workdir = args.dir.resolve()
    print(f"Starting a local FlowUs sandbox with a sample diary; files go to {workdir}")
    with TerminalProgress() as progress:
        result, outputs = run_demo(workdir, args.date, progress)
    print(result.report.markdown)
    print("\n" + "─" * 60)
    _run_summary(result)
    print(f"Local copies: {outputs / 'local.md'} and {outputs / 'data.log'}")
    print("That page lives in the demo's own sandbox workspace, which stops with the demo; "
          "with your config.toml, `diaryflow run` publishes to your FlowUs.")
    return EXIT_OK


def _run_summary(result: RunResult) -> None:
    report = result.report
    how = "offline digest (no AI)" if report.offline else f"model {report.model}"
    tokens = report.usage.prompt_tokens + report.usage.completion_tokens
    if result.published is None:
        print(f"Dry run: {result.blocks} blocks would be written for 「{report.title}」 ({how})")
        return
    page = result.published
    verb = "Created" if page.created else "Replaced the content of"
    where = page.url or page.page_id
    print(f"{verb} 「{report.title}」: {where}")
    print(f"{page.blocks_written} blocks · {how} · {tokens} tokens · {result.seconds:.1f} s"
          + (f" · resumed at {result.resumed_from}" if result.resumed_from else ""))


def cmd_run(args: argparse.Namespace) -> int:
    """Write and publish one report now (or print it with --dry-run)."""
    from diaryflow.generate.show_input import InputCapture
    from diaryflow.pipeline import run_report
    from diaryflow.state.lock import Lock, run_lock_path
    from diaryflow.state.runs import interrupt_orphans
    from diaryflow.state.store import Store

    config = command_config(args)
    capture = InputCapture() if args.show_input else None
    with Lock(run_lock_path(config.state.path)) as lock:
        if not args.dry_run:
            lock.acquire(RUN_LOCK_WAIT, what="another report run is in progress")
            with Store(config.state.path) as store:
                interrupt_orphans(store, "diaryflow run")
        with TerminalProgress() as progress:
            result = run_report(config, args.date, job=args.job, period=args.period,
                                dry_run=args.dry_run, progress=progress, run_id=args.run_id,
                                scheduled_at=args.scheduled_at, stand_in=capture)
    if capture is not None:
        print(capture.text(), end="")
        return EXIT_OK
    if args.dry_run:
        print(result.report.markdown)
        print("\n" + "─" * 60)
    _run_summary(result)
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    """Write a commented config.toml that only its owner can read (or, with --templates,
    the prompt templates)."""
    if getattr(args, "templates", None) is not None:
        from diaryflow.cli.templates import cmd_templates

        return cmd_templates(args)
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
    """Print the effective configuration and what each command lacks; --online proves it."""
    from diaryflow.config.readiness import readiness

    config = command_config(args)
    for line in settings_lines(config):
        print(line)
    for warning in permission_warnings(config):
        print(f"diaryflow: warning: {warning}", file=sys.stderr)
    states = readiness(config)
    print()
    for state in states:
        print(state.line())
    if args.online and states[0].ready:  # FlowUs can be proven as soon as export can work
        from diaryflow.cli.checks import check_llm, check_online

        for line in check_online(config):
            print(line)
        for line in check_llm(config):
            print(line)
    blocked = [state.command for state in states if not state.ready]
    if blocked:
        names = ", ".join(blocked[:-1]) + " and " + blocked[-1] if len(blocked) > 1 else blocked[0]
        missing = max((state.missing for state in states), key=len)
        raise ConfigIncomplete(f"{names} cannot work yet: set {'; '.join(missing)}")
    print("Configuration OK")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """Collect the diary window into data.log."""
    from diaryflow.export import export

    config = command_config(args)
    if not config.database.enabled:
        print("database.enabled = false: reading the diary database is switched off; "
              "nothing to export")
        return EXIT_OK
    with TerminalProgress() as progress:
        result = export(config, args.date, progress)
    _summary(result, config.privacy.keep_local)
    return EXIT_OK



def cmd_history(args: argparse.Namespace) -> int:
    """Show past attempts, newest first."""
    from diaryflow.cli.views import history_json, history_table
    from diaryflow.state.runs import recent_runs, settle_orphans
    from diaryflow.state.store import Store

    config = command_config(args)
    with Store(config.state.path) as store:
        settle_orphans(store, "diaryflow history")
        rows = recent_runs(store, max(1, args.n), args.job)
    built_from = {job.name: job.source_job for job in report_jobs(config) if job.source_job}
    print(history_json(rows) if args.json else history_table(rows, config.scheduler.tz,
                                                             built_from))
    return EXIT_OK


def _job_state(config: Config, job: JobSettings, store: Store) -> JobState:
    """A job's line in ``status``: its next fire time and its last attempt that ran."""
    from diaryflow.cli.views import JobState
    from diaryflow.clock import utc_now
    from diaryflow.schedule.due import catch_up_schedule
    from diaryflow.schedule.fire_times import next_fire
    from diaryflow.state.runs import recent_runs

    # Its next run, not its next tick: a day skipped for the weekend is not shown.
    fire = next_fire(catch_up_schedule(config, job), utc_now()) if job.enabled else None
    ran = [r for r in recent_runs(store, 20, job.name) if r.status != "skipped"]
    return JobState(job.name, job.period, fire.isoformat() if fire else None,
                    ran[0] if ran else None)


def cmd_status(args: argparse.Namespace) -> int:
    """Show the next fire time, the last run and who holds the locks."""
    from diaryflow.cli.views import job_lines, status_lines
    from diaryflow.clock import utc_now
    from diaryflow.schedule.fire_times import Schedule, next_fire
    from diaryflow.state.lock import Lock, run_lock_path, serve_lock_path
    from diaryflow.state.runs import recent_runs, settle_orphans
    from diaryflow.state.store import Store

    config = command_config(args)
    schedule = Schedule.from_settings(config.scheduler)
    fire = next_fire(schedule, utc_now())
    with Store(config.state.path) as store:
        settle_orphans(store, "diaryflow status")
        rows = [r for r in recent_runs(store, 20) if r.status != "skipped"]
        jobs = [_job_state(config, job, store) for job in config.jobs]
    lines = job_lines(jobs, config.scheduler.tz) if jobs else []
    lines += status_lines(
        next_fire=fire.isoformat() if config.scheduler.enabled else None,
        enabled=config.scheduler.enabled,
        last=rows[0] if rows else None,
        serve_pid=Lock(serve_lock_path(config.state.path)).holder(),
        run_pid=Lock(run_lock_path(config.state.path)).holder(),
        tz=config.scheduler.tz,
    )
    for line in lines:
        print(line)
    return EXIT_OK


def cmd_deploy(args: argparse.Namespace) -> int:
    """Print a supervisor, systemd or cron config for this install."""
    from diaryflow.schedule.deploy import deployment_text
    from diaryflow.schedule.deploy.install import Install

    if args.target == "compose" or getattr(args, "cluster", False):
        return _deploy_cluster(args)
    for flag in ("workers", "concurrency", "cluster_config"):
        if getattr(args, flag, None) is not None:
            raise ConfigError(f"--{flag.replace('_', '-')}", None,
                              "only with systemd --cluster or compose")
    if getattr(args, "web", False) and args.target == "cron":
        raise ConfigError("--web", None, "supervisor or systemd only: cron cannot keep the "
                          "dashboard running")
    config = command_config(args)
    print(deployment_text(args.target, Install.detect(config), config,
                          web=getattr(args, "web", False)), end="")
    return EXIT_OK


def _deploy_cluster(args: argparse.Namespace) -> int:
    """Print the cluster's systemd units or compose files (no config.toml is read)."""
    from diaryflow.schedule.deploy.cluster_install import ClusterInstall
    from diaryflow.schedule.deploy.cluster_text import cluster_deployment_text

    if args.target not in ("systemd", "compose"):
        raise ConfigError("--cluster", None, "systemd only (or the compose target)")
    if args.web:
        raise ConfigError("--web", None, "not in cluster mode: it has no dashboard unit")
    if args.target == "compose" and args.cluster_config is not None:
        raise ConfigError("--cluster-config", None, "systemd --cluster only: in compose, "
                          "mount it as the comment in docker-compose.yml shows")
    install = ClusterInstall.detect(args.cluster_config, args.workers, args.concurrency)
    print(cluster_deployment_text(args.target, install), end="")
    return EXIT_OK
