"""The exception tree of diaryflow; every failure a caller sees is one of these.

::

    DiaryflowError                 base; ``exit_code`` says how the CLI ends
    ├── ConfigError                a bad setting: key, value, what was expected (exit 2)
    │   └── DatabaseUrlError       a database URL that is malformed or of no known kind
    ├── ConfigIncomplete           settings a command needs are missing (exit 2)
    ├── LockedError                another run holds the lock (exit 75)
    ├── StateError                 the state database cannot be opened or is too new
    │   └── DatabaseUnreachable    the database server cannot be reached (or lost)
    ├── CollectError               the diary cannot be collected (no database found, ...)
    ├── FlowUsError                any failure talking to FlowUs (status, code, request id)
    │   ├── FlowUsTransportError   no HTTP answer: connection refused, timeout, ...
    │   ├── FlowUsMalformedResponse    an answer that is not the JSON the API promises
    │   └── FlowUsAPIError         an error answer from the API
    │       ├── FlowUsBadRequest       400 / 422
    │       ├── FlowUsUnauthorized     401: the token is wrong
    │       ├── FlowUsForbidden        403: the page is not shared with the integration
    │       ├── FlowUsNotFound         404
    │       ├── FlowUsRateLimited      429 (``retry_after`` seconds when the server said)
    │       └── FlowUsServerError      5xx
    ├── LLMError                   any failure of the language model (status, code, model)
    │   ├── LLMAuthError           401/403: bad key, unverified account, no balance
    │   ├── LLMBadRequest          400/404: bad parameter, unknown model, wrong base URL
    │   │   └── LLMPromptTooLong   the prompt exceeds the model's context (code 20015)
    │   ├── LLMRateLimited         429; ``day_limit`` when RPD/TPD (will not clear soon)
    │   ├── LLMOverloaded          503: model overloaded / system busy
    │   ├── LLMServerError         500/502/504 and other 5xx
    │   ├── LLMTimeout             no complete answer before the deadline
    │   ├── LLMConnectionError     no HTTP answer at all
    │   └── LLMTruncated           the answer stopped at max_tokens (finish_reason "length")
    └── PublishError               the report could not be published as one complete page
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_LOCKED = 75


class DiaryflowError(Exception):
    """Base of every error diaryflow raises on purpose."""

    exit_code = EXIT_FAILED


class ConfigError(DiaryflowError):
    """A setting is missing or wrong; the message names the key, the value and the need."""

    exit_code = EXIT_CONFIG

    def __init__(self, key: str, value: object, expected: str) -> None:
        self.key = key
        self.value = value
        self.expected = expected
        super().__init__(self._format())

    def _format(self) -> str:
        if self.value is None:
            return f"{self.key}: {self.expected}"
        shown = f'"{self.value}"' if isinstance(self.value, str) else repr(self.value)
        if isinstance(self.value, bool):
            shown = "true" if self.value else "false"
        return f"{self.key} = {shown}: {self.expected}"


class ConfigIncomplete(DiaryflowError):
    """A valid configuration that lacks a setting a command needs (``diaryflow check``)."""

    exit_code = EXIT_CONFIG


class LockedError(DiaryflowError):
    """Another diaryflow process holds the lock."""

    exit_code = EXIT_LOCKED


class StateError(DiaryflowError):
    """The state database cannot be opened or was written by a newer diaryflow."""


class DatabaseUrlError(ConfigError):
    """A database URL (``DIARYFLOW_DATABASE_URL``) is malformed or names no supported database;
    the value shown has its password masked."""


class DatabaseUnreachable(StateError):
    """The database server cannot be reached, refused the connection or lost it (exit 1)."""


class CollectError(DiaryflowError):
    """The diary cannot be collected (no database found, nothing readable, ...)."""


class FlowUsError(DiaryflowError):
    """A failure talking to the FlowUs API."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.api_message = message
        self.request_id = request_id
        self.method = method
        self.path = path
        super().__init__(self._format())

    def _format(self) -> str:
        where = f"{self.method} {self.path}" if self.method and self.path else "FlowUs"
        parts = [f"{where}:"]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(f"[{self.code}]")
        parts.append(self.api_message)
        if self.request_id:
            parts.append(f"(request id {self.request_id})")
        return " ".join(parts)


