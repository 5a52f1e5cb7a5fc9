"""The language model: one complete streamed answer from an OpenAI-compatible service."""
