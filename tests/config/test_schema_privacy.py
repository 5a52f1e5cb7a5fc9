"""The ``[privacy]`` section: its defaults, its normal forms and its one-line errors."""

from __future__ import annotations

from typing import Any

import pytest

from diaryflow.config.view import settings_lines
from diaryflow.errors import ConfigError
from tests.config.helpers import build


def test_without_a_privacy_section_the_four_kinds_are_redacted_and_nothing_is_excluded() -> None:
    privacy = build({}).privacy
    assert privacy.redact == ("phone", "id_card", "email", "bank_card")
    assert privacy.exclude_values == () and privacy.exclude_checkbox is None
    assert privacy.patterns == () and privacy.keep_local is False


def test_values_are_normalised() -> None:
    privacy = build({"privacy": {
        "exclude_values": [" 私密 ", "private"], "exclude_checkbox": "  ", "redact": ["EMAIL"],
        "patterns": [r"\bP\d{6}\b"], "keep_local": True,
    }}).privacy
    assert privacy.exclude_values == ("私密", "private")
    assert privacy.exclude_checkbox is None  # blank means unset
    assert privacy.redact == ("email",) and privacy.patterns == (r"\bP\d{6}\b",)
    assert privacy.keep_local is True
    assert build({"privacy": {"redact": []}}).privacy.redact == ()


@pytest.mark.parametrize(
    ("privacy", "message"),
    [
        ({"redact": ["phone", "passport"]},
         'privacy.redact[2] = "passport": expected one of phone, id_card, email, bank_card'),
        ({"redact": ["emial"]}, 'privacy.redact[1] = "emial": expected one of phone, id_card, '
                                "email, bank_card (did you mean email?)"),
        ({"redact": "phone"},
         'privacy.redact = "phone": expected a list of phone, id_card, email, bank_card'),
        ({"patterns": [r"\d+", "(P"]},
         'privacy.patterns[2] = "(P": not a valid regular expression: missing ), unterminated '
         "subpattern at position 0"),
        ({"patterns": [""]},
         'privacy.patterns[1] = "": expected a regular expression (a non-empty string)'),
        ({"patterns": "P\\d+"},
         "privacy.patterns = \"P\\d+\": expected a list of regular expressions like ['P\\d{6}']"),
        ({"exclude_values": "私密"},
         'privacy.exclude_values = "私密": expected a list of option names like ["私密"]'),
        ({"exclude_values": ["私密", 3]},
         'privacy.exclude_values[2] = 3: expected a list of option names like ["私密"]'),
        ({"exclude_checkbox": True},
         "privacy.exclude_checkbox = true: expected the name of a checkbox property"),
        ({"keep_local": "yes"}, 'privacy.keep_local = "yes": expected true or false'),
    ],
)
def test_a_bad_value_is_one_line_naming_the_setting(privacy: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build({"privacy": privacy})
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


def test_an_unknown_key_is_a_warning_with_a_suggestion() -> None:
    assert build({"privacy": {"keep_locale": True}}).warnings == (
        "unknown key privacy.keep_locale (did you mean privacy.keep_local?)",)


def test_check_shows_the_section() -> None:
    lines = settings_lines(build({"privacy": {"exclude_values": ["私密"]}}))
    assert 'privacy.exclude_values = ["私密"]' in lines
    assert 'privacy.redact = ["phone", "id_card", "email", "bank_card"]' in lines
    assert "privacy.exclude_checkbox = (not set)" in lines
    assert "privacy.keep_local = false" in lines
