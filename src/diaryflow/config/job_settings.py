"""One ``[[jobs]]`` table of config.toml: its validated shape and its ``on`` day."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import Field, StrictBool, StrictInt, model_validator

from diaryflow.config.fields import (
    HHMM,
    HTTP,
    JOB_NAME,
    PAGE_ID,
    AnyPath,
    ClockTime,
    JobName,
    Name,
    Number,
    OptionalName,
    PageId,
    PeriodKind,
    Webhook,
    bool_field,
    int_field,
    invalid,
    number_field,
    text_field,
)
from diaryflow.config.section import Section

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_ON = {"week": "monday", "month": "1", "year": "01-01"}
ON = {
    "week": f"a weekday: one of {', '.join(WEEKDAYS)}",
    "month": 'a day of the month from 1 to 28, or "last"',
    "year": 'a day as "MM-DD", e.g. "01-01"',
}


class JobSettings(Section):
    """One ``[[jobs]]`` table: a report of one period kind, on its own schedule."""

    name: JobName = Field(description=JOB_NAME)
    period: PeriodKind = text_field("rolling", "one of rolling, day, week, month, year")
    time: ClockTime | None = text_field(None, HHMM)
    on: str | None = text_field(None, "a weekday, a day of the month or MM-DD")
    title: Name | None = text_field(None, "a title; {period}, {start} and {end} are filled in")
    parent_page_id: PageId = text_field(None, PAGE_ID)
    prompt_file: AnyPath | None = text_field(None, "a file path")
    model: OptionalName = text_field(None, "a model name")
    source_job: OptionalName = text_field(None, "the name of another job")
    enabled: StrictBool = bool_field(True)
    # Unset (None): the [scheduler] or [notify] value (config/job_schedule.py merges them).
    run_on_weekends: StrictBool | None = bool_field(None)
    max_retries: StrictInt | None = int_field(None, ge=0)
    retry_interval: StrictInt | None = int_field(None, ge=0)
    retry_backoff: Number | None = number_field(None, ge=1)
    timeout: StrictInt | None = int_field(None, gt=0)
    catch_up: StrictBool | None = bool_field(None)
    webhook_url: Webhook = text_field(None, HTTP)

    @model_validator(mode="before")
    @classmethod
    def _normalise_on(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or not isinstance(data.get("period", "rolling"), str):
            return data
        period = str(data.get("period", "rolling")).strip().lower()
        if period not in DEFAULT_ON:
            return {**data, "on": None}  # rolling and day jobs fire every day
        raw = data.get("on", DEFAULT_ON[period])
        return {**data, "on": _day_of(period, raw)}

    @model_validator(mode="after")
    def _source_fits(self) -> JobSettings:
        if self.title is not None:
            try:
                self.title.format(period="", start="", end="")
            except (KeyError, IndexError, ValueError):
                raise invalid(field="title", problem="only {period}, {start} and {end} are "
                              "filled in (write {{ and }} for braces)") from None
        if self.source_job is not None and self.period not in ("month", "year"):
            raise invalid(field="source_job", problem="only month and year jobs are built from "
                          "another job's reports")
        return self


def _day_of(period: str, raw: object) -> str:
    """``on`` in one form: a weekday name, ``1``–``28`` or ``last``, or ``MM-DD``."""
    text = str(raw).strip().lower() if isinstance(raw, str | int) else ""
    if period == "week" and text in WEEKDAYS:
        return text
    if period == "month" and (text == "last" or (text.isdigit() and 1 <= int(text) <= 28)):
        return text.lstrip("0") or text
    if period == "year" and len(text) == 5 and text[2] == "-":
        with contextlib.suppress(ValueError):
            return date(2026, int(text[:2]), int(text[3:])).strftime("%m-%d")
    raise invalid(ON[period], field="on")
