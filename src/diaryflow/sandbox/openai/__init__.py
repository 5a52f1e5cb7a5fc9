"""The OpenAI-compatible sandbox server that answers like SiliconFlow."""
