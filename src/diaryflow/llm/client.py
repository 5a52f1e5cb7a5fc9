"""The LLM client: one complete streamed answer from an OpenAI-compatible service (SiliconFlow).

The official ``openai`` SDK does the HTTP, with its own retries off: this module retries
(:mod:`diaryflow.llm.policy` decides), falls back to other models on overload, enforces an
overall deadline per call, continues answers cut at ``max_tokens`` and records every call.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from diaryflow.errors import (
    ConfigError,
    LLMError,
    LLMOverloaded,
    LLMRateLimited,
    LLMTimeout,
    LLMTruncated,
)
from diaryflow.llm.policy import (
    MAX_RETRIES,
    classify_error,
    redact,
    retry_delay,
    should_fall_back,
    should_retry,
)
from diaryflow.llm.request import merge_roles, provider_extras, stream_options
from diaryflow.llm.stream import StreamAnswer, open_client, send, translate
from diaryflow.llm.types import CallRecord, Completion, Message, Pace, Usage

if TYPE_CHECKING:
    import openai

    from diaryflow.config.schema import Config

__all__ = [
    "LLMClient",
    "classify_error",
    "merge_roles",
    "provider_extras",
    "retry_delay",
    "should_retry",
    "stream_options",
]
log = logging.getLogger("diaryflow.llm")
CONTINUE_PROMPT = "继续，从中断处接着写，不要重复。"
NO_TOKEN = "not set: put the SiliconFlow API key in config.toml or SILICONFLOW_API_KEY"


class LLMClient:
    """Chat completions with retries, model fallback, a deadline and continuation."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        model: str,
        fallback_models: Sequence[str] = (),
        max_tokens: int = 4096,
        temperature: float = 0.7,
        top_p: float = 0.7,
        top_k: int | None = 50,
        frequency_penalty: float = 0.5,
        enable_thinking: bool | None = None,
        min_p: float | None = None,
        request_timeout: float = 600.0,
        log_bodies: bool = False,
        record: Callable[[CallRecord], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_retries: int = MAX_RETRIES,
        max_continuations: int = 2,
        pace: Pace | None = None,
    ) -> None:
        if not api_key:
            raise ConfigError("siliconflow.token", None, NO_TOKEN)
        self._api_key = api_key
        self.base_url = base_url.rstrip("/").removesuffix("/chat/completions")
        self.models = tuple(dict.fromkeys([model, *fallback_models]))
        self.max_tokens = max_tokens
        self.sampling = {
            "temperature": temperature,
            "top_p": top_p,
            "frequency_penalty": frequency_penalty,
        }
        self.top_k, self.min_p, self.enable_thinking = top_k, min_p, enable_thinking
        self.request_timeout, self.log_bodies = request_timeout, log_bodies
        self.max_retries, self.max_continuations = max_retries, max_continuations
        self._record, self._sleep, self._clock = record, sleep, clock
        self._pace = pace
        self._sdk: openai.OpenAI | None = None

    @classmethod
    def from_config(
        cls, config: Config, record: Callable[[CallRecord], None] | None = None,
        pace: Pace | None = None,
    ) -> LLMClient:
        """A client for ``[siliconflow]`` and ``[api_settings]``; ConfigError without a key.
        ``pace``: a shared budget each call waits for (the cluster's)."""
        sf, api = config.siliconflow, config.api_settings
        if sf.token is None:
            raise ConfigError("siliconflow.token", None, NO_TOKEN)
        return cls(
            api_key=sf.token.get_secret_value(),
            base_url=sf.base_url,
            model=sf.model,
            fallback_models=sf.fallback_models,
            max_tokens=api.max_tokens,
            temperature=api.temperature,
            top_p=api.top_p,
            top_k=api.top_k,
            frequency_penalty=api.frequency_penalty,
            enable_thinking=api.enable_thinking,
            min_p=api.min_p,
            request_timeout=sf.request_timeout,
            log_bodies=sf.log_bodies,
            record=record,
            pace=pace,
        )

    def __repr__(self) -> str:
        return f"LLMClient(base_url={self.base_url!r}, models={self.models!r})"

    def close(self) -> None:
        """Close the HTTP connections."""
        if self._sdk is not None:
            self._sdk.close()
            self._sdk = None

    def complete(self, messages: Sequence[Message], *, max_tokens: int | None = None) -> Completion:
        """One complete answer; a cut-off answer is continued, and never returned as complete."""
        started = self._clock()
        limit = max_tokens or self.max_tokens
        conversation = merge_roles(messages)
        content = reasoning = ""
        usage = Usage()
        index = 0
        for turn in range(self.max_continuations + 1):
            answer, index = self._call(index, conversation, limit)
            content += answer.content
            reasoning += answer.reasoning
            usage += answer.usage
            if answer.finish_reason != "length":
                break
            if turn < self.max_continuations:
                conversation = merge_roles(
                    [
                        *conversation,
                        {"role": "assistant", "content": answer.content},
                        {"role": "user", "content": CONTINUE_PROMPT},
                    ]
                )
        else:
            raise LLMTruncated(
                f"the answer was still cut off at max_tokens={limit} after "
                f"{self.max_continuations} continuations (raise api_settings.max_tokens)",
                partial=content,
                model=self.models[index],
            )
        if answer.finish_reason == "content_filter":
            raise LLMError("the answer was stopped by the content filter", model=self.models[index])
        return Completion(
            content=content,
            model=self.models[index],
            finish_reason=answer.finish_reason,
            reasoning=reasoning,
            usage=usage,
            seconds=self._clock() - started,
        )

    def _call(
        self, index: int, messages: list[dict[str, str]], limit: int
    ) -> tuple[StreamAnswer, int]:
        """One answer from ``models[index]`` on: retried, or moved on to fallbacks on overload."""
        attempt = overloads = timeouts = 0
        while True:
            attempt += 1
            try:
                return self._attempt(self.models[index], messages, limit), index
            except LLMError as error:
                overloads += isinstance(error, LLMOverloaded)
                has_fallback = index + 1 < len(self.models)
                if should_fall_back(error, overloads, attempt, self.max_retries, has_fallback):
                    index += 1
                    attempt = overloads = timeouts = 0
                    log.warning(
                        "%s overloaded; falling back to %s", error.model, self.models[index]
                    )
                    continue
                if not should_retry(error, attempt, self.max_retries, timeouts):
                    raise
                timeouts += isinstance(error, LLMTimeout)
                wait = retry_delay(attempt, getattr(error, "retry_after", None))
                if self._pace is not None and isinstance(error, LLMRateLimited):
                    self._pace.slow_down(wait)
                log.info("retrying %s in %.1f s after: %s", error.model, wait, error)
                self._sleep(wait)

    def _attempt(self, model: str, messages: list[dict[str, str]], limit: int) -> StreamAnswer:
        """One HTTP call: stream, collect, record; every failure comes out as an LLMError."""
        import openai

        body: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "stream": True,
            "max_tokens": limit,
            **self.sampling,
        }
        options = stream_options(self.base_url)
        if options is not None:
            body["stream_options"] = options
        extras = provider_extras(self.base_url, model, self.top_k, self.min_p, self.enable_thinking)
        request = {**body, **extras}
        if self._pace is not None:
            waited = self._pace.before_call(messages, limit)
            if waited >= 1:
                log.info("waited %.1f s for the shared model budget", waited)
        started = self._clock()
        raw: object = None
        try:
            if self._sdk is None:
                self._sdk = open_client(self._api_key, self.base_url, self.request_timeout)
            answer = send(self._sdk, body, extras, self.request_timeout, self._clock)
        except LLMError as error:
            failure = error
        except openai.OpenAIError as exc:
            failure, raw = translate(exc, model, self.base_url, self.request_timeout, self._api_key)
        else:
            self._emit(model, started, request, answer, None)
            return answer
        self._emit(model, started, request, failure, raw)
        raise failure from None

    def _emit(
        self,
        model: str,
        started: float,
        request: Mapping[str, Any],
        outcome: StreamAnswer | LLMError,
        raw: object,
    ) -> None:
        """Record one HTTP call and log a line for it (bodies only with log_bodies)."""
        seconds = self._clock() - started
        answer = outcome if isinstance(outcome, StreamAnswer) else None
        usage = answer.usage if answer else Usage()
        text = None if answer else redact(str(outcome), self._api_key)
        response = {**asdict(answer), "usage": asdict(usage)} if answer else raw
        bodies = (_dump(request), _dump(response)) if self.log_bodies else (None, None)
        call = CallRecord(
            model=model,
            status="ok" if answer else "error",
            seconds=seconds,
            http_status=answer.http_status if answer else getattr(outcome, "status", None),
            error=text,
            usage=usage,
            finish_reason=answer.finish_reason if answer else None,
            request_body=bodies[0],
            response_body=bodies[1],
        )
        tokens = f"{usage.prompt_tokens}+{usage.completion_tokens}={usage.total_tokens}"
        line = f"{model} {call.status} http={call.http_status} tokens={tokens}"
        level = logging.INFO if answer else logging.WARNING
        log.log(level, "llm %s %d ms%s", line, round(seconds * 1000), f": {text}" if text else "")
        if self.log_bodies:  # asked for explicitly, so at INFO: the default level shows it
            log.info("llm request %s", bodies[0])
            log.info("llm response %s", bodies[1])
        if self._record is not None:
            self._record(call)


def _dump(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)
