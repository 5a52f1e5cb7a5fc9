"""What every cluster and tenants command shares: --cluster-config, the settings from it and
the environment, the cluster's database, and the cluster extra's absence as one line.

The cluster extra (psycopg, cryptography, redis, ...) is imported inside the functions only,
so the single-machine commands never load it."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from diaryflow.errors import ConfigError, StateError

if TYPE_CHECKING:
    from diaryflow.cluster.secrets import TokenCipher
    from diaryflow.cluster.settings import ClusterSettings
    from diaryflow.state.store import Store

INSTALL = "pip install 'diaryflow[cluster]'"
CONNECTIONS = """\
The cluster's connections come from DIARYFLOW_DATABASE_URL and DIARYFLOW_BROKER_URL, else
from [cluster] database_url / broker_url in --cluster-config (default ./cluster.toml);
tokens are encrypted with DIARYFLOW_SECRET_KEY (Fernet keys, comma-separated, newest first)."""


def cluster_options() -> argparse.ArgumentParser:
    """A parent parser holding --cluster-config, for every cluster and tenants command."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--cluster-config", type=Path, default=argparse.SUPPRESS, metavar="PATH",
        help="the cluster's settings file (default: ./cluster.toml; the environment wins)",
    )
    return parent


def cluster_settings(args: argparse.Namespace) -> ClusterSettings:
    """The cluster's settings from ``--cluster-config`` and the environment; warnings shown."""
    from diaryflow.cluster.settings import load_cluster_settings

    settings = load_cluster_settings(os.environ, getattr(args, "cluster_config", None))
    for warning in settings.warnings:
        print(f"diaryflow: warning: {warning}", file=sys.stderr)
    return settings


def open_cluster_db(settings: ClusterSettings) -> Store:
    """The cluster's own tables (created or upgraded on open)."""
    from diaryflow.cluster.database import open_cluster

    return open_cluster(settings)


def cipher() -> TokenCipher:
    """The cipher of ``DIARYFLOW_SECRET_KEY`` (a ConfigError naming it when absent or bad)."""
    from diaryflow.cluster.secrets import cipher_from_env

    return cipher_from_env(os.environ)


def cluster_command(handler: Callable[[argparse.Namespace], int]) -> Callable[
        [argparse.Namespace], int]:
    """``handler`` with the cluster extra's absence and a database driver's own errors turned
    into one-line DiaryflowErrors (the CLI prints those and exits with their code)."""
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except ImportError as exc:
            if (exc.name or "").split(".")[0] not in EXTRA:
                raise
            raise ConfigError("cluster extra", None,
                              f"not installed ({exc.name} is missing): {INSTALL}") from None
        except Exception as exc:
            if not type(exc).__module__.startswith("psycopg"):
                raise
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise StateError(f"the cluster's database: {first}") from None

    return run


# The top-level packages of the cluster extra (pyproject's ``cluster``).
EXTRA = frozenset(("psycopg", "psycopg_binary", "cryptography", "redis", "limits", "celery",
                   "kombu"))
