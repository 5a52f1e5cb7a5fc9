"""diaryflow deploy cron with [[jobs]]: a line per job, its date tests run by a real shell."""

from __future__ import annotations

import calendar
import fcntl
import re
import shlex
import subprocess
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from diaryflow.config.load import Config, config_from_mapping
from diaryflow.schedule.deploy import deployment_text
from diaryflow.schedule.deploy.cron import (
    CronWhen,
    cron_when,
    date_test,
    last_day_test,
    weekday_test,
)
from diaryflow.schedule.deploy.jobs import DeployJob, deploy_jobs
from tests.helpers import make_install

JOBS: list[dict[str, Any]] = [
    {"name": "daily", "period": "day", "time": "07:30", "run_on_weekends": False},
    {"name": "weekly", "period": "week", "time": "09:00", "timeout": 1800},
    {"name": "month-end", "period": "month", "on": "last", "time": "21:30"},
    {"name": "mid", "period": "month", "on": 15, "time": "7:30", "run_on_weekends": False},
    {"name": "yearly", "period": "year", "on": "01-05", "time": "07:30"},
    {"name": "off", "enabled": False},
]
ZONE = "Asia/Shanghai"


def jobs_config(folder: Path, jobs: list[dict[str, Any]] = JOBS) -> Config:
    return config_from_mapping({"scheduler": {"timezone": ZONE}, "jobs": jobs}, folder,
                               source=folder / "config.toml")


def by_name(folder: Path) -> dict[str | None, DeployJob]:
    return {job.name: job for job in deploy_jobs(jobs_config(folder))[0]}


def entries(text: str, commented: bool = False) -> dict[str, str]:
    """Each job's crontab line (or its commented host-time twin), by job name."""
    lead = "# " if commented else ""
    lines = [line.removeprefix(lead) for line in text.splitlines()
             if line.startswith(lead) and line.removeprefix(lead)[:1].isdigit()]
    return {re.search(r"--job (\S+)", line)[1]: line for line in lines}  # type: ignore[index]


def shell(command: str) -> bool:
    """Whether ``/bin/sh`` runs ``command`` (as cron would hand it over) successfully."""
    return subprocess.run(["/bin/sh", "-c", command.replace("\\%", "%")], timeout=30
                          ).returncode == 0


def test_one_line_per_enabled_job_with_its_fields_locks_and_timeout(tmp_path: Path) -> None:
    install = make_install(tmp_path)
    text = deployment_text("cron", install, jobs_config(tmp_path))
    assert "CRON_TZ=Asia/Shanghai" in text.splitlines() and "Job off has enabled = false" in text
    lines = entries(text)
    assert sorted(lines) == ["daily", "mid", "month-end", "weekly", "yearly"]
    fields = {name: line.split(" ", 5)[:5] for name, line in lines.items()}
    assert fields == {"daily": ["30", "7", "*", "*", "1-5"], "weekly": ["0", "9", "*", "*", "1"],
                      "month-end": ["30", "21", "28-31", "*", "*"],
                      "mid": ["30", "7", "15", "*", "*"], "yearly": ["30", "7", "5", "1", "*"]}
    for name, line in lines.items():
        assert re.search(r"(?<!\\)%", line) is None  # cron would cut the command there
        args = shlex.split(line.split(" ", 5)[5].replace("\\%", "%"))
        assert args[args.index("--job") + 1] == name
        assert args[args.index("flock"):args.index("flock") + 5] == [
            "flock", "-n", str(install.job_lock_file(name)), "flock", str(install.lock_file)]
        assert args[args.index("timeout") + 3] == ("1800" if name == "weekly" else "3600")
    assert lines["month-end"].split(" ", 5)[5].startswith(
        last_day_test(ZONE).replace("%", "\\%") + " && cd ")
    assert weekday_test(ZONE).replace("%", "\\%") in lines["mid"]
    assert "date" not in lines["yearly"] and "date" not in lines["weekly"]


