"""Value types for config.toml: strict, normalising, each with the text its errors show."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath
from typing import Annotated, Any
from urllib.parse import urlsplit
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AllowInfNan, BeforeValidator, Field, SecretStr, Strict, StringConstraints
from pydantic_core import PydanticCustomError

from diaryflow.flowus.colors import COLORS
from diaryflow.periods import KINDS as PERIOD_KINDS
from diaryflow.privacy.redact import KINDS as REDACT_KINDS

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
PAGE_ID = "a FlowUs page id (UUID like 8-4-4-4-12 hex) or page URL"
_JOB_NAME = re.compile(r"[a-z0-9_-]{1,40}")
JOB_NAME = "a name of a-z, 0-9, _ and - (at most 40)"
HHMM = "HH:MM (00:00–23:59)"
TOKEN = "a token string without spaces"
HTTP = "an http(s) URL like https://api.example.com"
_UUID = re.compile(
    r"[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I
)
_HHMM = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_HTTP_URL = re.compile(r"https?://[^/\s?#]+\S*", re.I)

Number = Annotated[float, Strict(), AllowInfNan(False)]
Name = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1)]


def invalid(
    expected: str | None = None, field: str | None = None, problem: str | None = None
) -> PydanticCustomError:
    """An error for the loader: ``expected`` (default: the field's description) or ``problem``."""
    pairs = (("expected", expected), ("field", field), ("problem", problem))
    ctx = {key: text for key, text in pairs if text is not None}
    return PydanticCustomError("diaryflow_config", "invalid value", ctx)


def did_you_mean(word: str, choices: Iterable[str], template: str = "{}") -> str:
    """`` (did you mean X?)`` for the closest choice (shown through ``template``), or ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {template.format(close[0])}?)" if close else ""


def page_id_from(text: str) -> str | None:
    """The dashed lowercase UUID in a FlowUs page id or URL (last path segment), else None."""
    segment = urlsplit(text.strip()).path.rstrip("/").rsplit("/", 1)[-1]
    return str(UUID(segment)) if _UUID.fullmatch(segment) else None


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _page_id(value: object) -> str | None:
    if _blank_to_none(value) is None:
        return None
    found = page_id_from(value) if isinstance(value, str) else None
    if found is None:
        raise invalid()
    return found


def _page_url(value: object) -> str | None:
    """The URL as given (the page id is derived from it), once it is known to hold one."""
    return None if _page_id(value) is None else str(value).strip()


def _token(value: object) -> object:
    value = _blank_to_none(value)
    if value is None or isinstance(value, SecretStr):
        return value
    if not isinstance(value, str):
        raise invalid()
    # The original system stored the token with its "Bearer " prefix; we add it ourselves.
    token = re.sub(r"^bearer\s+", "", value.strip(), flags=re.I)
    if not token or re.search(r"\s", token):
        raise invalid()
    return token


def _http_url(value: object) -> str:
    if not isinstance(value, str) or not _HTTP_URL.fullmatch(value.strip()):
        raise invalid()
    return value.strip()


def _base_url(value: object) -> str:
    return _http_url(value).rstrip("/")


def _webhook(value: object) -> object:
    value = _blank_to_none(value)
    return value if value is None or isinstance(value, SecretStr) else _http_url(value)


def _path(value: object) -> object:
    if isinstance(value, PurePath) or (isinstance(value, str) and value.strip()):
        return value
    raise invalid()


def _choice(choices: tuple[str, ...], normalise: Callable[[str], str]) -> BeforeValidator:
    def check(value: object) -> str:
        if not isinstance(value, str):
            raise invalid()
        if (name := normalise(value.strip())) in choices:
            return name
        raise invalid(f"one of {', '.join(choices)}{did_you_mean(name, choices)}")

    return BeforeValidator(check)


def _job_name(value: object) -> str:
    if isinstance(value, str) and _JOB_NAME.fullmatch(value.strip()):
        return value.strip()
    raise invalid()


def _regex(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise invalid("a regular expression (a non-empty string)")
    try:
        re.compile(value)
    except re.error as error:
        raise invalid(problem=f"not a valid regular expression: {error}") from None
    return value


def _hhmm(value: object) -> dt.time:
    # Seconds ("08:00:30") are accepted too, though HH:MM is what the docs show.
    if isinstance(value, dt.time) and not (value.microsecond or value.tzinfo):
        return value  # a TOML local time such as 08:00:00
    match = _HHMM.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59 or int(match[3] or 0) > 59:
        raise invalid()
    return dt.time(int(match[1]), int(match[2]), int(match[3] or 0))


def _timezone(value: object) -> str:
    if not isinstance(value, str):
        raise invalid()
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        names = {name.lower(): name for name in available_timezones()}
        exact = names.get(value.strip().lower())
        hint = f" (did you mean {exact}?)" if exact else did_you_mean(value, sorted(names.values()))
        raise invalid(
            problem=f"unknown timezone; expected an IANA name like Asia/Shanghai{hint}"
        ) from None
    return value.strip()


def int_field(
    default: int | None, ge: int | None = None, le: int | None = None, gt: int | None = None
) -> Any:
    """An integer field whose error text states its bounds."""
    return Field(default, ge=ge, le=le, gt=gt, description=_bounds("an integer", ge, le, gt))


def number_field(
    default: float | None, ge: float | None = None, le: float | None = None, gt: float | None = None
) -> Any:
    """A number field (TOML int or float) whose error text states its bounds."""
    return Field(default, ge=ge, le=le, gt=gt, description=_bounds("a number", ge, le, gt))


def _bounds(kind: str, ge: float | None, le: float | None, gt: float | None) -> str:
    low = f"≥ {ge:g}" if ge is not None else f"> {gt:g}" if gt is not None else None
    if ge is not None and le is not None:
        return f"{kind} from {ge:g} to {le:g}"
    if low is not None and le is not None:
        return f"{kind} {low} and ≤ {le:g}"
    return f"{kind} {low}" if low else kind


def bool_field(default: bool | None) -> Any:
    """A field that takes a real TOML boolean."""
    return Field(default, description="true or false")


def text_field(default: object, expected: str = "a non-empty string") -> Any:
    """Any other field, with the text its errors show as ``expected``."""
    return Field(default, description=expected)


Token = Annotated[SecretStr | None, BeforeValidator(_token)]
Webhook = Annotated[SecretStr | None, BeforeValidator(_webhook)]
PageId = Annotated[str | None, BeforeValidator(_page_id)]
PageUrl = Annotated[str | None, BeforeValidator(_page_url)]
BaseUrl = Annotated[str, BeforeValidator(_base_url)]
OptionalName = Annotated[Name | None, BeforeValidator(_blank_to_none)]
AnyPath = Annotated[Path, BeforeValidator(_path)]
Color = Annotated[str, _choice(COLORS, str.lower)]
PeriodKind = Annotated[str, _choice(PERIOD_KINDS, str.lower)]
JobName = Annotated[str, BeforeValidator(_job_name)]
LogLevel = Annotated[str, _choice(LOG_LEVELS, str.upper)]
RedactKind = Annotated[str, _choice(REDACT_KINDS, str.lower)]
Regex = Annotated[str, BeforeValidator(_regex)]
ClockTime = Annotated[dt.time, BeforeValidator(_hhmm)]
TimeZoneName = Annotated[str, BeforeValidator(_timezone)]
Emoji = Annotated[str, Strict()]
