"""The dashboard under a real uvicorn on 127.0.0.1, and config files for it."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import uvicorn

from diaryflow.clock import Clock, utc_now
from diaryflow.config.load import Config, load_config
from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from diaryflow.web.app import create_app


def write_config(folder: Path, text: str = "", *, flowus: str | None = None) -> Path:
    """A config.toml in ``folder`` (offline model; a FlowUs section that points nowhere by
    default), ``text`` appended."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    flowus = flowus or ('[flowus]\ntoken = "not-a-real-token-for-web"\n'
                        'base_url = "http://127.0.0.1:9"\n'
                        'database_id = "11111111-1111-1111-1111-111111111111"\n'
                        'parent_page_id = "22222222-2222-2222-2222-222222222222"\n')
    path.write_text(f'{flowus}[siliconflow]\nmodel = "offline"\n{text}', encoding="utf-8")
    path.chmod(0o600)
    return path


def sandbox_config(folder: Path, sandbox: FlowUsSandbox, scheduler: str = "") -> Path:
    """A config.toml in ``folder`` reading the sample diary from ``sandbox`` (offline model)."""
    flowus = (f'[flowus]\ntoken = "{sandbox.token}"\nbase_url = "{sandbox.base_url}"\n'
              f'url = "https://flowus.cn/x/{ROOT_PAGE_ID}"\nparent_page_id = "{ROOT_PAGE_ID}"\n'
              'date_property = "日期"\nwrites_per_minute = 60000\nreads_per_minute = 60000\n')
    return write_config(folder, scheduler, flowus=flowus)


@contextlib.contextmanager
def serve_firing_soon(folder: Path, sandbox: FlowUsSandbox, seconds: float) -> Iterator[Path]:
    """A real ``diaryflow serve`` whose default job fires ``seconds`` from now (UTC, no
    catch-up); yields its config file and checks that SIGTERM stops it cleanly."""
    fire = datetime.now(timezone.utc) + timedelta(seconds=seconds)
    path = sandbox_config(folder, sandbox, f'[scheduler]\ntime = "{fire:%H:%M:%S}"\n'
                                           'timezone = "UTC"\ncatch_up = false\n')
    serve = subprocess.Popen([sys.executable, "-m", "diaryflow", "serve", "--config", str(path)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder)
    try:
        yield path
    finally:
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(15) == 0


@contextlib.contextmanager
def serving(config: Config, clock: Clock = utc_now, **options: Any) -> Iterator[str]:
    """The dashboard for ``config`` on a free loopback port (``options`` go to create_app);
    yields its base URL."""
    app = create_app(config, clock=clock, **options)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextlib.contextmanager
def serving_file(path: Path, clock: Clock = utc_now) -> Iterator[str]:
    """The dashboard for the config file at ``path``."""
    with serving(load_config(path, env={}), clock) as url:
        yield url
