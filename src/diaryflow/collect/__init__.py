"""The collect stage: the diary database's entries of a period, their trees and linked pages."""

from diaryflow.collect.stage import CollectOptions, collect

__all__ = ["CollectOptions", "collect"]
