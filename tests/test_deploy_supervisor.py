"""diaryflow deploy for supervisor: the program section, and a real supervisord running serve."""

from __future__ import annotations

import getpass
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from diaryflow.errors import ConfigError
from diaryflow.sandbox import FlowUsSandbox, sample_workspace
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from diaryflow.schedule.child import GRACE_SECONDS
from diaryflow.schedule.deploy.install import STOP_WAIT_SECONDS
from diaryflow.schedule.deploy.supervisor import supervisor_program
from diaryflow.state.runs import recent_runs
from diaryflow.state.store import Store
from tests.helpers import FAKE_FLOWUS, PYTHON, make_install, write_config


def test_supervisor_program_key_lines(tmp_path: Path) -> None:
    text = supervisor_program(make_install(tmp_path))
    lines = set(text.splitlines())
    assert "[program:diaryflow]" in lines
    assert {"autorestart=unexpected", "exitcodes=0,2,75", "startsecs=0", "startretries=3",
            "stopsignal=TERM", "stopasgroup=true", "killasgroup=true", "redirect_stderr=true",
            "stdout_logfile_maxbytes=10MB", "stdout_logfile_backups=5",
            f"user={getpass.getuser()}", 'environment=PYTHONUNBUFFERED="1"'} <= lines
    assert f"stopwaitsecs={STOP_WAIT_SECONDS}" in lines and STOP_WAIT_SECONDS >= GRACE_SECONDS + 10
    assert "supervisorctl reread" in text


def test_supervisor_reads_paths_with_spaces_quotes_and_percent(tmp_path: Path) -> None:
    options = pytest.importorskip("supervisor.options", reason="supervisor is not installed")
    install = make_install(tmp_path / "it's \"100%\" my diary")
    parser = options.UnhosedConfigParser()
    parser.read_string(supervisor_program(install))
    server = options.ServerOptions()
    server.here = str(tmp_path)
    [program] = server.processes_from_section(parser, "program:diaryflow", "diaryflow")
    assert shlex.split(program.command) == [
        str(PYTHON), "-m", "diaryflow", "serve", "--config", str(install.config)]
    assert program.directory == str(install.workdir)
    assert program.stdout_logfile == str(install.log_dir / "supervisor.log")
    assert program.exitcodes == [0, 2, 75] and program.startsecs == 0
    assert program.environment == {"PYTHONUNBUFFERED": "1"}
    assert program.uid == os.getuid()


def test_supervisor_refuses_a_path_it_would_cut_at_a_comment(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="supervisor"):
        supervisor_program(make_install(tmp_path / "notes ;2"))


# A real supervisord running the generated program, which runs the real `diaryflow serve`.
Ctl = Callable[..., str]


