"""The locks next to the state database, and secret redaction in every log line."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from diaryflow.config.load import config_from_mapping
from diaryflow.errors import LockedError
from diaryflow.logs import REDACTED, RedactSecrets, setup_logging
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
        holder.wait()
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


def test_secrets_are_redacted_from_messages_arguments_and_tracebacks(tmp_path: Path) -> None:
    config = config_from_mapping({
        "flowus": {"token": "Bearer flowus-secret-value"},
        "siliconflow": {"token": "llm-secret-value-1234"},
        "notify": {"webhook_url": "https://hooks.example/abc/hook-secret-777"},
    }, base_dir=tmp_path)
    setup_logging(config)
    log = logging.getLogger("diaryflow.llm")
    log.warning("key %s refused", "llm-secret-value-1234")
    try:
        raise RuntimeError("token flowus-secret-value leaked into an error")
    except RuntimeError:
        log.exception("failed with https://hooks.example/abc/hook-secret-777")
    text = (tmp_path / "logs" / "siliconflow_api_requests.log").read_text(encoding="utf-8")
    for secret in ("flowus-secret-value", "llm-secret-value-1234", "hook-secret-777"):
        assert secret not in text
    assert text.count(REDACTED) >= 3 and "RuntimeError" in text


def test_redaction_replaces_the_longer_secret_first() -> None:
    redact = RedactSecrets(["abcd", "abcdefgh"])
    assert redact.redact("x abcdefgh y abcd") == f"x {REDACTED} y {REDACTED}"
