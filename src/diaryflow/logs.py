"""Log files in ``[logging].dir``, size-rotated, with every configured secret redacted."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from collections.abc import Iterable
from pathlib import Path

from diaryflow.config.load import Config, secrets

# Which loggers feed which file; the names are the ones the original script used.
LOG_FILES: dict[str, tuple[str, ...]] = {
    "scheduler.log": ("diaryflow.daemon", "diaryflow.schedule"),
    "main_scheduler.log": ("diaryflow.pipeline", "diaryflow.publish"),
    "fetch_diary.log": ("diaryflow.flowus", "diaryflow.collect"),
    "process_diary.log": ("diaryflow.report",),
    "siliconflow_api_requests.log": ("diaryflow.llm",),
}
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "[redacted]"


class RedactSecrets(logging.Filter):
    """Replaces every configured secret in a record's message (and traceback) by [redacted]."""

    def __init__(self, secret_values: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret containing another is replaced whole.
        self.secrets = sorted({s for s in secret_values if len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced."""
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        if not self.secrets:
            return True
        message = self.redact(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def setup_logging(config: Config, *, verbose: bool = False, stdout: bool = False) -> None:
    """Send diaryflow's loggers to their files (and stderr or stdout), secrets redacted."""
    redact = RedactSecrets(secrets(config))
    level = getattr(logging, config.logging.level.upper(), logging.INFO)
    formatter = logging.Formatter(FORMAT)
    base = logging.getLogger("diaryflow")
    for handler in list(base.handlers):
        base.removeHandler(handler)
        handler.close()
    base.setLevel(min(level, logging.INFO if verbose else level))
    base.propagate = False
    console = logging.StreamHandler(sys.stdout if stdout else sys.stderr)
    console.setLevel(logging.INFO if verbose or stdout else logging.WARNING)
    console.setFormatter(formatter)
    console.addFilter(redact)
    base.addHandler(console)
    folder = config.logging.dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        base.warning("cannot create the log folder %s (%s); logging to the console only",
                     folder, error)
        return
    for filename, names in LOG_FILES.items():
        handler = _file_handler(folder / filename, config, formatter, redact, level)
        for name in names:
            logger = logging.getLogger(name)
            for old in [h for h in logger.handlers if getattr(h, "diaryflow", False)]:
                logger.removeHandler(old)
                old.close()
            logger.addHandler(handler)


def reset_logging() -> None:
    """Detach and close every handler :func:`setup_logging` attached."""
    for name in ("diaryflow", *(n for names in LOG_FILES.values() for n in names)):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
    logging.getLogger("diaryflow").propagate = True


def _file_handler(
    path: Path, config: Config, formatter: logging.Formatter, redact: RedactSecrets, level: int
) -> logging.Handler:
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=config.logging.max_bytes, backupCount=config.logging.backup_count,
        encoding="utf-8", delay=True,
    )
    handler.setLevel(level)
    handler.setFormatter(formatter)
    handler.addFilter(redact)
    handler.diaryflow = True  # type: ignore[attr-defined]
    return handler


def log_to_stderr(redact: RedactSecrets) -> None:
    """Every record (diaryflow's and its libraries') to stderr at INFO, through ``redact``:
    for the long-running cluster processes, whose output their supervisor keeps."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(redact)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("diaryflow").propagate = True
    # A line per HTTP request would drown the attempts' own lines (diaryflow logs each call).
    for name in ("httpx", "httpx2", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
