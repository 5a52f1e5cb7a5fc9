"""Fixtures the FlowUs sandbox tests share: the sample workspace, served, and a client for it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from diaryflow.sandbox import FlowUsSandbox, Workspace, sample_workspace
from tests.sandbox.helpers import AUTH, END


@pytest.fixture
def ws() -> Workspace:
    return sample_workspace(END)


@pytest.fixture
def sb(ws: Workspace) -> Iterator[FlowUsSandbox]:
    with FlowUsSandbox(ws) as sandbox:
        yield sandbox


@pytest.fixture
def client(sb: FlowUsSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{sb.base_url}/v1", headers=AUTH, timeout=5) as c:
        yield c