class FlowUsTransportError(FlowUsError):
    """The request got no HTTP answer (timeout, refused connection, reset).

    ``not_sent`` is true when the connection was never made, so the server cannot have
    acted on the request.
    """

    def __init__(self, message: str, *, not_sent: bool = False, **kw: object) -> None:
        self.not_sent = not_sent
        super().__init__(message, **kw)  # type: ignore[arg-type]


class FlowUsMalformedResponse(FlowUsError):
    """The server answered with something that is not the JSON the API promises."""


class FlowUsAPIError(FlowUsError):
    """The API answered with an error status or an error body."""


class FlowUsBadRequest(FlowUsAPIError):
    """400 or 422: the request was refused as invalid."""


class FlowUsUnauthorized(FlowUsAPIError):
    """401: the token is missing, wrong or revoked."""


class FlowUsForbidden(FlowUsAPIError):
    """403: the integration may not see this object (not shared with it)."""


class FlowUsNotFound(FlowUsAPIError):
    """404: no such object, or it is not shared with the integration."""


class FlowUsRateLimited(FlowUsAPIError):
    """429: too many requests; ``retry_after`` is the server's wait in seconds, if given."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)  # type: ignore[arg-type]


class FlowUsServerError(FlowUsAPIError):
    """5xx: the server failed."""


class LLMError(DiaryflowError):
    """A failure of the language model service."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | int | None = None,
        model: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.model = model
        self.api_message = message
        where = f"LLM {model}" if model else "LLM"
        status_text = f" HTTP {status}" if status is not None else ""
        code_text = f" [{code}]" if code not in (None, "") else ""
        super().__init__(f"{where}:{status_text}{code_text} {message}")


class LLMAuthError(LLMError):
    """401/403: the key is wrong, or the account may not use this model (verification, balance)."""


class LLMBadRequest(LLMError):
    """400/404: a parameter, the model id or the base URL is wrong."""


class LLMPromptTooLong(LLMBadRequest):
    """The prompt is longer than the model's context window."""

    def __init__(self, message: str, *, limit: int | None = None, **kw: object) -> None:
        self.limit = limit
        super().__init__(message, **kw)  # type: ignore[arg-type]


class LLMRateLimited(LLMError):
    """429; a per-minute limit clears soon (retryable), a per-day limit does not."""

    def __init__(
        self, message: str, *, day_limit: bool = False, retry_after: float | None = None,
        **kw: object,
    ) -> None:
        self.day_limit = day_limit
        self.retry_after = retry_after
        self.retryable = not day_limit
        super().__init__(message, **kw)  # type: ignore[arg-type]


class LLMOverloaded(LLMError):
    """503: the model is overloaded or the system busy; retry later or use a fallback model."""

    retryable = True


class LLMServerError(LLMError):
    """500/502/504: the service failed."""

    retryable = True


class LLMTimeout(LLMError):
    """No complete answer before the overall deadline."""

    retryable = True


class LLMConnectionError(LLMError):
    """The service could not be reached."""

    retryable = True


class LLMTruncated(LLMError):
    """The answer was cut off at max_tokens; ``partial`` holds what did arrive."""

    def __init__(self, message: str, *, partial: str = "", **kw: object) -> None:
        self.partial = partial
        super().__init__(message, **kw)  # type: ignore[arg-type]


class PublishError(DiaryflowError):
    """The report could not be published as exactly one complete page."""


def is_permanent(error: BaseException) -> bool:
    """Whether retrying cannot help: a bad setting, key, model or permission must be fixed."""
    if isinstance(error, LLMRateLimited):
        return error.day_limit
    return isinstance(
        error,
        ConfigError | CollectError | LLMAuthError | LLMBadRequest | FlowUsUnauthorized
        | FlowUsForbidden | FlowUsBadRequest,
    )


def body_snippet(body: bytes, limit: int = 200) -> str:
    """An HTTP body as one line of at most ``limit`` characters, for an error message."""
    text = " ".join(body.decode("utf-8", "replace").split())
    return shorten(text, limit) if text else "(empty body)"


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, the cut marked with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
