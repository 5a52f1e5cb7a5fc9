"""The OpenAI sandbox's load-test knobs over real HTTP: answer delay, keys, RPM and TPM limits."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from diaryflow.sandbox import OpenAISandbox
from diaryflow.sandbox.openai.budget import KeyBudget, request_tokens

MODEL = "Qwen/Qwen3-8B"
KEYS = ("key-one", "key-two")
RPM_BODY = (
    "Request was rejected due to rate limiting. If you want more, please contact "
    "contact@siliconflow.cn. Details: RPM limit reached."
)
HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "你好"}]  # 2 tokens


def client(sandbox: OpenAISandbox, key: str) -> openai.OpenAI:
    return openai.OpenAI(api_key=key, base_url=sandbox.base_url, max_retries=0, timeout=10)


def test_every_chat_answer_waits_the_answer_delay_and_the_waits_overlap() -> None:
    with OpenAISandbox(answer_delay=0.5) as sandbox, client(sandbox, sandbox.api_key) as sdk:
        started = time.monotonic()
        stream = sdk.chat.completions.create(model=MODEL, messages=HELLO, stream=True)
        first = next(iter(stream))
        waited = time.monotonic() - started
        assert first.choices[0].delta is not None and 0.5 <= waited < 1.5
        list(stream)
        started = time.monotonic()
        sdk.chat.completions.create(model=MODEL, messages=HELLO)
        assert 0.5 <= time.monotonic() - started < 1.5
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: sdk.models.list(), range(8)))
        assert time.monotonic() - started < 0.5  # only chat answers wait
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            done = list(
                pool.map(
                    lambda _: sdk.chat.completions.create(model=MODEL, messages=HELLO),
                    range(8),
                )
            )
        assert len(done) == 8 and 0.5 <= time.monotonic() - started < 1.5


def test_rpm_limit_answers_siliconflows_429_per_key() -> None:
    with OpenAISandbox(api_keys=KEYS, rpm_limit=3) as sandbox:
        with client(sandbox, KEYS[0]) as first, client(sandbox, KEYS[1]) as second:
            for _ in range(3):
                first.chat.completions.create(model=MODEL, messages=HELLO)
            with pytest.raises(openai.RateLimitError) as refused:
                first.chat.completions.create(model=MODEL, messages=HELLO)
            assert refused.value.status_code == 429
            assert refused.value.body == {"code": 42900, "message": RPM_BODY, "data": None}
            for _ in range(3):  # the other key has its own budget
                second.chat.completions.create(model=MODEL, messages=HELLO)
            assert len(second.models.list().data) == 3  # model lists are not counted
        assert httpx.get(f"{sandbox.base_url}/models").status_code == 401
        assert sandbox.rate_limited == 1
        assert [sandbox.rate_limited_for(k) for k in (sandbox.api_key, *KEYS)] == [0, 1, 0]
        chats = sandbox.chat_requests()
        assert [(r.key_index, r.status) for r in chats] == [(1, 200)] * 3 + [(1, 429)] + [
            (2, 200)
        ] * 3
        sandbox.set_limits(rpm_limit=None)
        with client(sandbox, KEYS[0]) as first:
            first.chat.completions.create(model=MODEL, messages=HELLO)


def test_tpm_limit_counts_prompt_estimate_plus_max_tokens() -> None:
    body = {"model": MODEL, "messages": HELLO, "max_tokens": 40}
    assert request_tokens(body) == 42 and request_tokens("junk") == 0
    with (
        OpenAISandbox(tpm_limit=100) as sandbox,
        httpx.Client(
            base_url=sandbox.base_url, headers={"Authorization": f"Bearer {sandbox.api_key}"}
        ) as http,
    ):
        codes = [http.post("/chat/completions", json=body).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert "Details: TPM limit reached." in http.post("/chat/completions", json=body).text
        small = {"model": MODEL, "messages": HELLO, "max_tokens": 10}
        assert http.post("/chat/completions", json=small).status_code == 200  # 84 + 12 <= 100
    assert sandbox.rate_limited == 2


def test_key_budget_slides_and_refusals_cost_nothing() -> None:
    budget = KeyBudget(rpm=2, tpm=None, window=60)
    assert [budget.admit(1, now=t) for t in (0, 1, 2, 59.9)] == [None, None, "RPM", "RPM"]
    assert budget.admit(1, now=60.0) is None  # the first slot freed at 60 s
    assert budget.admit(1, now=60.5) == "RPM"
    assert budget.admit(1, now=61.0) is None
    tokens = KeyBudget(rpm=None, tpm=10, window=60)
    assert [tokens.admit(6, now=0), tokens.admit(6, now=1), tokens.admit(4, now=2)] == [
        None,
        "TPM",
        None,
    ]
