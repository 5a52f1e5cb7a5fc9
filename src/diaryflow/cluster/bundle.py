"""A tenant's configuration sealed into one bundle: its config.toml and the prompt files it
names, read without the cluster's environment; opened again into a Config a worker runs."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diaryflow.cluster.keys import budget_key
from diaryflow.config.load import Config, config_from_mapping, load_config
from diaryflow.config.schema import JOB_SECRET_KEYS, SECRET_KEYS
from diaryflow.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

BUNDLE_FORMAT = 1
REPORT_PROMPT = "report.prompt_file"
# The tables the planner reads: nothing in them is secret (secret keys are dropped anyway).
SCHEDULE_TABLES = ("scheduler", "report")


@dataclass(frozen=True)
class Bundle:
    """A tenant's parsed config.toml and the text of each prompt file, by setting name."""

    data: dict[str, Any]
    prompts: dict[str, str] = field(default_factory=dict)
    # The secret-free name of its FlowUs token's shared budget (``keys.budget_key``).
    flowus_budget: str = ""


def read_bundle(config_path: Path) -> Bundle:
    """Load and validate ``config_path`` (with no environment) and read the prompts it names;
    one ConfigError line naming the setting when something is wrong or missing."""
    path = config_path.absolute()
    config = load_config(path, env={})
    if config.flowus.token is None:
        raise ConfigError("flowus.token", None, f"not set in {path}: a tenant's config holds "
                          "its own FlowUs token (the cluster's environment is not used)")
    data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    prompts: dict[str, str] = {}
    if config.report.prompt_file is not None:
        prompts[REPORT_PROMPT] = _read_prompt(config.report.prompt_file, REPORT_PROMPT)
    for number, job in enumerate(config.jobs, 1):
        if job.prompt_file is not None:
            key = f"jobs[{number}].prompt_file"
            prompts[key] = _read_prompt(job.prompt_file, key)
    budget = budget_key("flowus", config.flowus.token.get_secret_value())
    return Bundle(data=data, prompts=prompts, flowus_budget=budget)


def bundle_json(bundle: Bundle) -> str:
    """The bundle as JSON text, secrets included: encrypt it before it is stored."""
    body = {"format": BUNDLE_FORMAT, "config": bundle.data, "prompts": bundle.prompts}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, default=_json_value)


def schedule_of(bundle: Bundle) -> dict[str, Any]:
    """The secret-free part the planner reads: ``[scheduler]``, ``[report] job`` and the
    ``[[jobs]]`` tables without their secret keys (``webhook_url``)."""
    schedule: dict[str, Any] = {}
    for name in SCHEDULE_TABLES:
        table = bundle.data.get(name)
        if isinstance(table, Mapping):
            kept = {k: v for k, v in table.items() if f"{name}.{k}" not in SECRET_KEYS}
            if name == "report":
                kept = {k: v for k, v in kept.items() if k == "job"}
            if kept:
                schedule[name] = kept
    jobs = bundle.data.get("jobs")
    if isinstance(jobs, list) and jobs:
        schedule["jobs"] = [{k: v for k, v in job.items() if k not in JOB_SECRET_KEYS}
                            for job in jobs if isinstance(job, Mapping)]
    # A round trip through JSON: TOML times become text, as schedule_json holds them.
    loaded: dict[str, Any] = json.loads(json.dumps(schedule, default=_json_value))
    return loaded


def schedule_config(schedule: Mapping[str, Any]) -> Config:
    """A Config of the schedule alone (no token, no environment): ``report_jobs`` and
    ``config.scheduler`` as the tenant's own config gives them."""
    return config_from_mapping(schedule, base_dir=Path(os.sep), env={})


def open_bundle(json_text: str, workdir: Path) -> Config:
    """The bundle as a Config a worker can run: prompt files written into ``workdir``
    (made private, mode 0700), outputs, state and logs pointed inside it."""
    body = json.loads(json_text)
    if not isinstance(body, dict) or body.get("format") != BUNDLE_FORMAT:
        raise ConfigError("tenants.sealed", None, "not a configuration bundle this diaryflow "
                          "reads; add the tenant again")
    data: dict[str, Any] = body["config"]
    prompts: dict[str, str] = body.get("prompts", {})
    workdir = workdir.absolute()
    workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
    workdir.chmod(0o700)
    folder = workdir / "prompts"
    folder.mkdir(mode=0o700, exist_ok=True)
    jobs = [dict(job) for job in data.get("jobs", [])]
    for key, text in prompts.items():
        target = folder / (_prompt_name(key))
        _write_private(target, text)
        if key == REPORT_PROMPT:
            data["report"] = {**data.get("report", {}), "prompt_file": str(target)}
        else:
            jobs[int(key.split("]")[0].removeprefix("jobs[")) - 1]["prompt_file"] = str(target)
    if jobs:
        data["jobs"] = jobs
    data["output"] = {**data.get("output", {}), "output_dir": str(workdir / "outputs")}
    data["state"] = {**data.get("state", {}), "path": str(workdir / "diaryflow.db")}
    data["logging"] = {**data.get("logging", {}), "dir": str(workdir / "logs")}
    return config_from_mapping(data, base_dir=workdir, env={})


def _read_prompt(path: Path, key: str) -> str:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(key, str(path), "file not found: a tenant's prompt files are read "
                          "when it is added") from None
    except (OSError, UnicodeDecodeError) as exc:
        problem = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(key, str(path), f"cannot read it: {problem}") from None
    if not text.strip():
        raise ConfigError(key, str(path), "a file holding the prompt, not empty")
    return text


def _prompt_name(key: str) -> str:
    """``report.md`` or ``job-N.md`` for the setting ``key``."""
    if key == REPORT_PROMPT:
        return "report.md"
    return f"job-{int(key.split(']')[0].removeprefix('jobs['))}.md"


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def _json_value(value: object) -> str:
    """TOML's date and time values as ISO text (the config loader reads them back)."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