@pytest.mark.parametrize(("name", "shift", "expected"), [
    ("daily", -1, CronWhen("*", "*", "0-4")),
    ("weekly", -1, CronWhen("*", "*", "0")),
    ("weekly", 1, CronWhen("*", "*", "2")),
    ("month-end", -1, CronWhen("*", "*", "*", (last_day_test(ZONE),))),
    ("mid", -1, CronWhen("*", "*", "*", (date_test(ZONE, "%d", "= 15"), weekday_test(ZONE)))),
    ("yearly", 1, CronWhen("*", "*", "*", (date_test(ZONE, "%m-%d", "= 01-05"),))),
])
def test_a_host_a_day_off_tests_the_date_in_the_jobs_timezone(
    tmp_path: Path, name: str, shift: int, expected: CronWhen
) -> None:
    assert cron_when(by_name(tmp_path)[name], shift) == expected


def test_the_host_lines_are_converted_per_job(tmp_path: Path) -> None:
    host = datetime(2026, 11, 27, 12, tzinfo=timezone.utc)  # Shanghai is 8 hours ahead
    text = deployment_text("cron", make_install(tmp_path, host=host), jobs_config(tmp_path))
    fields = {name: line.split(" ", 5)[:5] for name, line in entries(text, True).items()}
    assert fields == {"daily": ["30", "23", "*", "*", "0-4"], "weekly": ["0", "1", "*", "*", "1"],
                      "month-end": ["30", "13", "28-31", "*", "*"],
                      "mid": ["30", "23", "*", "*", "*"], "yearly": ["30", "23", "*", "*", "*"]}
    assert "= 15 ]" in entries(text, True)["mid"] and "= 01-05 ]" in entries(text, True)["yearly"]


DAYS = [date(2026, 1, 1) + timedelta(days=n) for n in range(0, 3 * 366, 13)] + [
    date(2026, 2, 28), date(2028, 2, 28), date(2028, 2, 29), date(2026, 4, 30),
    date(2026, 12, 31), date(2027, 1, 31), date(2026, 6, 29), date(2026, 6, 30)]


@pytest.mark.parametrize("zone", [ZONE, "America/New_York", "Pacific/Kiritimati"])
def test_the_date_tests_hold_on_exactly_the_right_days(zone: str) -> None:
    script = "\n".join(
        f"{last_day_test(zone, day)} && echo {day}:last; "
        f"{weekday_test(zone, day)} && echo {day}:weekday; "
        f"{date_test(zone, '%d', '= 15', day)} && echo {day}:15; "
        f"{date_test(zone, '%m-%d', '= 01-05', day)} && echo {day}:0105; true"
        for day in DAYS)
    done = subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    expected = set()
    for day in DAYS:
        if day.day == calendar.monthrange(day.year, day.month)[1]:
            expected.add(f"{day}:last")
        if day.weekday() < 5:
            expected.add(f"{day}:weekday")
        if day.day == 15:
            expected.add(f"{day}:15")
        if (day.month, day.day) == (1, 5):
            expected.add(f"{day}:0105")
    assert set(done.stdout.split()) == expected
    assert {f"{date(2028, 2, 29)}:last", f"{date(2026, 2, 28)}:last"} <= expected
    assert f"{date(2028, 2, 28)}:last" not in expected


def test_the_real_tomorrow_test_agrees_with_the_calendar() -> None:
    now = datetime.now(ZoneInfo(ZONE))
    if now.hour == 23 and now.minute == 59:
        pytest.skip("too close to midnight in the zone to compare dates")
    assert shell(last_day_test(ZONE)) == (
        now.day == calendar.monthrange(now.year, now.month)[1])


def test_job_lines_run_in_a_shell_one_after_the_other(tmp_path: Path) -> None:
    folder = tmp_path / "it's 100% diary"
    folder.mkdir()
    fake = folder / "python"  # records how it was called instead of running a report
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@" >> "$(dirname "$0")/called"\n')
    fake.chmod(0o755)
    install = make_install(folder, python=fake)
    command = entries(deployment_text("cron", install, jobs_config(folder)))["daily"]
    command = command.split(" ", 5)[5]
    with install.job_lock_file("daily").open("a") as held:  # the job's last run goes on
        fcntl.flock(held, fcntl.LOCK_EX)
        assert not shell(command)
    assert not (folder / "called").exists()
    shared = install.lock_file.open("a")  # another job is running: this one waits for it
    fcntl.flock(shared, fcntl.LOCK_EX)
    threading.Timer(1.0, shared.close).start()
    started = time.monotonic()
    assert shell(command)
    assert time.monotonic() - started >= 0.9
    called = (folder / "called").read_text().splitlines()
    assert called == ["-m", "diaryflow", "run", "--job", "daily", "--config", str(install.config)]
