"""Tenants in the cluster's PostgreSQL: sealed at rest, listed with their last run, removed
with their state, re-keyed."""

from __future__ import annotations

from pathlib import Path

import pytest

from diaryflow.cluster.bundle import read_bundle
from diaryflow.cluster.database import open_cluster, open_tenant, tenant_schema
from diaryflow.cluster.secrets import cipher_from_env, new_key
from diaryflow.cluster.settings import ClusterSettings
from diaryflow.cluster.tenants import (
    add_tenant,
    check_name,
    get_tenant,
    list_tenants,
    remove_tenant,
    rotate_keys,
    set_enabled,
    tenant_config,
)
from diaryflow.errors import ConfigError
from diaryflow.state.store import Store
from tests.cluster.tenant_files import FLOWUS_TOKEN, MODEL_KEY, SECRETS, write_tenant_config
from tests.postgres import PostgresServer

pytestmark = pytest.mark.services


@pytest.fixture
def settings(postgres: PostgresServer) -> ClusterSettings:
    return ClusterSettings(database_url=postgres.new_database(),
                           broker_url="redis://127.0.0.1:1/0")


def schemas(store: Store) -> set[str]:
    return {row[0] for row in store.query("SELECT schema_name FROM information_schema.schemata")}


def add_run(cluster: Store, tenant_id: int, job: str, period: str, state: str, due: str,
            finished: str | None = None) -> None:
    cluster.execute(
        "INSERT INTO cluster_runs (tenant_id, job, period, state, due_at, finished_at, "
        "max_attempts, timeout) VALUES (?, ?, ?, ?, ?, ?, 3, 3600)",
        (tenant_id, job, period, state, due, finished))


def test_names_are_short_and_plain() -> None:
    for good in ("alice", "team-a.b_c", "x" * 64, "A1"):
        assert check_name(good) == good
    for bad in ("", "x" * 65, "has space", "ünï", "a/b", "a;drop"):
        with pytest.raises(ConfigError, match=r"^tenant name"):
            check_name(bad)


def test_a_tenant_is_sealed_and_a_worker_gets_it_back(settings: ClusterSettings,
                                                      tmp_path: Path) -> None:
    cipher = cipher_from_env({"DIARYFLOW_SECRET_KEY": new_key()})
    bundle = read_bundle(write_tenant_config(tmp_path / "user"))
    with open_cluster(settings) as cluster:
        tenant = add_tenant(cluster, settings, cipher, "alice", bundle)
        assert tenant.enabled and tenant.jobs == ("daily", "weekly")
        assert tenant.timezone == "Europe/Berlin" and tenant.last_run is None
        assert tenant_schema(tenant.id) in schemas(cluster)
        rows = cluster.query("SELECT * FROM tenants")
        stored = " ".join(str(value) for row in rows for value in row)
        assert "Europe/Berlin" in stored  # the check sees the stored text at all
        assert [secret for secret in SECRETS if secret in stored] == []
        config = tenant_config(cluster, cipher, tenant.id, tmp_path / "work")
    assert config.flowus.token is not None and config.siliconflow.token is not None
    assert config.flowus.token.get_secret_value() == FLOWUS_TOKEN
    assert config.siliconflow.token.get_secret_value() == MODEL_KEY


def test_a_taken_name_is_refused(settings: ClusterSettings, tmp_path: Path) -> None:
    cipher = cipher_from_env({"DIARYFLOW_SECRET_KEY": new_key()})
    bundle = read_bundle(write_tenant_config(tmp_path))
    with open_cluster(settings) as cluster:
        add_tenant(cluster, settings, cipher, "alice", bundle)
        with pytest.raises(ConfigError, match=r'^tenant name = "alice": taken'):
            add_tenant(cluster, settings, cipher, "alice", bundle)
        assert len(list_tenants(cluster)) == 1


def test_the_list_shows_each_tenants_latest_run(settings: ClusterSettings,
                                                 tmp_path: Path) -> None:
    cipher = cipher_from_env({"DIARYFLOW_SECRET_KEY": new_key()})
    bundle = read_bundle(write_tenant_config(tmp_path))
    with open_cluster(settings) as cluster:
        alice = add_tenant(cluster, settings, cipher, "alice", bundle)
        bob = add_tenant(cluster, settings, cipher, "bob", bundle)
        add_tenant(cluster, settings, cipher, "carol", bundle)
        add_run(cluster, alice.id, "daily", "2026-11-26", "done", "2026-11-27T06:30:00Z",
                "2026-11-27T06:31:10Z")
        add_run(cluster, alice.id, "daily", "2026-11-27", "failed", "2026-11-28T06:30:00Z",
                "2026-11-28T06:40:00Z")
        add_run(cluster, bob.id, "weekly", "2026-W48", "running", "2026-11-30T08:15:00Z")
        set_enabled(cluster, "bob", False)
        found = {t.name: t for t in list_tenants(cluster)}
    assert list(found) == ["alice", "bob", "carol"]
    last = found["alice"].last_run
    assert last is not None and (last.job, last.period, last.state) == (
        "daily", "2026-11-27", "failed")
    assert last.finished_at is not None and last.finished_at.isoformat().startswith(
        "2026-11-28T06:40")
    assert found["bob"].last_run is not None and found["bob"].last_run.state == "running"
    assert found["bob"].last_run.finished_at is None and not found["bob"].enabled
    assert found["carol"].last_run is None and found["carol"].enabled


