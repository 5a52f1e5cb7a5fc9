"""Deployment configs for this install: a supervisor program, systemd units, crontab lines."""

from typing import TYPE_CHECKING

from diaryflow.lazy import lazy_exports

if TYPE_CHECKING:
    from diaryflow.schedule.deploy.text import deployment_text

__all__ = ["deployment_text"]
__getattr__ = lazy_exports(__name__, ".text", __all__)
