"""The validated shape of config.toml: one frozen pydantic model per section, with defaults."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from pathlib import Path, PurePath
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import (
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    model_validator,
)

from diaryflow.config.fields import (
    HHMM,
    HTTP,
    LOG_LEVELS,
    TOKEN,
    AnyPath,
    ClockTime,
    Color,
    Emoji,
    LogLevel,
    Name,
    Number,
    OptionalName,
    RedactKind,
    Regex,
    TimeZoneName,
    Token,
    Webhook,
    bool_field,
    int_field,
    invalid,
    number_field,
    text_field,
)
from diaryflow.config.job_settings import JobSettings
from diaryflow.config.section import Section
from diaryflow.config.services import FlowUsSettings, SiliconFlowSettings
from diaryflow.config.weekends import weekend_conflict, weekend_warning
from diaryflow.flowus.colors import COLORS
from diaryflow.privacy.redact import KINDS as REDACT_KINDS

# The model name that means "no model": reports are offline digests.
OFFLINE_MODEL = "offline"


class OutputSettings(Section):
    """``[output]``: the local copies of reports and collected input."""

    output_dir: AnyPath = text_field(Path("outputs"), "a folder path")
    filename: Name = text_field("local.md", "a file name")
    log_file: Name = text_field("data.log", "a file name")

    @property
    def report_path(self) -> Path:
        """Where the generated reports are kept (``outputs/local.md``)."""
        return self.output_dir / self.filename

    @property
    def data_path(self) -> Path:
        """Where the collected input is written (``outputs/data.log``)."""
        return self.output_dir / self.log_file


class ApiSettings(Section):
    """``[api_settings]``: sampling parameters sent with every chat call."""

    max_tokens: StrictInt = int_field(4096, gt=0)
    temperature: Number = number_field(0.7, ge=0, le=2)
    top_p: Number = number_field(0.7, gt=0, le=1)
    top_k: StrictInt = int_field(50, ge=0)
    frequency_penalty: Number = number_field(0.5, ge=-2, le=2)
    enable_thinking: StrictBool | None = bool_field(None)
    min_p: Number | None = number_field(None, ge=0, le=1)


class NewPageSettings(Section):
    """``[new_page]``: how the published report page looks."""

    title: Name = text_field("AI生成内容")
    icon_emoji: Emoji = text_field("🤖", "an emoji (a string)")


class BlockSettings(Section):
    """``[block_settings]``: what goes into the published blocks and their colours."""

    include_source: StrictBool = bool_field(False)
    include_metadata: StrictBool = bool_field(True)
    text_color: Color = text_field("default", f"one of {', '.join(COLORS)}")
    background_color: Color = text_field("default", f"one of {', '.join(COLORS)}")


class DatabaseSettings(Section):
    """``[database]``: which diary entries are collected and how far links are followed."""

    enabled: StrictBool = bool_field(True)
    page_size: StrictInt = int_field(100, ge=1, le=100)
    recent_days: StrictInt = int_field(7, ge=1, le=366)
    include_properties: StrictBool = bool_field(True)
    include_mentioned: StrictBool = bool_field(True)
    fetch_relations: StrictBool = bool_field(True)
    max_relation_depth: StrictInt = int_field(2, ge=0, le=10)


class SchedulerSettings(Section):
    """``[scheduler]``: when the daily run fires and how failures are retried."""

    enabled: StrictBool = bool_field(True)
    time: ClockTime = text_field(time(8, 0), HHMM)
    timezone: TimeZoneName = text_field("Asia/Shanghai", "an IANA timezone name like Asia/Shanghai")
    max_retries: StrictInt = int_field(3, ge=0)
    retry_interval: StrictInt = int_field(300, ge=0)
    retry_backoff: Number = number_field(1.0, ge=1)
    run_on_weekends: StrictBool = bool_field(True)
    timeout: StrictInt = int_field(3600, gt=0)
    catch_up: StrictBool = bool_field(True)

    @property
    def tz(self) -> ZoneInfo:
        """The configured timezone as a ``ZoneInfo``."""
        return ZoneInfo(self.timezone)


class LoggingSettings(Section):
    """``[logging]``: where the log files go, their level and rotation."""

    dir: AnyPath = text_field(Path("logs"), "a folder path")
    level: LogLevel = text_field("INFO", f"one of {', '.join(LOG_LEVELS)}")
    max_bytes: StrictInt = int_field(10_485_760, ge=0)
    backup_count: StrictInt = int_field(5, ge=0)


class StateSettings(Section):
    """``[state]``: the SQLite file holding runs, checkpoints and the page cache."""

    path: AnyPath = text_field(Path("diaryflow.db"), "a file path")


class ReportSettings(Section):
    """``[report]``: what the report is written from."""

    prompt_file: AnyPath | None = text_field(None, "a file path")
    job: Name = text_field("default", "a short job name")


class NotifySettings(Section):
    """``[notify]``: an optional webhook told about failed runs."""

    webhook_url: Webhook = text_field(None, HTTP)


class PrivacySettings(Section):
    """``[privacy]``: entries kept from the model, identifiers hidden from it."""

    exclude_values: tuple[Name, ...] = text_field((), 'a list of option names like ["私密"]')
    exclude_checkbox: OptionalName = text_field(None, "the name of a checkbox property")
    redact: tuple[RedactKind, ...] = text_field(REDACT_KINDS,
                                                f"a list of {', '.join(REDACT_KINDS)}")
    patterns: tuple[Regex, ...] = text_field((), "a list of regular expressions like ['P\\d{6}']")
    keep_local: StrictBool = bool_field(False)


class WebSettings(Section):
    """``[web]``: where ``diaryflow web`` listens, and the token it asks for."""

    host: Name = text_field("127.0.0.1", "an address to listen on, like 127.0.0.1")
    port: StrictInt = int_field(8765, ge=1, le=65535)
    token: Token = text_field(None, TOKEN)


# (section, key, default): paths resolved against the config file's folder.
PATH_KEYS = (
    ("output", "output_dir", "outputs"),
    ("logging", "dir", "logs"),
    ("state", "path", "diaryflow.db"),
    ("report", "prompt_file", None),
)


class Config(Section):
    """The whole validated configuration, loaded once and passed down."""

    source: Path | None = None
    base_dir: Path
    warnings: tuple[str, ...] = ()
    from_env: tuple[str, ...] = ()
    secrets_in_file: tuple[str, ...] = ()
    flowus: FlowUsSettings = Field(default_factory=FlowUsSettings)
    siliconflow: SiliconFlowSettings = Field(default_factory=SiliconFlowSettings)
    output: OutputSettings = Field(default_factory=OutputSettings)
    api_settings: ApiSettings = Field(default_factory=ApiSettings)
    new_page: NewPageSettings = Field(default_factory=NewPageSettings)
    block_settings: BlockSettings = Field(default_factory=BlockSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    state: StateSettings = Field(default_factory=StateSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    web: WebSettings = Field(default_factory=WebSettings)
    jobs: tuple[JobSettings, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _resolve_paths(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or not isinstance(data.get("base_dir"), PurePath | str):
            return data
        base = Path(data["base_dir"]).resolve()
        data = {**data, "base_dir": base}
        for section, key, default in PATH_KEYS:
            table = data.get(section, {})
            if not isinstance(table, Mapping):
                continue  # left for validation to reject
            raw = table.get(key, default)
            if isinstance(raw, PurePath) or (isinstance(raw, str) and raw.strip()):
                data[section] = {**table, key: (base / Path(raw).expanduser()).resolve()}
        jobs = data.get("jobs")
        if isinstance(jobs, list | tuple):
            data["jobs"] = [_resolve_prompt(job, base) for job in jobs]
        return data

    @model_validator(mode="after")
    def _jobs_fit_together(self, info: ValidationInfo) -> Config:
        names = [job.name for job in self.jobs]
        for number, job in enumerate(self.jobs, 1):
            _check_weekends(self.scheduler, job, number, info)
            if names.index(job.name) != number - 1:
                raise invalid(field=f"jobs[{number}].name",
                              problem=f'"{job.name}" names an earlier job too; names are unique')
            if job.source_job is not None and (job.source_job == job.name
                                               or job.source_job not in names):
                raise invalid(field=f"jobs[{number}].source_job",
                              problem=f'"{job.source_job}" is not the name of another job')
        return self


def _check_weekends(scheduler: SchedulerSettings, job: JobSettings, number: int,
                    info: ValidationInfo) -> None:
    """A weekly job that would never run is refused; a month or year job that may skip warns."""
    inherited = job.run_on_weekends is None
    skips = not (scheduler.run_on_weekends if inherited else job.run_on_weekends)
    problem = weekend_conflict(job.period, job.on, skips, inherited)
    if problem is not None:
        raise invalid(field=f"jobs[{number}].run_on_weekends", problem=problem)
    warning = weekend_warning(job.period, job.name, number, skips)
    if warning is not None and isinstance(info.context, Mapping):
        info.context["warnings"].append(warning)


def _resolve_prompt(job: Any, base: Path) -> Any:
    raw = job.get("prompt_file") if isinstance(job, Mapping) else None
    if isinstance(raw, PurePath) or (isinstance(raw, str) and raw.strip()):
        return {**job, "prompt_file": (base / Path(raw).expanduser()).resolve()}
    return job


SECTIONS: dict[str, type[Section]] = {
    name: field.annotation
    for name, field in Config.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, Section)
}
SECRET_KEYS = ("flowus.token", "siliconflow.token", "notify.webhook_url", "web.token")
JOB_SECRET_KEYS = ("webhook_url",)  # in a [[jobs]] table
