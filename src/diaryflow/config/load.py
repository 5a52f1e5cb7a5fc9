"""Loads config.toml and the environment into one frozen Config; the only reader of os.environ."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from diaryflow.config.fields import did_you_mean, page_id_from
from diaryflow.config.job_settings import JobSettings
from diaryflow.config.schema import (
    JOB_SECRET_KEYS,
    OFFLINE_MODEL,
    SECRET_KEYS,
    SECTIONS,
    ApiSettings,
    BlockSettings,
    Config,
    DatabaseSettings,
    LoggingSettings,
    NewPageSettings,
    NotifySettings,
    OutputSettings,
    SchedulerSettings,
    StateSettings,
)
from diaryflow.config.services import FlowUsSettings, SiliconFlowSettings
from diaryflow.errors import ConfigError, shorten

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = [
    "ENV_OVERRIDES",
    "OFFLINE_MODEL",
    "ApiSettings",
    "BlockSettings",
    "Config",
    "DatabaseSettings",
    "FlowUsSettings",
    "LoggingSettings",
    "NewPageSettings",
    "NotifySettings",
    "OutputSettings",
    "SchedulerSettings",
    "SiliconFlowSettings",
    "StateSettings",
    "config_from_mapping",
    "load_config",
    "page_id_from",
    "report_jobs",
    "require_flowus_token",
    "secrets",
    "uses_llm",
]

ENV_OVERRIDES = {
    "FLOWUS_TOKEN": "flowus.token",
    "SILICONFLOW_API_KEY": "siliconflow.token",
    "FLOWUS_BASE_URL": "flowus.base_url",
    "SILICONFLOW_BASE_URL": "siliconflow.base_url",
}
IGNORED_SECTIONS = {
    "mysql": "[mysql] is ignored: diaryflow keeps its state in SQLite (see [state] path)",
}
_TOML_WHERE = re.compile(
    r"(?P<msg>.*) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)"
)


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate a config file (default ``$DIARYFLOW_CONFIG`` or ``./config.toml``)."""
    env = os.environ if env is None else env
    if path is None:
        path = Path(env.get("DIARYFLOW_CONFIG") or "config.toml")
    path = path.absolute()
    return config_from_mapping(_read_toml(path), path.parent, env, source=path)


def config_from_mapping(
    data: Mapping[str, Any],
    base_dir: Path,
    env: Mapping[str, str] | None = None,
    source: Path | None = None,
) -> Config:
    """Validate parsed TOML data; relative paths resolve against ``base_dir``, env wins."""
    warnings: list[str] = []
    tables, from_env = _apply_env(_known_tables(data, warnings), {} if env is None else env)
    raw = {
        **tables,
        "base_dir": base_dir,
        "source": source,
        "from_env": from_env,
        "secrets_in_file": _secrets_in(data) if source is not None else (),
    }
    try:
        config = Config.model_validate(raw, context={"warnings": warnings})
    except ValidationError as exc:
        raise _translate(exc, tables, from_env) from None
    return config.model_copy(update={"warnings": tuple(warnings)})


def report_jobs(config: Config) -> tuple[JobSettings, ...]:
    """The jobs of this configuration: its ``[[jobs]]``, or the one job it meant before them."""
    if config.jobs:
        return config.jobs
    return (JobSettings(name=config.report.job, period="rolling"),)


def uses_llm(config: Config) -> bool:
    """Whether reports are written by a model (a key is set and the model is not "offline")."""
    return config.siliconflow.token is not None and config.siliconflow.model != OFFLINE_MODEL


def require_flowus_token(config: Config) -> str:
    """The FlowUs integration token, or a ConfigError saying where to put it."""
    if config.flowus.token is None:
        raise ConfigError(
            "flowus.token",
            None,
            "not set: put the integration token in config.toml or FLOWUS_TOKEN",
        )
    return config.flowus.token.get_secret_value()


def secrets(config: Config) -> tuple[str, ...]:
    """Every configured secret value, for redaction in logs."""
    values = (config.flowus.token, config.siliconflow.token, config.notify.webhook_url,
              config.web.token, *(job.webhook_url for job in config.jobs))
    return tuple(dict.fromkeys(v.get_secret_value() for v in values if v is not None))


def _read_toml(path: Path) -> dict[str, Any]:
    shown = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            "config", shown, "file not found; run `diaryflow init` to create one"
        ) from None
    except OSError as exc:
        raise ConfigError("config", shown, f"cannot read the file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")  # Windows editors add a BOM
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            "config", shown, f"not UTF-8 text (line {line}); save it as UTF-8"
        ) from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_WHERE.fullmatch(str(exc))
        if found is None:
            where, problem = "", str(exc)
        elif found["line"]:
            where, problem = f" at line {found['line']}, column {found['col']}", found["msg"]
        else:
            where, problem = " at the end of the file", found["msg"]
        raise ConfigError("config", shown, f"invalid TOML{where}: {problem}") from None
    return data


def _known_tables(data: Mapping[str, Any], warnings: list[str]) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    for name, table in data.items():
        if name == "jobs":
            tables[name] = _job_tables(table, warnings)
        elif name in IGNORED_SECTIONS:
            warnings.append(IGNORED_SECTIONS[name])
        elif name not in SECTIONS:
            warnings.append(_unknown(None, name, table))
        elif not isinstance(table, Mapping):
            raise ConfigError(name, _shown(table), f"expected a table: a [{name}] section")
        else:
            fields = SECTIONS[name].model_fields
            tables[name] = {key: value for key, value in table.items() if key in fields}
            warnings.extend(_unknown(name, key, table[key]) for key in table if key not in fields)
    return tables


