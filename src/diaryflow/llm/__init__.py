"""The language model: one complete streamed answer from an OpenAI-compatible service."""

from typing import TYPE_CHECKING

from diaryflow.lazy import lazy_exports

if TYPE_CHECKING:
    from diaryflow.llm.client import LLMClient

__all__ = ["LLMClient"]
__getattr__ = lazy_exports(__name__, ".client", __all__)
