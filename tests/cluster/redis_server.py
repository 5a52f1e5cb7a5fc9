"""A throwaway redis-server on 127.0.0.1 for the cluster tests: free port, temp dir, no disk."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

START_TIMEOUT = 10.0


def required() -> bool:
    """Whether missing services fail the tests instead of skipping them (CI)."""
    return os.environ.get("DIARYFLOW_REQUIRE_SERVICES") == "1" or bool(os.environ.get("CI"))


def redis_server_binary() -> str:
    """The redis-server binary; skipped without it, except where CI requires it."""
    found = shutil.which("redis-server")
    if found is not None:
        return found
    if required():
        pytest.fail("redis-server is missing but required here (DIARYFLOW_REQUIRE_SERVICES=1 or "
                    "CI is set): install Debian's redis-server (apt-get install redis-server)")
    pytest.skip("redis-server is not installed here (apt-get install redis-server)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One redis-server process that a test can stop and start again on the same port."""

    def __init__(self, binary: str, folder: Path) -> None:
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder), "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while not self.ping():
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = (self.folder / "redis.log").read_text(errors="replace")[-2000:]
                self.stop()
                message = f"redis-server did not start on port {self.port}:\n{tail}"
                if required():
                    pytest.fail(message)
                pytest.skip(message)
            time.sleep(0.02)

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()
