"""diaryflow deploy for a cluster: systemd units for planner and workers, docker compose."""

from __future__ import annotations

import getpass
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from diaryflow.cli.main import build_parser, main
from diaryflow.cluster.settings import cluster_settings_from_mapping
from diaryflow.errors import ConfigError
from diaryflow.schedule.deploy.cluster_install import ClusterInstall
from diaryflow.schedule.deploy.cluster_text import (
    cluster_deployment_text,
    compose_files,
    systemd_files,
)
from diaryflow.schedule.deploy.cluster_units import WORKER_STOP_SECONDS
from diaryflow.schedule.deploy.compose import FERNET_KEY_COMMAND
from tests.helpers import PYTHON, ROOT, diaryflow, verify_units

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

UNITS = "/etc/systemd/system/"
SECRET = "FAKE-SECRET-7c0ffee"  # in every connection and key the commands can see


def make_cluster(folder: Path, python: Path = PYTHON, workers: int = 3) -> ClusterInstall:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cluster.toml").write_text("", encoding="utf-8")
    return ClusterInstall(python=python, workdir=folder, user=getpass.getuser(),
                          cluster_config=folder / "cluster.toml", workers=workers)


def units_of(install: ClusterInstall) -> dict[str, str]:
    return {path.removeprefix(UNITS): text for path, text in systemd_files(install).items()
            if path.startswith(UNITS)}


