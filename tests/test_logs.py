"""Secret redaction in every log line."""

from __future__ import annotations

import logging
from pathlib import Path

from diaryflow.config.load import config_from_mapping
from diaryflow.logs import REDACTED, RedactSecrets, setup_logging


def test_secrets_are_redacted_from_messages_arguments_and_tracebacks(tmp_path: Path) -> None:
    config = config_from_mapping({
        "flowus": {"token": "Bearer flowus-secret-value"},
        "siliconflow": {"token": "llm-secret-value-1234"},
        "notify": {"webhook_url": "https://hooks.example/abc/hook-secret-777"},
    }, base_dir=tmp_path)
    setup_logging(config)
    log = logging.getLogger("diaryflow.llm")
    log.warning("key %s refused", "llm-secret-value-1234")
    try:
        raise RuntimeError("token flowus-secret-value leaked into an error")
    except RuntimeError:
        log.exception("failed with https://hooks.example/abc/hook-secret-777")
    text = (tmp_path / "logs" / "siliconflow_api_requests.log").read_text(encoding="utf-8")
    for secret in ("flowus-secret-value", "llm-secret-value-1234", "hook-secret-777"):
        assert secret not in text
    assert text.count(REDACTED) >= 3 and "RuntimeError" in text


def test_redaction_replaces_the_longer_secret_first() -> None:
    redact = RedactSecrets(["abcd", "abcdefgh"])
    assert redact.redact("x abcdefgh y abcd") == f"x {REDACTED} y {REDACTED}"
