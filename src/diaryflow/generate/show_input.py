"""What a run would send to the model, caught in its place and shown (``run --show-input``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from diaryflow.llm.types import Completion, Message

# Stands for an answer the model has not given; a request holding one is built from answers.
_ANSWER = "⟦diaryflow: answer to request {}⟧"
_ANSWER_START = _ANSWER.split("{", 1)[0]


@dataclass(frozen=True)
class Request:
    """One request as it would leave: its messages, and whether it is built from answers."""

    messages: tuple[tuple[str, str], ...]
    needs_answers: bool


@dataclass
class InputCapture:
    """A stand-in for the model: keeps each request and answers with a marker, sends nothing."""

    requests: list[Request] = field(default_factory=list)

    def __call__(self, messages: Sequence[Message]) -> Completion:
        """Keep the request; answer with a marker that later requests will carry."""
        kept = tuple((m["role"], m["content"]) for m in messages)
        needs = any(_ANSWER_START in content for _, content in kept)
        self.requests.append(Request(kept, needs))
        return Completion(content=_ANSWER.format(len(self.requests)), model="")

    def text(self) -> str:
        """The requests that can be known before the model answers, then what follows them."""
        shown = [r for r in self.requests if not r.needs_answers]
        if not shown:
            return ("Nothing would be sent to a model: no siliconflow.token, model = \"offline\""
                    " or no entries in the period, so the report is an offline digest.\n")
        lines: list[str] = []
        for number, request in enumerate(shown, 1):
            lines.append(f"===== request {number} of {len(shown)} =====")
            for role, content in request.messages:
                lines += [f"----- {role} -----", content.rstrip("\n")]
            lines.append("")
        later = len(self.requests) - len(shown)
        if later == 1:
            lines.append(f"The input is summarised in {len(shown)} parts; the final request is "
                         "built from the model's answers to these, so it cannot be shown before "
                         "they exist.")
        elif later:
            lines.append(f"The input is summarised in {len(shown)} parts; {later} more requests "
                         "(merging the summaries, then the final one) are built from the model's "
                         "answers to these, so they cannot be shown before they exist.")
        lines.append("Nothing was sent: these are the messages after private entries were left "
                     "out and identifiers redacted.")
        return "\n".join(lines) + "\n"