def settings(unit: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in unit.splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            found.setdefault(key, []).append(value)
    return found


def test_systemd_analyze_verifies_the_cluster_units(tmp_path: Path) -> None:
    # Every escape is needed: verify fails when it cannot find the binary.
    odd = tmp_path / "py dir %n $HOME"
    odd.mkdir()
    (odd / "python").symlink_to(PYTHON)
    install = make_cluster(tmp_path / "my 100% cluster $HOME", python=odd / "python")
    units = units_of(install)
    assert sorted(units) == ["diaryflow-migrate.service", "diaryflow-planner.service",
                             "diaryflow-worker@.service"]
    verify_units(units, tmp_path, instances=("diaryflow-worker@1.service",
                                             "diaryflow-worker@12.service"))


def test_the_units_run_the_cluster_commands(tmp_path: Path) -> None:
    install = make_cluster(tmp_path / "c")
    units = units_of(install)
    where = f'--cluster-config "{tmp_path}/c/cluster.toml"'
    expected = {
        "diaryflow-migrate.service": f"cluster migrate {where}",
        "diaryflow-planner.service": f"cluster plan {where}",
        "diaryflow-worker@.service": f"cluster worker --concurrency 4 {where}",
    }
    for name, args in expected.items():
        assert settings(units[name])["ExecStart"] == [f'"{PYTHON}" -m diaryflow {args}']
    without = ClusterInstall(python=PYTHON, workdir=tmp_path, user="me", cluster_config=None,
                             concurrency=7)
    assert settings(units_of(without)["diaryflow-worker@.service"])["ExecStart"] == [
        f'"{PYTHON}" -m diaryflow cluster worker --concurrency 7']


@pytest.mark.parametrize("name", ["diaryflow-planner.service", "diaryflow-worker@.service"])
def test_long_running_units_restart_stop_warmly_and_keep_secrets_apart(
    tmp_path: Path, name: str
) -> None:
    install = make_cluster(tmp_path / "c")
    unit = settings(units_of(install)[name])
    deps = "network-online.target postgresql.service redis-server.service"
    assert unit["Wants"] == unit["After"] == [f"{deps} diaryflow-migrate.service"]
    assert "Requires" not in unit and "ExecStartPre" not in unit
    assert unit["Restart"] == ["always"] and unit["RestartSec"] == ["10"]
    assert unit["RestartPreventExitStatus"] == ["2"] and unit["StartLimitIntervalSec"] == ["0"]
    assert unit["KillSignal"] == ["SIGTERM"] and unit["KillMode"] == ["mixed"]
    assert unit["EnvironmentFile"] == ["/etc/diaryflow/cluster.env"]
    assert unit["Environment"] == ["PYTHONUNBUFFERED=1"]
    assert unit["User"] == [getpass.getuser()] and unit["WorkingDirectory"] == [f"{tmp_path}/c"]
    assert unit["WantedBy"] == ["multi-user.target"]
    stop = int(unit["TimeoutStopSec"][0])
    assert stop == (WORKER_STOP_SECONDS if "worker" in name else 30)
    migrate = settings(units_of(install)["diaryflow-migrate.service"])
    assert migrate["Type"] == ["oneshot"] and "WantedBy" not in migrate
    assert "RemainAfterExit" not in migrate
    assert migrate["EnvironmentFile"] == unit["EnvironmentFile"]


def compose(install: ClusterInstall) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(compose_files(install)["docker-compose.yml"])
    return data


def test_the_compose_file_has_every_service_in_order(tmp_path: Path) -> None:
    data = compose(make_cluster(tmp_path, workers=5))
    services = data["services"]
    assert set(services) == {"redis", "postgres", "migrate", "planner", "worker"}
    assert set(data["volumes"]) == {"redis-data", "postgres-data"}
    redis, postgres = services["redis"], services["postgres"]
    assert redis["image"] == "redis:7" and redis["command"][-2:] == ["--appendonly", "yes"]
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert postgres["image"] == "postgres:16" and postgres["env_file"] == ["postgres.env"]
    assert postgres["environment"]["POSTGRES_DB"] == "diaryflow"
    assert "--locale=C" in postgres["environment"]["POSTGRES_INITDB_ARGS"].split()
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert postgres["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    assert not any("ports" in service for service in services.values())
    healthy = {"condition": "service_healthy"}
    assert services["migrate"]["depends_on"] == {"postgres": healthy}
    assert services["migrate"]["restart"] == "no"
    commands = {"migrate": ["cluster", "migrate"], "planner": ["cluster", "plan"],
                "worker": ["cluster", "worker", "--concurrency", "4"]}
    for name, command in commands.items():
        service = services[name]
        assert service["command"] == command
        assert service["image"] == "diaryflow-cluster:local" and service["build"] == "."
        assert service["env_file"] == ["cluster.env"] and "environment" not in service
        if name != "migrate":
            assert service["depends_on"] == {
                "postgres": healthy, "redis": healthy,
                "migrate": {"condition": "service_completed_successfully"}}
            assert service["stop_signal"] == "SIGTERM"
    assert services["planner"]["deploy"] == {"replicas": 1}
    assert services["worker"]["deploy"] == {"replicas": 5}
    assert services["worker"]["stop_grace_period"] == f"{WORKER_STOP_SECONDS}s"


def test_the_dockerfile_copies_what_pyproject_builds_from(tmp_path: Path) -> None:
    dockerfile = compose_files(make_cluster(tmp_path))["Dockerfile"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    copied = {word for line in dockerfile.splitlines() if line.startswith("COPY ")
              for word in line.split()[1:-1]}
    assert copied == {"pyproject.toml", project["project"]["readme"],
                      *project["tool"]["setuptools"]["packages"]["find"]["where"]}
    assert "cluster" in project["project"]["optional-dependencies"]
    assert "'.[cluster]'" in dockerfile
    assert 'ENTRYPOINT ["python", "-m", "diaryflow"]' in dockerfile.splitlines()


def env_file(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines()
                if line and not line.startswith("#"))


@pytest.mark.parametrize("files", [systemd_files, compose_files])
def test_the_env_template_names_every_variable_with_placeholders(
    tmp_path: Path, files: Any
) -> None:
    [env] = [text for path, text in files(make_cluster(tmp_path)).items()
             if path.endswith("cluster.env")]
    values = env_file(env)
    assert set(values) == {"DIARYFLOW_DATABASE_URL", "DIARYFLOW_BROKER_URL",
                           "DIARYFLOW_SECRET_KEY"}
    assert "#SILICONFLOW_API_KEY=" in env.splitlines()
    assert values["DIARYFLOW_SECRET_KEY"] == "CHANGE-ME"
    assert ":CHANGE-ME@" in values["DIARYFLOW_DATABASE_URL"]
    settings = cluster_settings_from_mapping({}, values)  # the cluster accepts the URLs
    assert settings.from_env == ("DIARYFLOW_DATABASE_URL", "DIARYFLOW_BROKER_URL")


def test_the_fernet_key_command_makes_a_key() -> None:
    from cryptography.fernet import Fernet

    command = FERNET_KEY_COMMAND.replace("python ", f"'{sys.executable}' ", 1)
    done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    Fernet(done.stdout.strip().encode())  # raises on anything but a key


@pytest.mark.parametrize("target", ["systemd", "compose"])
def test_the_printed_text_is_every_file_with_a_header(tmp_path: Path, target: str) -> None:
    install = make_cluster(tmp_path)
    text = cluster_deployment_text(target, install)
    files = systemd_files(install) if target == "systemd" else compose_files(install)
    for path, body in files.items():
        assert f"# Save as {path}\n# {'=' * 76}\n{body}" in text
    if target == "systemd":
        assert "systemctl enable --now diaryflow-planner.service diaryflow-worker@{1..3}.service" \
            in text
    assert "CHANGE-ME" in text
    with pytest.raises(ValueError, match="unknown cluster target"):
        cluster_deployment_text("cron", install)


@pytest.mark.parametrize("args", [["systemd", "--cluster", "--cluster-config", "cluster.toml"],
                                  ["compose", "--workers", "4"]])
def test_no_secret_reaches_what_deploy_prints(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "cluster.toml").write_text(
        f'[cluster]\ndatabase_url = "postgresql://u:{SECRET}@db:5432/diaryflow"\n'
        f'broker_url = "redis://:{SECRET}@q:6379/0"\n', encoding="utf-8")
    env = {"DIARYFLOW_DATABASE_URL": f"postgresql://u:{SECRET}@db/diaryflow",
           "DIARYFLOW_BROKER_URL": f"redis://:{SECRET}@q:6379/0",
           "DIARYFLOW_SECRET_KEY": SECRET, "SILICONFLOW_API_KEY": SECRET}
    done = diaryflow("deploy", *args, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "[Service]" in done.stdout or "services:" in done.stdout
    assert SECRET not in done.stdout + done.stderr
    assert done.stderr == ""


def run_main(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.chdir(folder)
    return main(["deploy", *args])


def test_cluster_config_defaults_to_the_one_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_main(tmp_path, monkeypatch, "systemd", "--cluster") == 0
    out = capsys.readouterr().out
    assert "--cluster-config" not in out and f"WorkingDirectory={tmp_path}\n" in out
    (tmp_path / "cluster.toml").write_text("", encoding="utf-8")
    assert run_main(tmp_path, monkeypatch, "systemd", "--cluster", "--workers", "1") == 0
    out = capsys.readouterr().out
    assert f'--cluster-config "{tmp_path}/cluster.toml"' in out
    assert "enable --now diaryflow-planner.service diaryflow-worker@1.service\n" in out


@pytest.mark.parametrize(("args", "message"), [
    (["supervisor", "--cluster"], "--cluster: systemd only"),
    (["cron", "--cluster"], "--cluster: systemd only"),
    (["systemd", "--workers", "3"], "--workers: only with systemd --cluster or compose"),
    (["systemd", "--concurrency", "3"], "--concurrency: only with systemd --cluster or compose"),
    (["supervisor", "--cluster-config", "c.toml"], "--cluster-config: only with"),
    (["compose", "--web"], "--web: not in cluster mode"),
    (["systemd", "--cluster", "--web"], "--web: not in cluster mode"),
    (["compose", "--cluster-config", "c.toml"], "--cluster-config: systemd --cluster only"),
    (["systemd", "--cluster", "--cluster-config", "missing.toml"],
     '--cluster-config = "missing.toml": file not found'),
])
def test_misused_flags_are_one_line_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    args: list[str], message: str
) -> None:
    assert run_main(tmp_path, monkeypatch, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"diaryflow: error: {message}") and err.count("\n") == 1, err


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_workers_must_be_a_positive_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    value: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        run_main(tmp_path, monkeypatch, "compose", "--workers", value)
    assert exit_.value.code == 2
    assert "expected a whole number of at least 1" in capsys.readouterr().err


def test_cluster_install_checks_its_values(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="workdir must be absolute"):
        ClusterInstall(python=PYTHON, workdir=Path("rel"), user="me", cluster_config=None)
    with pytest.raises(ConfigError, match="--workers"):
        ClusterInstall(python=PYTHON, workdir=tmp_path, user="me", cluster_config=None,
                       workers=0)
    with pytest.raises(ConfigError, match="cluster_config"):
        ClusterInstall(python=PYTHON, workdir=tmp_path, user="me",
                       cluster_config=tmp_path / "a\nb.toml")


def test_every_printed_command_parses_as_a_cluster_command(tmp_path: Path) -> None:
    install = make_cluster(tmp_path / "site")
    commands = [shlex.split(value)[3:] for unit in units_of(install).values()
                for value in settings(unit).get("ExecStart", [])]
    commands += [service["command"] for name, service in compose(install)["services"].items()
                 if name in ("migrate", "planner", "worker")]
    assert len(commands) == 6
    parser = build_parser()
    actions = set()
    for argv in commands:
        args = parser.parse_args(argv)
        assert args.command == "cluster"
        actions.add(args.action)
    assert actions == {"migrate", "plan", "worker"}
