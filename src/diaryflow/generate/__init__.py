"""The generate stage: the report, by the model or offline, with figures computed in code."""

from diaryflow.generate.stage import generate_report

__all__ = ["generate_report"]
