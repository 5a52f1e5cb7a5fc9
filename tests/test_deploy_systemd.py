"""diaryflow deploy for systemd: the service, the timer, and systemd-analyze's view of them."""

from __future__ import annotations

import getpass
import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from diaryflow.config.load import SchedulerSettings
from diaryflow.schedule.child import GRACE_SECONDS
from diaryflow.schedule.deploy.systemd import systemd_oneshot, systemd_service
from tests.helpers import PYTHON, make_install, on_calendar, sched, systemd_analyze, verify_units


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


TIMEZONES = ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC"]
BASE_TIMES = [datetime(2026, 3, 27, 12, tzinfo=timezone.utc),
              datetime(2026, 10, 30, 12, tzinfo=timezone.utc)]
ELAPSES = ("Next elapse", "Iter. #2", "Iter. #3", "Iter. #4")


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
    # The interpreter's path needs every escape: verify fails when it cannot find the binary.
    odd = tmp_path / "py dir %n $HOME"
    odd.mkdir()
    (odd / "python").symlink_to(PYTHON)
    install = make_install(tmp_path / "my diary", python=odd / "python")
    scheduler = sched(time="7:05", timezone=zone, run_on_weekends=weekends, timeout=1800)
    service, timer = systemd_oneshot(install, scheduler)
    units = {"diaryflow.service": systemd_service(install), "diaryflow-run.service": service,
             "diaryflow-run.timer": timer}
    verify_units(units, tmp_path)


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
