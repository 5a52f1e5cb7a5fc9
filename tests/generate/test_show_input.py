"""``--show-input``: the requests a report would send, caught in the model's place."""

from __future__ import annotations

from diaryflow.generate.prompt import DEFAULT_TEMPLATE
from diaryflow.generate.report import build_report
from diaryflow.generate.show_input import InputCapture
from tests.generate.helpers import RUN, sample_snapshot


def capture(recent_days: int, context_tokens: int) -> tuple[InputCapture, bool]:
    caught = InputCapture()
    report = build_report(sample_snapshot(recent_days), caught, template=DEFAULT_TEMPLATE,
                          context_tokens=context_tokens, max_tokens=1024,
                          title_prefix="AI生成内容", run_date=RUN, model="m")
    return caught, report.map_reduce


def test_one_request_is_shown_whole() -> None:
    caught, map_reduce = capture(7, 65536)
    assert not map_reduce and len(caught.requests) == 1
    (request,) = caught.requests
    text = caught.text()
    assert text.startswith("===== request 1 of 1 =====\n----- system -----\n")
    assert all(content.rstrip("\n") in text for _, content in request.messages)
    assert "----- user -----" in text and "final request" not in text
    assert text.endswith("Nothing was sent: these are the messages after private entries were "
                         "left out and identifiers redacted.\n")


def test_in_map_reduce_the_chunks_are_shown_and_the_final_request_is_announced() -> None:
    caught, map_reduce = capture(60, 8000)
    chunks = [r for r in caught.requests if not r.needs_answers]
    later = [r for r in caught.requests if r.needs_answers]
    assert map_reduce and len(chunks) > 1 and len(later) == 1
    text = caught.text()
    assert text.count("===== request ") == len(chunks)
    assert f"===== request {len(chunks)} of {len(chunks)} =====" in text
    assert f"summarised in {len(chunks)} parts; the final request" in text
    assert later[0].messages[-1][1] not in text  # built from answers: not shown


def test_nothing_sent_says_so() -> None:
    caught, _ = capture(7, 65536)
    assert InputCapture().text().startswith("Nothing would be sent to a model")
    assert caught.text() != InputCapture().text()
