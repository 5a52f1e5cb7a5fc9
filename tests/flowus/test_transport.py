"""Which FlowUs requests count against the read limit and which against the write limit."""

from __future__ import annotations

from diaryflow.flowus.transport import is_read


def test_reads_and_writes_are_told_apart() -> None:
    assert is_read("GET", "/pages/x")
    assert is_read("POST", "/databases/x/query")
    assert is_read("POST", "/search")
    assert not is_read("POST", "/pages")
    assert not is_read("PATCH", "/blocks/x/children")
    assert not is_read("DELETE", "/blocks/x")
