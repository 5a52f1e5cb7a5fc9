"""Tests of the LLM client: the real openai SDK over real sockets to the OpenAI sandbox."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from diaryflow.config.load import config_from_mapping
from diaryflow.errors import ConfigError, LLMAuthError, LLMTruncated
from diaryflow.llm.client import CONTINUE_PROMPT, LLMClient, merge_roles
from diaryflow.llm.types import Message
from diaryflow.sandbox.openai.answer import estimate_tokens
from diaryflow.sandbox.openai.server import LLMFault
from tests.llm.helpers import KEY, MESSAGES, MODEL, TEXT, Harness

# ----- answers


def test_answer_is_collected_with_the_last_usage(llm: Harness) -> None:
    answer = llm.client().complete(MESSAGES)
    assert answer.content == TEXT
    assert (answer.model, answer.finish_reason, answer.reasoning) == (MODEL, "stop", "")
    prompt = estimate_tokens("".join(m["content"] for m in MESSAGES))
    # Usage arrives cumulative on every chunk (3 of them here): the last one, never a sum.
    assert answer.usage.prompt_tokens == prompt
    assert answer.usage.completion_tokens == estimate_tokens(TEXT) == 45
    assert answer.usage.total_tokens == prompt + 45
    assert llm.records[-1].usage == answer.usage and llm.records[-1].http_status == 200


def test_reasoning_is_kept_apart_from_the_answer(llm: Harness) -> None:
    llm.sandbox.reasoning = "先回顾日记，再归纳要点。"
    answer = llm.client().complete(MESSAGES)
    assert answer.reasoning == "先回顾日记，再归纳要点。"
    assert answer.content == TEXT
    assert answer.usage.reasoning_tokens == estimate_tokens(answer.reasoning)


def test_request_carries_the_settings_and_merged_roles(llm: Harness) -> None:
    turns = [("system", "规则"), ("user", "甲"), ("user", "乙"), ("assistant", "丙"),
             ("assistant", "丁"), ("user", "戊")]  # fmt: skip
    client = llm.client(temperature=0.3, top_p=0.9, frequency_penalty=0.1, top_k=20, min_p=0.05)
    client.complete([{"role": role, "content": text} for role, text in turns], max_tokens=777)
    body = llm.sandbox.chat_requests()[0].body
    assert [(m["role"], m["content"]) for m in body["messages"]] == [
        ("system", "规则"), ("user", "甲\n\n乙"), ("assistant", "丙\n\n丁"), ("user", "戊"),
    ]  # fmt: skip
    assert body["stream"] is True and body["max_tokens"] == 777
    assert (body["temperature"], body["top_p"], body["frequency_penalty"]) == (0.3, 0.9, 0.1)
    assert body["stream_options"] == {"include_usage": True}  # not SiliconFlow: ask for usage
    assert not {"top_k", "min_p", "enable_thinking"} & body.keys()  # not SiliconFlow: none
    original: list[Message] = [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]
    assert merge_roles(original) == [{"role": "user", "content": "a\n\nb"}]
    assert original[0]["content"] == "a" and merge_roles([]) == []


def test_sdk_environment_cannot_redirect_auth_or_leak_headers(
    llm: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_CUSTOM_HEADERS", "Authorization: Bearer sk-openai-other")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-private")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-private")
    llm.client().complete(MESSAGES)
    request = llm.sandbox.chat_requests()[0]
    assert request.status == 200  # our key was sent, not the environment's
    names = {name.lower() for name in request.headers}
    assert not {"openai-organization", "openai-project"} & names


# ----- truncation


def test_truncated_answer_is_continued(llm: Harness) -> None:
    answer = llm.client(max_tokens=20).complete(MESSAGES)  # 45 tokens: three parts
    assert answer.content == TEXT and answer.finish_reason == "stop"
    requests = llm.sandbox.chat_requests()
    assert len(requests) == 3
    last = requests[-1].body["messages"]
    assert [m["role"] for m in last[-4:]] == ["assistant", "user", "assistant", "user"]
    assert last[-1]["content"] == CONTINUE_PROMPT
    assert answer.usage.completion_tokens == sum(r.usage.completion_tokens for r in llm.records)


def test_answer_still_truncated_raises(llm: Harness) -> None:
    with pytest.raises(LLMTruncated) as caught:
        llm.client(max_tokens=10, max_continuations=1).complete(MESSAGES)
    assert caught.value.partial and TEXT.startswith(caught.value.partial)
    assert len(caught.value.partial) < len(TEXT)
    assert "api_settings.max_tokens" in str(caught.value)
    assert llm.chats == 2


def test_stream_cut_early_is_continued(llm: Harness) -> None:
    llm.sandbox.inject(LLMFault("truncate", chunks=1))
    assert llm.client().complete(MESSAGES).content == TEXT
    assert llm.chats == 2


# ----- records, logs and the key


def test_key_never_appears_in_errors_records_or_logs(
    llm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    llm.sandbox.inject(LLMFault("status", status=401, message=f"Api key is invalid: {KEY}"))
    client = llm.client(log_bodies=True)
    with pytest.raises(LLMAuthError) as caught:
        client.complete(MESSAGES)
    llm.sandbox.inject(LLMFault("status", status=500, message=f"upstream saw {KEY}"))
    client.complete(MESSAGES)
    assert KEY not in str(caught.value) and "***" in str(caught.value)
    assert KEY not in repr(client)
    for record in llm.records:
        assert KEY not in json.dumps(record.__dict__, default=str)
    assert "diaryflow.llm" in {r.name for r in caplog.records}
    assert KEY not in caplog.text


def test_bodies_are_recorded_only_with_log_bodies(
    llm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="diaryflow.llm")
    llm.client().complete(MESSAGES)
    assert llm.records[-1].request_body is None and llm.records[-1].response_body is None
    assert "周一" not in caplog.text and TEXT not in caplog.text
    line = caplog.records[-1].getMessage()
    assert MODEL in line and "tokens=" in line and " ms" in line
    llm.client(log_bodies=True).complete(MESSAGES)
    request = json.loads(llm.records[-1].request_body or "{}")
    response = json.loads(llm.records[-1].response_body or "{}")
    assert request["messages"][1]["content"] == MESSAGES[1]["content"]
    assert response["content"] == TEXT and response["finish_reason"] == "stop"
    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert any(TEXT in message for message in info)  # shown at the default level too


# ----- configuration


def test_from_config(llm: Harness, tmp_path: Path) -> None:
    data: dict[str, Any] = {
        "siliconflow": {"base_url": llm.sandbox.base_url, "model": MODEL, "token": KEY},
        "api_settings": {"max_tokens": 20, "temperature": 0.2},
    }
    client = LLMClient.from_config(config_from_mapping(data, tmp_path), llm.records.append)
    llm.made.append(client)
    assert client.complete(MESSAGES).content == TEXT
    body = llm.sandbox.chat_requests()[0].body
    assert (body["max_tokens"], body["temperature"]) == (20, 0.2)
    assert len(llm.records) == 3
    del data["siliconflow"]["token"]
    with pytest.raises(ConfigError, match=r"siliconflow\.token"):
        LLMClient.from_config(config_from_mapping(data, tmp_path, env={}))
