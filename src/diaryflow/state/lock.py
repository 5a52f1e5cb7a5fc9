"""Inter-process locks next to the state database: one daemon, one run at a time.

``fcntl.flock`` locks belong to the open file: the kernel drops them when the holder dies,
so a ``kill -9`` never leaves a lock that blocks the next start. The file holds the pid of
the holder, for messages only.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

from diaryflow.errors import LockedError


def serve_lock_path(state_path: Path) -> Path:
    """The daemon's lock: at most one ``diaryflow serve`` per state database."""
    return state_path.with_name(state_path.name + ".serve.lock")


def run_lock_path(state_path: Path) -> Path:
    """The run lock: at most one report run at a time per state database."""
    return state_path.with_name(state_path.name + ".run.lock")


def setup_lock_path(state_path: Path) -> Path:
    """The setup lock: one process at a time creates or upgrades the state database."""
    return state_path.with_name(state_path.name + ".setup.lock")


class Lock:
    """An exclusive, non-inheritable lock on a file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; never waits."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def acquire(
        self,
        wait: float,
        *,
        what: str,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Take the lock, waiting up to ``wait`` seconds; else raise LockedError naming the pid."""
        deadline = clock() + wait
        while not self.try_acquire():
            if clock() >= deadline:
                pid = self.holder()
                who = f"pid {pid}" if pid else "another process"
                raise LockedError(f"{what}: {who} holds {self.path}")
            sleep(min(0.2, max(0.0, deadline - clock())))

    def release(self) -> None:
        """Let go of the lock (the file stays, empty of meaning)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def holder(self) -> int | None:
        """The pid holding the lock, or None when it is free."""
        if self._fd is not None:
            return os.getpid()
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                text = os.read(fd, 32).decode(errors="replace").strip()
                return int(text) if text.isdigit() else -1
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def __enter__(self) -> Lock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
