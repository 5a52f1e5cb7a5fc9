"""Constants the LLM tests share."""

from __future__ import annotations

MODEL = "Qwen/Qwen3-8B"  # the model the tests ask for; the OpenAI sandbox serves it
