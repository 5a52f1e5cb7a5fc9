"""Fixtures the LLM client tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from diaryflow.sandbox import OpenAISandbox
from tests.llm.helpers import KEY, TEXT, Harness


@pytest.fixture
def llm() -> Iterator[Harness]:
    with OpenAISandbox(api_key=KEY, responder=lambda body: TEXT) as sandbox:
        harness = Harness(sandbox)
        yield harness
        for client in harness.made:
            client.close()
