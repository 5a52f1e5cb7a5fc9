"""``diaryflow tenants ...`` through the real command line against a real PostgreSQL."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from diaryflow.cluster.database import open_cluster, tenant_schema
from diaryflow.cluster.secrets import cipher_from_env, new_key
from diaryflow.cluster.settings import ClusterSettings
from diaryflow.cluster.tenants import tenant_config
from tests.cluster.tenant_files import FLOWUS_TOKEN, SECRETS, write_tenant_config
from tests.postgres import PostgresServer, free_port

pytestmark = pytest.mark.services


class Cli:
    """Runs ``diaryflow tenants ...`` in a subprocess with the cluster's environment."""

    def __init__(self, url: str, folder: Path, key: str) -> None:
        self.env = {**os.environ, "DIARYFLOW_DATABASE_URL": url,
                    "DIARYFLOW_BROKER_URL": "redis://127.0.0.1:1/0", "DIARYFLOW_SECRET_KEY": key}
        for name in ("FLOWUS_TOKEN", "SILICONFLOW_API_KEY", "DIARYFLOW_CONFIG"):
            self.env.pop(name, None)
        self.folder = folder
        self.url = url

    def __call__(self, *args: str, stdin: int | None = subprocess.DEVNULL,
                 **env: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "diaryflow", "tenants", *args],
                              capture_output=True, text=True, cwd=self.folder, stdin=stdin,
                              env={**self.env, **env}, timeout=120)
        assert "Traceback" not in done.stderr, done.stderr
        for secret in SECRETS:
            assert secret not in done.stdout + done.stderr
        return done

    def settings(self) -> ClusterSettings:
        return ClusterSettings(database_url=self.url, broker_url="redis://127.0.0.1:1/0")


