"""The publish stage: one FlowUs page per (job, period), and the local copy of the report."""

from diaryflow.publish.stage import PageTarget, Published, publish

__all__ = ["PageTarget", "Published", "publish"]
