"""diaryflow deploy: an install detected from a config, and the text shown for each target."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from diaryflow.schedule.deploy import Install, deployment_text
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
