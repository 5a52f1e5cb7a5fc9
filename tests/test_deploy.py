"""diaryflow deploy: generated configs, checked by the tools that read them (supervisord too)."""

from __future__ import annotations

import fcntl
import getpass
import os
import re
import shlex
import shutil
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

from diaryflow.config.load import Config, SchedulerSettings, load_config
from diaryflow.errors import ConfigError
from diaryflow.schedule.child import GRACE_SECONDS
from diaryflow.schedule.deploy import (
    STOP_WAIT_SECONDS,
    Install,
    cron_line,
    deployment_text,
    supervisor_program,
    systemd_oneshot,
    systemd_service,
)

PYTHON = Path(sys.executable)
FAKE_FLOWUS = """\
[flowus]
token = "not-a-real-token"
base_url = "http://127.0.0.1:9"
database_id = "11111111-1111-1111-1111-111111111111"
parent_page_id = "22222222-2222-2222-2222-222222222222"
"""


def make_install(folder: Path, python: Path = PYTHON, host: datetime | None = None) -> Install:
    (folder / "logs").mkdir(parents=True, exist_ok=True)
    return Install(python=python, config=folder / "config.toml", workdir=folder,
                   user=getpass.getuser(), log_dir=folder / "logs", host_time=host)


def sched(**settings: object) -> SchedulerSettings:
    return SchedulerSettings.model_validate(settings)


def write_config(folder: Path, scheduler: str) -> Config:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(
        f'{FAKE_FLOWUS}[scheduler]\n{scheduler}\n[state]\npath = "state/diaryflow.db"\n'
        '[logging]\ndir = "logs"\n', encoding="utf-8")
    return load_config(folder / "config.toml", env={})


WEEKDAYS = sched(time="07:30", run_on_weekends=False, timeout=1800)


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


def test_systemd_service_key_lines(tmp_path: Path) -> None:
    install = make_install(tmp_path / "my diary")
    lines = set(systemd_service(install).splitlines())
    assert (f'ExecStart="{PYTHON}" -m diaryflow serve --config "{install.config}"') in lines
    assert {"Type=simple", "Restart=on-failure", "RestartSec=30", "RestartPreventExitStatus=2",
            "KillMode=mixed", "Environment=PYTHONUNBUFFERED=1", "WantedBy=multi-user.target",
            f"User={getpass.getuser()}", f"WorkingDirectory={install.workdir}"} <= lines
    stop = next(int(line.split("=")[1]) for line in lines if line.startswith("TimeoutStopSec="))
    assert stop >= GRACE_SECONDS + 10


@pytest.mark.parametrize(("weekends", "days"), [(True, ""), (False, "Mon..Fri ")])
def test_systemd_timer(tmp_path: Path, weekends: bool, days: str) -> None:
    scheduler = sched(time="7:05", timezone="Europe/Berlin", run_on_weekends=weekends,
                      timeout=1234)
    service, timer = systemd_oneshot(make_install(tmp_path), scheduler)
    assert {"Type=oneshot", "TimeoutStartSec=1234"} <= set(service.splitlines())
    assert " -m diaryflow run --config " in service and "[Install]" not in service
    assert {f"OnCalendar={days}*-*-* 07:05:00 Europe/Berlin", "Persistent=true",
            "Unit=diaryflow-run.service", "WantedBy=timers.target"} <= set(timer.splitlines())


def systemd_analyze() -> str:
    """The systemd-analyze binary; skipped without it, except where CI requires it."""
    found = shutil.which("systemd-analyze")
    if found is not None:
        return found
    if os.environ.get("DIARYFLOW_REQUIRE_SYSTEMD") == "1" or os.environ.get("CI"):
        pytest.fail("systemd-analyze is missing but required here (DIARYFLOW_REQUIRE_SYSTEMD=1 or "
                    "CI is set): install Debian's systemd package (apt-get install systemd)")
    pytest.skip("systemd-analyze is not installed here (apt-get install systemd)")


TIMEZONES = ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC"]
# Fridays at noon UTC, around the 2026 daylight-saving changes (EU 29 Mar / 25 Oct, US 1 Nov).
BASE_TIMES = [datetime(2026, 3, 27, 12, tzinfo=timezone.utc),
              datetime(2026, 10, 30, 12, tzinfo=timezone.utc)]
