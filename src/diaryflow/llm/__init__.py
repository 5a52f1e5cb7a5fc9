"""The language model: one complete streamed answer from an OpenAI-compatible service."""

from diaryflow.llm.client import LLMClient

__all__ = ["LLMClient"]
