"""The command line: argument parsing, the commands, and what they print."""

from diaryflow.cli.main import main

__all__ = ["main"]