ELAPSES = ("Next elapse", "Iter. #2", "Iter. #3", "Iter. #4")


def on_calendar(timer: str) -> str:
    [value] = [line.split("=", 1)[1] for line in timer.splitlines()
               if line.startswith("OnCalendar=")]
    return value


def expected_elapses(scheduler: SchedulerSettings, base: datetime, count: int) -> list[str]:
    """The next ``count`` run times after ``base``, computed with zoneinfo, as systemd prints."""
    zone = ZoneInfo(scheduler.timezone)
    day = base.astimezone(zone).date() - timedelta(days=1)
    found: list[str] = []
    while len(found) < count:
        day += timedelta(days=1)
        local = datetime.combine(day, scheduler.time, tzinfo=zone)
        if local > base and (scheduler.run_on_weekends or day.weekday() < 5):
            found.append(f"{local.astimezone(timezone.utc):%a %Y-%m-%d %H:%M:%S} UTC")
    return found


@pytest.mark.parametrize("zone", TIMEZONES)
@pytest.mark.parametrize("weekends", [True, False])
def test_systemd_analyze_verifies_the_units(tmp_path: Path, weekends: bool, zone: str) -> None:
    analyze = systemd_analyze()
    # The interpreter's path needs every escape: verify fails when it cannot find the binary.
    odd = tmp_path / "py dir %n $HOME"
    odd.mkdir()
    (odd / "python").symlink_to(PYTHON)
    install = make_install(tmp_path / "my diary", python=odd / "python")
    scheduler = sched(time="7:05", timezone=zone, run_on_weekends=weekends, timeout=1800)
    service, timer = systemd_oneshot(install, scheduler)
    units = {"diaryflow.service": systemd_service(install), "diaryflow-run.service": service,
             "diaryflow-run.timer": timer}
    for name, text in units.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = subprocess.run([analyze, "verify", *units], cwd=tmp_path,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert not [line for line in result.stderr.splitlines() if "diaryflow" in line], result.stderr


@pytest.mark.parametrize("zone", TIMEZONES)
@pytest.mark.parametrize("weekends", [True, False])
def test_systemd_analyze_calendar_runs_at_the_configured_time(
    tmp_path: Path, weekends: bool, zone: str
) -> None:
    analyze = systemd_analyze()
    scheduler = sched(time="7:05", timezone=zone, run_on_weekends=weekends)
    spec = on_calendar(systemd_oneshot(make_install(tmp_path), scheduler)[1])
    for base in BASE_TIMES:
        command = [analyze, "calendar", f"--iterations={len(ELAPSES)}",
                   f"--base-time={base:%Y-%m-%d %H:%M:%S} UTC", spec]
        result = subprocess.run(command, capture_output=True, text=True, timeout=30,
                                env={**os.environ, "TZ": "UTC"})  # elapses printed in UTC
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        fields = [line.strip().split(": ", 1) for line in lines if ": " in line]
        normalized = next(value for key, value in fields if key == "Normalized form")
        assert normalized == spec and f"07:05:00 {zone}" in normalized
        assert normalized.startswith("Mon..Fri ") != weekends
        elapses = [value for key, value in fields if key in ELAPSES]
        assert elapses == expected_elapses(scheduler, base, len(ELAPSES)), result.stdout


def cron_entry(text: str) -> str:
    return next(line for line in text.splitlines() if line and line[0].isdigit())


def test_cron_line_fields(tmp_path: Path) -> None:
    install = make_install(tmp_path / "my diary")
    text = cron_line(install, WEEKDAYS)
    assert "CRON_TZ=Asia/Shanghai" in text.splitlines()
    fields = cron_entry(text).split(" ", 5)
    assert fields[:5] == ["30", "7", "*", "*", "1-5"]
    args = shlex.split(fields[5])
    assert args[args.index("flock") + 1] == "-n"
    assert args[args.index("timeout"):args.index("timeout") + 4] == [
        "timeout", "-k", str(GRACE_SECONDS), "1800"]
    everyday = sched(time="23:59")
    assert cron_entry(cron_line(install, everyday)).startswith("59 23 * * * cd ")


@pytest.mark.parametrize(("scheduler", "host", "expected"), [
    (WEEKDAYS, datetime(2026, 11, 27, 12, tzinfo=timezone.utc), "# 30 23 * * 0-4 cd "),
    (sched(time="22:00", timezone="America/New_York", run_on_weekends=False),
     datetime(2026, 7, 1, 12, tzinfo=timezone.utc), "# 0 2 * * 2-6 cd "),
    (sched(time="08:00", timezone="UTC"),
     datetime(2026, 1, 5, 9, tzinfo=timezone(timedelta(hours=5, minutes=30))),
     "# 30 13 * * * cd "),
])
def test_cron_conversion_to_the_host_timezone(
    tmp_path: Path, scheduler: SchedulerSettings, host: datetime, expected: str
) -> None:
    text = cron_line(make_install(tmp_path, host=host), scheduler)
    assert any(line.startswith(expected) for line in text.splitlines()), text


def test_cron_command_runs_in_a_shell_with_odd_paths_and_never_overlaps(tmp_path: Path) -> None:
    folder = tmp_path / "it's 100% \"my\" diary"
    folder.mkdir()
    fake = folder / "python"  # records how it was called instead of running a report
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$PWD" "$@" > "$(dirname "$0")/called"\necho ran\n')
    fake.chmod(0o755)
    install = make_install(folder, python=fake)
    command = cron_entry(cron_line(install, WEEKDAYS)).split(" ", 5)[5]
    assert re.search(r"(?<!\\)%", command) is None  # cron would cut the command there
    shell = command.replace("\\%", "%")  # what cron hands to /bin/sh
    subprocess.run(["/bin/sh", "-c", shell], check=True, timeout=30)
    called = (folder / "called").read_text().splitlines()
    assert called == [str(folder), "-m", "diaryflow", "run", "--config", str(install.config)]
    assert (install.log_dir / "cron.log").read_text() == "ran\n"
    (folder / "called").unlink()
    with install.lock_file.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        skipped = subprocess.run(["/bin/sh", "-c", shell], timeout=30)
    assert skipped.returncode != 0 and not (folder / "called").exists()


def test_render_and_detect(tmp_path: Path) -> None:
    config = write_config(tmp_path / "my diary", 'time = "6:45"\nenabled = false')
    install = Install.detect(config)
    assert (install.python, install.config, install.workdir, install.log_dir) == (
        PYTHON, tmp_path / "my diary" / "config.toml", tmp_path / "my diary",
        tmp_path / "my diary" / "logs")
    assert install.user == getpass.getuser() and install.host_time is not None
    systemd = deployment_text("systemd", install, config)
    assert systemd.count("[Service]") == 2 and systemd.count("[Timer]") == 1
    assert "systemctl enable --now diaryflow-run.timer" in systemd
    assert "enabled = false" in systemd and "OnCalendar=*-*-* 06:45:00 Asia/Shanghai" in systemd
    supervisor = deployment_text("supervisor", install, config)
    assert supervisor.startswith("; Note: [scheduler] enabled = false")
    assert "CRON_TZ=Asia/Shanghai" in deployment_text("cron", install, config)
    with pytest.raises(ValueError, match="unknown deploy target"):
        deployment_text("launchd", install, config)


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


def test_supervisord_serve_publishes_exactly_one_report_per_period(tmp_path: Path) -> None:
    """The whole stack: supervisord → serve → catch-up and a scheduled attempt → one page per
    period, kept at one across a SIGKILL and the restart's catch-up."""
    from diaryflow.sandbox import FlowUsSandbox, sample_workspace
    from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
    from diaryflow.state.runs import recent_runs
    from diaryflow.state.store import Store

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

        def reports() -> list[str]:
            return sorted(b["data"]["title"] for b in sandbox.workspace.children_list(
                ROOT_PAGE_ID) or [] if b["type"] == "child_page"
                and b["data"]["title"].startswith("AI生成内容"))

        def ok_periods() -> list[str]:
            with Store(folder / "diaryflow.db") as store:
                return sorted(r.period for r in recent_runs(store) if r.status == "ok")

        with supervisord(tmp_path, supervisor_program(install)) as ctl:
            first = wait_for(ctl, "RUNNING")
            deadline = time.monotonic() + 60
            while today not in ok_periods():  # yesterday's catch-up, then today's fire
                assert time.monotonic() < deadline, f"no report for {today}: {ok_periods()}"
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
        assert ok_periods() == [yesterday, today]
        assert reports() == [f"AI生成内容 - {yesterday}", f"AI生成内容 - {today}"]
