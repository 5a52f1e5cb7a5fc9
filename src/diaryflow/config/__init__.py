"""The configuration: config.toml and the environment, validated into one frozen Config."""
