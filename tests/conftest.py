"""Shared fixtures: sandbox servers on 127.0.0.1 and clients pointed at them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from diaryflow.clock import Clock, utc_now
from diaryflow.flowus.client import FlowUsClient
from diaryflow.logs import reset_logging
from diaryflow.sandbox import FlowUsSandbox, Workspace, sample_workspace
from diaryflow.state.store import Store
from tests.helpers import END, TOKEN, ClientFactory, StoreFactory
from tests.postgres import PostgresServer, postgres_server


@pytest.fixture(autouse=True)
def _detached_logging() -> Iterator[None]:
    """Log handlers a test set up must not outlive it (they point into its tmp folder)."""
    yield
    reset_logging()


@pytest.fixture(scope="session")
def sample_json() -> dict[str, Any]:
    """The bundled sample, shifted so its newest diary day is END (built once)."""
    return sample_workspace(END).to_json()


@pytest.fixture
def sample_sandbox(sample_json: dict[str, Any]) -> Iterator[FlowUsSandbox]:
    """A sandbox serving a fresh copy of the sample workspace."""
    with FlowUsSandbox(Workspace.from_json(sample_json), token=TOKEN) as sandbox:
        yield sandbox


@pytest.fixture
def make_client() -> Iterator[ClientFactory]:
    """Build clients for a sandbox; every client made is closed at the end."""
    made: list[FlowUsClient] = []

    def make(sandbox: FlowUsSandbox, **options: Any) -> FlowUsClient:
        options.setdefault("reads_per_minute", 60_000)
        options.setdefault("writes_per_minute", 60_000)
        client = FlowUsClient.connect(options.pop("token", TOKEN), sandbox.base_url, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


# ----- the state database: SQLite, and a real PostgreSQL for the contract tests


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL for the whole run (about a second to start); skipped where absent."""
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty state database of each backend: a SQLite file, a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "state.db")
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


@pytest.fixture
def store_factory(database_url: str) -> Iterator[StoreFactory]:
    """Open the test's state database (each backend in turn), as often as the test likes."""
    made: list[Store] = []

    def make(clock: Clock = utc_now) -> Store:
        store = Store.connect(database_url, clock=clock)
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()