@contextmanager
def supervisord(tmp_path: Path, program: str) -> Iterator[Ctl]:
    pytest.importorskip("supervisor", reason="supervisor is not installed (pip install supervisor)")
    conf = tmp_path / "supervisord.conf"
    (tmp_path / "program.conf").write_text(program, encoding="utf-8")
    conf.write_text(f"""\
[supervisord]
logfile={tmp_path}/supervisord.log
pidfile={tmp_path}/supervisord.pid
childlogdir={tmp_path}
[unix_http_server]
file={tmp_path}/supervisor.sock
[supervisorctl]
serverurl=unix://{tmp_path}/supervisor.sock
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[include]
files = program.conf
""", encoding="utf-8")

    def ctl(*args: str) -> str:
        return subprocess.run([sys.executable, "-m", "supervisor.supervisorctl", "-c", str(conf),
                               *args], capture_output=True, text=True, timeout=15).stdout

    daemon = subprocess.Popen([sys.executable, "-m", "supervisor.supervisord", "-c", str(conf),
                               "-n"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        yield ctl
    finally:
        ctl("shutdown")
        try:
            daemon.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()


STOP_TIMEOUT = 35.0


def wait_for(ctl: Ctl, state: str, unless_pid: int | None = None, timeout: float = 20) -> int:
    deadline = time.monotonic() + timeout
    while True:
        status = ctl("status", "diaryflow")
        if state in status:
            pid = int(ctl("pid", "diaryflow").strip() or 0)
            if pid != unless_pid:
                return pid
        assert time.monotonic() < deadline, f"not {state} after {timeout} s: {status}"
        time.sleep(0.2)


def wait_for_text(path: Path, text: str, count: int = 1, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.read_text(errors="replace").count(text) >= count):
        assert time.monotonic() < deadline, f"{text!r} not in {path}"
        time.sleep(0.2)


def far_from_now() -> str:
    return f"{datetime.now(ZoneInfo('Asia/Shanghai')) + timedelta(hours=12):%H:%M}"


def test_supervisord_restarts_a_killed_serve_and_stops_it_cleanly(tmp_path: Path) -> None:
    folder = tmp_path / "my 100% diary"
    write_config(folder, f'time = "{far_from_now()}"\ncatch_up = false')
    install = make_install(folder)
    log = install.log_dir / "supervisor.log"
    with supervisord(tmp_path, supervisor_program(install)) as ctl:
        first = wait_for(ctl, "RUNNING")
        wait_for_text(log, "next report at")  # serve is up and idling, not crashing
        os.kill(first, signal.SIGKILL)
        second = wait_for(ctl, "RUNNING", unless_pid=first)
        wait_for_text(log, "next report at", count=2)
        started = time.monotonic()
        assert "stopped" in ctl("stop", "diaryflow")
        assert time.monotonic() - started < STOP_WAIT_SECONDS
        assert "STOPPED" in ctl("status", "diaryflow")
        assert second != first
    wait_for_text(log, "stopping on request")  # serve got SIGTERM and ended itself
    assert "stopped: diaryflow (exit status 0)" in (tmp_path / "supervisord.log").read_text()


@pytest.mark.parametrize(("scheduler", "code"), [
    ('time = "08:00"\nenabled = false', 0),  # disabled: serve logs it and exits 0
    ('time = "25:00"', 2),  # a bad configuration does not fix itself
])
def test_supervisord_leaves_a_final_exit_alone(tmp_path: Path, scheduler: str, code: int) -> None:
    folder = tmp_path / "my diary"
    (folder / "logs").mkdir(parents=True)
    (folder / "config.toml").write_text(f"{FAKE_FLOWUS}[scheduler]\n{scheduler}\n")
    with supervisord(tmp_path, supervisor_program(make_install(folder))) as ctl:
        wait_for(ctl, "EXITED")
        time.sleep(3)
        assert "EXITED" in ctl("status", "diaryflow")
    events = (tmp_path / "supervisord.log").read_text()
    assert events.count("spawned: 'diaryflow'") == 1, events
    assert f"exited: diaryflow (exit status {code}; expected)" in events


def reports(sandbox: FlowUsSandbox) -> list[str]:
    return sorted(b["data"]["title"] for b in sandbox.workspace.children_list(
        ROOT_PAGE_ID) or [] if b["type"] == "child_page"
        and b["data"]["title"].startswith("AI生成内容"))


def ok_periods(folder: Path) -> list[str]:
    with Store(folder / "diaryflow.db") as store:
        return sorted(r.period for r in recent_runs(store) if r.status == "ok")


def test_supervisord_serve_publishes_exactly_one_report_per_period(tmp_path: Path) -> None:
    """The whole stack: supervisord → serve → catch-up and a scheduled attempt → one page per
    period, kept at one across a SIGKILL and the restart's catch-up."""
    folder = tmp_path / "diary"
    at = datetime.now(timezone.utc) + timedelta(seconds=8)
    today, yesterday = at.date().isoformat(), (at.date() - timedelta(days=1)).isoformat()
    with FlowUsSandbox(sample_workspace()) as sandbox:
        folder.mkdir()
        (folder / "config.toml").write_text(
            f'[flowus]\ntoken = "{sandbox.token}"\nbase_url = "{sandbox.base_url}"\n'
            f'url = "https://flowus.cn/x/{ROOT_PAGE_ID}"\nparent_page_id = "{ROOT_PAGE_ID}"\n'
            "writes_per_minute = 60000\n"
            f'[scheduler]\ntime = "{at:%H:%M:%S}"\ntimezone = "UTC"\ncatch_up = true\n',
            encoding="utf-8")
        install = make_install(folder)
        with supervisord(tmp_path, supervisor_program(install)) as ctl:
            first = wait_for(ctl, "RUNNING")
            deadline = time.monotonic() + 60
            while today not in ok_periods(folder):  # yesterday's catch-up, then today's fire
                assert time.monotonic() < deadline, f"no report for {today}: {ok_periods(folder)}"
                time.sleep(0.3)
            log = install.log_dir / "supervisor.log"
            os.kill(first, signal.SIGKILL)
            seen = len(log.read_text(errors="replace"))
            wait_for(ctl, "RUNNING", unless_pid=first)
            # The restarted serve decides on catch-up (and would run it) before it logs its
            # next fire time, so once that line is in, a wrong catch-up would show.
            deadline = time.monotonic() + 30
            while "next report at" not in log.read_text(errors="replace")[seen:]:
                assert time.monotonic() < deadline, "the restarted serve never settled"
                time.sleep(0.2)
        assert ok_periods(folder) == [yesterday, today]
        assert reports(sandbox) == [f"AI生成内容 - {yesterday}", f"AI生成内容 - {today}"]
