"""What ``diaryflow check`` shows about a configuration: effective values and file permissions."""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import stat
from pathlib import PurePath

from pydantic import BaseModel, SecretStr

from diaryflow.config.job_schedule import OVERRIDES
from diaryflow.config.job_settings import JobSettings
from diaryflow.config.load import ENV_OVERRIDES, Config

NOT_SET = "(not set)"
# A FlowUs page URL may carry a share code (?code=...) that opens the page to anyone.
URLS_WITH_SHARE_CODES = frozenset({"flowus.url"})


def mask(secret: str) -> str:
    """``****`` plus the last 4 characters, and only those, for a secret of 16 or more."""
    return "****" + secret[-4:] if len(secret) >= 16 else "****"


def hide_query(url: str) -> str:
    """The URL with its query string (share codes) replaced by ``?****``."""
    base, sep, _ = url.partition("?")
    return base + ("?****" if sep else "")


def settings_lines(config: Config) -> list[str]:
    """The effective configuration, one ``section.key = value`` line each, secrets masked."""
    origin = {key: var for var, key in ENV_OVERRIDES.items() if key in config.from_env}
    lines = [f"config file: {config.source or '(none)'}"]
    for name in type(config).model_fields:
        section = getattr(config, name)
        if not isinstance(section, BaseModel):
            continue
        for key in type(section).model_fields:
            dotted = f"{name}.{key}"
            note = f"  (from {origin[dotted]})" if dotted in origin else ""
            value = getattr(section, key)
            if dotted in URLS_WITH_SHARE_CODES and isinstance(value, str):
                value = hide_query(value)
            lines.append(f"{dotted} = {_show(value)}{note}")
    return lines + [line for number, job in enumerate(config.jobs, 1)
                    for line in _job_lines(config, job, number)]


def _job_lines(config: Config, job: JobSettings, number: int) -> list[str]:
    """One ``jobs[N].key = value`` line per key; an unset override shows what it inherits."""
    inherited = {key: ("scheduler", getattr(config.scheduler, key)) for key in OVERRIDES}
    inherited["time"] = ("scheduler", config.scheduler.time)
    inherited["webhook_url"] = ("notify", config.notify.webhook_url)
    lines = []
    for key in type(job).model_fields:
        value, note = getattr(job, key), ""
        if value is None and key in inherited:
            section, value = inherited[key]
            note = f"  (from {section}.{key})"
        lines.append(f"jobs[{number}].{key} = {_show(value)}{note}")
    return lines


def permission_warnings(config: Config) -> list[str]:
    """A warning when the config file holds secrets and group or others may read it."""
    if config.source is None or not config.secrets_in_file or os.name == "nt":
        return []
    try:
        mode = stat.S_IMODE(config.source.stat().st_mode)
    except OSError:
        return []
    if not mode & (stat.S_IRGRP | stat.S_IROTH):
        return []
    return [
        f"{config.source} holds secrets ({', '.join(config.secrets_in_file)}) and is readable "
        f"by group/others (mode {mode:04o}): run chmod 600 {shlex.quote(str(config.source))}"
    ]


def _show(value: object) -> str:
    if value is None:
        return NOT_SET
    if isinstance(value, SecretStr):
        return mask(value.get_secret_value())
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.time):
        return f'"{value:%H:%M:%S}"' if value.second else f'"{value:%H:%M}"'
    if isinstance(value, str | PurePath):
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    return str(value)
