"""HTTP transport to FlowUs: auth, pacing, retries, and turning every failure into ours."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from diaryflow import __version__
from diaryflow.backoff import parse_retry_after
from diaryflow.errors import (
    FlowUsAPIError,
    FlowUsBadRequest,
    FlowUsError,
    FlowUsForbidden,
    FlowUsMalformedResponse,
    FlowUsNotFound,
    FlowUsRateLimited,
    FlowUsServerError,
    FlowUsTransportError,
    FlowUsUnauthorized,
    body_snippet,
)
from diaryflow.flowus.pacing import Limiter, RateLimiter
from diaryflow.flowus.retry import retry_delay, should_retry
from diaryflow.tls import tls_context

log = logging.getLogger("diaryflow.flowus")

READ_POSTS = ("/query", "/search")
STATUS_ERRORS: dict[int, type[FlowUsAPIError]] = {
    400: FlowUsBadRequest,
    401: FlowUsUnauthorized,
    403: FlowUsForbidden,
    404: FlowUsNotFound,
    422: FlowUsBadRequest,
    429: FlowUsRateLimited,
}
REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-trace-id", "trace-id")


def is_read(method: str, path: str) -> bool:
    """Whether FlowUs counts this call against the read limit (GET, query and search)."""
    return method == "GET" or (method == "POST" and path.endswith(READ_POSTS))


def error_from_answer(
    status: int, headers: Mapping[str, str], body: bytes, method: str, path: str
) -> tuple[FlowUsError | None, Any]:
    """Classify one HTTP answer: (our error or None, the decoded JSON when it decoded)."""
    request_id = next((headers[h] for h in REQUEST_ID_HEADERS if h in headers), None)
    where: dict[str, Any] = {"method": method, "path": path, "status": status}
    try:
        payload = json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        payload = None
        if status < 400:
            return FlowUsMalformedResponse(
                f"answer is not JSON: {body_snippet(body)}", request_id=request_id, **where
            ), None
    code, message = _error_fields(payload)
    if isinstance(payload, dict):
        request_id = request_id or _str(payload.get("request_id") or payload.get("requestId"))
    if status < 400 and code is None:
        return None, payload
    message = message or body_snippet(body)
    cls = STATUS_ERRORS.get(status, FlowUsServerError if status >= 500 else FlowUsAPIError)
    if status < 400:
        cls = FlowUsAPIError  # an error body on a 2xx
    kw: dict[str, Any] = {"code": code, "request_id": request_id, **where}
    if cls is FlowUsRateLimited:
        kw["retry_after"] = parse_retry_after(headers.get("retry-after"))
    return cls(message, **kw), payload


def _error_fields(payload: Any) -> tuple[str | None, str | None]:
    """(code, message) from either error shape, or (None, None) when it is not an error."""
    if not isinstance(payload, dict):
        return None, None
    if payload.get("object") == "error":
        return _str(payload.get("code")) or "error", _str(payload.get("message"))
    nested = payload.get("error")
    if isinstance(nested, dict):
        return _str(nested.get("code")) or "error", _str(nested.get("message"))
    if isinstance(nested, str):
        return "error", nested
    return None, None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


class FlowUsHTTP:
    """Sends API requests: paced under the rate limits, retried when safe, errors mapped."""

    def __init__(
        self,
        token: str,
        base_url: str,
        *,
        reads_per_minute: int = 1000,
        writes_per_minute: int = 100,
        concurrency: int = 8,
        timeout: float = 30.0,
        max_retries: int = 5,
        sleep: Callable[[float], None] = time.sleep,
        read_limiter: Limiter | None = None,
        write_limiter: Limiter | None = None,
    ) -> None:
        token = token.strip()
        token = token[7:].strip() if token.lower().startswith("bearer ") else token
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self._sleep = sleep
        # ``sleep`` is the retry back-off's (tests make it instant); pacing always really waits.
        # Given limiters (e.g. budgets shared by many processes) replace the per-minute pacing.
        self._reads: Limiter = (
            RateLimiter(reads_per_minute) if read_limiter is None else read_limiter
        )
        self._writes: Limiter = (
            RateLimiter(writes_per_minute) if write_limiter is None else write_limiter
        )
        self._count_lock = threading.Lock()
        self.requests_sent = 0
        self.rate_limited = 0  # answers of 429, each retried after the server's wait
        self._client = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}", "User-Agent": f"diaryflow/{__version__}"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            verify=tls_context(),
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotent: bool = True,
    ) -> Any:
        """Send one API call, retrying as the policy allows; return its decoded JSON."""
        limiter = self._reads if is_read(method, path) else self._writes
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._send_once(limiter, method, path, params, body)
            except FlowUsError as error:
                if not should_retry(error, attempt, self.max_retries, idempotent=idempotent):
                    raise
                retry_after = error.retry_after if isinstance(error, FlowUsRateLimited) else None
                wait = retry_delay(attempt, retry_after)
                log.warning("%s; retry %d in %.1fs", error, attempt, wait)
                if retry_after is not None:
                    limiter.pause(wait)  # the server's wait holds back every thread, not one
                else:
                    self._sleep(wait)

    def _send_once(
        self,
        limiter: Limiter,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
    ) -> Any:
        limiter.acquire()
        with self._count_lock:
            self.requests_sent += 1
        started = time.monotonic()
        try:
            answer = self._client.request(method, "/v1" + path, params=params, json=body)
        except httpx.ConnectError as exc:
            raise FlowUsTransportError(
                f"cannot connect to {self.base_url}: {exc}", method=method, path=path, not_sent=True
            ) from exc
        except httpx.TimeoutException as exc:
            raise FlowUsTransportError(
                f"no answer in time ({type(exc).__name__})", method=method, path=path
            ) from exc
        except httpx.HTTPError as exc:
            raise FlowUsTransportError(
                f"{type(exc).__name__}: {exc}", method=method, path=path
            ) from exc
        log.debug(
            "%s %s -> %d in %.0f ms", method, path, answer.status_code,
            (time.monotonic() - started) * 1000,
        )
        if answer.status_code == 429:
            with self._count_lock:
                self.rate_limited += 1
        error, payload = error_from_answer(
            answer.status_code, answer.headers, answer.content, method, path
        )
        if error is not None:
            raise error
        return payload