def _job_tables(jobs: object, warnings: list[str]) -> list[dict[str, Any]]:
    """The ``[[jobs]]`` tables, each without the keys a job does not have (warned about)."""
    if not isinstance(jobs, list) or not all(isinstance(job, Mapping) for job in jobs):
        raise ConfigError("jobs", _shown(jobs), "expected [[jobs]] tables, one per job")
    fields = JobSettings.model_fields
    kept = []
    for number, job in enumerate(jobs, 1):
        kept.append({key: value for key, value in job.items() if key in fields})
        warnings.extend(
            f"unknown key jobs[{number}].{key}{did_you_mean(key, fields, f'jobs[{number}].{{}}')}"
            for key in job if key not in fields
        )
    return kept


def _unknown(section: str | None, key: str, value: object) -> str:
    if section is None and isinstance(value, Mapping):
        return f"unknown section [{key}]{did_you_mean(key, SECTIONS, '[{}]')}"
    where = f"{section}.{key}" if section else f"{key} outside any section"
    hint = did_you_mean(key, SECTIONS[section].model_fields, f"{section}.{{}}") if section else ""
    homes = [f"{name}.{key}" for name, model in SECTIONS.items() if key in model.model_fields]
    if not hint and homes:
        hint = f" (did you mean {' or '.join(homes)}?)"
    return f"unknown key {where}{hint}"


def _apply_env(
    tables: dict[str, Any], env: Mapping[str, str]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The tables with the environment laid over them, and the dotted keys it set."""
    merged = {name: dict(t) if isinstance(t, Mapping) else t for name, t in tables.items()}
    used = []
    for var, dotted in ENV_OVERRIDES.items():
        value = env.get(var, "").strip()
        if value:
            section, key = dotted.split(".")
            merged.setdefault(section, {})[key] = value
            used.append(dotted)
    return merged, tuple(used)


def _secrets_in(data: Mapping[str, Any]) -> tuple[str, ...]:
    found = []
    for dotted in (*SECRET_KEYS, "mysql.password"):
        section, key = dotted.split(".")
        table = data.get(section)
        if isinstance(table, Mapping) and table.get(key) not in (None, ""):
            found.append(dotted)
    jobs = data.get("jobs")
    for number, job in enumerate(jobs if isinstance(jobs, list) else [], 1):
        found += [f"jobs[{number}].{key}" for key in JOB_SECRET_KEYS
                  if isinstance(job, Mapping) and job.get(key) not in (None, "")]
    return tuple(found)


def _translate(
    exc: ValidationError, tables: Mapping[str, Any], from_env: tuple[str, ...]
) -> ConfigError:
    """The first pydantic error as one ConfigError line: dotted key, value, what is expected."""
    error = exc.errors(include_url=False)[0]
    loc = [str(part) for part in error["loc"]]
    ours = error["type"] == "diaryflow_config"
    ctx = error.get("ctx", {}) if ours else {}
    if loc[:1] == ["jobs"] or str(ctx.get("field", "")).startswith("jobs["):
        return _translate_job(error, loc, ctx, tables.get("jobs") or [])
    field = ctx.get("field") or (loc[1] if len(loc) > 1 else None)
    item = not ctx.get("field") and len(loc) > 2 and loc[2].isdigit()  # one value of a list
    key = f"{loc[0]}.{field}" if field else loc[0]
    model = SECTIONS.get(loc[0])
    described = (
        model.model_fields[field].description if model and field in model.model_fields else None
    )
    expected = ctx.get("problem") or f"expected {ctx.get('expected') or described or error['msg']}"
    value = tables.get(loc[0], {}).get(field, error["input"]) if field else error["input"]
    if item:
        key, value = f"{key}[{int(loc[2]) + 1}]", error["input"]
    env_var = next((v for v, k in ENV_OVERRIDES.items() if k == key and key in from_env), None)
    return ConfigError(env_var or key, None if key in SECRET_KEYS else _shown(value), expected)


def _translate_job(
    error: Any, loc: list[str], ctx: Mapping[str, Any], jobs: list[dict[str, Any]]
) -> ConfigError:
    """An error in a ``[[jobs]]`` table, named ``jobs[N].key`` (N counts from 1)."""
    if str(ctx.get("field", "")).startswith("jobs["):  # found across jobs: named already
        return ConfigError(str(ctx["field"]), None, str(ctx.get("problem", error["msg"])))
    index = int(loc[1]) if len(loc) > 1 and loc[1].isdigit() else None
    field = ctx.get("field") or (loc[2] if len(loc) > 2 else None)
    job = jobs[index] if index is not None and index < len(jobs) else {}
    key = f"jobs[{(index or 0) + 1}]" + (f".{field}" if field else "")
    described = JobSettings.model_fields[field].description if field in JobSettings.model_fields \
        else None
    if error["type"] == "missing":
        return ConfigError(key, None, f"missing: every job needs it ({described or 'required'})")
    expected = ctx.get("problem") or f"expected {ctx.get('expected') or described or error['msg']}"
    if field in JOB_SECRET_KEYS:  # a secret's value is never shown
        return ConfigError(key, None, expected)
    return ConfigError(key, _shown(job.get(field, error["input"]) if field else error["input"]),
                       expected)


def _shown(value: object) -> object:
    """A value fit for a one-line message: control characters escaped, long text cut."""
    if not isinstance(value, str):
        return value
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in value)
    return shorten(text, 80)
