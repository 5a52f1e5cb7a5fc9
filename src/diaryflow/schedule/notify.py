"""Tells a webhook (WeCom, DingTalk, Feishu, Slack or any JSON endpoint) that a run failed."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from diaryflow import __version__
from diaryflow.errors import body_snippet, shorten
from diaryflow.state.runs import Failure
from diaryflow.tls import tls_context

log = logging.getLogger("diaryflow.daemon")

PRESET_HOSTS: dict[str, str] = {
    "qyapi.weixin.qq.com": "wecom",
    "oapi.dingtalk.com": "dingtalk",
    "open.feishu.cn": "feishu",
    "open.larksuite.com": "feishu",
    "hooks.slack.com": "slack",
}
PRESETS = ("wecom", "dingtalk", "feishu", "slack", "generic")
# These answer 200 even when they refuse the message; the verdict is a code in the body.
CODED_PRESETS = ("wecom", "dingtalk", "feishu")
ERROR_CHARS = 500
MASK = "[webhook]"


__all__ = ["Failure", "message_text", "notify_failure", "payload", "preset_for"]


def preset_for(url: str) -> str:
    """The message shape a webhook URL expects, from its host; "generic" when unknown."""
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return "generic"
    return PRESET_HOSTS.get(host, "generic")


def message_text(failure: Failure) -> str:
    """The notice as one short paragraph, in Chinese then English."""
    error = shorten(" ".join(failure.error.split()) or "(no error message)", ERROR_CHARS)
    plural = "attempt" if failure.attempts == 1 else "attempts"
    return (
        f"diaryflow 报告生成失败：{failure.job}，周期 {failure.period}，"
        f"已尝试 {failure.attempts} 次，最后状态 {failure.last_status}。"
        f"Report {failure.job} for period {failure.period} failed after {failure.attempts} "
        f"{plural} (last status: {failure.last_status}). Error: {error}"
    )


def payload(url: str, failure: Failure, *, preset: str | None = None) -> dict[str, Any]:
    """The JSON body for this webhook; ``preset`` overrides the one guessed from the host."""
    kind = preset or preset_for(url)
    text = message_text(failure)
    if kind in ("wecom", "dingtalk"):
        return {"msgtype": "text", "text": {"content": text}}
    if kind == "feishu":
        return {"msg_type": "text", "content": {"text": text}}
    if kind == "slack":
        return {"text": text}
    if kind == "generic":
        return {"text": text, "job": failure.job, "period": failure.period,
                "attempts": failure.attempts, "error": failure.error,
                "status": failure.last_status}
    raise ValueError(f"unknown webhook preset {kind!r}; expected one of {', '.join(PRESETS)}")


def notify_failure(
    url: str | None,
    failure: Failure,
    *,
    timeout: float = 10.0,
    transport: httpx.BaseTransport | None = None,
    preset: str | None = None,
) -> bool:
    """POST the notice; True when the webhook took it. Never raises; never logs the URL."""
    if not url or not url.strip():
        return False
    url = url.strip()
    kind = preset or preset_for(url)
    where = f"{kind} webhook at {_host(url)}"
    _HIDDEN.add(url)
    try:
        _HIDDEN.add(str(httpx.URL(url)))  # httpx logs its normalised form of the URL
        body = payload(url, failure, preset=kind)
        with httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": f"diaryflow/{__version__}"},
            verify=tls_context(),
        ) as client:
            answer = client.post(url, json=body)
    except httpx.TimeoutException as exc:
        log.warning("failure notice not sent: %s did not answer in %.1fs (%s)",
                    where, timeout, type(exc).__name__)
        return False
    except Exception as exc:  # a notice must never break the run it reports on
        log.warning("failure notice not sent: %s: %s: %s",
                    where, type(exc).__name__, _scrub(str(exc), url))
        return False
    problem = _verdict(kind, answer)
    if problem is not None:
        log.warning("failure notice not delivered: %s %s", where, _scrub(problem, url))
        return False
    log.info("failure notice for %s %s sent via %s", failure.job, failure.period, where)
    return True


def _verdict(kind: str, answer: httpx.Response) -> str | None:
    """Why the answer means "not delivered", or None when it was delivered."""
    if not answer.is_success:
        return f"answered HTTP {answer.status_code}: {body_snippet(answer.content)}"
    if kind not in CODED_PRESETS:
        return None
    try:
        data = json.loads(answer.content)
    except (ValueError, UnicodeDecodeError):
        return f"answered HTTP {answer.status_code} with a body that is not JSON: " + body_snippet(
            answer.content
        )
    if not isinstance(data, dict):
        return f"answered HTTP {answer.status_code} with unexpected JSON: " + body_snippet(
            answer.content
        )
    for key in ("errcode", "code", "StatusCode"):
        code = data.get(key)
        if code is not None and code != 0 and code != "0":
            message = data.get("errmsg") or data.get("msg") or data.get("StatusMessage") or ""
            return f"refused the message: {key} {code} ({shorten(str(message), 200)})"
    return None


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or "(no host)"
    except ValueError:
        return "(unparsable URL)"


def _scrub(text: str, url: str) -> str:
    """``text`` with the URL and its token-bearing parts (path, query values) masked."""
    try:
        parts = urlsplit(url)
        pieces = [url, str(httpx.URL(url)), parts.path + "?" + parts.query, parts.path, parts.query]
        pieces += [v for _, v in parse_qsl(parts.query)]
        pieces += [s for s in parts.path.split("/") if len(s) >= 8]
        if parts.password:
            pieces.append(parts.password)
    except Exception:  # a URL too broken to parse: withhold the whole text instead
        return "(details withheld)"
    for piece in sorted({p for p in pieces if len(p) >= 4}, key=len, reverse=True):
        text = text.replace(piece, MASK)
    return shorten(text, 300)


class _HideWebhooks(logging.Filter):
    """Masks webhook URLs in httpx's own "HTTP Request: POST <url>" records."""

    hides_webhooks = True

    def __init__(self) -> None:
        super().__init__()
        self.urls: set[str] = set()

    def add(self, url: str) -> None:
        """Mask this URL from now on."""
        self.urls.add(url)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        message = hidden = record.getMessage()
        for url in sorted(self.urls, key=len, reverse=True):
            hidden = hidden.replace(url, MASK)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


def _install_filter() -> _HideWebhooks:
    logger = logging.getLogger("httpx")
    for existing in logger.filters:
        if getattr(existing, "hides_webhooks", False):  # a reloaded module keeps one filter
            return existing  # type: ignore[return-value]
    hide = _HideWebhooks()
    logger.addFilter(hide)
    return hide


_HIDDEN = _install_filter()
