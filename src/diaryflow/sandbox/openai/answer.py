"""What the OpenAI-compatible sandbox answers: token estimates, default text, chunks."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

JSON = Any
Responder = Callable[[dict[str, Any]], str]
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def estimate_tokens(text: str) -> int:
    """The notes' budget estimate: 0.75 per CJK character, 0.3 per other character."""
    cjk = len(CJK.findall(text))
    return math.ceil(0.75 * cjk + 0.3 * (len(text) - cjk))


def prompt_tokens(messages: list[dict[str, Any]]) -> int:
    """Estimated prompt tokens of a list of chat messages."""
    return estimate_tokens("".join(str(m.get("content") or "") for m in messages))


def default_responder(body: dict[str, Any]) -> str:
    """A deterministic Chinese Markdown report quoting the last user message's first line."""
    messages = body.get("messages") or []
    users = [str(m.get("content") or "") for m in messages if m.get("role") == "user"]
    last = users[-1] if users else ""
    first_line = next((line.strip() for line in last.splitlines() if line.strip()), "（空）")
    quoted = first_line[:40]
    chars = sum(len(str(m.get("content") or "")) for m in messages)
    return (
        "# 日记周报\n\n"
        "## 概览\n\n"
        f"- 本次输入共 {len(messages)} 条消息，约 {chars} 字。\n"
        f"- 最后一条用户消息的开头是：「{quoted}」。\n\n"
        "## 要点\n\n"
        "- 工作：按计划推进，记录清晰，节奏稳定。\n"
        "- 学习：坚持阅读与复盘，积累了新的方法。\n"
        "- 生活：作息基本规律，注意劳逸结合。\n\n"
        "## 建议\n\n"
        "1. 把重要事项提前排进日程，减少临时切换。\n"
        "2. 每天留出十分钟回顾当天的收获与问题。\n"
    )


def split_continuation(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """Split off trailing (assistant, user) turns: (the original conversation, answer so far).

    A client continuing a cut-off answer sends the partial answer back as an assistant
    message plus a user message asking for more; the sandbox then sends the rest.
    """
    end = len(messages)
    while end >= 3 and messages[end - 2].get("role") == "assistant":
        if messages[end - 1].get("role") != "user":
            break
        end -= 2
    done = "".join(
        str(m.get("content") or "") for m in messages[end:] if m.get("role") == "assistant"
    )
    return messages[:end], done


@dataclass(frozen=True)
class Plan:
    """One answer to send: reasoning, content and finish reason, cut as the request allows."""

    model: str
    reasoning: str
    content: str
    finish_reason: str
    prompt_tokens: int

    def usage(self, reasoning_sent: str, content_sent: str) -> dict[str, Any]:
        """Cumulative usage after sending the given text, SiliconFlow-style."""
        reasoning = estimate_tokens(reasoning_sent)
        completion = reasoning + estimate_tokens(content_sent)
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion,
            "completion_tokens_details": {"reasoning_tokens": reasoning},
        }


def plan_answer(
    body: dict[str, Any], responder: Responder, reasoning: str, max_tokens: int | None
) -> Plan:
    """Decide the answer: the responder's text (the rest, when continuing), cut at max_tokens."""
    messages = body["messages"]
    original, done = split_continuation(messages)
    full = responder({**body, "messages": original})
    text = full[len(done) :] if done and full.startswith(done) else full
    finish = "stop"
    if max_tokens is not None and estimate_tokens(text) > max_tokens:
        text, finish = cut_to_tokens(text, max_tokens), "length"
    return Plan(str(body["model"]), reasoning, text, finish, prompt_tokens(messages))


def cut_to_tokens(text: str, limit: int) -> str:
    """The longest prefix of ``text`` whose estimate stays within ``limit`` tokens."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if estimate_tokens(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return text[:low]


def pieces(text: str, size: int) -> list[str]:
    """Cut ``text`` into pieces of ``size`` characters."""
    return [text[i : i + size] for i in range(0, len(text), max(1, size))]


def stream_chunks(
    plan: Plan, chunk_chars: int, include_usage: bool, stop_after: int | None = None
) -> Iterator[JSON]:
    """The chunk objects of a stream: reasoning deltas, content deltas, a final chunk.

    ``stop_after`` ends the answer early with finish_reason "length" (the truncate fault).
    """
    base = {"id": "chatcmpl-sandbox", "object": "chat.completion.chunk", "created": 0}
    base["model"] = plan.model
    deltas = [("reasoning_content", p) for p in pieces(plan.reasoning, chunk_chars)]
    deltas += [("content", p) for p in pieces(plan.content, chunk_chars)]
    finish = plan.finish_reason
    if stop_after is not None and stop_after < len(deltas):
        deltas, finish = deltas[:stop_after], "length"
    sent = {"reasoning_content": "", "content": ""}
    for field, piece in deltas:
        sent[field] += piece
        delta = {"role": "assistant", "content": None, "reasoning_content": None, field: piece}
        usage = plan.usage(sent["reasoning_content"], sent["content"])
        choice = {"index": 0, "delta": delta, "finish_reason": None}
        yield {**base, "choices": [choice], "usage": usage}
    usage = plan.usage(sent["reasoning_content"], sent["content"])
    last = {"index": 0, "delta": {"content": ""}, "finish_reason": finish}
    yield {**base, "choices": [last], "usage": usage}
    if include_usage:  # OpenAI's shape: a last chunk with no choices, carrying the usage
        yield {**base, "choices": [], "usage": usage}


def completion_body(plan: Plan) -> JSON:
    """The non-streaming answer object."""
    message: dict[str, Any] = {"role": "assistant", "content": plan.content}
    if plan.reasoning:
        message["reasoning_content"] = plan.reasoning
    return {
        "id": "chatcmpl-sandbox",
        "object": "chat.completion",
        "created": 0,
        "model": plan.model,
        "choices": [{"index": 0, "message": message, "finish_reason": plan.finish_reason}],
        "usage": plan.usage(plan.reasoning, plan.content),
    }


def invalid_request(body: JSON) -> str | None:
    """Why a chat request body is malformed, or None when it is well formed."""
    if not isinstance(body, dict):
        return "the request body must be a JSON object"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages must be a non-empty list"
    for message in messages:
        if not isinstance(message, dict) or message.get("role") not in (
            "system",
            "user",
            "assistant",
        ):
            return "each message needs a role: system, user or assistant"
        if not isinstance(message.get("content"), str):
            return "each message needs a string content"
    max_tokens = body.get("max_tokens")
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
        return "max_tokens must be a positive integer"
    return None
