"""The configuration: config.toml and the environment, validated into one frozen Config."""

from typing import TYPE_CHECKING

from diaryflow.lazy import lazy_exports

if TYPE_CHECKING:
    from diaryflow.config.load import Config, config_from_mapping, load_config

__all__ = ["Config", "config_from_mapping", "load_config"]
__getattr__ = lazy_exports(__name__, ".load", __all__)
