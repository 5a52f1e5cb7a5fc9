"""Constants the tests share; fixtures stay in conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from diaryflow.flowus.client import FlowUsClient

END = date(2026, 11, 27)  # the sample diary's newest day in the shared sandbox fixtures
TOKEN = "sandbox-token"

ClientFactory = Callable[..., FlowUsClient]
