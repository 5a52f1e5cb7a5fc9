"""Fixtures of the cluster tests: real services started on 127.0.0.1 and stopped after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from diaryflow.cluster.settings import ClusterSettings
from tests.cluster.harness import MODEL_KEY, TestCluster
from tests.cluster.redis_server import RedisServer, redis_server_binary
from tests.helpers import echo_titles
from tests.postgres import PostgresServer


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh redis-server (no persistence) for one test."""
    server = RedisServer(redis_server_binary(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def cluster_world(tmp_path: Path, postgres: PostgresServer,
                  redis_server: RedisServer) -> Iterator[TestCluster]:
    """PostgreSQL, Redis and both sandboxes, with FlowUs' per-token limits (1,000 reads and
    100 writes a minute) and a model whose answers list the diary headings it was shown."""
    from diaryflow.sandbox import FlowUsSandbox
    from diaryflow.sandbox.openai.server import OpenAISandbox
    from diaryflow.sandbox.sample.load import sample_workspace

    settings = ClusterSettings(database_url=postgres.new_database(), broker_url=redis_server.url)
    with FlowUsSandbox(sample_workspace(), token="sandbox-default-token", read_limit=1000,
                       write_limit=100, rate_window=60.0) as flowus, \
            OpenAISandbox(api_key=MODEL_KEY, responder=echo_titles, rpm_limit=1000) as model:
        world = TestCluster(tmp_path, settings, flowus, model, postgres=postgres)
        world.write_cluster_toml()
        yield world
