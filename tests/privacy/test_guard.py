"""The guard around a model: every message redacted before it is sent, hidden things counted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from diaryflow.privacy.guard import RedactingGuard, privacy_summary
from diaryflow.privacy.redact import KINDS, Redactor
from tests.privacy.helpers import card_number, id_number

CARD = card_number("622202123456789")
ID = id_number("44030619900307123")


def test_the_model_only_ever_sees_redacted_messages() -> None:
    sent: list[list[dict[str, str]]] = []

    def model(messages: Sequence[Mapping[str, str]]) -> str:
        sent.append([dict(m) for m in messages])
        return "answer"

    guard = RedactingGuard(Redactor())
    ask = guard.wrap(model)
    assert ask([{"role": "system", "content": "写周报"},
                {"role": "user", "content": f"电话13800138000，证件{ID}，卡{CARD}"}]) == "answer"
    assert sent == [[{"role": "system", "content": "写周报"},
                     {"role": "user", "content": "电话[手机号]，证件[身份证号]，卡[银行卡号]"}]]


def test_the_same_identifier_sent_again_counts_once() -> None:
    guard = RedactingGuard(Redactor.from_settings(KINDS, [r"P\d{6}"]))
    ask = guard.wrap(lambda messages: len(messages))
    ask([{"role": "user", "content": "a@b.cn 与 c@d.cn，13800138000"}])
    ask([{"role": "user", "content": "再说一次 a@b.cn，护照 P123456"}])  # a retry, a new chunk
    assert guard.counts() == {"email": 2, "pattern": 1, "phone": 1}
    assert guard.counts(excluded=3) == {"excluded": 3, "email": 2, "pattern": 1, "phone": 1}
    assert "a@b.cn" not in repr(guard.counts())


def test_nothing_hidden_counts_nothing() -> None:
    guard = RedactingGuard(Redactor())
    guard.wrap(lambda messages: None)([{"role": "user", "content": "订单 1234567890123456"}])
    assert guard.counts() == {} and guard.counts(excluded=0) == {}


@pytest.mark.parametrize(
    ("counts", "text"),
    [
        ({}, ""),
        ({"excluded": 2}, "2 excluded"),
        ({"email": 2, "phone": 1}, "3 redacted (phone 1, email 2)"),
        ({"excluded": 2, "phone": 1, "email": 2}, "2 excluded, 3 redacted (phone 1, email 2)"),
        ({"pattern": 4, "bank_card": 1, "id_card": 1},
         "6 redacted (id_card 1, bank_card 1, pattern 4)"),
        ({"excluded": 0, "phone": 0}, ""),
    ],
)
def test_the_summary_history_shows(counts: dict[str, int], text: str) -> None:
    assert privacy_summary(counts) == text
