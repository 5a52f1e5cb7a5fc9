"""Constants and plain functions the tests share; fixtures stay in conftest.py."""

from __future__ import annotations

import getpass
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from diaryflow.config.load import Config, SchedulerSettings, config_from_mapping, load_config
from diaryflow.flowus.client import FlowUsClient
from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from diaryflow.schedule.deploy.install import Install
from diaryflow.state.store import Store

END = date(2026, 11, 27)  # the sample diary's newest day in the shared sandbox fixtures
TOKEN = "sandbox-token"

# The pacing tests shrink FlowUs's 60 s window to 2 s. The client's 1% spacing margin absorbs
# 0.6 s of scheduling jitter on the real window but only 20 ms on this one, and the server
# shares the test's process (and GIL), so the client is told 10% under the server's rate:
# the 21st read is due 2.24 s after the first, 0.24 s of slack for the threads' jitter.
PACED_LIMIT, PACED_WINDOW, PACED_RATE = 20, 2.0, 540


def most_in_a_window(stamps: list[float], window: float) -> int:
    """The most timestamps in any half-open interval of ``window`` seconds."""
    ordered = sorted(stamps)
    most, first = 0, 0
    for last, stamp in enumerate(ordered):
        while ordered[first] <= stamp - window:
            first += 1
        most = max(most, last - first + 1)
    return most

ClientFactory = Callable[..., FlowUsClient]
StoreFactory = Callable[..., Store]  # opens the test's state database (store_factory fixture)

ROOT = Path(__file__).resolve().parents[1]  # the repository
LEGACY = ROOT / "tests" / "fixtures" / "legacy_config.toml"


def diaryflow(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "diaryflow", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def scheduler(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scheduler.py"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


# ----- deploy: the settings and install folders the generated configs are made for
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


def systemd_analyze() -> str:
    """The systemd-analyze binary; skipped without it, except where CI requires it."""
    found = shutil.which("systemd-analyze")
    if found is not None:
        return found
    if os.environ.get("DIARYFLOW_REQUIRE_SYSTEMD") == "1" or os.environ.get("CI"):
        pytest.fail("systemd-analyze is missing but required here (DIARYFLOW_REQUIRE_SYSTEMD=1 or "
                    "CI is set): install Debian's systemd package (apt-get install systemd)")
    pytest.skip("systemd-analyze is not installed here (apt-get install systemd)")


def verify_units(units: dict[str, str], folder: Path, instances: tuple[str, ...] = ()) -> None:
    """Write the units into ``folder`` and have ``systemd-analyze verify`` accept them all, and
    the ``instances`` of the templates among them (``name@1.service``)."""
    analyze = systemd_analyze()
    for name, text in units.items():
        (folder / name).write_text(text, encoding="utf-8")
    result = subprocess.run([analyze, "verify", *units, *instances], cwd=folder,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert not [line for line in result.stderr.splitlines() if "diaryflow" in line], result.stderr


def on_calendar(timer: str) -> str:
    [value] = [line.split("=", 1)[1] for line in timer.splitlines()
               if line.startswith("OnCalendar=")]
    return value


# ----- pipeline: a config for the sample sandbox, and a model that echoes what it was shown
MODEL = "deepseek-ai/DeepSeek-V3"  # the model the pipeline tests configure
# An entry's heading in data.log or a model request: day, title and (requests only) reference.
ENTRY_HEADING = re.compile(r"^## (\d{4}-\d{2}-\d{2}) · (.+?)(?: (〔E\d+〕))?$", re.M)


def make_config(sandbox: FlowUsSandbox, folder: Path, **sections: dict[str, Any]) -> Config:
    data: dict[str, dict[str, Any]] = {
        "flowus": {
            "token": sandbox.token, "base_url": sandbox.base_url,
            "url": f"https://flowus.cn/x/{ROOT_PAGE_ID}", "parent_page_id": ROOT_PAGE_ID,
            "date_property": "日期", "reads_per_minute": 60_000, "writes_per_minute": 60_000,
        },
        "siliconflow": {"model": "offline"},
    }
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    return config_from_mapping(data, base_dir=folder)


def echo_titles(request: dict[str, Any]) -> str:
    """A model that lists the diary headings it was shown, with their references (or the
    summaries it combines)."""
    user = request["messages"][-1]["content"]
    titles = [f"- {day} {title} {ref}".rstrip() for day, title, ref in ENTRY_HEADING.findall(user)]
    return "## 摘要\n\n" + ("\n".join(titles) if titles else user[-2000:])