def test_enable_disable_and_unknown_names(settings: ClusterSettings, tmp_path: Path) -> None:
    cipher = cipher_from_env({"DIARYFLOW_SECRET_KEY": new_key()})
    with open_cluster(settings) as cluster:
        add_tenant(cluster, settings, cipher, "alice", read_bundle(write_tenant_config(tmp_path)))
        assert not set_enabled(cluster, "alice", False).enabled
        assert not get_tenant(cluster, "alice").enabled
        assert set_enabled(cluster, "alice", True).enabled
        with pytest.raises(ConfigError, match=r'^tenant = "nobody": no such tenant'):
            set_enabled(cluster, "nobody", True)
        with pytest.raises(ConfigError, match=r'^tenant = "nobody": no such tenant'):
            remove_tenant(cluster, "nobody")
        with pytest.raises(ConfigError, match=r'^tenant = "nobody": no such tenant'):
            get_tenant(cluster, "nobody")


def test_removing_a_tenant_drops_its_runs_and_its_state(settings: ClusterSettings,
                                                        tmp_path: Path) -> None:
    cipher = cipher_from_env({"DIARYFLOW_SECRET_KEY": new_key()})
    bundle = read_bundle(write_tenant_config(tmp_path))
    with open_cluster(settings) as cluster:
        alice = add_tenant(cluster, settings, cipher, "alice", bundle)
        bob = add_tenant(cluster, settings, cipher, "bob", bundle)
        add_run(cluster, alice.id, "daily", "2026-11-26", "done", "2026-11-27T06:30:00Z")
        add_run(cluster, bob.id, "daily", "2026-11-26", "done", "2026-11-27T06:30:00Z")
        with open_tenant(settings, alice.id) as state:
            state.set_meta("database_id", "alice-db")
        remove_tenant(cluster, "alice")
        assert tenant_schema(alice.id) not in schemas(cluster)
        assert tenant_schema(bob.id) in schemas(cluster)
        assert cluster.query("SELECT tenant_id FROM cluster_runs") == [(bob.id,)]
        assert [t.name for t in list_tenants(cluster)] == ["bob"]
        again = add_tenant(cluster, settings, cipher, "alice", bundle)  # the name is free again
    assert again.id != alice.id


def test_rotation_leaves_every_bundle_readable_by_the_new_key_alone(
        settings: ClusterSettings, tmp_path: Path) -> None:
    old, new = new_key(), new_key()
    bundle = read_bundle(write_tenant_config(tmp_path))
    with open_cluster(settings) as cluster:
        ids = [add_tenant(cluster, settings, cipher_from_env({"DIARYFLOW_SECRET_KEY": old}),
                          name, bundle).id for name in ("alice", "bob")]
        with pytest.raises(ConfigError, match=r"^DIARYFLOW_SECRET_KEY: tenant alice: cannot"):
            tenant_config(cluster, cipher_from_env({"DIARYFLOW_SECRET_KEY": new}), ids[0],
                          tmp_path / "w0")
        before = cluster.query("SELECT sealed FROM tenants ORDER BY id")
        assert rotate_keys(cluster, cipher_from_env({"DIARYFLOW_SECRET_KEY": f"{new},{old}"})) == 2
        assert cluster.query("SELECT sealed FROM tenants ORDER BY id") != before
        only_new = cipher_from_env({"DIARYFLOW_SECRET_KEY": new})
        for number, tenant_id in enumerate(ids):
            config = tenant_config(cluster, only_new, tenant_id, tmp_path / f"w{number + 1}")
            assert config.flowus.token is not None
            assert config.flowus.token.get_secret_value() == FLOWUS_TOKEN
        with pytest.raises(ConfigError, match=r"^DIARYFLOW_SECRET_KEY: tenant alice"):
            rotate_keys(cluster, cipher_from_env({"DIARYFLOW_SECRET_KEY": old}))
