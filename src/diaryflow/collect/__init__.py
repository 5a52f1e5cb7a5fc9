"""The collect stage: the diary database's entries of a period, their trees and linked pages."""

from typing import TYPE_CHECKING

from diaryflow.lazy import lazy_exports

if TYPE_CHECKING:
    from diaryflow.collect.stage import CollectOptions, collect

__all__ = ["CollectOptions", "collect"]
__getattr__ = lazy_exports(__name__, ".stage", __all__)
