"""Pure decisions about LLM failures: SiliconFlow error → our class, retry, wait, fall back."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from diaryflow.backoff import Backoff
from diaryflow.backoff import parse_retry_after as seconds_header
from diaryflow.errors import (
    LLMAuthError,
    LLMBadRequest,
    LLMError,
    LLMOverloaded,
    LLMPromptTooLong,
    LLMRateLimited,
    LLMServerError,
    LLMTimeout,
)

MAX_RETRIES = 4
BACKOFF = Backoff(first=2.0, cap=60.0, max_retry_after=300.0)
# A model that answered 503 twice is moved off at once: free models stay overloaded for
# minutes, and another configured model is the quicker way to an answer.
OVERLOADS_BEFORE_FALLBACK = 2
UNKNOWN_MODEL_CODE = "20012"
DAY_LIMIT = re.compile(r"\b(RPD|TPD)\b")
SEQ_LEN = re.compile(r"max_seq_len\s*\(?\s*(\d+)")
TAGS = re.compile(r"<[^>]*>")
TITLE = re.compile(r"<title>(.*?)</title>", re.I | re.S)


def error_parts(body: object) -> tuple[int | str | None, str]:
    """The (code, message) of an error body: SiliconFlow's, OpenAI's, or bare text."""
    if isinstance(body, Mapping):
        inner = body.get("error")
        if isinstance(inner, Mapping):
            body = inner
        code = body.get("code")
        message = body.get("message")
        if not isinstance(message, str) or not message.strip():
            message = json.dumps(body, ensure_ascii=False)[:300]
        return (code if isinstance(code, int | str) else None), message.strip()
    if isinstance(body, str | bytes):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        title = TITLE.search(text)
        shown = title.group(1) if title else TAGS.sub(" ", text)
        return None, " ".join(shown.split())[:300]
    return None, ""


def classify_error(status: int, body: object, model: str, headers: Mapping[str, str]) -> LLMError:
    """Turn an HTTP error answer into our error class, with a message naming the setting."""
    code, text = error_parts(body)
    text = text or f"HTTP {status}"

    def make(cls: type[LLMError], hint: str = "") -> LLMError:
        return cls(f"{text} ({hint})" if hint else text, status=status, code=code, model=model)

    if status in (400, 413, 422):
        return _refused_request(status, code, text, model)
    if status == 401:
        return make(LLMAuthError, "key refused: check siliconflow.token / SILICONFLOW_API_KEY")
    if status == 403:
        return make(
            LLMAuthError,
            f"the account may not use {model}: real-name verification or balance needed "
            "(SiliconFlow console), or choose another siliconflow.model",
        )
    if status == 404:
        return make(LLMBadRequest, "wrong address: check siliconflow.base_url (…/v1)")
    if status == 408:
        return make(LLMTimeout)
    if status == 429:
        day = DAY_LIMIT.search(text) is not None
        return LLMRateLimited(
            f"{text} (a daily limit: it will not clear soon)" if day else text,
            day_limit=day,
            retry_after=parse_retry_after(headers),
            status=status,
            code=code,
            model=model,
        )
    if status == 503:
        return make(LLMOverloaded)
    return make(LLMServerError if status >= 500 else LLMBadRequest)


def _refused_request(status: int, code: int | str | None, text: str, model: str) -> LLMError:
    """A 400, 413 or 422: a prompt too long, an unknown model, or another refused parameter."""
    limit = SEQ_LEN.search(text)
    if limit is not None or status == 413:
        return LLMPromptTooLong(
            f"{text} (the prompt is longer than the model's context: shorten the input)",
            limit=int(limit.group(1)) if limit else None, status=status, code=code, model=model,
        )
    if str(code) == UNKNOWN_MODEL_CODE or "model does not exist" in text.lower():
        hint = f'check siliconflow.model: "{model}" is not offered'
    else:
        hint = "a request parameter was refused: check [api_settings]"
    return LLMBadRequest(f"{text} ({hint})", status=status, code=code, model=model)


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a retry-after-ms or Retry-After (seconds or HTTP date) header, if any."""
    lowered = {name.lower(): value for name, value in headers.items()}
    milliseconds = seconds_header(lowered.get("retry-after-ms"))
    if milliseconds is not None:
        return milliseconds / 1000
    return seconds_header(lowered.get("retry-after"))


def should_retry(
    error: LLMError, attempt: int, max_retries: int = MAX_RETRIES, timeouts: int = 0
) -> bool:
    """Whether to send again after failed attempt number ``attempt`` (1-based).

    ``timeouts`` counts the timeouts before this one: a timeout is retried once at most,
    since a second one means the answer is too long for the deadline, not bad luck.
    """
    if attempt > max_retries:
        return False
    if isinstance(error, LLMTimeout):
        return timeouts == 0
    return error.retryable


def retry_delay(attempt: int, retry_after: float | None = None) -> float:
    """Seconds to wait before retry number ``attempt``: Retry-After, else 2 s doubling to 60 s."""
    return BACKOFF.delay(attempt, retry_after)


def should_fall_back(
    error: LLMError, overloads: int, attempt: int, max_retries: int, has_fallback: bool
) -> bool:
    """Whether to move to the next fallback model: on overload, after two or out of retries."""
    if not has_fallback or not isinstance(error, LLMOverloaded):
        return False
    return overloads >= OVERLOADS_BEFORE_FALLBACK or attempt > max_retries


def redact(text: str, secret: str) -> str:
    """``text`` with every occurrence of ``secret`` masked."""
    return text.replace(secret, "***") if secret else text


def redact_body(body: object, secret: str) -> object:
    """An error body (JSON value or text) with ``secret`` masked everywhere in it."""
    if not secret:
        return body
    if isinstance(body, str):
        return redact(body, secret)
    try:
        return json.loads(redact(json.dumps(body, ensure_ascii=False), secret))
    except (TypeError, ValueError):
        return None
