"""The cluster's settings: its connections and shared budgets, from the environment and
``cluster.toml`` (the environment wins); pure, the environment is passed in."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

from diaryflow.config.fields import did_you_mean
from diaryflow.errors import ConfigError, shorten
from diaryflow.state.location import masked

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

DEFAULT_CLUSTER_CONFIG = Path("cluster.toml")
ENV_URLS = {"database_url": "DIARYFLOW_DATABASE_URL", "broker_url": "DIARYFLOW_BROKER_URL"}
DATABASE_SCHEMES = ("postgresql", "postgres")  # each with an optional "+driver"
BROKER_SCHEMES = ("redis", "rediss")


@dataclass(frozen=True)
class LimitSettings:
    """``[limits]``: the budgets every worker draws from, per FlowUs token and per model key."""

    flowus_reads_per_minute: int = 1000
    flowus_writes_per_minute: int = 100
    model_requests_per_minute: int = 1000
    model_tokens_per_minute: int = 50_000


@dataclass(frozen=True)
class ClusterSettings:
    """Where the cluster keeps its state and queue, and its shared budgets."""

    database_url: str
    broker_url: str
    limits: LimitSettings = LimitSettings()
    source: Path | None = None
    from_env: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


SECTIONS: dict[str, tuple[str, ...]] = {
    "cluster": tuple(ENV_URLS),
    "limits": tuple(LimitSettings.__dataclass_fields__),
}


def load_cluster_settings(
    env: Mapping[str, str], path: Path | None = None
) -> ClusterSettings:
    """The settings from ``path`` (``--cluster-config``; default ``./cluster.toml``, which may
    be absent when the environment names both connections) with ``env`` laid over it."""
    explicit = path is not None
    path = (path or DEFAULT_CLUSTER_CONFIG).absolute()
    if not explicit and not path.exists():
        return cluster_settings_from_mapping({}, env, source=None)
    return cluster_settings_from_mapping(_read_toml(path), env, source=path)


def cluster_settings_from_mapping(
    data: Mapping[str, Any], env: Mapping[str, str], source: Path | None = None
) -> ClusterSettings:
    """Validate parsed ``cluster.toml`` data with ``env`` laid over it; one ConfigError line
    naming the setting when something is missing or wrong."""
    warnings = _unknown_keys(data)
    cluster = _table(data, "cluster")
    urls: dict[str, str] = {}
    from_env = []
    for key, var in ENV_URLS.items():
        value, named = env.get(var, "").strip(), var
        if value:
            from_env.append(var)
        else:
            value, named = _text(cluster.get(key), f"cluster.{key}"), f"cluster.{key}"
        if not value:
            where = source or DEFAULT_CLUSTER_CONFIG
            raise ConfigError(
                var, None, f"not set: export {var}, or set [cluster] {key} in {where}"
            )
        check = _check_database_url if key == "database_url" else _check_broker_url
        check(value, named)
        urls[key] = value
    return ClusterSettings(
        database_url=urls["database_url"],
        broker_url=urls["broker_url"],
        limits=_limits(_table(data, "limits")),
        source=source,
        from_env=tuple(from_env),
        warnings=tuple(warnings),
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError("--cluster-config", str(path), "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        problem = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError("--cluster-config", str(path), f"cannot read it: {problem}") from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("--cluster-config", str(path), f"invalid TOML: {exc}") from None
    return data


def _table(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, Mapping):
        raise ConfigError(name, None, f"expected a table: a [{name}] section")
    return table


def _unknown_keys(data: Mapping[str, Any]) -> list[str]:
    """One warning per section or key cluster.toml does not have, with a suggestion."""
    warnings = []
    for name, table in data.items():
        if name not in SECTIONS:
            warnings.append(f"unknown section [{name}]{did_you_mean(name, SECTIONS, '[{}]')}")
        elif isinstance(table, Mapping):
            known = SECTIONS[name]
            warnings += [f"unknown key {name}.{key}{did_you_mean(key, known, name + '.{}')}"
                         for key in table if key not in known]
    return warnings


def _text(value: object, key: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError(key, value, "expected a URL in quotes")
    return value.strip()


def _limits(table: Mapping[str, Any]) -> LimitSettings:
    values = {}
    for key in SECTIONS["limits"]:
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"limits.{key}", value, "expected a whole number of at least 1")
            values[key] = value
    return LimitSettings(**values)


def _split(url: str, key: str, schemes: tuple[str, ...], example: str) -> SplitResult:
    """The parts of ``url``, or a ConfigError naming ``key`` (the password never shown)."""
    shown = shorten(masked(url), 80) if "://" in url else "(not a URL)"
    expected = f"expected a URL like {example}"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise ConfigError(key, shown, expected) from None
    if parts.scheme.split("+", 1)[0] not in schemes or "://" not in url:
        raise ConfigError(key, shown, expected)
    return parts


def _check_database_url(url: str, key: str) -> None:
    example = "postgresql://user@127.0.0.1:5432/diaryflow"
    parts = _split(url, key, DATABASE_SCHEMES, example)
    if not parts.hostname and "host=" not in parts.query:
        raise ConfigError(key, masked(url), f"no host: expected a URL like {example}")
    if not parts.path.strip("/"):
        raise ConfigError(key, masked(url), f"no database name: expected a URL like {example}")


def _check_broker_url(url: str, key: str) -> None:
    example = "redis://127.0.0.1:6379/0"
    parts = _split(url, key, BROKER_SCHEMES, example)
    if not parts.hostname:
        raise ConfigError(key, masked(url), f"no host: expected a URL like {example}")
    database = parts.path.strip("/")
    if database and not database.isdigit():
        raise ConfigError(
            key, masked(url), f"the database must be a number: expected a URL like {example}"
        )
