"""diaryflow deploy systemd with [[jobs]]: a service and a timer per job, checked by systemd."""

from __future__ import annotations

import calendar
import os
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from diaryflow.config.load import Config, config_from_mapping
from diaryflow.schedule.deploy import deployment_text
from diaryflow.schedule.deploy.jobs import DeployJob, deploy_jobs
from diaryflow.schedule.deploy.systemd import on_calendar as job_calendar
from diaryflow.schedule.deploy.systemd import oneshot_units
from tests.helpers import PYTHON, make_install, systemd_analyze, verify_units

JOBS: list[dict[str, Any]] = [
    {"name": "daily", "period": "day", "time": "07:00", "run_on_weekends": False},
    {"name": "weekly", "period": "week", "time": "09:00", "timeout": 1800},
    {"name": "month-end", "period": "month", "on": "last", "time": "21:30", "catch_up": False},
    {"name": "mid", "period": "month", "on": 15, "run_on_weekends": False},
    {"name": "yearly", "period": "year", "on": "01-05", "time": "06:15"},
    {"name": "off", "period": "week", "enabled": False},
]


def jobs_config(folder: Path, jobs: list[dict[str, Any]] = JOBS, zone: str = "Asia/Shanghai"
                ) -> Config:
    return config_from_mapping({"scheduler": {"timezone": zone}, "jobs": jobs}, folder,
                               source=folder / "config.toml")


def units_of(text: str) -> dict[str, str]:
    """The units in deploy's output, by the file name its "save as" line gives."""
    found: dict[str, str] = {}
    name = None
    for block in text.split("# " + "=" * 76 + "\n"):
        if name is not None:
            found[name] = block.rstrip("\n") + "\n"
            name = None
        elif "save as /etc/systemd/system/" in block:
            name = block.split("save as /etc/systemd/system/")[1].split(",")[0].split()[0]
    return found


def test_one_service_and_timer_per_enabled_job(tmp_path: Path) -> None:
    install = make_install(tmp_path)
    text = deployment_text("systemd", install, jobs_config(tmp_path))
    units = units_of(text)
    names = ["daily", "weekly", "month-end", "mid", "yearly"]
    assert sorted(units) == sorted(["diaryflow.service"] + [
        f"diaryflow-run-{n}.{kind}" for n in names for kind in ("service", "timer")])
    assert "Job off has enabled = false" in text
    assert "enable --now " + " ".join(f"diaryflow-run-{n}.timer" for n in names) in text
    for number, name in enumerate(names):
        service = set(units[f"diaryflow-run-{name}.service"].splitlines())
        timer = set(units[f"diaryflow-run-{name}.timer"].splitlines())
        assert (f'ExecStart="{PYTHON}" -m diaryflow run --job {name} --config '
                f'"{install.config}"') in service
        earlier = " ".join(f"diaryflow-run-{n}.service" for n in names[:number])
        assert f"After=network-online.target {earlier}".strip() in service
        assert f"Unit=diaryflow-run-{name}.service" in timer
    assert "TimeoutStartSec=1800" in units["diaryflow-run-weekly.service"]
    assert "TimeoutStartSec=3600" in units["diaryflow-run-daily.service"]
    assert "Persistent=false" in units["diaryflow-run-month-end.timer"]
    assert "Persistent=true" in units["diaryflow-run-weekly.timer"]
    assert "ExecStart=" in units["diaryflow.service"] and " serve " in units["diaryflow.service"]


def job(period: str, on: str | None = None, weekends: bool = True) -> DeployJob:
    spec: dict[str, Any] = {"name": "j", "period": period, "time": "9:05",
                            "run_on_weekends": weekends}
    if on is not None:
        spec["on"] = on
    config = jobs_config(Path("/srv"), [spec], "Europe/Berlin")
    return deploy_jobs(config)[0][0]


