"""diaryflow deploy: an install detected from a config, and the text shown for each target."""

from __future__ import annotations

import getpass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from diaryflow.config.load import config_from_mapping
from diaryflow.schedule.deploy import deployment_text
from diaryflow.schedule.deploy.install import Install
from tests.helpers import PYTHON, write_config


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


FIXTURES = Path(__file__).parent / "fixtures" / "deploy"


@pytest.mark.parametrize("target", ["supervisor", "systemd", "cron"])
def test_without_jobs_the_output_is_what_it_was_before_jobs(target: str) -> None:
    # The fixtures were printed by the deploy module before [[jobs]] existed.
    folder = Path("/srv/it's 100% \"my\" diary $HOME")
    config = config_from_mapping(
        {"scheduler": {"time": "23:59", "run_on_weekends": False, "timezone": "America/New_York",
                       "timeout": 77}, "logging": {"dir": "my logs"}},
        folder, source=folder / "config.toml")
    install = Install(python=Path("/opt/venv %n/bin/python"), config=folder / "config.toml",
                      workdir=folder, user="me", log_dir=config.logging.dir,
                      host_time=datetime(2026, 11, 27, 12, tzinfo=timezone.utc))
    expected = (FIXTURES / f"without-jobs.{target}").read_text(encoding="utf-8")
    assert deployment_text(target, install, config) == expected
