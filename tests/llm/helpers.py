"""Constants and the sandbox harness the LLM tests share."""

from __future__ import annotations

from typing import Any

from diaryflow.llm.client import LLMClient
from diaryflow.llm.types import CallRecord, Message
from diaryflow.sandbox import OpenAISandbox

MODEL = "Qwen/Qwen3-8B"  # the model the tests ask for; the OpenAI sandbox serves it
KEY = "sk-sandbox-secret-0123456789abcdef"
MESSAGES: list[Message] = [
    {"role": "system", "content": "你是日记助手。"},
    {"role": "user", "content": "请总结本周日记。\n周一：写代码。"},
]
TEXT = "本周完成了三件事情。" * 6  # 60 CJK characters = 45 estimated tokens


class Harness:
    """A sandbox plus clients for it whose waits and call records are kept."""

    def __init__(self, sandbox: OpenAISandbox) -> None:
        self.sandbox = sandbox
        self.waits: list[float] = []
        self.records: list[CallRecord] = []
        self.made: list[LLMClient] = []

    def client(self, **options: Any) -> LLMClient:
        options.setdefault("api_key", KEY)
        options.setdefault("base_url", self.sandbox.base_url)
        options.setdefault("model", MODEL)
        client = LLMClient(record=self.records.append, sleep=self.waits.append, **options)
        self.made.append(client)
        return client

    @property
    def chats(self) -> int:
        return len(self.sandbox.chat_requests())