@pytest.mark.parametrize(("settings", "expected"), [
    (("rolling",), "*-*-* 09:05:00 Europe/Berlin"),
    (("day", None, False), "Mon..Fri *-*-* 09:05:00 Europe/Berlin"),
    (("week", "monday"), "Mon *-*-* 09:05:00 Europe/Berlin"),
    (("week", "friday", False), "Fri *-*-* 09:05:00 Europe/Berlin"),
    (("week", "sunday"), "Sun *-*-* 09:05:00 Europe/Berlin"),
    (("month", "1"), "*-*-01 09:05:00 Europe/Berlin"),
    (("month", "15", False), "Mon..Fri *-*-15 09:05:00 Europe/Berlin"),
    (("month", "last"), "*-*~01 09:05:00 Europe/Berlin"),
    (("year", "01-05"), "*-01-05 09:05:00 Europe/Berlin"),
    (("year", "12-31", False), "Mon..Fri *-12-31 09:05:00 Europe/Berlin"),
])
def test_on_calendar_per_period(settings: tuple[Any, ...], expected: str) -> None:
    assert job_calendar(job(*settings)) == expected


def test_systemd_analyze_verifies_every_jobs_units(tmp_path: Path) -> None:
    odd = tmp_path / "py dir %n $HOME"
    odd.mkdir()
    (odd / "python").symlink_to(PYTHON)
    install = make_install(tmp_path / "my diary", python=odd / "python")
    units = units_of(deployment_text("systemd", install, jobs_config(tmp_path)))
    verify_units(units, tmp_path)


def fires(spec: DeployJob, base: datetime, count: int) -> list[str]:
    """The next run times after ``base``, worked out day by day with zoneinfo."""
    zone = ZoneInfo(spec.scheduler.timezone)
    day = base.astimezone(zone).date() - timedelta(days=1)
    found: list[str] = []
    while len(found) < count:
        day += timedelta(days=1)
        if not runs_on(spec, day):
            continue
        local = datetime.combine(day, spec.scheduler.time, tzinfo=zone)
        if local > base:
            found.append(f"{local.astimezone(timezone.utc):%a %Y-%m-%d %H:%M:%S} UTC")
    return found


def runs_on(spec: DeployJob, day: date) -> bool:
    if not spec.scheduler.run_on_weekends and day.weekday() >= 5:
        return False
    if spec.period == "week":
        return calendar.day_name[day.weekday()].lower() == spec.on
    if spec.period == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return day.day == (last if spec.on == "last" else int(str(spec.on)))
    if spec.period == "year":
        return f"{day:%m-%d}" == spec.on
    return True


def elapses(analyze: str, spec: str, base: datetime, count: int) -> tuple[str, list[str]]:
    """systemd's normalised form of ``spec`` and its next ``count`` elapses after ``base``."""
    command = [analyze, "calendar", f"--iterations={count}",
               f"--base-time={base:%Y-%m-%d %H:%M:%S} UTC", spec]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30,
                            env={**os.environ, "TZ": "UTC"})  # elapses printed in UTC
    assert result.returncode == 0, result.stderr
    fields = [line.strip().split(": ", 1) for line in result.stdout.splitlines() if ": " in line]
    normalized = next(value for key, value in fields if key == "Normalized form")
    keys = ("Next elapse", *(f"Iter. #{n}" for n in range(2, count + 1)))
    return normalized, [value for key, value in fields if key in keys]


BASES = [datetime(2026, 1, 20, 12, tzinfo=timezone.utc),  # a year with 53 ISO weeks
         datetime(2027, 10, 30, 12, tzinfo=timezone.utc),  # a month's end around DST
         datetime(2028, 2, 10, 12, tzinfo=timezone.utc)]  # a leap February


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "Australia/Sydney"])
def test_systemd_calendar_accepts_every_job_and_elapses_when_the_daemon_would(
    tmp_path: Path, zone: str
) -> None:
    analyze = systemd_analyze()
    jobs, _ = deploy_jobs(jobs_config(tmp_path, zone=zone))
    for spec in jobs:
        _, timer = oneshot_units(make_install(tmp_path), spec)
        value = next(line.split("=", 1)[1] for line in timer.splitlines()
                     if line.startswith("OnCalendar="))
        assert value == job_calendar(spec)
        for base in BASES:
            normalized, found = elapses(analyze, value, base, 3)
            assert normalized == value
            if spec.period in ("week", "month", "year"):  # the checks the day arithmetic needs
                assert found == fires(spec, base, 3), (value, base)
