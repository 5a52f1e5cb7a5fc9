"""The cluster's PostgreSQL: its tables in one schema, each tenant's state in its own."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from diaryflow.cluster.database import (
    CLUSTER_SCHEMA,
    drop_tenant_schema,
    open_cluster,
    open_tenant,
    tenant_schema,
)
from diaryflow.cluster.settings import ClusterSettings
from diaryflow.errors import StateError
from diaryflow.state.store import Store
from tests.postgres import PostgresServer

pytestmark = pytest.mark.services


@pytest.fixture
def settings(postgres: PostgresServer) -> ClusterSettings:
    return ClusterSettings(database_url=postgres.new_database(),
                           broker_url="redis://127.0.0.1:1/0")


def tables(store: Store, schema: str) -> set[str]:
    rows = store.query("SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
                       (schema,))
    return {row[0] for row in rows}


def test_the_cluster_tables_live_in_their_own_schema(settings: ClusterSettings) -> None:
    with open_cluster(settings) as cluster:
        assert {"tenants", "cluster_runs", "meta"} <= tables(cluster, CLUSTER_SCHEMA)
        assert "runs" not in tables(cluster, CLUSTER_SCHEMA)
        assert tables(cluster, "public") == set()


def test_each_tenant_has_its_own_state_and_sees_no_other(settings: ClusterSettings) -> None:
    with open_tenant(settings, 1) as one, open_tenant(settings, 2) as two:
        one.set_meta("database_id", "db-of-tenant-1")
        two.set_meta("database_id", "db-of-tenant-2")
        assert one.get_meta("database_id") == "db-of-tenant-1"
        assert two.get_meta("database_id") == "db-of-tenant-2"
        assert {"runs", "reports", "page_cache", "checkpoints"} <= tables(one, tenant_schema(1))
        assert one.location.endswith("(schema tenant_1)")


def test_schemas_made_by_many_at_once_are_made_once(settings: ClusterSettings) -> None:
    def make(number: int) -> int:
        with open_tenant(settings, number % 3) as store, open_cluster(settings):
            return len(store.query("SELECT version FROM diaryflow_schema"))

    with ThreadPoolExecutor(8) as pool:
        versions = set(pool.map(make, range(16)))
    assert len(versions) == 1 and versions.pop() > 0
    with open_cluster(settings) as cluster:
        assert len(cluster.query("SELECT version FROM diaryflow_schema")) == 1


def test_dropping_a_tenant_schema_forgets_its_state(settings: ClusterSettings) -> None:
    with open_tenant(settings, 7) as store:
        store.set_meta("k", "v")
    with open_cluster(settings) as cluster:
        drop_tenant_schema(cluster, 7)
        assert tables(cluster, tenant_schema(7)) == set()
    with open_tenant(settings, 7) as store:
        assert store.get_meta("k") is None


def test_a_file_cannot_hold_the_cluster(tmp_path: object) -> None:
    with pytest.raises(StateError, match="needs PostgreSQL"):
        Store.connect(f"{tmp_path}/state.db", schema=CLUSTER_SCHEMA)
