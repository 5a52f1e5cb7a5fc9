"""diaryflow deploy for cron: the crontab line, in the host's timezone, run by a real shell."""

from __future__ import annotations

import fcntl
import re
import shlex
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from diaryflow.config.load import SchedulerSettings
from diaryflow.schedule.child import GRACE_SECONDS
from diaryflow.schedule.deploy.cron import cron_line
from tests.helpers import make_install, sched

WEEKDAYS = sched(time="07:30", run_on_weekends=False, timeout=1800)


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
