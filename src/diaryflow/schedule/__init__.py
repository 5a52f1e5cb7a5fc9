"""When runs happen: fire times, the serve daemon, child processes, notices and deployment."""

from typing import TYPE_CHECKING

from diaryflow.lazy import lazy_exports

if TYPE_CHECKING:
    from diaryflow.schedule.daemon import serve

__all__ = ["serve"]
__getattr__ = lazy_exports(__name__, ".daemon", __all__)
