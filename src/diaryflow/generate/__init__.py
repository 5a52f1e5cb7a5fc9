"""The generate stage: the report, by the model or offline, with figures computed in code."""

from typing import TYPE_CHECKING

from diaryflow.lazy import lazy_exports

if TYPE_CHECKING:
    from diaryflow.generate.stage import generate_report

__all__ = ["generate_report"]
__getattr__ = lazy_exports(__name__, ".stage", __all__)
