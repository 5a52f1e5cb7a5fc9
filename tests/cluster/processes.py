"""The cluster's processes as the tests run them: real ``diaryflow cluster plan`` and
``cluster worker`` commands, each in its own process group, their output kept in a file."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

STOP_TIMEOUT = 60.0


class ClusterProcess:
    """One ``diaryflow cluster ...`` process; ``kill`` takes its whole group (a machine lost)."""

    def __init__(self, name: str, args: list[str], env: Mapping[str, str], folder: Path) -> None:
        self.name = name
        self.log_path = folder / f"{name}.log"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "diaryflow", "cluster", *args],
                stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env},
                start_new_session=True, cwd=folder,
            )

    @property
    def output(self) -> str:
        """Everything the process printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, then wait for the exit code (SIGKILL to the group if it hangs)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.name} did not stop within {timeout} s:\n"
                                 f"{self.output[-3000:]}") from None

    def kill(self) -> None:
        """SIGKILL the process and every child of it, at once."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


def start_worker(name: str, env: Mapping[str, str], folder: Path,
                 concurrency: int = 2) -> ClusterProcess:
    """A ``cluster worker`` process, once it is ready to take messages."""
    worker = ClusterProcess(name, ["worker", "--concurrency", str(concurrency), "--name",
                                   f"{name}@test"], env, folder)
    wait_for(lambda: " ready." in worker.output or worker.process.poll() is not None, 60,
             f"{name} to be ready")
    if worker.process.poll() is not None:
        raise AssertionError(f"{name} exited at start:\n{worker.output[-3000:]}")
    return worker


def start_planner(name: str, env: Mapping[str, str], folder: Path,
                  interval: float = 1.0) -> ClusterProcess:
    """A ``cluster plan`` process passing every ``interval`` seconds."""
    return ClusterProcess(name, ["plan", "--interval", str(interval)], env, folder)


def wait_for(check: Callable[[], bool], timeout: float, what: str,
             every: float = 0.2) -> None:
    """Poll ``check`` until it holds; AssertionError naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
