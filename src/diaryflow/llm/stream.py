"""The SDK side of an LLM call: open the client, send one streamed request, collect it.

``openai`` is imported inside the functions: it takes about a second, and the CLI must
start fast.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from diaryflow.errors import LLMConnectionError, LLMError, LLMServerError, LLMTimeout
from diaryflow.llm.policy import classify_error, redact, redact_body
from diaryflow.llm.types import Usage

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletionChunk

CONNECT_TIMEOUT = 15.0


@dataclass(frozen=True)
class StreamAnswer:
    """What one streamed HTTP call brought back."""

    content: str
    reasoning: str
    finish_reason: str
    usage: Usage
    http_status: int = 200


def open_client(api_key: str, base_url: str, request_timeout: float) -> openai.OpenAI:
    """An SDK client with its retries off and a per-read timeout of ``request_timeout``."""
    import openai

    from diaryflow.tls import tls_context  # httpx with it: loaded only when a call is made

    return openai.OpenAI(
        api_key=api_key,
        base_url=base_url,
        max_retries=0,
        timeout=openai.Timeout(request_timeout, connect=min(CONNECT_TIMEOUT, request_timeout)),
        # Explicit, so an OPENAI_CUSTOM_HEADERS Authorization cannot replace (and leak) the key.
        default_headers={"Authorization": f"Bearer {api_key}"},
        http_client=openai.DefaultHttpxClient(verify=tls_context()),
    )


def send(
    client: openai.OpenAI,
    body: dict[str, Any],
    extras: dict[str, Any],
    timeout: float,
    clock: Callable[[], float],
) -> StreamAnswer:
    """Send one streamed request and collect it within ``timeout`` s; SDK errors pass through."""
    import httpx
    import openai

    # openai.Omit is exported by the newer SDKs only; older 1.x keep the same class in _types.
    omit = openai.Omit() if hasattr(openai, "Omit") else openai._types.Omit()
    optional = {"stream_options": body["stream_options"]} if "stream_options" in body else {}
    deadline = clock() + timeout
    stream = client.chat.completions.create(
        model=body["model"],
        messages=body["messages"],
        stream=True,
        max_tokens=body["max_tokens"],
        temperature=body["temperature"],
        top_p=body["top_p"],
        frequency_penalty=body["frequency_penalty"],
        **optional,
        extra_body=extras or None,
        # OPENAI_ORG_ID / OPENAI_PROJECT_ID would otherwise go to a third party.
        extra_headers={"OpenAI-Organization": omit, "OpenAI-Project": omit},
    )
    with stream:
        try:
            answer = read_stream(stream, body["model"], timeout, clock, deadline)
        # openai < 3 lets its transport's errors out of a stream unwrapped; later ones wrap them.
        except httpx.TimeoutException as exc:
            raise openai.APITimeoutError(request=stream.response.request) from exc
        except httpx.RequestError as exc:
            raise openai.APIConnectionError(request=stream.response.request) from exc
        return dataclasses.replace(answer, http_status=stream.response.status_code)


def read_stream(
    chunks: Iterable[ChatCompletionChunk],
    model: str,
    timeout: float,
    clock: Callable[[], float],
    deadline: float,
) -> StreamAnswer:
    """Content and reasoning apart, the last usage seen, the last finish reason; by ``deadline``."""
    content: list[str] = []
    reasoning: list[str] = []
    finish: str | None = None
    usage = Usage()
    for chunk in chunks:
        if chunk.usage is not None:  # cumulative on SiliconFlow: keep the last, never add
            details = chunk.usage.completion_tokens_details
            usage = Usage(
                chunk.usage.prompt_tokens,
                chunk.usage.completion_tokens,
                chunk.usage.total_tokens,
                (details.reasoning_tokens or 0) if details else 0,
            )
        for choice in chunk.choices:
            content.append(choice.delta.content or "")
            reasoning.append(_reasoning(choice.delta))
            finish = choice.finish_reason or finish
        if clock() > deadline:
            text = f"no complete answer within siliconflow.request_timeout = {timeout:g} s"
            raise LLMTimeout(text, model=model)
    if finish is None:
        raise LLMConnectionError("the stream ended before the answer was finished", model=model)
    return StreamAnswer("".join(content), "".join(reasoning), finish, usage)


def translate(
    exc: Exception, model: str, base_url: str, read_timeout: float, secret: str
) -> tuple[LLMError, object]:
    """An SDK exception as our error, plus the error body (``secret`` masked) for the record."""
    import openai

    if isinstance(exc, openai.APIStatusError):
        raw = redact_body(exc.body, secret)
        return classify_error(exc.status_code, raw, model, exc.response.headers), raw
    if isinstance(exc, openai.APITimeoutError):
        text = f"no data for {read_timeout:g} s (siliconflow.request_timeout)"
        return LLMTimeout(text, model=model), None
    cause = redact(str(exc.__cause__ or exc), secret)
    if isinstance(exc, openai.APIConnectionError):
        host = urlsplit(base_url).netloc
        return LLMConnectionError(f"cannot reach {host}: {cause}", model=model), None
    if isinstance(exc, openai.APIError):  # an error event inside the stream
        raw = redact_body(exc.body, secret)
        return LLMServerError(f"error in the stream: {cause}", model=model), raw
    return LLMError(cause, model=model), None


def _reasoning(delta: object) -> str:
    """A delta's reasoning text: ``reasoning_content`` (SiliconFlow) or ``reasoning`` (vLLM)."""
    text = getattr(delta, "reasoning_content", None) or getattr(delta, "reasoning", None)
    return text if isinstance(text, str) else ""


def list_models(api_key: str, base_url: str, timeout: float = 30.0) -> list[str]:
    """The model ids the service offers (``GET /models``): proves the key and base URL work."""
    import openai

    client = open_client(api_key, base_url, timeout)
    try:
        return sorted(model.id for model in client.models.list())
    except openai.OpenAIError as exc:
        raise translate(exc, "-", base_url, timeout, api_key)[0] from None
    finally:
        client.close()
