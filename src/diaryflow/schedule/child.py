"""One attempt in a child process with a hard deadline: terminate, then kill after a grace."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from diaryflow.errors import EXIT_CONFIG, EXIT_LOCKED, EXIT_OK
from diaryflow.schedule.signals import CHILD, RELOAD, STOP, Waker
from diaryflow.state.runs import end_unfinished_run, get_run
from diaryflow.state.store import Store

# Seconds a terminated attempt gets before SIGKILL; deploy's stop timeouts are built on it.
GRACE_SECONDS = 10
log = logging.getLogger("diaryflow.daemon")


@dataclass(frozen=True)
class Outcome:
    """How an attempt ended, as the daemon needs to know it."""

    status: str  # ok | failed | timeout | cancelled
    retryable: bool
    error: str | None = None
    exit_code: int | None = None


def run_command(config: Path, period: str, run_id: str, scheduled_at: str,
                job: str | None = None) -> list[str]:
    """The child's command line: ``diaryflow run`` for one period under a given run id."""
    which = ["--job", job, "--period", period] if job else ["--date", period]
    return [
        sys.executable, "-m", "diaryflow", "run", "--config", str(config), *which,
        "--run-id", run_id, "--scheduled-at", scheduled_at,
    ]


class ChildLauncher:
    """Runs attempts as child processes, each in its own process group."""

    def __init__(self, waker: Waker, grace: float = GRACE_SECONDS) -> None:
        self.waker = waker
        self.grace = grace
        self.stop_requested = False

    def run(
        self, command: Sequence[str], timeout: float, store_path: Path, run_id: str,
        setting: str = "scheduler.timeout",
    ) -> Outcome:
        """Run ``command`` to its end or its deadline (``timeout``, set by ``setting``),
        then read what it recorded."""
        child = subprocess.Popen(list(command), stdin=subprocess.DEVNULL, start_new_session=True)
        log.info("attempt %s started (pid %d, deadline %.0f s)", run_id, child.pid, timeout)
        deadline = self.waker.clock() + timeout
        ended_by: str | None = None
        while child.poll() is None:
            event = self.waker.wait(max(0.0, deadline - self.waker.clock()))
            if event == STOP:
                self.stop_requested, ended_by = True, "cancelled"
            elif event is None and self.waker.clock() >= deadline:
                ended_by = "timeout"
            elif event in (CHILD, RELOAD):
                if event == RELOAD:
                    log.info("SIGHUP noted; the configuration is re-read after this attempt")
                    self.waker.note_later(RELOAD)
                continue
            if ended_by:
                self._end(child, ended_by)
                break
        code = child.wait()
        return self._outcome(code, ended_by, store_path, run_id, f"{setting} = {timeout:g} s")

    def _end(self, child: subprocess.Popen[bytes], why: str) -> None:
        log.warning("attempt pid %d: %s; terminating its process group", child.pid, why)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(self.grace)
        except subprocess.TimeoutExpired:
            log.warning("attempt pid %d still alive after %.0f s; killing it", child.pid,
                        self.grace)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)  # grandchildren left behind

    def _outcome(
        self, code: int, ended_by: str | None, store_path: Path, run_id: str, deadline: str
    ) -> Outcome:
        with Store(store_path) as store:
            if ended_by == "timeout":
                error = f"no result within {deadline}; stopped"
                end_unfinished_run(store, run_id, "timeout", error)
                return Outcome("timeout", True, error, code)
            if ended_by == "cancelled":
                end_unfinished_run(store, run_id, "cancelled", "the daemon was told to stop")
                return Outcome("cancelled", False, "stopped by a signal", code)
            row = get_run(store, run_id)
            if code == EXIT_OK and row is not None and row.status == "ok":
                return Outcome("ok", False, None, code)
            if code == EXIT_LOCKED:
                return Outcome("failed", True, "another run held the lock", code)
            if row is not None and row.status != "running":
                retryable = row.retryable and code != EXIT_CONFIG
                return Outcome(row.status, retryable, row.error, code)
            error = f"the attempt ended with exit code {code} before recording a result"
            if code == EXIT_CONFIG:
                error = "the configuration was refused (exit 2); see the log above"
            if row is not None:
                end_unfinished_run(store, run_id, "failed", error)
            return Outcome("failed", code != EXIT_CONFIG, error, code)
