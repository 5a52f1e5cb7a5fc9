"""``diaryflow backfill``: every period of a job between two dates, each made exactly once."""

from __future__ import annotations

import argparse
import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

from diaryflow.cli.commands import RUN_LOCK_WAIT, command_config
from diaryflow.cli.console import TerminalProgress
from diaryflow.config.jobs import find_job
from diaryflow.errors import EXIT_OK, ConfigError
from diaryflow.periods import between

EXIT_INTERRUPTED = 130


def cmd_backfill(args: argparse.Namespace) -> int:
    """Report every period of ``--job`` from ``--from`` to ``--to``, oldest first."""
    from diaryflow.export import flowus_client
    from diaryflow.pipeline import run_report
    from diaryflow.state.lock import Lock, run_lock_path
    from diaryflow.state.runs import interrupt_orphans, period_done
    from diaryflow.state.store import Store

    config = command_config(args)
    job = find_job(config, args.job)
    if args.to < args.start:
        raise ConfigError("--to", args.to.isoformat(), f"is before --from {args.start}")
    periods = between(job.period, args.start, args.to, config.database.recent_days)
    made = skipped = 0
    # One client for every period: its pace, and any pause a 429 asked for, carry over from
    # one period to the next instead of starting afresh with each.
    with Lock(run_lock_path(config.state.path)) as lock, _stop_after_current() as stop, \
            flowus_client(config) as client:
        lock.acquire(RUN_LOCK_WAIT, what="another report run is in progress")
        with Store(config.state.path) as store:
            interrupt_orphans(store, "diaryflow backfill")
        for number, period in enumerate(periods, 1):
            with Store(config.state.path) as store:
                done = period_done(store, job.name, period.key)
            where = f"[{number}/{len(periods)}] {job.name} {period.key}"
            if done and not args.force:
                print(f"{where}: already made; skipped (--force makes it again)")
                skipped += 1
                continue
            with TerminalProgress() as progress:
                result = run_report(config, job=job.name, period=period.key, progress=progress,
                                    client=client)
            page = result.published
            url = page.url if page and page.url else ""
            print(f"{where}: 「{result.report.title}」 {url}".rstrip(), flush=True)
            made += 1
            if stop():
                print(f"Stopped after {period.key} on request; run the same backfill again "
                      "to go on.")
                return EXIT_INTERRUPTED
    print(f"{made} made, {skipped} skipped, of {len(periods)} {job.period} periods")
    return EXIT_OK


@contextlib.contextmanager
def _stop_after_current() -> Iterator[_Flag]:
    """The first Ctrl-C asks to stop once the current period is done; a second one stops now."""
    flag = _Flag()

    def ask(signum: int, frame: FrameType | None) -> None:
        if flag.set:
            raise KeyboardInterrupt
        flag.set = True
        print("\nStopping after the current period (Ctrl-C again stops at once)")

    previous = signal.signal(signal.SIGINT, ask)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


class _Flag:
    """Whether a stop was asked for."""

    def __init__(self) -> None:
        self.set = False

    def __call__(self) -> bool:
        return self.set
