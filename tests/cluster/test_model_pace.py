"""The model client waits for the budget every worker shares (real Redis, real SDK)."""

from __future__ import annotations

import time

import pytest

from diaryflow.cluster.attempt import ModelPace
from diaryflow.cluster.budget import BudgetStore, ModelBudget, SharedBudget
from diaryflow.llm.client import LLMClient
from diaryflow.sandbox.openai.server import OpenAISandbox
from tests.cluster.redis_server import RedisServer

pytestmark = pytest.mark.services


def test_each_call_waits_for_the_shared_request_budget(redis_server: RedisServer) -> None:
    store = BudgetStore(redis_server.url)
    budget = ModelBudget(SharedBudget(store, "model:test:requests", 2, 2, jitter=0),
                         SharedBudget(store, "model:test:tokens", 1_000_000, 60, jitter=0))
    with OpenAISandbox(responder=lambda request: "好") as llm:
        client = LLMClient(api_key=llm.api_key, base_url=llm.base_url,
                           model="deepseek-ai/DeepSeek-V3", pace=ModelPace(budget))
        before = time.monotonic()  # the first call takes its budget after this
        try:
            for _ in range(3):
                client.complete([{"role": "user", "content": "你好"}])
        finally:
            client.close()
        starts = [request.started for request in llm.chat_requests()]
    store.close()
    assert len(starts) == 3
    assert starts[1] - starts[0] < 1.0
    # Two in any 2 s: the third is granted 2 s after the first, which came after ``before``.
    assert starts[2] - before >= 1.95
    assert starts[2] - starts[1] >= 1.0


def test_a_call_takes_its_prompt_and_max_tokens_from_the_token_budget(
        redis_server: RedisServer) -> None:
    store = BudgetStore(redis_server.url)
    tokens = SharedBudget(store, "model:test2:tokens", 100_000, 60, jitter=0)
    budget = ModelBudget(SharedBudget(store, "model:test2:requests", 100, 60), tokens)
    ModelPace(budget).before_call([{"role": "user", "content": "你好" * 100}], 1000)
    assert 1000 + 150 <= tokens.used() <= 1000 + 400
    store.close()
