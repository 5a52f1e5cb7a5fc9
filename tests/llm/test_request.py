"""The request options only SiliconFlow understands, sent only to SiliconFlow hosts."""

from __future__ import annotations

from diaryflow.llm.request import provider_extras, stream_options
from tests.llm.helpers import MODEL


def test_provider_extras_only_for_siliconflow_hosts() -> None:
    every = {"top_k": 50, "min_p": 0.05, "enable_thinking": False}
    for url in ("https://api.siliconflow.cn/v1", "https://API.SiliconFlow.com/v1/"):
        assert provider_extras(url, MODEL, 50, 0.05, False) == every
        assert provider_extras(url, MODEL, 50, None, None) == {"top_k": 50}
        assert stream_options(url) is None
    for url in ("https://api.openai.com/v1", "http://127.0.0.1:8000/v1",
                "https://api.siliconflow.cn.example.com/v1"):  # fmt: skip
        assert provider_extras(url, MODEL, 50, 0.05, True) == {}
        assert stream_options(url) == {"include_usage": True}
