"""The configuration: config.toml and the environment, validated into one frozen Config."""

from diaryflow.config.load import Config, config_from_mapping, load_config

__all__ = ["Config", "config_from_mapping", "load_config"]
