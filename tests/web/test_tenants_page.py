"""The dashboard's read-only /tenants page, shown only when it is started with a cluster."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from diaryflow.cluster.bundle import read_bundle
from diaryflow.cluster.database import open_cluster
from diaryflow.cluster.secrets import cipher_from_env, new_key
from diaryflow.cluster.settings import ClusterSettings
from diaryflow.cluster.tenants import add_tenant, set_enabled
from diaryflow.config.load import load_config
from tests.cluster.tenant_files import SECRETS, write_tenant_config
from tests.helpers import diaryflow
from tests.postgres import PostgresServer, free_port
from tests.web.serving import serving, write_config

pytestmark = pytest.mark.services
BROKER = "redis://127.0.0.1:1/0"


def test_tenants_are_listed_with_their_last_run(postgres: PostgresServer,
                                                tmp_path: Path) -> None:
    settings = ClusterSettings(database_url=postgres.new_database(), broker_url=BROKER)
    cipher = cipher_from_env({"DIARYFLOW_SECRET_KEY": new_key()})
    bundle = read_bundle(write_tenant_config(tmp_path / "user"))
    with open_cluster(settings) as cluster:
        alice = add_tenant(cluster, settings, cipher, "alice", bundle)
        add_tenant(cluster, settings, cipher, "bob", bundle)
        set_enabled(cluster, "bob", False)
        cluster.execute(
            "INSERT INTO cluster_runs (tenant_id, job, period, state, due_at, finished_at, "
            "max_attempts, timeout) VALUES (?, 'weekly', '2026-W48', 'failed', "
            "'2026-11-30T08:15:00Z', '2026-11-30T08:17:42Z', 3, 3600)", (alice.id,))
    config = load_config(write_config(tmp_path / "web", '[scheduler]\ntimezone = "UTC"\n'),
                         env={})
    with serving(config, cluster=settings) as url:
        page = httpx.get(f"{url}/tenants", headers={"accept-language": "en"})
        overview = httpx.get(f"{url}/", headers={"accept-language": "en"})
    assert page.status_code == 200
    assert '<a href="/tenants" aria-current="page">Tenants</a>' in page.text
    assert 'href="/tenants"' in overview.text
    rows = {name: page.text.split(f'data-tenant="{name}">', 1)[1].split("</tr>", 1)[0]
            for name in ("alice", "bob")}
    assert "enabled" in rows["alice"] and "weekly 2026-W48" in rows["alice"]
    assert "run-failed" in rows["alice"] and "2026-11-30 08:17 UTC" in rows["alice"]
    assert "disabled" in rows["bob"] and "<td>-</td><td>-</td>" in rows["bob"]
    assert "daily, weekly" in rows["bob"] and "Europe/Berlin" in rows["bob"]
    assert [secret for secret in SECRETS if secret in page.text] == []


def test_without_a_cluster_there_is_no_tenants_page(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path), env={})
    with serving(config) as url:
        page = httpx.get(f"{url}/tenants")
        overview = httpx.get(f"{url}/")
    assert page.status_code == 404
    assert overview.status_code == 200 and "/tenants" not in overview.text


def test_an_unreachable_cluster_is_a_503_page(tmp_path: Path) -> None:
    settings = ClusterSettings(
        database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/diaryflow",
        broker_url=BROKER)
    with serving(load_config(write_config(tmp_path), env={}), cluster=settings) as url:
        page = httpx.get(f"{url}/tenants", headers={"accept-language": "en"})
    assert page.status_code == 503 and "cannot be reached" in page.text


def test_web_cluster_without_a_database_url_is_one_line(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    done = diaryflow("web", "--cluster", "--config", str(path), "--port", str(free_port()),
                     cwd=tmp_path, env={"DIARYFLOW_DATABASE_URL": "", "DIARYFLOW_BROKER_URL": ""})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith(
        "diaryflow: error: DIARYFLOW_DATABASE_URL: not set")
    assert "Traceback" not in done.stderr
