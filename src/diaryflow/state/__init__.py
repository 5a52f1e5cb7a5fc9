"""The state database: runs, report pages, checkpoints, the page cache, and the locks beside it."""

from typing import TYPE_CHECKING

from diaryflow.lazy import lazy_exports

if TYPE_CHECKING:
    from diaryflow.state.store import Store

__all__ = ["Store"]
__getattr__ = lazy_exports(__name__, ".store", __all__)
