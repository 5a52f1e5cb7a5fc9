"""The log lines that name one run id, from the log files in ``[logging] dir``."""

from __future__ import annotations

import re
from pathlib import Path

from diaryflow.logs import LOG_FILES, RedactSecrets

MAX_LINES = 1000
_RUN_ID = re.compile(r"[0-9a-zA-Z_-]{1,64}")


def log_files(folder: Path) -> list[Path]:
    """Every log file and its rotated copies, oldest rotation first."""
    found = []
    for name in LOG_FILES:
        rotated = sorted(folder.glob(f"{name}.*"),
                         key=lambda p: -int(p.suffix[1:]) if p.suffix[1:].isdigit() else 0)
        found += [*rotated, folder / name]
    return [path for path in found if path.is_file()]


def run_log_lines(folder: Path, run_id: str, redact: RedactSecrets,
                  limit: int = MAX_LINES) -> list[str]:
    """Up to ``limit`` lines naming ``run_id``, each file's in order, secrets redacted."""
    if not _RUN_ID.fullmatch(run_id):
        return []
    lines: list[str] = []
    for path in log_files(folder):
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    if run_id in line:
                        lines.append(redact.redact(line.rstrip("\n")))
                        if len(lines) >= limit:
                            return lines
        except OSError:
            continue
    return lines
