"""The failure webhook over real HTTP: body shapes, verdicts, and never leaking the URL."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from diaryflow.schedule.notify import Failure, message_text, notify_failure, payload, preset_for
from tests.schedule.helpers import Hook, Reply, webhook_receiver

SECRET = "s3cret-key-0123456789"
FAILURE = Failure("daily", "2026-11-27", 3, "FlowUs answered 503\nservice unavailable", "failed")


@pytest.fixture
def hook() -> Iterator[Hook]:
    with webhook_receiver(SECRET) as receiver:
        yield receiver


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record at every level; afterwards, none may hold the URL or its key."""
    caplog.set_level(logging.DEBUG)
    yield caplog
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "")
        assert SECRET not in text, record
        assert "/hook" not in text, record


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "diaryflow.daemon" and r.levelno == logging.WARNING]


def answer(hook: Hook, status: int, body: Any, content_type: str = "application/json") -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    hook.reply = Reply(status, raw, content_type)


@pytest.mark.parametrize(("url", "preset"), [
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx", "wecom"),
    ("HTTPS://QYAPI.WEIXIN.QQ.COM/cgi-bin/webhook/send?key=abc", "wecom"),
    ("https://oapi.dingtalk.com/robot/send?access_token=1234abcd", "dingtalk"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/2d6c5b0e-0000", "feishu"),
    ("https://open.larksuite.com/open-apis/bot/v2/hook/2d6c5b0e-0000", "feishu"),
    ("https://hooks.slack.com/services/T000/B000/XXXX", "slack"),
    ("https://example.com/webhook", "generic"),
    ("https://qyapi.weixin.qq.com.example.com/send", "generic"),
    ("http://127.0.0.1:8080/hook", "generic"),
    ("not a url", "generic"),
    ("http://[::1", "generic"),
])
def test_preset_from_host(url: str, preset: str) -> None:
    assert preset_for(url) == preset


def test_message_is_one_short_bilingual_paragraph() -> None:
    text = message_text(FAILURE)
    assert "\n" not in text
    assert "2026-11-27" in text and "3" in text and "失败" in text and "failed after 3" in text
    assert "FlowUs answered 503 service unavailable" in text
    long = message_text(Failure("daily", "2026-11-27", 1, "x" * 5000, "timeout"))
    assert "x" * 499 in long and "x" * 501 not in long and "1 attempt " in long
    assert len(long) < 800


def test_payload_shapes() -> None:
    text = message_text(FAILURE)
    assert payload("https://qyapi.weixin.qq.com/x", FAILURE) == {
        "msgtype": "text", "text": {"content": text}}
    assert payload("https://oapi.dingtalk.com/x", FAILURE) == {
        "msgtype": "text", "text": {"content": text}}
    assert payload("https://open.feishu.cn/x", FAILURE) == {
        "msg_type": "text", "content": {"text": text}}
    assert payload("https://hooks.slack.com/x", FAILURE) == {"text": text}
    assert payload("https://example.com/x", FAILURE) == {
        "text": text, "job": "daily", "period": "2026-11-27", "attempts": 3,
        "error": FAILURE.error, "status": "failed"}
    assert payload("https://example.com/x", FAILURE, preset="slack") == {"text": text}
    with pytest.raises(ValueError, match="unknown webhook preset"):
        payload("https://example.com/x", FAILURE, preset="teams")


@pytest.mark.parametrize(("preset", "reply", "content_type"), [
    ("wecom", {"errcode": 0, "errmsg": "ok"}, "application/json"),
    ("dingtalk", {"errcode": 0, "errmsg": "ok"}, "application/json"),
    ("feishu", {"code": 0, "msg": "success", "data": {}}, "application/json"),
    ("feishu", {"StatusCode": 0, "StatusMessage": "success"}, "application/json"),
    ("slack", b"ok", "text/plain"),
    ("generic", b"", "text/plain"),
])
def test_each_preset_is_delivered(hook: Hook, logs: pytest.LogCaptureFixture, preset: str,
                                  reply: Any, content_type: str) -> None:
    answer(hook, 200, reply, content_type)
    url = hook.url()
    assert notify_failure(url, FAILURE, preset=preset) is True
    [(path, sent_type, body)] = hook.received
    assert path == f"/hook?key={SECRET}"
    assert sent_type == "application/json"
    assert body == payload(url, FAILURE, preset=preset)
    assert warnings(logs) == []


def test_generic_preset_is_the_default_for_a_local_url(hook: Hook,
                                                       logs: pytest.LogCaptureFixture) -> None:
    answer(hook, 204, b"")
    assert notify_failure(hook.url(), FAILURE) is True
    assert hook.received[0][2]["status"] == "failed"


@pytest.mark.parametrize(("preset", "reply", "why"), [
    ("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}, "errcode 93000"),
    ("dingtalk", {"errcode": 310000, "errmsg": "keywords not in content"}, "errcode 310000"),
    ("feishu", {"code": 19021, "msg": "sign match fail"}, "code 19021"),
    ("wecom", b"<html>captive portal</html>", "not JSON"),
    ("wecom", [1, 2], "unexpected JSON"),
])
def test_refusal_in_a_200_body_is_not_delivered(hook: Hook, logs: pytest.LogCaptureFixture,
                                                preset: str, reply: Any, why: str) -> None:
    answer(hook, 200, reply)
    assert notify_failure(hook.url(), FAILURE, preset=preset) is False
    [message] = warnings(logs)
    assert why in message and f"{preset} webhook at 127.0.0.1" in message


def test_server_error_is_logged_without_the_url(hook: Hook,
                                                logs: pytest.LogCaptureFixture) -> None:
    # A server echoing the request URL in its error page must not get it into the log either.
    answer(hook, 500, f"boom at {hook.url()} key={SECRET}".encode(), "text/plain")
    assert notify_failure(hook.url(), FAILURE) is False
    [message] = warnings(logs)
    assert "HTTP 500" in message and "generic webhook at 127.0.0.1" in message


def test_refused_connection(logs: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert notify_failure(f"http://127.0.0.1:{port}/hook?key={SECRET}", FAILURE) is False
    [message] = warnings(logs)
    assert "ConnectError" in message and "127.0.0.1" in message


def test_timeout(hook: Hook, logs: pytest.LogCaptureFixture) -> None:
    hook.reply = Reply(200, b"{}", delay=5.0)
    started = time.monotonic()
    assert notify_failure(hook.url(), FAILURE, timeout=0.3) is False
    assert time.monotonic() - started < 2.0
    [message] = warnings(logs)
    assert "did not answer in 0.3s" in message


@pytest.mark.parametrize("url", [None, "", "   "])
def test_no_webhook_configured(url: str | None, logs: pytest.LogCaptureFixture) -> None:
    assert notify_failure(url, FAILURE) is False
    assert warnings(logs) == []


@pytest.mark.parametrize("url", [
    f"ftp://127.0.0.1/hook?key={SECRET}",
    f"http://[::1/hook?key={SECRET}",
    f"127.0.0.1/hook?key={SECRET}",
])
def test_unusable_url_is_a_warning_not_an_exception(url: str,
                                                    logs: pytest.LogCaptureFixture) -> None:
    assert notify_failure(url, FAILURE) is False
    assert len(warnings(logs)) == 1


def test_unknown_preset_is_a_warning_not_an_exception(hook: Hook,
                                                      logs: pytest.LogCaptureFixture) -> None:
    assert notify_failure(hook.url(), FAILURE, preset="teams") is False
    assert hook.received == []
    assert "unknown webhook preset" in warnings(logs)[0]


def test_httpx_request_log_masks_the_url(hook: Hook, logs: pytest.LogCaptureFixture) -> None:
    answer(hook, 200, {"errcode": 0})
    assert notify_failure(hook.url(), FAILURE, preset="wecom") is True
    requests = [r.getMessage() for r in logs.records if r.name == "httpx"]
    assert requests and all("POST [webhook]" in m for m in requests)
