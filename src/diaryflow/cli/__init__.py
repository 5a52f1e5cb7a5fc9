"""The command line: argument parsing, the commands, and what they print."""

# Imported at once (it is small): a lazy ``main`` would be shadowed by the submodule ``main``.
from diaryflow.cli.main import main

__all__ = ["main"]
