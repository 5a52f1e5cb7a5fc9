"""``diaryflow web``: check where it may listen, then serve the dashboard under uvicorn."""

from __future__ import annotations

import argparse
import sys

from diaryflow.config.load import Config
from diaryflow.errors import EXIT_OK, ConfigError
from diaryflow.web.security import is_loopback


def web_config(config: Config, host: str | None, port: int | None) -> Config:
    """``config`` with ``--host`` / ``--port`` applied; refuses an open address without a
    token and a port out of range."""
    if port is not None and not 0 < port < 65536:
        raise ConfigError("--port", port, "expected a port from 1 to 65535")
    update: dict[str, object] = {}
    if host is not None:
        update["host"] = host.strip()
    if port is not None:
        update["port"] = port
    config = config.model_copy(update={"web": config.web.model_copy(update=update)})
    if not is_loopback(config.web.host) and config.web.token is None:
        raise ConfigError(
            "web.token", None,
            f"required to listen on {config.web.host}, which other machines can reach: "
            "set [web] token in config.toml, or listen on 127.0.0.1")
    return config


def cmd_web(args: argparse.Namespace) -> int:
    """Serve the dashboard until interrupted."""
    import uvicorn

    from diaryflow.config.load import load_config
    from diaryflow.logs import setup_logging
    from diaryflow.web.app import create_app

    config = load_config(getattr(args, "config", None))
    setup_logging(config, verbose=getattr(args, "verbose", False))
    for warning in config.warnings:
        print(f"diaryflow: warning: {warning}", file=sys.stderr)
    config = web_config(config, args.host, args.port)
    cluster = None
    if getattr(args, "cluster", False):
        import os

        from diaryflow.cluster.database import open_cluster
        from diaryflow.cluster.settings import load_cluster_settings

        cluster = load_cluster_settings(os.environ, getattr(args, "cluster_config", None))
        open_cluster(cluster).close()  # unreachable or too new: one line now, not per page
    app = create_app(config, cluster=cluster)
    host, port = config.web.host, config.web.port
    shown = f"[{host}]" if ":" in host else host
    print(f"diaryflow web: http://{shown}:{port}/ (Ctrl-C stops)", file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False,
                server_header=False, proxy_headers=False)
    return EXIT_OK
