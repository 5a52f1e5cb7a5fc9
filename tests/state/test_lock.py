"""The locks next to the state database: one holder at a time, and who holds it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from diaryflow.errors import LockedError
from diaryflow.state.lock import Lock, run_lock_path, serve_lock_path


def test_one_holder_at_a_time_and_the_holder_is_named(tmp_path: Path) -> None:
    path = run_lock_path(tmp_path / "diaryflow.db")
    assert path.name == "diaryflow.db.run.lock"
    assert serve_lock_path(tmp_path / "diaryflow.db").name == "diaryflow.db.serve.lock"
    script = (
        "import time\nfrom pathlib import Path\nfrom diaryflow.state.lock import Lock\n"
        f"lock = Lock(Path({str(path)!r})); assert lock.try_acquire()\n"
        "print('held', flush=True)\ntime.sleep(30)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        lock = Lock(path)
        assert not lock.try_acquire()
        assert lock.holder() == holder.pid
        started = time.monotonic()
        with pytest.raises(LockedError, match=f"pid {holder.pid} holds"):
            lock.acquire(0.5, what="another report run is in progress")
        assert 0.5 <= time.monotonic() - started < 2
    finally:
        holder.kill()  # SIGKILL: the kernel lets go of the lock
        holder.communicate()
    lock = Lock(path)
    assert lock.holder() is None
    lock.acquire(0.5, what="x")
    assert lock.holder() == os.getpid()
    lock.release()


def test_a_waiting_run_gets_the_lock_when_it_frees(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    first = Lock(path)
    assert first.try_acquire()
    waits: list[float] = []

    def release_then_sleep(seconds: float) -> None:
        waits.append(seconds)
        first.release()

    Lock(path).acquire(60, what="x", sleep=release_then_sleep)
    assert len(waits) == 1
