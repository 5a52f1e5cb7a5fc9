"""The Starlette application: routes, the guard, the metrics registry, the state database."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from diaryflow.clock import Clock, utc_now
from diaryflow.config.load import Config
from diaryflow.state.store import Store
from diaryflow.web import actions, api, pages
from diaryflow.web.context import WebContext
from diaryflow.web.metrics import StateCollector
from diaryflow.web.overview import overview
from diaryflow.web.security import Guard, is_loopback
from diaryflow.web.tenants import tenants_page
from diaryflow.web.views import login_page

if TYPE_CHECKING:
    from diaryflow.cluster.settings import ClusterSettings

STATIC = Path(__file__).resolve().parent / "static"


def create_app(config: Config, *, clock: Clock = utc_now, config_path: Path | None = None,
               cluster: ClusterSettings | None = None) -> Starlette:
    """The dashboard for ``config``; ``clock`` decides what is due and late; with
    ``cluster``, a read-only /tenants page shows the cluster's tenants too."""
    store = Store(config.state.path)
    web = WebContext(config, config_path or config.source or Path("config.toml").resolve(),
                     store, clock, cluster)
    token = config.web.token.get_secret_value() if config.web.token else None
    routes = [
        Route("/", pages.overview_page),
        Route("/fragments/overview", pages.overview_fragment),
        Route("/history", pages.history),
        Route("/runs/{run_id}", pages.run_detail),
        Route("/report/{job}/{period}", pages.report),
        Route("/config", pages.config_page),
        *([Route("/tenants", tenants_page)] if cluster is not None else []),
        Route("/healthz", api.healthz),
        Route("/metrics", api.metrics),
        Route("/api/jobs", api.api_jobs),
        Route("/api/runs", api.api_runs),
        Route("/login", actions.login_form, methods=["GET"]),
        Route("/login", actions.login, methods=["POST"]),
        Route("/jobs/{job}/run", actions.run_now, methods=["POST"]),
        Route("/jobs/{job}/rerun", actions.rerun, methods=["POST"]),
        Route("/jobs/{job}/pause", actions.pause, methods=["POST"]),
        Route("/jobs/{job}/resume", actions.resume, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Guard, token=token, loopback=is_loopback(config.web.host),
                               login=lambda request: login_page(request, status=401))],
        lifespan=_closing(store),
    )
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StateCollector(store, lambda: overview(config, store, clock())))
    app.state.web = web
    app.state.registry = registry
    return app


def _closing(store: Store) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    """A lifespan that closes the state database when the server stops."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            store.close()

    return lifespan
