"""What an LLM request carries per provider: extra fields, stream options, merged roles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from diaryflow.llm.types import Message

SILICONFLOW_HOSTS = ("api.siliconflow.cn", "api.siliconflow.com")


def is_siliconflow(base_url: str) -> bool:
    """Whether ``base_url`` points at SiliconFlow's own API hosts."""
    return (urlsplit(base_url).hostname or "").lower() in SILICONFLOW_HOSTS


def provider_extras(
    base_url: str, model: str, top_k: int | None, min_p: float | None, enable_thinking: bool | None
) -> dict[str, Any]:
    """The provider-only fields for ``extra_body``: SiliconFlow hosts get them, others none.

    OpenAI and most compatible servers refuse unknown sampling fields with a 400, so
    ``top_k``, ``min_p`` and ``enable_thinking`` go only to SiliconFlow, each only when set.
    ``model`` is not consulted: which models take ``enable_thinking`` is configuration.
    """
    if not is_siliconflow(base_url):
        return {}
    fields = {"top_k": top_k, "min_p": min_p, "enable_thinking": enable_thinking}
    return {name: value for name, value in fields.items() if value is not None}


def stream_options(base_url: str) -> dict[str, bool] | None:
    """``stream_options`` for a provider: SiliconFlow sends usage on every chunk unasked."""
    return None if is_siliconflow(base_url) else {"include_usage": True}


def merge_roles(messages: Sequence[Message]) -> list[dict[str, str]]:
    """The messages as plain dicts, consecutive same-role messages joined with a blank line."""
    merged: list[dict[str, str]] = []
    for message in messages:
        role, content = message["role"], message.get("content") or ""
        if merged and merged[-1]["role"] == role:
            merged[-1]["content"] += "\n\n" + content
        else:
            merged.append({"role": role, "content": content})
    return merged
