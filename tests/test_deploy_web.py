"""deploy --web: a second supervisor program / systemd unit running the dashboard."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx

from diaryflow.schedule.deploy import deployment_text
from diaryflow.schedule.deploy.install import Install
from diaryflow.schedule.deploy.supervisor import supervisor_program
from diaryflow.schedule.deploy.web import supervisor_web, systemd_web
from tests.helpers import diaryflow, make_install, verify_units, write_config
from tests.test_deploy_supervisor import far_from_now, supervisord


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_web_adds_one_program_or_unit_and_cron_refuses_it(tmp_path: Path) -> None:
    config = write_config(tmp_path, 'time = "08:00"')
    install = Install.detect(config)
    plain = deployment_text("supervisor", install, config)
    with_web = deployment_text("supervisor", install, config, web=True)
    assert with_web.startswith(plain) and with_web.count("[program:") == 2
    assert "-m diaryflow web --config" in with_web
    systemd = deployment_text("systemd", install, config, web=True)
    assert systemd.startswith(deployment_text("systemd", install, config))
    assert "diaryflow-web.service" in systemd and "-m diaryflow web --config" in systemd
    result = diaryflow("deploy", "cron", "--web", "--config", str(tmp_path / "config.toml"))
    assert result.returncode == 2 and result.stderr.strip().splitlines() == [
        "diaryflow: error: --web: supervisor or systemd only: cron cannot keep the dashboard "
        "running"]


def test_systemd_analyze_verifies_the_web_unit(tmp_path: Path) -> None:
    install = make_install(tmp_path)
    verify_units({"diaryflow-web.service": systemd_web(install)}, tmp_path)


def test_supervisord_runs_the_dashboard_beside_serve(tmp_path: Path) -> None:
    folder = tmp_path / "diary"
    port = free_port()
    write_config(folder, f'time = "{far_from_now()}"\ncatch_up = false')
    with (folder / "config.toml").open("a", encoding="utf-8") as handle:
        handle.write(f"[web]\nport = {port}\n")
    install = make_install(folder)
    programs = supervisor_program(install) + "\n" + supervisor_web(install)
    with supervisord(tmp_path, programs) as ctl:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                if answer.json()["serve"] == "running":
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, ctl("status")
            time.sleep(0.3)
        assert "RUNNING" in ctl("status", "diaryflow-web")
