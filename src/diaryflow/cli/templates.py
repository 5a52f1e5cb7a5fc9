"""``diaryflow init --templates DIR``: copies of the built-in prompt templates to edit."""

from __future__ import annotations

import argparse
from pathlib import Path

from diaryflow.errors import EXIT_OK, ConfigError
from diaryflow.files import write_atomic
from diaryflow.generate.templates import COPY_NAMES, builtin_template


def write_templates(folder: Path, force: bool = False) -> list[Path]:
    """Write one template per period kind into ``folder``; existing files only with ``force``."""
    paths = {kind: folder / name for kind, name in COPY_NAMES.items()}
    taken = [path for path in paths.values() if path.exists()]
    if taken and not force:
        names = ", ".join(path.name for path in taken)
        raise ConfigError("--templates", str(folder),
                          f"already holds {names}; use --force to overwrite")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for kind, path in paths.items():
            write_atomic(path, builtin_template(kind), mode=0o644)
    except OSError as error:
        raise ConfigError("--templates", str(folder),
                          f"cannot write there: {error.strerror or error}") from None
    return list(paths.values())


def cmd_templates(args: argparse.Namespace) -> int:
    """Write the templates and say how a job uses one."""
    folder: Path = args.templates
    written = write_templates(folder, args.force)
    print(f"Wrote {len(written)} prompt templates to {folder}: "
          + ", ".join(path.name for path in written))
    weekly = (folder / COPY_NAMES["week"]).absolute()
    print("Edit one, then point a job at it in config.toml, e.g. in its [[jobs]] table:\n"
          f'  prompt_file = "{weekly}"\n'
          f"(rolling.md is the default job's template: [report] prompt_file. "
          "Relative paths are read from the config file's folder.)")
    return EXIT_OK