@pytest.fixture
def cli(postgres: PostgresServer, tmp_path: Path) -> Cli:
    return Cli(postgres.new_database(), tmp_path, new_key())


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_add_list_disable_enable_remove(cli: Cli, tmp_path: Path) -> None:
    config = write_tenant_config(tmp_path / "alice")
    done = cli("add", "alice", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert "Added tenant alice" in done.stdout and "daily, weekly" in done.stdout
    assert cli("add", "bob", "--config", str(config)).returncode == 0
    with open_cluster(cli.settings()) as cluster:
        [(alice_id,)] = cluster.query("SELECT id FROM tenants WHERE name = 'alice'")
        cluster.execute(
            "INSERT INTO cluster_runs (tenant_id, job, period, state, due_at, finished_at, "
            "max_attempts, timeout) VALUES (?, 'weekly', '2026-W48', 'done', "
            "'2026-11-30T08:15:00Z', '2026-11-30T08:17:42Z', 3, 3600)", (alice_id,))

    assert cli("disable", "bob").returncode == 0
    table = cli("list")
    assert table.returncode == 0, table.stderr
    header, alice, bob = table.stdout.splitlines()
    assert header.split() == ["NAME", "STATE", "JOBS", "TIMEZONE", "LAST", "RUN"]
    assert alice.split() == ["alice", "enabled", "daily,", "weekly", "Europe/Berlin", "weekly",
                             "2026-W48", "done", "2026-11-30", "08:17Z"]
    assert bob.split() == ["bob", "disabled", "daily,", "weekly", "Europe/Berlin", "-"]

    listed = json.loads(cli("list", "--json").stdout)
    assert [(t["name"], t["enabled"]) for t in listed] == [("alice", True), ("bob", False)]
    assert listed[0]["last_run"] == {"job": "weekly", "period": "2026-W48", "state": "done",
                                     "finished_at": "2026-11-30T08:17:42+00:00"}
    assert listed[0]["jobs"] == ["daily", "weekly"] and listed[1]["last_run"] is None
    assert listed[0]["timezone"] == "Europe/Berlin"

    assert cli("enable", "bob").returncode == 0
    assert all(t["enabled"] for t in json.loads(cli("list", "--json").stdout))

    done = cli("remove", "alice", "--yes")
    assert done.returncode == 0, done.stderr
    with open_cluster(cli.settings()) as cluster:
        found = {r[0] for r in cluster.query("SELECT schema_name FROM information_schema.schemata")}
        assert tenant_schema(alice_id) not in found
        assert cluster.query("SELECT count(*) FROM cluster_runs") == [(0,)]
    assert [t["name"] for t in json.loads(cli("list", "--json").stdout)] == ["bob"]


def test_the_tenants_table_holds_no_plaintext_secret(cli: Cli, tmp_path: Path) -> None:
    config = write_tenant_config(tmp_path / "alice")
    assert cli("add", "alice", "--config", str(config)).returncode == 0
    with open_cluster(cli.settings()) as cluster:
        rows = cluster.query("SELECT * FROM tenants")
        [(schedule,)] = cluster.query("SELECT schedule_json FROM tenants")
        [(tenant_id,)] = cluster.query("SELECT id FROM tenants")
        stored = " ".join(str(value) for row in rows for value in row)
        assert "alice" in stored and "weekly" in stored  # the check sees the columns
        assert [secret for secret in SECRETS if secret in stored] == []
        assert [secret for secret in SECRETS if secret in schedule] == []
        # a worker opening the bundle gets the token back
        worker = tenant_config(cluster, cipher_from_env(cli.env), tenant_id, tmp_path / "work")
    assert worker.flowus.token is not None
    assert worker.flowus.token.get_secret_value() == FLOWUS_TOKEN


def test_a_wrong_secret_key_is_one_line(cli: Cli, tmp_path: Path) -> None:
    assert cli("add", "alice", "--config", str(write_tenant_config(tmp_path))).returncode == 0
    done = cli("rotate-key", DIARYFLOW_SECRET_KEY=new_key())
    assert done.returncode == 2
    assert one_line(done).startswith("diaryflow: error: DIARYFLOW_SECRET_KEY: tenant alice: "
                                     "cannot decrypt")
    done = cli("add", "bob", "--config", str(write_tenant_config(tmp_path)),
               DIARYFLOW_SECRET_KEY="not-a-fernet-key")
    assert done.returncode == 2 and "DIARYFLOW_SECRET_KEY" in one_line(done)


def test_rotation_makes_the_new_key_alone_enough(cli: Cli, tmp_path: Path) -> None:
    old = cli.env["DIARYFLOW_SECRET_KEY"]
    new = new_key()
    assert cli("add", "alice", "--config", str(write_tenant_config(tmp_path))).returncode == 0
    assert cli("rotate-key", DIARYFLOW_SECRET_KEY=new).returncode == 2  # not yet
    done = cli("rotate-key", DIARYFLOW_SECRET_KEY=f"{new},{old}")
    assert done.returncode == 0 and "Re-encrypted 1 tenant" in done.stdout
    assert cli("rotate-key", DIARYFLOW_SECRET_KEY=new).returncode == 0
    assert cli("rotate-key", DIARYFLOW_SECRET_KEY=old).returncode == 2
    with open_cluster(cli.settings()) as cluster:
        [(tenant_id,)] = cluster.query("SELECT id FROM tenants")
        config = tenant_config(cluster, cipher_from_env({"DIARYFLOW_SECRET_KEY": new}),
                               tenant_id, tmp_path / "work")
    assert config.flowus.token is not None
    assert config.flowus.token.get_secret_value() == FLOWUS_TOKEN


def test_refusals_are_one_line_exit_2(cli: Cli, tmp_path: Path) -> None:
    config = str(write_tenant_config(tmp_path))
    assert cli("add", "alice", "--config", config).returncode == 0
    done = cli("add", "alice", "--config", config)
    assert done.returncode == 2
    assert one_line(done) == ('diaryflow: error: tenant name = "alice": taken by another '
                              "tenant: choose another name, or remove that tenant first")
    done = cli("add", "no spaces", "--config", config)
    assert done.returncode == 2 and 'tenant name = "no spaces"' in one_line(done)
    done = cli("add", "carol")
    assert done.returncode == 2 and one_line(done).startswith("diaryflow: error: --config:")
    done = cli("add", "carol", "--config", str(tmp_path / "absent.toml"))
    assert done.returncode == 2 and "file not found" in one_line(done)
    done = cli("enable", "nobody")
    assert done.returncode == 2 and 'tenant = "nobody": no such tenant' in one_line(done)
    done = cli("remove", "alice")  # stdin is not a terminal
    assert done.returncode == 2 and "--yes" in one_line(done)
    done = cli()
    assert done.returncode == 2 and "which action?" in one_line(done)
    assert [t["name"] for t in json.loads(cli("list", "--json").stdout)] == ["alice"]


def test_remove_asks_on_a_terminal(cli: Cli, tmp_path: Path) -> None:
    assert cli("add", "alice", "--config", str(write_tenant_config(tmp_path))).returncode == 0
    for answer, code, left in (("n", 2, ["alice"]), ("y", 0, [])):
        primary, secondary = pty.openpty()
        try:
            os.write(primary, f"{answer}\n".encode())
            done = cli("remove", "alice", stdin=secondary)
        finally:
            os.close(primary)
            os.close(secondary)
        assert done.returncode == code, done.stderr
        assert "Remove tenant alice and all its state" in done.stdout
        assert [t["name"] for t in json.loads(cli("list", "--json").stdout)] == left


def test_a_missing_database_url_is_one_line_naming_it(cli: Cli) -> None:
    done = cli("list", DIARYFLOW_DATABASE_URL="")
    assert done.returncode == 2
    assert one_line(done).startswith("diaryflow: error: DIARYFLOW_DATABASE_URL: not set")


def test_a_database_url_from_cluster_toml(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "elsewhere.toml").write_text(
        f'[cluster]\ndatabase_url = "{cli.url}"\nbroker_url = "redis://127.0.0.1:1/0"\n')
    done = cli("list", "--cluster-config", str(tmp_path / "elsewhere.toml"),
               DIARYFLOW_DATABASE_URL="", DIARYFLOW_BROKER_URL="")
    assert done.returncode == 0 and done.stdout.startswith("No tenants yet"), done.stderr


def test_an_unreachable_database_is_one_line_exit_1(cli: Cli) -> None:
    closed = f"postgresql://postgres:hunter2secret@127.0.0.1:{free_port()}/diaryflow"
    done = cli("list", DIARYFLOW_DATABASE_URL=closed)
    assert done.returncode == 1
    line = one_line(done)
    assert line.startswith("diaryflow: error: DIARYFLOW_DATABASE_URL: cannot use the database")
    assert "hunter2secret" not in line


def test_help_explains_the_commands() -> None:
    done = subprocess.run([sys.executable, "-m", "diaryflow", "tenants", "add", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "--cluster-config" in done.stdout and "DIARYFLOW_SECRET_KEY" in done.stdout
