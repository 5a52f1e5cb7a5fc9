"""Helpers of the cluster tests: a fresh cluster database and tenants written straight to it."""

from __future__ import annotations

import json
from typing import Any

from diaryflow.cluster.database import open_cluster
from diaryflow.cluster.settings import ClusterSettings
from diaryflow.state.store import Store
from tests.postgres import PostgresServer


def cluster_settings(postgres: PostgresServer, broker_url: str = "redis://127.0.0.1:1/0"
                     ) -> ClusterSettings:
    """Settings naming a fresh database of ``postgres``."""
    return ClusterSettings(database_url=postgres.new_database(), broker_url=broker_url)


def add_schedule(cluster: Store, name: str, schedule: dict[str, Any]) -> int:
    """A tenant row with only a schedule (what the planner reads); its id."""
    rows = cluster.query("INSERT INTO tenants (name, sealed, schedule_json) VALUES (?, ?, ?) "
                         "RETURNING id", (name, "not-a-real-bundle", json.dumps(schedule)))
    return int(rows[0][0])


def opened(settings: ClusterSettings) -> Store:
    """The cluster database of ``settings``."""
    return open_cluster(settings)
