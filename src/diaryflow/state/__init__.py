"""The state database: runs, report pages, checkpoints, the page cache, and the locks beside it."""

from diaryflow.state.store import Store

__all__ = ["Store"]
