"""Constants the sandbox tests share."""

from __future__ import annotations

from datetime import date

END = date(2025, 6, 30)  # the sample shifted to end here (not tests.helpers.END)
DIARY_ENTRIES = 58  # live (not archived) rows of the sample diary
