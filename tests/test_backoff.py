"""Retry-After headers read as seconds to wait."""

from __future__ import annotations

from datetime import datetime, timezone

from diaryflow.backoff import Backoff, parse_retry_after


def test_parse_retry_after() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    past = parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT")
    assert past == 0.0


def test_an_http_date_is_read_against_the_clock_given() -> None:
    then = datetime(2015, 10, 21, 7, 28, tzinfo=timezone.utc).timestamp()
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=then - 30) == 30.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=then + 30) == 0.0


def test_backoff_doubles_up_to_its_cap_unless_the_server_says_how_long() -> None:
    waits = Backoff(first=2.0, cap=60.0, max_retry_after=300.0)
    assert [waits.delay(n) for n in range(1, 8)] == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    assert waits.delay(3, retry_after=7.5) == 7.5
    assert waits.delay(3, retry_after=10_000) == 300.0
    assert Backoff(first=300, factor=1.5).delay(3) == 675.0  # serve's retry_interval × backoff
