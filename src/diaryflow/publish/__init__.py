"""The publish stage: one FlowUs page per (job, period), and the local copy of the report."""

from typing import TYPE_CHECKING

from diaryflow.lazy import lazy_exports

if TYPE_CHECKING:
    from diaryflow.publish.stage import PageTarget, Published, publish

__all__ = ["PageTarget", "Published", "publish"]
__getattr__ = lazy_exports(__name__, ".stage", __all__)
